import type { FastifyRequest } from "fastify";
import type { FrontDoorCore, LegacyTrust, TokenKind } from "../../core/index.js";
import { checkPresentedToken, type PresentedToken } from "../../http/legacy-secret.js";
import { TOKEN_MESSAGES as M, TokenHeaderError } from "./errors.js";

/** The JWT from `Authorization: Bearer <JWT>`, with flask-jwt-extended's exact complaints. */
export function bearerToken(request: FastifyRequest): string {
  const raw = request.headers.authorization;
  const header = (typeof raw === "string" ? raw : "").trim().replace(/^,+|,+$/g, "");
  if (header.length === 0) throw new TokenHeaderError(401, M.missingHeader);
  const bearers = header.split(/,\s*/).filter((value) => value.split(/\s+/)[0] === "Bearer");
  if (bearers.length !== 1 || bearers[0] === undefined) throw new TokenHeaderError(401, M.missingBearer);
  const parts = bearers[0].split(/\s+/);
  if (parts.length !== 2 || parts[1] === undefined) throw new TokenHeaderError(422, M.badHeader);
  return parts[1];
}

const FAILURES = {
  malformed: [422, M.notEnoughSegments],
  bad_header: [422, M.invalidHeader],
  bad_signature: [422, M.badSignature],
  invalid_claims: [422, M.invalidClaims],
  expired: [401, M.expired],
} as const;

/**
 * Checks the bearer token in the order flask-jwt-extended did: decoding and expiry, then the
 * token type, then revocation. With a legacy secret (`trust`), the old server's tokens pass too.
 */
export async function requireToken(
  core: FrontDoorCore,
  request: FastifyRequest,
  wanted: TokenKind | "any",
  trust: LegacyTrust | null,
): Promise<PresentedToken> {
  const checked = await checkPresentedToken(core, bearerToken(request), trust);
  if (!checked.ok && checked.reason !== "revoked") {
    const [status, msg] = FAILURES[checked.reason];
    throw new TokenHeaderError(status, msg);
  }
  if (wanted !== "any" && checked.kind !== wanted) {
    throw new TokenHeaderError(422, wanted === "refresh" ? M.onlyRefresh : M.onlyAccess);
  }
  if (!checked.ok) throw new TokenHeaderError(401, M.revoked);
  return checked;
}
