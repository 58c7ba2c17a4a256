'use server';
/**
 * The seed's writes as Server Actions. Each is wrapped with `action(…)`, so the session it
 * changes is committed before the response leaves, also when it ends in `redirect()`. CSRF:
 * Next.js refuses a Server Action whose Origin is not the app's own (no token needed).
 */
import { redirect } from 'next/navigation';
import { isSessionError } from 'cloakroom';
import { changeCart, isItemId } from '../../seed/cart.ts';
import { action, app, getSession } from './session';

/** As the seed's MAX_USERNAME_LENGTH. */
const MAX_USERNAME_LENGTH = 100;

export const login = action(async (form: FormData) => {
  const username = String(form.get('username') ?? '').trim();
  if (username.length === 0 || username.length > MAX_USERNAME_LENGTH) redirect('/');
  const session = await getSession();
  // A different user signing in on this session starts from nothing, as Django does.
  if (session.userId !== null && session.userId !== username) session.flush();
  session.login(username);
  session.set('username', username);
  redirect('/home/');
});

export const savePreferences = action(async (form: FormData) => {
  const theme = form.get('theme');
  if (theme === 'light' || theme === 'dark') (await getSession()).set('theme', theme);
  redirect('/preferences/');
});

export const updateCart = action(async (form: FormData) => {
  const what = form.get('action');
  const item = form.get('item');
  if ((what === 'add' || what === 'remove') && isItemId(item)) {
    const session = await getSession();
    session.set('cart', changeCart(session.get('cart', []), what, item));
  }
  redirect('/cart/');
});

export const revokeSessions = action(async (form: FormData) => {
  const session = await getSession();
  const userId = session.userId;
  if (userId === null) redirect('/');
  const { manager } = await app();
  try {
    if (form.get('action') === 'revoke-others') {
      const count = await manager.revokeUserSessions(userId, { except: session });
      session.flash('notice', `Signed out ${count} other session(s).`);
    } else {
      const done = await manager.revokeUserSession(userId, String(form.get('handle') ?? ''));
      session.flash('notice', done ? 'Signed out that session.' : 'That session had already ended.');
    }
  } catch (err) {
    if (!(isSessionError(err) && err.code === 'ERR_STORE_UNSUPPORTED')) throw err;
    session.flash('notice', 'This store cannot sign out other sessions.');
  }
  redirect('/sessions/');
});
