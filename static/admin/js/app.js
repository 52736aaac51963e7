// The app shell: the header and menu, the router over the pages of `pages/index.js`, and the
// switch between the sign-in form and the signed-in pages.

import * as api from './api.js';
import { h, errorMessage, errorState, isAbort, pageHeader } from './dom.js';
import { LANGUAGES, addMessages, formatNumber, language, levelName, setLanguage, t } from './i18n.js';
import pages from './pages/index.js';
import signInPage from './sign-in.js';

const ROOT = '/admin/';
const root = document.getElementById('app');

addMessages(signInPage.messages);
for (const page of pages) addMessages(page.messages);

const routes = pages.map((page) => ({ page, ...compile(page.path) }));

function compile(path) {
  const names = [];
  const source = path
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { regex: new RegExp(`^${source}/?$`), names };
}

function match(pathname) {
  if (pathname !== '/admin' && !pathname.startsWith(ROOT)) return null;
  const rest = pathname.slice(ROOT.length);
  for (const route of routes) {
    const found = route.regex.exec(rest);
    if (found) {
      const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      return { page: route.page, params };
    }
  }
  return null;
}

function allowed(page) {
  return (api.currentUser()?.level ?? 0) >= (page.minLevel ?? api.ADMIN_LEVEL);
}

// ---------------------------------------------------------------- the shell

let controller = null; // aborts the requests of the page on screen when another replaces it
let flashMessage = null; // shown once on the next page (after a deletion, say)
let signInNotice = null; // shown on the sign-in form (session ended, not staff…)

function languageButton() {
  const other = language() === 'fr' ? 'en' : 'fr';
  return h(
    'button',
    { type: 'button', class: 'button button-quiet', lang: other, 'data-action': 'language', title: t('app.switch_language'), onClick: () => switchLanguage(other) },
    LANGUAGES[other],
  );
}

function switchLanguage(lang) {
  setLanguage(lang);
  renderShell();
  renderCurrent({ focus: false });
  document.querySelector('[data-action="language"]')?.focus();
}

function renderShell() {
  const me = api.currentUser();
  const header = h('header', { class: 'topbar' }, h('a', { class: 'brand', href: ROOT }, 'Préau', h('span', {}, 'admin')));
  if (me) {
    const nav = h(
      'nav',
      { id: 'nav', class: 'nav', 'aria-label': t('app.nav') },
      h('ul', {}, pages.filter((p) => p.nav && allowed(p)).map((p) => h('li', {}, h('a', { href: ROOT + p.path, 'data-path': p.path }, h('span', {}, t(p.nav)))))),
    );
    const toggle = h('button', { type: 'button', class: 'button button-quiet menu-toggle', 'aria-expanded': 'false', 'aria-controls': 'nav' }, t('app.menu'));
    toggle.addEventListener('click', () => {
      const open = header.classList.toggle('open');
      toggle.setAttribute('aria-expanded', String(open));
    });
    const who = h('span', { class: 'who' }, t('app.signed_in_as', { name: me.username, level: levelName(me.level) }));
    const signOut = h('button', { type: 'button', class: 'button button-quiet', 'data-action': 'sign-out', onClick: signOutNow }, t('app.sign_out'));
    header.append(toggle, h('div', { class: 'menu' }, nav, h('div', { class: 'session' }, who, languageButton(), signOut)));
  } else {
    header.append(h('div', { class: 'session' }, languageButton()));
  }
  root.replaceChildren(
    h('a', { class: 'skip-link', href: '#main' }, t('app.skip')),
    header,
    h('div', { id: 'toasts', class: 'toasts', role: 'status', 'aria-live': 'polite' }),
    h('main', { id: 'main', tabindex: '-1' }),
  );
}

// Counts next to menu entries (reports waiting, unread notifications): a page module may have
// `badge(api)` resolving to a number. Failures only leave the count out.
let badgeRun = 0;
function refreshBadges() {
  const run = ++badgeRun;
  for (const page of pages) {
    if (!page.badge || !page.nav || !allowed(page)) continue;
    Promise.resolve()
      .then(() => page.badge(api))
      .then(
        (n) => {
          const link = root.querySelector(`.nav a[data-path="${page.path}"]`);
          if (!link || run !== badgeRun) return;
          link.querySelector('.nav-count')?.remove();
          if (n > 0) link.append(h('span', { class: 'nav-count', 'data-count': String(n) }, h('span', { 'aria-hidden': 'true' }, formatNumber(n)), h('span', { class: 'visually-hidden' }, t('app.count', { n: formatNumber(n) }))));
        },
        () => {},
      );
  }
}

function markCurrentLink(page) {
  for (const link of root.querySelectorAll('.nav a')) {
    const path = link.dataset.path;
    const current = page && (page.path === path || (path !== '' && page.path.startsWith(`${path}/`)));
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  root.querySelector('.topbar')?.classList.remove('open');
  root.querySelector('.menu-toggle')?.setAttribute('aria-expanded', 'false');
}

function setTitle(text) {
  document.title = text ? `${text} · ${t('app.name')}` : t('app.name');
}

function focusHeading(view) {
  const heading = view.querySelector('h1');
  if (heading) heading.focus({ preventScroll: false });
}

// ---------------------------------------------------------------- routing

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  renderCurrent();
}

