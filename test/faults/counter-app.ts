/**
 * The app the Redis fault tests put behind a failing store: node:http and cloakroom's node
 * adapter; `/write` adds one to the session's counter, every path answers `n=<counter>`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withSession } from '../../src/adapters/node.ts';
import type { SessionManager } from '../../src/core/manager.ts';

export async function serveCounter(manager: SessionManager): Promise<{ server: Server; base: string }> {
  const server = createServer(
    withSession(manager, (req, res, session) => {
      if (req.url === '/write') session.set('n', ((session.get('n') as number | undefined) ?? 0) + 1);
      res.end(`n=${session.get('n') ?? 0}`);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
