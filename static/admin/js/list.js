// A list of the API (`{items, next_cursor}`, keyset pagination) shown as a table with
// previous/next buttons. Every list page uses it: give it how to fetch a page and the columns.

import { h, loadInto, emptyState, table } from './dom.js';
import { t } from './i18n.js';

/**
 * `fetchPage(cursor)` resolves to `{items, next_cursor}`; `columns` as for `table`, or
 * `render(items)` for anything else than a table (cards). `emptyText` may be a function.
 * Returns `{element, reload(), refresh()}`: `reload` starts again from the first page,
 * `refresh` loads the current page again (after a change to one of its rows).
 */
export function pagedTable({ caption, columns, render, fetchPage, emptyText, onLoad }) {
  const cursors = [null]; // the cursor of each page seen so far; the last one is shown
  const body = h('div', { class: 'list-body' });
  const status = h('span', { class: 'pager-status', 'aria-live': 'polite' });
  const previous = h('button', { type: 'button', class: 'button', 'data-action': 'previous', disabled: true }, t('app.previous'));
  const next = h('button', { type: 'button', class: 'button', 'data-action': 'next', disabled: true }, t('app.next'));
  const pager = h('nav', { class: 'pager', 'aria-label': caption, hidden: true }, previous, status, next);
  let nextCursor = null;

  async function show() {
    previous.disabled = true;
    next.disabled = true;
    await loadInto(body, async () => {
      let page = await fetchPage(cursors[cursors.length - 1]);
      // A page emptied by a change (its last ban lifted): step back.
      while (page.items.length === 0 && cursors.length > 1) {
        cursors.pop();
        page = await fetchPage(cursors[cursors.length - 1]);
      }
      nextCursor = page.next_cursor || null;
      onLoad?.(page);
      pager.hidden = cursors.length === 1 && !nextCursor;
      status.textContent = t('app.page', { n: cursors.length });
      previous.disabled = cursors.length === 1;
      next.disabled = !nextCursor;
      if (!page.items.length) return emptyState(typeof emptyText === 'function' ? emptyText() : emptyText);
      return render ? render(page.items) : table(caption, columns, page.items);
    });
  }

  previous.addEventListener('click', () => {
    if (cursors.length > 1) cursors.pop();
    show().then(() => focusAfterPaging(previous, next));
  });
  next.addEventListener('click', () => {
    if (!nextCursor) return;
    cursors.push(nextCursor);
    show().then(() => focusAfterPaging(next, previous));
  });

  return {
    element: h('div', { class: 'paged-list' }, body, pager),
    reload() {
      cursors.length = 1;
      return show();
    },
    refresh: show,
  };
}

// Keep the keyboard where it was, unless that button just became disabled.
function focusAfterPaging(pressed, other) {
  if (!pressed.disabled) pressed.focus();
  else if (!other.disabled) other.focus();
}
