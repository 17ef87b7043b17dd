// test-databases: one
// The OpenAPI document (docs/openapi.md): it is valid OpenAPI 3.1, every route registered in
// the app is in it with each of its methods and declares its answers, each dialect's routes
// are under the dialect's own tag, and the check the test servers run on every answer does
// catch an answer that does not fit.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { DIALECTS } from "../../src/dialects/index.js";
import { NATIVE_TAGS } from "../../src/http/openapi.js";
import {
  conformanceOf,
  type Document as Paths,
  documentPath,
  mismatchOf,
  type RegisteredRoute,
} from "../helpers/openapi-conformance.js";
import { startServer, type TestServer } from "../helpers/server.js";

type Document = Paths & { openapi: string; tags: { name: string }[] };

/** The admin console's pages and files are routes, but not API: hidden from the document on purpose. */
const isHidden = (route: RegisteredRoute) =>
  (route.options.schema as { hide?: boolean } | undefined)?.hide === true && route.url.startsWith("/console");

describe("GET /openapi.json", () => {
  let server: TestServer;
  let document: Document;
  before(async () => {
    server = await startServer();
    const response = await server.request("GET", "/openapi.json");
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    document = response.body;
  });
  after(() => server.close());

  it("is a valid OpenAPI 3.1 document", async () => {
    assert.equal(document.openapi, "3.1.0");
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    assert.deepEqual(result, { valid: true });
    assert.equal(validator.version, "3.1");
  });

  it("has every route registered in the app, with each of its methods (HEAD and hidden routes aside)", () => {
    const routes = conformanceOf(server.server.app).routes.filter((route) => route.method !== "HEAD" && !isHidden(route));
    assert.ok(routes.length > 40, `found ${routes.length} routes`);
    const missing = routes
      .filter((route) => !document.paths[documentPath(route.url)]?.[route.method.toLowerCase()])
      .map((route) => `${route.method} ${route.url}`);
    assert.deepEqual(missing, []);
  });

  it("has no operation that no route answers", () => {
    const registered = new Set(
      conformanceOf(server.server.app).routes.map((route) => `${route.method.toLowerCase()} ${documentPath(route.url)}`),
    );
    const extra = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .map((method) => `${method} ${path}`)
        .filter((operation) => !registered.has(operation)),
    );
    assert.deepEqual(extra, []);
  });

  it("serves the admin console's routes, hidden: none of them is in the document", () => {
    const hidden = conformanceOf(server.server.app).routes.filter(isHidden);
    assert.ok(
      hidden.some((route) => route.url === "/console/*"),
      "the console is built and served (npm run build)",
    );
    assert.deepEqual(
      hidden.filter((route) => !/^\/console(\/|$)/.test(route.url)).map((route) => route.url),
      [],
    );
    assert.deepEqual(
      Object.keys(document.paths).filter((path) => path.startsWith("/console")),
      [],
    );
  });

  it("every route declares at least one response schema", () => {
    const undeclared = conformanceOf(server.server.app)
      .routes.filter((route) => route.method !== "HEAD" && !isHidden(route))
      .filter((route) => Object.keys((route.options.schema?.response as object | undefined) ?? {}).length === 0)
      .map((route) => `${route.method} ${route.url}`);
    assert.deepEqual(undeclared, []);
  });

  it("files every operation under a declared tag, each dialect's under its own name", () => {
    const declared = document.tags.map((tag) => tag.name);
    assert.deepEqual(declared, [...NATIVE_TAGS.map((tag) => tag.name), ...DIALECTS.map((dialect) => dialect.name)]);
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ name: `${method} ${path}`, tags: operation.tags ?? [] })),
    );
    assert.deepEqual(
      operations.filter((operation) => operation.tags.length !== 1 || !declared.includes(operation.tags[0] ?? "")),
      [],
    );
    for (const dialect of DIALECTS) {
      const own = operations.filter((operation) => operation.tags[0] === dialect.name).map((operation) => operation.name);
      assert.ok(own.length >= 4, `${dialect.name}: ${own.join(", ")}`);
    }
    const tagOf = (method: string, path: string) => document.paths[path]?.[method]?.tags?.[0];
    assert.equal(tagOf("post", "/api/auth/login"), "jwt-extended");
    assert.equal(tagOf("get", "/refreshToken"), "jwt-auth");
    assert.equal(tagOf("post", "/auth/login"), "terminal");
    assert.equal(tagOf("get", "/oauth/check_token"), "spring-oauth");
    assert.equal(tagOf("post", "/oauth/token"), "oauth");
  });

  it("documents the members a dialect adds to the token response", () => {
    const operation = document.paths["/oauth/token"]?.post as unknown as {
      responses: { 200: { content: { "application/json": { schema: { properties: Record<string, unknown> } } } } };
    };
    const members = Object.keys(operation.responses[200].content["application/json"].schema.properties);
    assert.deepEqual(members, [
      "access_token",
      "token_type",
      "expires_in",
      "refresh_token",
      "scope",
      "id_token",
      "id",
      "email",
      "username",
    ]);
  });

  it("the answer check catches a body, a status, a media type and a route the document does not have", () => {
    const answer = { route: "/healthz", method: "GET", status: 200, contentType: "application/json; charset=utf-8" };
    assert.equal(mismatchOf(document, { ...answer, payload: '{"status":"ok"}' }), null);
    assert.match(mismatchOf(document, { ...answer, payload: '{"status":"ok","extra":1}' }) ?? "", /must NOT have additional/);
    assert.match(
      mismatchOf(document, { ...answer, payload: '{"status":"down"}' }) ?? "",
      /must be equal to one of the allowed values/,
    );
    assert.match(mismatchOf(document, { ...answer, status: 418, payload: "" }) ?? "", /status 418 is not documented/);
    assert.match(mismatchOf(document, { ...answer, contentType: "text/html", payload: "" }) ?? "", /media type "text\/html"/);
    assert.match(mismatchOf(document, { ...answer, route: "/nowhere", payload: "" }) ?? "", /not in the document/);
    const revoke = { route: "/oauth/revoke", method: "POST", status: 200, contentType: null };
    assert.equal(mismatchOf(document, { ...revoke, payload: "" }), null);
    assert.match(mismatchOf(document, { ...revoke, payload: "{}" }) ?? "", /without a body/);
  });

  it("the test servers check every answer they give, a dialect's and a hosted page's too", async () => {
    const conformance = conformanceOf(server.server.app);
    const before = conformance.checked;
    assert.equal((await server.post("/api/auth/login", { json: {} })).status, 200);
    assert.equal((await server.request("GET", "/oauth/authorize?client_id=nobody")).status, 400);
    assert.equal((await server.request("GET", "/no/such/route")).status, 404);
    assert.equal(conformance.checked, before + 2, "every answer of a route is checked; one of no route is not");
    assert.deepEqual(conformance.mismatches, []);
  });
});
