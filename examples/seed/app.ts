/**
 * The seed demo's pages, written once and framework-neutral: every mount in `frameworks/`
 * turns its framework's request into a `DemoRequest`, calls `handle`, and writes the
 * `DemoResponse` back. The session itself comes from that framework's cloakroom adapter.
 *
 * The first three routes are the seed's Django views (login, home, logout); the others show
 * the seed's other uses of a session: a preference, a cart, progress, and the signed-in
 * user's list of sessions.
 */
import { SessionError, publicMessage } from '../../src/core/errors.ts';
import type { SessionManager, UserSession } from '../../src/core/manager.ts';
import type { Session } from '../../src/core/session.ts';
import { CSRF_FIELD } from '../../src/core/csrf.ts';
import { csrfInput, escapeHtml, page, type Theme } from './html.ts';
import { FORM_ERROR_TITLES, FORM_LIMIT } from './body.ts';
import { CATALOGUE, cartLines, changeCart, isItemId, type Cart } from './cart.ts';

/** Longest name the login form accepts (`Session.login` itself allows 256). */
export const MAX_USERNAME_LENGTH = 100;

/** What the demo keeps in a session. */
export interface DemoData {
  username: string;
  theme: Theme;
  cart: Cart;
  /** Page views per path, counted once the visitor has a session. */
  progress: Record<string, number>;
}

export type DemoSession = Session<DemoData>;
export type DemoManager = SessionManager<DemoData>;

/** A request as the pages see it; mounts build it from their framework's request. */
export interface DemoRequest {
  method: string;
  /** The URL path without its query string, e.g. `/home/`. */
  path: string;
  /** The urlencoded body of a POST (empty for other methods). */
  form: URLSearchParams;
}

export interface DemoResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HandleOptions {
  /**
   * Count page views for /progress/. Default true. A counted view writes the session, so turn
   * it off where a page must stay a pure read (benchmarks of /home/).
   */
  trackProgress?: boolean;
}

type Handler = (request: DemoRequest, session: DemoSession, manager: DemoManager) => Promise<DemoResponse> | DemoResponse;

interface Route {
  GET?: Handler;
  POST?: Handler;
}

/** The routes, exactly as the seed's urls.py plus the side pages. */
const ROUTES: Record<string, Route> = {
  '/': { GET: loginForm, POST: login },
  '/home/': { GET: home },
  '/logout/': { GET: logout },
  '/preferences/': { GET: preferences, POST: savePreferences },
  '/cart/': { GET: cart, POST: updateCart },
  '/progress/': { GET: progress, POST: resetProgress },
  '/sessions/': { GET: sessions, POST: revokeSessions },
};

/** The paths whose views /progress/ counts, in display order. */
export const PAGES = Object.keys(ROUTES).filter((p) => ROUTES[p]!.GET && p !== '/logout/');

/**
 * Answers one request of the demo. Never throws for bad input: unknown paths are 404, wrong
 * methods 405 (with `Allow`), POSTs without this session's CSRF token 403, session-store
 * failures their `SessionError` status (503).
 *
 * @example
 * const response = await handle({ method: 'GET', path: '/home/', form: new URLSearchParams() }, session, manager);
 * res.writeHead(response.status, response.headers).end(response.body);
 */
export async function handle(request: DemoRequest, session: DemoSession, manager: DemoManager, options: HandleOptions = {}): Promise<DemoResponse> {
  const { trackProgress = true } = options;
  const method = request.method.toUpperCase() === 'HEAD' ? 'GET' : request.method.toUpperCase();
  if (request.path === HEALTH_PATH) return health(method, manager);
  const route = Object.hasOwn(ROUTES, request.path) ? ROUTES[request.path] : undefined;
  try {
    if (!route) {
      // Django's APPEND_SLASH: /home → /home/.
      if (method === 'GET' && Object.hasOwn(ROUTES, `${request.path}/`)) return redirect(`${request.path}/`, 301);
      return errorPage(session, 404, 'Page not found', `There is no page at ${escapeHtml(request.path)}.`);
    }
    const handler = method === 'GET' || method === 'POST' ? route[method] : undefined;
    if (!handler) {
      const allow = [route.GET ? 'GET, HEAD' : '', route.POST ? 'POST' : ''].filter(Boolean).join(', ');
      const response = errorPage(session, 405, 'Method not allowed', `${escapeHtml(request.path)} answers ${allow}.`);
      response.headers['allow'] = allow;
      return response;
    }
    if (method === 'POST') manager.checkCsrf(session, method, request.form.get(CSRF_FIELD));
    else if (trackProgress && handler !== logout) countView(session, request.path);
    const response = await handler(request, session, manager);
    if (request.method.toUpperCase() === 'HEAD') response.body = '';
    return response;
  } catch (err) {
    if (!(err instanceof SessionError) || err.status === 500) throw err;
    const title = err.code === 'ERR_CSRF' ? 'Forbidden' : publicMessage(err).split(':')[0]!;
    return errorPage(session, err.status, title, escapeHtml(publicMessage(err)));
  }
}

