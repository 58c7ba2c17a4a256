/** The stateless peer: iron-session 8 on node:http (the whole session sealed in the cookie). */
import { createServer } from 'node:http';
import { getIronSession } from 'iron-session';
import { ROUTES, SECRET, homePage, usernameFrom, type AppContext, type RunningApp } from './common.ts';

interface Data {
  username?: string;
  visits?: number;
}

export async function start(_ctx: AppContext): Promise<RunningApp> {
  const options = { password: SECRET, cookieName: 'sessionid', cookieOptions: { secure: false } };
  const server = createServer(async (req, res) => {
    try {
      const path = req.url?.split('?')[0];
      res.setHeader('content-type', 'text/html; charset=utf-8');
      if (path === ROUTES.cookieless) {
        res.end('ok'); // the handler does not touch the session, so iron-session never runs
        return;
      }
      const session = await getIronSession<Data>(req, res, options);
      if (path === ROUTES.login) {
        session.username = usernameFrom(req.url);
        session.visits = 0;
        await session.save();
        res.end('ok');
      } else if (path === ROUTES.read) {
        res.end(homePage(session.username ?? 'Guest'));
      } else if (path === ROUTES.write) {
        session.visits = (session.visits ?? 0) + 1;
        await session.save();
        res.end(`visits ${session.visits}`);
      } else {
        res.statusCode = 404;
        res.end('Not Found');
      }
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  });
  return { server, close: async () => {} };
}
