/**
 * NestJS 12 on `@nestjs/platform-express` or `@nestjs/platform-fastify`. `CloakroomModule`
 * installs cloakroom's Express middleware or Fastify plugin on Nest's own HTTP instance, so a
 * Nest app has exactly the lifecycle of those adapters; what is added is Nest's vocabulary: the
 * module, the `@Session()` parameter decorator, `LoginRequiredGuard` and `CsrfGuard`.
 *
 * @module
 */
// Written without decorator syntax, so it compiles under the library's own TypeScript options
// (no `experimentalDecorators`): Nest's decorators are plain functions, called in the modules
// beside this one as the compiler's legacy decorator emit would call them, and `forRoot` returns
// a `DynamicModule` object, which needs no `@Module` on the class.
import type { DynamicModule, InjectionToken, ModuleMetadata, OptionalFactoryDependency, Provider } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import type { Express } from 'express';
import type { FastifyInstance } from 'fastify';
import { SessionError } from '../core/errors.js';
import { SessionManager } from '../core/manager.js';
import { session as expressSession } from './express.js';
import { session as fastifySession } from './fastify.js';
import { SessionErrorFilter } from './nest-error-filter.js';
import { OPTIONS, SESSION_MANAGER, type CloakroomModuleOptions } from './nest-tokens.js';
import type { AppSessionManager } from './types.js';

export { SESSION_MANAGER, type CloakroomModuleOptions } from './nest-tokens.js';
export { Session } from './nest-session.js';
export { CsrfGuard, LoginRequiredGuard } from './nest-guards.js';

/**
 * `CloakroomModule.forRootAsync`: the options made by a factory, with Nest's injection, e.g.
 * a store built from configuration.
 *
 * @example
 * CloakroomModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: async (config: ConfigService) => ({ manager: … }) })
 */
export interface CloakroomModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Makes the options; gets the providers named in `inject`, in order. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  useFactory: (...args: any[]) => CloakroomModuleOptions | Promise<CloakroomModuleOptions>;
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
}

/**
 * The session module: global, imported once in the root module. Installs cloakroom's Express
 * middleware or Fastify plugin on the application's HTTP instance when Nest builds it (before
 * any route is registered), so every request has its session and commits it before the
 * response's headers leave. Registers a filter that answers a `SessionError` (such as a
 * refused CSRF token) with the same bounded status and text as every other adapter.
 *
 * @example
 * @Module({ imports: [CloakroomModule.forRoot({ manager: sessions })], controllers: [HomeController] })
 * export class AppModule {}
 */
export class CloakroomModule {
  /**
   * The module for a manager made beforehand. Its store stays the caller's to close.
   *
   * @example
   * CloakroomModule.forRoot({ manager: new SessionManager({ store, secrets: process.env.SESSION_SECRET! }) })
   */
  static forRoot(options: CloakroomModuleOptions): DynamicModule {
    return moduleWith([], { provide: OPTIONS, useValue: options }, false);
  }

  /**
   * The module for options made by a factory (with `inject`ed providers). The store of the
   * manager it makes is the module's: it is closed when the application shuts down.
   *
   * @example
   * CloakroomModule.forRootAsync({
   *   inject: [ConfigService],
   *   useFactory: async (config: ConfigService) => ({
   *     manager: new SessionManager({ store: await createStore(config.get('SESSION_STORE')), secrets: config.get('SESSION_SECRET') }),
   *   }),
   * })
   */
  static forRootAsync(options: CloakroomModuleAsyncOptions): DynamicModule {
    const factory: Provider = { provide: OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] };
    return moduleWith(options.imports ?? [], factory, true);
  }
}

const INSTALLED = Symbol('cloakroom installed');
/** The Express and Fastify instances a session middleware or plugin was installed on. */
const installedOn = new WeakSet<object>();

function moduleWith(imports: NonNullable<ModuleMetadata['imports']>, options: Provider, ownsStore: boolean): DynamicModule {
  return {
    module: CloakroomModule,
    global: true,
    imports,
    providers: [
      options,
      { provide: SESSION_MANAGER, useFactory: managerOf, inject: [OPTIONS] },
      { provide: INSTALLED, useFactory: (manager: AppSessionManager, host: HttpAdapterHost) => install(manager, host, ownsStore), inject: [SESSION_MANAGER, HttpAdapterHost] },
      { provide: APP_FILTER, useClass: SessionErrorFilter },
    ],
    exports: [OPTIONS, SESSION_MANAGER],
  };
}

function managerOf(options: CloakroomModuleOptions | undefined): AppSessionManager {
  if (!(options?.manager instanceof SessionManager)) {
    throw new SessionError('ERR_SESSION_CONFIG', 'CloakroomModule needs options { manager: SessionManager }.');
  }
  return options.manager;
}

/**
 * Runs while Nest instantiates providers, which is after the HTTP adapter exists and before
 * `app.init()` registers body parsers, middleware and routes: the session comes first. On
 * Fastify, `register` is awaited so the plugin's hooks are in place before any route.
 */
async function install(manager: AppSessionManager, host: HttpAdapterHost, ownsStore: boolean): Promise<object> {
  const adapter = host.httpAdapter;
  // An application context without HTTP (a CLI, a worker) has no requests to give sessions to.
  if (adapter) {
    // A second import would load and commit a second session per request (on Express) or fail
    // on Fastify's duplicate `request.session`: say what is wrong instead.
    const instance: object = adapter.getInstance();
    if (installedOn.has(instance)) {
      throw new SessionError('ERR_SESSION_CONFIG', 'CloakroomModule is imported more than once: import it once, in the root module (it is global).');
    }
    installedOn.add(instance);
    const type = adapter.getType();
    if (type === 'express') adapter.getInstance<Express>().use(expressSession(manager));
    else if (type === 'fastify') await adapter.getInstance<FastifyInstance>().register(fastifySession(manager));
    else throw new SessionError('ERR_SESSION_CONFIG', `cloakroom/nest runs on @nestjs/platform-express or @nestjs/platform-fastify, not on "${type}".`);
  }
  // Nest calls this hook on provider values too: a store made inside the module closes with it.
  return ownsStore ? { onApplicationShutdown: () => manager.store.close() } : {};
}