/** The health check's path: for load balancers and Kubernetes probes, outside the pages and their view counts. */
export const HEALTH_PATH = '/healthz';

/**
 * `GET /healthz`: 200 while the session store answers a read, 503 while it does not (its
 * outage is logged once by the manager, not once per probe). Never cached.
 */
async function health(method: string, manager: DemoManager): Promise<DemoResponse> {
  const headers = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };
  if (method !== 'GET') return { status: 405, headers: { ...headers, allow: 'GET, HEAD' }, body: 'Method Not Allowed\n' };
  try {
    await manager.ready();
    return { status: 200, headers, body: 'ok\n' };
  } catch (err) {
    if (!(err instanceof SessionError) || err.status !== 503) throw err;
    return { status: 503, headers, body: 'session store unavailable\n' };
  }
}

// ---- the seed's three views ----------------------------------------------------

/** The seed's index.html: the login form, with Django's hidden CSRF input. */
function loginForm(_request: DemoRequest, session: DemoSession, _manager: DemoManager, error?: string, status = 200): DemoResponse {
  const message = error ? `            <p class="error">${escapeHtml(error)}</p>\n` : '';
  const body = `        <form method="post" action="/">
            ${csrfInput(session.csrfToken())}
${message}            <label>Enter Name</label><br>
            <input type="text" name="username" required maxlength="${MAX_USERNAME_LENGTH}"><br><br>
            <input type="submit" value="Login">
        </form>`;
  return html(status, page({ title: 'Login', theme: themeOf(session), body, nav: false }));
}

/** Stores the name after Django's `login()`: a new session ID (against fixation), bound to the user. */
function login(request: DemoRequest, session: DemoSession, manager: DemoManager): DemoResponse {
  const username = (request.form.get('username') ?? '').trim();
  if (username.length === 0) return loginForm(request, session, manager, 'Please enter a name.', 400);
  if (username.length > MAX_USERNAME_LENGTH) {
    return loginForm(request, session, manager, `Names are at most ${MAX_USERNAME_LENGTH} characters.`, 400);
  }
  // Django flushes the session when a different user signs in on it, so nothing leaks between them.
  if (session.userId !== null && session.userId !== username) session.flush();
  session.login(username);
  session.set('username', username);
  return redirect('/home/', 302);
}

/** The seed's home.html. */
function home(_request: DemoRequest, session: DemoSession): DemoResponse {
  const username = session.get('username', 'Guest');
  const body = `        <h2>Welcome, ${escapeHtml(username)}!</h2>
        <p><a href="/logout/">Clear Session (Logout)</a></p>`;
  return html(200, page({ title: 'Home', theme: themeOf(session), body }));
}

/** Django's `session.flush()`: data and record gone, then back to the form. */
function logout(_request: DemoRequest, session: DemoSession): DemoResponse {
  session.flush();
  return redirect('/', 302);
}

// ---- a preference ------------------------------------------------------------------

function preferences(_request: DemoRequest, session: DemoSession): DemoResponse {
  const theme = themeOf(session);
  const option = (value: Theme, label: string) =>
    `<label><input type="radio" name="theme" value="${value}"${theme === value ? ' checked' : ''}> ${label}</label>`;
  const body = `        <h2>Preferences</h2>
        <form method="post" action="/preferences/">
            ${csrfInput(session.csrfToken())}
            <p>Theme: ${option('light', 'Light')} ${option('dark', 'Dark')}</p>
            <input type="submit" value="Save">
        </form>
        <p>The theme is kept in your session and applied on every page.</p>`;
  return html(200, page({ title: 'Preferences', theme, body }));
}

function savePreferences(request: DemoRequest, session: DemoSession): DemoResponse {
  const theme = request.form.get('theme');
  if (theme !== 'light' && theme !== 'dark') {
    return errorPage(session, 400, 'Bad request', 'Theme must be "light" or "dark".');
  }
  session.set('theme', theme);
  return redirect('/preferences/', 303);
}

// ---- a cart ---------------------------------------------------------------------------

