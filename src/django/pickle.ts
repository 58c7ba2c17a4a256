/**
 * The subset of Python's pickle that Django's Redis cache writes for a session: a dict of
 * JSON-like values (str, int, float, bool, None, list, dict; tuples read as arrays), protocol 5
 * as `pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)` lays it out. The reader is a data parser, not
 * an unpickler: it builds values and never resolves a class or calls anything, so every opcode
 * that would (GLOBAL, REDUCE, BUILD, …) is refused, as are bytes and sets.
 */

/**
 * Why a pickle was refused: an opcode outside the data subset, or a malformed stream.
 *
 * @example
 * try { unpickle(bytes) } catch (err) { if (err instanceof PickleError) treatAsNoSession(); }
 */
export class PickleError extends Error {
  override name = 'PickleError';
}

const MAX_DEPTH = 200;

/**
 * `value` as `pickle.dumps(value, 5)` writes it, for JSON values (one frame; every str, list
 * and dict memoized, as CPython does for objects it has not seen before).
 *
 * @example
 * pickle({ username: 'ada' }).toString('base64'); // 'gAWVFQAAAAAAAAB9lIwIdXNlcm5hbWWUjANhZGGUcy4='
 */
export function pickle(value: unknown): Buffer {
  const out: Buffer[] = [];
  write(value, out, 0);
  out.push(Buffer.from([0x2e])); // STOP
  const body = Buffer.concat(out);
  // CPython leaves out the frame header when the frame would hold fewer than 4 bytes.
  if (body.length < 4) return Buffer.concat([Buffer.from([0x80, 5]), body]);
  const head = Buffer.alloc(11);
  head[0] = 0x80; // PROTO
  head[1] = 5;
  head[2] = 0x95; // FRAME, 8-byte little-endian length
  head.writeBigUInt64LE(BigInt(body.length), 3);
  return Buffer.concat([head, body]);
}

const MEMOIZE = Buffer.from([0x94]);

function write(value: unknown, out: Buffer[], depth: number): void {
  if (depth > MAX_DEPTH) throw new PickleError('value nested too deeply');
  if (value === null || value === undefined) return void out.push(Buffer.from('N'));
  if (value === true) return void out.push(Buffer.from([0x88]));
  if (value === false) return void out.push(Buffer.from([0x89]));
  if (typeof value === 'number') return void out.push(number(value));
  if (typeof value === 'string') {
    const utf8 = Buffer.from(value, 'utf8');
    const head = utf8.length < 256 ? Buffer.from([0x8c, utf8.length]) : Buffer.concat([Buffer.from('X'), u32(utf8.length)]);
    return void out.push(head, utf8, MEMOIZE);
  }
  if (Array.isArray(value)) {
    out.push(Buffer.from([0x5d]), MEMOIZE); // EMPTY_LIST
    batches(value.length, (start, end) => {
      const many = end - start > 1;
      if (many) out.push(Buffer.from('(')); // MARK
      for (let i = start; i < end; i++) write(value[i], out, depth + 1);
      out.push(Buffer.from(many ? 'e' : 'a')); // APPENDS : APPEND
    });
    return;
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    out.push(Buffer.from([0x7d]), MEMOIZE); // EMPTY_DICT
    batches(keys.length, (start, end) => {
      const many = end - start > 1;
      if (many) out.push(Buffer.from('('));
      for (let i = start; i < end; i++) {
        write(keys[i], out, depth + 1);
        write((value as Record<string, unknown>)[keys[i]!], out, depth + 1);
      }
      out.push(Buffer.from(many ? 'u' : 's')); // SETITEMS : SETITEM
    });
    return;
  }
  throw new PickleError(`cannot pickle a ${typeof value}`);
}

/** CPython's batching: chunks of 1000 items, a chunk of one uses the single-item opcode. */
function batches(length: number, each: (start: number, end: number) => void): void {
  for (let start = 0; start < length; start += 1000) each(start, Math.min(length, start + 1000));
}

function number(n: number): Buffer {
  if (Number.isInteger(n) && Number.isSafeInteger(n)) {
    if (n >= 0 && n <= 0xff) return Buffer.from([0x4b, n]); // BININT1
    if (n >= 0 && n <= 0xffff) {
      const b = Buffer.from([0x4d, 0, 0]); // BININT2
      b.writeUInt16LE(n, 1);
      return b;
    }
    if (n >= -0x80000000 && n <= 0x7fffffff) {
      const b = Buffer.alloc(5);
      b[0] = 0x4a; // BININT
      b.writeInt32LE(n, 1);
      return b;
    }
    const bytes = twosComplement(BigInt(n));
    return Buffer.concat([Buffer.from([0x8a, bytes.length]), bytes]); // LONG1
  }
  const b = Buffer.alloc(9);
  b[0] = 0x47; // BINFLOAT, big-endian
  b.writeDoubleBE(Number.isFinite(n) ? n : NaN, 1);
  return b;
}

