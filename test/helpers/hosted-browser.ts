import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";

/** One answer as a browser sees it: never followed automatically, so that redirects can be checked. */
export type Page = { status: number; headers: Headers; text: string; location: string | null; setCookies: string[] };

/**
 * A browser without a screen for the hosted pages over real HTTP: it keeps cookies (by name,
 * for one host), sends them back, and submits the forms pages contain, as a user's browser
 * would without JavaScript.
 */
export class HostedBrowser {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  async get(target: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.send("GET", target, undefined, headers);
  }

  async post(target: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Page> {
    const body = new URLSearchParams(form).toString();
    return this.send("POST", target, body, { "content-type": "application/x-www-form-urlencoded", ...headers });
  }

  /** Submits the page's form whose action ends with `action`, its hidden fields plus `fields`. */
  async submit(page: Page, action: string, fields: Record<string, string>): Promise<Page> {
    const form = findForm(page.text, action);
    return this.post(form.action, { ...form.hidden, ...fields });
  }

  /** Follows a redirect to our own origin; returns the page unchanged when it is not one. */
  async follow(page: Page): Promise<Page> {
    let current = page;
    for (let hops = 0; current.location && new URL(current.location, this.base).origin === new URL(this.base).origin; hops++) {
      assert.ok(hops < 10, "too many redirects");
      current = await this.get(current.location);
    }
    return current;
  }

  private async send(method: string, target: string, body: string | undefined, headers: Record<string, string>) {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const response = await fetch(new URL(target, this.base), {
      method,
      body,
      redirect: "manual",
      headers: { ...(cookie ? { cookie } : {}), ...headers },
    });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const [name = "", value = ""] = pair.split("=", 2);
      const deleted = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
      if (deleted || value === "") this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    return {
      status: response.status,
      headers: response.headers,
      text: await response.text(),
      location: response.headers.get("location"),
      setCookies,
    };
  }
}

const unescape = (text: string) =>
  text
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");

/** The form whose action ends with `action`: its action and hidden fields. */
export function findForm(html: string, action: string): { action: string; hidden: Record<string, string> } {
  const forms = [...html.matchAll(/<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/g)];
  const match = forms.find((form) => unescape(form[1] ?? "").endsWith(action));
  assert.ok(match, `no form posting to ${action} in: ${html.slice(0, 400)}`);
  const hidden: Record<string, string> = {};
  for (const input of (match[2] ?? "").matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    hidden[unescape(input[1] ?? "")] = unescape(input[2] ?? "");
  }
  return { action: unescape(match[1] ?? ""), hidden };
}

/** A PKCE verifier and its S256 challenge (RFC 7636 §4.1-4.2). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** An authorization request's URL path for a client, with PKCE; `extra` adds or overrides parameters. */
export function authorizePath(
  client: { id: string; redirectUri: string },
  challenge: string,
  extra: Record<string, string> = {},
): string {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: client.id,
    redirect_uri: client.redirectUri,
    scope: "openid profile email",
    state: "state-123",
    nonce: "nonce-456",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...extra,
  });
  return `/oauth/authorize?${params}`;
}

/**
 * Signs in on the page an authorization request shows and follows the redirects back to the
 * endpoint: the answer is then the redirect to the client, or the consent page.
 */
export async function signInThrough(browser: HostedBrowser, path: string, username: string, password: string): Promise<Page> {
  const page = await browser.get(path);
  assert.equal(page.status, 200, page.text);
  const signedIn = await browser.submit(page, "/oauth/authorize/sign-in", { username, password });
  assert.equal(signedIn.status, 303, signedIn.text);
  return browser.follow(signedIn);
}

/** The parameters of a redirect to the client's redirect URI. */
export function redirectParams(page: Page, redirectUri: string): URLSearchParams {
  assert.ok(page.location, `expected a redirect, got ${page.status}: ${page.text.slice(0, 300)}`);
  assert.ok(page.location.startsWith(`${redirectUri}?`), `redirected to ${page.location}`);
  return new URL(page.location).searchParams;
}
