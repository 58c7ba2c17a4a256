/**
 * `npm start`: the seed demo, configured from the environment (see README.md beside this file).
 * A configuration mistake prints one line naming the variable and exits with status 1.
 */
import { configFromEnv } from './config.ts';
import { startDemo } from './demo.ts';

async function main(): Promise<void> {
  const demo = await startDemo(configFromEnv(process.env));
  const stop = () => {
    demo.close().then(
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
