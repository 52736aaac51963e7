// The signed-in account's notifications (report outcomes, edits of hidden content waiting for
// their moderator…), newest first, and marking them read. The menu shows the unread count.

import { badge, busy, errorMessage, h, notify, pageHeader } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { pagedTable } from '../list.js';
import { targetName, withShared } from '../widgets.js';

export default {
  path: 'notifications',
  nav: 'nav.notifications',
  title: 'notifications.title',
  minLevel: 2,
  async badge(api) {
    return (await api.get('/notifications/unread')).unread;
  },
  messages: withShared({
    en: {
      'nav.notifications': 'Notifications',
      'notifications.title': 'Notifications',
      'notifications.none': 'No notification.',
      'notifications.unread': 'Unread',
      'notifications.read_all': 'Mark all as read',
      'notifications.all_read': 'All notifications are marked as read.',
      'notifications.mark_read': 'Mark as read',
      'notifications.about': 'About: {kind} #{id}',
      'notifications.open_queue': 'Open the moderation queue',
    },
    fr: {
      'nav.notifications': 'Notifications',
      'notifications.title': 'Notifications',
      'notifications.none': 'Aucune notification.',
      'notifications.unread': 'Non lue',
      'notifications.read_all': 'Tout marquer comme lu',
      'notifications.all_read': 'Toutes les notifications sont marquées comme lues.',
      'notifications.mark_read': 'Marquer comme lue',
      'notifications.about': 'À propos de : {kind} n° {id}',
      'notifications.open_queue': 'Ouvrir la file de modération',
    },
  }),

  async render(view, ctx) {
    const { api } = ctx;
    const readAll = h('button', { type: 'button', class: 'button', id: 'read-all' }, t('notifications.read_all'));
    let list;
    const item = (n) => {
      const mark = n.read ? null : h('button', { type: 'button', class: 'button button-quiet', 'data-action': 'read' }, t('notifications.mark_read'));
      mark?.addEventListener('click', async () => {
        try {
          await busy(mark, () => api.post(`/notifications/${n.id}/read`, {}));
          ctx.refreshNav();
          await list.refresh();
          readAll.focus();
        } catch (error) {
          notify(errorMessage(error), 'error');
        }
      });
      return h(
        'li',
        { class: n.read ? 'notification' : 'notification unread', 'data-id': String(n.id) },
        h('p', { class: 'notification-message' }, n.message),
        h(
          'p',
          { class: 'meta-line' },
          h('time', { datetime: new Date(n.created_at).toISOString() }, formatDateTime(n.created_at)),
          n.target_type ? [' · ', t('notifications.about', { kind: targetName(n.target_type), id: n.target_id })] : null,
          n.report_id ? [' · ', h('a', { href: '/admin/moderation?status=2' }, t('notifications.open_queue'))] : null,
          n.read ? null : [' ', badge(t('notifications.unread'), 'info')],
        ),
        mark,
      );
    };
    list = pagedTable({
      caption: t('notifications.title'),
      emptyText: t('notifications.none'),
      fetchPage: (cursor) => api.get('/notifications', { query: { cursor, limit: 20 } }),
      render: (items) => h('ul', { class: 'notifications' }, items.map(item)),
    });
    readAll.addEventListener('click', async () => {
      try {
        await busy(readAll, () => api.post('/notifications/read', {}));
        notify(t('notifications.all_read'));
        ctx.refreshNav();
        await list.reload();
      } catch (error) {
        notify(errorMessage(error), 'error');
      }
    });
    view.append(pageHeader(t('notifications.title'), readAll), list.element);
    await list.reload();
  },
};
