'use client';
/**
 * What a page shows when its render or a Server Action fails. In production Next hands the
 * browser only the error's `digest`: cloakroom/next makes a session error's digest
 * `CLOAKROOM_SESSION_ERROR;<status>;<code>;<public message>` (the store is down, the session
 * ended in another tab …), so the visitor reads what happened instead of a bare "error".
 */
import { Nav } from './nav';

export default function ErrorPage({ error }: { error: Error & { digest?: string } }) {
  const [marker, , , ...message] = (error.digest ?? '').split(';');
  return (
    <>
      <Nav />
      <h2>Something went wrong</h2>
      <p role="alert">{marker === 'CLOAKROOM_SESSION_ERROR' ? message.join(';') : 'The server could not complete this request.'}</p>
    </>
  );
}