function pageContext(params, signal) {
  const withSignal = (options) => ({ ...options, signal });
  return {
    params,
    query: new URLSearchParams(location.search),
    signal,
    me: api.currentUser(),
    isAdmin: api.isAdmin(),
    navigate,
    setTitle,
    /** Replaces the query string without a new history entry or a new render. */
    setQuery(values) {
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(values)) if (value !== '' && value != null) search.set(key, value);
      const qs = search.toString();
      history.replaceState(null, '', location.pathname + (qs ? `?${qs}` : ''));
    },
    /** A message for the next page shown (after navigating away from a deleted item). */
    flash(text) {
      flashMessage = text;
    },
    /** Counts the menu again (after handling a report, reading notifications). */
    refreshNav: refreshBadges,
    api: {
      get: (path, options) => api.get(path, withSignal(options)),
      post: (path, body, options) => api.post(path, body, withSignal(options)),
      put: (path, body, options) => api.put(path, body, withSignal(options)),
      patch: (path, body, options) => api.patch(path, body, withSignal(options)),
      del: (path, options) => api.del(path, withSignal(options)),
      download: api.download,
    },
  };
}

async function renderCurrent({ focus = true } = {}) {
  controller?.abort();
  controller = new AbortController();
  const main = document.getElementById('main');
  if (!api.currentUser()) {
    renderSignIn(main);
    return;
  }
  const view = h('div', { class: 'page' });
  main.replaceChildren(view);
  const found = match(location.pathname);
  markCurrentLink(found?.page);
  if (flashMessage) {
    view.append(h('p', { class: 'notice notice-success', role: 'status' }, flashMessage));
    flashMessage = null;
  }
  if (!found) {
    setTitle(t('app.not_found_title'));
    view.append(pageHeader(t('app.not_found_title')), h('p', {}, t('app.not_found')), h('p', {}, h('a', { href: ROOT }, t('app.back_to_dashboard'))));
    if (focus) focusHeading(view);
    return;
  }
  if (!allowed(found.page)) {
    setTitle(t('app.forbidden_title'));
    view.append(pageHeader(t('app.forbidden_title')), h('p', {}, t('app.forbidden')), h('p', {}, h('a', { href: ROOT }, t('app.back_to_dashboard'))));
    if (focus) focusHeading(view);
    return;
  }
  setTitle(t(found.page.title));
  refreshBadges();
  const { signal } = controller;
  // Pages append their header before their first await, so the heading can take focus now.
  let done;
  try {
    done = found.page.render(view, pageContext(found.params, signal));
  } catch (error) {
    done = Promise.reject(error);
  }
  if (focus) focusHeading(view);
  try {
    await done;
  } catch (error) {
    if (isAbort(error) || signal.aborted) return;
    view.replaceChildren(pageHeader(t(found.page.title)), errorState(error, () => renderCurrent()));
  }
}

function renderSignIn(main) {
  setTitle(t('signin.title'));
  markCurrentLink(null);
  const view = h('div', { class: 'page page-narrow' });
  main.replaceChildren(view);
  const notice = signInNotice;
  signInNotice = null;
  signInPage.render(view, {
    notice,
    onSignedIn() {
      renderShell();
      renderCurrent();
    },
  });
  // Signing in is the only thing to do here: the keyboard starts in the first field.
  view.querySelector('input')?.focus();
}

async function signOutNow() {
  await api.signOut();
  signInNotice = { text: t('app.signed_out'), kind: 'success' };
  renderShell();
  renderCurrent();
}

api.onSessionEnd(() => {
  signInNotice = { text: t('app.session_ended'), kind: 'warning' };
  renderShell();
  renderCurrent();
});

// Links inside the app change the page without reloading it.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
  if (!link || link.target || link.hasAttribute('download')) return;
  const target = new URL(link.href, location.href);
  if (target.origin !== location.origin || (target.pathname !== '/admin' && !target.pathname.startsWith(ROOT))) return;
  if (target.hash && target.pathname === location.pathname) return; // the skip link
  event.preventDefault();
  navigate(target.pathname + target.search);
});

window.addEventListener('popstate', () => renderCurrent());

async function start() {
  renderShell();
  const main = document.getElementById('main');
  main.replaceChildren(h('div', { class: 'page' }, h('p', { class: 'state state-loading', role: 'status' }, t('app.loading'))));
  try {
    await api.resume();
  } catch (error) {
    signInNotice = error instanceof api.NotStaffError ? { text: t('signin.not_staff'), kind: 'error' } : { text: errorMessage(error), kind: 'error' };
  }
  renderShell();
  await renderCurrent({ focus: false });
  document.body.dataset.ready = 'true';
}

start();
