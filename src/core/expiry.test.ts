import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeExpiry, encodeExpiry, endsAtBrowserClose, expiresAtOnSave, expiryAge, expiryTime, renewalDue, type ExpiryPolicy } from './expiry.ts';

const NOW = 1_767_225_600_000;
const HOUR = 3_600_000;
const POLICY: ExpiryPolicy = { maxAge: 1_209_600, expireAtBrowserClose: false, rolling: true, touchAfterMs: HOUR };

describe('expiry: how setExpiry is stored', () => {
  it('stores seconds (floored), a Date as { at }, and null as no setting', () => {
    assert.equal(encodeExpiry(90.7), 90);
    assert.equal(encodeExpiry(0), 0);
    assert.deepEqual(encodeExpiry(new Date(NOW)), { at: NOW });
    assert.equal(encodeExpiry(null), undefined);
  });

  it('refuses anything else with ERR_SESSION_EXPIRY', () => {
    for (const bad of [-1, Number.NaN, Infinity, new Date('nope'), '60' as unknown as number]) {
      assert.throws(() => encodeExpiry(bad), { code: 'ERR_SESSION_EXPIRY' }, String(bad));
    }
  });

  it('reads a malformed stored setting as none, so the defaults apply', () => {
    for (const bad of [-5, 'x', null, {}, { at: 'soon' }, [1]]) assert.equal(decodeExpiry(bad), undefined, JSON.stringify(bad));
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
