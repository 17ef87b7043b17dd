import type { Generated } from "kysely";

/** Row shapes as the database holds them (snake_case, epoch-millisecond bigints). */
export type Database = {
  users: {
    seq: Generated<number>;
    id: string;
    username: string;
    username_canonical: string;
    display_name: string | null;
    email: string | null;
    email_canonical: string | null;
    email_verified: Generated<number>;
    phone: string | null;
    attributes: string;
    status: string;
    password_hash: string;
    created_at: number;
    updated_at: number;
    last_login_at: number | null;
    failed_logins: Generated<number>;
    lockouts: Generated<number>;
    locked_until: number | null;
  };
  roles: { id: Generated<number>; name: string; description: string | null };
  permissions: { id: Generated<number>; name: string; description: string | null };
  user_roles: { user_id: string; role_id: number };
  role_permissions: { role_id: number; permission_id: number };
  sessions: {
    id: string;
    user_id: string | null;
    client_id: string | null;
    scope: string;
    terminal: string | null;
    ip: string | null;
    user_agent: string | null;
    created_at: number;
    last_used_at: number;
    expires_at: number;
    refresh_until: number;
    generation: number;
    revoked_at: number | null;
    // The browser session a code exchange opened this one under (0005).
    parent_id: Generated<string | null>;
  };
  refresh_tokens: {
    id: string;
    session_id: string;
    secret_hash: string;
    created_at: number;
    expires_at: number;
    used_at: number | null;
  };
  signing_keys: { kid: string; alg: string; public_jwk: string; private_jwk: string; created_at: number };
  oauth_clients: {
    id: string;
    secret_hash: string | null;
    grants: string;
    scopes: string;
    access_token_ttl: number | null;
    refresh_token_ttl: number | null;
    created_at: number;
    // The authorization code flow (0005).
    name: string | null;
    redirect_uris: Generated<string>;
    post_logout_redirect_uris: Generated<string>;
    token_endpoint_auth_method: Generated<string>;
    first_party: Generated<number>;
  };
  // The authorization code flow (0005): codes by the keyed hash of their value.
  authorization_codes: {
    id: string;
    client_id: string;
    redirect_uri: string;
    code_challenge: string;
    nonce: string | null;
    scope: string;
    session_id: string;
    user_id: string;
    auth_time: number;
    created_at: number;
    expires_at: number;
    used_at: number | null;
    issued_session_id: string | null;
  };
  // What each user allowed each third-party client (0005): one row per scope word.
  consents: { user_id: string; client_id: string; scope: string; granted_at: number };
  server_secrets: { name: string; value: string };
  verification_codes: {
    id: string;
    purpose: string;
    target: string;
    code_hash: string;
    created_at: number;
    expires_at: number;
    attempts: Generated<number>;
    sent_at: number | null;
    consumed_at: number | null;
    superseded_at: number | null;
  };
  code_throttle: { purpose: string; target: string; last_sent_at: number; window_start: number; window_count: number };
  login_throttle: { key: string; failed_logins: number; lockouts: number; locked_until: number | null; updated_at: number };
  login_reservations: { id: string; counter_key: string; expires_at: number };
  // The cutover from an original server (0004): its old tokens, by issuing source and `jti`.
  legacy_tokens: { source: string; jti: string; session_id: string | null; denied_at: number | null; expires_at: number };
  audit_events: {
    id: Generated<number>;
    at: number;
    event: string;
    outcome: string;
    user_id: string | null;
    client_id: string | null;
    ip: string | null;
    detail: string | null;
    // Who made an administrative change (0006).
    actor: Generated<string | null>;
  };
  // Webhooks (0007): endpoints, their subscriptions, and the outbox of deliveries.
  webhook_endpoints: {
    id: string;
    url: string;
    description: string | null;
    secret_box: string;
    created_at: number;
    consecutive_failures: Generated<number>;
    failing_since: number | null;
    last_success_at: number | null;
    last_failure_at: number | null;
  };
  webhook_subscriptions: { event_type: string; endpoint_id: string };
  webhook_deliveries: {
    id: Generated<number>;
    message_id: string;
    endpoint_id: string;
    event_type: string;
    payload: string;
    created_at: number;
    status: string;
    attempts: Generated<number>;
    next_attempt_at: number;
    claimed_by: string | null;
    claimed_until: number | null;
    last_attempt_at: number | null;
    last_status: number | null;
    last_error: string | null;
    recent_attempts: Generated<string>;
    delivered_at: number | null;
  };
};
