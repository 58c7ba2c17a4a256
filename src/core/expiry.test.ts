import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeExpiry, encodeExpiry, endsAtBrowserClose, expiresAtOnSave, expiryAge, expiryTime, outlived, renewal, type ExpiryPolicy, type ExpirySetting } from './expiry.ts';
import { MAX_COOKIE_AGE } from './cookie.ts';

const NOW = 1_767_225_600_000;
const HOUR = 3_600_000;
const POLICY: ExpiryPolicy = { maxAge: 1_209_600, expireAtBrowserClose: false, rolling: true, touchAfterMs: HOUR };
/** Sliding renewal alone: a session stored until `expiresAt`, created and last seen now. */
const renewalDue = (setting: ExpirySetting, expiresAt: number, policy: ExpiryPolicy, now: number) =>
  renewal(setting, { createdAt: now, lastSeenAt: now, expiresAt }, policy, now) === 'renew';

describe('expiry: how setExpiry is stored', () => {
  it('stores seconds (floored), a Date as { at }, and null as no setting', () => {
    assert.equal(encodeExpiry(90.7, NOW), 90);
    assert.equal(encodeExpiry(0, NOW), 0);
    assert.deepEqual(encodeExpiry(new Date(NOW), NOW), { at: NOW });
    assert.equal(encodeExpiry(null, NOW), undefined);
    assert.equal(encodeExpiry(MAX_COOKIE_AGE, NOW), MAX_COOKIE_AGE);
  });

  it('refuses anything else with ERR_SESSION_EXPIRY, out-of-range values at the call', () => {
    // 1e13 s once passed and then wrote Max-Age=NaN (the memory store lost the session, SQLite failed the save).
    const tooFar = new Date(NOW + (MAX_COOKIE_AGE + 1) * 1000);
    for (const bad of [-1, Number.NaN, Infinity, 1e13, MAX_COOKIE_AGE + 1, new Date('nope'), tooFar, '60' as unknown as number]) {
      assert.throws(() => encodeExpiry(bad, NOW), { code: 'ERR_SESSION_EXPIRY' }, String(bad));
    }
  });

  it('reads a malformed stored setting as none, so the defaults apply', () => {
    for (const bad of [-5, 1e13, 'x', null, {}, { at: 'soon' }, [1]]) assert.equal(decodeExpiry(bad), undefined, JSON.stringify(bad));
    assert.equal(decodeExpiry(60), 60);
    assert.deepEqual(decodeExpiry({ at: NOW }), { at: NOW });
  });
});

describe('expiry: what a setting means (Django get_expiry_age / get_expiry_date)', () => {
  it('defaults to the cookie age', () => {
    assert.equal(expiryAge(undefined, POLICY, NOW), POLICY.maxAge);
    assert.equal(expiryTime(undefined, POLICY, NOW), NOW + POLICY.maxAge * 1000);
  });

  it('seconds count from now; 0 means the default age but a browser-session cookie', () => {
    assert.equal(expiryAge(60, POLICY, NOW), 60);
    assert.equal(expiryAge(0, POLICY, NOW), POLICY.maxAge);
    assert.equal(endsAtBrowserClose(0, POLICY), true);
    assert.equal(endsAtBrowserClose(60, POLICY), false);
    assert.equal(endsAtBrowserClose(undefined, { ...POLICY, expireAtBrowserClose: true }), true);
    assert.equal(endsAtBrowserClose(60, { ...POLICY, expireAtBrowserClose: true }), false, 'a setting of its own wins over the default');
  });

  it('a Date is absolute: its age shrinks with time and never goes below 0', () => {
    assert.equal(expiryAge({ at: NOW + 10_000 }, POLICY, NOW), 10);
    assert.equal(expiryAge({ at: NOW - 10_000 }, POLICY, NOW), 0);
    assert.equal(expiryTime({ at: NOW + 10_000 }, POLICY, NOW + 5_000), NOW + 10_000);
  });

  it('a save of a browser-close session still ends it on the server after the default age', () => {
    assert.equal(expiresAtOnSave(0, POLICY, NOW), NOW + POLICY.maxAge * 1000);
    assert.equal(expiresAtOnSave(60, POLICY, NOW), NOW + 60_000);
  });
});

