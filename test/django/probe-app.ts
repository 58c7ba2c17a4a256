/**
 * A small TypeScript app over the same Django store as the seed demo, with JSON endpoints the
 * scenarios use to read and write values and login state (the Django project has the same
 * ones): GET/POST /t/session/, POST /t/login/, GET /t/whoami/, POST /t/logout/.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SessionManager } from '../../src/core/manager.ts';
import { withSession } from '../../src/adapters/node.ts';
import { createStore, type CreateStoreOptions } from '../../src/stores/from-url.ts';
import { djangoLogin, djangoManagerOptions, djangoUser, type DjangoKeys } from '../../src/django/index.ts';
import type { SessionStore, StatelessStore } from '../../src/core/store.ts';

export interface ProbeApp {
  url: string;
  store: SessionStore | StatelessStore;
  close(): Promise<void>;
}

export interface ProbeOptions {
  storeUrl: string;
  storeOptions: CreateStoreOptions;
  keys: DjangoKeys;
  /** The user's `password` column from Django's user table. */
  passwordHash: (userId: string) => Promise<string | null>;
}

export async function startProbe(options: ProbeOptions): Promise<ProbeApp> {
  const store = await createStore(options.storeUrl, { ...options.storeOptions, django: { ...options.storeOptions.django, ...options.keys } });
  const sessions = new SessionManager({ store, secrets: options.keys.secretKey, ...djangoManagerOptions() });
  const server = http.createServer(
    withSession(sessions, async (req, res, session) => {
      let body: Record<string, unknown> = {};
      if (req.method === 'POST') {
        let text = '';
        for await (const chunk of req) text += chunk;
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      }
      const reply = (value: unknown) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(value));
      };
      const state = async () => ({
        data: Object.fromEntries(session.entries()),
        expiry_age: session.expiryAge,
        expire_at_browser_close: session.expiresAtBrowserClose,
        user: await djangoUser(session, { keys: options.keys, passwordHash: options.passwordHash }),
      });
      switch (req.url) {
        case '/t/session/': {
          for (const [k, v] of Object.entries((body.set as Record<string, unknown>) ?? {})) session.set(k, v);
          for (const k of (body.delete as string[]) ?? []) session.delete(k);
          if ('expiry' in body) {
            const e = body.expiry as number | string | null;
            session.setExpiry(typeof e === 'string' ? new Date(e) : e);
          }
          return reply(await state());
        }
        case '/t/login/':
          djangoLogin(session, { userId: String(body.userId), passwordHash: String(body.passwordHash), keys: options.keys });
          return reply(await state());
        case '/t/logout/':
          session.flush();
          return reply(await state());
        default:
          res.statusCode = 404;
          return res.end('not found');
      }
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}
