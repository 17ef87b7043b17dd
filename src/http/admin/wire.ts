import type { AuditRecord, ClientView, SessionRecord, UserRecord } from "../../core/index.js";

/** The admin API's JSON shapes: snake_case, times in ISO 8601 UTC, never a hash or a secret. */

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export const wireUser = (user: UserRecord) => ({
  id: user.id,
  username: user.username,
  email: user.email,
  email_verified: user.emailVerified,
  phone: user.phone,
  display_name: user.displayName,
  attributes: user.attributes,
  status: user.status,
  created_at: iso(user.createdAt),
  updated_at: iso(user.updatedAt),
  last_login_at: isoOrNull(user.lastLoginAt),
});

export const wireUserDetail = ({ user, roles }: { user: UserRecord; roles: { name: string }[] }) => ({
  ...wireUser(user),
  roles: roles.map((role) => role.name),
});

export const wireSession = (session: SessionRecord) => ({
  id: session.id,
  client_id: session.clientId,
  terminal: session.terminal,
  ip: session.ip,
  user_agent: session.userAgent,
  created_at: iso(session.createdAt),
  last_used_at: iso(session.lastUsedAt),
  expires_at: iso(session.expiresAt),
});

type Named = { name: string; description: string | null };

export const wirePermission = (permission: Named) => ({ name: permission.name, description: permission.description });

export const wireRole = (role: Named & { permissions: Named[] }) => ({
  name: role.name,
  description: role.description,
  permissions: role.permissions.map((permission) => permission.name),
});

export const wireClient = (client: ClientView) => ({
  client_id: client.id,
  name: client.name,
  public: client.isPublic,
  grants: client.grants,
  scopes: client.scopes,
  redirect_uris: client.redirectUris,
  post_logout_redirect_uris: client.postLogoutRedirectUris,
  token_endpoint_auth_method: client.tokenEndpointAuthMethod,
  first_party: client.firstParty,
  access_token_ttl: client.accessTokenTtl,
  refresh_token_ttl: client.refreshTokenTtl,
  created_at: iso(client.createdAt),
});

export const wireAudit = (record: AuditRecord) => ({
  id: String(record.id),
  at: iso(record.at),
  event: record.event,
  outcome: record.outcome,
  user_id: record.userId,
  client_id: record.clientId,
  ip: record.ip,
  detail: record.detail,
  actor: record.actor,
});

type KeyState = { kid: string; alg: string; createdAt: number; current: boolean; retired: boolean; retiresAt: number | null };

export const wireKey = (key: KeyState) => ({
  kid: key.kid,
  alg: key.alg,
  created_at: iso(key.createdAt),
  state: key.current ? "current" : key.retired ? "retired" : "published",
  retires_at: isoOrNull(key.retiresAt),
});

export const wirePage = <T, W>(page: { items: T[]; nextCursor: string | null }, wire: (item: T) => W) => ({
  items: page.items.map(wire),
  next_cursor: page.nextCursor,
});
