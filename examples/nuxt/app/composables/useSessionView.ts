import { cartLines } from '../../../seed/cart.ts';

/**
 * What the pages show of the session, read on the server while the page renders (from the
 * request's own session, so a CSRF secret it creates is committed with this response) and
 * handed to the browser in Nuxt's payload. Links between pages are plain `<a>`: every page is
 * rendered by the server, as the seed's are.
 */
export function useSessionView(withCsrf = false) {
  const event = useRequestEvent();
  return useState(`session-view-${withCsrf}`, () => {
    const session = sessionFromEvent(event);
    return {
      username: session.get('username', 'Guest') as string,
      theme: session.get('theme') === 'dark' ? 'dark' : 'light',
      cart: cartLines(session.get('cart', [])),
      csrf: withCsrf ? session.csrfToken() : '',
    };
  });
}

type ViewSession = { get(key: string, fallback?: unknown): any; csrfToken(): string };

function sessionFromEvent(event: ReturnType<typeof useRequestEvent>): ViewSession {
  const session = event?.context.session as ViewSession | undefined;
  if (!session) throw createError({ statusCode: 500, statusMessage: 'No session: is server/middleware/session.ts installed?' });
  return session;
}