function cart(_request: DemoRequest, session: DemoSession): DemoResponse {
  const token = session.csrfToken();
  const lines = cartLines(session.get('cart', []));
  const button = (action: 'add' | 'remove', item: string, label: string) =>
    `<form class="inline" method="post" action="/cart/">${csrfInput(token)}<input type="hidden" name="action" value="${action}"><input type="hidden" name="item" value="${item}"><button type="submit">${label}</button></form>`;
  const rows = lines.length
    ? lines.map((l) => `<tr><td>${escapeHtml(l.label)}</td><td>${l.qty}</td><td>${button('remove', l.item, 'Remove one')}</td></tr>`).join('\n')
    : '<tr><td colspan="3">Your cart is empty.</td></tr>';
  const shop = Object.entries(CATALOGUE)
    .map(([item, label]) => `<li>${escapeHtml(label)} ${button('add', item, 'Add')}</li>`)
    .join('\n');
  const body = `        <h2>Cart</h2>
        <table><tr><th>Item</th><th>Quantity</th><th></th></tr>
${rows}
        </table>
        <h3>Cloakroom shop</h3>
        <ul>${shop}</ul>`;
  return html(200, page({ title: 'Cart', theme: themeOf(session), body }));
}

function updateCart(request: DemoRequest, session: DemoSession): DemoResponse {
  const action = request.form.get('action');
  const item = request.form.get('item');
  if ((action !== 'add' && action !== 'remove') || !isItemId(item)) {
    return errorPage(session, 400, 'Bad request', 'Send action=add|remove and an item from the shop.');
  }
  session.set('cart', changeCart(session.get('cart', []), action, item));
  return redirect('/cart/', 303);
}

// ---- progress ---------------------------------------------------------------------------

function countView(session: DemoSession, path: string): void {
  // A first visit gets no cookie just to be counted (Django's rule: nothing written, no session).
  if (session.isNew) return;
  const views = { ...session.get('progress', {}) };
  views[path] = (Object.hasOwn(views, path) ? views[path]! : 0) + 1;
  session.set('progress', views);
}

function progress(_request: DemoRequest, session: DemoSession): DemoResponse {
  const views = session.get('progress', {});
  const count = (path: string) => (Object.hasOwn(views, path) && Number.isSafeInteger(views[path]) ? views[path]! : 0);
  const total = PAGES.reduce((sum, path) => sum + count(path), 0);
  const visited = PAGES.filter((path) => count(path) > 0).length;
  const rows = PAGES.map((path) => `<tr><td><a href="${path}">${path}</a></td><td>${count(path)}</td></tr>`).join('\n');
  const body = `        <h2>Progress</h2>
        <p>You have viewed <strong id="total">${total}</strong> pages; <strong id="visited">${visited}</strong> of ${PAGES.length} pages visited.</p>
        <table><tr><th>Page</th><th>Views</th></tr>
${rows}
        </table>
        <form method="post" action="/progress/">${csrfInput(session.csrfToken())}<button type="submit">Reset progress</button></form>
        <p>Views are counted once you have a session (after signing in, choosing a theme or filling a cart).</p>`;
  return html(200, page({ title: 'Progress', theme: themeOf(session), body }));
}

function resetProgress(_request: DemoRequest, session: DemoSession): DemoResponse {
  session.delete('progress');
  return redirect('/progress/', 303);
}

// ---- your sessions ---------------------------------------------------------------------

async function sessions(_request: DemoRequest, session: DemoSession, manager: DemoManager): Promise<DemoResponse> {
  const theme = themeOf(session);
  const userId = session.userId;
  if (userId === null) {
    const body = `        <h2>Your sessions</h2>
        <p>You are not signed in. <a href="/">Sign in</a> to see the devices where you are signed in.</p>`;
    return html(200, page({ title: 'Your sessions', theme, body }));
  }
  const token = session.csrfToken();
  const notice = session.readFlash<string>('notice');
  let list: UserSession[];
  try {
    list = await manager.listUserSessions(userId, session);
  } catch (err) {
    if (!isUnsupported(err)) throw err;
    const body = `        <h2>Your sessions</h2>
        <p>Signed in as <strong>${escapeHtml(userId)}</strong>. This store keeps each session in its cookie, so the server cannot list or sign out your other devices.</p>`;
    return html(200, page({ title: 'Your sessions', theme, body }));
  }
  const rows = list.map((s) => sessionRow(s, token)).join('\n');
  const others = list.some((s) => !s.current)
    ? `<form method="post" action="/sessions/">${csrfInput(token)}<input type="hidden" name="action" value="revoke-others"><button type="submit">Sign out all other sessions</button></form>`
    : '<p>No other sessions.</p>';
  const body = `        <h2>Your sessions</h2>
${notice ? `        <p class="notice">${escapeHtml(notice)}</p>\n` : ''}        <p>Signed in as <strong>${escapeHtml(userId)}</strong> on ${list.length} device(s).</p>
        <table><tr><th>Device</th><th>Signed in</th><th>Last seen</th><th></th></tr>
${rows}
        </table>
        ${others}`;
  return html(200, page({ title: 'Your sessions', theme, body }));
}

