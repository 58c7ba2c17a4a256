/** The `@Session()` parameter decorator of cloakroom/nest, and the request's session for the guards. */
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { SessionError } from '../core/errors.js';
import { Session as CoreSession } from '../core/session.js';
import type { AppSessionData } from './types.js';

/** The request's session; a clear error when the module is missing (Nest answers it with 500). */
export function sessionOf(context: ExecutionContext): CoreSession<AppSessionData> {
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
