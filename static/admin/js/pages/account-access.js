// Issue 16 on the account page (admins): a setup link to hand over (the account chooses its
// own password with it, instead of an admin typing one) and the account's open sessions,
// each of which can be ended.

import { busy, errorMessage, h, loadingState, notify, section, table } from '../dom.js';
import { addMessages, formatSeconds, t } from '../i18n.js';

addMessages({
  en: {
    'access.link_section': 'Setup link',
    'access.link_hint': 'A single-use link with which the member chooses a new password — give it to them when no email can reach them. Older links stop working; their sessions end once it is used.',
    'access.must_set': 'This account was made for someone and waits for them to choose a password with their link.',
    'access.make_link': 'Make a setup link',
    'access.send_email': 'Also send it to the account’s email',
    'access.link_made': 'The link works once, until {until}.',
    'access.link_label': 'Setup link',
    'access.sessions_section': 'Open sessions',
    'access.no_sessions': 'No open session.',
    'access.opened': 'Signed in',
    'access.last_used': 'Last used',
    'access.ip': 'Address',
    'access.agent': 'Browser or app',
    'access.actions': 'Actions',
    'access.end': 'End',
    'access.end_label': 'End the session from {ip}',
    'access.ended': 'The session is ended.',
  },
  fr: {
    'access.link_section': 'Lien d’accès',
    'access.link_hint': 'Un lien à usage unique avec lequel le membre choisit un nouveau mot de passe — donnez-le-lui quand aucun e-mail ne peut l’atteindre. Les liens plus anciens cessent de fonctionner ; ses sessions se ferment à son utilisation.',
    'access.must_set': 'Ce compte a été créé pour quelqu’un et attend qu’il choisisse un mot de passe avec son lien.',
    'access.make_link': 'Créer un lien d’accès',
    'access.send_email': 'L’envoyer aussi à l’e-mail du compte',
    'access.link_made': 'Le lien sert une fois, jusqu’au {until}.',
    'access.link_label': 'Lien d’accès',
    'access.sessions_section': 'Sessions ouvertes',
    'access.no_sessions': 'Aucune session ouverte.',
    'access.opened': 'Connexion',
    'access.last_used': 'Dernière utilisation',
    'access.ip': 'Adresse',
    'access.agent': 'Navigateur ou application',
    'access.actions': 'Actions',
    'access.end': 'Fermer',
    'access.end_label': 'Fermer la session depuis {ip}',
    'access.ended': 'La session est fermée.',
  },
});

export function setupLinkSection(account, { api }) {
  const send = h('input', { type: 'checkbox', name: 'send_email', id: 'setup-send-email' });
  const output = h('div', { class: 'setup-link', 'aria-live': 'polite' });
  const error = h('p', { class: 'notice notice-error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: 'button button-primary' }, t('access.make_link'));
  const form = h(
    'form',
    { id: 'setup-link-form', class: 'form' },
    h('p', {}, t('access.link_hint')),
    account.must_set_password ? h('p', { class: 'notice' }, t('access.must_set')) : null,
    account.email ? h('p', {}, h('label', { for: 'setup-send-email', class: 'check-label' }, send, t('access.send_email'))) : null,
    error,
    h('div', { class: 'form-actions' }, button),
    output,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    try {
      const made = await busy(button, () => api.post(`/accounts/${account.id}/setup-link`, { send_email: send.checked }));
      const input = h('input', { type: 'text', readonly: true, value: made.link, id: 'setup-link-value', 'aria-label': t('access.link_label') });
      output.replaceChildren(input, h('p', { class: 'hint' }, t('access.link_made', { until: formatSeconds(made.expires_at) })));
      input.select();
    } catch (failure) {
      error.textContent = errorMessage(failure);
      error.hidden = false;
    }
  });
  const s = section(t('access.link_section'), form);
  s.id = 'section-setup-link';
  return s;
}

export function sessionsSection(account, { api }) {
  const box = h('div', {}, loadingState());
  const s = section(t('access.sessions_section'), box);
  s.id = 'section-sessions';
  s.classList.add('wide');
  const load = async () => {
    try {
      const sessions = await api.get(`/accounts/${account.id}/sessions`);
      if (!sessions.length) {
        box.replaceChildren(h('p', { class: 'state state-empty' }, t('access.no_sessions')));
        return;
      }
      const end = (row) => {
        const button = h('button', { type: 'button', class: 'button button-danger', 'aria-label': t('access.end_label', { ip: row.client_ip || '—' }) }, t('access.end'));
        button.addEventListener('click', async () => {
          try {
            await busy(button, () => api.del(`/accounts/${account.id}/sessions/${row.id}`));
            notify(t('access.ended'));
            await load();
            s.querySelector('h2')?.focus();
          } catch (failure) {
            notify(errorMessage(failure), 'error');
          }
        });
        return button;
      };
      box.replaceChildren(
        table(t('access.sessions_section'), [
          { label: t('access.opened'), cell: (r) => formatSeconds(r.created_at) },
          { label: t('access.last_used'), cell: (r) => formatSeconds(r.last_used_at) },
          { label: t('access.ip'), cell: (r) => (r.client_ip ? h('code', {}, r.client_ip) : '—') },
          { label: t('access.agent'), cell: (r) => r.user_agent || '—' },
          { label: t('access.actions'), cell: end },
        ], sessions),
      );
    } catch (failure) {
      box.replaceChildren(h('p', { class: 'notice notice-error' }, errorMessage(failure)));
    }
  };
  load();
  return s;
}
