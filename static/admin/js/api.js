// The REST API client and the session. The access token lives in this module's memory only;
// the refresh token is the server's HttpOnly cookie, which this code never sees. A reload
// trades the cookie for a new access token, and the token is renewed a minute before it
// expires. A request refused for its token (401, code 901/902) is retried once after a refresh.

const BASE = '/api/v1';
const RENEW_BEFORE = 60; // seconds before expiry
export const STAFF_LEVEL = 2;
export const ADMIN_LEVEL = 3;

export class ApiError extends Error {
  constructor(status, body = {}) {
    super(body.message || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.error = body.error;
    this.field = body.field;
    this.body = body;
  }
}

const session = {
  token: null,
  expiresAt: 0, // ms
  me: null,
  timer: null,
};
let refreshing = null;
const endListeners = new Set();

/** Called with a reason ('expired') when the session ends without the user signing out. */
export function onSessionEnd(listener) {
  endListeners.add(listener);
}

export function currentUser() {
  return session.me;
}

export function isAdmin() {
  return (session.me?.level ?? 0) >= ADMIN_LEVEL;
}

function url(path, query) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const qs = search.toString();
  return `${BASE}${path}${qs ? `?${qs}` : ''}`;
}

async function send(method, path, { body, query, signal, auth = true } = {}) {
  const headers = { Accept: 'application/json' };
  // A Blob (a chosen file) goes as its raw bytes; anything else as JSON.
  const bytes = body instanceof Blob;
  if (body !== undefined) headers['Content-Type'] = bytes ? body.type || 'application/octet-stream' : 'application/json';
  if (auth && session.token) headers.Authorization = `Bearer ${session.token}`;
  try {
    return await fetch(url(path, query), {
      method,
      headers,
      body: body === undefined || bytes ? body : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal,
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, { message: String(error?.message || error) });
  }
}

async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 300) };
  }
}

function isTokenRefusal(status, body) {
  return status === 401 && (body?.code === 901 || body?.code === 902);
}

/**
 * One API call. Resolves to the parsed JSON body (null for 204), or to the Response itself
 * with `raw: true`; rejects with an ApiError.
 */
export async function request(method, path, options = {}) {
  let response = await send(method, path, options);
  if (response.status === 401 && options.auth !== false && session.token) {
    const body = await readBody(response);
    if (!isTokenRefusal(response.status, body)) throw new ApiError(response.status, body || {});
    if (!(await refresh())) {
      end('expired');
      throw new ApiError(401, body);
    }
    response = await send(method, path, options);
  }
  if (!response.ok) throw new ApiError(response.status, (await readBody(response)) || {});
  if (options.raw) return response;
  return response.status === 204 ? null : readBody(response);
}

export const get = (path, options) => request('GET', path, options);
export const post = (path, body = {}, options) => request('POST', path, { ...options, body });
export const put = (path, body = {}, options) => request('PUT', path, { ...options, body });
export const patch = (path, body = {}, options) => request('PATCH', path, { ...options, body });
export const del = (path, options) => request('DELETE', path, options);

function accept(tokens) {
  session.token = tokens.token;
  session.expiresAt = Date.now() + tokens.ttl * 1000;
  schedule(Math.max(5, tokens.ttl - RENEW_BEFORE) * 1000);
}

function schedule(delay) {
  clearTimeout(session.timer);
  session.timer = setTimeout(renew, delay);
}

async function renew() {
  try {
    if (!(await refresh())) end('expired');
  } catch {
    // The server could not be reached: keep the token while it lasts and try again soon.
    schedule(15000);
  }
}

// Timers sleep in background tabs: catch up when the tab comes back.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && session.token && Date.now() > session.expiresAt - RENEW_BEFORE * 1000) renew();
});

/**
 * Trades the refresh cookie for a new access token. Resolves true on success, false when the
 * server refuses the cookie; rejects when the server cannot be reached. Only one refresh runs
 * at a time, across tabs too (the Web Locks API, where the browser has it): the server rotates
 * the refresh token, and sending a used one twice would end the session.
 */
export function refresh() {
  refreshing ??= (async () => {
    const trade = async () => {
      const response = await send('POST', '/auth/refresh', { body: {}, auth: false });
      if (response.ok) {
        accept(await readBody(response));
        return true;
      }
      if (response.status === 401 || response.status === 403) return false;
      throw new ApiError(response.status, (await readBody(response)) || {});
    };
    return navigator.locks ? navigator.locks.request('preau-admin-refresh', trade) : trade();
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** Thrown by `signIn`/`resume` when the account may not use the admin UI. */
export class NotStaffError extends Error {
  constructor() {
    super('not staff');
    this.name = 'NotStaffError';
  }
}

async function loadMe() {
  const me = await get('/me');
  if ((me?.level ?? 0) < STAFF_LEVEL) {
    await signOut();
    throw new NotStaffError();
  }
  session.me = me;
  return me;
}

export async function signIn(login, password) {
  const response = await send('POST', '/auth/login', { body: { login, password }, auth: false });
  const body = await readBody(response);
  if (!response.ok) throw new ApiError(response.status, body || {});
  accept(body);
  return loadMe();
}

/** The session of a previous visit (the refresh cookie), or null. */
export async function resume() {
  if (!(await refresh())) return null;
  return loadMe();
}

function clear() {
  clearTimeout(session.timer);
  session.token = null;
  session.expiresAt = 0;
  session.me = null;
}

function end(reason) {
  if (!session.token && !session.me) return;
  clear();
  for (const listener of endListeners) listener(reason);
}

/** Ends the session on the server (the refresh family is revoked) and here. */
export async function signOut() {
  try {
    if (session.token) await send('POST', '/auth/logout', { body: {} });
  } catch {
    // Signed out here all the same; the refresh cookie is HttpOnly and expires on its own.
  } finally {
    clear();
  }
}

/** Downloads a file from the API with the bearer token, as the browser's own download. */
export async function download(path, fallbackName) {
  const response = await request('GET', path, { raw: true });
  const disposition = response.headers.get('Content-Disposition') || '';
  const name = /filename="?([^";]+)"?/i.exec(disposition)?.[1] || fallbackName;
  const blob = await response.blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  return { name, size: blob.size };
}
