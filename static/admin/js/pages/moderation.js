// Moderation: the report queue (open, taken, confirmed, finished) with the reported content
// fetched from its own route, and the courses and exercises waiting for validation.
//
// A report goes 0 open → 1 taken (by a moderator) → 2 confirmed (the content is hidden until
// its author edits it) or 3 cancelled; a confirmed report is finished (3) once the author's
// edit is reviewed, and the content is shown again.

import { badge, busy, field, h, loadInto, notify, pageHeader, section, uid } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { pagedTable } from '../list.js';
import { accountLink, formError, quote, statusBadge, tabs, targetName, withShared } from '../widgets.js';

const STATUSES = [0, 1, 2, 3];
const STATUS_BADGE = ['warning', 'info', 'danger', 'neutral'];
const RESULT_MAX = 1000;

/** Where the reported content can be read, and which fields hold its title and text. */
const TARGETS = {
  forum_post: { path: (id) => `/forum/posts/${id}`, body: 'content' },
  blog_post: { path: (id) => `/blog/posts/${id}`, title: 'title', body: 'content' },
  course: { path: (id) => `/courses/${id}`, title: 'title', body: 'content' },
  exercise: { path: (id) => `/exercises/${id}`, title: 'title', body: 'instruction' },
};

/** What the report kept: the text as it was reported, and where it was posted. */
function evidence(report) {
  if (!report.evidence) return null;
  return h(
    'div',
    { class: 'evidence' },
    h('h4', {}, t('moderation.as_reported')),
    quote(report.evidence, { className: 'quote quote-evidence' }),
    report.thread_type
      ? h('p', { class: 'muted' }, t('moderation.posted_under', { kind: targetName(report.thread_type), id: report.thread_id }))
      : null,
  );
}

function reportedContent(report, api) {
  const box = h('div', { class: 'reported', 'data-target': `${report.target_type}-${report.target_id}` });
  const target = TARGETS[report.target_type];
  const kept = evidence(report);
  if (!target) {
    // A comment is read under what it comments: the report names it (its thread).
    box.append(kept ?? h('p', { class: 'muted' }, t('moderation.comment_elsewhere')));
    return box;
  }
  loadInto(box, async () => {
    const row = await api.get(target.path(report.target_id));
    return h(
      'div',
      {},
      h(
        'p',
        { class: 'meta-line' },
        t('moderation.by'),
        ' ',
        accountLink(row.account_id),
        row.created_at ? [' · ', formatDateTime(row.created_at)] : null,
        ' ',
        statusBadge(row.status, row.hidden === 1),
      ),
      target.title ? h('p', { class: 'reported-title' }, row[target.title]) : null,
      quote(row[target.body]),
    );
  });
  // The text as reported stays beside the text as it is now (the author may have edited it).
  return kept ? h('div', { class: 'reported-pair' }, box, kept) : box;
}

function resultField(id) {
  const input = h('textarea', { name: 'result', rows: '3', maxlength: String(RESULT_MAX), id });
  return { input, element: field(t('moderation.result'), input, t('moderation.result_hint')) };
}

