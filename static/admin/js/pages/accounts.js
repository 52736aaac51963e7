// Accounts: search by name, username or email, filter by level and group (a group includes its
// sub-groups), page through. Each row links to the account's page, where an admin acts on it.
// Admins create accounts here: the new account chooses its password with a setup link.

import { badge, busy, errorMessage, field, h, pageHeader, select } from '../dom.js';
import { formatDateTime, formatSeconds, isForever, levelName, t } from '../i18n.js';
import { pagedTable } from '../list.js';
import { groupChoices, groupName, groupTree } from '../widgets.js';

export const accountMessages = {
  en: {
    'nav.accounts': 'Accounts',
    'accounts.title': 'Accounts',
    'accounts.search': 'Search',
    'accounts.search_hint': 'Part of a username, a name or an email.',
    'accounts.level': 'Level',
    'accounts.all_levels': 'All levels',
    'accounts.submit': 'Search',
    'accounts.caption': 'Accounts',
    'accounts.none': 'No account matches.',
    'accounts.username': 'Username',
    'accounts.name': 'Name',
    'accounts.email': 'Email',
    'accounts.status': 'Status',
    'accounts.created': 'Created',
    'accounts.unconfirmed': 'unconfirmed',
    'accounts.active': 'Active',
    'accounts.banned_until': 'Banned until {date}',
    'accounts.banned_forever': 'Banned until lifted',
    'accounts.no_email': 'no email',
    'accounts.you': 'you',
    'accounts.group': 'Group',
    'accounts.all_groups': 'All groups',
    'accounts.no_group': 'No group',
    'accounts.new': 'New account',
    'accounts.new_title': 'Create an account',
    'accounts.new_hint': 'No password is set: the new member chooses one with the setup link below, which works once. Hand it over, or have it emailed.',
    'accounts.firstname': 'First name',
    'accounts.lastname': 'Last name',
    'accounts.locale': 'Language of its emails',
    'accounts.locale_default': 'The server’s',
    'accounts.send_email': 'Also email the setup link',
    'accounts.create': 'Create',
    'accounts.cancel': 'Cancel',
    'accounts.created_one': 'Account {name} created. Its setup link, valid until {until}:',
    'accounts.link_label': 'Setup link',
    'accounts.open': 'Open its page',
  },
  fr: {
    'nav.accounts': 'Comptes',
    'accounts.title': 'Comptes',
    'accounts.search': 'Recherche',
    'accounts.search_hint': 'Une partie d’un nom d’utilisateur, d’un nom ou d’un e-mail.',
    'accounts.level': 'Niveau',
    'accounts.all_levels': 'Tous les niveaux',
    'accounts.submit': 'Rechercher',
    'accounts.caption': 'Comptes',
    'accounts.none': 'Aucun compte ne correspond.',
    'accounts.username': 'Nom d’utilisateur',
    'accounts.name': 'Nom',
    'accounts.email': 'E-mail',
    'accounts.status': 'État',
    'accounts.created': 'Créé le',
    'accounts.unconfirmed': 'non confirmé',
    'accounts.active': 'Actif',
    'accounts.banned_until': 'Banni jusqu’au {date}',
    'accounts.banned_forever': 'Banni jusqu’à levée',
    'accounts.no_email': 'pas d’e-mail',
    'accounts.you': 'vous',
    'accounts.group': 'Groupe',
    'accounts.all_groups': 'Tous les groupes',
    'accounts.no_group': 'Aucun groupe',
    'accounts.new': 'Nouveau compte',
    'accounts.new_title': 'Créer un compte',
    'accounts.new_hint': 'Aucun mot de passe n’est fixé : le nouveau membre choisit le sien avec le lien d’activation ci-dessous, utilisable une fois. Remettez-le-lui, ou faites-le envoyer par e-mail.',
    'accounts.firstname': 'Prénom',
    'accounts.lastname': 'Nom de famille',
    'accounts.locale': 'Langue de ses e-mails',
    'accounts.locale_default': 'Celle du serveur',
    'accounts.send_email': 'Envoyer aussi le lien par e-mail',
    'accounts.create': 'Créer',
    'accounts.cancel': 'Annuler',
    'accounts.created_one': 'Compte {name} créé. Son lien d’activation, valable jusqu’au {until} :',
    'accounts.link_label': 'Lien d’activation',
    'accounts.open': 'Ouvrir sa page',
  },
};

export function fullName(account) {
  return [account.firstname, account.lastname].filter(Boolean).join(' ');
}

export function banStatus(account) {
  if (!account.banned_until) return badge(t('accounts.active'), 'ok');
  if (isForever(account.banned_until)) return badge(t('accounts.banned_forever'), 'danger');
  return badge(t('accounts.banned_until', { date: formatSeconds(account.banned_until) }), 'danger');
}

export function levelBadge(level) {
  return badge(levelName(level), level >= 3 ? 'strong' : level === 2 ? 'info' : 'neutral');
}

function columns(me, groups) {
  return [
    {
      label: t('accounts.username'),
      cell: (a) => [h('a', { href: `/admin/accounts/${a.id}`, class: 'account-link' }, a.username), a.id === me.id ? badge(t('accounts.you'), 'info') : null],
    },
    { label: t('accounts.name'), cell: (a) => fullName(a) || '—', class: 'cell-name' },
    {
      label: t('accounts.email'),
      cell: (a) => (a.email ? [h('span', { class: 'email' }, a.email), a.email_confirmed ? null : badge(t('accounts.unconfirmed'), 'warning')] : h('span', { class: 'muted' }, t('accounts.no_email'))),
    },
    { label: t('accounts.level'), cell: (a) => levelBadge(a.level) },
    { label: t('accounts.group'), cell: (a) => groupName(groups, a.group_id), class: 'cell-group' },
    { label: t('accounts.status'), cell: banStatus },
    { label: t('accounts.created'), cell: (a) => formatDateTime(a.created_at) },
  ];
}

