/**
 * The application module. Sessions come from `CloakroomModule.forRootAsync`: its factory gets
 * the configuration injected and builds the store it names (`SESSION_STORE`), as the root
 * `npm start` does; the module closes that store when the application shuts down.
 */
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { CloakroomModule, type CloakroomModuleOptions } from '../../../src/adapters/nest.ts';
import { SessionManager } from '../../../src/core/manager.ts';
import type { DemoData } from '../../seed/app.ts';
import type { DemoConfig } from '../../seed/config.ts';
import { openStore } from '../../seed/store.ts';
import { SeedController } from './seed.controller.ts';

/** Injection token of the demo's configuration (what `configFromEnv` read). */
export const DEMO_CONFIG = Symbol('DemoConfig');

@Module({})
class ConfigModule {
  static of(config: DemoConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: DEMO_CONFIG, useValue: config }], exports: [DEMO_CONFIG] };
  }
}

/** The session options for a configuration: its store, its secrets, its cookie lifetime. */
async function sessionsFrom(config: DemoConfig): Promise<CloakroomModuleOptions> {
  const store = await openStore(config.store, { secrets: config.secrets, ...config.storeOptions });
  try {
    const cookie = config.cookieAge !== undefined ? { cookie: { maxAge: config.cookieAge } } : {};
    return { manager: new SessionManager<DemoData>({ store, secrets: config.secrets, ...cookie }), loginUrl: '/' };
  } catch (err) {
    await store.close(); // a bad option must not leave a connection open behind the startup error
    throw err;
  }
}

/**
 * The root module for `config`.
 *
 * @example
 * const app = await NestFactory.create(appModule(configFromEnv(process.env)));
 */
export function appModule(config: DemoConfig): Type {
  @Module({
    imports: [CloakroomModule.forRootAsync({ imports: [ConfigModule.of(config)], inject: [DEMO_CONFIG], useFactory: sessionsFrom })],
    controllers: [SeedController],
  })
  class AppModule {}
  return AppModule;
}
