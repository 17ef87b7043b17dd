import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ClientRecord } from "../core/index.js";
import type { RouteSchema } from "./schemas.js";

/**
 * Cross-origin access for browser apps (single-page apps of the code flow). Nothing here uses
 * cookies, so no response allows credentials. The token endpoint answers a page's origin only
 * when it is the origin of one of the calling client's redirect URIs, so that no other site's
 * script can read what a password or code exchange returned; the documents that are public
 * anyway, and UserInfo, which needs a bearer token, answer every origin.
 */

const originOf = (uri: string): string | null => {
  try {
    const origin = new URL(uri).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
};

/** Lets the page at `Origin` read this token response, if the client registered that origin. */
export function allowClientOrigin(request: FastifyRequest, reply: FastifyReply, client: ClientRecord): void {
  const origin = request.headers.origin;
  if (typeof origin !== "string") return;
  reply.header("vary", "origin");
  if (client.redirectUris.some((uri) => originOf(uri) === origin)) reply.header("access-control-allow-origin", origin);
}

/** Lets any page read this response (public documents; bearer-protected UserInfo). */
export const allowAnyOrigin = (reply: FastifyReply): FastifyReply => reply.header("access-control-allow-origin", "*");

/**
 * Answers CORS preflights for the bearer-protected endpoints browser apps call with an
 * `Authorization` header (UserInfo). The token endpoint has none: a browser app is a public
 * client, whose form-urlencoded POST needs no preflight, and a client with a secret has no
 * business in a browser.
 */
export function registerPreflights(app: FastifyInstance, paths: readonly string[], schema: RouteSchema): void {
  for (const path of paths) {
    app.options(path, { schema }, (request, reply) => {
      const origin = request.headers.origin;
      if (typeof origin === "string") reply.header("access-control-allow-origin", origin).header("vary", "origin");
      return reply
        .code(204)
        .header("access-control-allow-methods", "GET, POST")
        .header("access-control-allow-headers", "authorization, content-type")
        .header("access-control-max-age", "600")
        .send();
    });
  }
}