/** Python's `encode_long`: little-endian two's complement, as short as the sign allows. */
function twosComplement(n: bigint): Buffer {
  const bytes: number[] = [];
  let rest = n;
  for (;;) {
    bytes.push(Number(rest & 0xffn));
    rest >>= 8n;
    const signBit = (bytes[bytes.length - 1]! & 0x80) !== 0;
    if ((rest === 0n && !signBit) || (rest === -1n && signBit)) break;
  }
  return Buffer.from(bytes);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

const MARK = Symbol('mark');

/**
 * The value in a pickle of JSON-like data (protocols 2–5); throws `PickleError` for anything
 * else (objects, bytes, sets, truncated or trailing data) without running any of it.
 *
 * @example
 * unpickle(pickle({ a: [1, 2.5, null] })); // { a: [1, 2.5, null] }
 */
export function unpickle(data: Buffer): unknown {
  const stack: unknown[] = [];
  const memo: unknown[] = [];
  let i = 0;
  const need = (n: number) => {
    if (i + n > data.length) throw new PickleError('truncated pickle');
    const at = i;
    i += n;
    return at;
  };
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw new PickleError('no MARK on the stack');
    const items = stack.splice(at);
    items.shift();
    return items;
  };
  const top = (): unknown => {
    if (stack.length === 0) throw new PickleError('empty stack');
    return stack[stack.length - 1];
  };
  const setItems = (dict: unknown, items: unknown[]) => {
    if (!isDict(dict) || items.length % 2 !== 0) throw new PickleError('SETITEMS on a non-dict');
    for (let k = 0; k < items.length; k += 2) {
      const key = items[k];
      if (typeof key !== 'string') throw new PickleError('a dict key that is not a str');
      Object.defineProperty(dict, key, { value: items[k + 1], enumerable: true, writable: true, configurable: true });
    }
  };
  const str = (length: number) => data.toString('utf8', need(length), i);
  for (;;) {
    const op = data[need(1)]!;
    switch (op) {
      case 0x80: need(1); break; // PROTO
      case 0x95: need(8); break; // FRAME (frames are only a read-ahead hint)
      case 0x2e: { // STOP
        if (stack.length !== 1 || i !== data.length) throw new PickleError('malformed end of pickle');
        return stack[0];
      }
      case 0x28: stack.push(MARK); break;
      case 0x4e: stack.push(null); break;
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4b: stack.push(data[need(1)]); break;
      case 0x4d: stack.push(data.readUInt16LE(need(2))); break;
      case 0x4a: stack.push(data.readInt32LE(need(4))); break;
      case 0x8a: case 0x8b: { // LONG1, LONG4
        const length = op === 0x8a ? data[need(1)]! : data.readUInt32LE(need(4));
        if (length > 16) throw new PickleError('integer too large');
        const bytes = data.subarray(need(length), i);
        let n = 0n;
        for (let k = bytes.length - 1; k >= 0; k--) n = (n << 8n) | BigInt(bytes[k]!);
        if (length > 0 && bytes[length - 1]! & 0x80) n -= 1n << BigInt(8 * length);
        stack.push(Number(n));
        break;
      }
      case 0x47: stack.push(data.readDoubleBE(need(8))); break;
      case 0x8c: stack.push(str(data[need(1)]!)); break;
      case 0x58: stack.push(str(data.readUInt32LE(need(4)))); break;
      case 0x8d: stack.push(str(Number(data.readBigUInt64LE(need(8))))); break;
      case 0x5d: stack.push([]); break;
      case 0x7d: stack.push({}); break;
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x85: case 0x86: case 0x87: { // TUPLE1..3
        const n = op - 0x84;
        if (stack.length < n) throw new PickleError('empty stack');
        stack.push(stack.splice(stack.length - n));
        break;
      }
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x61: { const v = stack.pop(); const list = top(); if (!Array.isArray(list)) throw new PickleError('APPEND to a non-list'); list.push(v); break; }
      case 0x65: { const items = popMark(); const list = top(); if (!Array.isArray(list)) throw new PickleError('APPENDS to a non-list'); list.push(...items); break; }
      case 0x73: { const v = stack.pop(); const k = stack.pop(); setItems(top(), [k, v]); break; }
      case 0x75: { const items = popMark(); setItems(top(), items); break; }
      case 0x94: memo.push(top()); break; // MEMOIZE
      case 0x71: memo[data[need(1)]!] = top(); break; // BINPUT
      case 0x72: memo[data.readUInt32LE(need(4))] = top(); break; // LONG_BINPUT
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const at = op === 0x68 ? data[need(1)]! : data.readUInt32LE(need(4));
        if (at >= memo.length) throw new PickleError('memo reference out of range');
        stack.push(memo[at]);
        break;
      }
      default:
        throw new PickleError(`opcode 0x${op.toString(16)} is outside the data subset (objects, bytes and sets are not read)`);
    }
    if (stack.length > 100_000) throw new PickleError('pickle too large');
  }
}

function isDict(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

