/** Real-HTTP helpers for the express-session drop-in tests: a server on port 0 and a cookie-keeping client. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { REQUEST_TIMEOUT_MS } from '../helpers/timed-request.ts';

export interface Running {
  url: string;
  close(): Promise<void>;
}

export function listen(app: Express): Promise<Running> {
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(0, '127.0.0.1', (err?: Error) => {
      if (err) return reject(err);
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export interface Reply {
  status: number;
  body: string;
  headers: Headers;
  /** Set-Cookie header lines of this response. */
  setCookies: string[];
}

/** A browser-like client: keeps cookies by name, follows nothing (redirects are asserted). */
export class Client {
  readonly jar = new Map<string, string>();
  constructor(readonly base: string) {}

  get cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(path: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.jar.size > 0 && headers.cookie === undefined) headers.cookie = this.cookieHeader;
    const res = await fetch(this.base + path, { method: init.method ?? 'GET', headers, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = await res.text();
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
      if (expired) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return { status: res.status, body, headers: res.headers, setCookies };
  }

  get(path: string, headers?: Record<string, string>): Promise<Reply> {
    return this.request(path, headers ? { headers } : {});
  }
}

/** The attribute `name` of a Set-Cookie line (case-insensitive), true for a flag, undefined when absent. */
export function cookieAttribute(line: string, name: string): string | true | undefined {
  for (const part of line.split(';').slice(1)) {
    const [k, ...v] = part.trim().split('=');
    if (k!.toLowerCase() === name.toLowerCase()) return v.length ? v.join('=') : true;
  }
  return undefined;
}

export const SECRET = 'keyboard cat, but long enough to be a real secret';
