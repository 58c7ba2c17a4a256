import { Nav } from '../nav';
import { getSession } from '../session';

export const metadata = { title: 'Home' };

/** A Server Component: it reads the session (read-only) and never writes it. */
export default async function HomePage() {
  const username = (await getSession()).get('username', 'Guest');
  return (
    <>
      <Nav />
      <h2>Welcome, {username}!</h2>
      <p>
        <a href="/logout/">Clear Session (Logout)</a>
      </p>
    </>
  );
}
