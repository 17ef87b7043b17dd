// The history of a crash scenario and the model it implies.
//
// Every operation is logged with its outcome (see http.mjs). From the acknowledged ones the
// model knows what the server must hold: each account's current password (and the superseded
// ones that must fail), each login's tokens ("family": one session; for the OAuth password
// grant a chain of rotated refresh tokens), and which families were revoked. Unknown outcomes
// widen what is allowed and freeze the thing they touched: an account whose password change
// is unknown is never changed again (either password may be the current one, never both), a
// family whose refresh is unknown is never refreshed again.

/**
 * @typedef {object} User
 * @property {string} name
 * @property {string} password       current password as far as acknowledged answers tell
 * @property {string[]} superseded   passwords replaced by acknowledged changes: must fail
 * @property {{ old: string, next: string } | null} pending   an unknown password change
 * @property {"new" | "unknown" | "ready" | "frozen" | "refused"} state
 *   new: registration not yet sent; unknown: registration outcome unknown (retried until known);
 *   ready: registered; frozen: a password change is unknown; refused: registration refused
 * @property {number} attempts       registration attempts
 * @property {Family[]} families
 */

/**
 * @typedef {object} Family
 * @property {User} user
 * @property {"oauth" | "terminal"} kind
 * @property {string[]} access      access tokens, oldest first
 * @property {string[]} refresh     refresh tokens, oldest first (OAuth only)
 * @property {boolean} revoked      an acknowledged logout, revocation or password change killed it
 * @property {boolean} maybeRevoked such an operation had an unknown outcome
 * @property {boolean} rotationUnknown the last refresh had an unknown outcome
 * @property {boolean} reported     a loss was already reported for it; not checked again
 */

export function createHistory() {
  const history = {
    /** @type {{ n: number, kind: string, worker: number, slot: string, t0: number, t1: number, status: number, outcome: string, error: string | null }[]} */
    ops: [],
    /** @type {{ what: string, detail: string }[]} */
    losses: [],
    /** @type {{ what: string, detail: string, pid?: number }[]} */
    violations: [],
    /** Things that happened to the run from outside (another process's signals), not judged. */
    /** @type {string[]} */
    notes: [],
    /** Servers stopped by a signal from outside the harness. */
    outsidePids: new Set(),
    /** @type {User[]} */
    users: [],
    loss(what, detail) {
      history.losses.push({ what, detail });
    },
    /** `pid`: the server that answered, when known. */
    violation(what, detail, pid) {
      history.violations.push({ what, detail, pid });
    },
  };
  return history;
}

/**
 * A server stopped from outside shuts down gracefully, and what it answers meanwhile is not
 * what this run tests (security R10 is about that): its 5xx become notes.
 */
export function setAsideOutsideStops(history) {
  const kept = [];
  for (const v of history.violations) {
    if (v.pid !== undefined && history.outsidePids.has(v.pid))
      history.notes.push(`during an outside stop: ${v.what}: ${v.detail}`);
    else kept.push(v);
  }
  history.violations = kept;
}

/** Operation counts by outcome, and by kind and outcome. */
export function countOps(ops) {
  const byOutcome = { ack: 0, fail: 0, unknown: 0, refused: 0 };
  /** @type {Record<string, Record<string, number>>} */
  const byKind = {};
  for (const op of ops) {
    byOutcome[op.outcome] = (byOutcome[op.outcome] ?? 0) + 1;
    byKind[op.kind] ??= { ack: 0, fail: 0, unknown: 0, refused: 0 };
    byKind[op.kind][op.outcome] += 1;
  }
  return { byOutcome, byKind };
}

/** @returns {User} */
export const newUser = (name, password) => ({
  name,
  password,
  superseded: [],
  pending: null,
  state: "new",
  attempts: 0,
  families: [],
});

/** @returns {Family} */
export function addFamily(user, kind, accessToken, refreshToken) {
  const family = {
    user,
    kind,
    access: [accessToken],
    refresh: refreshToken ? [refreshToken] : [],
    revoked: false,
    maybeRevoked: false,
    rotationUnknown: false,
    reported: false,
  };
  user.families.push(family);
  return family;
}

export const canRefresh = (f) =>
  f.kind === "oauth" && !f.revoked && !f.maybeRevoked && !f.rotationUnknown && !f.reported && f.refresh.length > 0;
export const canRevoke = (f) => f.kind === "oauth" && !f.revoked && !f.reported;
export const canLogout = (f) => f.kind === "terminal" && !f.revoked && !f.reported;

/** An acknowledged password change: the old password is superseded and every family dies. */
export function passwordChanged(user, next) {
  user.superseded.push(user.password);
  user.password = next;
  for (const family of user.families) family.revoked = true;
}

/** A password change with an unknown outcome. */
export function passwordChangeUnknown(user, next) {
  user.pending = { old: user.password, next };
  user.state = "frozen";
  for (const family of user.families) if (!family.revoked) family.maybeRevoked = true;
}

/**
 * What introspection must say about each token of a family right now:
 * "active", "inactive" or "any".
 * @returns {{ token: string, label: string, expect: "active" | "inactive" | "any" }[]}
 */
export function tokenExpectations(family) {
  const out = [];
  const live = !family.revoked && !family.maybeRevoked;
  family.access.forEach((token, i) => {
    const newest = i === family.access.length - 1;
    // Older access tokens stay valid until they expire; only the newest is held to "active".
    out.push({ token, label: `access #${i}`, expect: family.revoked ? "inactive" : live && newest ? "active" : "any" });
  });
  family.refresh.forEach((token, i) => {
    const newest = i === family.refresh.length - 1;
    let expect = "inactive";
    if (newest && !family.revoked) expect = live && !family.rotationUnknown ? "active" : "any";
    out.push({ token, label: `refresh #${i} of ${family.refresh.length}`, expect });
  });
  return out;
}

/** A short description of a family for loss reports. */
export function describeFamily(family) {
  const flags = ["revoked", "maybeRevoked", "rotationUnknown"].filter((flag) => family[flag]);
  return `${family.kind} family of ${family.user.name} (${family.refresh.length} refresh tokens${flags.length ? `, ${flags.join(", ")}` : ""})`;
}
