// Shared pieces of the list pages: reference data, "more" paging, comments, reporting.

import * as api from './api.js';
import { busy, emptyState, field, formError, h, notify, showFormError, time, uid } from './dom.js';
import { t } from './i18n.js';
import { authorName } from './people.js';
import { rich } from './rich.js';

let reference = null;
/** Locales and languages (id → row), read once per page load. */
export function referenceData() {
  reference ??= Promise.all([api.get('/locales', { query: { limit: 100 } }), api.get('/languages', { query: { limit: 100 } })])
    .then(([locales, languages]) => ({ locales: locales.items, languages: languages.items }))
    .catch((e) => {
      reference = null;
      throw e;
    });
  return reference;
}

/**
 * A list that loads pages of `path` (keyset paging, newest first) into `<ul>`, with a "more"
 * button while the server has more. `item(row)` makes an `<li>`. With `chronological`, a
 * thread is read oldest first: its pages are all loaded (up to `MAX_THREAD` rows) and shown in
 * order, and the newest rows are kept when a thread is longer.
 */
const MAX_THREAD = 500;
export function pagedList(path, query, item, { empty = t('app.empty'), label, className = 'list', chronological = false } = {}) {
  const list = h('ul', { class: className, 'aria-label': label });
  const more = h('button', { type: 'button', class: 'button', hidden: true }, t('app.more'));
  const wrap = h('div', { class: 'paged' }, list, more);
  let cursor = null;
  const load = async () => {
    if (chronological) {
      const rows = [];
      do {
        const page = await api.get(path, { query: { limit: 100, ...query, cursor } });
        rows.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor && rows.length < MAX_THREAD);
      rows.sort((a, b) => a.id - b.id);
      if (cursor) wrap.prepend(h('p', { class: 'muted' }, t('app.older_hidden')));
      for (const row of rows) list.append(item(row));
    } else {
      const page = await api.get(path, { query: { limit: 20, ...query, cursor } });
      for (const row of page.items) list.append(item(row));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    }
    if (!list.children.length) list.replaceWith(emptyState(empty));
    return null;
  };
  more.addEventListener('click', () => busy(more, load));
  return { node: wrap, load, list };
}

/**
 * A "report" button that files a report on a target with an optional reason; nothing for
 * the caller's own content (the server refuses to take a report of it).
 */
export function reportButton(targetType, targetId, authorId) {
  if (authorId !== undefined && authorId === api.currentUser()?.id) return null;
  const button = h('button', { type: 'button', class: 'button button-quiet', 'data-action': 'report', 'aria-expanded': 'false' }, t('report.report'));
  const id = uid('report');
  const reason = h('textarea', { name: 'comment', maxlength: '1000', rows: '2' });
  const send = h('button', { type: 'submit', class: 'button button-danger' }, t('report.send'));
  const cancel = h('button', { type: 'button', class: 'button button-quiet' }, t('app.cancel'));
  const error = formError();
  const form = h('form', { class: 'report-form', id, hidden: true }, error, field(t('report.reason'), reason), h('div', { class: 'form-actions' }, send, cancel));
  button.setAttribute('aria-controls', id);
  const toggle = (open) => {
    form.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) reason.focus();
    else button.focus();
  };
  button.addEventListener('click', () => toggle(form.hidden));
  cancel.addEventListener('click', () => toggle(false));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { target_type: targetType, target_id: targetId };
    if (reason.value.trim()) body.comment = reason.value.trim();
    busy(send, async () => {
      try {
        await api.post('/reports', body);
        form.replaceWith(h('p', { class: 'notice notice-success', role: 'status' }, t('report.sent')));
        button.disabled = true;
        button.setAttribute('aria-expanded', 'false');
        button.textContent = t('report.reported');
      } catch (e) {
        showFormError(form, e);
      }
    });
  });
  return h('span', { class: 'report' }, button, form);
}

/** One comment or post: author, date, body (sanitized HTML or text), actions. */
export function entry(row, { actions = [], field: name = 'content' } = {}) {
  return h(
    'article',
    { class: 'entry', 'data-id': row.id },
    h('p', { class: 'entry-meta' }, authorName(row.account_id), ' · ', time(row.created_at)),
    rich(row, name),
    actions.some(Boolean) ? h('div', { class: 'entry-actions' }, actions) : null,
  );
}

/**
 * The comments of a row (`/courses/{id}/comments`…): the list and a form to write one.
 * `reportType` names the report target of a comment (`course_comment`).
 */
export function comments(path, reportType) {
  const { node, load, list } = pagedList(path, {}, (c) => h('li', {}, entry(c, { actions: reportType ? [reportButton(reportType, c.id, c.account_id)] : [] })), {
    empty: t('comments.none'),
    label: t('comments.title'),
    className: 'list entries',
    chronological: true,
  });
  const text = h('textarea', { name: 'content', required: true, rows: '3', maxlength: '10000' });
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, t('comments.send'));
  const error = formError();
  const form = h('form', { class: 'form comment-form' }, error, field(t('comments.write'), text), h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!text.value.trim()) return;
    busy(submit, async () => {
      try {
        const created = await api.post(path, { content: text.value });
        const holder = node.querySelector('ul') || (() => {
          const ul = h('ul', { class: 'list entries', 'aria-label': t('comments.title') });
          node.querySelector('.state-empty')?.replaceWith(ul);
          return ul;
        })();
        holder.append(h('li', {}, entry(created, { actions: reportType ? [reportButton(reportType, created.id, created.account_id)] : [] })));
        text.value = '';
        notify(t('comments.sent'));
      } catch (e) {
        showFormError(form, e);
      }
    });
  });
  const id = uid('comments');
  const section = h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id }, t('comments.title')), node, form);
  return { node: section, load, list };
}
