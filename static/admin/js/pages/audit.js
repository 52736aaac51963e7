// The audit log (admins): every moderator's and admin's action, newest first, optionally of
// one account.

import { field, h, pageHeader } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { pagedTable } from '../list.js';
import { targetName, withShared } from '../widgets.js';

function action(name) {
  const key = `audit.action.${name}`;
  const text = t(key);
  return text === key ? name : text;
}

export default {
  path: 'audit',
  nav: 'nav.audit',
  title: 'audit.title',
  minLevel: 3,
  messages: withShared({
    en: {
      'nav.audit': 'Audit log',
      'audit.title': 'Audit log',
      'audit.intro': 'What moderators and administrators did, newest first.',
      'audit.actor': 'Account number',
      'audit.actor_hint': 'Only this account’s actions; empty for everyone’s.',
      'audit.filter': 'Filter',
      'audit.none': 'Nothing recorded.',
      'audit.when': 'When',
      'audit.who': 'Who',
      'audit.what': 'Action',
      'audit.target': 'On',
      'audit.detail': 'Detail',
      'audit.deleted_account': 'deleted account',
      'audit.action.report_take': 'Took a report',
      'audit.action.report_confirm': 'Confirmed a report',
      'audit.action.report_cancel': 'Dismissed a report',
      'audit.action.report_finish': 'Finished a report',
      'audit.action.auto_hide': 'Hidden by reports',
      'audit.action.approve': 'Validated',
      'audit.action.reject': 'Rejected',
      'audit.action.delete': 'Deleted',
      'audit.action.ban': 'Banned',
      'audit.action.set_level': 'Changed the level',
    },
    fr: {
      'nav.audit': 'Journal d’audit',
      'audit.title': 'Journal d’audit',
      'audit.intro': 'Ce qu’ont fait modérateurs et administrateurs, du plus récent au plus ancien.',
      'audit.actor': 'Numéro de compte',
      'audit.actor_hint': 'Seulement les actions de ce compte ; vide pour tout le monde.',
      'audit.filter': 'Filtrer',
      'audit.none': 'Rien d’enregistré.',
      'audit.when': 'Quand',
      'audit.who': 'Qui',
      'audit.what': 'Action',
      'audit.target': 'Sur',
      'audit.detail': 'Détail',
      'audit.deleted_account': 'compte supprimé',
      'audit.action.report_take': 'A pris un signalement',
      'audit.action.report_confirm': 'A confirmé un signalement',
      'audit.action.report_cancel': 'A rejeté un signalement',
      'audit.action.report_finish': 'A terminé un signalement',
      'audit.action.auto_hide': 'Masqué par les signalements',
      'audit.action.approve': 'A validé',
      'audit.action.reject': 'A refusé',
      'audit.action.delete': 'A supprimé',
      'audit.action.ban': 'A banni',
      'audit.action.set_level': 'A changé le niveau',
    },
  }),

  async render(view, { api, query, setQuery }) {
    const actor = h('input', { name: 'actor', type: 'number', min: '1', inputmode: 'numeric', value: query.get('actor') || '' });
    const form = h(
      'form',
      { class: 'filters filters-short', role: 'search', id: 'audit-filter' },
      field(t('audit.actor'), actor, t('audit.actor_hint')),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, t('audit.filter'))),
    );
    const list = pagedTable({
      caption: t('audit.title'),
      emptyText: t('audit.none'),
      columns: [
        { label: t('audit.when'), cell: (e) => h('time', { datetime: new Date(e.created_at).toISOString() }, formatDateTime(e.created_at)) },
        {
          label: t('audit.who'),
          cell: (e) => (e.actor_id ? h('a', { href: `/admin/accounts/${e.actor_id}` }, e.actor || `#${e.actor_id}`) : h('span', { class: 'muted' }, t('audit.deleted_account'))),
        },
        { label: t('audit.what'), cell: (e) => action(e.action) },
        { label: t('audit.target'), cell: (e) => `${targetName(e.target_type)} #${e.target_id}` },
        { label: t('audit.detail'), cell: (e) => e.detail || '—', class: 'cell-detail' },
      ],
      fetchPage: (cursor) => api.get('/admin/audit', { query: { actor: actor.value.trim(), cursor, limit: 20 } }),
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      setQuery({ actor: actor.value.trim() });
      list.reload();
    });
    view.append(pageHeader(t('audit.title')), h('p', { class: 'intro' }, t('audit.intro')), form, list.element);
    await list.reload();
  },
};
