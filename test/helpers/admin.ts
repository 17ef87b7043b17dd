import assert from "node:assert/strict";
import type { Client } from "./oauth.js";
import { login, PASSWORD } from "./oauth.js";
import { type RequestOptions, type Response, type TestServer, startServer } from "./server.js";

/** A running server with an administrator (role ADMIN) signed in, and a client to sign in with. */
export type AdminServer = {
  gh: TestServer;
  /** The password-grant client everyone signs in with. */
  app: Client;
  adminId: string;
  adminToken: string;
  /** A request to the admin API with the administrator's token (or `token`). */
  admin<T = any>(method: string, path: string, json?: unknown, token?: string): Promise<Response<T>>;
  /** Creates an account through the core and signs it in; its id and access token. */
  signedInUser(username: string, roles?: string[]): Promise<{ id: string; token: string }>;
};

export async function startAdminServer(env: Record<string, string> = {}): Promise<AdminServer> {
  const gh = await startServer(env);
  const { core } = gh.server;
  const created = await core.createClient({ id: "admin-test-app", grants: ["password", "refresh_token"], scopes: [] });
  const app: Client = { id: created.id, secret: created.secret };
  const signedInUser = async (username: string, roles: string[] = []) => {
    const user = await core.register({ username, password: PASSWORD, roles });
    const tokens = await login(gh, app, username);
    return { id: user.id, token: tokens.access_token as string };
  };
  const root = await signedInUser("root_admin", ["ADMIN"]);
  const admin = <T = any>(method: string, path: string, json?: unknown, token = root.token) => {
    const options: RequestOptions = { headers: { authorization: `Bearer ${token}` } };
    if (json !== undefined) options.json = json;
    return gh.request<T>(method, path, options);
  };
  return { gh, app, adminId: root.id, adminToken: root.token, admin, signedInUser };
}

/** Asserts a native error answer: status, code, and nothing else but a description. */
export function expectError(response: Response, status: number, code: string): void {
  assert.equal(response.status, status, response.text);
  assert.equal(response.body.error, code, response.text);
  assert.deepEqual(
    Object.keys(response.body).filter((key) => key !== "error_description"),
    ["error"],
  );
}
