/** Mints the load's sessions: one login per connection, through the server's own login route. */
import { ROUTES } from './apps/common.ts';
import type { BenchConfig } from './configs.ts';

/** A cookie the size of cloakroom's (`sessionid=` + 76 characters), sent to servers without sessions. */
const DUMMY_COOKIE = `sessionid=${'a'.repeat(32)}.${'b'.repeat(43)}`;

/**
 * One session per connection: logs in once per connection and keeps the `name=value` of the
 * Set-Cookie. Then checks the read route really sees that session.
 */
export async function loginCookies(config: BenchConfig, port: number, connections: number): Promise<string[]> {
  const base = `http://127.0.0.1:${port}`;
  if (config.role === 'bare' || config.role === 'reference') return Array.from({ length: connections }, () => DUMMY_COOKIE);
  const cookies: string[] = [];
  for (let i = 0; i < connections; i++) {
    const res = await fetch(`${base}${ROUTES.login}?u=user${i}`, { signal: AbortSignal.timeout(5000) });
    await res.text();
    const setCookie = res.headers.getSetCookie()[0];
    if (res.status !== 200 || !setCookie) throw new Error(`login answered ${res.status} without a session cookie`);
    cookies.push(setCookie.split(';')[0]!);
  }
  const check = await fetch(`${base}${ROUTES.read}`, { headers: { cookie: cookies[0]! }, signal: AbortSignal.timeout(5000) });
  const body = await check.text();
  if (!body.includes('Welcome, user0!')) throw new Error(`the read route did not see the session (got ${check.status} ${body.slice(0, 80)})`);
  return cookies;
}

