// The admin API's user search (`GET /v1/admin/users`, docs/admin-api.md), measured with the
// seeded users and again in the 1M-user pass: pages of 50 by username prefix, by role and by
// status, the cases whose plans differ (a few matches read through an index and sorted; many
// matches found by walking the users in number order).

import { gatehouseCli } from "./gatehouse.mjs";
import { basic, formPost, log } from "./processes.mjs";
import { CLIENT_ID, CLIENT_SECRET, PASSWORD, USER_PREFIX, userName } from "./seed.mjs";

/** The first seeded user, made an administrator (role ADMIN) once. */
const ADMIN = userName(1);

/**
 * The searches a console makes, cycled: prefixes that match ten users whatever the table's size
 * (`u000012` → u0000120…u0000129), one that matches everyone, a role one user holds and one
 * everyone holds, and a status filter.
 */
const SEARCHES = [
  ...Array.from({ length: 8 }, (_, i) => `query=${USER_PREFIX}0000${String(10 + i * 11).padStart(2, "0")}`),
  `query=${USER_PREFIX}0`,
  "role=ADMIN",
  "role=USER",
  "status=active",
].map((query) => `/v1/admin/users?${query}&limit=50`);

/** An administrator's access token, fresh: the 1M-user pass comes long after the first measurement. */
async function adminToken(bench) {
  const r = await formPost(
    bench.server.url,
    "/oauth/token",
    { grant_type: "password", username: ADMIN, password: PASSWORD },
    basic(CLIENT_ID, CLIENT_SECRET),
  );
  if (r.status !== 200) throw new Error(`admin token: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.access_token;
}

/** Makes the first seeded user an administrator (the CLI, like an operator). */
export function prepareUserSearch(bench) {
  log(`making ${ADMIN} an administrator`);
  gatehouseCli(bench.databaseUrl, ["user", "add-role", ADMIN, "ADMIN"]);
}

/**
 * The user search under load, with the label the report shows.
 * @param {import("./scenarios.mjs").Bench} bench
 */
export async function measureUserSearch(bench, label) {
  const headers = { authorization: `Bearer ${await adminToken(bench)}` };
  return bench.measurer.measure(label, { ...bench.base, kind: "get-paths", data: { paths: SEARCHES, headers } }, bench.server);
}
