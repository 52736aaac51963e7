// Reference data (admins): locales, programming languages, blog categories, forum categories
// and forums, avatars. Each list is short: it is shown whole, with an add form, each row
// editable in place and deletable after a confirmation step.

import { busy, confirmDialog, errorMessage, field, h, loadInto, notify, pageHeader, section, select, uid } from '../dom.js';
import { t } from '../i18n.js';
import { fetchAll, formError } from '../widgets.js';

/** The simple lists: one `name` each. */
const NAMED = [
  ['locales', '/locales'],
  ['languages', '/languages'],
  ['blog_categories', '/blog/categories'],
  ['forum_categories', '/forum/categories'],
];

async function remove(api, path, name, after) {
  const confirmed = await confirmDialog({
    title: t('reference.delete_title', { name }),
    message: t('reference.delete_message'),
    confirmLabel: t('reference.delete'),
  });
  if (!confirmed) return;
  try {
    await api.del(path);
    notify(t('reference.deleted', { name }));
    await after();
  } catch (error) {
    notify(errorMessage(error), 'error');
  }
}

/** A list of named rows: add, rename in place, delete. `onChange` runs after any change. */
function namedList(key, path, api, onChange) {
  const box = h('div', { class: 'ref-list' });
  const sectionId = `ref-${key.replace(/_/g, '-')}`;
  const add = h('input', { name: 'name', type: 'text', required: true, maxlength: '64', autocomplete: 'off' });
  const addError = formError();
  const addForm = h(
    'form',
    { class: 'inline-form', 'data-form': 'add' },
    field(t('reference.new_name'), add),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, t('reference.add'))),
  );
  addForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    addError.hide();
    try {
      await busy(addForm.querySelector('button'), () => api.post(path, { name: add.value.trim() }));
      notify(t('reference.added', { name: add.value.trim() }));
      add.value = '';
      await load();
      onChange?.();
      add.focus();
    } catch (error) {
      addError.show(error);
    }
  });

  const row = (item) => {
    const input = h('input', { type: 'text', name: 'name', value: item.name, required: true, maxlength: '64', 'aria-label': t('reference.name_of', { id: item.id }) });
    const save = h('button', { type: 'submit', class: 'button', 'data-action': 'save' }, t('reference.save'));
    const del = h('button', { type: 'button', class: 'button button-danger', 'data-action': 'delete', 'aria-label': t('reference.delete_named', { name: item.name }) }, t('reference.delete'));
    const error = formError();
    const form = h('form', { class: 'ref-row', 'data-id': String(item.id) }, h('span', { class: 'ref-id muted' }, `#${item.id}`), input, save, del, error.element);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hide();
      try {
        await busy(save, () => api.patch(`${path}/${item.id}`, { name: input.value.trim() }));
        notify(t('reference.saved', { name: input.value.trim() }));
        onChange?.();
      } catch (failure) {
        error.show(failure);
      }
    });
    del.addEventListener('click', () =>
      remove(api, `${path}/${item.id}`, item.name, async () => {
        await load();
        onChange?.();
        add.focus();
      }),
    );
    return h('li', {}, form);
  };

  const list = h('div', {});
  const load = () =>
    loadInto(list, async () => {
      const items = await fetchAll(api, path);
      return items.length ? h('ul', { class: 'ref-rows' }, items.map(row)) : h('p', { class: 'state state-empty' }, t('reference.none'));
    });
  box.append(addForm, addError.element, list);
  const element = section(t(`reference.${key}`), box);
  element.id = sectionId;
  return { element, load };
}

