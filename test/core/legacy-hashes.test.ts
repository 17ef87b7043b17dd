// test-databases: one
// Imported password hashes: werkzeug, bcrypt and Spring formats verify natively, within cost caps.
import assert from "node:assert/strict";
import { hash as argon2Hash } from "@node-rs/argon2";
import { hash as bcryptHash } from "@node-rs/bcrypt";
import { before, describe, it } from "node:test";
import { inspectHash } from "../../src/core/passwords/formats.js";
import { createPasswordHasher, type PasswordHasher } from "../../src/core/passwords/hasher.js";
import {
  committedFixtures,
  htpasswdBcrypt,
  type LegacyFixture,
  pythonBcrypt,
  springPbkdf2Hashes,
  toolMissing,
  werkzeugHashes,
} from "../helpers/legacy-hash-tools.js";

const PASSWORD = "correct horse battery";
const UNICODE = "pässwörd 密码 ✓";
const PARAMS = { memoryKib: 19456, iterations: 2 };
const newHasher = (concurrency = 2, queueMax = 16) => createPasswordHasher(PARAMS, { concurrency, queueMax });

/** Right password verifies, wrong one does not, the scheme is named and a rehash is due. */
async function checkFixture(hasher: PasswordHasher, { scheme, hash, password, madeBy }: LegacyFixture) {
  assert.deepEqual(inspectHash(hash), { ok: true, scheme }, `${madeBy}: ${hash}`);
  assert.equal(hasher.schemeOf(hash), scheme);
  assert.equal(await hasher.verify(hash, password), true, `${madeBy}: the right password verifies`);
  assert.equal(await hasher.verify(hash, `${password}x`), false, `${madeBy}: a wrong password is refused`);
  assert.equal(await hasher.verify(hash, password.slice(0, -1)), false, `${madeBy}: a prefix is refused`);
  assert.equal(hasher.needsRehash(hash), true, `${madeBy}: replaced by Argon2id at the first login`);
}

