import { useEffect, type ReactNode } from 'react';
import { Links, Meta, Outlet, Scripts, ScrollRestoration, isRouteErrorResponse, useRouteError, useRouteLoaderData, type LoaderFunctionArgs } from 'react-router';
import { sessionContext, sessionMiddleware } from './session.server';

/** Loads the session before every loader and action, and commits it after the response is ready. */
export const middleware = [sessionMiddleware];

export function loader({ context }: LoaderFunctionArgs) {
  return { theme: context.get(sessionContext).get('theme') === 'dark' ? 'dark' : 'light' };
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 42rem; padding: 0 1rem; line-height: 1.5; }
body.theme-light { background: #ffffff; color: #1b1b1b; }
body.theme-dark { background: #16181d; color: #e8e8e8; }
body.theme-dark a { color: #8ab4f8; }
nav a { margin-right: 1rem; }
nav { border-bottom: 1px solid #8884; padding-bottom: .5rem; margin-bottom: 1.5rem; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #8884; padding: .3rem .5rem; text-align: left; }
.error { color: #c62828; }
form.inline { display: inline; }
`;

export function Layout({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>('root');
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
        <style>{STYLE}</style>
      </head>
      <body className={`theme-${data?.theme ?? 'light'}`}>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  // Tells browser tests that fetchers are live (a click before hydration is a plain form post).
  useEffect(() => {
    document.documentElement.dataset.hydrated = 'true';
  }, []);
  return <Outlet />;
}

/** The shared nav of the seed's pages (the login form stands alone, as in the seed). */
export function Nav() {
  return (
    <nav>
      <a href="/home/">Home</a>
      <a href="/preferences/">Preferences</a>
      <a href="/cart/">Cart</a>
      <a href="/sessions/">Your sessions</a>
    </nav>
  );
}

/** A hidden input carrying the session's CSRF token (the root middleware checks every POST). */
export function CsrfInput({ token }: { token: string }) {
  return <input type="hidden" name="csrf_token" value={token} />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const [status, text] = isRouteErrorResponse(error) ? [error.status, String(error.data || error.statusText)] : [500, 'Internal Server Error'];
  return (
    <>
      <h2>{status}</h2>
      <p>{text}</p>
      <p>
        <a href="/home/">Back to the home page</a>
      </p>
    </>
  );
}
