/**
 * Builds and starts the seed demo: the store from `SESSION_STORE`, one `SessionManager`, the
 * framework-neutral pages of `app.ts`, mounted on the framework `config.framework` names.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SessionManager } from '../../src/core/manager.ts';
import type { SessionStore, StatelessStore } from '../../src/core/store.ts';
import { handle, type DemoData, type DemoManager, type DemoRequest, type DemoResponse, type DemoSession } from './app.ts';
import type { DemoConfig } from './config.ts';
import { openStore } from './store.ts';
import { djangoManagerOptions } from '../../src/django/settings.ts';
import { mountFramework } from './frameworks/index.ts';

/** The demo before it listens: what every framework mount needs. */
export interface DemoApp {
  config: DemoConfig;
  store: SessionStore | StatelessStore;
  manager: DemoManager;
  /** `handle` from app.ts bound to this app's manager and options. */
  handle(request: DemoRequest, session: DemoSession): Promise<DemoResponse>;
  /** Closes the store. */
  close(): Promise<void>;
}

/** A listening demo. */
export interface RunningDemo {
  app: DemoApp;
  server: Server;
  /** e.g. `http://127.0.0.1:3000` (no trailing slash). */
  url: string;
  /** Stops accepting, drops idle keep-alive connections, closes the store. */
  close(): Promise<void>;
}

/**
 * The demo's store, session manager and bound handler.
 *
 * @example
 * const app = await createDemoApp({ ...configFromEnv(), store: 'memory:' });
 */
export async function createDemoApp(config: DemoConfig): Promise<DemoApp> {
  const store = await openStore(config.store, { secrets: config.secrets, ...config.storeOptions });
  let manager: DemoManager;
  try {
    // Our own stores: the cookie age from the environment, and the absolute timeout on (off by
    // default in the library, for compatibility): a session ends 12 hours after login however
    // active it is, on every store including the cookie store.
    const own = {
      ...(config.cookieAge !== undefined ? { cookie: { maxAge: config.cookieAge } } : {}),
      ...(config.absoluteTimeout ? { absoluteTimeout: config.absoluteTimeout } : {}),
    };
    // Next to Django (SESSION_STORE=django+…): Django's cookie and expiry rules, so both apps
    // send the same cookie (Django has no absolute timeout, and its tables keep no login time).
    const django = /^django[+-]/i.test(config.store) ? djangoManagerOptions(config.cookieAge !== undefined ? { SESSION_COOKIE_AGE: config.cookieAge } : {}) : own;
    manager = new SessionManager<DemoData>({ store, secrets: config.secrets, ...django, ...config.events });
  } catch (err) {
    await store.close();
    throw err;
  }
  const options = { trackProgress: config.trackProgress ?? true };
  return {
    config,
    store,
    manager,
    handle: (request, session) => handle(request, session, manager, options),
    close: () => store.close(),
  };
}

/**
 * Creates the demo and listens on `config.host:config.port` (0 picks a free port) with the
 * framework `config.framework`. Logs `Seed demo (<framework>, <store>) at <url>`.
 *
 * @example
 * const demo = await startDemo({ port: 0, host: '127.0.0.1', store: 'memory:', secrets: [secret], framework: 'node', log: () => {} });
 * await fetch(`${demo.url}/home/`);
 * await demo.close();
 */
export async function startDemo(config: DemoConfig): Promise<RunningDemo> {
  const app = await createDemoApp(config);
  let server: Server;
  try {
    server = await mountFramework(config.framework, app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await app.close();
    throw err;
  }
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  (config.log ?? ((line: string) => console.log(line)))(`Seed demo (${config.framework}, ${app.store.name}) at ${url}/`);
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // A client that keeps a request open must not hold shutdown hostage.
      setTimeout(() => server.closeAllConnections(), 1000).unref();
    }).then(() => app.close()));
  return { app, server, url, close };
}
