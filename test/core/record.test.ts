import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isLiveSessionRecord, isSessionRecord } from '../../src/core/record.ts';

const NOW = 1_767_225_600_000;
const record = () => ({ data: { a: '1' }, expiresAt: NOW + 1000, createdAt: NOW - 1000, lastSeenAt: NOW, userId: null, userAgent: 'ua' });

describe('the one session record validator', () => {
  it('accepts exactly a SessionRecord', () => {
    assert.equal(isSessionRecord(record()), true);
    assert.equal(isSessionRecord({ ...record(), userId: 'u1', userAgent: null, data: {} }), true);
    assert.equal(isSessionRecord({ ...record(), data: JSON.parse('{"__proto__":"1"}') }), true, 'any key, own property');
  });

  it('refuses anything else', () => {
    const bad: unknown[] = [
      null,
      undefined,
      'record',
      [],
      { ...record(), data: null },
      { ...record(), data: ['1'] },
      { ...record(), data: { a: 1 } },
      { ...record(), expiresAt: '1' },
      { ...record(), expiresAt: Number.NaN },
      { ...record(), createdAt: Infinity },
      { ...record(), lastSeenAt: undefined },
      { ...record(), userId: undefined },
      { ...record(), userId: 7 },
      { ...record(), userAgent: {} },
    ];
    for (const value of bad) assert.equal(isSessionRecord(value), false, JSON.stringify(value) ?? String(value));
  });

  it('a live record is one whose expiry is after now', () => {
    assert.equal(isLiveSessionRecord(record(), NOW), true);
    assert.equal(isLiveSessionRecord({ ...record(), expiresAt: NOW }, NOW), false);
    assert.equal(isLiveSessionRecord({ ...record(), data: null }, NOW), false);
    assert.equal(isLiveSessionRecord(null, NOW), false);
  });
});
