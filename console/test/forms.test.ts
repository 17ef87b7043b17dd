import { describe, expect, it } from "vitest";
import { attributes, changed, isoTime, redirectUris, words } from "../src/lib/forms";
import { routeOf, sectionOf } from "../src/lib/route";

describe("form checks", () => {
  it("redirect URIs: one a line, blank lines dropped, each absolute", () => {
    expect(redirectUris(" https://a.example/cb \n\nhttp://127.0.0.1:9/x\n")).toEqual({
      ok: true,
      value: ["https://a.example/cb", "http://127.0.0.1:9/x"],
    });
    expect(redirectUris("https://a.example/cb\n/relative")).toEqual({ ok: false, error: "form.badUri" });
  });

  it("attributes: a JSON object; empty is {}; anything else is refused with its reason", () => {
    expect(attributes('{"team": "ops"}')).toEqual({ ok: true, value: { team: "ops" } });
    expect(attributes("  ")).toEqual({ ok: true, value: {} });
    expect(attributes("{team")).toEqual({ ok: false, error: "form.badJson" });
    expect(attributes("[1]")).toEqual({ ok: false, error: "form.notObject" });
    expect(attributes("null")).toEqual({ ok: false, error: "form.notObject" });
  });

  it("times: a datetime-local value becomes ISO 8601 in UTC; empty stays empty", () => {
    expect(isoTime("")).toEqual({ ok: true, value: "" });
    const local = isoTime("2026-03-01T10:30");
    expect(local.ok && new Date(local.value).getTime()).toBe(new Date(2026, 2, 1, 10, 30).getTime());
    expect(isoTime("not a time")).toEqual({ ok: false, error: "form.badTime" });
  });

  it("scopes split on spaces and commas; a PATCH body holds only the changed members", () => {
    expect(words(" openid, profile  email ")).toEqual(["openid", "profile", "email"]);
    const original: Record<string, unknown> = { email: "a@x", phone: null, attributes: { a: 1 } };
    expect(changed(original, { email: "a@x", phone: "1", attributes: { a: 1 } })).toEqual({ phone: "1" });
  });
});

describe("console routes", () => {
  it("maps paths to pages, a user's page under users, anything unknown to the overview", () => {
    expect(routeOf("/console/users/u%201")).toEqual({ page: "user", id: "u 1" });
    expect(sectionOf(routeOf("/console/users/u1"))).toBe("users");
    expect(routeOf("/console/audit?user_id=u1")).toEqual({ page: "audit" });
    expect(routeOf("/console/clients")).toEqual({ page: "clients" });
    expect(routeOf("/console/roles")).toEqual({ page: "roles" });
    expect(routeOf("/console/webhooks")).toEqual({ page: "webhooks" });
    expect(routeOf("/console/")).toEqual({ page: "overview" });
    expect(routeOf("/console/nowhere")).toEqual({ page: "overview" });
  });
});
