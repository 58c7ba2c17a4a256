/**
 * HTML for the seed demo: one escape function and one page layout. Every value that came from
 * a visitor (names, user agents, item labels) passes through `escapeHtml` before it is printed.
 */

export type Theme = 'light' | 'dark';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML element content and quoted attribute values (the five characters
 * OWASP's XSS cheat sheet lists for both contexts).
 *
 * @example
 * escapeHtml('<script>') === '&lt;script&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Links shown on every page, in this order. */
const NAV: ReadonlyArray<readonly [string, string]> = [
  ['/home/', 'Home'],
  ['/preferences/', 'Preferences'],
  ['/cart/', 'Cart'],
  ['/progress/', 'Progress'],
  ['/sessions/', 'Your sessions'],
];

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 42rem; padding: 0 1rem; line-height: 1.5; }
body.theme-light { background: #ffffff; color: #1b1b1b; }
body.theme-dark { background: #16181d; color: #e8e8e8; }
body.theme-dark a { color: #8ab4f8; }
nav a { margin-right: 1rem; }
nav { border-bottom: 1px solid #8884; padding-bottom: .5rem; margin-bottom: 1.5rem; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #8884; padding: .3rem .5rem; text-align: left; vertical-align: top; }
.current { font-weight: bold; }
.error { color: #c62828; }
form.inline { display: inline; }
`;

export interface PageOptions {
  title: string;
  theme: Theme;
  /** Inner HTML of <body> after the navigation; the caller escapes what it interpolates. */
  body: string;
  /** The seed's login form stands alone, as in its template: no navigation bar. */
  nav?: boolean;
}

/**
 * A whole HTML document. The theme is a class on <body>, so the preference shows on every page.
 *
 * @example
 * page({ title: 'Home', theme: 'dark', body: '<h2>Welcome, Guest!</h2>' })
 */
export function page({ title, theme, body, nav = true }: PageOptions): string {
  const links = nav ? `<nav>${NAV.map(([href, label]) => `<a href="${href}">${label}</a>`).join('')}</nav>\n` : '';
  return `<!doctype html>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>${escapeHtml(title)}</title>
        <style>${STYLE}</style>
    </head>
    <body class="theme-${theme}">
${links}${body}
    </body>
</html>
`;
}

/**
 * A hidden input carrying the session's CSRF token (Django's `{% csrf_token %}`).
 *
 * @example
 * `<form method="post">${csrfInput(session.csrfToken())}…</form>`
 */
export function csrfInput(token: string): string {
  return `<input type="hidden" name="csrf_token" value="${escapeHtml(token)}">`;
}
