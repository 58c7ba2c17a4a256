/**
 * `npm start -w examples/nest`: the seed app on NestJS, configured from the environment exactly
 * as the root `npm start` (PORT, HOST, SESSION_STORE, SESSION_SECRET, SESSION_COOKIE_AGE,
 * DATA_DIR, NODE_ENV), plus NEST_PLATFORM. A configuration mistake prints one line naming the
 * variable and exits with status 1.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { SESSION_MANAGER } from '../../../src/adapters/nest.ts';
import type { SessionManager } from '../../../src/core/manager.ts';
import { configFromEnv } from '../../seed/config.ts';
import { appModule } from './app.module.ts';
import { createApp, platformFromEnv } from './platform.ts';

async function main(): Promise<void> {
  const config = configFromEnv(process.env);
  const platform = platformFromEnv(process.env);
  const app = await createApp(appModule(config), platform);
  await app.listen(config.port, config.host);
  const { address, port } = app.getHttpServer().address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const store = app.get<SessionManager>(SESSION_MANAGER).store.name;
  console.log(`Seed demo (nest on ${platform}, ${store}) at http://${host}:${port}/`);
  const stop = () => {
    // Closes the server and, through CloakroomModule, the store its factory opened.
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`Error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
