// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AdminServer, expectError, startAdminServer } from "../helpers/admin.js";
import type { Response } from "../helpers/server.js";

// Keyset pagination of users and audit records, and the user search's filters.

type Page = { items: { id: string; username?: string }[]; next_cursor: string | null };

describe("admin API: lists", () => {
  let s: AdminServer;
  const core = () => s.gh.server.core;
  before(async () => {
    s = await startAdminServer();
    for (let i = 0; i < 130; i += 1) {
      const name = `list_${String(i).padStart(3, "0")}`;
      await core().register({
        username: name,
        password: null,
        email: `${name}@lists.example`,
        roles: i % 10 === 0 ? ["ADMIN"] : [],
      });
    }
  });
  after(() => s.gh.close());

  /** Every page of a list, following `next_cursor`, while `during` runs between pages. */
  async function allPages(path: string, during: () => Promise<unknown> = async () => {}): Promise<Page["items"]> {
    const items: Page["items"] = [];
    let cursor: string | null = null;
    do {
      const separator = path.includes("?") ? "&" : "?";
      const response: Response<Page> = await s.admin<Page>("GET", `${path}${cursor ? `${separator}cursor=${cursor}` : ""}`);
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(Object.keys(response.body), ["items", "next_cursor"]);
      items.push(...response.body.items);
      cursor = response.body.next_cursor;
      await during();
    } while (cursor !== null);
    return items;
  }

  it("pages through users with no row skipped or repeated while others are created and deleted", async () => {
    const before = (await allPages("/v1/admin/users?limit=200")).map((user) => user.id);
    assert.equal(before.length, 131);
    let n = 0;
    const churn = async () => {
      n += 1;
      await Promise.all([
        core().register({ username: `churn_${n}`, password: null }),
        s.admin("POST", "/v1/admin/users", { username: `churn_api_${n}` }),
      ]);
    };
    const seen = (await allPages("/v1/admin/users?limit=7", churn)).map((user) => user.id);
    assert.equal(new Set(seen).size, seen.length, "a user was listed twice");
    const missing = before.filter((id) => !seen.includes(id));
    assert.deepEqual(missing, [], "a user that existed all along was skipped");
  });

  it("searches by username or email prefix, status and role, on top of paging", async () => {
    const byName = await allPages("/v1/admin/users?query=LIST_12&limit=3");
    assert.deepEqual(
      byName.map((user) => user.username),
      ["list_120", "list_121", "list_122", "list_123", "list_124", "list_125", "list_126", "list_127", "list_128", "list_129"],
    );
    const byEmail = await allPages("/v1/admin/users?query=list_007@lists");
    assert.deepEqual(
      byEmail.map((user) => user.username),
      ["list_007"],
    );
    const admins = await allPages("/v1/admin/users?role=ADMIN&query=list_");
    assert.equal(admins.length, 13);
    // Wildcards of SQL are plain characters in a prefix.
    assert.deepEqual(await allPages("/v1/admin/users?query=list%25"), []);
    assert.deepEqual(await allPages("/v1/admin/users?query=list_0_"), []);
    const target = byEmail[0]!;
    await s.admin("PATCH", `/v1/admin/users/${target.id}`, { status: "disabled" });
    const disabled = await allPages("/v1/admin/users?status=disabled");
    assert.deepEqual(
      disabled.map((user) => user.id),
      [target.id],
    );
  });

  it("refuses a bad limit, status, role or cursor clearly", async () => {
    for (const [query, code, status] of [
      ["limit=0", "invalid_request", 400],
      ["limit=201", "invalid_request", 400],
      ["limit=ten", "invalid_request", 400],
      ["status=gone", "invalid_request", 400],
      ["role=NOPE", "role_not_found", 404],
      ["cursor=bm9wZQ", "invalid_request", 400],
      ["limit=1&limit=2", "invalid_request", 400],
    ] as const) {
      expectError(await s.admin("GET", `/v1/admin/users?${query}`), status, code);
    }
    const auditCursor = (await s.admin<Page>("GET", "/v1/admin/audit?limit=1")).body.next_cursor;
    assert.ok(auditCursor);
    expectError(await s.admin("GET", `/v1/admin/users?cursor=${auditCursor}`), 400, "invalid_request");
  });

  it("pages through the audit log newest first, with filters", async () => {
    const records = await allPages("/v1/admin/audit?limit=9&event=register");
    assert.ok(records.length >= 130);
    const ids = records.map((record) => Number(record.id));
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
    );
    const now = Date.now();
    const none = await s.admin<Page>("GET", `/v1/admin/audit?since=${new Date(now + 60_000).toISOString()}`);
    assert.deepEqual(none.body.items, []);
    const old = await s.admin<Page>("GET", `/v1/admin/audit?until=${now - 3_600_000}`);
    assert.deepEqual(old.body.items, []);
    const failures = await s.admin<Page>("GET", "/v1/admin/audit?outcome=failure&event=register");
    assert.deepEqual(failures.body.items, []);
    expectError(await s.admin("GET", "/v1/admin/audit?since=yesterday"), 400, "invalid_request");
    expectError(await s.admin("GET", "/v1/admin/audit?outcome=maybe"), 400, "invalid_request");
  });
});
