import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SessionError, publicMessage, type SessionErrorCode } from '../../src/core/errors.ts';
import { errorAnswer } from '../../src/adapters/error-answer.ts';

// The closed set, each code with the status an adapter answers with: a new code is added here too.
const STATUS: Record<SessionErrorCode, number> = {
  ERR_SESSION_CONFIG: 500,
  ERR_SESSION_READ_ONLY: 500,
  ERR_SESSION_INTERRUPTED: 400,
  ERR_SESSION_KEY: 500,
  ERR_SESSION_EXPIRY: 500,
  ERR_SESSION_USER_ID: 500,
  ERR_SESSION_SERIALIZE: 500,
  ERR_SESSION_TOO_LARGE: 413,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_STORE_SCHEMA: 503,
  ERR_STORE_KEY: 500,
  ERR_STORE_UNSUPPORTED: 500,
  ERR_CSRF: 403,
  ERR_SESSION_REAUTH: 403,
};

describe('error codes', () => {
  it('each code has its status, and an explicit status still wins', () => {
    for (const [code, status] of Object.entries(STATUS) as Array<[SessionErrorCode, number]>) {
      assert.equal(new SessionError(code, 'x').status, status, code);
    }
    assert.equal(new SessionError('ERR_SESSION_CONFIG', 'x', { status: 502 }).status, 502);
  });

  it('the public message never carries the internal one', () => {
    for (const code of Object.keys(STATUS) as SessionErrorCode[]) {
      const message = publicMessage(new SessionError(code, 'table app.sessions at postgres://app@db'));
      assert.ok(!message.includes('app.sessions') && !message.includes('postgres://'), code);
    }
    assert.equal(publicMessage(new SessionError('ERR_SESSION_EXPIRY', 'x')), 'Internal Server Error');
    assert.match(publicMessage(new SessionError('ERR_STORE_SCHEMA', 'x')), /^Service Unavailable/);
  });

  it('a missing table is answered like an unavailable store: 503 with Retry-After', () => {
    const answer = errorAnswer(new SessionError('ERR_STORE_SCHEMA', 'table sessions does not exist'));
    assert.equal(answer.status, 503);
    assert.equal(answer.headers['retry-after'], '1');
  });
});
