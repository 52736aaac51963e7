// Sign in, register (the password rule shown as it is typed), and the email confirmation
// landing (`/confirm?token=…`, which the confirmation email links to).

import * as api from '../api.js';
import { busy, field, formError, formValues, h, link, showFormError } from '../dom.js';
import { t } from '../i18n.js';
import { navigate } from '../main.js';

function safeNext(query) {
  const next = query.get('next') || '/courses';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/courses';
}

function signIn(main, query) {
  const error = formError();
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, t('auth.sign_in'));
  const form = h(
    'form',
    { id: 'sign-in-form', class: 'card form', novalidate: true },
    error,
    field(t('auth.login'), h('input', { name: 'login', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' })),
    field(t('auth.password'), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('div', { class: 'form-actions' }, submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { login, password } = formValues(form);
    busy(submit, async () => {
      try {
        await api.signIn(login, password);
        navigate(safeNext(query), { replace: true });
      } catch (e) {
        showFormError(form, e);
      }
    });
  });
  main.replaceChildren(
    h('div', { class: 'narrow' }, h('h1', { tabindex: '-1' }, t('auth.sign_in_title')), form, h('p', {}, t('auth.no_account'), ' ', link('/sign-up', {}, t('auth.sign_up')))),
  );
}

/** The password rule of the server (src/accounts/passwords.rs), checked as it is typed. */
export const PASSWORD_RULES = [
  ['length', (p) => [...p].length >= 8 && [...p].length <= 128],
  ['lower', (p) => /\p{Ll}/u.test(p)],
  ['upper', (p) => /\p{Lu}/u.test(p)],
  ['digit', (p) => /\d/.test(p)],
  ['special', (p) => /[^\p{L}\p{N}]/u.test(p)],
];

function passwordRules(input) {
  const items = PASSWORD_RULES.map(([name, check]) => {
    const mark = h('span', { class: 'rule-mark', 'aria-hidden': 'true' }, '○');
    const state = h('span', { class: 'visually-hidden' }, t('auth.rule_missing'));
    const item = h('li', { class: 'rule', 'data-rule': name }, mark, ' ', t(`auth.rule.${name}`), ' ', state);
    return { item, check, mark, state };
  });
  const common = h('li', { class: 'rule rule-info', 'data-rule': 'common' }, h('span', { class: 'rule-mark', 'aria-hidden': 'true' }, 'ℹ'), ' ', t('auth.rule.common'));
  const list = h('ul', { class: 'rules', id: 'password-rules', 'aria-live': 'polite' }, items.map((i) => i.item), common);
  const update = () => {
    for (const { item, check, mark, state } of items) {
      const ok = check(input.value);
      item.classList.toggle('ok', ok);
      item.dataset.ok = String(ok);
      mark.textContent = ok ? '✓' : '○';
      state.textContent = ok ? t('auth.rule_met') : t('auth.rule_missing');
    }
  };
  input.addEventListener('input', update);
  input.setAttribute('aria-describedby', 'password-rules');
  update();
  return list;
}

function signUp(main) {
  const error = formError();
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, t('auth.sign_up'));
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, maxlength: '128' });
  const form = h(
    'form',
    { id: 'sign-up-form', class: 'card form', novalidate: true },
    error,
    field(t('auth.username'), h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false', maxlength: '32' }), t('auth.username_hint')),
    field(t('auth.email'), h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true })),
    field(t('auth.firstname'), h('input', { name: 'firstname', autocomplete: 'given-name' })),
    field(t('auth.lastname'), h('input', { name: 'lastname', autocomplete: 'family-name' })),
    h('div', { class: 'field' }, h('label', { for: 'sign-up-password' }, t('auth.password')), Object.assign(password, { id: 'sign-up-password' }), passwordRules(password)),
    h('div', { class: 'form-actions' }, submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = formValues(form);
    const body = { username: values.username, email: values.email, password: values.password };
    if (values.firstname) body.firstname = values.firstname;
    if (values.lastname) body.lastname = values.lastname;
    busy(submit, async () => {
      try {
        const { signedIn } = await api.register(body);
        if (signedIn) {
          navigate('/courses', { replace: true });
        } else {
          main.replaceChildren(h('div', { class: 'narrow' }, h('h1', { tabindex: '-1' }, t('auth.check_mail_title')), h('p', { class: 'notice' }, t('auth.check_mail'))));
          main.querySelector('h1').focus();
        }
      } catch (e) {
        showFormError(form, e);
      }
    });
  });
  main.replaceChildren(h('div', { class: 'narrow' }, h('h1', { tabindex: '-1' }, t('auth.sign_up_title')), form, h('p', {}, t('auth.have_account'), ' ', link('/sign-in', {}, t('auth.sign_in')))));
}

async function confirm(main, query) {
  const token = query.get('token') || '';
  const title = h('h1', { tabindex: '-1' }, t('auth.confirm_title'));
  const status = h('p', { class: 'notice', role: 'status' }, t('auth.confirming'));
  main.replaceChildren(h('div', { class: 'narrow' }, title, status));
  // The token leaves the address bar (and the history) once read.
  history.replaceState(null, '', '/confirm');
  if (!token) {
    status.textContent = t('auth.confirm_missing');
    status.className = 'notice notice-error';
    return;
  }
  try {
    await api.post('/auth/confirm', { token }, { auth: false });
    status.textContent = t('auth.confirmed');
    status.className = 'notice notice-success';
    status.after(h('p', {}, link(api.currentUser() ? '/courses' : '/sign-in', { class: 'button button-primary' }, api.currentUser() ? t('nav.courses') : t('auth.sign_in'))));
  } catch (e) {
    status.textContent = e.status === 0 ? t('error.network') : t('auth.confirm_failed');
    status.className = 'notice notice-error';
  }
}

export function render(main, { page }, query) {
  if (page === 'sign-up') return signUp(main);
  if (page === 'confirm') return confirm(main, query);
  if (api.currentUser()) {
    navigate(safeNext(query), { replace: true });
    return undefined;
  }
  return signIn(main, query);
}
