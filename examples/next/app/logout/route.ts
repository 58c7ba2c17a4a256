import { getSession, route } from '../session';

/** Django's flush(): data and record gone, the cookie deleted, then back to the form. */
export const GET = route(async () => {
  (await getSession()).flush();
  // A relative Location: behind `next start`, request.url names `localhost` whatever host the
  // browser used, and a redirect there would leave the cookie's host.
  return new Response(null, { status: 302, headers: { location: '/', 'cache-control': 'no-store' } });
});
