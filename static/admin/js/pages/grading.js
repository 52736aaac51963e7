// Grading: how runs are confined on this server (the sandbox's self-test), the runners it can
// run, the queue, the latest runs and their verdicts, and the limits exercises may ask for.

import { badge, h, pageHeader, section } from '../dom.js';
import { formatDateTime, formatNumber, t } from '../i18n.js';

const MODE_KIND = { bubblewrap: 'success', no_namespaces: 'warning', unsafe: 'danger', unavailable: 'danger' };
const VERDICT_KIND = { passed: 'success', failed: 'warning', error: 'danger', sandbox_unavailable: 'danger' };

function table(caption, headers, rows, empty) {
  if (!rows.length) return h('p', { class: 'muted' }, empty);
  return h('div', { class: 'table-wrap' }, h(
    'table',
    { class: 'data-table' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, headers.map((label) => h('th', { scope: 'col' }, label)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c))))),
  ));
}

function definitions(pairs) {
  return h('dl', { class: 'details' }, pairs.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

export default {
  path: 'grading',
  nav: 'nav.grading',
  title: 'grading.title',
  minLevel: 3,
  messages: {
    en: {
      'nav.grading': 'Grading',
      'grading.title': 'Grading',
      'grading.intro': 'Submissions run in a sandbox on this server. The self-test at start chose the mode below.',
      'grading.sandbox': 'Sandbox',
      'grading.mode': 'Mode',
      'grading.self_test': 'Self-test',
      'grading.workers': 'Runs at once',
      'grading.queue': 'Queue',
      'grading.queued': 'Waiting',
      'grading.running': 'Running',
      'grading.queue_max': 'At most waiting',
      'grading.runners': 'Runners',
      'grading.no_runners': 'No runner toolchain is installed.',
      'grading.runner': 'Name',
      'grading.label': 'Language',
      'grading.recent': 'Latest runs',
      'grading.no_runs': 'No run yet.',
      'grading.run': 'Run',
      'grading.exercise': 'Exercise',
      'grading.member': 'Member',
      'grading.status': 'Status',
      'grading.verdict': 'Verdict',
      'grading.score': 'Score',
      'grading.wall': 'Time (ms)',
      'grading.when': 'Queued',
      'grading.limits': 'Limits',
      'grading.default_cpu': 'CPU by default (ms)',
      'grading.default_wall': 'Wall clock by default (ms)',
      'grading.default_memory': 'Memory by default (MiB)',
      'grading.max_cpu': 'CPU at most (ms)',
      'grading.max_wall': 'Wall clock at most (ms)',
      'grading.max_memory': 'Memory at most (MiB)',
    },
    fr: {
      'nav.grading': 'Correction automatique',
      'grading.title': 'Correction automatique',
      'grading.intro': 'Les rendus s’exécutent dans un bac à sable sur ce serveur. Le test de démarrage a choisi le mode ci-dessous.',
      'grading.sandbox': 'Bac à sable',
      'grading.mode': 'Mode',
      'grading.self_test': 'Test de démarrage',
      'grading.workers': 'Exécutions simultanées',
      'grading.queue': 'File d’attente',
      'grading.queued': 'En attente',
      'grading.running': 'En cours',
      'grading.queue_max': 'Attente maximale',
      'grading.runners': 'Langages exécutables',
      'grading.no_runners': 'Aucune chaîne d’outils n’est installée.',
      'grading.runner': 'Nom',
      'grading.label': 'Langage',
      'grading.recent': 'Dernières exécutions',
      'grading.no_runs': 'Aucune exécution pour l’instant.',
      'grading.run': 'Exécution',
      'grading.exercise': 'Exercice',
      'grading.member': 'Membre',
      'grading.status': 'État',
      'grading.verdict': 'Verdict',
      'grading.score': 'Note',
      'grading.wall': 'Durée (ms)',
      'grading.when': 'Mise en file',
      'grading.limits': 'Limites',
      'grading.default_cpu': 'CPU par défaut (ms)',
      'grading.default_wall': 'Durée par défaut (ms)',
      'grading.default_memory': 'Mémoire par défaut (Mio)',
      'grading.max_cpu': 'CPU au plus (ms)',
      'grading.max_wall': 'Durée au plus (ms)',
      'grading.max_memory': 'Mémoire au plus (Mio)',
    },
  },

  async render(view, { api, signal }) {
    view.append(pageHeader(t('grading.title')), h('p', { class: 'intro' }, t('grading.intro')));
    const g = await api.get('/admin/grading', { signal });
    const mode = g.sandbox.mode;
    const limits = g.limits;
    const mib = (bytes) => formatNumber(Math.round(bytes / 1048576));
    view.append(
      section(
        t('grading.sandbox'),
        definitions([
          [t('grading.mode'), badge(mode, MODE_KIND[mode] || 'neutral')],
          [t('grading.self_test'), g.sandbox.summary],
          [t('grading.workers'), formatNumber(g.workers)],
        ]),
      ),
      section(
        t('grading.queue'),
        definitions([
          [t('grading.queued'), formatNumber(g.queued)],
          [t('grading.running'), formatNumber(g.running)],
          [t('grading.queue_max'), formatNumber(g.queue_max)],
        ]),
      ),
      section(
        t('grading.runners'),
        table(t('grading.runners'), [t('grading.runner'), t('grading.label')], g.runners.map((r) => [h('code', {}, r.name), r.label]), t('grading.no_runners')),
      ),
      section(
        t('grading.recent'),
        table(
          t('grading.recent'),
          [t('grading.run'), t('grading.exercise'), t('grading.member'), t('grading.status'), t('grading.verdict'), t('grading.score'), t('grading.wall'), t('grading.when')],
          g.recent.map((r) => [
            `#${r.id}`,
            `#${r.exercise_id}`,
            h('a', { href: `/admin/accounts/${r.account_id}` }, `#${r.account_id}`),
            r.status,
            r.verdict ? badge(r.verdict, VERDICT_KIND[r.verdict] || 'warning') : '—',
            r.score === null ? '—' : `${r.score}/${r.grade_max}`,
            r.wall_ms === null ? '—' : formatNumber(r.wall_ms),
            formatDateTime(r.created_at),
          ]),
          t('grading.no_runs'),
        ),
      ),
      section(
        t('grading.limits'),
        definitions([
          [t('grading.default_cpu'), formatNumber(limits.default.cpu_ms)],
          [t('grading.default_wall'), formatNumber(limits.default.wall_ms)],
          [t('grading.default_memory'), mib(limits.default.memory_bytes)],
          [t('grading.max_cpu'), formatNumber(limits.max_cpu_ms)],
          [t('grading.max_wall'), formatNumber(limits.max_wall_ms)],
          [t('grading.max_memory'), formatNumber(limits.max_memory_mb)],
        ]),
      ),
    );
  },
};
