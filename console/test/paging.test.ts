import { describe, expect, it } from "vitest";
import { answered, failed, initialPaged, listPath, started, wantsMore } from "../src/lib/paging";

const page = (items: number[], next: string | null) => ({ items, next_cursor: next });

describe("keyset paging state", () => {
  it("a first page replaces the list; a page after a cursor is appended", () => {
    let state = started(initialPaged<number>());
    state = answered(state, state.generation, null, page([1, 2], "c2"));
    expect(state).toMatchObject({ items: [1, 2], next: "c2", loading: false });
    expect(wantsMore(state)).toBe(true);
    state = started(state);
    state = answered(state, state.generation, "c2", page([3], null));
    expect(state.items).toEqual([1, 2, 3]);
    expect(wantsMore(state)).toBe(false);
  });

  it("drops the answer of an older request, so a late search never overwrites a newer one", () => {
    const first = started(initialPaged<number>());
    const second = started(first);
    const late = answered(second, first.generation, null, page([9], null));
    expect(late).toBe(second);
    expect(failed(second, first.generation, "boom")).toBe(second);
  });

  it("no more pages are asked for while one is loading or after an error", () => {
    let state = answered(started(initialPaged<number>()), 1, null, page([1], "c"));
    expect(wantsMore(started(state))).toBe(false);
    state = failed(started(state), 2, "500 unexpected");
    expect(state).toMatchObject({ error: "500 unexpected", loading: false, items: [1] });
    expect(wantsMore(state)).toBe(false);
  });

  it("builds the list path from the non-empty filters, the limit and the cursor", () => {
    expect(listPath("/v1/admin/audit", { user_id: " u1 ", event: "", outcome: "failure" }, "abc", 50)).toBe(
      "/v1/admin/audit?user_id=u1&outcome=failure&limit=50&cursor=abc",
    );
    expect(listPath("/v1/admin/audit", {}, null, 20)).toBe("/v1/admin/audit?limit=20");
  });
});
