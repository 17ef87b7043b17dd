import type { FastifyRequest } from "fastify";
import type { RequestMeta } from "../core/context.js";

/** The caller's address (as `TRUST_PROXY` allows) and user agent, for sessions and audit. */
export const requestMeta = (request: FastifyRequest): RequestMeta => {
  const userAgent = request.headers["user-agent"];
  return { ip: request.ip ?? null, userAgent: typeof userAgent === "string" ? userAgent : null };
};
