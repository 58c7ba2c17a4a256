/**
 * Bounded reading of urlencoded form bodies for the mounts that have no body parser of their
 * own (node:http, Koa, Fetch/Hono). A body over the limit is refused as soon as that is known:
 * from `Content-Length` before reading a byte, or while streaming once the limit is passed.
 */
import type { IncomingMessage } from 'node:http';

/** Forms in this demo are a few hundred bytes; 8 KiB leaves room and bounds memory per request. */
export const FORM_LIMIT = 8 * 1024;

export type FormResult = { ok: true; form: URLSearchParams } | { ok: false; status: 413 | 415 | 400 };

const URLENCODED = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** True when a declared length already exceeds `limit` (or is not a number). */
function declaredTooLarge(contentLength: string | null | undefined, limit: number): boolean {
  if (contentLength === null || contentLength === undefined) return false;
  const n = Number(contentLength);
  return !Number.isSafeInteger(n) || n > limit;
}

/** Only urlencoded bodies are forms (an empty body of any type is an empty form). */
function typeOk(contentType: string | null | undefined): boolean {
  return contentType !== undefined && contentType !== null && URLENCODED.test(contentType);
}

/**
 * The form of a node:http request, read up to `limit` bytes.
 *
 * @example
 * const result = await readNodeForm(req);
 * if (!result.ok) return send(errorPage(null, result.status, …));
 */
export async function readNodeForm(req: IncomingMessage, limit = FORM_LIMIT): Promise<FormResult> {
  const length = req.headers['content-length'];
  if (declaredTooLarge(length, limit)) return { ok: false, status: 413 };
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) return { ok: false, status: 413 };
      chunks.push(chunk);
    }
  } catch {
    return { ok: false, status: 400 }; // the client aborted mid-body
  }
  if (size > 0 && !typeOk(req.headers['content-type'])) return { ok: false, status: 415 };
  return { ok: true, form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) };
}

/**
 * The form of a web-standard `Request`, read up to `limit` bytes (the stream is cancelled past it).
 *
 * @example
 * const result = await readRequestForm(request);
 */
export async function readRequestForm(request: Request, limit = FORM_LIMIT): Promise<FormResult> {
  const length = request.headers.get('content-length');
  if (declaredTooLarge(length, limit)) return { ok: false, status: 413 };
  if (!request.body) return { ok: true, form: new URLSearchParams() };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, status: 413 };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, status: 400 };
  }
  if (size > 0 && !typeOk(request.headers.get('content-type'))) return { ok: false, status: 415 };
  return { ok: true, form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) };
}

/**
 * A parsed body object (Express's `req.body`, Fastify's `request.body`) as a form. Keys are
 * copied with `Object.keys`, so a `__proto__` field is just a field.
 *
 * @example
 * toForm(req.body).get('csrf_token')
 */
export function toForm(body: unknown): URLSearchParams {
  const form = new URLSearchParams();
  if (typeof body !== 'object' || body === null) return form;
  for (const key of Object.keys(body)) {
    const value = (body as Record<string, unknown>)[key];
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') form.append(key, v);
  }
  return form;
}

/** Titles of the pages for a refused body. */
export const FORM_ERROR_TITLES: Record<400 | 413 | 415, string> = {
  400: 'Bad request',
  413: 'Payload too large',
  415: 'Unsupported media type',
};
