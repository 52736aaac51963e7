// The shell: the session, the top bar (navigation, unread notifications, language), and the
// router (History API; every page path is also served the page by the server, see
// src/webapp.rs). Each page module exports `render(main, params, query)`; it may return a
// function called when the page is left.

import * as api from './api.js';
import { h, link, notify } from './dom.js';
import { LANGUAGES, getLanguage, setLanguage, t } from './i18n.js';

const PUBLIC = new Set(['sign-in', 'sign-up', 'confirm']);

// [pattern, page module, page name]; `:id` captures a segment.
const ROUTES = [
  ['/', 'courses.js', 'courses'],
  ['/courses', 'courses.js', 'courses'],
  ['/courses/:id', 'course.js', 'course'],
  ['/exercises/:id', 'exercise.js', 'exercise'],
  ['/forums', 'forum.js', 'forums'],
  ['/forums/f/:id', 'forum.js', 'subjects'],
  ['/forums/s/:id', 'forum.js', 'subject'],
  ['/blog', 'blog.js', 'blog'],
  ['/blog/new', 'blog.js', 'blog-new'],
  ['/blog/:id', 'blog.js', 'blog-post'],
  ['/notifications', 'notifications.js', 'notifications'],
  ['/profile', 'profile.js', 'profile'],
  ['/teach', 'teach.js', 'teach'],
  ['/teach/courses/new', 'teach.js', 'teach-course'],
  ['/teach/courses/:id', 'teach.js', 'teach-course'],
  ['/teach/exercises/new', 'teach.js', 'teach-exercise'],
  ['/teach/exercises/:id', 'teach.js', 'teach-exercise'],
  ['/teach/exercises/:id/submissions', 'teach.js', 'teach-submissions'],
  ['/teach/gradebook', 'teach.js', 'teach-gradebook'],
  ['/teach/import', 'teach.js', 'teach-import'],
  ['/sign-in', 'auth.js', 'sign-in'],
  ['/sign-up', 'auth.js', 'sign-up'],
  ['/confirm', 'auth.js', 'confirm'],
];

function match(path) {
  const parts = path.replace(/\/+$/, '').split('/').filter(Boolean);
  for (const [pattern, module, name] of ROUTES) {
    const want = pattern.split('/').filter(Boolean);
    if (want.length !== parts.length) continue;
    const params = {};
    if (want.every((w, i) => (w.startsWith(':') ? ((params[w.slice(1)] = decodeURIComponent(parts[i])), true) : w === parts[i]))) {
      return { module, name, params };
    }
  }
  return null;
}

let leave = null;
let unreadTimer = null;

export function navigate(href, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  route();
}

function navItem(href, label, current) {
  return h('li', {}, link(href, { class: 'nav-link', 'aria-current': current ? 'page' : null }, label));
}

// "Teaching" is shown to staff and to whoever authored a course or an exercise (a member who
// starts writing a course becomes one); asked once per session.
let teacher = null;
function isTeacher() {
  const me = api.currentUser();
  if (!me) return Promise.resolve(false);
  if (api.isStaff()) return Promise.resolve(true);
  if (teacher?.id !== me.id) {
    const authored = (path) => api.get(path, { query: { author: me.id, limit: 1 } }).then((page) => page.items.length > 0, () => false);
    teacher = { id: me.id, answer: Promise.all([authored('/courses'), authored('/exercises')]).then(([c, e]) => c || e) };
  }
  return teacher.answer;
}

/** After a member writes their first course: the navigation shows "Teaching" at once. */
export function becameTeacher() {
  const me = api.currentUser();
  if (me) teacher = { id: me.id, answer: Promise.resolve(true) };
  const item = document.getElementById('nav-teaching-item');
  if (item) item.hidden = false;
}

function teachingItem(current) {
  const item = navItem('/teach', t('nav.teaching'), current);
  item.id = 'nav-teaching-item';
  item.firstChild.id = 'nav-teaching';
  item.hidden = !current;
  isTeacher().then((yes) => {
    if (yes) item.hidden = false;
  });
  return item;
}

