import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Core } from "../../core/index.js";
import { allowAnyOrigin, registerPreflights } from "../cors.js";
import { USERINFO_PREFLIGHT_SCHEMA, userInfoSchema } from "./schemas.js";

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

/** RFC 6750 §3: the challenge names the error; 401 for a bad token, 403 for a missing scope. */
function refuse(reply: FastifyReply, error: "invalid_request" | "invalid_token" | "insufficient_scope", description: string) {
  const status = error === "insufficient_scope" ? 403 : error === "invalid_request" ? 400 : 401;
  const challenge = `Bearer realm="gatehouse", error="${error}", error_description="${description}"`;
  return reply.code(status).header("www-authenticate", challenge).send({ error, error_description: description });
}

/**
 * OIDC Core §5.3: GET and POST, the access token from `Authorization: Bearer` only (RFC 6750
 * §2.1; never the query string, where logs keep it).
 */
export async function userInfoRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    allowAnyOrigin(reply);
    const match = BEARER.exec(request.headers.authorization ?? "");
    if (!match?.[1]) return refuse(reply, "invalid_token", "a bearer access token is required");
    const result = await core.userInfo(match[1]);
    if ("error" in result) {
      const description = result.error === "insufficient_scope" ? "the token was not granted openid" : "the token is not valid";
      return refuse(reply, result.error, description);
    }
    return reply.send(result.claims);
  };
  registerPreflights(app, ["/oauth/userinfo"], USERINFO_PREFLIGHT_SCHEMA);
  app.get("/oauth/userinfo", { schema: userInfoSchema(false) }, handler);
  app.post("/oauth/userinfo", { schema: userInfoSchema(true) }, handler);
}
