// The dashboard: the counts of `admin/stats` (accounts, moderation, content), the newest
// accounts and, for admins, the latest failed sign-ins.

import { h, emptyState, loadInto, pageHeader, section } from '../dom.js';
import { formatDateTime, formatNumber, formatSeconds, levelName, t } from '../i18n.js';
import { who } from './security.js';

// [field of admin/stats, message, link], by theme.
const COUNTS = [
  [
    'dashboard.group_accounts',
    [
      ['accounts', 'dashboard.accounts', '/admin/accounts'],
      ['moderators', 'dashboard.moderators', '/admin/accounts?level=2'],
      ['admins', 'dashboard.admins', '/admin/accounts?level=3'],
      ['unconfirmed_accounts', 'dashboard.unconfirmed', null],
      ['banned_accounts', 'dashboard.banned', null],
      ['active_login_bans', 'dashboard.login_bans', '/admin/security'],
      ['sessions', 'dashboard.sessions', null],
    ],
  ],
  [
    'dashboard.group_moderation',
    [
      ['open_reports', 'dashboard.open_reports', '/admin/moderation'],
      ['taken_reports', 'dashboard.taken_reports', '/admin/moderation?status=1'],
      ['confirmed_reports', 'dashboard.confirmed_reports', '/admin/moderation?status=2'],
      ['pending_courses', 'dashboard.pending_courses', '/admin/moderation'],
      ['pending_exercises', 'dashboard.pending_exercises', '/admin/moderation'],
    ],
  ],
  [
    'dashboard.group_content',
    [
      ['courses', 'dashboard.courses', '/admin/content'],
      ['exercises', 'dashboard.exercises', '/admin/content?kind=exercises'],
      ['blog_posts', 'dashboard.blog_posts', '/admin/content?kind=blog_posts'],
      ['forum_subjects', 'dashboard.forum_subjects', '/admin/content?kind=forum_subjects'],
      ['forum_posts', 'dashboard.forum_posts', '/admin/content?kind=forum_posts'],
    ],
  ],
];

function counts(stats, isAdmin) {
  return h(
    'div',
    { id: 'stats' },
    COUNTS.map(([title, entries]) => [
      h('h3', { class: 'stats-title' }, t(title)),
      h(
        'ul',
        { class: 'stats' },
        entries.map(([key, label, link]) => {
          const number = h('span', { class: 'stat-value', 'data-stat': key }, formatNumber(stats[key] ?? 0));
          const name = h('span', { class: 'stat-label' }, t(label));
          const usable = link && (isAdmin || !link.startsWith('/admin/security'));
          const waiting = title === 'dashboard.group_moderation' && (stats[key] ?? 0) > 0;
          return h('li', { class: waiting ? 'stat stat-waiting' : 'stat' }, usable ? h('a', { href: link }, number, name) : h('div', {}, number, name));
        }),
      ),
    ]),
  );
}

function accountName(account) {
  return [account.firstname, account.lastname].filter(Boolean).join(' ');
}

function newestAccounts(page) {
  if (!page.items.length) return emptyState(t('dashboard.no_accounts'));
  return h(
    'ul',
    { class: 'activity' },
    page.items.map((account) =>
      h(
        'li',
        {},
        h('a', { href: `/admin/accounts/${account.id}` }, account.username),
        accountName(account) ? h('span', { class: 'muted' }, accountName(account)) : null,
        h('span', { class: 'muted' }, levelName(account.level)),
        h('time', { datetime: new Date(account.created_at).toISOString() }, formatDateTime(account.created_at)),
      ),
    ),
  );
}

function failedSignIns(page) {
  if (!page.items.length) return emptyState(t('dashboard.no_failures'));
  return h(
    'ul',
    { class: 'activity' },
    page.items.map((row) =>
      h(
        'li',
        {},
        h('span', {}, who(row)),
        h('span', { class: 'muted' }, row.ip),
        h('span', { class: 'muted' }, t('dashboard.failures', { n: row.failures })),
        h('time', { datetime: new Date(row.last_failure_at * 1000).toISOString() }, formatSeconds(row.last_failure_at)),
      ),
    ),
  );
}

