import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionChange } from '../../src/core/store.ts';
import { isMissingTableError, missingTable, updateParams, updateStatementFor, updateStatements } from '../../src/stores/sql-shared.ts';

const change = (over: Partial<SessionChange> = {}): SessionChange => ({ set: { a: '"1"' }, unset: ['b'], replace: false, expiresAt: 20, lastSeenAt: 10, ...over });

describe('the SQL stores’ one update-variant selection', () => {
  const statements = updateStatements((data, withUser) => `${data}${withUser ? '+user' : ''}`);

  it('picks merge or replace, with the user binding only when the change sets it', () => {
    assert.equal(updateStatementFor(statements, change()), 'merge');
    assert.equal(updateStatementFor(statements, change({ userId: 'u1' })), 'merge+user');
    assert.equal(updateStatementFor(statements, change({ userId: null })), 'merge+user', 'logout unbinds: null is a change');
    assert.equal(updateStatementFor(statements, change({ replace: true })), 'replace');
    assert.equal(updateStatementFor(statements, change({ replace: true, userId: 'u1' })), 'replace+user');
  });

  it('binds the patch or the whole data, the times, the user when it changes, then key and now', () => {
    assert.deepEqual(updateParams('k', change(), 5), ['{"b":null,"a":"\\"1\\""}', 20, 10, 'k', 5]);
    assert.deepEqual(updateParams('k', change({ replace: true, userId: 'u1' }), 5), ['{"a":"\\"1\\""}', 20, 10, 'u1', 'k', 5]);
  });
});

describe('a missing table', () => {
  it('is ERR_STORE_SCHEMA (503) naming the table and the schema SQL that creates it', () => {
    const err = missingTable('postgres://app@db/prod', 'postgresSchemaSql', { table: 'sessions', schema: 'app' });
    assert.equal(err.code, 'ERR_STORE_SCHEMA');
    assert.equal(err.status, 503);
    assert.match(err.message, /app\.sessions does not exist/);
    assert.match(err.message, /postgresSchemaSql\(\{ table: 'sessions', schema: 'app' \}\)/);
    assert.match(missingTable('mysql://db', 'mysqlSchemaSql', { table: 'cloakroom_sessions' }).message, /mysqlSchemaSql\(\)/);
  });

  it('is recognised in the drivers’ own errors', () => {
    assert.equal(isMissingTableError({ code: '42P01' }), true);
    assert.equal(isMissingTableError({ errno: 1146, code: 'ER_NO_SUCH_TABLE' }), true);
    assert.equal(isMissingTableError({ code: 'ECONNREFUSED' }), false);
    assert.equal(isMissingTableError(undefined), false);
  });
});
