import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planCommit, type CommitFacts, type CommitPlan, type CommitPolicy } from './commit-plan.ts';

// The commit policy, one row per rule. Times are seconds from an arbitrary epoch.
const NOW = 1_000_000_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const POLICY: CommitPolicy = { maxAge: 14 * 24 * 3600, expireAtBrowserClose: false, rolling: true, touchAfterMs: HOUR, saveEveryRequest: false };

/** A stored, loaded, unchanged session whose expiry was renewed a minute ago. */
const LOADED: CommitFacts = {
  hasObsoleteRecords: false,
  stateless: false,
  degraded: false,
  modified: false,
  empty: false,
  stored: true,
  hadCookie: true,
  cookieUnchanged: true,
  expiry: undefined,
  expiresAt: NOW + 14 * DAY - 60_000,
  createdAt: NOW - 3 * DAY,
  lastSeenAt: NOW - 60_000,
};
/** The same session once more than `touchAfter` of its life has passed: renewal is due. */
const STALE = { ...LOADED, expiresAt: NOW + 14 * DAY - 2 * HOUR };
const FRESH: CommitFacts = { ...LOADED, stored: false, hadCookie: false, cookieUnchanged: false, empty: true, expiresAt: 0, createdAt: NOW, lastSeenAt: NOW };
/** A stored session whose last recorded request was two hours ago (the idle clock is behind). */
const IDLE: CommitFacts = { ...LOADED, lastSeenAt: NOW - 2 * HOUR };

type Expected = Pick<CommitPlan, 'store' | 'cookie'> & Partial<CommitPlan>;
interface Row {
  rule: string;
  facts: Partial<CommitFacts>;
  base?: CommitFacts;
  status?: number;
  policy?: Partial<CommitPolicy>;
  expect: Expected;
}

