// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type RequestOptions, type Response, startServer, type TestServer } from "../helpers/server.js";

// The jwt-auth dialect (Lumen + tymon/jwt-auth): registration, login, /me, and how bodies are read.

const PASSWORD = "correct horse battery";
const DAY = 86_400;
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

const ok = (data: unknown) => ({ success: true, message: "Success.", data });
const NOT_FOUND = { success: false, message: "Not found", data: [] };
const required = (field: string) => [`The ${field} field is required.`];
const notString = (field: string) => [`The ${field} must be a string.`];

function expectBody(response: Response, status: number, body: unknown): void {
  assert.equal(response.status, status, response.text);
  assert.deepEqual(response.body, body);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
}

/** Insists on the documented token envelope and returns the access token. */
function expectToken(response: Response): string {
  const token = response.body?.data?.access_token;
  expectBody(response, 200, ok({ access_token: token, token_type: "bearer", expires_in: 2 * DAY }));
  assert.match(token, JWT);
  return token;
}

const me = (gh: TestServer, token: string) => gh.request("GET", "/me", { headers: { authorization: `Bearer ${token}` } });

/** The account a token belongs to, read back through GET /me. */
async function expectMe(gh: TestServer, token: string, uid: string, email: string | null): Promise<void> {
  expectBody(await me(gh, token), 200, ok({ uid, email }));
}

describe("jwt-auth registration (POST /register)", () => {
  let gh: TestServer;
  const register = (json: unknown) => gh.post("/register", { json });
  before(async () => {
    gh = await startServer();
  });
  after(() => gh.close());

  it("registers with a JSON body and logs the new user in", async () => {
    const token = expectToken(await register({ uid: "bob", email: "bob@example.com", password: PASSWORD }));
    await expectMe(gh, token, "bob", "bob@example.com");
  });

  it("reports every missing field at once, as a bare map", async () => {
    const all = { uid: required("uid"), email: required("email"), password: required("password") };
    expectBody(await register({}), 422, all);
    expectBody(await gh.post("/register"), 422, all);
    expectBody(await register({ uid: "", email: null, password: "" }), 422, all);
    expectBody(await register({ email: "x@example.com", password: PASSWORD }), 422, { uid: required("uid") });
    expectBody(await register({ uid: "reg_anna", password: PASSWORD }), 422, { email: required("email") });
    const noPassword = await register({ uid: "reg_anna", email: "anna@example.com" });
    expectBody(noPassword, 422, { password: required("password") });
    expectBody(await gh.post("/register", { form: { uid: "reg_anna" } }), 422, {
      email: required("email"),
      password: required("password"),
    });
  });

  it("refuses a taken uid in any case, and a taken email", async () => {
    for (const uid of ["bob", "BOB", "Bob"]) {
      const response = await register({ uid, email: `${uid}2@example.com`, password: PASSWORD });
      expectBody(response, 422, { uid: ["The uid has already been taken."] });
    }
    const email = await register({ uid: "reg_bobby", email: "BOB@example.com", password: PASSWORD });
    expectBody(email, 422, { email: ["The email has already been taken."] });
  });

  it("refuses malformed emails and uids", async () => {
    for (const email of ["not-an-email", "bob@", "@example.com", "b o b@example.com"]) {
      const response = await register({ uid: "reg_carl", email, password: PASSWORD });
      expectBody(response, 422, { email: ["The email must be a valid email address."] });
    }
    for (const uid of ["reg carl", "c".repeat(65), "tab\tuid"]) {
      const response = await register({ uid, email: "carl@example.com", password: PASSWORD });
      expectBody(response, 422, { uid: ["The uid format is invalid."] });
    }
  });

  it("applies the password policy", async () => {
    const cases: [string, string][] = [
      ["short1", "The password must be at least 8 characters."],
      ["x".repeat(129), "The password may not be greater than 128 characters."],
      ["password123", "The password is too common or contains the uid."],
      ["reg_dora-secret-9", "The password is too common or contains the uid."],
    ];
    for (const [password, message] of cases) {
      expectBody(await register({ uid: "reg_dora", email: "dora@example.com", password }), 422, { password: [message] });
    }
    // None of the refusals created the account.
    expectToken(await register({ uid: "reg_dora", email: "dora@example.com", password: PASSWORD }));
  });

  it("answers a field of the wrong type with 422, never a 500", async () => {
    const base = { uid: "reg_emil", email: "emil@example.com", password: PASSWORD };
    for (const uid of [["reg_emil"], { name: "reg_emil" }, 42, true]) {
      expectBody(await register({ ...base, uid }), 422, { uid: notString("uid") });
    }
    expectBody(await register({ ...base, email: ["emil@example.com"] }), 422, { email: notString("email") });
    expectBody(await register({ ...base, password: 12345678 }), 422, { password: notString("password") });
    // Wrong types and missing fields are reported together.
    expectBody(await register({ uid: 7 }), 422, {
      uid: notString("uid"),
      email: required("email"),
      password: required("password"),
    });
    // A repeated form field is not a string either.
    const repeated = await gh.post("/register", { form: `uid=reg_emil&uid=x&email=emil@example.com&password=${PASSWORD}` });
    expectBody(repeated, 422, { uid: notString("uid") });
  });

  it("reads input from a form body, the query string, or both", async () => {
    const form = await gh.post("/register", { form: { uid: "reg_form", email: "form@example.com", password: PASSWORD } });
    await expectMe(gh, expectToken(form), "reg_form", "form@example.com");

    const mixed = await gh.post("/register?uid=reg_mixed", { form: { email: "mixed@example.com", password: PASSWORD } });
    await expectMe(gh, expectToken(mixed), "reg_mixed", "mixed@example.com");

    const query = new URLSearchParams({ uid: "reg_query", email: "query@example.com", password: PASSWORD });
    await expectMe(gh, expectToken(await gh.post(`/register?${query}`)), "reg_query", "query@example.com");

    // Where both name a field, the body wins.
    const both = await gh.post("/register?uid=reg_loser", {
      json: { uid: "reg_winner", email: "winner@example.com", password: PASSWORD },
    });
    await expectMe(gh, expectToken(both), "reg_winner", "winner@example.com");
    const loser = await gh.post("/login", { json: { uid: "reg_loser", password: PASSWORD } });
    expectBody(loser, 404, NOT_FOUND);
  });

  it("answers malformed, non-object and oversized bodies in the envelope, never a 500", async () => {
    const expectFailure = (response: Response, status: number) => {
      assert.equal(response.status, status, response.text);
      assert.equal(response.body.success, false);
      assert.deepEqual(response.body.data, []);
      assert.equal(typeof response.body.message, "string");
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    };
    const json = (raw: string): RequestOptions => ({ raw, contentType: "application/json" });
    expectFailure(await gh.post("/register", json('{"uid": "reg_frank", ')), 400);
    expectFailure(await gh.post("/login", json("{uid: bob}")), 400);
    expectFailure(await register([{ uid: "reg_frank", email: "frank@example.com", password: PASSWORD }]), 400);
    expectFailure(await gh.post("/register", json('{"__proto__": {"polluted": true}, "uid": "reg_frank"}')), 400);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    expectFailure(await gh.post("/register", { raw: "uid=reg_frank", contentType: "text/plain" }), 415);

    const big = { uid: "reg_frank", email: "frank@example.com", password: PASSWORD, pad: "x".repeat(17 * 1024) };
    expectFailure(await register(big), 413);
    expectFailure(await gh.post("/login", { form: { uid: "bob", password: PASSWORD, pad: "y".repeat(17 * 1024) } }), 413);
    // Nothing above created the account.
    expectToken(await register({ uid: "reg_frank", email: "frank@example.com", password: PASSWORD }));
  });
});

