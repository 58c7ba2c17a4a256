import { isSessionError, type UserSession } from 'cloakroom';
import { revokeSessions } from '../actions';
import { Nav } from '../nav';
import { app, getSession } from '../session';

export const metadata = { title: 'Your sessions' };

const when = (date: Date) => `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

export default async function SessionsPage() {
  const session = await getSession();
  const userId = session.userId;
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
  let list: UserSession[];
  try {
    list = await (await app()).manager.listUserSessions(userId, session);
  } catch (err) {
    if (!(isSessionError(err) && err.code === 'ERR_STORE_UNSUPPORTED')) throw err;
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
            <tr key={s.handle}>
              <td>{s.userAgent ?? 'Unknown device'}</td>
              <td>{when(s.createdAt)}</td>
              <td>{when(s.lastSeenAt)}</td>
              <td>
                {s.current ? (
                  <>
                    This device · <a href="/logout/">Sign out</a>
                  </>
                ) : (
                  <form action={revokeSessions} className="inline">
                    <input type="hidden" name="action" value="revoke" />
                    <input type="hidden" name="handle" value={s.handle} />
                    <button type="submit">Sign out</button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.some((s) => !s.current) ? (
        <form action={revokeSessions}>
          <input type="hidden" name="action" value="revoke-others" />
          <button type="submit">Sign out all other sessions</button>
        </form>
      ) : (
        <p>No other sessions.</p>
      )}
    </>
  );
}
