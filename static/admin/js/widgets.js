// Pieces shared by the moderation, content and reference pages: tabs, account names, whole
// lists, quoted user content. Everything from the server still goes in as text.

import { get } from './api.js';
import { errorMessage, h, uid } from './dom.js';
import { t } from './i18n.js';

/**
 * Tabs (the WAI-ARIA pattern: arrow keys, Home and End move between them, one tab stop).
 * `options`: `[[value, label], …]`. `onSelect(value)` runs on a change. Returns
 * `{element, panel, select(value)}`: put what the tab shows in `panel`.
 */
export function tabs({ label, options, selected, onSelect, id }) {
  const panelId = uid('tabpanel');
  const panel = h('div', { id: panelId, role: 'tabpanel', class: 'tab-panel', tabindex: '-1' });
  let current = String(selected);
  const buttons = options.map(([value, text]) =>
    h('button', { type: 'button', role: 'tab', id: uid('tab'), class: 'tab', 'data-tab': String(value), 'aria-controls': panelId }, text),
  );
  const list = h('div', { role: 'tablist', class: 'tabs', 'aria-label': label, id }, buttons);

  function mark() {
    for (const button of buttons) {
      const on = button.dataset.tab === current;
      button.setAttribute('aria-selected', String(on));
      button.tabIndex = on ? 0 : -1;
      if (on) panel.setAttribute('aria-labelledby', button.id);
    }
  }

  function choose(value, focus = false) {
    const button = buttons.find((b) => b.dataset.tab === String(value));
    if (!button) return;
    if (focus) button.focus();
    if (current === String(value)) return;
    current = String(value);
    mark();
    onSelect?.(current);
  }

  list.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[role=tab]') : null;
    if (button) choose(button.dataset.tab);
  });
  list.addEventListener('keydown', (event) => {
    const index = buttons.findIndex((b) => b === document.activeElement);
    if (index < 0) return;
    const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: buttons.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = (moves[event.key] + buttons.length) % buttons.length;
    choose(buttons[next].dataset.tab, true);
  });
  mark();
  return { element: list, panel, select: choose, value: () => current };
}

// ---------------------------------------------------------------- account names

const names = new Map(); // id → Promise<username | null>

function username(id) {
  if (!names.has(id)) {
    names.set(
      id,
      get(`/accounts/${id}`).then(
        (account) => account?.username ?? null,
        () => null,
      ),
    );
  }
  return names.get(id);
}

/** A link to an account's page, showing `#id` until its username arrives (or a dash). */
export function accountLink(id) {
  if (id === null || id === undefined) return h('span', { class: 'muted' }, '—');
  const link = h('a', { href: `/admin/accounts/${id}`, class: 'account-ref' }, `#${id}`);
  username(id).then((name) => {
    if (name) link.textContent = name;
  });
  return link;
}

// ---------------------------------------------------------------- lists

/** Every row of a `{items, next_cursor}` list (reference data is short), up to `max`. */
export async function fetchAll(api, path, { query = {}, max = 1000 } = {}) {
  const rows = [];
  let cursor;
  do {
    const page = await api.get(path, { query: { ...query, limit: 100, cursor } });
    rows.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && rows.length < max);
  return rows;
}

// ---------------------------------------------------------------- user content

const EXCERPT = 4000;

/** User text as a quoted block that keeps its line breaks; long text is cut. */
export function quote(text, { className = 'quote', max = EXCERPT } = {}) {
  const value = String(text ?? '');
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return h('div', { class: className }, cut);
}

/** A one-line excerpt of user text. */
export function excerpt(text, max = 120) {
  const flat = String(text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** An error line for a form, hidden until `show(error)`. */
export function formError() {
  const line = h('p', { class: 'notice notice-error', role: 'alert', hidden: true });
  return {
    element: line,
    show(error) {
      line.textContent = errorMessage(error);
      line.hidden = false;
    },
    hide() {
      line.hidden = true;
    },
  };
}

/** A status word of courses and exercises, as a badge. */
export function statusBadge(status, hidden) {
  const kind = { approved: 'ok', pending: 'warning', rejected: 'danger' }[status] || 'neutral';
  return [status ? h('span', { class: `badge badge-${kind}` }, t(`content.status.${status}`)) : null, hidden ? h('span', { class: 'badge badge-danger' }, t('content.hidden')) : null];
}

// Words several pages use: content states and the kinds of things reports and the audit log name.
const SHARED = {
  en: {
    'content.status.pending': 'Pending',
    'content.status.approved': 'Published',
    'content.status.rejected': 'Rejected',
    'content.hidden': 'Hidden',
    'target.forum_post': 'Forum post',
    'target.blog_post': 'Blog post',
    'target.blog_comment': 'Blog comment',
    'target.course': 'Course',
    'target.course_comment': 'Course comment',
    'target.exercise': 'Exercise',
    'target.exercise_comment': 'Exercise comment',
    'target.account': 'Account',
    'target.group': 'Group',
  },
  fr: {
    'content.status.pending': 'En attente',
    'content.status.approved': 'Publié',
    'content.status.rejected': 'Refusé',
    'content.hidden': 'Masqué',
    'target.forum_post': 'Message du forum',
    'target.blog_post': 'Billet de blog',
    'target.blog_comment': 'Commentaire de blog',
    'target.course': 'Cours',
    'target.course_comment': 'Commentaire de cours',
    'target.exercise': 'Exercice',
    'target.exercise_comment': 'Commentaire d’exercice',
    'target.account': 'Compte',
    'target.group': 'Groupe',
  },
};

/** A page's messages with the shared ones added. */
export function withShared(messages) {
  return { en: { ...SHARED.en, ...messages.en }, fr: { ...SHARED.fr, ...messages.fr } };
}

/** The name of a kind of target (`forum_post` → "Forum post"); unknown kinds as they are. */
export function targetName(kind) {
  const key = `target.${kind}`;
  const text = t(key);
  return text === key ? String(kind).replace(/_/g, ' ') : text;
}

// ---------------------------------------------------------------- groups

/** Every group, each with `label`: its path in the tree (`School › 2nde › 2nde A`). */
export async function groupTree(api) {
  const groups = await fetchAll(api, '/groups');
  const byId = new Map(groups.map((g) => [g.id, g]));
  const label = (g, seen = new Set()) => {
    const parent = byId.get(g.parent_id);
    if (!parent || seen.has(parent.id)) return g.name;
    seen.add(g.id);
    return `${label(parent, seen)} › ${g.name}`;
  };
  return groups.map((g) => ({ ...g, label: label(g) })).sort((a, b) => a.label.localeCompare(b.label));
}

/** `[[id, label], …]` for a `<select>`, after `first` (e.g. `['', 'No group']`). */
export function groupChoices(groups, first) {
  return [first, ...groups.map((g) => [g.id, g.label])];
}

/** A group's label, a dash when none, `#id` when the group is not in `groups`. */
export function groupName(groups, id) {
  if (id === null || id === undefined) return '—';
  return groups.find((g) => g.id === id)?.label ?? `#${id}`;
}
