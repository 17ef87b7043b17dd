// test-databases: each
// `webhook create|list|delete|rotate-secret|replay|deliveries` against the database of a
// running server, whose dispatcher delivers to a loopback receiver.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";
import { cli, PASSWORD } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

describe("CLI: webhook commands", () => {
  let gh: TestServer;
  let receiver: Receiver;
  before(async () => {
    gh = await startServer({ WEBHOOK_ALLOW_PRIVATE: "true" });
    receiver = await startReceiver();
  });
  after(async () => {
    await gh.close();
    await receiver.close();
  });

  it("creates an endpoint, printing its generated secret once; lists, rotates, replays and deletes it", async () => {
    const created = await cli(gh, ["webhook", "create", "--url", receiver.url, "--events", "user.created,user.disabled"]);
    assert.equal(created.code, 0, created.stderr);
    const id = /created webhook endpoint (ep_[0-9a-f]+) for user.created,user.disabled/.exec(created.stdout)?.[1];
    assert.ok(id, created.stdout);
    receiver.secret = /secret: (whsec_\S+)/.exec(created.stdout)?.[1] ?? "";
    assert.ok(receiver.secret.length > 40);

    const listed = await cli(gh, ["webhook", "list"]);
    assert.match(listed.stdout, /^ID +URL +EVENTS +STATE +LAST SUCCESS/);
    assert.match(listed.stdout, new RegExp(`${id} +${receiver.url} +user.created,user.disabled +ok`));
    assert.ok(!listed.stdout.includes(receiver.secret), "never the secret");
    const json = JSON.parse((await cli(gh, ["webhook", "list", "--json"])).stdout);
    assert.deepEqual(json[0].events, ["user.created", "user.disabled"]);
    assert.equal(json[0].failing, false);

    await gh.server.core.register({ username: "erin", password: PASSWORD });
    await receiver.waitFor(() => receiver.received.length === 1);
    assert.ok(receiver.received[0]!.verified);

    const rotated = await cli(gh, ["webhook", "rotate-secret", id]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const newSecret = /secret: (whsec_\S+)/.exec(rotated.stdout)?.[1] ?? "";
    assert.notEqual(newSecret, receiver.secret);
    receiver.secret = newSecret;

    const replayed = await cli(gh, ["webhook", "replay", "--since", "10m"]);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.match(replayed.stdout, /^1 deliveries queued again/);
    await receiver.waitFor(() => receiver.received.length === 2);
    const [first, again] = receiver.received;
    assert.equal(again!.id, first!.id, "the same webhook-id");
    assert.ok(again!.verified, "signed with the new secret");

    const deliveries = await cli(gh, ["webhook", "deliveries", "--endpoint", id, "--json"]);
    assert.equal(JSON.parse(deliveries.stdout)[0].status, "delivered");

    assert.equal((await cli(gh, ["webhook", "delete", id])).stdout.trim(), "deleted");
    assert.equal((await cli(gh, ["webhook", "list"])).stdout.trim(), "no webhook endpoints");
    const filter = { event: null, userId: null, outcome: null, since: null, until: null };
    const audit = await gh.server.store.admin.queryAudit(filter, null, 50);
    const events = JSON.stringify(audit);
    for (const event of ["webhook_created", "webhook_secret_rotated", "webhook_replayed", "webhook_deleted"])
      assert.ok(events.includes(event), event);
  });

  it("refuses bad input with a clear line and a non-zero exit", async () => {
    const cases: [string[], RegExp][] = [
      [["webhook", "create", "--url", receiver.url, "--events", "user.created,user.exploded"], /unknown: user\.exploded/],
      [["webhook", "create", "--url", "ftp://example.com/", "--events", "user.created"], /http or https/],
      [["webhook", "create", "--url", receiver.url, "--events", "user.created", "--secret", "short"], /whsec_/],
      [["webhook", "replay", "--since", "last tuesday"], /--since must be/],
      [["webhook", "delete", "ep_nope"], /no webhook endpoint ep_nope/],
      [["webhook", "rotate-secret", "ep_nope"], /no webhook endpoint/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, gh.env);
      assert.notEqual(result.code, 0, args.join(" "));
      assert.match(result.stderr, message, args.join(" "));
      // One line saying what is wrong (a usage mistake adds the usage line), never a stack trace.
      assert.ok(result.stderr.trim().split("\n").length <= 2, result.stderr);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    }
  });

  it("refuses a private target without WEBHOOK_ALLOW_PRIVATE", async () => {
    const args = ["webhook", "create", "--url", "http://127.0.0.1:9/x", "--events", "user.created"];
    const result = await runCli(args, { ...gh.env, WEBHOOK_ALLOW_PRIVATE: "false" });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /private or reserved address/);
  });
});
