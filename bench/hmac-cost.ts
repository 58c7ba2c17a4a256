/**
 * Why the core signs with `node:crypto` on every runtime (docs/RUNTIMES.md, "Web Crypto: not
 * used"): the cost of one session-cookie HMAC-SHA256 (the signature of a 32-character ID) with
 * the synchronous `createHmac` the core uses where the runtime has it, against an awaited Web
 * Crypto `subtle.sign`, and against the portable HMAC (@noble/hashes) the core uses where it
 * does not (a Worker without `nodejs_compat`). CPU time per signature (as the bench's other
 * rows: steadier than wall time on a shared machine), median of rounds, in one process; run it
 * on each runtime:
 *
 *   node --import tsx bench/hmac-cost.ts
 *   runtimes/node_modules/.bin/bun bench/hmac-cost.ts
 *   runtimes/node_modules/.bin/deno run --allow-all bench/hmac-cost.ts
 *
 * (workerd freezes its clock during a request, so it cannot time itself.) Each line is JSON:
 * the runtime, ns per signature for each way, and their ratio. Only the ratio is worth quoting
 * from a shared machine.
 */
import { createHmac, createSecretKey } from 'node:crypto';
import process from 'node:process';
import { portablePrimitives } from '../src/core/crypto.ts';

const ITERATIONS = 100_000;
const ROUNDS = 5;
const secret = 'bench-secret-0123456789-abcdefghijklmnop';
const id = 'WDXJxMDjwyvk-2-HsIWk-l7nq2tBiENI';

const nodeKey = createSecretKey(Buffer.from(secret));
const signNode = () => createHmac('sha256', nodeKey).update(id).digest('base64url');

const encoder = new TextEncoder();
const webKey = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
const signWeb = () => crypto.subtle.sign('HMAC', webKey, encoder.encode(id));

// What the core signs with where there is no node:crypto (a Worker without nodejs_compat).
const portableKey = portablePrimitives().macKey(secret);
const signPortable = () => portableKey.mac(id, 'base64url');

/** CPU time of the whole process (all threads: Web Crypto signs off the main thread on Node). */
async function nsPerSignature(sign: () => unknown): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) await sign();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / ITERATIONS;
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const runtime = 'Bun' in globalThis ? `bun ${(globalThis as { Bun?: { version: string } }).Bun!.version}` : 'Deno' in globalThis ? `deno ${(globalThis as { Deno?: { version: { deno: string } } }).Deno!.version.deno}` : `node ${process.versions.node}`;

// The synchronous sign is awaited too, so both loops pay the same for `await` of a plain value
// and the difference is Web Crypto's own promise and thread hop.
await nsPerSignature(signNode);
await nsPerSignature(signWeb);
await nsPerSignature(signPortable); // warm-up
const nodeNs: number[] = [];
const webNs: number[] = [];
const portableNs: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  nodeNs.push(await nsPerSignature(signNode));
  webNs.push(await nsPerSignature(signWeb));
  portableNs.push(await nsPerSignature(signPortable));
}
const node = Math.round(median(nodeNs));
const web = Math.round(median(webNs));
const portable = Math.round(median(portableNs));
console.log(JSON.stringify({ runtime, createHmacNs: node, subtleSignNs: web, portableNs: portable, subtleRatio: Number((web / node).toFixed(2)), portableRatio: Number((portable / node).toFixed(2)) }));
