import { SessionError } from '../core/errors.js';

/** Default limit of the form readers: 64 KiB is far more than any login or settings form needs. */
export const MAX_FORM_BYTES = 64 * 1024;

/**
 * A request body's bytes, never past `limit`: a body declared (`Content-Length`) or streamed
 * over it is refused with `ERR_SESSION_TOO_LARGE` (413) without reading the rest, so a client
 * cannot make the server buffer an endless body. Leaving the loop early stops the source (a
 * Node stream is destroyed, a web stream cancelled); the 413 then goes out with
 * `Connection: close` (see errorAnswer). Shared by `readForm` (node) and `formCsrfToken` (web).
 *
 * @example
 * const bytes = await readBoundedBody(req, req.headers['content-length'], MAX_FORM_BYTES);
 */
export async function readBoundedBody(body: AsyncIterable<Uint8Array>, declaredLength: string | null | undefined, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  if (Number(declaredLength) > limit) throw tooLarge(limit);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * The chunks of a web `ReadableStream` as an async iterable, through a reader (which every
 * runtime has, where async iteration of the stream itself is not everywhere); leaving early
 * cancels the stream.
 *
 * @example
 * await readBoundedBody(chunksOf(request.body!), request.headers.get('content-length'), limit);
 */
export async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    // Not awaited: cancelling one branch of a tee (`request.clone()`) settles only once the
    // other branch is cancelled too, and the caller's 413 must not wait for that.
    if (!finished) reader.cancel().catch(() => {});
  }
}

function tooLarge(limit: number): SessionError {
  return new SessionError('ERR_SESSION_TOO_LARGE', `Form body over ${limit} bytes.`);
}
