// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KEEP_ENDED_MS } from "../../src/core/housekeeping.js";
import { queryDatabase } from "../helpers/database.js";
import { type Client, createClient, createUser, login, passwordGrant, refreshGrant } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

const DAY_MS = 86_400_000;

// security R9: ended sessions, their refresh tokens and throttling counters are purged, so
// that tables stay bounded; what the rules still need (a live session's used refresh tokens,
// for reuse detection) stays. The purge is run as if two days had passed.
describe("housekeeping deletes what ended and keeps what rules still need", () => {
  let gh: TestServer;
  let client: Client;
  const count = async (table: string) =>
    Number((await queryDatabase<{ n: number }>(gh.databaseUrl, `select count(*) as n from ${table}`))[0]?.n);

  before(async () => {
    gh = await startServer();
    client = await createClient(gh, "purge-app");
    await createUser(gh, "keeper");
    await createUser(gh, "leaver");
  });
  after(() => gh.close());

  it("purges revoked sessions and stale counters; a live session and its reuse detection survive", async () => {
    const live = await login(gh, client, "keeper");
    const rotated = await refreshGrant(gh, client, live.refresh_token);
    assert.equal(rotated.status, 200, rotated.text);
    const ended = await login(gh, client, "leaver");
    const revoke = await gh.post("/oauth/revoke", {
      form: { client_id: client.id, client_secret: client.secret ?? "", token: ended.refresh_token },
    });
    assert.equal(revoke.status, 200);
    for (const name of ["nobody-1", "nobody-2", "nobody-3"]) await passwordGrant(gh, client, name, "wrong password 123");
    assert.equal(await count("login_throttle"), 3);

    const deleted = await gh.server.store.housekeeping.purge(Date.now() + 2 * DAY_MS, KEEP_ENDED_MS);
    assert.equal(deleted.sessions, 1, JSON.stringify(deleted));
    assert.equal(deleted.loginThrottle, 3, JSON.stringify(deleted));
    assert.equal(await count("login_throttle"), 0);
    assert.equal(await count("sessions"), 1);

    // The live session still refreshes, and a refresh token it used before the purge is still
    // recognised as reuse: the session is revoked and the event recorded.
    const next = await refreshGrant(gh, client, rotated.body.refresh_token);
    assert.equal(next.status, 200, next.text);
    const replay = await refreshGrant(gh, client, live.refresh_token);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, "invalid_grant");
    assert.equal((await refreshGrant(gh, client, next.body.refresh_token)).status, 400, "the session was revoked");
    const audits = await queryDatabase<{ event: string }>(gh.databaseUrl, "select event from audit_events where event = ?", [
      "refresh_token_reuse",
    ]);
    assert.equal(audits.length, 1);
  });
});