function sessionRow(s: UserSession, token: string): string {
  const device = escapeHtml(s.userAgent ?? 'Unknown device');
  const action = s.current
    ? '<span class="current">This device</span> · <a href="/logout/">Sign out</a>'
    : `<form class="inline" method="post" action="/sessions/">${csrfInput(token)}<input type="hidden" name="action" value="revoke"><input type="hidden" name="handle" value="${escapeHtml(s.handle)}"><button type="submit">Sign out</button></form>`;
  return `<tr${s.current ? ' class="current"' : ''}><td>${device}</td><td>${when(s.createdAt)}</td><td>${when(s.lastSeenAt)}</td><td>${action}</td></tr>`;
}

async function revokeSessions(request: DemoRequest, session: DemoSession, manager: DemoManager): Promise<DemoResponse> {
  const userId = session.userId;
  if (userId === null) return errorPage(session, 403, 'Forbidden', 'Sign in first.');
  const action = request.form.get('action');
  if (action === 'revoke-others' || action === 'revoke') {
    // Sudo mode: signing other devices out needs a recent login, so a session left open on a
    // shared computer cannot lock its owner out of their other devices.
    if (!recentLogin(session)) {
      return errorPage(session, 403, 'Please sign in again', `For your security, signing out other sessions needs a sign-in from the last ${RECENT_LOGIN / 60} minutes. <a href="/">Sign in again</a>, then retry.`);
    }
    try {
      await revoke(action, userId, request.form.get('handle') ?? '', session, manager);
    } catch (err) {
      if (!isUnsupported(err)) throw err;
      session.flash('notice', 'This store cannot sign out other sessions.');
    }
    return redirect('/sessions/', 303);
  }
  return errorPage(session, 400, 'Bad request', 'Send action=revoke (with handle) or action=revoke-others.');
}

async function revoke(action: 'revoke' | 'revoke-others', userId: string, handle: string, session: DemoSession, manager: DemoManager): Promise<void> {
  if (action === 'revoke-others') {
    const count = await manager.revokeUserSessions(userId, { except: session });
    session.flash('notice', `Signed out ${count} other session(s).`);
  } else {
    const done = await manager.revokeUserSession(userId, handle);
    session.flash('notice', done ? 'Signed out that session.' : 'That session had already ended.');
  }
}

/** Seconds a login stays recent enough to sign out other sessions (`requireRecentLogin`). */
export const RECENT_LOGIN = 15 * 60;

function recentLogin(session: DemoSession): boolean {
  try {
    session.requireRecentLogin(RECENT_LOGIN);
    return true;
  } catch (err) {
    if (err instanceof SessionError && err.code === 'ERR_SESSION_REAUTH') return false;
    throw err;
  }
}

/** A stateless store (`cookie:`) cannot list or revoke sessions: the page says so instead of failing. */
function isUnsupported(err: unknown): boolean {
  return err instanceof SessionError && err.code === 'ERR_STORE_UNSUPPORTED';
}

// ---- helpers ---------------------------------------------------------------------------

function themeOf(session: DemoSession): Theme {
  return session.get('theme') === 'dark' ? 'dark' : 'light';
}

function when(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Per-visitor pages: never stored by caches; no inline scripts may run (XSS defence in depth). */
const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

function html(status: number, body: string): DemoResponse {
  return { status, headers: { ...HTML_HEADERS }, body };
}

function redirect(location: string, status: 301 | 302 | 303): DemoResponse {
  return { status, headers: { location, 'cache-control': 'no-store' }, body: '' };
}

/**
 * A themed error page (404, 405, 413 …). `message` is HTML: escape what it interpolates.
 *
 * @example
 * errorPage(session, 413, 'Payload too large', 'Forms are limited to 8 KiB.')
 */
export function errorPage(session: DemoSession | null, status: number, title: string, message: string): DemoResponse {
  const theme = session ? themeOf(session) : 'light';
  const body = `        <h2>${status} ${escapeHtml(title)}</h2>
        <p>${message}</p>
        <p><a href="/home/">Back to the home page</a></p>`;
  return html(status, page({ title: `${status} ${title}`, theme, body }));
}

/**
 * The page for a form body a mount refused (400 aborted, 413 over `FORM_LIMIT`, 415 not
 * urlencoded). A 413 closes the connection, so the rest of an oversized body is never read.
 *
 * @example
 * if (!result.ok) return send(formErrorResponse(session, result.status));
 */
export function formErrorResponse(session: DemoSession | null, status: 400 | 413 | 415): DemoResponse {
  const message =
    status === 413
      ? `Forms are limited to ${FORM_LIMIT / 1024} KiB.`
      : status === 415
        ? 'Forms must be sent as application/x-www-form-urlencoded.'
        : 'The form could not be read.';
  const response = errorPage(session, status, FORM_ERROR_TITLES[status], message);
  if (status === 413) response.headers['connection'] = 'close';
  return response;
}
