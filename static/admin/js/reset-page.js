// The page of password reset and setup links (`/reset?token=…`): choose a password, posted
// to /api/v1/auth/password-reset/confirm. French or English from the browser's language.

const fr = (navigator.language || '').toLowerCase().startsWith('fr');
const text = fr
  ? {
      title: 'Choisir un mot de passe',
      password: 'Nouveau mot de passe',
      again: 'Le même à nouveau',
      rules: 'Au moins 8 caractères, avec une minuscule, une majuscule, un chiffre et un caractère spécial.',
      submit: 'Enregistrer le mot de passe',
      mismatch: 'Les deux mots de passe diffèrent.',
      done: 'Votre mot de passe est enregistré : connectez-vous avec le nom {name}.',
      no_token: 'Ce lien est incomplet : ouvrez le lien reçu tel quel.',
      network: 'Le serveur ne répond pas. Réessayez.',
    }
  : {
      title: 'Choose a password',
      password: 'New password',
      again: 'The same again',
      rules: 'At least 8 characters, with a lower-case and an upper-case letter, a digit and a special character.',
      submit: 'Set the password',
      mismatch: 'The two passwords differ.',
      done: 'Your password is set: sign in as {name}.',
      no_token: 'This link is incomplete: open the link you received as it is.',
      network: 'The server cannot be reached. Try again.',
    };

document.documentElement.lang = fr ? 'fr' : 'en';
document.title = `Préau — ${text.title}`;
for (const [id, key] of [['title', 'title'], ['password-label', 'password'], ['again-label', 'again'], ['rules', 'rules'], ['submit', 'submit']]) {
  document.getElementById(id).textContent = text[key];
}

const token = new URLSearchParams(window.location.search).get('token') || '';
const form = document.getElementById('reset-form');
const status = document.getElementById('status');
// The token leaves the address bar (and the history) at once.
window.history.replaceState(null, '', window.location.pathname);

function say(message, error = false) {
  status.textContent = message;
  status.className = error ? 'notice notice-error' : 'notice notice-success';
}

if (!token) {
  form.hidden = true;
  say(text.no_token, true);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const password = form.password.value;
  if (password !== form.again.value) {
    say(text.mismatch, true);
    form.again.focus();
    return;
  }
  const button = document.getElementById('submit');
  button.disabled = true;
  try {
    const res = await fetch('/api/v1/auth/password-reset/confirm', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept-Language': fr ? 'fr' : 'en' },
      body: JSON.stringify({ token, password }),
    });
    const body = await res.json().catch(() => ({}));
    if (res.ok) {
      form.hidden = true;
      say(text.done.replace('{name}', body.username));
    } else {
      say(body.message || String(res.status), true);
    }
  } catch {
    say(text.network, true);
  } finally {
    button.disabled = false;
  }
});