describe("imported hashes made by the originals' tools verify", () => {
  let hasher: PasswordHasher;
  before(async () => {
    hasher = await newHasher();
  });

  it("the committed fixtures (werkzeug, htpasswd, @node-rs/bcrypt, Java PBKDF2 as Spring lays it out)", async () => {
    const fixtures = committedFixtures();
    assert.ok(fixtures.length >= 11);
    for (const fixture of fixtures) await checkFixture(hasher, fixture);
  });

  it("werkzeug scrypt and pbkdf2 (sha256, sha1, sha512, and without a count), made now", async (t) => {
    const jobs: [string, string, string][] = [
      ["scrypt", PASSWORD, "scrypt"],
      ["scrypt:16384:8:2", UNICODE, "scrypt"],
      ["pbkdf2:sha256:1000", UNICODE, "pbkdf2-sha256"],
      ["pbkdf2:sha1:1000", PASSWORD, "pbkdf2-sha1"],
      ["pbkdf2:sha512:1000", UNICODE, "pbkdf2-sha512"],
      ["implied-count", PASSWORD, "pbkdf2-sha256"],
    ];
    const hashes = werkzeugHashes(jobs.map(([method, password]) => [method, password]));
    if (hashes === null) return toolMissing(t, "PYTHON'S WERKZEUG");
    assert.match(hashes[0] ?? "", /^scrypt:32768:8:1\$[A-Za-z0-9]{16}\$[0-9a-f]{128}$/);
    assert.match(hashes[5] ?? "", /^pbkdf2:sha256\$/);
    for (const [index, [method, password, scheme]] of jobs.entries()) {
      await checkFixture(hasher, { scheme, hash: hashes[index] ?? "", password, madeBy: `werkzeug ${method}` });
    }
  });

  it("bcrypt $2y$ from htpasswd and @node-rs/bcrypt, $2a$ and $2b$ from Python's bcrypt, and Spring's {bcrypt}", async (t) => {
    const native = await bcryptHash(PASSWORD, 5);
    await checkFixture(hasher, { scheme: "bcrypt", hash: native, password: PASSWORD, madeBy: "@node-rs/bcrypt" });
    const twoA = pythonBcrypt(UNICODE, 4, "2a");
    const twoB = pythonBcrypt(PASSWORD, 5, "2b");
    if (twoA === null || twoB === null) return toolMissing(t, "PYTHON'S BCRYPT (python3-bcrypt)");
    assert.match(twoA, /^\$2a\$04\$/);
    assert.match(twoB, /^\$2b\$05\$/);
    await checkFixture(hasher, { scheme: "bcrypt", hash: twoA, password: UNICODE, madeBy: "python bcrypt 2a" });
    await checkFixture(hasher, { scheme: "bcrypt", hash: twoB, password: PASSWORD, madeBy: "python bcrypt 2b" });
    await checkFixture(hasher, { scheme: "bcrypt", hash: `{bcrypt}${twoA}`, password: UNICODE, madeBy: "{bcrypt}" });
    const twoY = htpasswdBcrypt(PASSWORD, 10);
    if (twoY === null) return toolMissing(t, "HTPASSWD (apache2-utils)");
    assert.match(twoY, /^\$2y\$10\$/);
    await checkFixture(hasher, { scheme: "bcrypt", hash: twoY, password: PASSWORD, madeBy: "htpasswd -bnBC 10" });
  });

  it("Spring's {pbkdf2} and {pbkdf2@SpringSecurity_v5_8}, computed by the JDK's PBKDF2", async (t) => {
    const made = springPbkdf2Hashes(UNICODE);
    if (made === null) return toolMissing(t, "JAVA");
    const [v55, v58] = made;
    assert.match(v55, /^\{pbkdf2\}[0-9a-f]{80}$/);
    await checkFixture(hasher, { scheme: "pbkdf2-sha1", hash: v55, password: UNICODE, madeBy: "Java PBKDF2WithHmacSHA1" });
    await checkFixture(hasher, { scheme: "pbkdf2-sha256", hash: v58, password: UNICODE, madeBy: "Java PBKDF2WithHmacSHA256" });
  });

  it("Spring's {noop} (compared in constant time) and {argon2} (a PHC string)", async () => {
    await checkFixture(hasher, { scheme: "noop", hash: `{noop}${PASSWORD}`, password: PASSWORD, madeBy: "{noop}" });
    const phc = await argon2Hash(PASSWORD, { algorithm: 2, memoryCost: 16384, timeCost: 2, parallelism: 1 });
    await checkFixture(hasher, {
      scheme: "argon2id",
      hash: `{argon2@SpringSecurity_v5_8}${phc}`,
      password: PASSWORD,
      madeBy: "{argon2}",
    });
  });

  it("Argon2id: its own current hash needs no rehash; other parameters (p=4, say) verify and do", async () => {
    const own = await hasher.hash(PASSWORD);
    assert.deepEqual(inspectHash(own), { ok: true, scheme: "argon2id" });
    assert.equal(hasher.needsRehash(own), false);
    const other = await argon2Hash(PASSWORD, { algorithm: 2, memoryCost: 65536, timeCost: 3, parallelism: 4 });
    assert.equal(await hasher.verify(other, PASSWORD), true);
    assert.equal(await hasher.verify(other, "wrong"), false);
    assert.equal(hasher.needsRehash(other), true);
  });
});

/** A hash shaped like a real one of each kind, with the parameters given. */
const fakeHex = (digits: number) => "ab".repeat(digits / 2);
const BCRYPT_TAIL = "X/x3woRmoBbR10eBFv.4ce7iNsGTQZnzzpq.Ry7S0vaeUzBRuoJiS";
const ARGON2_TAIL = "c29tZXNhbHRzb21lc2FsdA$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE";
const scryptHash = (n: number, r: number, p: number) => `scrypt:${n}:${r}:${p}$salt$${fakeHex(128)}`;
const argon2 = (m: number, t: number, p: number) => `$argon2id$v=19$m=${m},t=${t},p=${p}$${ARGON2_TAIL}`;

