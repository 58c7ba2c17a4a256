import type { ReactNode } from 'react';
import { getSession, themeOf } from './session';

/** Every page is per visitor: rendered at request time, never prerendered at build. */
export const dynamic = 'force-dynamic';

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 42rem; padding: 0 1rem; line-height: 1.5; }
body.theme-light { background: #ffffff; color: #1b1b1b; }
body.theme-dark { background: #16181d; color: #e8e8e8; }
body.theme-dark a { color: #8ab4f8; }
nav a { margin-right: 1rem; }
nav { border-bottom: 1px solid #8884; padding-bottom: .5rem; margin-bottom: 1.5rem; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #8884; padding: .3rem .5rem; text-align: left; }
form.inline { display: inline; }
`;

export default async function RootLayout({ children }: { children: ReactNode }) {
  const theme = themeOf(await getSession());
  return (
    <html lang="en">
      <head>
        <style>{STYLE}</style>
      </head>
      <body className={`theme-${theme}`}>{children}</body>
    </html>
  );
}
