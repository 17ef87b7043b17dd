import assert from "node:assert/strict";
import { type CliResult, runCli } from "./cli.js";
import type { Response, TestServer } from "./server.js";

/** A password that passes the policy (long enough, not on the blocklist). */
export const PASSWORD = "correct horse battery";

export type Client = { id: string; secret: string | null };

/** Runs the CLI against the server's database and insists on success. */
export async function cli(gh: TestServer, args: string[]): Promise<CliResult> {
  const result = await runCli(args, gh.env);
  assert.equal(result.code, 0, `gatehouse ${args.join(" ")} failed: ${result.stderr}`);
  return result;
}

/** Creates a user with the CLI and returns its id (the `sub` of its tokens). */
export async function createUser(gh: TestServer, username: string, password = PASSWORD): Promise<string> {
  const { stdout } = await cli(gh, ["user", "create", "--username", username, "--password", password]);
  const id = /\(([0-9a-f-]{36})\)/.exec(stdout)?.[1];
  assert.ok(id, `no user id in: ${stdout}`);
  return id;
}

/**
 * Creates an OAuth client with the CLI. Without `secret` (and not public) the generated secret
 * printed by the CLI is returned.
 */
export async function createClient(
  gh: TestServer,
  id: string,
  options: { secret?: string; public?: boolean; grants?: string[]; scopes?: string[] } = {},
): Promise<Client> {
  const args = ["client", "create", "--id", id, "--grants", (options.grants ?? ["password", "refresh_token"]).join(",")];
  args.push("--scopes", (options.scopes ?? ["read", "write"]).join(","));
  if (options.public) args.push("--public");
  else if (options.secret !== undefined) args.push("--secret", options.secret);
  const { stdout } = await cli(gh, args);
  if (options.public) return { id, secret: null };
  if (options.secret !== undefined) return { id, secret: options.secret };
  const secret = /^client_secret: (\S+)$/m.exec(stdout)?.[1];
  assert.ok(secret, `no generated secret in: ${stdout}`);
  return { id, secret };
}

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B). */
export const formEncode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);

/** An HTTP Basic header for a client, with id and secret form-encoded before base64. */
export const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString("base64")}`;

/** The client's credentials as form fields (client_secret_post, or client_id alone if public). */
export const clientFields = (client: Client): Record<string, string> =>
  client.secret === null ? { client_id: client.id } : { client_id: client.id, client_secret: client.secret };

export const token = (gh: TestServer, client: Client, params: Record<string, string>): Promise<Response> =>
  gh.post("/oauth/token", { form: { ...clientFields(client), ...params } });

export const passwordGrant = (gh: TestServer, client: Client, username: string, password = PASSWORD, extra = {}) =>
  token(gh, client, { grant_type: "password", username, password, ...extra });

export const refreshGrant = (gh: TestServer, client: Client, refreshToken: string, extra = {}) =>
  token(gh, client, { grant_type: "refresh_token", refresh_token: refreshToken, ...extra });

/** Password grant that must succeed; returns the token response body. */
export async function login(gh: TestServer, client: Client, username: string, password = PASSWORD): Promise<any> {
  const response = await passwordGrant(gh, client, username, password);
  assert.equal(response.status, 200, response.text);
  return response.body;
}

export const introspect = (gh: TestServer, client: Client, value: string): Promise<Response> =>
  gh.post("/oauth/introspect", { form: { ...clientFields(client), token: value } });

/** Introspects and returns whether the token is active, insisting on a 200 answer. */
export async function isActive(gh: TestServer, client: Client, value: string): Promise<boolean> {
  const response = await introspect(gh, client, value);
  assert.equal(response.status, 200, response.text);
  return response.body.active === true;
}

export const b64url = (value: unknown): string =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** The decoded header and payload of a compact JWS, and its raw segments. */
export function decodeJws(jws: string): { header: any; payload: any; parts: string[] } {
  const parts = jws.split(".");
  assert.equal(parts.length, 3, "not a compact JWS");
  const [header, payload] = parts.slice(0, 2).map((part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")));
  return { header, payload, parts };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
