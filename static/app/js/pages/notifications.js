// The caller's notifications: unread first, mark one or all as read.

import * as api from '../api.js';
import { busy, errorState, h, loadingState, time } from '../dom.js';
import { t } from '../i18n.js';
import { refreshUnread } from '../main.js';

export async function render(main) {
  main.replaceChildren(h('h1', { tabindex: '-1' }, t('notifications.title')), loadingState());
  let page;
  try {
    page = await api.get('/notifications', { query: { limit: 50 } });
  } catch (e) {
    main.replaceChildren(h('h1', { tabindex: '-1' }, t('notifications.title')), errorState(e, () => render(main)));
    return;
  }
  const item = (n) => {
    const read = h('button', { type: 'button', class: 'button button-quiet', hidden: n.read }, t('notifications.mark_read'));
    const li = h('li', { class: `notification ${n.read ? 'read' : 'unread'}`, 'data-id': n.id }, h('p', {}, n.read ? null : h('span', { class: 'badge badge-info' }, t('notifications.new')), ' ', n.message), h('p', { class: 'entry-meta' }, time(n.created_at)), read);
    read.addEventListener('click', () =>
      busy(read, async () => {
        await api.post(`/notifications/${n.id}/read`);
        li.className = 'notification read';
        li.querySelector('.badge')?.remove();
        read.hidden = true;
        refreshUnread();
      }),
    );
    return li;
  };
  const all = h('button', { type: 'button', class: 'button' }, t('notifications.mark_all'));
  all.addEventListener('click', () =>
    busy(all, async () => {
      await api.post('/notifications/read');
      await render(main);
      refreshUnread();
    }),
  );
  main.replaceChildren(
    h('header', { class: 'page-header' }, h('h1', { tabindex: '-1' }, t('notifications.title')), page.items.some((n) => !n.read) ? all : null),
    page.items.length ? h('ul', { class: 'list notifications' }, page.items.map(item)) : h('p', { class: 'state state-empty' }, t('notifications.none')),
  );
}
