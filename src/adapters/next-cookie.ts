/**
 * A `Set-Cookie` line made by the core (`sessionCookie`/`deletionCookie`), as the option bag
 * Next.js's `cookies().set()` takes: Next writes Server Action cookies only through that API.
 * Only the attributes the core writes are read back (RFC 6265 §4.1.1 names).
 */

/** The shape `cookies().set({ … })` accepts (Next's `ResponseCookie`). */
export interface NextCookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  maxAge?: number;
  expires?: Date;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'lax' | 'strict' | 'none';
  partitioned?: boolean;
  priority?: 'low' | 'medium' | 'high';
}

/**
 * Parses one `Set-Cookie` line into Next's cookie option bag.
 *
 * @example
 * nextCookieFrom('sessionid=abc; Max-Age=60; Path=/; HttpOnly; SameSite=Lax')
 * // { name: 'sessionid', value: 'abc', maxAge: 60, path: '/', httpOnly: true, sameSite: 'lax' }
 */
export function nextCookieFrom(line: string): NextCookie {
  const [pair = '', ...attributes] = line.split(';');
  const eq = pair.indexOf('=');
  // The core's values are already cookie-safe (base64url, '.'): no decoding, so Next must not encode either.
  const cookie: NextCookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim() };
  for (const attribute of attributes) {
    const [rawKey = '', ...rest] = attribute.split('=');
    const key = rawKey.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (key === 'path') cookie.path = value;
    else if (key === 'domain') cookie.domain = value;
    else if (key === 'max-age') cookie.maxAge = Number(value);
    else if (key === 'expires') cookie.expires = new Date(value);
    else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'partitioned') cookie.partitioned = true;
    else if (key === 'samesite') cookie.sameSite = value.toLowerCase() as NextCookie['sameSite'];
    else if (key === 'priority') cookie.priority = value.toLowerCase() as NextCookie['priority'];
  }
  return cookie;
}
