// French and English. The language comes from localStorage (a choice made here), else the
// browser's. Pages bring their own messages with `addMessages`; this file holds the shell's.
// Every message is plain text: it is only ever inserted with textContent.

const STORAGE_KEY = 'preau.admin.lang';

export const LANGUAGES = { en: 'English', fr: 'Français' };

const dictionaries = {
  en: {
    'app.name': 'Préau admin',
    'app.skip': 'Skip to content',
    'app.menu': 'Menu',
    'app.nav': 'Main',
    'app.signed_in_as': 'Signed in as {name} ({level})',
    'app.sign_out': 'Sign out',
    'app.switch_language': 'Passer en français',
    'app.loading': 'Loading…',
    'app.retry': 'Try again',
    'app.cancel': 'Cancel',
    'app.close': 'Close',
    'app.previous': 'Previous page',
    'app.next': 'Next page',
    'app.page': 'Page {n}',
    'app.not_found': 'This page does not exist.',
    'app.not_found_title': 'Not found',
    'app.back_to_dashboard': 'Back to the dashboard',
    'app.forbidden_title': 'Not allowed',
    'app.forbidden': 'This page is for administrators.',
    'app.empty': 'Nothing to show.',
    'app.count': '({n} waiting)',
    'app.session_ended': 'Your session has ended. Please sign in again.',
    'app.signed_out': 'You are signed out.',
    'level.1': 'Member',
    'level.2': 'Moderator',
    'level.3': 'Administrator',
    'error.title': 'Something went wrong',
    'error.network': 'The server cannot be reached. Check the connection and try again.',
    'error.generic': 'The server answered with an error ({status}).',
    'error.forbidden': 'Your account is not allowed to do this.',
    'error.not_found': 'It does not exist, or no longer exists.',
    'error.session': 'Your session has ended. Please sign in again.',
    'time.until_lifted': 'until lifted',
    'time.seconds.one': '{n} second',
    'time.seconds.other': '{n} seconds',
    'time.minutes.one': '{n} minute',
    'time.minutes.other': '{n} minutes',
    'time.hours.one': '{n} hour',
    'time.hours.other': '{n} hours',
    'time.days.one': '{n} day',
    'time.days.other': '{n} days',
  },
  fr: {
    'app.name': 'Préau admin',
    'app.skip': 'Aller au contenu',
    'app.menu': 'Menu',
    'app.nav': 'Principale',
    'app.signed_in_as': 'Connecté en tant que {name} ({level})',
    'app.sign_out': 'Se déconnecter',
    'app.switch_language': 'Switch to English',
    'app.loading': 'Chargement…',
    'app.retry': 'Réessayer',
    'app.cancel': 'Annuler',
    'app.close': 'Fermer',
    'app.previous': 'Page précédente',
    'app.next': 'Page suivante',
    'app.page': 'Page {n}',
    'app.not_found': 'Cette page n’existe pas.',
    'app.not_found_title': 'Introuvable',
    'app.back_to_dashboard': 'Retour au tableau de bord',
    'app.forbidden_title': 'Accès refusé',
    'app.forbidden': 'Cette page est réservée aux administrateurs.',
    'app.empty': 'Rien à afficher.',
    'app.count': '({n} en attente)',
    'app.session_ended': 'Votre session a pris fin. Veuillez vous reconnecter.',
    'app.signed_out': 'Vous êtes déconnecté.',
    'level.1': 'Membre',
    'level.2': 'Modérateur',
    'level.3': 'Administrateur',
    'error.title': 'Une erreur est survenue',
    'error.network': 'Le serveur est injoignable. Vérifiez la connexion puis réessayez.',
    'error.generic': 'Le serveur a répondu par une erreur ({status}).',
    'error.forbidden': 'Votre compte n’a pas le droit de faire cela.',
    'error.not_found': 'Cela n’existe pas, ou plus.',
    'error.session': 'Votre session a pris fin. Veuillez vous reconnecter.',
    'time.until_lifted': 'jusqu’à levée',
    'time.seconds.one': '{n} seconde',
    'time.seconds.other': '{n} secondes',
    'time.minutes.one': '{n} minute',
    'time.minutes.other': '{n} minutes',
    'time.hours.one': '{n} heure',
    'time.hours.other': '{n} heures',
    'time.days.one': '{n} jour',
    'time.days.other': '{n} jours',
  },
};

function initialLanguage() {
  let stored = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage may be disabled; the browser's language still works.
  }
  if (stored in LANGUAGES) return stored;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language || 'en'];
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (base in LANGUAGES) return base;
  }
  return 'en';
}

let current = initialLanguage();
document.documentElement.lang = current;

export function language() {
  return current;
}

export function setLanguage(lang) {
  if (!(lang in LANGUAGES)) return;
  current = lang;
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered, but still switched for this visit.
  }
}

/** Merges a page's messages: `{en: {key: text}, fr: {key: text}}`. */
export function addMessages(messages = {}) {
  for (const [lang, entries] of Object.entries(messages)) {
    dictionaries[lang] = Object.assign(dictionaries[lang] || {}, entries);
  }
}

/** The message `key` in the current language (English, then the key itself, as fallbacks). */
export function t(key, params = {}) {
  const text = dictionaries[current]?.[key] ?? dictionaries.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** A counted message: `key.one`, `key.other`… chosen by the language's plural rules. */
export function tn(key, n, params = {}) {
  const rule = new Intl.PluralRules(current).select(n);
  const full = `${key}.${rule}`;
  const chosen = dictionaries[current]?.[full] || dictionaries.en[full] ? full : `${key}.other`;
  return t(chosen, { n: formatNumber(n), ...params });
}

export function formatNumber(n) {
  return new Intl.NumberFormat(current).format(n);
}

/** Unix milliseconds or a Date, as a short date and time. */
export function formatDateTime(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '—';
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** Unix seconds (the API's `banned_until`, `last_failure_at`) as a date and time. */
export function formatSeconds(seconds) {
  return formatDateTime(seconds * 1000);
}

/** Whether a Unix-seconds end is "never": a ban until lifted is stored as the largest integer. */
export function isForever(seconds) {
  return seconds > 1e11;
}

/** A duration in seconds, in its largest whole unit ("3 hours", "1 day"). */
export function formatDuration(seconds) {
  const units = [
    ['time.days', 86400],
    ['time.hours', 3600],
    ['time.minutes', 60],
  ];
  for (const [key, size] of units) {
    if (seconds >= size) return tn(key, Math.round(seconds / size));
  }
  return tn('time.seconds', Math.max(0, Math.round(seconds)));
}

export function levelName(level) {
  return t(`level.${level}`);
}