function topbar(name) {
  const me = api.currentUser();
  const section = name.startsWith('forum') || name === 'subjects' || name === 'subject' ? 'forums' : name.startsWith('blog') ? 'blog' : name;
  const other = getLanguage() === 'fr' ? 'en' : 'fr';
  const language = h(
    'button',
    { type: 'button', class: 'button button-quiet', lang: other, 'data-action': 'language', onClick: () => { setLanguage(other); route(); } },
    LANGUAGES[other],
  );
  const menuId = 'main-nav';
  const toggle = h('button', { type: 'button', class: 'button button-quiet nav-toggle', 'aria-expanded': 'false', 'aria-controls': menuId }, t('app.menu'));
  let nav = null;
  if (me) {
    const badge = h('span', { class: 'unread-badge', id: 'unread-badge', hidden: true });
    nav = h(
      'nav',
      { class: 'nav', id: menuId, 'aria-label': t('app.nav') },
      h(
        'ul',
        {},
        navItem('/courses', t('nav.courses'), section === 'courses' || section === 'course' || section === 'exercise'),
        navItem('/forums', t('nav.forum'), section === 'forums'),
        navItem('/blog', t('nav.blog'), section === 'blog'),
        teachingItem(section.startsWith('teach')),
        h('li', {}, link('/notifications', { class: 'nav-link', 'aria-current': section === 'notifications' ? 'page' : null, id: 'nav-notifications' }, t('nav.notifications'), ' ', badge)),
        navItem('/profile', me.username, section === 'profile'),
      ),
    );
    toggle.addEventListener('click', () => {
      const open = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', String(open));
      nav.classList.toggle('open', open);
    });
  } else {
    nav = h(
      'nav',
      { class: 'nav', id: menuId, 'aria-label': t('app.nav') },
      h('ul', {}, navItem('/sign-in', t('nav.sign_in'), name === 'sign-in'), navItem('/sign-up', t('nav.sign_up'), name === 'sign-up')),
    );
    toggle.hidden = true;
    nav.classList.add('open', 'nav-inline');
  }
  return [link(me ? '/courses' : '/sign-in', { class: 'brand' }, 'Préau'), toggle, nav, language];
}

export async function refreshUnread() {
  const badge = document.getElementById('unread-badge');
  if (!badge || !api.currentUser()) return;
  try {
    const { unread } = await api.get('/notifications/unread');
    badge.hidden = !unread;
    badge.textContent = unread > 99 ? '99+' : String(unread);
    badge.setAttribute('aria-label', t('nav.unread', { n: unread }));
    badge.dataset.count = String(unread);
  } catch {
    badge.hidden = true;
  }
}

async function route() {
  const { pathname, search } = window.location;
  shown = pathname + search;
  const found = match(pathname);
  const main = document.getElementById('main');
  document.body.dataset.ready = 'false';
  if (leave) {
    try {
      leave();
    } catch {
      // A page that cannot clean up must not keep the next one from showing.
    }
    leave = null;
  }
  const name = found?.name ?? 'not-found';
  if (found && !PUBLIC.has(name) && !api.currentUser()) {
    const next = encodeURIComponent(pathname + search);
    history.replaceState(null, '', `/sign-in?next=${next}`);
    return route();
  }
  document.documentElement.lang = getLanguage();
  document.getElementById('topbar').replaceChildren(...topbar(name));
  document.querySelector('.skip-link').textContent = t('app.skip');
  document.body.dataset.page = name;
  clearInterval(unreadTimer);
  if (api.currentUser()) {
    refreshUnread();
    unreadTimer = setInterval(refreshUnread, 60000);
  }
  if (!found) {
    document.title = `${t('app.not_found_title')} · Préau`;
    main.replaceChildren(h('h1', { tabindex: '-1' }, t('app.not_found_title')), h('p', {}, t('app.not_found')), h('p', {}, link('/courses', {}, t('nav.courses'))));
  } else {
    try {
      const page = await import(`./pages/${found.module}`);
      leave = (await page.render(main, { ...found.params, page: name }, new URLSearchParams(search))) || null;
    } catch (error) {
      main.replaceChildren(h('h1', { tabindex: '-1' }, t('error.title')), h('p', { role: 'alert' }, String(error?.message || error)));
    }
  }
  const heading = main.querySelector('h1');
  if (heading) {
    document.title = `${heading.textContent} · Préau`;
    if (routed) heading.focus({ preventScroll: false });
  }
  routed = true;
  document.body.dataset.ready = 'true';
}
let routed = false;

document.addEventListener('click', (event) => {
  const anchor = event.target.closest?.('a[data-link]');
  if (!anchor || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});
// A fragment link (the skip link) changes only the hash: the page stays as it is.
let shown = '';
window.addEventListener('popstate', () => {
  if (location.pathname + location.search !== shown) route();
});

api.onSessionEnd(() => {
  notify(t('app.session_ended'), 'error');
  navigate(`/sign-in?next=${encodeURIComponent(location.pathname)}`, { replace: true });
});

(async () => {
  try {
    await api.resume();
  } catch {
    // Not signed in, or the server is unreachable: the sign-in page says which on use.
  }
  route();
})();