const ROWS: Row[] = [
  // Django: no cookie and nothing written → no store call, no Set-Cookie.
  { rule: 'a new session nobody wrote costs nothing', base: FRESH, facts: {}, expect: { store: 'none', cookie: 'none' } },
  { rule: 'a read of a stored session inside the renewal window costs nothing', facts: {}, expect: { store: 'none', cookie: 'none' } },
  { rule: 'a first write creates a record under a fresh ID and sets the cookie', base: FRESH, facts: { empty: false, modified: true }, expect: { store: 'create', cookie: 'set', renewExpiry: true } },
  { rule: 'an unknown ID brought by the cookie is never adopted: a write creates', base: FRESH, facts: { hadCookie: true, empty: false, modified: true }, expect: { store: 'create', cookie: 'set' } },
  { rule: 'a write inside the renewal window updates and keeps the cookie and the expiry', facts: { modified: true }, expect: { store: 'update', cookie: 'none', renewExpiry: false, expiresAt: LOADED.expiresAt } },
  { rule: 'a write once renewal is due renews the expiry and re-sends the cookie', base: STALE, facts: { modified: true }, expect: { store: 'update', cookie: 'set', renewExpiry: true } },
  { rule: 'a write under an older secret re-sends the cookie (rotation)', facts: { modified: true, cookieUnchanged: false }, expect: { store: 'update', cookie: 'set', renewExpiry: true } },
  { rule: 'rolling: false: every save restarts the clock (Django)', facts: { modified: true }, policy: { rolling: false }, expect: { store: 'update', cookie: 'set', renewExpiry: true } },
  { rule: 'rolling: false: a read never renews', base: STALE, facts: {}, policy: { rolling: false }, expect: { store: 'none', cookie: 'none' } },
  { rule: 'saveEveryRequest writes and re-sends on a read too', facts: {}, policy: { saveEveryRequest: true }, expect: { store: 'update', cookie: 'set', renewExpiry: true } },
  { rule: 'a read once renewal is due touches (no data rewrite) and re-sends the cookie', base: STALE, facts: {}, expect: { store: 'touch', cookie: 'set', renewExpiry: true, ifGone: 'delete-cookie' } },
  { rule: 'a browser-session cookie is not re-sent on renewal; only the record moves', base: STALE, facts: { expiry: 0 }, expect: { store: 'touch', cookie: 'none' } },
  { rule: 'an absolute expiry date never slides', base: STALE, facts: { expiry: { at: NOW + DAY } }, expect: { store: 'none', cookie: 'none' } },
  { rule: 'an emptied stored session deletes its record and its cookie', facts: { empty: true, modified: true }, expect: { store: 'destroy', cookie: 'delete' } },
  { rule: 'a forged or stale cookie with nothing to save is deleted', base: FRESH, facts: { hadCookie: true }, expect: { store: 'none', cookie: 'delete' } },
  { rule: 'logout (flush): the old record goes, the cookie is deleted', base: FRESH, facts: { hadCookie: true, hasObsoleteRecords: true, modified: true }, expect: { store: 'none', cookie: 'delete', destroyObsolete: true } },
  { rule: 'login (cycleKey): destroy the old record, then create', base: FRESH, facts: { hadCookie: true, hasObsoleteRecords: true, empty: false, modified: true }, expect: { store: 'create', cookie: 'set', destroyObsolete: true } },
  { rule: 'a 5xx saves nothing', status: 500, facts: { modified: true }, expect: { store: 'none', cookie: 'none', destroyObsolete: false } },
  { rule: 'a 5xx still deletes what a logout retired', status: 503, base: FRESH, facts: { hasObsoleteRecords: true, modified: true }, expect: { store: 'none', cookie: 'none', destroyObsolete: true } },
  { rule: 'a change to a stand-in during an outage is refused', base: FRESH, facts: { degraded: true, hadCookie: true, modified: true, empty: false }, expect: { store: 'none', cookie: 'none', refuse: true } },
  { rule: 'a stand-in only read keeps the visitor\'s cookie as it is', base: FRESH, facts: { degraded: true, hadCookie: true }, expect: { store: 'none', cookie: 'none', refuse: false } },
  { rule: 'stateless: a write seals a new cookie', facts: { stateless: true, modified: true }, expect: { store: 'none', cookie: 'set', renewExpiry: true } },
  { rule: 'stateless: a read inside the window sends nothing', facts: { stateless: true }, expect: { store: 'none', cookie: 'none' } },
  { rule: 'stateless: a read once renewal is due re-seals', base: STALE, facts: { stateless: true }, expect: { store: 'none', cookie: 'set' } },
  // The timeouts no activity extends (ASVS V7.3): stated in expiry.ts, applied here.
  { rule: 'absolute timeout: a renewal never goes past the deadline, and is not due once at it', base: { ...STALE, createdAt: NOW - 13 * DAY, expiresAt: NOW + DAY - 60_000 }, facts: {}, policy: { absoluteTimeoutMs: 14 * DAY }, expect: { store: 'none', cookie: 'none' } },
  { rule: 'absolute timeout: a write cannot extend the session past the deadline', base: { ...STALE, createdAt: NOW - 13 * DAY, expiresAt: NOW + DAY - 2 * HOUR }, facts: { modified: true }, policy: { absoluteTimeoutMs: 14 * DAY }, expect: { store: 'update', cookie: 'set', expiresAt: NOW + DAY } },
  { rule: 'absolute timeout: a new session ends at most absoluteTimeout after now', base: FRESH, facts: { empty: false, modified: true }, policy: { absoluteTimeoutMs: 8 * HOUR }, expect: { store: 'create', cookie: 'set', expiresAt: NOW + 8 * HOUR } },
  { rule: 'idle timeout: a read records the request once touchAfter has passed, without moving the expiry or the cookie', base: IDLE, facts: {}, policy: { rolling: false, idleTimeoutMs: 4 * HOUR }, expect: { store: 'touch', cookie: 'none', renewExpiry: false, expiresAt: LOADED.expiresAt, ifGone: 'delete-cookie' } },
  { rule: 'idle timeout: a recently recorded session costs nothing', facts: {}, policy: { rolling: false, idleTimeoutMs: 4 * HOUR }, expect: { store: 'none', cookie: 'none' } },
  { rule: 'idle timeout, stateless: the cookie is re-sealed with the new last-seen time, same expiry', base: IDLE, facts: { stateless: true }, policy: { rolling: false, idleTimeoutMs: 4 * HOUR }, expect: { store: 'none', cookie: 'set', renewExpiry: false } },
  { rule: 'stateless: an emptied session deletes the cookie, no store call', facts: { stateless: true, empty: true, modified: true }, expect: { store: 'none', cookie: 'delete' } },
];

describe('planCommit: the commit policy, one row per rule', () => {
  for (const row of ROWS) {
    it(row.rule, () => {
      const facts = { ...(row.base ?? LOADED), ...row.facts };
      const plan = planCommit(facts, row.status ?? 200, NOW, { ...POLICY, ...row.policy });
      const picked = Object.fromEntries(Object.keys(row.expect).map((k) => [k, plan[k as keyof CommitPlan]]));
      assert.deepEqual(picked, row.expect);
    });
  }

  it('a renewed expiry is the session setting as of now; a kept one is the stored one', () => {
    assert.equal(planCommit({ ...FRESH, empty: false, modified: true }, 200, NOW, POLICY).expiresAt, NOW + POLICY.maxAge * 1000);
    assert.equal(planCommit({ ...FRESH, empty: false, modified: true, expiry: 60 }, 200, NOW, POLICY).expiresAt, NOW + 60_000);
    // Browser-close sessions still end on the server after the default age, as in Django.
    assert.equal(planCommit({ ...FRESH, empty: false, modified: true, expiry: 0 }, 200, NOW, POLICY).expiresAt, NOW + POLICY.maxAge * 1000);
    assert.equal(planCommit({ ...LOADED, modified: true }, 200, NOW, POLICY).expiresAt, LOADED.expiresAt);
  });

  it('is pure: the same facts give the same plan, and the facts are not changed', () => {
    const facts = Object.freeze({ ...STALE, modified: true });
    assert.deepEqual(planCommit(facts, 200, NOW, POLICY), planCommit(facts, 200, NOW, POLICY));
  });
});
