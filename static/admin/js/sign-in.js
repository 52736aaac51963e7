// The sign-in form, shown in place of any page while nobody is signed in.

import * as api from './api.js';
import { busy, errorMessage, field, h } from './dom.js';
import { formatDuration, t } from './i18n.js';

function failureMessage(error) {
  if (error instanceof api.NotStaffError) return t('signin.not_staff');
  const body = error?.body || {};
  if (body.status === 700 || body.login_ban_duration_end !== undefined) {
    return t('signin.banned', { duration: formatDuration(Number(body.login_ban_duration_end) || 0) });
  }
  if (body.ban_duration !== undefined) return t('signin.now_banned', { duration: formatDuration(Number(body.ban_duration)) });
  if (error?.code === 1102) {
    const left = Number(body.max_attempts) - Number(body.attempts);
    return left > 0 ? `${t('signin.incorrect')} ${t('signin.attempts_left', { n: left })}` : t('signin.incorrect');
  }
  if (error?.code === 1104) return t('signin.unconfirmed');
  if (error?.code === 1101) return t('signin.incomplete');
  return errorMessage(error);
}

export default {
  messages: {
    en: {
      'signin.title': 'Sign in',
      'signin.intro': 'The admin area of Préau is for moderators and administrators.',
      'signin.login': 'Username or email',
      'signin.password': 'Password',
      'signin.submit': 'Sign in',
      'signin.incorrect': 'The username or the password is incorrect.',
      'signin.attempts_left': 'Attempts left before a temporary ban: {n}.',
      'signin.now_banned': 'Too many failed attempts: signing in is blocked for {duration}.',
      'signin.banned': 'Signing in is blocked after too many failed attempts. Try again in {duration}.',
      'signin.unconfirmed': 'This account’s email address is not confirmed yet.',
      'signin.incomplete': 'Enter a username (or email) and a password.',
      'signin.not_staff': 'This account is a member account. The admin area is only for moderators and administrators.',
    },
    fr: {
      'signin.title': 'Connexion',
      'signin.intro': 'L’espace d’administration de Préau est réservé aux modérateurs et aux administrateurs.',
      'signin.login': 'Nom d’utilisateur ou e-mail',
      'signin.password': 'Mot de passe',
      'signin.submit': 'Se connecter',
      'signin.incorrect': 'Le nom d’utilisateur ou le mot de passe est incorrect.',
      'signin.attempts_left': 'Essais restants avant un blocage temporaire : {n}.',
      'signin.now_banned': 'Trop d’échecs : la connexion est bloquée pendant {duration}.',
      'signin.banned': 'La connexion est bloquée après trop d’échecs. Réessayez dans {duration}.',
      'signin.unconfirmed': 'L’adresse e-mail de ce compte n’est pas encore confirmée.',
      'signin.incomplete': 'Saisissez un nom d’utilisateur (ou un e-mail) et un mot de passe.',
      'signin.not_staff': 'Ce compte est un compte de membre. L’espace d’administration est réservé aux modérateurs et aux administrateurs.',
    },
  },

  render(view, { notice, onSignedIn }) {
    const login = h('input', { name: 'login', type: 'text', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
    const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    const error = h('p', { class: 'notice notice-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'button button-primary' }, t('signin.submit'));
    const form = h(
      'form',
      { id: 'sign-in-form', class: 'form card' },
      field(t('signin.login'), login),
      field(t('signin.password'), password),
      error,
      h('div', { class: 'form-actions' }, submit),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hidden = true;
      try {
        await busy(submit, () => api.signIn(login.value.trim(), password.value));
        onSignedIn();
      } catch (failure) {
        error.textContent = failureMessage(failure);
        error.hidden = false;
        password.value = '';
        password.focus();
      }
    });
    view.append(
      ...[
        h('header', { class: 'page-header' }, h('h1', { tabindex: '-1' }, t('signin.title'))),
        notice ? h('p', { class: `notice notice-${notice.kind}`, role: notice.kind === 'error' ? 'alert' : 'status' }, notice.text) : null,
        h('p', { class: 'intro' }, t('signin.intro')),
        form,
      ].filter(Boolean),
    );
  },
};
