// Accounts: search by name, username or email, filter by level, page through. Each row links
// to the account's page, where an admin acts on it.

import { badge, field, h, pageHeader, select } from '../dom.js';
import { formatDateTime, formatSeconds, isForever, levelName, t } from '../i18n.js';
import { pagedTable } from '../list.js';

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

function columns(me) {
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
    { label: t('accounts.status'), cell: banStatus },
    { label: t('accounts.created'), cell: (a) => formatDateTime(a.created_at) },
  ];
}

export default {
  path: 'accounts',
  nav: 'nav.accounts',
  title: 'accounts.title',
  minLevel: 2,
  messages: accountMessages,

  async render(view, { api, query, setQuery, me }) {
    const q = h('input', { name: 'q', type: 'search', value: query.get('q') || '', autocomplete: 'off', spellcheck: 'false' });
    const level = select({ name: 'level' }, [['', t('accounts.all_levels')], [1, levelName(1)], [2, levelName(2)], [3, levelName(3)]], query.get('level') || '');
    const form = h(
      'form',
      { class: 'filters', role: 'search', id: 'account-search' },
      field(t('accounts.search'), q, t('accounts.search_hint')),
      field(t('accounts.level'), level),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, t('accounts.submit'))),
    );
    const list = pagedTable({
      caption: t('accounts.caption'),
      columns: columns(me),
      emptyText: t('accounts.none'),
      fetchPage: (cursor) => api.get('/accounts', { query: { q: q.value.trim(), level: level.value, cursor, limit: 20 } }),
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      setQuery({ q: q.value.trim(), level: level.value });
      list.reload();
    });
    view.append(pageHeader(t('accounts.title')), form, list.element);
    await list.reload();
  },
};
