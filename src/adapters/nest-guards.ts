/** cloakroom/nest's guards: a login required, a CSRF token required. */
// Written without decorator syntax, so it compiles under the library's own TypeScript options
// (no `experimentalDecorators`): Nest's decorators are plain functions, called below as the
// compiler's legacy decorator emit would call them; see nest.ts.
import { ForbiddenException, HttpException, HttpStatus, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CSRF_HEADER } from '../core/csrf.js';
import { sentCsrfToken } from './csrf-token.js';
import { OPTIONS, SESSION_MANAGER, type CloakroomModuleOptions } from './nest-tokens.js';
import { sessionOf } from './nest-session.js';
import type { AppSessionManager } from './types.js';

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
