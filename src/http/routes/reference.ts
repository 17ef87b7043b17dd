import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { allowAnyOrigin } from "../cors.js";
import { empty, json, media, nativeErrors, object, redirect, type RouteSchema, STRING } from "../schemas.js";

/**
 * The reference page's policy: Swagger UI's own scripts and styles from our origin, the
 * document fetched from it (and "try it out" requests to it), its icons as `data:` images.
 * No inline script, no other origin, never framed.
 */
export const REFERENCE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TAG = "reference";
const DOCUMENT = { type: "object", description: "this OpenAPI 3.1 document" };
const NOT_MODIFIED = empty("not modified since the copy the client has (`ETag`, `Last-Modified`)");

/** The reference is rate-limited like every route; its errors are the native ones (docs/errors.md). */
const ERRORS = nativeErrors([429, 500]);

const page = (summary: string, schema: RouteSchema): RouteSchema => ({
  summary,
  ...schema,
  response: { ...(schema.response as object), ...ERRORS },
});

/**
 * What each route of `@fastify/swagger-ui` answers, by its path: the plugin registers them
 * undocumented, and every route of ours is in the document.
 */
const UI_ROUTES: Record<string, RouteSchema> = {
  "/docs": page("The browsable API reference", {
    response: { 200: media("Swagger UI on this document; its files come from Gatehouse itself", "text/html") },
  }),
  "/docs/static/index.html": page("The reference page, by its file name", {
    response: { 302: redirect("to the reference page") },
  }),
  "/docs/static/swagger-initializer.js": page("The script that starts Swagger UI", {
    response: { 200: media("the script, with this document's address", "application/javascript") },
  }),
  "/docs/json": page("This document, as the reference page reads it", {
    response: { 200: json("the same document as `/openapi.json`", DOCUMENT) },
  }),
  "/docs/yaml": page("This document in YAML", { response: { 200: media("the document", "application/x-yaml") } }),
  "/docs/static/*": page("Swagger UI's files", {
    params: object({ "*": STRING }),
    response: {
      200: {
        description: "a file of Swagger UI: scripts, styles, icons",
        content: Object.fromEntries(
          ["application/javascript", "text/css", "text/html", "image/png", "image/svg+xml", "application/json"].map((type) => [
            type,
            { schema: STRING },
          ]),
        ),
      },
      304: NOT_MODIFIED,
    },
  }),
};

/** `/openapi.json`, generated from the route schemas, and the reference page on it at `/docs`. */
export async function referenceRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    "/openapi.json",
    {
      schema: {
        tags: [TAG],
        summary: "The OpenAPI 3.1 document of every route",
        response: { 200: json("this document", DOCUMENT), ...ERRORS },
      },
    },
    async (_request, reply) => allowAnyOrigin(reply).header("cache-control", "public, max-age=300").send(app.swagger()),
  );
  await app.register(async (scope) => {
    scope.addHook("onRoute", (route) => {
      const documented = UI_ROUTES[route.url];
      if (documented) route.schema = { ...documented, tags: [TAG] };
    });
    scope.addHook("onSend", (_request, reply, payload, done) => {
      reply.header("content-security-policy", REFERENCE_CSP);
      done(null, payload);
    });
    await scope.register(swaggerUi, {
      routePrefix: "/docs",
      // Without Swagger UI's top bar, whose logo would need an inline style, and without its
      // validator badge, which would fetch from elsewhere.
      uiConfig: { deepLinking: true, validatorUrl: null, layout: "BaseLayout" },
      theme: { title: "Gatehouse API reference" },
    });
  });
}
