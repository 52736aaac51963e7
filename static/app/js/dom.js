// Building the page. Data from the server is only ever inserted as text: `h` turns strings
// into text nodes and sets attributes one by one. The one exception is the server's own
// sanitized Markdown (`*_html` fields), which goes through `rich.js` and nowhere else.

import { t } from './i18n.js';

// Attributes whose value could run code or load a document.
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction']);
const SAFE_URL = /^(\/(?!\/)|#|\?|https?:|mailto:|blob:)/i;

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
  if (error.status === 429 || error.status === 503) return error.message || t('error.busy');
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

/** A link inside the app: navigates without reloading the page. */
export function link(href, attributes, ...children) {
  return h('a', { ...attributes, href, 'data-link': '' }, ...children);
}

/** A date from Unix milliseconds, in the page's language. */
export function when(ms, lang = document.documentElement.lang) {
  if (!ms) return '';
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
}

/** A `<time>` element for Unix milliseconds. */
export function time(ms) {
  return h('time', { datetime: new Date(ms || 0).toISOString() }, when(ms));
}

/** A form's fields as an object of trimmed strings (password fields untrimmed). */
export function formValues(form) {
  const values = {};
  for (const element of form.elements) {
    if (!element.name) continue;
    values[element.name] = element.type === 'password' ? element.value : element.value.trim();
  }
  return values;
}

/** The message of an API refusal, shown in the form's alert area and on the named field. */
export function showFormError(form, error) {
  const area = form.querySelector('.form-error');
  for (const invalid of form.querySelectorAll('[aria-invalid]')) invalid.removeAttribute('aria-invalid');
  if (error?.field) form.elements[error.field]?.setAttribute('aria-invalid', 'true');
  if (area) {
    area.replaceChildren(errorMessage(error));
    area.hidden = false;
    area.focus();
  }
}

/** An alert area for a form's refusals. */
export function formError() {
  return h('p', { class: 'form-error notice notice-error', role: 'alert', tabindex: '-1', hidden: true });
}
