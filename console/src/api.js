// The console's one API client: every request of the console goes through `api()`, which adds the
// signed-in user's token, sends and parses JSON, and turns an error answer into an ApiError whose
// message is the API's own description (and, for a validation failure, the field it names).
//
// The token lives in this module's memory and in sessionStorage: sessionStorage belongs to this
// origin and this tab only, so a reload keeps the user signed in while other origins, other tabs
// and a browser restart do not see it; it is never put in the address (which leaks into history,
// logs and Referer headers) nor in localStorage (which outlives the session).

const BASE = '/api/v1';
const STORAGE_KEY = 'crmd.session';

let session = null; // {userName, token}

export class ApiError extends Error {
  constructor(status, message, field, body) {
    super(message);
    this.status = status;
    this.field = field; // the attribute a validation failure names, or undefined
    this.body = body; // the error body (a 409's duplicates), or undefined
  }
}

function basic(user, secret) {
  const bytes = new TextEncoder().encode(`${user}:${secret}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function restoreSession() {
  try {
    session = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
  } catch {
    session = null;
  }
  return session;
}

function keepSession(value) {
  session = value;
  if (value) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(STORAGE_KEY);
}

async function errorOf(response) {
  let description = response.statusText || `HTTP ${response.status}`;
  let field;
  let body;
  try {
    body = await response.json();
    if (body && body.error && body.error.description) description = body.error.description;
    const data = body && body.messageTranslation && body.messageTranslation.data;
    if (data && data.field) field = data.field;
  } catch {
    // Not JSON: keep the status text.
  }
  return new ApiError(response.status, description, field, body);
}

// api('GET', '/Contact', {query: {maxSize: 20}}) -> parsed JSON; throws ApiError (or the fetch's
// AbortError once `signal` aborts).
export async function api(method, path, { body, query, auth, headers: extra, signal } = {}) {
  const url = new URL(BASE + path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  }
  const headers = { Accept: 'application/json', ...extra };
  if (auth) {
    headers['Espo-Authorization'] = auth;
  } else if (session) {
    headers['Espo-Authorization'] = basic(session.userName, session.token);
    headers['Espo-Authorization-By-Token'] = 'true';
  }
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    signal,
  });
  if (response.status === 401 && !auth) {
    keepSession(null);
    window.dispatchEvent(new Event('crmd-signed-out'));
  }
  if (!response.ok) throw await errorOf(response);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

// Signs in with a password; the answer of App/user carries the token used from then on.
export async function signIn(userName, password) {
  const app = await api('GET', '/App/user', { auth: basic(userName, password) });
  keepSession({ userName, token: app.token });
  return app;
}

export async function signOut() {
  const token = session && session.token;
  try {
    if (token) await api('POST', '/App/destroyAuthToken', { body: { token } });
  } finally {
    keepSession(null);
  }
}
