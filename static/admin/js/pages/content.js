// Content: the members' courses, exercises, blog posts, forum subjects and forum posts, newest
// first, each deletable after a confirmation step. Staff see hidden and pending rows too.

import { busy, confirmDialog, errorMessage, h, notify, pageHeader } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { pagedTable } from '../list.js';
import { accountLink, excerpt, statusBadge, tabs, withShared } from '../widgets.js';

/** The lists: API path, the field holding the title, the field holding the text. */
const KINDS = {
  courses: { path: '/courses', title: 'title', body: 'content' },
  exercises: { path: '/exercises', title: 'title', body: 'instruction' },
  blog_posts: { path: '/blog/posts', title: 'title', body: 'content' },
  forum_subjects: { path: '/forum/subjects', title: 'title' },
  forum_posts: { path: '/forum/posts', body: 'content' },
};

function label(kind, row) {
  const spec = KINDS[kind];
  return spec.title ? row[spec.title] : excerpt(row[spec.body], 60);
}

export default {
  path: 'content',
  nav: 'nav.content',
  title: 'content.title',
  minLevel: 2,
  messages: withShared({
    en: {
      'nav.content': 'Content',
      'content.title': 'Content',
      'content.kinds': 'Kinds of content',
      'content.kind.courses': 'Courses',
      'content.kind.exercises': 'Exercises',
      'content.kind.blog_posts': 'Blog posts',
      'content.kind.forum_subjects': 'Forum subjects',
      'content.kind.forum_posts': 'Forum posts',
      'content.none': 'Nothing here yet.',
      'content.id': 'No.',
      'content.item': 'Title or text',
      'content.author': 'Author',
      'content.state': 'State',
      'content.created': 'Created',
      'content.actions': 'Actions',
      'content.visible': 'Visible',
      'content.delete': 'Delete',
      'content.delete_label': 'Delete “{name}”',
      'content.delete_title': 'Delete “{name}”?',
      'content.delete_message': 'It is deleted for good, with what depends on it (comments, posts of a subject, exercises of a course…).',
      'content.deleted': '“{name}” is deleted.',
    },
    fr: {
      'nav.content': 'Contenus',
      'content.title': 'Contenus',
      'content.kinds': 'Types de contenu',
      'content.kind.courses': 'Cours',
      'content.kind.exercises': 'Exercices',
      'content.kind.blog_posts': 'Billets de blog',
      'content.kind.forum_subjects': 'Sujets du forum',
      'content.kind.forum_posts': 'Messages du forum',
      'content.none': 'Rien pour l’instant.',
      'content.id': 'N°',
      'content.item': 'Titre ou texte',
      'content.author': 'Auteur',
      'content.state': 'État',
      'content.created': 'Créé le',
      'content.actions': 'Actions',
      'content.visible': 'Visible',
      'content.delete': 'Supprimer',
      'content.delete_label': 'Supprimer « {name} »',
      'content.delete_title': 'Supprimer « {name} » ?',
      'content.delete_message': 'La suppression est définitive et emporte ce qui en dépend (commentaires, messages d’un sujet, exercices d’un cours…).',
      'content.deleted': '« {name} » est supprimé.',
    },
  }),

  async render(view, ctx) {
    const { api, query, setQuery } = ctx;
    let kind = query.get('kind') in KINDS ? query.get('kind') : 'courses';
    let list;

    const remove = async (button, row) => {
      const name = label(kind, row) || `#${row.id}`;
      const confirmed = await confirmDialog({
        title: t('content.delete_title', { name }),
        message: t('content.delete_message'),
        confirmLabel: t('content.delete'),
      });
      if (!confirmed) return;
      try {
        await busy(button, () => api.del(`${KINDS[kind].path}/${row.id}`));
        notify(t('content.deleted', { name }));
        await list.refresh();
        view.querySelector('[role=tab][aria-selected=true]')?.focus();
      } catch (error) {
        notify(errorMessage(error), 'error');
      }
    };

    const columns = () => [
      { label: t('content.id'), cell: (row) => String(row.id), class: 'cell-id' },
      {
        label: t('content.item'),
        class: 'cell-item',
        cell: (row) => {
          const spec = KINDS[kind];
          return [h('span', { class: 'item-title' }, label(kind, row)), spec.title && spec.body ? h('span', { class: 'item-excerpt muted' }, excerpt(row[spec.body])) : null];
        },
      },
      { label: t('content.author'), cell: (row) => accountLink(row.account_id) },
      {
        label: t('content.state'),
        cell: (row) => {
          const badges = statusBadge(row.status, row.hidden === 1).filter(Boolean);
          return badges.length ? badges : h('span', { class: 'muted' }, t('content.visible'));
        },
      },
      { label: t('content.created'), cell: (row) => formatDateTime(row.created_at) },
      {
        label: t('content.actions'),
        cell: (row) => {
          const button = h('button', { type: 'button', class: 'button button-danger', 'data-action': 'delete', 'aria-label': t('content.delete_label', { name: label(kind, row) || `#${row.id}` }) }, t('content.delete'));
          button.addEventListener('click', () => remove(button, row));
          return button;
        },
      },
    ];

    const makeList = () =>
      pagedTable({
        caption: t(`content.kind.${kind}`),
        columns: columns(),
        emptyText: t('content.none'),
        fetchPage: (cursor) => api.get(KINDS[kind].path, { query: { cursor, limit: 20 } }),
      });
    list = makeList();
    const kindTabs = tabs({
      label: t('content.kinds'),
      id: 'content-tabs',
      options: Object.keys(KINDS).map((k) => [k, t(`content.kind.${k}`)]),
      selected: kind,
      onSelect(value) {
        kind = value;
        setQuery({ kind: kind === 'courses' ? '' : kind });
        list = makeList();
        kindTabs.panel.replaceChildren(list.element);
        list.reload();
      },
    });
    kindTabs.panel.append(list.element);
    view.append(pageHeader(t('content.title')), kindTabs.element, kindTabs.panel);
    await list.reload();
  },
};
