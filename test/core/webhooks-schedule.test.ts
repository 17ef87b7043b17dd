// test-databases: one
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isRefusedAddress } from "../../src/core/webhooks/addresses.js";
import { GIVE_UP_AFTER_MS, nextAttemptAt, retryDelayMs } from "../../src/core/webhooks/schedule.js";
import { createSecretBox } from "../../src/core/webhooks/secret-box.js";
import { parseSince } from "../../src/http/admin/webhooks-wire.js";

describe("webhooks: the real retry schedule", () => {
  it("first retry within 5 to 10 seconds, then doubling with jitter, never more than an hour apart", () => {
    const low = (n: number) => retryDelayMs(n, undefined, () => 0);
    const high = (n: number) => retryDelayMs(n, undefined, () => 0.999999);
    assert.equal(low(1), 5_000);
    assert.ok(high(1) <= 10_000 && high(1) > 9_990);
    assert.equal(low(2), 10_000);
    assert.equal(low(3), 20_000);
    for (let n = 1; n < 40; n++) {
      assert.ok(low(n + 1) >= low(n), "never shrinks");
      assert.ok(high(n) <= 3_600_000, "at most an hour");
    }
    assert.equal(low(30), 30 * 60_000);
  });

  it("retries for 24 hours after the event, then gives up", () => {
    const event = 1_000_000;
    let at = event;
    let attempts = 0;
    for (;;) {
      attempts++;
      const next = nextAttemptAt(event, at, attempts);
      if (next === null) break;
      at = next;
    }
    assert.ok(at - event <= GIVE_UP_AFTER_MS);
    assert.ok(at - event > GIVE_UP_AFTER_MS - 2 * 3_600_000, "keeps trying until close to 24 h");
    assert.ok(attempts > 20 && attempts < 80, `${attempts} attempts`);
  });
});

describe("webhooks: the address guard", () => {
  it("refuses private, loopback, link-local, shared, metadata and mapped addresses; allows public ones", () => {
    for (const address of [
      "10.0.0.1",
      "127.0.0.1",
      "172.31.255.255",
      "192.168.0.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "fc00::1",
      "fd12::1",
      "fe80::1",
      "::ffff:10.0.0.1",
      "::ffff:8.8.8.8",
      "224.0.0.1",
      "not an address",
    ]) {
      assert.equal(isRefusedAddress(address), true, address);
    }
    for (const address of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111"]) {
      assert.equal(isRefusedAddress(address), false, address);
    }
  });
});

describe("webhooks: secrets at rest and --since", () => {
  it("a sealed secret opens only with its key and for its endpoint", () => {
    const box = createSecretBox(Buffer.alloc(32, 1).toString("base64url"));
    const sealed = box.seal("ep_a", "whsec_abc");
    assert.ok(!sealed.includes("whsec_abc"));
    assert.equal(box.open("ep_a", sealed), "whsec_abc");
    assert.throws(() => box.open("ep_b", sealed));
    assert.throws(() => createSecretBox(Buffer.alloc(32, 2).toString("base64url")).open("ep_a", sealed));
  });

  it("parses ISO times and durations back from now", () => {
    assert.equal(parseSince("2h", 10_000_000), 10_000_000 - 7_200_000);
    assert.equal(parseSince("2026-01-01T00:00:00Z", 0), Date.UTC(2026, 0, 1));
    assert.equal(parseSince("yesterday", 0), null);
    assert.equal(parseSince("5w", 0), null);
  });
});
