import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * The hosted pages' two cookies: the browser's session and its CSRF nonce. Over HTTPS they
 * carry the `__Host-` prefix (Secure, Path=/, no Domain: no other host can set or read them);
 * always HttpOnly and SameSite=Lax, so that a cross-site POST arrives without them.
 */
export type BrowserCookies = { session: string; csrf: string; secure: boolean };

export function browserCookieNames(issuer: string): BrowserCookies {
  const secure = issuer.startsWith("https://");
  const prefix = secure ? "__Host-" : "";
  return { session: `${prefix}gatehouse-session`, csrf: `${prefix}gatehouse-csrf`, secure };
}

/** One cookie's value from the request, or `null`; a name given twice counts as absent. */
export function readCookie(request: FastifyRequest, name: string): string | null {
  const header = request.headers.cookie;
  if (typeof header !== "string") return null;
  const values = header
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(`${name}=`))
    .map((pair) => pair.slice(name.length + 1));
  return values.length === 1 && /^[A-Za-z0-9._-]{1,256}$/.test(values[0] ?? "") ? (values[0] ?? null) : null;
}

/** Adds a `Set-Cookie` (several may be set on one reply); `maxAgeSeconds` 0 deletes it. */
export function setCookie(reply: FastifyReply, cookies: BrowserCookies, name: string, value: string, maxAgeSeconds: number) {
  const attributes = [`${name}=${value}`, "Path=/", `Max-Age=${maxAgeSeconds}`, "HttpOnly", "SameSite=Lax"];
  if (cookies.secure) attributes.push("Secure");
  const previous = reply.getHeader("set-cookie");
  const list = previous === undefined ? [] : Array.isArray(previous) ? previous : [String(previous)];
  reply.header("set-cookie", [...list, attributes.join("; ")]);
}
