import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { authorizeUrl, base64url, idTokenFits, newAttempt, readCallback, s256 } from "../src/auth/pkce";

const CLIENT = { clientId: "gatehouse-console", redirectUri: "https://id.example.com/console/callback", scope: "openid profile" };
const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;

describe("PKCE, state and nonce", () => {
  it("the S256 challenge is RFC 7636's example (Appendix B)", async () => {
    expect(await s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("base64url has no padding and no + or /, as Node's encoder", () => {
    const bytes = new Uint8Array([251, 255, 190, 0, 1]);
    expect(base64url(bytes)).toBe(Buffer.from(bytes).toString("base64url"));
  });

  it("each attempt has a fresh verifier of 43 characters (256 bits), state and nonce", () => {
    const [a, b] = [newAttempt("/console/"), newAttempt("/console/")];
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([a.verifier, b.verifier, a.state, b.state, a.nonce, b.nonce]).size).toBe(6);
  });

  it("the authorization request carries the challenge of the verifier, S256, state, nonce and the language", async () => {
    const attempt = newAttempt("/console/users");
    const url = new URL(await authorizeUrl(CLIENT, attempt, "zh-CN"), "https://id.example.com");
    expect(url.pathname).toBe("/oauth/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: CLIENT.clientId,
      redirect_uri: CLIENT.redirectUri,
      scope: "openid profile",
      state: attempt.state,
      nonce: attempt.nonce,
      code_challenge: createHash("sha256").update(attempt.verifier).digest("base64url"),
      code_challenge_method: "S256",
      ui_locales: "zh-CN",
    });
  });

  it("a callback is accepted only with the attempt's own state", () => {
    const attempt = newAttempt("/console/");
    const query = (values: Record<string, string>) => new URLSearchParams(values);
    expect(readCallback(query({ code: "c1", state: attempt.state }), attempt)).toEqual({ ok: true, code: "c1" });
    expect(readCallback(query({ code: "c1", state: "forged" }), attempt)).toEqual({ ok: false, error: "state_mismatch" });
    expect(readCallback(query({ code: "c1" }), attempt)).toEqual({ ok: false, error: "state_mismatch" });
    expect(readCallback(query({ code: "c1", state: attempt.state }), null)).toEqual({ ok: false, error: "state_mismatch" });
    expect(readCallback(query({ error: "access_denied", state: attempt.state }), attempt)).toEqual({
      ok: false,
      error: "access_denied",
    });
    expect(readCallback(query({ state: attempt.state }), attempt)).toEqual({ ok: false, error: "no_code" });
  });

  it("an ID token fits only with this client as audience and the attempt's nonce", () => {
    expect(idTokenFits(jwt({ aud: CLIENT.clientId, nonce: "n1" }), CLIENT.clientId, "n1")).toBe(true);
    expect(idTokenFits(jwt({ aud: [CLIENT.clientId, "x"], nonce: "n1" }), CLIENT.clientId, "n1")).toBe(true);
    expect(idTokenFits(jwt({ aud: CLIENT.clientId, nonce: "n2" }), CLIENT.clientId, "n1")).toBe(false);
    expect(idTokenFits(jwt({ aud: "other", nonce: "n1" }), CLIENT.clientId, "n1")).toBe(false);
    expect(idTokenFits("not-a-jwt", CLIENT.clientId, "n1")).toBe(false);
  });
});