/** One report as a card, with what can be done at its status. `replace(card)` redraws it. */
function reportCard(report, ctx, onChange) {
  const { api } = ctx;
  const titleId = uid('report');
  const card = h('article', { class: 'card report', 'data-report': String(report.id), 'aria-labelledby': titleId });
  const error = formError();

  const act = async (button, path, body, doneKey) => {
    error.hide();
    try {
      const transition = await busy(button, () => api.post(`/reports/${report.id}/${path}`, body));
      if (transition.changed) notify(t(doneKey));
      else notify(transition.message, 'warning');
      ctx.refreshNav();
      onChange(card, transition.report);
    } catch (failure) {
      error.show(failure);
    }
  };

  const head = h(
    'header',
    { class: 'card-header' },
    h('h3', { id: titleId }, t('moderation.report_title', { kind: targetName(report.target_type), id: report.target_id })),
    badge(t(`moderation.status.${report.status}`), STATUS_BADGE[report.status] || 'neutral'),
  );
  const meta = h(
    'p',
    { class: 'meta-line' },
    t('moderation.reported_by'),
    ' ',
    accountLink(report.reporter_id),
    ' · ',
    h('time', { datetime: new Date(report.created_at).toISOString() }, formatDateTime(report.created_at)),
    report.handler_id ? [' · ', t('moderation.handled_by'), ' ', accountLink(report.handler_id)] : null,
  );
  const comment = report.comment ? quote(report.comment, { className: 'quote quote-comment' }) : h('p', { class: 'muted' }, t('moderation.no_comment'));

  let actions = null;
  if (report.status === 0) {
    const take = h('button', { type: 'button', class: 'button button-primary', 'data-action': 'take' }, t('moderation.take'));
    take.addEventListener('click', () => act(take, 'take', {}, 'moderation.taken'));
    actions = h('div', { class: 'form-actions' }, take);
  } else if (report.status === 1 || report.status === 2) {
    const result = resultField(uid('result'));
    const buttons = [];
    if (report.status === 1) {
      const confirm = h('button', { type: 'button', class: 'button button-danger', 'data-action': 'confirm' }, t('moderation.confirm'));
      const cancel = h('button', { type: 'button', class: 'button', 'data-action': 'cancel' }, t('moderation.cancel'));
      confirm.addEventListener('click', () => act(confirm, 'confirm', { result: result.input.value.trim() || undefined }, 'moderation.confirmed'));
      cancel.addEventListener('click', () => act(cancel, 'cancel', { result: result.input.value.trim() || undefined }, 'moderation.cancelled'));
      buttons.push(confirm, cancel);
    } else {
      const finish = h('button', { type: 'button', class: 'button button-primary', 'data-action': 'finish' }, t('moderation.finish'));
      finish.addEventListener('click', () => act(finish, 'cancel', { result: result.input.value.trim() || undefined }, 'moderation.finished'));
      buttons.push(finish);
    }
    actions = h(
      'div',
      { class: 'report-actions' },
      report.status === 2 ? h('p', { class: 'notice notice-warning' }, t('moderation.hidden_until_edit')) : null,
      report.result ? h('p', {}, h('span', { class: 'muted' }, t('moderation.previous_result')), ' ', report.result) : null,
      result.element,
      h('div', { class: 'form-actions' }, buttons),
    );
  } else if (report.result) {
    actions = h('p', {}, h('span', { class: 'muted' }, t('moderation.outcome')), ' ', report.result);
  }

  card.append(
    head,
    meta,
    h('div', { class: 'report-body' }, h('div', {}, h('h4', {}, t('moderation.comment')), comment), h('div', {}, h('h4', {}, t('moderation.content')), reportedContent(report, api))),
    actions,
    error.element,
  );
  return card;
}

/** A course or an exercise waiting for validation, with validate and reject. */
function pendingCard(kind, row, ctx, list) {
  const { api } = ctx;
  const titleId = uid('pending');
  const error = formError();
  const reason = h('textarea', { name: 'reason', rows: '2', maxlength: '1000' });
  const approve = h('button', { type: 'button', class: 'button button-primary', 'data-action': 'approve' }, t('moderation.approve'));
  const reject = h('button', { type: 'button', class: 'button button-danger', 'data-action': 'reject' }, t('moderation.reject'));
  const decide = async (button, approved) => {
    error.hide();
    try {
      const body = approved ? { approved } : { approved, reason: reason.value.trim() || undefined };
      await busy(button, () => api.put(`/${kind}/${row.id}/validation`, body));
      notify(t(approved ? 'moderation.approved' : 'moderation.rejected', { title: row.title }));
      ctx.refreshNav();
      await list.refresh();
      list.element.closest('section')?.querySelector('h2')?.focus();
    } catch (failure) {
      error.show(failure);
    }
  };
  approve.addEventListener('click', () => decide(approve, true));
  reject.addEventListener('click', () => decide(reject, false));
  return h(
    'article',
    { class: 'card pending', 'data-id': String(row.id), 'aria-labelledby': titleId },
    h('header', { class: 'card-header' }, h('h3', { id: titleId }, row.title), statusBadge(row.status, row.hidden === 1)),
    h(
      'p',
      { class: 'meta-line' },
      t('moderation.by'),
      ' ',
      accountLink(row.account_id),
      ' · ',
      formatDateTime(row.created_at),
      row.course_id ? [' · ', t('moderation.in_course', { id: row.course_id })] : null,
    ),
    row.status_reason ? h('p', { class: 'muted' }, t('moderation.last_reason'), ' ', row.status_reason) : null,
    quote(kind === 'courses' ? row.content : row.instruction),
    field(t('moderation.reason'), reason, t('moderation.reason_hint')),
    h('div', { class: 'form-actions' }, approve, reject),
    error.element,
  );
}

