import type { ActiveSession, ClientRecord } from "../ports.js";
import { audit, type CoreContext, type RequestMeta } from "../context.js";
import { findClient } from "../clients/clients.js";
import { isAuthError } from "../errors.js";
import { resolveScope } from "../oauth/scope.js";
import { randomToken } from "../tokens/secrets.js";
import { scopeWords } from "./claims.js";
import { codeId } from "./code-grant.js";

/** An authorization request's parameters, each given once (a repeated one is in `repeated`). */
export type AuthorizationParams = { values: Readonly<Record<string, string>>; repeated: readonly string[] };

/** A request that passed every check: what the pages and the code are built from. */
export type AuthorizationRequest = {
  client: ClientRecord;
  redirectUri: string;
  scope: string;
  state: string | null;
  nonce: string | null;
  codeChallenge: string;
  prompt: ReadonlySet<string>;
  maxAge: number | null;
  loginHint: string | null;
  uiLocales: string | null;
};

export type AuthorizationOutcome =
  /** The client or redirect URI cannot be trusted: shown to the user, never redirected to. */
  | { kind: "error_page"; description: string }
  | { kind: "redirect"; location: string }
  | { kind: "sign_in"; request: AuthorizationRequest }
  | { kind: "consent"; request: AuthorizationRequest; session: ActiveSession };

/** What the user did on our pages for this request: nothing yet, or answered the consent page. */
export type AuthorizationStep = { consent?: "allow" | "deny" };

const CODE_TTL_MS = 60_000;
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const PROMPTS = new Set(["none", "login", "consent", "select_account"]);
const MAX_OPAQUE_LENGTH = 1024;

class RedirectedError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(error);
  }
}

/** The client and the redirect URI first: until both are known good, nothing is redirected. */
async function trustedTarget(ctx: CoreContext, params: AuthorizationParams) {
  const { values, repeated } = params;
  if (repeated.includes("client_id") || repeated.includes("redirect_uri")) return "client_id and redirect_uri must be given once";
  const clientId = values.client_id ?? "";
  const client = clientId ? await findClient(ctx, clientId) : null;
  if (!client) return "unknown client";
  const redirectUri = values.redirect_uri ?? "";
  if (!redirectUri) return "redirect_uri is required";
  // RFC 6749 §3.1.2.3, RFC 9700 §4.1.1: exact string match, nothing else.
  if (!client.redirectUris.includes(redirectUri)) return "the redirect_uri is not registered for this client";
  return { client, redirectUri };
}

function checkedRequest(client: ClientRecord, redirectUri: string, params: AuthorizationParams) {
  const { values, repeated } = params;
  const state = values.state ?? null;
  if (repeated.length > 0) throw new RedirectedError("invalid_request", `${repeated[0]} must be given once`);
  if (values.request !== undefined) throw new RedirectedError("request_not_supported", "request objects are not supported");
  if (values.request_uri !== undefined) throw new RedirectedError("request_uri_not_supported", "request_uri is not supported");
  if (!values.response_type) throw new RedirectedError("invalid_request", "response_type is required");
  if (values.response_type !== "code") throw new RedirectedError("unsupported_response_type", "only response_type=code");
  if (values.response_mode !== undefined && values.response_mode !== "query") {
    throw new RedirectedError("invalid_request", "only response_mode=query");
  }
  if (!client.grants.includes("authorization_code"))
    throw new RedirectedError("unauthorized_client", "no code flow for this client");
  if (!values.code_challenge) throw new RedirectedError("invalid_request", "code_challenge is required (PKCE, S256)");
  if (values.code_challenge_method !== "S256") throw new RedirectedError("invalid_request", "code_challenge_method must be S256");
  if (!S256_CHALLENGE.test(values.code_challenge)) throw new RedirectedError("invalid_request", "malformed code_challenge");
  const prompt = new Set((values.prompt ?? "").split(" ").filter((word) => word.length > 0));
  if ([...prompt].some((word) => !PROMPTS.has(word)) || (prompt.has("none") && prompt.size > 1)) {
    throw new RedirectedError("invalid_request", "prompt: none alone, or any of login, consent, select_account");
  }
  const maxAge = values.max_age === undefined ? null : Number(values.max_age);
  if (maxAge !== null && !(/^\d{1,9}$/.test(values.max_age ?? "") && Number.isSafeInteger(maxAge))) {
    throw new RedirectedError("invalid_request", "max_age must be a number of seconds");
  }
  for (const name of ["state", "nonce", "login_hint", "ui_locales"]) {
    if ((values[name] ?? "").length > MAX_OPAQUE_LENGTH) throw new RedirectedError("invalid_request", `${name} is too long`);
  }
  let scope: string;
  try {
    scope = resolveScope(values.scope ?? null, client.scopes.join(" "));
  } catch (error) {
    if (isAuthError(error)) throw new RedirectedError("invalid_scope", "a requested scope is not allowed for this client");
    throw error;
  }
  const request: AuthorizationRequest = {
    client,
    redirectUri,
    scope,
    state,
    nonce: values.nonce || null,
    codeChallenge: values.code_challenge,
    prompt,
    maxAge,
    loginHint: values.login_hint || null,
    uiLocales: values.ui_locales || null,
  };
  return request;
}

