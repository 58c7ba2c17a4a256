/**
 * The demo as one web-standard handler (`Request` → `Response`, see ../fetch-handler.ts), the
 * shape Deno, Bun and workers serve; here `@hono/node-server`'s listener bridges it to node:http.
 */
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { DemoApp } from '../demo.ts';
import { demoFetchHandler } from '../fetch-handler.ts';

/**
 * @example
 * mount(app).listen(3000);
 */
export function mount(app: DemoApp): Server {
  return createServer(getRequestListener(demoFetchHandler(app)));
}
