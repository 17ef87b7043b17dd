import type { AccessProfile, UserRecord } from "../../core/index.js";

/** `YYYY-MM-DD HH:MM:SS` in UTC, as the original backend printed datetimes. */
export function wireDate(epochMs: number | null): string | null {
  if (epochMs === null) return null;
  return new Date(epochMs).toISOString().slice(0, 19).replace("T", " ");
}

export function wireUser(user: UserRecord) {
  return {
    user_id: user.id,
    username: user.username,
    email: user.email,
    phone: user.phone,
    faceInfo: user.attributes.faceInfo ?? null,
    status: user.status === "active",
    created_at: wireDate(user.createdAt),
    updated_at: wireDate(user.updatedAt),
    last_login: wireDate(user.lastLoginAt),
  };
}

/** The login `payload`: key `role` is singular, as in the original. */
export function wirePayload(user: UserRecord, profile: AccessProfile) {
  return {
    permissions: profile.permissions.map((p) => ({ permission_id: p.id, permission_name: p.name, description: p.description })),
    role: profile.roles.map((r) => ({ role_id: r.id, role_name: r.name, description: r.description })),
    user: wireUser(user),
  };
}

export const ok = (msg: string, data: unknown = null) => ({ code: 0, data, msg });
export const fail = (msg: string) => ({ code: 1, data: null, msg });
