/**
 * One browser's cookie jar over plain fetch: cookies are per host, not per port (RFC 6265
 * §8.5), so the Django app and the TypeScript apps on two ports of 127.0.0.1 share them, as
 * they would in a browser. Redirects are not followed.
 */
import { REQUEST_TIMEOUT_MS } from '../helpers/timed-request.ts';

export interface Reply {
  status: number;
  headers: Headers;
  body: string;
}

export class Jar {
  readonly cookies = new Map<string, string>();

  get session(): string | undefined {
    return this.cookies.get('sessionid');
  }

  set session(value: string | undefined) {
    if (value === undefined) this.cookies.delete('sessionid');
    else this.cookies.set('sessionid', value);
  }

  async get(url: string): Promise<Reply> {
    return this.send(url, { method: 'GET' });
  }

  async postJson(url: string, body: unknown): Promise<Reply> {
    return this.send(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  async json<T = Record<string, unknown>>(url: string, body?: unknown): Promise<T> {
    const reply = body === undefined ? await this.get(url) : await this.postJson(url, body);
    if (reply.status !== 200) throw new Error(`${url}: ${reply.status} ${reply.body.slice(0, 300)}`);
    return JSON.parse(reply.body) as T;
  }

  async postForm(url: string, fields: Record<string, string>): Promise<Reply> {
    return this.send(url, { method: 'POST', body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', referer: url } });
  }

  async send(url: string, init: { method: string; body?: string; headers?: Record<string, string> }): Promise<Reply> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, headers: res.headers, body: await res.text() };
  }
}

/** The `<h2>` of a page. */
export function heading(html: string): string {
  return /<h2>([^<]*)<\/h2>/.exec(html)?.[1]?.trim() ?? '';
}

/** Logs in through the seed's form at `base` (Django's or ours: each form's own CSRF field). */
export async function formLogin(jar: Jar, base: string, username: string): Promise<Reply> {
  const form = await jar.get(`${base}/`);
  const token = /name="(csrfmiddlewaretoken|csrf_token)" value="([^"]+)"/.exec(form.body);
  if (!token) throw new Error(`no CSRF input on ${base}/:\n${form.body.slice(0, 400)}`);
  return jar.postForm(`${base}/`, { [token[1]!]: token[2]!, username });
}
