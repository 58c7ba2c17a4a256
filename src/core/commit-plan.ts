import { endsAtBrowserClose, expiresAtOnSave, renewal, type ExpiryPolicy, type ExpirySetting } from './expiry.js';

/**
 * The commit policy, stated once: what a finished request does to the store and to the cookie.
 * `planCommit` is a pure function; the manager's executor (synchronous or not, server-side or
 * sealed into the cookie) carries its answer out and decides nothing itself. The table-driven
 * tests that pin it are in `commit-plan.test.ts` beside this file.
 */

/** What the planner needs to know about a session at the end of a request. */
export interface CommitFacts {
  /** `flush()` or `cycleKey()` left records of earlier IDs to delete. */
  readonly hasObsoleteRecords: boolean;
  /** The session lives in the cookie itself (a stateless store): no ID, no server record. */
  readonly stateless: boolean;
  /** The store failed at load and this is an anonymous stand-in (`storeOutage: 'anonymous'`). */
  readonly degraded: boolean;
  /** Something that must be saved changed during the request. */
  readonly modified: boolean;
  readonly empty: boolean;
  /** A server record stands behind the session's current ID (stateless: a sealed record was loaded). */
  readonly stored: boolean;
  /** The request brought a session cookie (valid or not). */
  readonly hadCookie: boolean;
  /**
   * The request's cookie already says what a new one would: same ID, signed by the newest
   * secret, and no expiry setting changed (`setExpiry`, `clear()`) during the request.
   */
  readonly cookieUnchanged: boolean;
  readonly expiry: ExpirySetting;
  /** The stored record's expiry (epoch ms); meaningful when `stored`. */
  readonly expiresAt: number;
  /** When the session was created or last logged in (epoch ms): the absolute timeout counts from here. */
  readonly createdAt: number;
  /** The last request the store recorded (epoch ms); meaningful when `stored`. */
  readonly lastSeenAt: number;
}

/** The manager's options the policy depends on. */
export interface CommitPolicy extends ExpiryPolicy {
  /** Django's SESSION_SAVE_EVERY_REQUEST. */
  readonly saveEveryRequest: boolean;
}

/**
 * The store call a commit makes: `create` a record under a fresh ID, `update` the changed keys,
 * `touch` (renew the expiry only), `destroy` the record, or nothing. Obsolete records of
 * earlier IDs are destroyed first when `destroyObsolete` says so (so `cycleKey()` is
 * destroy + create).
 */
export type StoreAction = 'none' | 'create' | 'update' | 'touch' | 'destroy';

/** `set`: send the session cookie (sealed, for a stateless store); `delete`: expire it. */
export type CookieAction = 'none' | 'set' | 'delete';

/**
 * What to do at commit.
 *
 * @example
 * planCommit(facts, 200, Date.now(), policy); // { store: 'update', renewExpiry: false, cookie: 'none', … }
 */
export interface CommitPlan {
  /** Delete records of earlier IDs (done whatever the status: a logout is never undone by a 500). */
  readonly destroyObsolete: boolean;
  readonly store: StoreAction;
  /** Write a new expiry (from the session's setting, as of now) rather than keep the stored one. */
  readonly renewExpiry: boolean;
  /** The record's expiry after the commit (epoch ms): renewed, or the stored one kept. */
  readonly expiresAt: number;
  readonly cookie: CookieAction;
  /**
   * When `update` or `touch` finds the record gone: `interrupt` fails the request (a logout
   * elsewhere won; the changes must not resurrect the session), `delete-cookie` forgets it.
   */
  readonly ifGone: 'interrupt' | 'delete-cookie';
  /** Refuse the commit with 503: a change to a stand-in during a store outage cannot be saved. */
  readonly refuse: boolean;
}


/**
 * The commit policy: Django's `SessionMiddleware.process_response` plus sliding expiry and the
 * concurrency rules, as one decision over the session's facts, the response status and the time.
 *
 * @example
 * const plan = planCommit(facts, response.status, now, policy);
 * if (plan.store === 'create') { … }
 */
export function planCommit(facts: CommitFacts, status: number, now: number, policy: CommitPolicy): CommitPlan {
  const plan = (store: StoreAction, renewExpiry: boolean, cookie: CookieAction, ifGone: CommitPlan['ifGone'] = 'interrupt'): CommitPlan => ({
    destroyObsolete: facts.hasObsoleteRecords,
    store,
    renewExpiry,
    expiresAt: renewExpiry ? expiresAtOnSave(facts.expiry, policy, now, facts.createdAt) : facts.expiresAt,
    cookie,
    ifGone,
    refuse: false,
  });
  // A failed response saves nothing, but still deletes what a flush() or cycleKey() retired.
  if (status >= 500) return plan('none', false, 'none');
  // The real session is still in the store; writing the stand-in would replace the visitor's
  // cookie and lose it, so a change during the outage is refused instead.
  if (facts.degraded) return { ...plan('none', false, 'none'), refuse: facts.modified };
  // An emptied session ends: its record goes, and the browser forgets the cookie it sent.
  if (facts.empty) return plan(facts.stored && !facts.stateless ? 'destroy' : 'none', false, facts.hadCookie ? 'delete' : 'none');

  // 'renew': sliding expiry is due; 'seen': only the idle clock needs this request recorded.
  const owed = facts.stored ? renewal(facts.expiry, facts, policy, now) : null;
  const due = owed === 'renew';
  if (facts.stateless) {
    // The whole session is sealed into the cookie: every save or renewal is a new cookie.
    if (facts.modified || policy.saveEveryRequest || due) return plan('none', true, 'set');
    return owed === 'seen' ? plan('none', false, 'set') : plan('none', false, 'none');
  }
  if (facts.modified || policy.saveEveryRequest) {
    if (!facts.stored) return plan('create', true, 'set');
    // Inside the renewal window a write keeps the stored expiry and the visitor's cookie, so it
    // sends no Set-Cookie. Under `rolling: false` or `saveEveryRequest` each save restarts the
    // clock (Django's rule), and anything that changes what the cookie says re-sends it.
    const keepsCookie = policy.rolling && !policy.saveEveryRequest && facts.cookieUnchanged && !due;
    return plan('update', !keepsCookie, keepsCookie ? 'none' : 'set');
  }
  // A browser-session cookie carries no expiry: only the record's is moved.
  if (due) return plan('touch', true, endsAtBrowserClose(facts.expiry, policy) ? 'none' : 'set', 'delete-cookie');
  // The idle clock moves without the expiry: the record's last-seen time only, the cookie as it is.
  if (owed === 'seen') return plan('touch', false, 'none', 'delete-cookie');
  return plan('none', false, 'none');
}
