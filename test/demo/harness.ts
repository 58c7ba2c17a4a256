/**
 * Helpers for the demo's HTTP tests: start the demo in-process on 127.0.0.1:0, and a browser-
 * like client that keeps its own session cookie ("cookie jar") and user agent.
 */
import { request as httpRequest } from 'node:http';
import { existsSync } from 'node:fs';
import { startDemo, type RunningDemo } from '../../examples/seed/demo.ts';
import { FRAMEWORKS, type DemoConfig, type FrameworkName } from '../../examples/seed/config.ts';
import { REQUEST_TIMEOUT_MS } from '../helpers/timed-request.ts';
import type { SessionEvent } from '../../src/core/events.ts';
import { captureEvents } from '../helpers/observe.ts';

export const SECRET = 'demo-test-secret-0123456789abcdefghijklmnop';

/** Frameworks whose cloakroom adapter is present in this checkout. */
export const AVAILABLE_FRAMEWORKS: FrameworkName[] = FRAMEWORKS.filter((fw) => existsSync(new URL(`../../src/adapters/${fw}.ts`, import.meta.url)));

/** A demo started by the tests, with the session manager's events kept instead of printed. */
export interface TestDemo extends RunningDemo {
  /** Every event since the start, oldest first; `take` empties the list. */
  events: SessionEvent[];
  /** The warnings and errors since the last `take` (what the default logger would have printed), as `type reason?`. */
  take(): string[];
}

/** Starts the demo quietly on a free loopback port. */
export async function startTestDemo(framework: FrameworkName, store = 'memory:', storeOptions?: DemoConfig['storeOptions']): Promise<TestDemo> {
  const { options, events, take } = captureEvents();
  const demo = await startDemo({ port: 0, host: '127.0.0.1', store, storeOptions, secrets: [SECRET], framework, log: () => {}, events: options });
  return Object.assign(demo, { events, take });
}

export interface Page {
  status: number;
  headers: Headers;
  body: string;
}

/** One visitor: a session cookie jar and a user agent, requests never follow redirects. */
export class Visitor {
  /** The session cookie (`sessionid=…`), or undefined. */
  cookie: string | undefined;
  /** The anonymous CSRF cookie (`csrftoken=…`) that login-page forms are checked against. */
  csrfCookie: string | undefined;
  constructor(
    readonly base: string,
    readonly userAgent = 'DemoTest/1.0',
  ) {}

  /** The Cookie header this visitor sends: its session and CSRF cookies. */
  cookies(): string {
    return [this.cookie, this.csrfCookie].filter(Boolean).join('; ');
  }

  async get(path: string): Promise<Page> {
    return this.#send(path, { method: 'GET' });
  }

  /** POSTs a urlencoded form; `csrf: true` first fetches a token from the login page of this session. */
  async post(path: string, fields: Record<string, string>, { csrf = true }: { csrf?: boolean } = {}): Promise<Page> {
    const form = new URLSearchParams(fields);
    if (csrf && !form.has('csrf_token')) form.set('csrf_token', await this.csrfToken());
    return this.#send(path, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  /** A CSRF token of this visitor's session (read from the login form). */
  async csrfToken(): Promise<string> {
    return csrfFrom((await this.get('/')).body);
  }

  /** Logs in through the seed's form; returns the POST's response. */
  async login(name: string): Promise<Page> {
    return this.post('/', { username: name });
  }

  async #send(path: string, init: { method: string; body?: string; headers?: Record<string, string> }): Promise<Page> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...init.headers };
    if (this.cookie || this.csrfCookie) headers.cookie = this.cookies();
    const res = await fetch(this.base + path, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    this.#remember(res.headers.getSetCookie());
    return { status: res.status, headers: res.headers, body: await res.text() };
  }

  #remember(setCookies: string[]): void {
    for (const line of setCookies) {
      const pair = line.split(';')[0]!;
      if (pair.startsWith('csrftoken=')) this.csrfCookie = pair;
      if (!pair.startsWith('sessionid=')) continue;
      this.cookie = /max-age=0/i.test(line) || pair === 'sessionid=' ? undefined : pair;
    }
  }
}

/** The value of the hidden `csrf_token` input in a page. */
export function csrfFrom(html: string): string {
  const match = /<input type="hidden" name="csrf_token" value="([^"]+)">/.exec(html);
  if (!match) throw new Error(`no csrf_token input in page:\n${html.slice(0, 500)}`);
  return match[1]!;
}

/** The text of the page's <h2>. */
export function heading(html: string): string | undefined {
  return /<h2>([\s\S]*?)<\/h2>/.exec(html)?.[1];
}

/**
 * A GET through node:http with headers exactly as given (latin1 bytes kept), which `fetch`
 * would refuse or normalise: for malformed and non-UTF-8 Cookie headers.
 */
export function rawGet(url: string, headers: Record<string, string>): Promise<Page> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers, timeout: REQUEST_TIMEOUT_MS, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) for (const x of [v ?? []].flat()) h.append(k, x);
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('rawGet timed out')));
    req.on('error', reject);
    req.end();
  });
}
