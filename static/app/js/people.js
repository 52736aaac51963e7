// Names of people and groups, by id, fetched once per page load. A number is never shown in
// their place: while a name loads, or when it cannot be read, the page says so in words.

import { get } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

const accounts = new Map();
const groups = new Map();

function cached(map, id, load) {
  if (!map.has(id)) map.set(id, load().catch(() => null));
  return map.get(id);
}

export function account(id) {
  return cached(accounts, id, () => get(`/accounts/${id}`));
}

export function group(id) {
  return cached(groups, id, () => get(`/groups/${id}`));
}

/** The display name of an account view: first and last name, else the username. */
export function displayName(a) {
  const full = [a?.firstname, a?.lastname].filter(Boolean).join(' ');
  return full || a?.username || t('people.unknown');
}

/** A `<span>` that fills in the author's name of `accountId` (null: a deleted account). */
export function authorName(accountId) {
  const span = h('span', { class: 'author' }, accountId ? t('people.loading') : t('people.deleted'));
  if (accountId) {
    account(accountId).then((a) => {
      span.textContent = a ? a.username : t('people.unknown');
    });
  }
  return span;
}
