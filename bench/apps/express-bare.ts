/**
 * Bare Express 5: the baseline for every Express row. With `emptyMiddleware`, one
 * `app.use((req, res, next) => next())` in front: the least any session middleware can cost.
 */
import express from 'express';
import { createServer } from 'node:http';
import { ROUTES, homePage, type AppContext, type RunningApp } from './common.ts';

export function starter(emptyMiddleware: boolean) {
  return async function start(_ctx: AppContext): Promise<RunningApp> {
    const app = express();
    if (emptyMiddleware) app.use((_req, _res, next) => next());
    let visits = 0;
    app.get(ROUTES.login, (_req, res) => void res.send('ok'));
    app.get(ROUTES.read, (_req, res) => void res.send(homePage('Guest')));
    app.get(ROUTES.write, (_req, res) => void res.send(`visits ${++visits}`));
    app.get(ROUTES.cookieless, (_req, res) => void res.send('ok'));
    return { server: createServer(app), close: async () => {} };
  };
}