describe("inspectHash refuses costs that would make a login a denial of service", () => {
  const refusals: [string, string, RegExp][] = [
    ["bcrypt cost 15", `$2b$15$${BCRYPT_TAIL}`, /bcrypt cost 15 exceeds the cap of 14/],
    ["{bcrypt} cost 31", `{bcrypt}$2a$31$${BCRYPT_TAIL}`, /bcrypt cost 31 exceeds the cap of 14/],
    ["scrypt N=2^21", scryptHash(2 ** 21, 1, 1), /scrypt N=2097152 exceeds the cap of 2\^20/],
    ["scrypt 512 MiB of memory", scryptHash(2 ** 19, 8, 1), /128·N·r = 512 MiB exceeds the cap of 256 MiB/],
    ["scrypt p=5 over 128 MiB", scryptHash(2 ** 17, 8, 5), /128·N·r·p = 640 MiB exceeds the cap of 512 MiB/],
    ["pbkdf2 2,000,001", `pbkdf2:sha256:2000001$salt$${fakeHex(64)}`, /pbkdf2 iterations 2000001 exceed the cap of 2000000/],
    ["argon2id m over 256 MiB", argon2(262_145, 1, 1), /m=262145 KiB exceeds the cap of 262144 KiB/],
    ["argon2id t=17", argon2(19456, 17, 1), /t=17 exceeds the cap of 16/],
    ["argon2id p=17", argon2(19456, 2, 17), /p=17 exceeds the cap of 16/],
    ["argon2id m·t", argon2(262_144, 3, 1), /m·t=786432 KiB exceeds the cap of 524288 KiB/],
  ];
  for (const [what, hash, reason] of refusals) {
    it(`refuses ${what}, naming the cap`, () => {
      const inspection = inspectHash(hash);
      assert.equal(inspection.ok, false);
      assert.match(inspection.ok ? "" : inspection.reason, reason);
    });
  }

  it("accepts what lies exactly at the caps", () => {
    for (const hash of [
      `$2b$14$${BCRYPT_TAIL}`,
      scryptHash(2 ** 20, 2, 1),
      scryptHash(2 ** 18, 8, 2),
      `pbkdf2:sha256:2000000$salt$${fakeHex(64)}`,
      argon2(262_144, 2, 16),
    ]) {
      assert.equal(inspectHash(hash).ok, true, hash);
    }
  });
});

