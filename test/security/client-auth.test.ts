// test-databases: each
// invalid_client answers: an unknown client and a wrong secret are indistinguishable, at every
// endpoint that authenticates clients, with Basic and with form credentials (security S49);
// and the token endpoint takes credentials only from the header or body, and bodies only as forms (48, 50).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { basic, type Client, createClient } from "../helpers/oauth.js";
import { type Response, startServer, type TestServer } from "../helpers/server.js";

/** Headers that legitimately differ between two answers: the time and a per-request id. */
const PER_REQUEST = new Set(["date", "x-request-id", "request-id"]);

/** Everything a client sees of an answer but the per-request headers. */
const seen = (response: Response) => ({
  status: response.status,
  body: response.text,
  headers: [...response.headers.entries()].filter(([name]) => !PER_REQUEST.has(name)).sort(),
});

const ENDPOINTS: [string, Record<string, string>][] = [
  ["/oauth/token", { grant_type: "client_credentials" }],
  ["/oauth/token", { grant_type: "password", username: "nobody", password: "correct horse battery" }],
  ["/oauth/introspect", { token: "a.b.c" }],
  ["/oauth/revoke", { token: "a.b.c" }],
];

describe("invalid_client is one answer for an unknown client and a wrong secret (security S49)", () => {
  let gh: TestServer;
  let web: Client;
  before(async () => {
    gh = await startServer();
    web = await createClient(gh, "web", { grants: ["password", "client_credentials"] });
  });
  after(() => gh.close());

  const viaBasic = (path: string, form: Record<string, string>, id: string, secret: string) =>
    gh.post(path, { form, headers: { authorization: basic(id, secret) } });
  const viaForm = (path: string, form: Record<string, string>, fields: Record<string, string>) =>
    gh.post(path, { form: { ...form, ...fields } });

  it("with Basic: 401, identical body and headers, and a Basic challenge", async () => {
    for (const [path, form] of ENDPOINTS) {
      const wrong = await viaBasic(path, form, "web", "w".repeat(43));
      const short = await viaBasic(path, form, "web", "x");
      const unknown = await viaBasic(path, form, "no-such-client", "w".repeat(43));
      assert.equal(wrong.status, 401, `${path}: ${wrong.text}`);
      assert.equal(JSON.parse(wrong.text).error, "invalid_client");
      assert.match(wrong.headers.get("www-authenticate") ?? "", /^Basic /, path);
      assert.deepEqual(seen(unknown), seen(wrong), `${path}: unknown client vs wrong secret`);
      assert.deepEqual(seen(short), seen(wrong), `${path}: short vs long wrong secret`);
    }
  });

  it("with form credentials: 401, identical body and headers", async () => {
    for (const [path, form] of ENDPOINTS) {
      const wrong = await viaForm(path, form, { client_id: "web", client_secret: "w".repeat(43) });
      const unknown = await viaForm(path, form, { client_id: "no-such-client", client_secret: "w".repeat(43) });
      const short = await viaForm(path, form, { client_id: "web", client_secret: "x" });
      assert.equal(wrong.status, 401, `${path}: ${wrong.text}`);
      assert.equal(JSON.parse(wrong.text).error, "invalid_client");
      assert.deepEqual(seen(unknown), seen(wrong), `${path}: unknown client vs wrong secret`);
      assert.deepEqual(seen(short), seen(wrong), `${path}: short vs long wrong secret`);
    }
  });

  it("a confidential client named without its secret answers like an unknown client named alone", async () => {
    for (const [path, form] of ENDPOINTS) {
      const confidential = await viaForm(path, form, { client_id: "web" });
      const unknown = await viaForm(path, form, { client_id: "no-such-client" });
      assert.equal(confidential.status, 401, `${path}: ${confidential.text}`);
      assert.deepEqual(seen(unknown), seen(confidential), path);
    }
  });

  it("the right secret works at each endpoint (the control)", async () => {
    for (const [path, form] of ENDPOINTS) {
      const response = await viaBasic(path, form, "web", web.secret!);
      assert.notEqual(response.status, 401, `${path}: ${response.text}`);
    }
  });
});

describe("the token endpoint's own input rules (security S48, S50)", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer();
    const registered = await gh.post("/api/auth/register", {
      json: { username: "input-rules", password: "correct horse battery" },
    });
    assert.equal(registered.body.code, 0, registered.text);
  });
  after(() => gh.close());

  const grant = { grant_type: "password", username: "input-rules", password: "correct horse battery" };

  it("never takes client credentials from the query string", async () => {
    const response = await gh.post("/oauth/token?client_id=watup&client_secret=watup", { form: grant });
    assert.equal(response.status, 401, response.text);
    assert.equal(response.body.error, "invalid_client");
  });

  it("takes form-urlencoded bodies only: the same grant as JSON → 415", async () => {
    const control = await gh.post("/oauth/token", { form: { ...grant, client_id: "watup", client_secret: "watup" } });
    assert.equal(control.status, 200, control.text);
    const json = await gh.post("/oauth/token", { json: { ...grant, client_id: "watup", client_secret: "watup" } });
    assert.equal(json.status, 415, json.text);
    assert.equal(json.body.error, "unsupported_media_type");
  });
});