describe("jwt-auth login (POST /login) and GET /me", () => {
  let gh: TestServer;
  const login = (json: unknown) => gh.post("/login", { json });
  before(async () => {
    gh = await startServer();
    expectToken(await gh.post("/register", { json: { uid: "bob", email: "bob@example.com", password: PASSWORD } }));
    expectToken(await gh.post("/register", { json: { uid: "carol", email: "carol@example.com", password: PASSWORD } }));
  });
  after(() => gh.close());

  it("logs in with a JSON body; the token shows the account on /me", async () => {
    const token = expectToken(await login({ uid: "bob", password: PASSWORD }));
    expectBody(await me(gh, token), 200, { success: true, message: "Success.", data: { uid: "bob", email: "bob@example.com" } });
    // The uid is matched without regard to case; /me shows it as registered.
    await expectMe(gh, expectToken(await login({ uid: "BOB", password: PASSWORD })), "bob", "bob@example.com");
  });

  it("reads the credentials from a form body, the query string, or both", async () => {
    await expectMe(
      gh,
      expectToken(await gh.post("/login", { form: { uid: "bob", password: PASSWORD } })),
      "bob",
      "bob@example.com",
    );
    const query = new URLSearchParams({ uid: "carol", password: PASSWORD });
    await expectMe(gh, expectToken(await gh.post(`/login?${query}`)), "carol", "carol@example.com");
    const mixed = await gh.post("/login?uid=carol", { form: { password: PASSWORD } });
    await expectMe(gh, expectToken(mixed), "carol", "carol@example.com");
  });

  it("reports missing or non-string fields as a 422 map, without an email key", async () => {
    expectBody(await login({}), 422, { uid: required("uid"), password: required("password") });
    expectBody(await login({ uid: "bob" }), 422, { password: required("password") });
    expectBody(await gh.post("/login", { form: { password: PASSWORD } }), 422, { uid: required("uid") });
    expectBody(await login({ uid: "bob", password: "" }), 422, { password: required("password") });
    expectBody(await login({ uid: ["bob"], password: PASSWORD }), 422, { uid: notString("uid") });
    expectBody(await login({ uid: "bob", password: { p: PASSWORD } }), 422, { password: notString("password") });
  });
});
