/** Answers a `SessionError` thrown inside Nest as every cloakroom adapter answers it. */
// Written without decorator syntax, so it compiles under the library's own TypeScript options
// (no `experimentalDecorators`): Nest's decorators are plain functions, called below as the
// compiler's legacy decorator emit would call them; see nest.ts.
import { Catch, Inject, Injectable, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SessionError } from '../core/errors.js';
import { errorAnswer } from './error-answer.js';

/**
 * A `SessionError` thrown in a guard or handler (a CSRF refusal, a store that fails during
 * `listUserSessions`) gets the bounded answer every adapter gives (`errorAnswer`): its status,
 * its public message as text, never internals.
 */
export class SessionErrorFilter implements ExceptionFilter<SessionError> {
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
