/**
 * The HTTP platform, chosen by `NEST_PLATFORM` (`express`, the default, or `fastify`): the same
 * module and controller on either, with the seed's 8 KiB limit on form bodies.
 */
import type { INestApplication, NestApplicationOptions, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SessionError } from '../../../src/core/errors.ts';
import { FORM_LIMIT } from '../../seed/body.ts';

export const PLATFORMS = ['express', 'fastify'] as const;
export type Platform = (typeof PLATFORMS)[number];

/**
 * Reads `NEST_PLATFORM`; anything else is a startup error naming the variable.
 *
 * @example
 * platformFromEnv({ NEST_PLATFORM: 'fastify' }) === 'fastify'
 */
export function platformFromEnv(env: NodeJS.ProcessEnv): Platform {
  const name = (env.NEST_PLATFORM || 'express').toLowerCase();
  if (!(PLATFORMS as readonly string[]).includes(name)) {
    throw new SessionError('ERR_SESSION_CONFIG', `NEST_PLATFORM must be one of ${PLATFORMS.join(', ')} (got ${JSON.stringify(env.NEST_PLATFORM)}).`);
  }
  return name as Platform;
}

const OPTIONS: NestApplicationOptions = {
  logger: ['error', 'warn'],
  // A startup error (an unreachable store) is thrown to main.ts, which prints it; not an abort.
  abortOnError: false,
};

/**
 * The Nest application for `module` on `platform` (not listening yet).
 *
 * @example
 * const app = await createApp(appModule(config), 'fastify');
 */
export async function createApp(module: Type, platform: Platform): Promise<INestApplication> {
  if (platform === 'express') {
    const app = await NestFactory.create<NestExpressApplication>(module, new ExpressAdapter(), OPTIONS);
    app.useBodyParser('urlencoded', { limit: FORM_LIMIT, extended: false });
    return app;
  }
  // Nest registers `/home/` as `/home`: Express matches either, Fastify only when told to.
  const adapter = new FastifyAdapter({ bodyLimit: FORM_LIMIT, routerOptions: { ignoreTrailingSlash: true } });
  return NestFactory.create<NestFastifyApplication>(module, adapter, OPTIONS);
}
