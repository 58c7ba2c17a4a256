/**
 * A Django session dictionary ↔ a cloakroom record's data. cloakroom keeps each key's value as
 * JSON text and its `setExpiry` setting under `$expiry`; Django keeps one dict and its
 * `set_expiry` value under `_session_expiry` (seconds, or an ISO 8601 datetime string). The
 * mapping is exact both ways, so either side's `set_expiry` is the other's.
 */
import { setOwn } from '../core/store.js';
import { EXPIRY_KEY } from '../core/expiry.js';
import { DjangoSigner, type DjangoLoaded } from './signing.js';

/** Django's session key for `set_expiry`. */
export const DJANGO_EXPIRY_KEY = '_session_expiry';

/**
 * The salt Django's `db` and `cached_db` backends sign `session_data` with:
 * `"django.contrib.sessions." + SessionStore.__qualname__`.
 *
 * @example
 * new DjangoSigner({ secretKey, salt: DB_SESSION_SALT });
 */
export const DB_SESSION_SALT = 'django.contrib.sessions.SessionStore';

/**
 * A Django session dict (decoded from JSON or pickle) as a record's data: values as JSON text,
 * `_session_expiry` as `$expiry`. An expiry it cannot read is dropped (the defaults apply).
 *
 * @example
 * fromDjangoDict({ username: 'ada', _session_expiry: 300 }); // { username: '"ada"', $expiry: '300' }
 */
export function fromDjangoDict(dict: Record<string, unknown>): Record<string, string> {
  const data: Record<string, string> = {};
  for (const key of Object.keys(dict)) {
    const value = dict[key];
    if (key === DJANGO_EXPIRY_KEY) {
      const expiry = expiryFromDjango(value);
      if (expiry !== undefined) setOwn(data, EXPIRY_KEY, JSON.stringify(expiry));
    } else if (key !== EXPIRY_KEY) {
      setOwn(data, key, JSON.stringify(value ?? null));
    }
  }
  return data;
}

/**
 * A record's data as the dict Django's session holds (insertion order kept; `$expiry` as
 * `_session_expiry`). Values that are not valid JSON text (never written by the core) are skipped.
 *
 * @example
 * toDjangoDict({ username: '"ada"', $expiry: '{"at":1767225600000}' }); // { username: 'ada', _session_expiry: '2026-01-01T00:00:00+00:00' }
 */
export function toDjangoDict(data: Record<string, string>): Record<string, unknown> {
  const dict: Record<string, unknown> = {};
  for (const key of Object.keys(data)) {
    let value: unknown;
    try {
      value = JSON.parse(data[key]!);
    } catch {
      continue;
    }
    if (key === EXPIRY_KEY) {
      const expiry = expiryToDjango(value);
      if (expiry !== undefined) setOwn(dict, DJANGO_EXPIRY_KEY, expiry);
    } else if (key !== DJANGO_EXPIRY_KEY) {
      setOwn(dict, key, value);
    }
  }
  return dict;
}

/** `_session_expiry` as cloakroom's setting: seconds stay seconds, an ISO string becomes `{ at }`. */
function expiryFromDjango(value: unknown): number | { at: number } | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
  if (typeof value === 'string') {
    const at = parseDjangoDateTime(value);
    return Number.isFinite(at) ? { at } : undefined;
  }
  return undefined;
}

function expiryToDjango(value: unknown): number | string | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { at?: unknown }).at === 'number') {
    return pythonIsoFormat((value as { at: number }).at);
  }
  return undefined;
}

/**
 * Python's `datetime.isoformat()` of an aware UTC datetime (what `set_expiry(datetime)` stores
 * with `USE_TZ = True`): microseconds only when not zero, offset `+00:00`.
 *
 * @example
 * pythonIsoFormat(Date.UTC(2026, 0, 1)); // '2026-01-01T00:00:00+00:00'
 */
export function pythonIsoFormat(epochMs: number, sep = 'T', offset = '+00:00'): string {
  const iso = new Date(epochMs).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const ms = iso.slice(20, 23);
  const fraction = ms === '000' ? '' : `.${ms}000`;
  return `${iso.slice(0, 10)}${sep}${iso.slice(11, 19)}${fraction}${offset}`;
}

/**
 * Epoch ms of an ISO 8601 datetime as Python writes it (up to microseconds; a missing offset
 * is read as UTC, which is what Django stores with `USE_TZ = True`); NaN when it is not one.
 *
 * @example
 * parseDjangoDateTime('2026-01-01 00:00:00.250000'); // 1767225600250
 */
export function parseDjangoDateTime(text: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)?$/.exec(text);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, frac = '', tz = 'Z'] = m;
  const ms = Number(frac.padEnd(6, '0').slice(0, 3));
  let at = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    at -= sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
  }
  return at;
}

/**
 * Django's `SessionBase.encode`/`decode` for one backend's salt: `signing.dumps(dict,
 * salt=…, compress=True)` of the session dict, and back.
 *
 * @example
 * const codec = new SessionDataCodec({ secretKey, fallbackKeys, salt: DB_SESSION_SALT });
 * const text = codec.encode({ username: '"ada"' }); // what Django keeps in session_data
 */
export class SessionDataCodec {
  readonly signer: DjangoSigner;

  constructor(options: ConstructorParameters<typeof DjangoSigner>[0]) {
    this.signer = new DjangoSigner(options);
  }

  /** `session_data` for a record's data. */
  encode(data: Record<string, string>): string {
    return this.signer.dumps(toDjangoDict(data), { compress: true });
  }

  /**
   * A record's data from `session_data`, with whether the fallback keys were needed; null when
   * the signature fails or the payload is not a dict (Django: "Session data corrupted", `{}`).
   */
  decode(text: string, maxAgeSeconds?: number): { data: Record<string, string>; loaded: DjangoLoaded } | null {
    const loaded = this.signer.loads(text, maxAgeSeconds);
    if (loaded === null || !isPlainDict(loaded.value)) return null;
    return { data: fromDjangoDict(loaded.value), loaded };
  }
}

/**
 * True for a plain object (a Python dict as JSON or pickle decodes it).
 *
 * @example
 * isPlainDict(JSON.parse('{"a":1}')); // true
 */
export function isPlainDict(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
