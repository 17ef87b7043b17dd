// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, createClient, createUser, isActive, login, refreshGrant, sleep } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

// security S34: refresh tokens have an idle limit and an absolute limit, even under
// sliding renewal (rotation). Idle 2 s, absolute 5 s: short enough for a test, long enough
// that a loaded machine does not blur the boundaries (each check leaves a second of slack).
describe("refresh token idle and absolute limits", () => {
  let gh: TestServer;
  let client: Client;

  before(async () => {
    gh = await startServer({ REFRESH_TOKEN_IDLE_TTL: "2", REFRESH_TOKEN_TTL: "5" });
    client = await createClient(gh, "lifetime-app");
    await createUser(gh, "idle-user");
    await createUser(gh, "busy-user");
  });
  after(() => gh.close());

  it("a refresh token unused for longer than the idle limit is refused", async () => {
    const { refresh_token: first } = await login(gh, client, "idle-user");
    await sleep(3_000);
    const response = await refreshGrant(gh, client, first);
    assert.equal(response.status, 400, response.text);
    assert.equal(response.body.error, "invalid_grant");
    assert.equal(await isActive(gh, client, first), false);
  });

  it("rotation slides the idle limit, but never past the absolute limit", async () => {
    let current: string = (await login(gh, client, "busy-user")).refresh_token;
    const started = Date.now();
    // Every second: each refresh comes well inside the 2 s idle limit.
    while (Date.now() - started < 4_000) {
      await sleep(1_000);
      const response = await refreshGrant(gh, client, current);
      assert.equal(response.status, 200, `refresh at ${Date.now() - started} ms: ${response.text}`);
      current = response.body.refresh_token;
    }
    // The session's absolute end (5 s after login) bounds the last token, however fresh it is.
    await sleep(Math.max(0, 5_000 - (Date.now() - started)) + 1_000);
    const response = await refreshGrant(gh, client, current);
    assert.equal(response.status, 400, response.text);
    assert.equal(response.body.error, "invalid_grant");
  });
});
