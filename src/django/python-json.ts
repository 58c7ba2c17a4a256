/**
 * JSON written exactly as Python's `json.dumps(obj, separators=(",", ":"))` writes it, which is
 * what Django's `JSONSerializer` signs: `ensure_ascii` escapes (`\u00e9`: four lowercase hex digits, UTF-16
 * surrogate pairs), no spaces, and Python's spelling of numbers. Signatures are computed over
 * these bytes, so matching them lets a test compare our output with Django's byte for byte.
 */

/**
 * `value` as Python's `json.dumps(value, separators=(",", ":"))`. JavaScript has one number
 * type: integral numbers are written as Python ints, others as Python floats (`repr`).
 *
 * @example
 * pythonJsonDumps({ name: 'Zoë', n: 1.5e-7 }); // '{"name":"Zo\\u00eb","n":1.5e-07}'
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return pythonString(value);
    case 'number':
      return pythonNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(',')}]`;
      const parts: string[] = [];
      for (const key of Object.keys(value)) {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined || typeof item === 'function') continue; // as JSON.stringify drops them
        parts.push(`${pythonString(key)}:${pythonJsonDumps(item)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      // Only JSON values reach here (they come out of JSON.parse); anything else is a caller bug.
      throw new TypeError(`pythonJsonDumps: cannot write a ${typeof value}`);
  }
}

const SHORT_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x08: '\\b', 0x0c: '\\f' };

/** Python's `ensure_ascii` string: everything outside printable ASCII as `\u` and four hex digits per UTF-16 unit. */
function pythonString(text: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x20 && unit <= 0x7e && unit !== 0x22 && unit !== 0x5c) continue;
    out += text.slice(start, i) + (SHORT_ESCAPES[unit] ?? `\\u${unit.toString(16).padStart(4, '0')}`);
    start = i + 1;
  }
  return `${out}${text.slice(start)}"`;
}

/** Python's spelling: ints in full, floats as `repr` (scientific below 1e-4 and from 1e16). */
function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) return 'null'; // JSON.stringify's answer; Python would write NaN/Infinity
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n === 0 ? 0 : n) : BigInt(n).toString();
  // JavaScript and Python both print the shortest digits that round-trip; only the layout differs.
  const [mantissa, exp] = n.toExponential().split('e') as [string, string];
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= 16) return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  return String(n);
}
