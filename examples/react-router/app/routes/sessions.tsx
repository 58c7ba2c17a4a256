import { Form, data, redirect, useLoaderData, type ActionFunctionArgs, type LoaderFunctionArgs } from 'react-router';
import { isSessionError, type UserSession } from 'cloakroom';
import { CsrfInput, Nav } from '../root';
import { sessionContext, sessions } from '../session.server';

export function meta() {
  return [{ title: 'Your sessions' }];
}

/** A stateless store (`cookie:`) cannot list or revoke sessions: the page says so instead of failing. */
const unsupported = (err: unknown) => isSessionError(err) && err.code === 'ERR_STORE_UNSUPPORTED';
const when = (date: Date) => `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

export async function loader({ context }: LoaderFunctionArgs) {
  const session = context.get(sessionContext);
  const userId = session.userId;
  if (userId === null) return { userId, list: null, csrf: '', notice: undefined };
  const notice = session.readFlash<string>('notice');
  let list: UserSession[] | null;
  try {
    list = await sessions.listUserSessions(userId, session);
  } catch (err) {
    if (!unsupported(err)) throw err;
    list = null;
  }
  const rows = list?.map((s) => ({ handle: s.handle, device: s.userAgent ?? 'Unknown device', createdAt: when(s.createdAt), lastSeenAt: when(s.lastSeenAt), current: s.current }));
  return { userId, list: rows ?? null, csrf: session.csrfToken(), notice };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = context.get(sessionContext);
  const userId = session.userId;
  if (userId === null) throw data('Sign in first.', { status: 403 });
  const form = await request.formData();
  const what = form.get('action');
  try {
    if (what === 'revoke-others') {
      const count = await sessions.revokeUserSessions(userId, { except: session });
      session.flash('notice', `Signed out ${count} other session(s).`);
    } else if (what === 'revoke') {
      const done = await sessions.revokeUserSession(userId, String(form.get('handle') ?? ''));
      session.flash('notice', done ? 'Signed out that session.' : 'That session had already ended.');
    } else {
      throw data('Send action=revoke (with handle) or action=revoke-others.', { status: 400 });
    }
  } catch (err) {
    if (!unsupported(err)) throw err;
    session.flash('notice', 'This store cannot sign out other sessions.');
  }
  return redirect('/sessions/', 303);
}

export default function Sessions() {
  const { userId, list, csrf, notice } = useLoaderData<typeof loader>();
  if (userId === null) {
    return (
      <>
        <Nav />
        <h2>Your sessions</h2>
        <p>
          You are not signed in. <a href="/">Sign in</a> to see the devices where you are signed in.
        </p>
      </>
    );
  }
  if (list === null) {
    return (
      <>
        <Nav />
        <h2>Your sessions</h2>
        <p>
          Signed in as <strong>{userId}</strong>. This store keeps each session in its cookie, so the server cannot list or sign out your other devices.
        </p>
      </>
    );
  }
  return (
    <>
      <Nav />
      <h2>Your sessions</h2>
      {notice ? <p className="notice">{notice}</p> : null}
      <p>
        Signed in as <strong>{userId}</strong> on {list.length} device(s).
      </p>
      <table>
        <tbody>
          <tr>
            <th>Device</th>
            <th>Signed in</th>
            <th>Last seen</th>
            <th></th>
          </tr>
          {list.map((s) => (
            <tr key={s.handle} className={s.current ? 'current' : undefined}>
              <td>{s.device}</td>
              <td>{s.createdAt}</td>
              <td>{s.lastSeenAt}</td>
              <td>
                {s.current ? (
                  <>
                    <span className="current">This device</span> · <a href="/logout/">Sign out</a>
                  </>
                ) : (
                  <Form method="post" className="inline">
                    <CsrfInput token={csrf} />
                    <input type="hidden" name="action" value="revoke" />
                    <input type="hidden" name="handle" value={s.handle} />
                    <button type="submit">Sign out</button>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.some((s) => !s.current) ? (
        <Form method="post">
          <CsrfInput token={csrf} />
          <input type="hidden" name="action" value="revoke-others" />
          <button type="submit">Sign out all other sessions</button>
        </Form>
      ) : (
        <p>No other sessions.</p>
      )}
    </>
  );
}
