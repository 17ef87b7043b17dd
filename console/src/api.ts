import { tokens } from "./auth/session";

/** An answer of the admin API that is not a success: its status and native error code (docs/errors.md). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
  ) {
    super(`${status} ${code}${description ? `: ${description}` : ""}`);
  }
}

/** Calls the admin API with the current access token; JSON in and out. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = await tokens.accessToken();
  if (!token) throw new ApiError(401, "unauthorized", "");
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 204) return undefined as T;
  const answer = (await response.json().catch(() => ({}))) as { error?: string; error_description?: string };
  if (!response.ok) throw new ApiError(response.status, answer.error ?? "unexpected", answer.error_description ?? "");
  return answer as T;
}

export type Stats = {
  users: { active: number; disabled: number; total: number };
  live_sessions: number;
  clients: number;
  logins_24h: { succeeded: number; failed: number };
};

export type User = {
  id: string;
  username: string;
  email: string | null;
  display_name: string | null;
  status: "active" | "disabled";
  created_at: string;
  last_login_at: string | null;
};

export type Page<T> = { items: T[]; next_cursor: string | null };

export type UserDetail = User & {
  email_verified: boolean;
  phone: string | null;
  attributes: Record<string, unknown>;
  roles: string[];
};

export type Session = {
  id: string;
  client_id: string | null;
  terminal: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string;
};

export type Role = { name: string; description: string | null; permissions: string[] };

export type Client = {
  client_id: string;
  name: string | null;
  public: boolean;
  grants: string[];
  scopes: string[];
  redirect_uris: string[];
  created_at: string;
};

export type SigningKey = {
  kid: string;
  alg: string;
  created_at: string;
  state: "current" | "published" | "retired";
  retires_at: string | null;
};

export type AuditRecord = {
  id: string;
  at: string;
  event: string;
  outcome: "success" | "failure";
  user_id: string | null;
  client_id: string | null;
  ip: string | null;
  detail: string | null;
  actor: string | null;
};

export const userApiPath = (id: string, rest = "") => `/v1/admin/users/${encodeURIComponent(id)}${rest}`;

/** A time of the API in the browser's locale; "—" for none. */
export const shownTime = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—");

export function userListPath(filter: { query: string; status: string; role: string; cursor: string | null }, limit = 20): string {
  const params = new URLSearchParams({ limit: String(limit) });
  if (filter.query) params.set("query", filter.query);
  if (filter.status) params.set("status", filter.status);
  if (filter.role) params.set("role", filter.role);
  if (filter.cursor) params.set("cursor", filter.cursor);
  return `/v1/admin/users?${params}`;
}