/** The admins' form that creates an account; `onCreated(account)` after it is made. */
function createForm(api, groups, onCreated) {
  const input = (name, attributes = {}) => h('input', { name, type: 'text', autocomplete: 'off', ...attributes });
  const username = input('username', { required: true, minlength: '3', maxlength: '32', spellcheck: 'false' });
  const email = input('email', { type: 'email' });
  const firstname = input('firstname', { maxlength: '100' });
  const lastname = input('lastname', { maxlength: '100' });
  const level = select({ name: 'level' }, [1, 2, 3].map((l) => [l, levelName(l)]), 1);
  const group = select({ name: 'group_id' }, groupChoices(groups, ['', t('accounts.no_group')]), '');
  const locale = select({ name: 'locale' }, [['', t('accounts.locale_default')], ['fr', 'Français'], ['en', 'English']], '');
  const send = h('input', { type: 'checkbox', name: 'send_email', id: 'new-account-send' });
  const error = h('p', { class: 'notice notice-error', role: 'alert', hidden: true });
  const output = h('div', { class: 'setup-link', 'aria-live': 'polite', id: 'new-account-result' });
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, t('accounts.create'));
  const form = h(
    'form',
    { class: 'form', id: 'new-account-form' },
    h('p', { class: 'hint' }, t('accounts.new_hint')),
    h('div', { class: 'form-grid' }, field(t('accounts.username'), username), field(t('accounts.email'), email), field(t('accounts.firstname'), firstname), field(t('accounts.lastname'), lastname), field(t('accounts.level'), level), field(t('accounts.group'), group), field(t('accounts.locale'), locale)),
    h('p', {}, h('label', { for: 'new-account-send', class: 'check-label' }, send, t('accounts.send_email'))),
    error,
    h('div', { class: 'form-actions' }, submit),
    output,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    for (const invalid of form.querySelectorAll('[aria-invalid]')) invalid.removeAttribute('aria-invalid');
    const optional = (el) => el.value.trim() || undefined;
    const body = {
      username: username.value.trim(),
      email: optional(email),
      firstname: optional(firstname),
      lastname: optional(lastname),
      level: Number(level.value),
      group_id: group.value ? Number(group.value) : undefined,
      locale: locale.value || undefined,
      send_email: send.checked,
    };
    try {
      const made = await busy(submit, () => api.post('/accounts', body));
      const link = h('input', { type: 'text', readonly: true, value: made.link, id: 'new-account-link', 'aria-label': t('accounts.link_label') });
      output.replaceChildren(
        h('p', {}, t('accounts.created_one', { name: made.account.username, until: formatSeconds(made.expires_at) })),
        link,
        h('p', {}, h('a', { href: `/admin/accounts/${made.account.id}` }, t('accounts.open'))),
      );
      link.select();
      for (const el of [username, email, firstname, lastname]) el.value = '';
      onCreated(made.account);
    } catch (failure) {
      error.textContent = errorMessage(failure);
      error.hidden = false;
      if (failure?.field) form.elements[failure.field]?.setAttribute('aria-invalid', 'true');
    }
  });
  return form;
}

export default {
  path: 'accounts',
  nav: 'nav.accounts',
  title: 'accounts.title',
  minLevel: 2,
  messages: accountMessages,

  async render(view, { api, query, setQuery, me }) {
    // Groups by name (never a number); a page without them still lists accounts.
    const groups = await groupTree(api).catch(() => []);
    const q = h('input', { name: 'q', type: 'search', value: query.get('q') || '', autocomplete: 'off', spellcheck: 'false' });
    const level = select({ name: 'level' }, [['', t('accounts.all_levels')], [1, levelName(1)], [2, levelName(2)], [3, levelName(3)]], query.get('level') || '');
    const group = select({ name: 'group' }, groupChoices(groups, ['', t('accounts.all_groups')]), query.get('group') || '');
    const form = h(
      'form',
      { class: 'filters', role: 'search', id: 'account-search' },
      field(t('accounts.search'), q, t('accounts.search_hint')),
      field(t('accounts.level'), level),
      field(t('accounts.group'), group),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, t('accounts.submit'))),
    );
    const list = pagedTable({
      caption: t('accounts.caption'),
      columns: columns(me, groups),
      emptyText: t('accounts.none'),
      fetchPage: (cursor) => api.get('/accounts', { query: { q: q.value.trim(), level: level.value, group: group.value, cursor, limit: 20 } }),
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      setQuery({ q: q.value.trim(), level: level.value, group: group.value });
      list.reload();
    });
    let tools = [];
    let creating = null;
    if (me.level >= 3) {
      creating = h('section', { class: 'panel', id: 'new-account', 'aria-labelledby': 'new-account-title', hidden: true }, h('h2', { id: 'new-account-title', tabindex: '-1' }, t('accounts.new_title')), createForm(api, groups, () => list.reload()));
      const open = h('button', { type: 'button', class: 'button button-primary', id: 'new-account-open', 'aria-expanded': 'false', 'aria-controls': 'new-account' }, t('accounts.new'));
      open.addEventListener('click', () => {
        creating.hidden = !creating.hidden;
        open.setAttribute('aria-expanded', String(!creating.hidden));
        if (!creating.hidden) creating.querySelector('input[name=username]').focus();
      });
      tools = [open];
    }
    view.append(pageHeader(t('accounts.title'), ...tools), ...(creating ? [creating] : []), form, list.element);
    await list.reload();
  },
};
