/**
 * NestJS 12 on `@nestjs/platform-express` or `@nestjs/platform-fastify`. `CloakroomModule`
 * installs cloakroom's Express middleware or Fastify plugin on Nest's own HTTP instance, so a
 * Nest app has exactly the lifecycle of those adapters; what is added is Nest's vocabulary: the
 * module, the `@Session()` parameter decorator, `LoginRequiredGuard` and `CsrfGuard`.
 *
 * @module
 */
// Written without decorator syntax, so it compiles under the library's own TypeScript options
// (no `experimentalDecorators`): Nest's decorators are plain functions, called below as the
// compiler's legacy decorator emit would call them.
import {
  Catch,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  createParamDecorator,
  type ArgumentsHost,
  type CanActivate,
  type DynamicModule,
  type ExceptionFilter,
  type ExecutionContext,
  type InjectionToken,
  type ModuleMetadata,
  type OptionalFactoryDependency,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import type { Express } from 'express';
import type { FastifyInstance } from 'fastify';
import { CSRF_HEADER } from '../core/csrf.js';
import { SessionError } from '../core/errors.js';
import { SessionManager } from '../core/manager.js';
import { Session as CoreSession } from '../core/session.js';
import { sentCsrfToken } from './csrf-token.js';
import { errorAnswer } from './error-answer.js';
import { session as expressSession } from './express.js';
import { session as fastifySession } from './fastify.js';
import type { AppSessionData, AppSessionManager } from './types.js';

/**
 * What `CloakroomModule` needs.
 *
 * @example
 * CloakroomModule.forRoot({ manager: sessions, loginUrl: '/' })
 */
export interface CloakroomModuleOptions {
  /** The manager every request's session comes from (its store, secrets and cookie). */
  manager: AppSessionManager;
  /**
   * Where `LoginRequiredGuard` sends a visitor who is not logged in: a 303 to this URL (Django's
   * `LOGIN_URL`). Without it the guard answers 403.
   */
  loginUrl?: string;
}

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
 * Injection token of the `SessionManager` (for `listUserSessions`, `checkCsrf` and the like in
 * a service or controller).
 *
 * @example
 * constructor(@Inject(SESSION_MANAGER) private readonly sessions: SessionManager) {}
 */
export const SESSION_MANAGER: unique symbol = Symbol('cloakroom SessionManager');
const OPTIONS = Symbol('cloakroom options');

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

const INSTALLED = Symbol('cloakroom installed');
/** The Express and Fastify instances a session middleware or plugin was installed on. */
const installedOn = new WeakSet<object>();

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

/** The request's session; a clear error when the module is missing (Nest answers it with 500). */
function sessionOf(context: ExecutionContext): CoreSession<AppSessionData> {
  const session = context.switchToHttp().getRequest<{ session?: unknown }>().session;
  if (!(session instanceof CoreSession)) {
    throw new SessionError('ERR_SESSION_CONFIG', 'No cloakroom session on this request: import CloakroomModule.forRoot(…) in the root module.');
  }
  return session as CoreSession<AppSessionData>;
}

const sessionParam = createParamDecorator((_data: unknown, context: ExecutionContext) => sessionOf(context));

/**
 * Parameter decorator: the request's session, on Express and on Fastify alike.
 *
 * @example
 * @Get('home/')
 * home(@Session() session: Session) {
 *   return `Welcome, ${session.get('username') ?? 'Guest'}!`;
 * }
 */
export function Session(): ParameterDecorator {
  return sessionParam();
}

/**
 * The type of a `@Session()` parameter: the session typed by the app's `SessionData`
 * augmentation (`declare module 'cloakroom' { interface SessionData { … } }`).
 *
 * @example
 * home(@Session() session: Session) { return session.get('username'); } // string | undefined
 */
export type Session = CoreSession<AppSessionData>;

/**
 * Lets a request through only when its session is logged in (`session.login(userId)` was
 * called, so `session.userId` is set). Otherwise a 303 to the module's `loginUrl`, or 403
 * when none is configured.
 *
 * @example
 * @UseGuards(LoginRequiredGuard)
 * @Get('account/')
 * account(@Session() session: Session) { return session.userId; }
 */
export class LoginRequiredGuard implements CanActivate {
  constructor(
    private readonly options: CloakroomModuleOptions,
    private readonly host: HttpAdapterHost,
  ) {}

  /** True when the session is logged in; otherwise throws the redirect or the 403. */
  canActivate(context: ExecutionContext): boolean {
    if (sessionOf(context).userId !== null) return true;
    const { loginUrl } = this.options;
    if (loginUrl === undefined) throw new ForbiddenException('Login required.');
    // Nest's exception filter writes the status and body and keeps headers already set.
    this.host.httpAdapter.setHeader(context.switchToHttp().getResponse(), 'location', loginUrl);
    throw new HttpException('Login required.', HttpStatus.SEE_OTHER);
  }
}
Injectable()(LoginRequiredGuard);
Inject(OPTIONS)(LoginRequiredGuard, undefined, 0);
Inject(HttpAdapterHost)(LoginRequiredGuard, undefined, 1);

/**
 * Refuses a state-changing request (POST, PUT, PATCH, DELETE …) whose CSRF token, from header
 * `X-CSRF-Token` or form field `csrf_token`, is not this session's (`session.csrfToken()`):
 * 403, as every adapter's `csrfProtection`.
 *
 * @example
 * @UseGuards(CsrfGuard)
 * @Post()
 * login(@Session() session: Session, @Body('username') username: string) { … }
 */
export class CsrfGuard implements CanActivate {
  constructor(private readonly manager: AppSessionManager) {}

  /** True for a safe method or a valid token; otherwise throws `SessionError` `ERR_CSRF`. */
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ method: string; headers: Record<string, unknown>; body?: unknown }>();
    this.manager.checkCsrf(sessionOf(context), request.method, sentCsrfToken(request.headers[CSRF_HEADER], request.body));
    return true;
  }
}
Injectable()(CsrfGuard);
Inject(SESSION_MANAGER)(CsrfGuard, undefined, 0);

/**
 * A `SessionError` thrown in a guard or handler (a CSRF refusal, a store that fails during
 * `listUserSessions`) gets the bounded answer every adapter gives (`errorAnswer`): its status,
 * its public message as text, never internals.
 */
class SessionErrorFilter implements ExceptionFilter<SessionError> {
  static readonly logger = new Logger('cloakroom');

  constructor(private readonly host: HttpAdapterHost) {}

  catch(err: SessionError, host: ArgumentsHost): void {
    const adapter = this.host.httpAdapter;
    const response: unknown = host.switchToHttp().getResponse();
    if (adapter.isHeadersSent(response)) return void adapter.end(response);
    const { status, headers, body } = errorAnswer(err);
    // A 500 is a bug or a misconfiguration (no module, a bad user ID): log it as Nest logs its own.
    if (status === 500) SessionErrorFilter.logger.error(err);
    for (const [name, value] of Object.entries(headers)) adapter.setHeader(response, name, value);
    adapter.reply(response, body, status);
  }
}
Catch(SessionError)(SessionErrorFilter);
Injectable()(SessionErrorFilter);
Inject(HttpAdapterHost)(SessionErrorFilter, undefined, 0);
