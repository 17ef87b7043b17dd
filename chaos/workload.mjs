// The mixed write load of the crash scenarios. A few workers, each owning its own accounts,
// run one operation after another: registrations, OAuth password-grant and terminal logins,
// refresh-token rotations, revocations, terminal logouts, password changes, and introspections
// that check the model while the load runs. Each operation goes to a randomly chosen live
// instance, is logged with its outcome, and updates the model (model.mjs).

import { basic, form, json, send } from "./http.mjs";
import {
  addFamily,
  canLogout,
  canRefresh,
  canRevoke,
  describeFamily,
  newUser,
  passwordChanged,
  passwordChangeUnknown,
  tokenExpectations,
} from "./model.mjs";
import { now } from "./util.mjs";

/**
 * Instances the load can go to. `pick` waits while none is up (every instance being
 * restarted), so the load pauses instead of piling up refused connections.
 */
export function createTargets(slots, random) {
  const waiters = [];
  let closed = false;
  return {
    slots,
    async pick() {
      for (;;) {
        if (closed) throw new Stopped();
        const up = slots.filter((slot) => slot.up);
        if (up.length > 0) return random.pick(up);
        await new Promise((resolve) => waiters.push(resolve));
      }
    },
    setUp(slot, up) {
      slot.up = up;
      if (up) for (const wake of waiters.splice(0)) wake();
    },
    /** Ends the run: every worker waiting for an instance stops. */
    close() {
      closed = true;
      for (const wake of waiters.splice(0)) wake();
    },
  };
}

class Stopped extends Error {}

/**
 * Sends one operation to a live instance and logs it.
 * @returns {Promise<import("./http.mjs").Reply>}
 */
async function operate(ctx, worker, kind, method, path, request = {}) {
  const slot = await ctx.targets.pick();
  const t0 = now();
  const reply = await send(slot.server.url, method, path, { ...request, agent: slot.agent, timeoutMs: ctx.timeoutMs });
  ctx.history.ops.push({
    n: ctx.history.ops.length,
    kind,
    worker: worker.index,
    slot: slot.name,
    t0,
    t1: now(),
    status: reply.status,
    outcome: reply.outcome,
    error: reply.error,
  });
  if (reply.badStatus) {
    const pid = slot.server.pid;
    ctx.history.violation("I5: 5xx without Retry-After", `${kind} on ${slot.name} (pid ${pid}): ${brief(reply)}`, pid);
  }
  return reply;
}

export const brief = (reply) =>
  reply.status === 0 ? `no answer (${reply.error})` : `HTTP ${reply.status} ${JSON.stringify(reply.body).slice(0, 160)}`;

/** An answer that is neither success nor "unknown": the request was refused on its merits. */
const refusedOnMerits = (reply) => reply.outcome === "fail";

const oauthAuth = (ctx) => basic(ctx.client.id, ctx.client.secret);

async function register(ctx, worker, user) {
  user.attempts += 1;
  const reply = await operate(
    ctx,
    worker,
    user.attempts > 1 ? "register (again after an unknown outcome)" : "register",
    "POST",
    "/auth/register",
    json({ username: user.name, password: user.password }),
  );
  if (reply.outcome === "ack") user.state = "ready";
  else if (reply.outcome === "unknown") user.state = "unknown";
  else if (refusedOnMerits(reply)) {
    // After an unknown attempt, "exists" settles it: that attempt committed (the name is ours).
    const exists = reply.status === 401 && /exists/.test(JSON.stringify(reply.body));
    if (user.attempts > 1 && exists) user.state = "ready";
    else {
      user.state = "refused";
      ctx.history.violation("registration refused", `${user.name}: ${brief(reply)}`);
    }
  }
}

async function loginOauth(ctx, worker, user) {
  const fields = { grant_type: "password", username: user.name, password: user.password };
  const reply = await operate(
    ctx,
    worker,
    "login (password grant)",
    "POST",
    "/oauth/token",
    form(fields, { authorization: oauthAuth(ctx) }),
  );
  if (reply.outcome === "ack") addFamily(user, "oauth", reply.body.access_token, reply.body.refresh_token);
  else if (refusedOnMerits(reply)) ctx.history.loss("acknowledged password refused", `${user.name} at login: ${brief(reply)}`);
}

async function loginTerminal(ctx, worker, user) {
  const body = { username: user.name, password: user.password, terminal: `t-${ctx.random.hex(4)}` };
  const reply = await operate(ctx, worker, "login (terminal)", "POST", "/auth/login", json(body));
  if (reply.outcome === "ack") addFamily(user, "terminal", reply.body.token, null);
  else if (refusedOnMerits(reply))
    ctx.history.loss("acknowledged password refused", `${user.name} at terminal login: ${brief(reply)}`);
}

async function refresh(ctx, worker, family) {
  const fields = { grant_type: "refresh_token", refresh_token: family.refresh.at(-1) };
  const reply = await operate(
    ctx,
    worker,
    "refresh (rotation)",
    "POST",
    "/oauth/token",
    form(fields, { authorization: oauthAuth(ctx) }),
  );
  if (reply.outcome === "ack") {
    family.refresh.push(reply.body.refresh_token);
    family.access.push(reply.body.access_token);
  } else if (reply.outcome === "unknown") family.rotationUnknown = true;
  else if (refusedOnMerits(reply)) {
    family.reported = true;
    ctx.history.loss("newest refresh token refused", `${describeFamily(family)}: ${brief(reply)}`);
  }
}