describe("inspectHash refuses unknown and malformed hashes with a reason", () => {
  const refusals: [string, RegExp][] = [
    ["", /empty/],
    ["plaintext-password", /unknown password hash format/],
    ["x".repeat(1025), /longer than 1024/],
    [`$2x$10$${BCRYPT_TAIL}`, /\$2x\$.*not supported/],
    [`$argon2i$v=19$m=19456,t=2,p=1$${ARGON2_TAIL}`, /only argon2id/],
    [`$argon2id$v=16$m=19456,t=2,p=1$${ARGON2_TAIL}`, /malformed argon2id/],
    [`$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$${ARGON2_TAIL.split("$")[1]}`, /salt must be 8 to 64 bytes/],
    [`$argon2id$v=19$m=019456,t=2,p=1$${ARGON2_TAIL}`, /bad m, t or p/],
    [`$2b$10$${BCRYPT_TAIL.slice(1)}`, /malformed bcrypt/],
    [`$2b$03$${BCRYPT_TAIL}`, /below bcrypt's minimum/],
    [`$2b$10$${BCRYPT_TAIL.slice(1)}!`, /malformed bcrypt/],
    [`scrypt:32768:8:1$salt$${fakeHex(126)}`, /128 hex digits/],
    [`scrypt:32768:8:1$salt$${fakeHex(128).toUpperCase()}`, /lower-case hex/],
    [`scrypt:32768:8:1$salt$${fakeHex(127)}z`, /lower-case hex/],
    [`scrypt:30000:8:1$salt$${fakeHex(128)}`, /power of two/],
    [`scrypt:32768:8$salt$${fakeHex(128)}`, /expected scrypt:N:r:p/],
    [`scrypt:32768:8:1$$${fakeHex(128)}`, /salt must be/],
    [`scrypt:32768:8:1$salt`, /method\$salt\$hex/],
    [`pbkdf2:md5:1000$salt$${fakeHex(32)}`, /digest "md5" is not supported/],
    [`pbkdf2:sha256:1000$salt$${fakeHex(40)}`, /a sha256 hash has 64 hex digits/],
    [`pbkdf2:sha256:1e3$salt$${fakeHex(64)}`, /iteration count must be a positive integer/],
    [`pbkdf2:sha256:1000:1$salt$${fakeHex(64)}`, /expected pbkdf2:DIGEST:ITERATIONS/],
    ["{noop}", /empty password/],
    [`{MD5}${fakeHex(32)}`, /\{MD5\} encoder is not supported/],
    [`{pbkdf2}${fakeHex(96)}`, /default form only: 80 hex digits/],
    [`{pbkdf2@SpringSecurity_v5_8}${fakeHex(80)}`, /default form only: 96 hex digits/],
    ["{argon2}$argon2i$v=19$m=1,t=1,p=1$aaaa$bbbb", /argon2id hashes only/],
    ["{bcrypt", /expected \{id\}encoded/],
  ];
  for (const [hash, reason] of refusals) {
    it(`refuses ${JSON.stringify(hash.slice(0, 60))}`, () => {
      const inspection = inspectHash(hash);
      assert.equal(inspection.ok, false);
      assert.match(inspection.ok ? "" : inspection.reason, reason);
    });
  }
});

describe("verification runs off the event loop, through the hash pool and its limits", () => {
  /** The longest pause between 5 ms timer ticks while `work` runs, and how long it ran. */
  async function longestPause(work: () => Promise<unknown>): Promise<{ pause: number; took: number }> {
    let last = performance.now();
    let pause = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      pause = Math.max(pause, now - last);
      last = now;
    }, 5);
    const start = performance.now();
    try {
      await work();
      return { pause: Math.max(pause, performance.now() - last), took: performance.now() - start };
    } finally {
      clearInterval(timer);
    }
  }

  it("a timer keeps firing during a scrypt N=2^17 and a bcrypt cost 12 verification", async () => {
    const hasher = await newHasher();
    const salt = "eventLoopSalt";
    const { scrypt } = await import("node:crypto");
    const key = await new Promise<Buffer>((resolve, reject) =>
      scrypt(PASSWORD, salt, 64, { N: 2 ** 17, r: 8, p: 1, maxmem: 2 ** 28 }, (error, derived) =>
        error ? reject(error) : resolve(derived),
      ),
    );
    const scryptHash = `scrypt:131072:8:1$${salt}$${key.toString("hex")}`;
    const bcrypt12 = await bcryptHash(PASSWORD, 12);
    for (const hash of [scryptHash, bcrypt12]) {
      const { pause, took } = await longestPause(() => hasher.verify(hash, PASSWORD));
      assert.ok(took > 100, `${hash.slice(0, 20)}: the verification is slow enough to show blocking (${took} ms)`);
      assert.ok(pause < Math.min(80, took / 2), `${hash.slice(0, 20)}: the event loop paused ${pause} ms of ${took} ms`);
    }
  });

  it("every kind, refused hashes included, takes a pool slot; a full pool sheds the next one at once", async () => {
    const hasher = await newHasher(1, 0);
    const fixtures = committedFixtures();
    const kinds = [
      ["a refused hash", "md5$salt$0123", "any"],
      ["a missing user", null, "any"],
      ["{noop}", `{noop}${PASSWORD}`, PASSWORD],
      ...fixtures.map((fixture) => [fixture.madeBy, fixture.hash, fixture.password]),
    ] as const;
    for (const [what, hash, password] of kinds) {
      const verifying = hasher.verify(hash, password);
      assert.equal(hasher.saturated(), true, `${what}: holds the only slot while it runs`);
      await assert.rejects(hasher.verify(hash, password), { code: "service_unavailable" }, `${what}: the next is shed`);
      assert.equal(await verifying, hash !== null && inspectHash(hash).ok, what);
      assert.equal(hasher.saturated(), false, `${what}: the slot is released`);
    }
  });

  it("a refused hash answers false no sooner than a dummy Argon2id verification", async () => {
    const hasher = await newHasher();
    const time = async (hash: string | null) => {
      const start = performance.now();
      assert.equal(await hasher.verify(hash, PASSWORD), false);
      return performance.now() - start;
    };
    await time(null); // warm-up
    const [dummy, refused] = [await time(null), await time(`$2b$31$${BCRYPT_TAIL}`)];
    assert.ok(refused > dummy / 3, `a refused hash took ${refused} ms, a dummy verification ${dummy} ms`);
  });
});
