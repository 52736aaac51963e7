// Building the page. Data from the server is only ever inserted as text: `h` turns strings
// into text nodes and sets attributes one by one, and nothing in this UI parses HTML
// (no innerHTML, outerHTML, insertAdjacentHTML or document.write anywhere).

import { t } from './i18n.js';

// Attributes whose value could run code or load a document.
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction']);
const SAFE_URL = /^(\/|#|\?|https?:|mailto:|blob:)/i;

/**
 * `h('a', {href: '/admin/', class: 'brand', onClick: fn}, 'text', node, [more])`.
 * Children: strings and numbers become text nodes; nodes are appended; arrays are flattened;
 * null, undefined and false are skipped.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'class') {
      element.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (name === 'value' || name === 'checked' || name === 'selected') {
      element[name] = value;
    } else if (name.startsWith('on') || name === 'style' || name === 'srcdoc') {
      throw new Error(`h(): the attribute ${name} is not allowed`);
    } else if (URL_ATTRIBUTES.has(name) && !SAFE_URL.test(String(value))) {
      throw new Error(`h(): unsafe URL in ${name}`);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.append(child);
    else parent.append(document.createTextNode(String(child)));
  }
}

let nextId = 0;
/** A unique id, for `for`/`aria-labelledby` pairs. */
export function uid(prefix = 'id') {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

export function isAbort(error) {
  return error?.name === 'AbortError';
}

// ---------------------------------------------------------------- states

export function loadingState(text = t('app.loading')) {
  return h('p', { class: 'state state-loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function emptyState(text = t('app.empty')) {
  return h('p', { class: 'state state-empty' }, text);
}

/** The message to show for an error of `api.js` (or any Error). */
export function errorMessage(error) {
  if (!error) return t('error.title');
  if (error.status === 0) return t('error.network');
  if (error.code === 901 || error.code === 902) return t('error.session');
  if (error.status === 403) return error.message || t('error.forbidden');
  if (error.status === 404) return t('error.not_found');
  return error.message || t('error.generic', { status: error.status ?? '?' });
}

export function errorState(error, retry) {
  return h(
    'div',
    { class: 'state state-error', role: 'alert' },
    h('p', { class: 'state-title' }, t('error.title')),
    h('p', {}, errorMessage(error)),
    retry ? h('button', { type: 'button', class: 'button', onClick: retry }, t('app.retry')) : null,
  );
}

/**
 * Shows a loading state in `container`, then what `load()` resolves to (a node), or an error
 * with a retry button. Returns the node, or null on error or abort.
 */
export async function loadInto(container, load) {
  container.setAttribute('aria-busy', 'true');
  container.replaceChildren(loadingState());
  try {
    const node = await load();
    container.replaceChildren(node);
    return node;
  } catch (error) {
    if (!isAbort(error)) container.replaceChildren(errorState(error, () => loadInto(container, load)));
    return null;
  } finally {
    container.removeAttribute('aria-busy');
  }
}

// ---------------------------------------------------------------- layout pieces

export function pageHeader(title, ...extra) {
  return h('header', { class: 'page-header' }, h('h1', { tabindex: '-1' }, title), extra.length ? h('div', { class: 'page-tools' }, extra) : null);
}

export function section(title, ...children) {
  const id = uid('section');
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id, tabindex: '-1' }, title), children);
}

export function badge(text, kind = 'neutral') {
  return h('span', { class: `badge badge-${kind}` }, text);
}

/** A labelled form field: `field(label, inputElement, hint?)`. */
export function field(label, input, hint) {
  if (!input.id) input.id = uid('field');
  const hintNode = hint ? h('p', { class: 'hint', id: `${input.id}-hint` }, hint) : null;
  if (hintNode) input.setAttribute('aria-describedby', hintNode.id);
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hintNode);
}

/** A `<select>` from `[[value, label], …]`. */
export function select(attributes, options, selected) {
  return h(
    'select',
    attributes,
    options.map(([value, label]) => h('option', { value: String(value), selected: String(value) === String(selected) }, label)),
  );
}

/**
 * A table that turns into labelled cards on narrow screens. `columns`:
 * `[{label, cell: row => node|string, class?}]`.
 */
export function table(caption, columns, rows) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table' },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
      h(
        'tbody',
        {},
        // One wrapper per cell: on a phone the cell is a two-column grid (label, content).
        rows.map((row) => h('tr', {}, columns.map((c) => h('td', { 'data-label': c.label, class: c.class }, h('div', { class: 'cell' }, c.cell(row)))))),
      ),
    ),
  );
}

// ---------------------------------------------------------------- feedback

/** A short message in the polite live region at the top of the page. */
export function notify(text, kind = 'success') {
  const region = document.getElementById('toasts');
  if (!region) return;
  const toast = h('div', { class: `toast toast-${kind}` }, h('span', {}, text));
  const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': t('app.close'), onClick: () => toast.remove() }, '×');
  toast.append(close);
  region.append(toast);
  setTimeout(() => toast.remove(), kind === 'error' ? 12000 : 6000);
}

/** Runs `action` with `button` disabled and marked busy; returns what it returns. */
export async function busy(button, action) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/**
 * A modal confirmation step. Resolves true when confirmed, false when cancelled (button,
 * Escape). Focus starts on Cancel, the safe choice, and returns to the opener afterwards.
 */
export function confirmDialog({ title, message, confirmLabel, danger = true }) {
  return new Promise((resolve) => {
    const titleId = uid('dialog-title');
    const messageId = uid('dialog-message');
    const opener = document.activeElement;
    let result = false;
    const cancel = h('button', { type: 'button', class: 'button', 'data-action': 'cancel' }, t('app.cancel'));
    const confirm = h('button', { type: 'button', class: danger ? 'button button-danger' : 'button button-primary', 'data-action': 'confirm' }, confirmLabel);
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': titleId, 'aria-describedby': messageId },
      h('h2', { id: titleId }, title),
      h('p', { id: messageId }, message),
      h('div', { class: 'dialog-actions' }, cancel, confirm),
    );
    cancel.addEventListener('click', () => dialog.close());
    confirm.addEventListener('click', () => {
      result = true;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
