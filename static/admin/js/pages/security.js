// Sign-in security: the login bans in force and the failed-attempt counters, each of which an
// admin can lift (the ban ends and its failures are forgotten).

import { badge, busy, errorMessage, h, notify, pageHeader, section } from '../dom.js';
import { formatNumber, formatSeconds, isForever, t } from '../i18n.js';
import { pagedTable } from '../list.js';

/** Who a counter is about: an account (a link), a login name, or every name from one address. */
export function who(row) {
  if (row.account_id) return h('a', { href: `/admin/accounts/${row.account_id}` }, row.username || `#${row.account_id}`);
  if (row.subject === '*') return h('span', { class: 'muted' }, t('security.any_name'));
  return row.subject.replace(/^name:/, '');
}

function bannedUntil(row) {
  const now = Date.now() / 1000;
  if (!row.banned_until || row.banned_until <= now) return '—';
  return badge(isForever(row.banned_until) ? t('time.until_lifted') : formatSeconds(row.banned_until), 'danger');
}

export default {
  path: 'security',
  nav: 'nav.security',
  title: 'security.title',
  minLevel: 3,
  messages: {
    en: {
      'nav.security': 'Sign-in security',
      'security.title': 'Sign-in security',
      'security.intro': 'Failed sign-ins are counted per name and per network address. Lifting a ban also forgets its failures.',
      'security.bans': 'Bans in force',
      'security.no_bans': 'No sign-in ban is in force.',
      'security.attempts': 'Failed attempts',
      'security.no_attempts': 'No failed sign-in recorded.',
      'security.who': 'Account or name',
      'security.ip': 'Address',
      'security.failures': 'Failures',
      'security.last_failure': 'Last failure',
      'security.banned_until': 'Banned until',
      'security.actions': 'Actions',
      'security.lift': 'Lift the ban',
      'security.forget': 'Forget',
      'security.lift_label': 'Lift the ban of {who} from {ip}',
      'security.forget_label': 'Forget the failures of {who} from {ip}',
      'security.lifted': 'The ban is lifted.',
      'security.forgotten': 'The failures are forgotten.',
      'security.any_name': 'any name',
    },
    fr: {
      'nav.security': 'Sécurité des connexions',
      'security.title': 'Sécurité des connexions',
      'security.intro': 'Les échecs de connexion sont comptés par nom et par adresse réseau. Lever un blocage efface aussi ses échecs.',
      'security.bans': 'Blocages en cours',
      'security.no_bans': 'Aucun blocage de connexion en cours.',
      'security.attempts': 'Échecs de connexion',
      'security.no_attempts': 'Aucun échec de connexion enregistré.',
      'security.who': 'Compte ou nom',
      'security.ip': 'Adresse',
      'security.failures': 'Échecs',
      'security.last_failure': 'Dernier échec',
      'security.banned_until': 'Bloqué jusqu’au',
      'security.actions': 'Actions',
      'security.lift': 'Lever le blocage',
      'security.forget': 'Effacer',
      'security.lift_label': 'Lever le blocage de {who} depuis {ip}',
      'security.forget_label': 'Effacer les échecs de {who} depuis {ip}',
      'security.lifted': 'Le blocage est levé.',
      'security.forgotten': 'Les échecs sont effacés.',
      'security.any_name': 'tout nom',
    },
  },

  async render(view, { api }) {
    let bans;
    let attempts;
    const liftButton = (row, banned) => {
      const name = row.username || row.subject;
      const button = h(
        'button',
        {
          type: 'button',
          class: banned ? 'button button-danger' : 'button',
          'data-action': banned ? 'lift' : 'forget',
          'aria-label': t(banned ? 'security.lift_label' : 'security.forget_label', { who: name, ip: row.ip }),
        },
        t(banned ? 'security.lift' : 'security.forget'),
      );
      button.addEventListener('click', async () => {
        try {
          await busy(button, () => api.del(`/admin/bans/${row.id}`));
          notify(t(banned ? 'security.lifted' : 'security.forgotten'));
          await Promise.all([bans.refresh(), attempts.refresh()]);
          view.querySelector('h1')?.focus();
        } catch (error) {
          notify(errorMessage(error), 'error');
        }
      });
      return button;
    };
    const columns = (banned) => [
      { label: t('security.who'), cell: who },
      { label: t('security.ip'), cell: (r) => h('code', {}, r.ip) },
      { label: t('security.failures'), cell: (r) => formatNumber(r.failures) },
      { label: t('security.last_failure'), cell: (r) => formatSeconds(r.last_failure_at) },
      { label: t('security.banned_until'), cell: bannedUntil },
      { label: t('security.actions'), cell: (r) => liftButton(r, banned || Boolean(r.banned_until && r.banned_until > Date.now() / 1000)) },
    ];
    bans = pagedTable({
      caption: t('security.bans'),
      columns: columns(true),
      emptyText: t('security.no_bans'),
      fetchPage: (cursor) => api.get('/admin/bans', { query: { cursor } }),
    });
    attempts = pagedTable({
      caption: t('security.attempts'),
      columns: columns(false),
      emptyText: t('security.no_attempts'),
      fetchPage: (cursor) => api.get('/admin/attempts', { query: { cursor } }),
    });
    const bansSection = section(t('security.bans'), bans.element);
    bansSection.id = 'bans';
    const attemptsSection = section(t('security.attempts'), attempts.element);
    attemptsSection.id = 'attempts';
    view.append(pageHeader(t('security.title')), h('p', { class: 'intro' }, t('security.intro')), bansSection, attemptsSection);
    await Promise.all([bans.reload(), attempts.reload()]);
  },
};
