// The mail outbox: emails waiting to be sent and those given up on, each of which an admin can
// send again; the sent ones on request. Bodies are never shown (they hold the links).

import { badge, busy, errorMessage, h, notify, pageHeader, section } from '../dom.js';
import { formatNumber, formatSeconds, t } from '../i18n.js';
import { pagedTable } from '../list.js';

function status(row) {
  const kind = { pending: 'warning', failed: 'danger', sent: 'success' }[row.status] || 'neutral';
  return badge(t(`mail.status_${row.status}`), kind);
}

function recipient(row) {
  const address = h('span', {}, row.recipient);
  if (!row.account_id) return address;
  return h('a', { href: `/admin/accounts/${row.account_id}` }, row.recipient);
}

export default {
  path: 'mail',
  nav: 'nav.mail',
  title: 'mail.title',
  minLevel: 3,
  messages: {
    en: {
      'nav.mail': 'Mail',
      'mail.title': 'Mail',
      'mail.intro': 'Every email goes through this outbox. A message that cannot be sent is tried again, waiting longer each time, and given up after a while; send it again once the mail server works.',
      'mail.pending': 'Waiting to be sent',
      'mail.no_pending': 'No email is waiting.',
      'mail.failed': 'Given up',
      'mail.no_failed': 'No email was given up on.',
      'mail.sent': 'Sent',
      'mail.no_sent': 'No email was sent yet.',
      'mail.show_sent': 'Show the sent emails',
      'mail.recipient': 'Recipient',
      'mail.subject': 'Subject',
      'mail.status': 'Status',
      'mail.attempts': 'Attempts',
      'mail.error': 'Last error',
      'mail.next': 'Next attempt',
      'mail.created': 'Written',
      'mail.actions': 'Actions',
      'mail.retry': 'Send again',
      'mail.retry_label': 'Send the email to {to} again',
      'mail.retried': 'The email is queued again.',
      'mail.status_pending': 'waiting',
      'mail.status_failed': 'given up',
      'mail.status_sent': 'sent',
    },
    fr: {
      'nav.mail': 'Courrier',
      'mail.title': 'Courrier',
      'mail.intro': 'Chaque e-mail passe par cette file d’envoi. Un message qui ne part pas est réessayé, à intervalles de plus en plus longs, puis abandonné au bout d’un moment ; renvoyez-le quand le serveur de courrier fonctionne.',
      'mail.pending': 'En attente d’envoi',
      'mail.no_pending': 'Aucun e-mail en attente.',
      'mail.failed': 'Abandonnés',
      'mail.no_failed': 'Aucun e-mail abandonné.',
      'mail.sent': 'Envoyés',
      'mail.no_sent': 'Aucun e-mail envoyé pour l’instant.',
      'mail.show_sent': 'Afficher les e-mails envoyés',
      'mail.recipient': 'Destinataire',
      'mail.subject': 'Objet',
      'mail.status': 'État',
      'mail.attempts': 'Tentatives',
      'mail.error': 'Dernière erreur',
      'mail.next': 'Prochaine tentative',
      'mail.created': 'Écrit',
      'mail.actions': 'Actions',
      'mail.retry': 'Renvoyer',
      'mail.retry_label': 'Renvoyer l’e-mail à {to}',
      'mail.retried': 'L’e-mail est de nouveau en file.',
      'mail.status_pending': 'en attente',
      'mail.status_failed': 'abandonné',
      'mail.status_sent': 'envoyé',
    },
  },

  async render(view, { api }) {
    const tables = {};
    const retryButton = (row) => {
      if (row.status === 'sent') return '—';
      const button = h('button', { type: 'button', class: 'button', 'data-action': 'retry', 'aria-label': t('mail.retry_label', { to: row.recipient }) }, t('mail.retry'));
      button.addEventListener('click', async () => {
        try {
          await busy(button, () => api.post(`/admin/mail/${row.id}/retry`, {}));
          notify(t('mail.retried'));
          await Promise.all([tables.pending.refresh(), tables.failed.refresh()]);
          view.querySelector('h1')?.focus();
        } catch (error) {
          notify(errorMessage(error), 'error');
        }
      });
      return button;
    };
    const columns = (which) => [
      { label: t('mail.recipient'), cell: recipient },
      { label: t('mail.subject'), cell: (r) => r.subject },
      { label: t('mail.status'), cell: status },
      { label: t('mail.attempts'), cell: (r) => formatNumber(r.attempts) },
      which === 'pending'
        ? { label: t('mail.next'), cell: (r) => formatSeconds(r.next_attempt_at) }
        : { label: t('mail.created'), cell: (r) => formatSeconds(r.created_at) },
      { label: t('mail.error'), cell: (r) => (r.last_error ? h('code', {}, r.last_error) : '—') },
      { label: t('mail.actions'), cell: retryButton },
    ];
    for (const which of ['pending', 'failed', 'sent']) {
      tables[which] = pagedTable({
        caption: t(`mail.${which}`),
        columns: columns(which),
        emptyText: t(`mail.no_${which}`),
        fetchPage: (cursor) => api.get('/admin/mail', { query: { status: which, cursor } }),
      });
    }
    const sections = ['pending', 'failed'].map((which) => {
      const s = section(t(`mail.${which}`), tables[which].element);
      s.id = `mail-${which}`;
      return s;
    });
    const showSent = h('button', { type: 'button', class: 'button', id: 'show-sent' }, t('mail.show_sent'));
    const sentSection = section(t('mail.sent'), showSent);
    sentSection.id = 'mail-sent';
    showSent.addEventListener('click', async () => {
      showSent.replaceWith(tables.sent.element);
      await tables.sent.reload();
    });
    view.append(pageHeader(t('mail.title')), h('p', { class: 'intro' }, t('mail.intro')), ...sections, sentSection);
    await Promise.all([tables.pending.reload(), tables.failed.reload()]);
  },
};