export default {
  path: '',
  nav: 'nav.dashboard',
  title: 'dashboard.title',
  minLevel: 2,
  messages: {
    en: {
      'nav.dashboard': 'Dashboard',
      'dashboard.title': 'Dashboard',
      'dashboard.counts': 'Counts',
      'dashboard.accounts': 'Accounts',
      'dashboard.moderators': 'Moderators',
      'dashboard.admins': 'Administrators',
      'dashboard.unconfirmed': 'Unconfirmed emails',
      'dashboard.banned': 'Banned accounts',
      'dashboard.login_bans': 'Sign-in bans in force',
      'dashboard.sessions': 'Open sessions',
      'dashboard.newest': 'Newest accounts',
      'dashboard.no_accounts': 'No account yet.',
      'dashboard.failed': 'Latest failed sign-ins',
      'dashboard.no_failures': 'No failed sign-in recorded.',
      'dashboard.failures': '{n} failed',
      'dashboard.see_all': 'See all',
      'dashboard.group_accounts': 'Accounts',
      'dashboard.group_moderation': 'Moderation',
      'dashboard.group_content': 'Content',
      'dashboard.open_reports': 'Open reports',
      'dashboard.taken_reports': 'Reports being handled',
      'dashboard.confirmed_reports': 'Confirmed reports (content hidden)',
      'dashboard.pending_courses': 'Courses to validate',
      'dashboard.pending_exercises': 'Exercises to validate',
      'dashboard.courses': 'Courses',
      'dashboard.exercises': 'Exercises',
      'dashboard.blog_posts': 'Blog posts',
      'dashboard.forum_subjects': 'Forum subjects',
      'dashboard.forum_posts': 'Forum posts',
    },
    fr: {
      'nav.dashboard': 'Tableau de bord',
      'dashboard.title': 'Tableau de bord',
      'dashboard.counts': 'Chiffres',
      'dashboard.accounts': 'Comptes',
      'dashboard.moderators': 'Modérateurs',
      'dashboard.admins': 'Administrateurs',
      'dashboard.unconfirmed': 'E-mails non confirmés',
      'dashboard.banned': 'Comptes bannis',
      'dashboard.login_bans': 'Blocages de connexion en cours',
      'dashboard.sessions': 'Sessions ouvertes',
      'dashboard.newest': 'Derniers comptes créés',
      'dashboard.no_accounts': 'Aucun compte pour l’instant.',
      'dashboard.failed': 'Derniers échecs de connexion',
      'dashboard.no_failures': 'Aucun échec de connexion enregistré.',
      'dashboard.failures': '{n} échec(s)',
      'dashboard.see_all': 'Tout voir',
      'dashboard.group_accounts': 'Comptes',
      'dashboard.group_moderation': 'Modération',
      'dashboard.group_content': 'Contenus',
      'dashboard.open_reports': 'Signalements ouverts',
      'dashboard.taken_reports': 'Signalements en cours',
      'dashboard.confirmed_reports': 'Signalements confirmés (contenu masqué)',
      'dashboard.pending_courses': 'Cours à valider',
      'dashboard.pending_exercises': 'Exercices à valider',
      'dashboard.courses': 'Cours',
      'dashboard.exercises': 'Exercices',
      'dashboard.blog_posts': 'Billets de blog',
      'dashboard.forum_subjects': 'Sujets du forum',
      'dashboard.forum_posts': 'Messages du forum',
    },
  },

  async render(view, { api, isAdmin }) {
    const countsBox = h('div', {});
    const newestBox = h('div', {});
    view.append(
      pageHeader(t('dashboard.title')),
      section(t('dashboard.counts'), countsBox),
      h('div', { class: 'columns' }, section(t('dashboard.newest'), newestBox, h('p', {}, h('a', { href: '/admin/accounts' }, t('dashboard.see_all'))))),
    );
    const loads = [
      loadInto(countsBox, async () => counts(await api.get('/admin/stats'), isAdmin)),
      loadInto(newestBox, async () => newestAccounts(await api.get('/accounts', { query: { limit: 5 } }))),
    ];
    if (isAdmin) {
      const failedBox = h('div', {});
      view.querySelector('.columns').append(section(t('dashboard.failed'), failedBox, h('p', {}, h('a', { href: '/admin/security' }, t('dashboard.see_all')))));
      loads.push(loadInto(failedBox, async () => failedSignIns(await api.get('/admin/attempts', { query: { limit: 5 } }))));
    }
    await Promise.all(loads);
  },
};
