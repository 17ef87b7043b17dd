// test-databases: one
// Route schemas document; they never change a request or an answer (docs/openapi.md): a
// response schema that leaves out a member or types it otherwise does not drop or coerce it,
// and an input schema that the request breaks still lets the handler see the request as sent.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { registerOpenApi } from "../../src/http/openapi.js";
import { INTEGER, json, object, STRING } from "../../src/http/schemas.js";

describe("route schemas are documentation only", () => {
  let app: FastifyInstance;
  before(async () => {
    app = Fastify();
    await registerOpenApi(app, [{ name: "probe", description: "a route of this test" }]);
    app.post(
      "/probe/:id",
      {
        schema: {
          tags: ["probe"],
          params: object({ id: INTEGER }),
          querystring: object({ limit: INTEGER }),
          body: object({ name: STRING, count: INTEGER }),
          response: { 200: json("the echo", object({ count: INTEGER })) },
        },
      },
      async (request) => ({
        count: "7",
        undeclared: true,
        params: request.params,
        query: request.query,
        body: request.body,
      }),
    );
    await app.ready();
  });
  after(() => app.close());

  it("answers exactly what the handler returned, members and types as they were", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/probe/abc?limit=ten&extra=1",
      payload: { count: "not a number", other: [1] },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(
      response.body,
      JSON.stringify({
        count: "7",
        undeclared: true,
        params: { id: "abc" },
        query: { limit: "ten", extra: "1" },
        body: { count: "not a number", other: [1] },
      }),
    );
  });

  it("still documents what the route declared", () => {
    const document = app.swagger() as unknown as {
      paths: Record<string, Record<string, { parameters: { name: string }[]; requestBody: unknown; responses: object }>>;
    };
    const operation = document.paths["/probe/{id}"]?.post;
    assert.ok(operation);
    assert.deepEqual(operation.parameters.map((parameter) => parameter.name).sort(), ["id", "limit"]);
    assert.ok(operation.requestBody);
    assert.deepEqual(Object.keys(operation.responses), ["200"]);
  });
});
