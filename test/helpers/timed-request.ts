/**
 * How long a test waits for an HTTP answer before calling it a hang. Only a hang guard: no test
 * means "slow" by it. Generous, because one request on a busy 2-core machine can take seconds.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/** What the outage tests need to know about one answer: status, body, how long it took, the cookie. */
export interface Answer {
  status: number;
  body: string;
  ms: number;
  cookie: string | undefined;
}

/** A GET of `url` (with `cookie` when given), timed from send to the end of the body; gives up after 10 s. */
export async function timedRequest(url: string, cookie: string | undefined): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(url, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  return { status: res.status, body, ms: performance.now() - started, cookie: res.headers.get('set-cookie')?.split(';')[0] };
}