/** The redirect URI with the response's parameters, `state` and `iss` (RFC 9207) added. */
function responseLocation(ctx: CoreContext, redirectUri: string, state: string | null, fields: Record<string, string>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(fields)) url.searchParams.set(name, value);
  if (state !== null) url.searchParams.set("state", state);
  url.searchParams.set("iss", ctx.settings.issuer);
  return url.toString();
}

/**
 * The authorization endpoint's decision (RFC 6749 §4.1.1, OIDC Core §3.1.2): an error page, a
 * redirect (with a code or an error), or a page to show first (sign in, consent). `browser` is
 * the browser's live session, if any.
 */
export async function authorize(
  ctx: CoreContext,
  params: AuthorizationParams,
  browser: ActiveSession | null,
  step: AuthorizationStep,
  meta: RequestMeta,
): Promise<AuthorizationOutcome> {
  const target = await trustedTarget(ctx, params);
  if (typeof target === "string") return { kind: "error_page", description: target };
  const state = params.values.state ?? null;
  const fail = (error: string, description: string): AuthorizationOutcome => ({
    kind: "redirect",
    location: responseLocation(ctx, target.redirectUri, state, { error, error_description: description }),
  });
  let request: AuthorizationRequest;
  try {
    request = checkedRequest(target.client, target.redirectUri, params);
  } catch (error) {
    if (error instanceof RedirectedError) return fail(error.error, error.description);
    throw error;
  }
  const stale = browser !== null && request.maxAge !== null && ctx.now() - browser.createdAt > request.maxAge * 1000;
  if (browser === null || request.prompt.has("login") || stale) {
    return request.prompt.has("none") ? fail("login_required", "the user is not signed in") : { kind: "sign_in", request };
  }
  if (step.consent === "deny") return fail("access_denied", "the user denied the request");
  if (!(await consented(ctx, request, browser, step))) {
    if (request.prompt.has("none")) return fail("consent_required", "the user has not consented");
    return { kind: "consent", request, session: browser };
  }
  const code = await issueCode(ctx, request, browser, meta);
  return { kind: "redirect", location: responseLocation(ctx, request.redirectUri, state, { code }) };
}

/**
 * Whether the user allows this request: always for a first-party client; for any other, once
 * they allowed every scope it asks for (remembered), unless `prompt=consent` asks again.
 */
async function consented(ctx: CoreContext, request: AuthorizationRequest, browser: ActiveSession, step: AuthorizationStep) {
  if (request.client.firstParty) return true;
  const userId = browser.userId ?? "";
  const wanted = scopeWords(request.scope);
  if (step.consent === "allow") {
    await ctx.store.consents.grant(userId, request.client.id, wanted, ctx.now());
    return true;
  }
  if (request.prompt.has("consent")) return false;
  const granted = new Set(await ctx.store.consents.find(userId, request.client.id));
  return wanted.every((word) => granted.has(word));
}

async function issueCode(ctx: CoreContext, request: AuthorizationRequest, browser: ActiveSession, meta: RequestMeta) {
  const code = randomToken(32);
  const now = ctx.now();
  await ctx.store.authorizationCodes.insert({
    id: codeId(ctx, code),
    clientId: request.client.id,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    nonce: request.nonce,
    scope: request.scope,
    sessionId: browser.id,
    userId: browser.userId ?? "",
    authTime: browser.createdAt,
    createdAt: now,
    expiresAt: now + CODE_TTL_MS,
    usedAt: null,
    issuedSessionId: null,
  });
  await audit(ctx, { event: "authorize", outcome: "success", userId: browser.userId, clientId: request.client.id, ip: meta.ip });
  return code;
}

/** The parameters to carry on after a sign-in on our page: its `prompt=login` is satisfied. */
export function afterSignIn(values: Readonly<Record<string, string>>): Record<string, string> {
  const rest = (values.prompt ?? "").split(" ").filter((word) => word.length > 0 && word !== "login");
  const { prompt: _prompt, max_age: _maxAge, ...others } = values;
  return rest.length > 0 ? { ...others, prompt: rest.join(" ") } : others;
}