describe('expiry: sliding renewal', () => {
  const full = NOW + POLICY.maxAge * 1000;

  it('is due once more than touchAfter of the life has passed, not before', () => {
    assert.equal(renewalDue(undefined, full - HOUR + 1, POLICY, NOW), false);
    assert.equal(renewalDue(undefined, full - HOUR - 1, POLICY, NOW), true);
  });

  it('follows the session setting, not only the default', () => {
    assert.equal(renewalDue(7200, NOW + 7200_000 - HOUR / 2, POLICY, NOW), false);
    assert.equal(renewalDue(7200, NOW + 7200_000 - 2 * HOUR, POLICY, NOW), true);
  });

  it('never for an absolute date, nor with rolling: false', () => {
    assert.equal(renewalDue({ at: full }, NOW + 1000, POLICY, NOW), false);
    assert.equal(renewalDue(undefined, NOW + 1000, { ...POLICY, rolling: false }, NOW), false);
  });
});

describe('expiry: the limits no activity extends (absolute and idle timeouts)', () => {
  const STRICT: ExpiryPolicy = { ...POLICY, absoluteTimeoutMs: 8 * HOUR, idleTimeoutMs: 30 * 60_000, touchAfterMs: 3 * 60_000 };

  it('a record outlives its absolute timeout from createdAt, however recently it was seen', () => {
    assert.equal(outlived({ createdAt: NOW - 8 * HOUR + 1, lastSeenAt: NOW }, STRICT, NOW), false);
    assert.equal(outlived({ createdAt: NOW - 8 * HOUR, lastSeenAt: NOW }, STRICT, NOW), true);
  });

  it('a record outlives its idle timeout from lastSeenAt', () => {
    assert.equal(outlived({ createdAt: NOW, lastSeenAt: NOW - 30 * 60_000 + 1 }, STRICT, NOW), false);
    assert.equal(outlived({ createdAt: NOW, lastSeenAt: NOW - 30 * 60_000 }, STRICT, NOW), true);
  });

  it('without either limit nothing is outlived (the defaults keep Django\'s behaviour)', () => {
    assert.equal(outlived({ createdAt: 0, lastSeenAt: 0 }, POLICY, NOW), false);
  });

  it('a save never writes an expiry past the absolute deadline, and the age says so', () => {
    const createdAt = NOW - 7 * HOUR;
    assert.equal(expiresAtOnSave(undefined, STRICT, NOW, createdAt), NOW + HOUR);
    assert.equal(expiresAtOnSave(0, STRICT, NOW, createdAt), NOW + HOUR);
    assert.equal(expiresAtOnSave({ at: NOW + DAY_MS }, STRICT, NOW, createdAt), NOW + HOUR);
    assert.equal(expiryAge(undefined, STRICT, NOW, createdAt + 8 * HOUR), 3600);
  });

  it('renewal: the idle clock is recorded once touchAfter has passed, even where nothing slides', () => {
    const stored = { createdAt: NOW, lastSeenAt: NOW - 4 * 60_000, expiresAt: NOW + DAY_MS };
    assert.equal(renewal({ at: NOW + DAY_MS }, stored, STRICT, NOW), 'seen');
    assert.equal(renewal(undefined, stored, { ...STRICT, rolling: false }, NOW), 'seen');
    assert.equal(renewal(undefined, { ...stored, lastSeenAt: NOW - 60_000 }, { ...STRICT, rolling: false }, NOW), null);
  });

  it('renewal is not due when the deadline caps what it would add', () => {
    const createdAt = NOW - 8 * HOUR + 60_000;
    assert.equal(renewal(undefined, { createdAt, lastSeenAt: NOW, expiresAt: createdAt + 8 * HOUR }, { ...STRICT, idleTimeoutMs: undefined }, NOW), null);
  });
});

const DAY_MS = 24 * HOUR;
