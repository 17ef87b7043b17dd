// Replays the history of a crash scenario against the server that is up at the end:
//
//   I1  every acknowledged registration logs in with its latest acknowledged password, and
//       every password an acknowledged change superseded fails (an unknown change allows
//       either the old or the new password, never both and never neither);
//   I3  every acknowledged logout, revocation or password change left its tokens inactive
//       at /oauth/introspect;
//   RT  of each family only the newest refresh token is active, it still rotates, and
//       presenting an older one afterwards is refused and revokes the session (reuse detection).
//
// Losses and violations go into the history; the return value counts what was checked.

import { basic, form, send } from "./http.mjs";
import { canRefresh, describeFamily, tokenExpectations } from "./model.mjs";
import { brief } from "./workload.mjs";
import { pooled, sleep } from "./util.mjs";

/**
 * A verification request, retried while its outcome is unknown (a 503 with Retry-After from a
 * full hashing queue included), then a violation.
 */
async function check(ctx, what, method, path, request) {
  for (let attempt = 1; ; attempt++) {
    const slot = await ctx.targets.pick();
    const reply = await send(slot.server.url, method, path, { ...request, agent: slot.agent, timeoutMs: ctx.timeoutMs });
    if (reply.badStatus) {
      const pid = slot.server.pid;
      ctx.history.violation("I5: 5xx without Retry-After", `verification, ${what} (pid ${pid}): ${brief(reply)}`, pid);
    }
    if (reply.outcome === "ack" || reply.outcome === "fail") return reply;
    if (attempt === 6) {
      ctx.history.violation("verification request without answer", `${what}: ${brief(reply)}`);
      return null;
    }
    await sleep(250 * attempt);
  }
}

const auth = (ctx) => ({ authorization: basic(ctx.client.id, ctx.client.secret) });

async function logsIn(ctx, user, password, stats) {
  stats.passwordChecks += 1;
  const fields = { grant_type: "password", username: user.name, password };
  const reply = await check(ctx, `login of ${user.name}`, "POST", "/oauth/token", form(fields, auth(ctx)));
  return reply === null ? null : reply.outcome === "ack";
}

async function verifyUser(ctx, user, stats) {
  const { history } = ctx;
  if (user.state === "unknown") {
    // Never settled (every attempt unknown): it may exist or not; the login only has to answer.
    stats.unsettledRegistrations += 1;
    await logsIn(ctx, user, user.password, stats);
    return;
  }
  if (user.state !== "ready" && user.state !== "frozen") return;
  stats.users += 1;
  if (user.state === "ready") {
    if ((await logsIn(ctx, user, user.password, stats)) === false)
      history.loss("I1: acknowledged password does not log in", `${user.name} (${user.superseded.length} changes)`);
  } else {
    const { old, next } = /** @type {{ old: string, next: string }} */ (user.pending);
    const withNext = await logsIn(ctx, user, next, stats);
    const withOld = await logsIn(ctx, user, old, stats);
    if (withNext === false && withOld === false)
      history.loss(
        "I1: neither password of an unknown change logs in",
        `${user.name} (${user.superseded.length} changes before)`,
      );
    if (withNext === true && withOld === true) history.violation("both passwords of one change log in", user.name);
  }
  for (const [i, password] of user.superseded.entries()) {
    if ((await logsIn(ctx, user, password, stats)) === true)
      history.loss("I1: superseded password still logs in", `${user.name}, password #${i} of ${user.superseded.length + 1}`);
  }
}

async function introspect(ctx, token, what) {
  const reply = await check(ctx, what, "POST", "/oauth/introspect", form({ token }, auth(ctx)));
  if (reply?.outcome === "fail") ctx.history.violation("introspection refused", `${what}: ${brief(reply)}`);
  return reply?.outcome === "ack" ? reply.body?.active === true : null;
}

async function verifyFamilyTokens(ctx, family, stats) {
  for (const { token, label, expect } of tokenExpectations(family)) {
    if (expect === "any") continue;
    stats.tokenChecks += 1;
    const active = await introspect(ctx, token, `${label} of ${describeFamily(family)}`);
    if (active === null || active === (expect === "active")) continue;
    const what = family.revoked
      ? "I3: revoked token active again"
      : expect === "active"
        ? "I1: live token inactive"
        : "RT: rotated refresh token active";
    ctx.history.loss(what, `${label} of ${describeFamily(family)}`);
    family.reported = true;
  }
}

/** The newest refresh token still rotates; then an older one is refused and kills the session. */
async function verifyRotation(ctx, family, stats) {
  stats.rotationChecks += 1;
  const newest = family.refresh.at(-1);
  const what = describeFamily(family);
  const rotated = await check(ctx, `refresh of ${what}`, "POST", "/oauth/token", refreshForm(ctx, newest));
  if (rotated === null) return;
  if (rotated.outcome !== "ack") return ctx.history.loss("RT: newest refresh token refused", `${what}: ${brief(rotated)}`);
  if (family.refresh.length < 2) return;
  stats.reuseChecks += 1;
  const older = family.refresh.at(-2);
  const replay = await check(ctx, `replay in ${what}`, "POST", "/oauth/token", refreshForm(ctx, older));
  if (replay?.outcome === "ack") return ctx.history.loss("RT: rotated refresh token accepted", what);
  const successor = rotated.body.refresh_token;
  if ((await introspect(ctx, successor, `successor in ${what}`)) === true)
    ctx.history.violation("RT: reuse of a rotated token did not revoke the session", what);
}

const refreshForm = (ctx, token) => form({ grant_type: "refresh_token", refresh_token: token }, auth(ctx));

/** Runs every check; returns what was checked. */
export async function verifyHistory(ctx) {
  const stats = {
    users: 0,
    unsettledRegistrations: 0,
    passwordChecks: 0,
    families: 0,
    tokenChecks: 0,
    rotationChecks: 0,
    reuseChecks: 0,
  };
  const users = ctx.history.users;
  await pooled(users, 4, (user) => verifyUser(ctx, user, stats));
  const families = users.flatMap((user) => user.families).filter((family) => !family.reported);
  stats.families = families.length;
  await pooled(families, 8, (family) => verifyFamilyTokens(ctx, family, stats));
  const rotating = families.filter((family) => canRefresh(family) && family.user.state === "ready");
  await pooled(rotating, 8, (family) => verifyRotation(ctx, family, stats));
  return stats;
}
