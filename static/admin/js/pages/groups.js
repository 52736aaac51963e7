// Groups (admins): the tree of schools, classes and teams. Create a group under any other,
// rename it, move it under another parent (never under itself or its own descendants: the
// server refuses cycles too), delete it once it has no sub-group.

import { busy, confirmDialog, errorMessage, field, h, loadInto, notify, pageHeader, section, select, uid } from '../dom.js';
import { t } from '../i18n.js';
import { fetchAll, formError } from '../widgets.js';

/** `{roots, children: Map(parent id → groups)}`, each level sorted by name. */
function tree(groups) {
  const ids = new Set(groups.map((g) => g.id));
  const children = new Map();
  const roots = [];
  for (const group of groups) {
    // A parent that is not in the list (should not happen) makes the group a root here.
    if (group.parent_id && ids.has(group.parent_id)) {
      if (!children.has(group.parent_id)) children.set(group.parent_id, []);
      children.get(group.parent_id).push(group);
    } else {
      roots.push(group);
    }
  }
  const byName = (a, b) => a.name.localeCompare(b.name) || a.id - b.id;
  roots.sort(byName);
  for (const list of children.values()) list.sort(byName);
  return { roots, children };
}

/** The parent choices: "no parent", then every group indented by depth, but `exclude` and its descendants. */
function parentOptions({ roots, children }, exclude) {
  const options = [['', t('groups.no_parent')]];
  const walk = (group, depth) => {
    if (group.id === exclude) return;
    options.push([group.id, `${'— '.repeat(depth)}${group.name}`]);
    for (const child of children.get(group.id) || []) walk(child, depth + 1);
  };
  for (const root of roots) walk(root, 0);
  return options;
}

