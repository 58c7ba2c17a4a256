/**
 * autocannon in its own process (the fallback when wrk is not installed). Each connection gets
 * its own cookie through `setupClient`, called once per connection. Prints one `@@BENCH {json}` line.
 */
import autocannon from 'autocannon';
import type { LoadOptions, LoadResult } from './load.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
let next = 0;
const instance = autocannon(
  {
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    setupClient(client: { setHeaders(headers: Record<string, string>): void }) {
      const cookie = options.cookies[next++ % Math.max(1, options.cookies.length)];
      if (cookie) client.setHeaders({ cookie });
    },
  } as autocannon.Options,
  (err, result) => {
    if (err) {
      console.error(err);
      process.exit(1);
    }
    const seconds = result.duration;
    const out: LoadResult = {
      requests: result.requests.total,
      seconds,
      rps: result.requests.total / seconds,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + result.timeouts + result.non2xx,
    };
    process.stdout.write(`@@BENCH ${JSON.stringify(out)}\n`);
  },
);
void instance;
