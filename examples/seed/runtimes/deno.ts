/**
 * `npm run start:deno`: the seed demo on Deno (`Deno.serve`), configured from the environment
 * as `npm start` is (PORT, HOST, SESSION_SECRET, SESSION_STORE …; see ../README.md). The
 * default store is SQLite through `node:sqlite`, which Deno ships.
 */
import process from 'node:process';
import { configFromEnv } from '../config.ts';
import { createDemoApp } from '../demo.ts';
import { demoFetchHandler } from '../fetch-handler.ts';

/** The part of Deno's global this entry uses (Deno's own types are not in this program). */
declare const Deno: {
  version: { deno: string };
  serve(
    options: { port: number; hostname: string; onListen?: (addr: { hostname: string; port: number }) => void },
    handler: (request: Request) => Promise<Response>,
  ): { shutdown(): Promise<void>; finished: Promise<void> };
};

try {
  const config = configFromEnv(process.env);
  const app = await createDemoApp(config);
  const server = Deno.serve(
    {
      port: config.port,
      hostname: config.host,
      onListen: ({ hostname, port }) => console.log(`Seed demo (deno ${Deno.version.deno}, ${app.store.name}) at http://${hostname}:${port}/`),
    },
    demoFetchHandler(app),
  );
  const stop = () => {
    void server
      .shutdown()
      .then(() => app.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(`Error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