export default {
  path: 'groups',
  nav: 'nav.groups',
  title: 'groups.title',
  minLevel: 3,
  messages: {
    en: {
      'nav.groups': 'Groups',
      'groups.title': 'Groups',
      'groups.intro': 'Groups nest: a school holds classes, a class holds teams.',
      'groups.create': 'New group',
      'groups.name': 'Name',
      'groups.parent': 'Inside',
      'groups.no_parent': '(none: a top-level group)',
      'groups.add': 'Create the group',
      'groups.created': 'The group “{name}” is created.',
      'groups.tree': 'All groups',
      'groups.none': 'No group yet.',
      'groups.edit': 'Rename or move',
      'groups.edit_label': 'Rename or move “{name}”',
      'groups.save': 'Save',
      'groups.cancel': 'Cancel',
      'groups.saved': 'The group “{name}” is saved.',
      'groups.delete': 'Delete',
      'groups.delete_label': 'Delete “{name}”',
      'groups.delete_title': 'Delete the group “{name}”?',
      'groups.delete_message': 'Only a group without sub-groups can be deleted. This cannot be undone.',
      'groups.deleted': 'The group “{name}” is deleted.',
      'groups.count.one': '{n} sub-group',
      'groups.count.other': '{n} sub-groups',
    },
    fr: {
      'nav.groups': 'Groupes',
      'groups.title': 'Groupes',
      'groups.intro': 'Les groupes s’imbriquent : une école contient des classes, une classe des équipes.',
      'groups.create': 'Nouveau groupe',
      'groups.name': 'Nom',
      'groups.parent': 'Dans',
      'groups.no_parent': '(aucun : un groupe de premier niveau)',
      'groups.add': 'Créer le groupe',
      'groups.created': 'Le groupe « {name} » est créé.',
      'groups.tree': 'Tous les groupes',
      'groups.none': 'Aucun groupe pour l’instant.',
      'groups.edit': 'Renommer ou déplacer',
      'groups.edit_label': 'Renommer ou déplacer « {name} »',
      'groups.save': 'Enregistrer',
      'groups.cancel': 'Annuler',
      'groups.saved': 'Le groupe « {name} » est enregistré.',
      'groups.delete': 'Supprimer',
      'groups.delete_label': 'Supprimer « {name} »',
      'groups.delete_title': 'Supprimer le groupe « {name} » ?',
      'groups.delete_message': 'Seul un groupe sans sous-groupe peut être supprimé. C’est définitif.',
      'groups.deleted': 'Le groupe « {name} » est supprimé.',
      'groups.count.one': '{n} sous-groupe',
      'groups.count.other': '{n} sous-groupes',
    },
  },

  async render(view, { api }) {
    let shape = { roots: [], children: new Map() };
    const name = h('input', { name: 'name', type: 'text', required: true, maxlength: '64', autocomplete: 'off' });
    const parentBox = h('div', {});
    let parent = select({ name: 'parent_id' }, parentOptions(shape), '');
    parentBox.append(field(t('groups.parent'), parent));
    const createError = formError();
    const create = h(
      'form',
      { class: 'filters', id: 'group-create' },
      field(t('groups.name'), name),
      parentBox,
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, t('groups.add'))),
    );
    const treeBox = h('div', { id: 'group-tree' });

    // After a change, the tree is drawn again and the keyboard goes back to `focusId`'s row.
    const load = (focusId) =>
      loadInto(treeBox, async () => {
        shape = tree(await fetchAll(api, '/groups'));
        const fresh = select({ name: 'parent_id' }, parentOptions(shape), parent.value);
        parent.replaceWith(fresh);
        fresh.id = parent.id;
        parent = fresh;
        return shape.roots.length ? h('ul', { class: 'group-tree', role: 'list' }, shape.roots.map(node)) : h('p', { class: 'state state-empty' }, t('groups.none'));
      }).then(() => {
        if (focusId) treeBox.querySelector(`[data-group="${focusId}"] > .group-row [data-action=edit]`)?.focus();
      });

    function node(group) {
      const kids = shape.children.get(group.id) || [];
      const edit = h('button', { type: 'button', class: 'button button-quiet', 'data-action': 'edit', 'aria-expanded': 'false', 'aria-label': t('groups.edit_label', { name: group.name }) }, t('groups.edit'));
      const del = h('button', { type: 'button', class: 'button button-quiet danger-text', 'data-action': 'delete', 'aria-label': t('groups.delete_label', { name: group.name }) }, t('groups.delete'));
      const item = h(
        'li',
        { 'data-group': String(group.id) },
        h(
          'div',
          { class: 'group-row' },
          h('span', { class: 'group-name' }, group.name),
          kids.length ? h('span', { class: 'muted group-count' }, t(`groups.count.${kids.length === 1 ? 'one' : 'other'}`, { n: kids.length })) : null,
          h('span', { class: 'group-tools' }, edit, del),
        ),
      );
      let editor = null;
      edit.addEventListener('click', () => {
        if (editor) {
          editor.remove();
          editor = null;
          edit.setAttribute('aria-expanded', 'false');
          return;
        }
        editor = editForm(group, () => {
          editor?.remove();
          editor = null;
          edit.setAttribute('aria-expanded', 'false');
          edit.focus();
        });
        item.querySelector('.group-row').after(editor);
        edit.setAttribute('aria-expanded', 'true');
        editor.querySelector('input')?.focus();
      });
      del.addEventListener('click', async () => {
        const confirmed = await confirmDialog({
          title: t('groups.delete_title', { name: group.name }),
          message: t('groups.delete_message'),
          confirmLabel: t('groups.delete'),
        });
        if (!confirmed) return;
        try {
          await busy(del, () => api.del(`/groups/${group.id}`));
          notify(t('groups.deleted', { name: group.name }));
          await load();
          name.focus();
        } catch (error) {
          notify(errorMessage(error), 'error');
        }
      });
      if (kids.length) item.append(h('ul', { role: 'list' }, kids.map(node)));
      return item;
    }

    function editForm(group, close) {
      const rename = h('input', { name: 'name', type: 'text', required: true, maxlength: '64', value: group.name });
      const move = select({ name: 'parent_id' }, parentOptions(shape, group.id), group.parent_id ?? '');
      const error = formError();
      const cancel = h('button', { type: 'button', class: 'button', 'data-action': 'cancel' }, t('groups.cancel'));
      const form = h(
        'form',
        { class: 'form group-edit', 'aria-label': t('groups.edit_label', { name: group.name }), id: uid('group-edit') },
        h('div', { class: 'field-row' }, field(t('groups.name'), rename), field(t('groups.parent'), move)),
        error.element,
        h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary', 'data-action': 'save' }, t('groups.save')), cancel),
      );
      cancel.addEventListener('click', close);
      form.addEventListener('keydown', (event) => {
        if (event.key === 'Escape') close();
      });
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        error.hide();
        const body = { name: rename.value.trim(), parent_id: move.value ? Number(move.value) : null };
        try {
          await busy(form.querySelector('[data-action=save]'), () => api.patch(`/groups/${group.id}`, body));
          notify(t('groups.saved', { name: body.name }));
          await load(group.id);
        } catch (failure) {
          error.show(failure);
        }
      });
      return form;
    }

    create.addEventListener('submit', async (event) => {
      event.preventDefault();
      createError.hide();
      const body = { name: name.value.trim(), parent_id: parent.value ? Number(parent.value) : undefined };
      try {
        await busy(create.querySelector('button[type=submit]'), () => api.post('/groups', body));
        notify(t('groups.created', { name: body.name }));
        name.value = '';
        await load();
        name.focus();
      } catch (error) {
        createError.show(error);
      }
    });

    const tools = section(t('groups.create'), create, createError.element);
    const all = section(t('groups.tree'), treeBox);
    view.append(pageHeader(t('groups.title')), h('p', { class: 'intro' }, t('groups.intro')), tools, all);
    await load();
  },
};