function pendingList(kind, ctx) {
  const list = pagedTable({
    caption: t(`moderation.pending_${kind}`),
    emptyText: t(`moderation.no_pending_${kind}`),
    fetchPage: (cursor) => ctx.api.get(`/${kind}`, { query: { status: 'pending', cursor, limit: 10 } }),
    render: (items) => h('div', { class: 'cards' }, items.map((row) => pendingCard(kind, row, ctx, list))),
  });
  return list;
}

export default {
  path: 'moderation',
  nav: 'nav.moderation',
  title: 'moderation.title',
  minLevel: 2,
  /** The menu's count: what waits for a moderator. */
  async badge(api) {
    const stats = await api.get('/admin/stats');
    return (stats.open_reports ?? 0) + (stats.pending_courses ?? 0) + (stats.pending_exercises ?? 0);
  },
  messages: withShared({
    en: {
      'nav.moderation': 'Moderation',
      'moderation.title': 'Moderation',
      'moderation.reports': 'Reports',
      'moderation.status_tabs': 'Reports by status',
      'moderation.status.0': 'Open',
      'moderation.status.1': 'Taken',
      'moderation.status.2': 'Confirmed',
      'moderation.status.3': 'Finished',
      'moderation.none.0': 'No open report. The queue is empty.',
      'moderation.none.1': 'No report is being handled.',
      'moderation.none.2': 'No confirmed report waits for an edit.',
      'moderation.none.3': 'No finished report yet.',
      'moderation.report_title': '{kind} #{id}',
      'moderation.reported_by': 'Reported by',
      'moderation.handled_by': 'handled by',
      'moderation.by': 'By',
      'moderation.comment': 'Reporter’s comment',
      'moderation.no_comment': 'No comment.',
      'moderation.as_reported': 'As reported',
      'moderation.posted_under': 'Posted under {kind} {id}.',
      'moderation.content': 'Reported content',
      'moderation.comment_elsewhere': 'Comments are read under their post, course or exercise, which the report does not name.',
      'moderation.take': 'Take the report',
      'moderation.taken': 'You handle this report now.',
      'moderation.result': 'Result message',
      'moderation.result_hint': 'Sent to the author and the reporter (optional, up to 1000 characters).',
      'moderation.confirm': 'Confirm: hide the content',
      'moderation.confirmed': 'Report confirmed: the content is hidden.',
      'moderation.cancel': 'Dismiss: nothing wrong',
      'moderation.cancelled': 'Report dismissed.',
      'moderation.finish': 'Finish: show the content again',
      'moderation.finished': 'Report finished: the content is shown again unless another report holds it.',
      'moderation.hidden_until_edit': 'The content is hidden until its author edits it. Review the edit, then finish the report.',
      'moderation.previous_result': 'Result so far:',
      'moderation.outcome': 'Outcome:',
      'moderation.pending_courses': 'Courses waiting for validation',
      'moderation.pending_exercises': 'Exercises waiting for validation',
      'moderation.no_pending_courses': 'No course waits for validation.',
      'moderation.no_pending_exercises': 'No exercise waits for validation.',
      'moderation.in_course': 'in course #{id}',
      'moderation.last_reason': 'Last decision:',
      'moderation.reason': 'Reason for a rejection',
      'moderation.reason_hint': 'Sent to the author (optional).',
      'moderation.approve': 'Validate',
      'moderation.reject': 'Reject',
      'moderation.approved': '“{title}” is published.',
      'moderation.rejected': '“{title}” is rejected.',
    },
    fr: {
      'nav.moderation': 'Modération',
      'moderation.title': 'Modération',
      'moderation.reports': 'Signalements',
      'moderation.status_tabs': 'Signalements par état',
      'moderation.status.0': 'Ouverts',
      'moderation.status.1': 'Pris en charge',
      'moderation.status.2': 'Confirmés',
      'moderation.status.3': 'Terminés',
      'moderation.none.0': 'Aucun signalement ouvert. La file est vide.',
      'moderation.none.1': 'Aucun signalement en cours de traitement.',
      'moderation.none.2': 'Aucun signalement confirmé n’attend de modification.',
      'moderation.none.3': 'Aucun signalement terminé pour l’instant.',
      'moderation.report_title': '{kind} n° {id}',
      'moderation.reported_by': 'Signalé par',
      'moderation.handled_by': 'traité par',
      'moderation.by': 'Par',
      'moderation.comment': 'Commentaire du signalement',
      'moderation.no_comment': 'Pas de commentaire.',
      'moderation.as_reported': 'Tel que signalé',
      'moderation.posted_under': 'Publié sous {kind} {id}.',
      'moderation.content': 'Contenu signalé',
      'moderation.comment_elsewhere': 'Les commentaires se lisent sous leur billet, cours ou exercice, que le signalement ne nomme pas.',
      'moderation.take': 'Prendre en charge',
      'moderation.taken': 'Vous traitez maintenant ce signalement.',
      'moderation.result': 'Message de décision',
      'moderation.result_hint': 'Envoyé à l’auteur et à la personne qui a signalé (facultatif, 1000 caractères au plus).',
      'moderation.confirm': 'Confirmer : masquer le contenu',
      'moderation.confirmed': 'Signalement confirmé : le contenu est masqué.',
      'moderation.cancel': 'Rejeter : rien à redire',
      'moderation.cancelled': 'Signalement rejeté.',
      'moderation.finish': 'Terminer : réafficher le contenu',
      'moderation.finished': 'Signalement terminé : le contenu est réaffiché, sauf si un autre signalement le retient.',
      'moderation.hidden_until_edit': 'Le contenu reste masqué jusqu’à ce que son auteur le modifie. Relisez la modification, puis terminez le signalement.',
      'moderation.previous_result': 'Décision jusqu’ici :',
      'moderation.outcome': 'Issue :',
      'moderation.pending_courses': 'Cours en attente de validation',
      'moderation.pending_exercises': 'Exercices en attente de validation',
      'moderation.no_pending_courses': 'Aucun cours n’attend de validation.',
      'moderation.no_pending_exercises': 'Aucun exercice n’attend de validation.',
      'moderation.in_course': 'dans le cours n° {id}',
      'moderation.last_reason': 'Dernière décision :',
      'moderation.reason': 'Motif d’un refus',
      'moderation.reason_hint': 'Envoyé à l’auteur (facultatif).',
      'moderation.approve': 'Valider',
      'moderation.reject': 'Refuser',
      'moderation.approved': '« {title} » est publié.',
      'moderation.rejected': '« {title} » est refusé.',
    },
  }),

  async render(view, ctx) {
    const { api, query, setQuery } = ctx;
    let status = Number(query.get('status') || 0);
    if (!STATUSES.includes(status)) status = 0;
    const redraw = (card, report) => {
      const fresh = reportCard(report, ctx, redraw);
      card.replaceWith(fresh);
      (fresh.querySelector('textarea') || fresh.querySelector('button') || fresh.querySelector('h3'))?.focus();
    };
    const reports = pagedTable({
      caption: t('moderation.reports'),
      emptyText: () => t(`moderation.none.${status}`),
      fetchPage: (cursor) => api.get('/reports', { query: { status, cursor, limit: 10 } }),
      render: (items) => h('div', { class: 'cards' }, items.map((report) => reportCard(report, ctx, redraw))),
    });
    const statusTabs = tabs({
      label: t('moderation.status_tabs'),
      id: 'report-tabs',
      options: STATUSES.map((s) => [s, t(`moderation.status.${s}`)]),
      selected: status,
      onSelect(value) {
        status = Number(value);
        setQuery({ status: status || '' });
        reports.reload();
      },
    });
    statusTabs.panel.append(reports.element);
    const reportSection = section(t('moderation.reports'), statusTabs.element, statusTabs.panel);
    reportSection.id = 'reports';

    const courses = pendingList('courses', ctx);
    const exercises = pendingList('exercises', ctx);
    const coursesSection = section(t('moderation.pending_courses'), courses.element);
    coursesSection.id = 'pending-courses';
    const exercisesSection = section(t('moderation.pending_exercises'), exercises.element);
    exercisesSection.id = 'pending-exercises';

    view.append(pageHeader(t('moderation.title')), reportSection, coursesSection, exercisesSection);
    await Promise.all([reports.reload(), courses.reload(), exercises.reload()]);
  },
};
