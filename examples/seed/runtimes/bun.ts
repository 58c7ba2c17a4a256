/**
 * `npm run start:bun`: the seed demo on Bun (`Bun.serve`), configured from the environment as
 * `npm start` is (PORT, HOST, SESSION_SECRET, SESSION_STORE …; see ../README.md). The default
 * store is SQLite through `bun:sqlite` (Bun refuses better-sqlite3's native addon).
 */
import { configFromEnv } from '../config.ts';
import { createDemoApp } from '../demo.ts';
import { demoFetchHandler } from '../fetch-handler.ts';

/** The part of Bun's global this entry uses (Bun's own types are not in this program). */
declare const Bun: {
  serve(options: { port: number; hostname: string; fetch: (request: Request) => Promise<Response> }): { url: URL; stop(closeActive?: boolean): Promise<void> };
};

try {
  const config = configFromEnv(process.env);
  const app = await createDemoApp(config);
  const server = Bun.serve({ port: config.port, hostname: config.host, fetch: demoFetchHandler(app) });
  console.log(`Seed demo (bun ${process.versions.bun}, ${app.store.name}) at ${server.url.href}`);
  const stop = () => {
    void server
      .stop(true)
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