/** Forums: a category, a name and a description each. */
function forumList(api) {
  const box = h('div', {});
  let categories = [];
  const categoryOptions = () => categories.map((c) => [c.id, c.name]);

  const load = () =>
    loadInto(box, async () => {
      const [cats, forums] = await Promise.all([fetchAll(api, '/forum/categories'), fetchAll(api, '/forum/forums')]);
      categories = cats;
      if (!categories.length) return h('p', { class: 'state state-empty' }, t('reference.forums_need_category'));
      return h('div', {}, addForm(), forums.length ? h('ul', { class: 'ref-rows' }, forums.map(row)) : h('p', { class: 'state state-empty' }, t('reference.none')));
    });

  const fields = (forum = {}) => {
    const category = select({ name: 'category_id' }, categoryOptions(), forum.category_id ?? categories[0]?.id);
    const name = h('input', { type: 'text', name: 'name', value: forum.name ?? '', required: true, maxlength: '200' });
    const description = h('textarea', { name: 'description', rows: '2', maxlength: '1000', value: forum.description ?? '' });
    const body = () => ({ category_id: Number(category.value), name: name.value.trim(), description: description.value.trim() || null });
    return { category, name, description, body };
  };

  function addForm() {
    const f = fields();
    const error = formError();
    const form = h(
      'form',
      { class: 'form forum-form', 'data-form': 'add' },
      h('div', { class: 'field-row' }, field(t('reference.category'), f.category), field(t('reference.forum_name'), f.name)),
      field(t('reference.description'), f.description),
      error.element,
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, t('reference.add_forum'))),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hide();
      try {
        const body = f.body();
        await busy(form.querySelector('button[type=submit]'), () => api.post('/forum/forums', body));
        notify(t('reference.added', { name: body.name }));
        await load();
      } catch (failure) {
        error.show(failure);
      }
    });
    return form;
  }

  function row(forum) {
    const f = fields(forum);
    const error = formError();
    const legend = uid('forum');
    const save = h('button', { type: 'submit', class: 'button', 'data-action': 'save' }, t('reference.save'));
    const del = h('button', { type: 'button', class: 'button button-danger', 'data-action': 'delete', 'aria-label': t('reference.delete_named', { name: forum.name }) }, t('reference.delete'));
    const form = h(
      'form',
      { class: 'form forum-form', 'data-id': String(forum.id), 'aria-labelledby': legend },
      h('p', { id: legend, class: 'ref-id muted' }, t('reference.forum_number', { id: forum.id })),
      h('div', { class: 'field-row' }, field(t('reference.category'), f.category), field(t('reference.forum_name'), f.name)),
      field(t('reference.description'), f.description),
      error.element,
      h('div', { class: 'form-actions' }, save, del),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hide();
      try {
        const body = f.body();
        await busy(save, () => api.patch(`/forum/forums/${forum.id}`, body));
        notify(t('reference.saved', { name: body.name }));
      } catch (failure) {
        error.show(failure);
      }
    });
    del.addEventListener('click', () => remove(api, `/forum/forums/${forum.id}`, forum.name, load));
    return h('li', {}, form);
  }

  const element = section(t('reference.forums'), box);
  element.id = 'ref-forums';
  return { element, load };
}

/** Avatars: the images, an upload, deletion. */
function avatarList(api) {
  const grid = h('div', {});
  const file = h('input', { type: 'file', name: 'image', accept: 'image/png,image/jpeg,image/webp', required: true });
  const error = formError();
  const upload = h('button', { type: 'submit', class: 'button button-primary' }, t('reference.upload'));
  const form = h('form', { class: 'inline-form', id: 'avatar-upload' }, field(t('reference.image'), file, t('reference.image_hint')), h('div', { class: 'form-actions' }, upload));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hide();
    const chosen = file.files?.[0];
    if (!chosen) return;
    try {
      await busy(upload, () => api.post('/avatars/upload', chosen));
      notify(t('reference.uploaded'));
      file.value = '';
      await load();
    } catch (failure) {
      error.show(failure);
    }
  });
  const load = () =>
    loadInto(grid, async () => {
      const avatars = await fetchAll(api, '/avatars');
      if (!avatars.length) return h('p', { class: 'state state-empty' }, t('reference.no_avatars'));
      return h(
        'ul',
        { class: 'avatars' },
        avatars.map((avatar) => {
          const name = t('reference.avatar', { id: avatar.id });
          const del = h('button', { type: 'button', class: 'button button-danger', 'data-action': 'delete', 'aria-label': t('reference.delete_named', { name }) }, t('reference.delete'));
          del.addEventListener('click', () => remove(api, `/avatars/${avatar.id}`, name, load));
          return h(
            'li',
            { class: 'avatar', 'data-id': String(avatar.id) },
            h('img', { src: `/api/v1/avatars/${Number(avatar.id)}/image`, alt: name, width: '64', height: '64', loading: 'lazy' }),
            h('span', { class: 'muted' }, `#${avatar.id}`),
            del,
          );
        }),
      );
    });
  const element = section(t('reference.avatars'), form, error.element, grid);
  element.id = 'ref-avatars';
  return { element, load };
}

