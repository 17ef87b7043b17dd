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

export function userListPath(filter: { query: string; status: string; cursor: string | null }, limit = 20): string {
  const params = new URLSearchParams({ limit: String(limit) });
  if (filter.query) params.set("query", filter.query);
  if (filter.status) params.set("status", filter.status);
  if (filter.cursor) params.set("cursor", filter.cursor);
  return `/v1/admin/users?${params}`;
}
