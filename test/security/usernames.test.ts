// test-databases: each
// Usernames are canonicalised once, uniquely, and format characters are refused
// (security S59).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { queryDatabase } from "../helpers/database.js";
import { type Client, createClient, decodeJws, login, passwordGrant } from "../helpers/oauth.js";
import { type Response, startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "correct horse battery";
const OTHER_PASSWORD = "staple tractor lantern";
const TAKEN = { code: 1, data: null, msg: "用户名已存在" };
const INVALID = { code: 1, data: null, msg: "用户名须为1到64个字符，且不能包含空白或控制字符" };

/** Registration through each front door; `taken` and `invalid` tell its two refusals apart. */
const DOORS = [
  {
    name: "jwt-extended",
    register: (gh: TestServer, username: string) =>
      gh.post("/api/auth/register", { json: { username, password: OTHER_PASSWORD } }),
    taken: (r: Response) => r.body?.msg === TAKEN.msg,
    invalid: (r: Response) => r.body?.msg === INVALID.msg,
  },
  {
    name: "jwt-auth",
    register: (gh: TestServer, uid: string) =>
      gh.post("/register", {
        json: { uid, email: `u${Math.random().toString(36).slice(2)}@example.com`, password: OTHER_PASSWORD },
      }),
    taken: (r: Response) => r.body?.uid?.[0] === "The uid has already been taken.",
    invalid: (r: Response) => r.body?.uid?.[0] === "The uid format is invalid.",
  },
  {
    name: "terminal",
    register: (gh: TestServer, username: string) => gh.post("/auth/register", { json: { username, password: OTHER_PASSWORD } }),
    taken: (r: Response) => r.body?.message === "fail, username has exists",
    invalid: (r: Response) => r.status === 401 && /username/.test(r.body?.message ?? "") && !/exists/.test(r.body?.message),
  },
];

describe("usernames are canonical and unique (security S59)", () => {
  let gh: TestServer;
  let web: Client;
  let aliceSub: string;
  const userCount = async () => (await queryDatabase(gh.databaseUrl, "select id from users")).length;

  before(async () => {
    gh = await startServer();
    web = await createClient(gh, "web");
    const registered = await gh.post("/api/auth/register", { json: { username: "alice", password: PASSWORD } });
    assert.equal(registered.body.code, 0, registered.text);
    aliceSub = decodeJws((await login(gh, web, "alice")).access_token).payload.sub;
  });
  after(() => gh.close());

  it("refuses Alice, ＡＬＩＣＥ, ａｌｉｃｅ and alice + ZWSP as taken or invalid at every door", async () => {
    const before = await userCount();
    for (const door of DOORS) {
      for (const variant of ["Alice", "ALICE", "ＡＬＩＣＥ", "ａｌｉｃｅ", "alice\u200b", "\u200balice", "al\u00adice"]) {
        const response = await door.register(gh, variant);
        assert.ok(door.taken(response) || door.invalid(response), `${door.name} ${JSON.stringify(variant)}: ${response.text}`);
      }
    }
    assert.equal(await userCount(), before, "no look-alike account was created");
  });

  it("refuses bidirectional overrides and other format characters as invalid, not as taken", async () => {
    for (const door of DOORS) {
      for (const name of ["ali\u202ece", "\u202eecila", "bob\u202e", "car\u200dol", "dan\u2066x", "eve\ufeff"]) {
        const response = await door.register(gh, name);
        assert.ok(door.invalid(response), `${door.name} ${JSON.stringify(name)}: ${response.text}`);
      }
    }
  });

  it("refuses the superscript ᴬᴸᴵᶜᴱ (as invalid, or as alice's name), never as a second account", async (t) => {
    const before = await userCount();
    for (const door of DOORS) {
      const response = await door.register(gh, "ᴬᴸᴵᶜᴱ");
      t.diagnostic(`${door.name}: ${response.status} ${response.text}`);
      assert.ok(door.taken(response) || door.invalid(response), `${door.name}: ${response.text}`);
    }
    assert.equal(await userCount(), before);
  });

  it("maps a compatibility name consistently: ᴮᴼᴮ and bob are one account or ᴮᴼᴮ is refused", async (t) => {
    const first = await DOORS[0]!.register(gh, "ᴮᴼᴮ");
    t.diagnostic(`register ᴮᴼᴮ: ${first.text}`);
    if (first.body.code !== 0) {
      assert.deepEqual(first.body, INVALID);
      return;
    }
    assert.deepEqual((await DOORS[0]!.register(gh, "bob")).body, TAKEN);
    const viaCompat = decodeJws((await login(gh, web, "ᴮᴼᴮ", OTHER_PASSWORD)).access_token).payload.sub;
    const viaPlain = decodeJws((await login(gh, web, "bob", OTHER_PASSWORD)).access_token).payload.sub;
    assert.equal(viaCompat, viaPlain);
  });

  it("logging in as ＡＬＩＣＥ or Alice reaches alice's account (same sub)", async () => {
    for (const variant of ["ＡＬＩＣＥ", "Alice", "ａｌｉｃｅ"]) {
      assert.equal(decodeJws((await login(gh, web, variant)).access_token).payload.sub, aliceSub, variant);
    }
  });

  it("logging in as alice never reaches a dotless-ı alıce account, nor the other way round", async () => {
    const dotless = await gh.post("/api/auth/register", { json: { username: "alıce", password: OTHER_PASSWORD } });
    if (dotless.body.code === 0) {
      const dotlessSub = decodeJws((await login(gh, web, "alıce", OTHER_PASSWORD)).access_token).payload.sub;
      assert.notEqual(dotlessSub, aliceSub);
    } else {
      assert.deepEqual(dotless.body, INVALID, "alıce is refused as invalid, or is an account of its own");
    }
    assert.equal((await passwordGrant(gh, web, "alice", OTHER_PASSWORD)).status, 400);
    assert.equal((await passwordGrant(gh, web, "alıce", PASSWORD)).status, 400);
    assert.equal(decodeJws((await login(gh, web, "alice")).access_token).payload.sub, aliceSub);
  });

  it("keeps exactly one row per canonical name", async () => {
    const rows = await queryDatabase<{ username_canonical: string }>(gh.databaseUrl, "select username_canonical from users");
    const names = rows.map((row) => row.username_canonical);
    assert.equal(new Set(names).size, names.length);
    assert.equal(names.filter((name) => name === "alice").length, 1);
  });
});