export default {
  path: 'reference',
  nav: 'nav.reference',
  title: 'reference.title',
  minLevel: 3,
  messages: {
    en: {
      'nav.reference': 'Reference data',
      'reference.title': 'Reference data',
      'reference.locales': 'Locales',
      'reference.languages': 'Programming languages',
      'reference.blog_categories': 'Blog categories',
      'reference.forum_categories': 'Forum categories',
      'reference.forums': 'Forums',
      'reference.avatars': 'Avatars',
      'reference.new_name': 'New name',
      'reference.add': 'Add',
      'reference.added': '“{name}” is added.',
      'reference.save': 'Save',
      'reference.saved': '“{name}” is saved.',
      'reference.name_of': 'Name of number {id}',
      'reference.delete': 'Delete',
      'reference.delete_named': 'Delete “{name}”',
      'reference.delete_title': 'Delete “{name}”?',
      'reference.delete_message': 'Deleting cannot be undone. What still uses it (a course’s locale, a forum’s category…) keeps it from being deleted.',
      'reference.deleted': '“{name}” is deleted.',
      'reference.none': 'None yet.',
      'reference.category': 'Category',
      'reference.forum_name': 'Name',
      'reference.description': 'Description (optional)',
      'reference.add_forum': 'Add the forum',
      'reference.forum_number': 'Forum #{id}',
      'reference.forums_need_category': 'Add a forum category first.',
      'reference.image': 'Image',
      'reference.image_hint': 'PNG, JPEG or WebP, up to 512 KiB.',
      'reference.upload': 'Upload',
      'reference.uploaded': 'The avatar is uploaded.',
      'reference.no_avatars': 'No avatar yet.',
      'reference.avatar': 'Avatar #{id}',
    },
    fr: {
      'nav.reference': 'Données de référence',
      'reference.title': 'Données de référence',
      'reference.locales': 'Langues d’interface',
      'reference.languages': 'Langages de programmation',
      'reference.blog_categories': 'Catégories du blog',
      'reference.forum_categories': 'Catégories du forum',
      'reference.forums': 'Forums',
      'reference.avatars': 'Avatars',
      'reference.new_name': 'Nouveau nom',
      'reference.add': 'Ajouter',
      'reference.added': '« {name} » est ajouté.',
      'reference.save': 'Enregistrer',
      'reference.saved': '« {name} » est enregistré.',
      'reference.name_of': 'Nom du n° {id}',
      'reference.delete': 'Supprimer',
      'reference.delete_named': 'Supprimer « {name} »',
      'reference.delete_title': 'Supprimer « {name} » ?',
      'reference.delete_message': 'La suppression est définitive. Ce qui l’utilise encore (la langue d’un cours, la catégorie d’un forum…) empêche de le supprimer.',
      'reference.deleted': '« {name} » est supprimé.',
      'reference.none': 'Aucun pour l’instant.',
      'reference.category': 'Catégorie',
      'reference.forum_name': 'Nom',
      'reference.description': 'Description (facultative)',
      'reference.add_forum': 'Ajouter le forum',
      'reference.forum_number': 'Forum n° {id}',
      'reference.forums_need_category': 'Ajoutez d’abord une catégorie de forum.',
      'reference.image': 'Image',
      'reference.image_hint': 'PNG, JPEG ou WebP, 512 Kio au plus.',
      'reference.upload': 'Téléverser',
      'reference.uploaded': 'L’avatar est téléversé.',
      'reference.no_avatars': 'Aucun avatar pour l’instant.',
      'reference.avatar': 'Avatar n° {id}',
    },
  },

  async render(view, { api }) {
    const forums = forumList(api);
    const named = NAMED.map(([key, path]) => namedList(key, path, api, key === 'forum_categories' ? () => forums.load() : null));
    const avatars = avatarList(api);
    view.append(pageHeader(t('reference.title')), h('div', { class: 'action-grid' }, named.map((n) => n.element)), forums.element, avatars.element);
    await Promise.all([...named.map((n) => n.load()), forums.load(), avatars.load()]);
  },
};
