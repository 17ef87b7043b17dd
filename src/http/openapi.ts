import { readFileSync } from "node:fs";
import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";

/** A tag of the document: a group of routes with one line that says what they are. */
export type Tag = { name: string; description: string };

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

/**
 * Makes route schemas documentation only, then collects them into the OpenAPI 3.1 document
 * (`app.swagger()`, served at `/openapi.json`). Must run before any route is added.
 *
 * - Every handler validates its own input and words its errors in its front door's wire
 *   format, so the validator compiler accepts everything: a declared `body` or `querystring`
 *   changes nothing that reaches the handler.
 * - Every answer is serialized with `JSON.stringify`, as it is without a schema: a response
 *   schema never drops a member nor coerces a value.
 */
export async function registerOpenApi(app: FastifyInstance, tags: readonly Tag[]): Promise<void> {
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(swagger, {
    // A prefix's root answers with and without the slash; it is documented without.
    transform: ({ schema, url }) => ({ schema, url: url.length > 1 ? url.replace(/\/$/, "") : url }),
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Gatehouse",
        version,
        description:
          "Accounts, sessions and tokens behind standard OAuth 2.0 and OpenID Connect endpoints, a native " +
          "self-service API, and wire-compatible dialects of legacy auth APIs, each under a tag of its own. " +
          'Errors on the native and OAuth routes are `{"error", "error_description"}`; each dialect ' +
          "answers in its own wire format.",
      },
      tags: [...tags],
      components: {
        securitySchemes: {
          bearer: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "JWT",
            description: "An access token (the admin API: with gatehouse:admin)",
          },
        },
      },
    },
  });
}

/** Files every route registered in `scope` (and its children) under `tag`, beside any tag it names. */
export function tagRoutes(scope: FastifyInstance, tag: string): void {
  scope.addHook("onRoute", (route) => {
    const tags = route.schema?.tags ?? [];
    route.schema = { ...route.schema, tags: tags.includes(tag) ? tags : [tag, ...tags] };
  });
}

/** The tags of the routes outside the dialects; each dialect's routes go under its name. */
export const NATIVE_TAGS: readonly Tag[] = [
  { name: "oauth", description: "OAuth 2.0: token (RFC 6749), introspection (RFC 7662), revocation (RFC 7009)" },
  { name: "openid-connect", description: "OpenID Connect: the authorization endpoint, its hosted pages, UserInfo, logout" },
  { name: "discovery", description: "Metadata (RFC 8414, OpenID Connect Discovery) and the public signing keys" },
  { name: "health", description: "Liveness and readiness probes" },
  { name: "self-service", description: "The native API for a signed-in user's own account" },
  { name: "reference", description: "This document and the browsable reference on it" },
  {
    name: "admin",
    description: "The admin API: accounts, roles and permissions, clients, keys, the audit log (docs/admin-api.md)",
  },
];