async function revoke(ctx, worker, family) {
  // Any token of the session revokes all of it, a rotated refresh token included.
  const token = ctx.random.pick([family.access.at(-1), family.refresh.at(-1), family.refresh[0]]);
  const reply = await operate(ctx, worker, "revoke", "POST", "/oauth/revoke", form({ token }, { authorization: oauthAuth(ctx) }));
  if (reply.outcome === "ack") family.revoked = true;
  else if (reply.outcome === "unknown") family.maybeRevoked = true;
  else if (refusedOnMerits(reply)) ctx.history.violation("revocation refused", `${describeFamily(family)}: ${brief(reply)}`);
}

async function logout(ctx, worker, family) {
  const request = json({ username: family.user.name }, { token: family.access.at(-1) });
  const reply = await operate(ctx, worker, "logout (terminal)", "POST", "/auth/logout", request);
  if (reply.outcome === "ack") family.revoked = true;
  else if (reply.outcome === "unknown") family.maybeRevoked = true;
  else if (refusedOnMerits(reply)) {
    // A token already dead is fine after an unknown revocation; otherwise the login was lost.
    if (!family.maybeRevoked) {
      family.reported = true;
      ctx.history.loss("live terminal token refused at logout", `${describeFamily(family)}: ${brief(reply)}`);
    }
    family.revoked = true;
  }
}

async function changePassword(ctx, worker, user) {
  const next = ctx.newPassword();
  const body = { username: user.name, oldPassword: user.password, newPassword: next };
  const reply = await operate(ctx, worker, "password change", "POST", "/auth/password", json(body));
  if (reply.outcome === "ack") passwordChanged(user, next);
  else if (reply.outcome === "unknown") passwordChangeUnknown(user, next);
  else if (refusedOnMerits(reply))
    ctx.history.loss("acknowledged password refused", `${user.name} at password change: ${brief(reply)}`);
}

/** Introspects one token of a family and compares with what the model says. */
async function introspect(ctx, worker, family) {
  const candidates = tokenExpectations(family).filter((e) => e.expect !== "any");
  if (candidates.length === 0) return;
  const { token, label, expect } = ctx.random.pick(candidates);
  const reply = await operate(
    ctx,
    worker,
    "introspect",
    "POST",
    "/oauth/introspect",
    form({ token }, { authorization: oauthAuth(ctx) }),
  );
  if (reply.outcome === "fail") ctx.history.violation("introspection refused", `${describeFamily(family)}: ${brief(reply)}`);
  if (reply.outcome !== "ack") return;
  const active = reply.body?.active === true;
  if (active !== (expect === "active")) {
    family.reported = true;
    ctx.history.loss(expect === "active" ? "live token inactive" : "dead token active", `${label} of ${describeFamily(family)}`);
  }
}

/** Chooses the next operation of a worker from what its accounts and families allow. */
function nextOperation(ctx, worker) {
  const pending = worker.users.find((u) => u.state === "new" || u.state === "unknown");
  if (pending) return () => register(ctx, worker, pending);
  const ready = worker.users.filter((u) => u.state === "ready");
  const families = worker.users.flatMap((u) => u.families);
  const sets = {
    refresh: families.filter(canRefresh),
    revoke: families.filter(canRevoke),
    logout: families.filter(canLogout),
    check: families.filter((f) => !f.reported),
  };
  const weights = {
    register: worker.users.length < ctx.usersPerWorker || ready.length === 0 ? 10 : 0,
    loginOauth: ready.length ? 14 : 0,
    loginTerminal: ready.length ? 6 : 0,
    password: ready.length ? 7 : 0,
    refresh: sets.refresh.length ? 30 : 0,
    revoke: sets.revoke.length ? 6 : 0,
    logout: sets.logout.length ? 5 : 0,
    check: sets.check.length ? 10 : 0,
  };
  const r = ctx.random;
  switch (r.weighted(weights)) {
    case "loginOauth":
      return () => loginOauth(ctx, worker, r.pick(ready));
    case "loginTerminal":
      return () => loginTerminal(ctx, worker, r.pick(ready));
    case "password":
      return () => changePassword(ctx, worker, r.pick(ready));
    case "refresh":
      return () => refresh(ctx, worker, r.pick(sets.refresh));
    case "revoke":
      return () => revoke(ctx, worker, r.pick(sets.revoke));
    case "logout":
      return () => logout(ctx, worker, r.pick(sets.logout));
    case "check":
      return () => introspect(ctx, worker, r.pick(sets.check));
    default:
      return () => addUser(ctx, worker);
  }
}

function addUser(ctx, worker) {
  const user = newUser(`c${ctx.tag}w${worker.index}u${worker.users.length}`, ctx.newPassword());
  worker.users.push(user);
  ctx.history.users.push(user);
  return register(ctx, worker, user);
}

/** Starts `count` workers; they run until `ctx.stopping` is set. Resolves when all have stopped. */
export function runWorkers(ctx, count) {
  const workers = Array.from({ length: count }, (_, index) => ({ index, users: [] }));
  return Promise.all(
    workers.map(async (worker) => {
      try {
        while (!ctx.stopping) await nextOperation(ctx, worker)();
      } catch (error) {
        if (!(error instanceof Stopped)) throw error;
      }
    }),
  );
}
