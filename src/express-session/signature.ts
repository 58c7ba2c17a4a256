import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * express-session's cookie value, byte for byte: `s:` + id + `.` + base64 HMAC-SHA256 of the
 * id with the `=` padding dropped (the `cookie-signature` package's format). Keeping the exact
 * spelling is what lets cookies minted by express-session stay valid after the switch.
 *
 * @example
 * const value = signSessionId('abc', 'keyboard cat'); // 's:abc.…'
 * unsignSessionId(value, ['keyboard cat']) === 'abc';
 */
export function signSessionId(id: string, secret: string): string {
  return `s:${id}.${mac(id, secret)}`;
}

/**
 * The session ID inside a cookie value when its signature verifies under any of `secrets`
 * (the first signs, all verify: rotation without logging anyone out), else undefined.
 * Constant-time per secret; never throws on input.
 *
 * @example
 * unsignSessionId(req.cookies['connect.sid'], ['new secret', 'old secret']);
 */
export function unsignSessionId(value: string, secrets: readonly string[]): string | undefined {
  if (!value.startsWith('s:')) return undefined;
  const signed = value.slice(2);
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const id = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1), 'utf8');
  for (const secret of secrets) {
    const expected = Buffer.from(mac(id, secret), 'utf8');
    if (expected.length === given.length && timingSafeEqual(expected, given)) return id;
  }
  return undefined;
}

function mac(id: string, secret: string): string {
  return createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '');
}
