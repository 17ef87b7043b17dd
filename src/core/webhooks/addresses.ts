import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { AuthError } from "../errors.js";

/**
 * Where a webhook may not go (the SSRF guard, docs/security.md): private, loopback,
 * link-local, shared, reserved, documentation, multicast and metadata addresses, IPv4-mapped
 * and IPv4-translated IPv6 (whatever they map to), unless private targets are allowed.
 */
const REFUSED_V4 = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const;

const REFUSED_V6 = [
  ["::", 128],
  ["::1", 128],
  ["::ffff:0:0", 96],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const;

// Two lists: one list holding both families would match IPv4 addresses against the mapped range.
const refusedV4 = new BlockList();
for (const [network, prefix] of REFUSED_V4) refusedV4.addSubnet(network, prefix, "ipv4");
const refusedV6 = new BlockList();
for (const [network, prefix] of REFUSED_V6) refusedV6.addSubnet(network, prefix, "ipv6");

/** An IPv6 address in its canonical compressed form (`::ffff:10.0.0.1` becomes `::ffff:a00:1`). */
const canonicalV6 = (address: string): string => new URL(`http://[${address}]/`).hostname.slice(1, -1);

/** True for an address a webhook may not be sent to (see above). */
export function isRefusedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return refusedV4.check(address, "ipv4");
  if (family !== 6) return true;
  return /^::ffff:/i.test(canonicalV6(address)) || refusedV6.check(address, "ipv6");
}

export type ResolvedAddress = { address: string; family: 4 | 6 };

/** The URL's host without the brackets of an IPv6 literal. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, "$1");

/**
 * Every address the host resolves to, each checked: one refused address refuses the host (a
 * name that resolves to both a public and a private address is not sent to).
 */
export async function resolveAllowed(host: string, allowPrivate: boolean): Promise<ResolvedAddress[]> {
  const literal = isIP(host);
  const addresses: ResolvedAddress[] =
    literal !== 0
      ? [{ address: host, family: literal as 4 | 6 }]
      : (await lookup(host, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family as 4 | 6 }));
  const bad = addresses.find(({ address }) => isRefusedAddress(address));
  if (bad && !allowPrivate) throw new RefusedTarget(`${host} resolves to ${bad.address}, a private or reserved address`);
  if (addresses.length === 0) throw new RefusedTarget(`${host} resolves to no address`);
  return addresses;
}

/** A target refused by the SSRF guard. */
export class RefusedTarget extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedTarget";
  }
}

/** Checks an endpoint URL as given: http(s), no credentials, no fragment; its host resolved and checked. */
export async function checkEndpointUrl(raw: string, allowPrivate: boolean): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AuthError("invalid_request", `the webhook URL must be an absolute http(s) URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new AuthError("invalid_request", "the webhook URL must use http or https");
  }
  if (url.username !== "" || url.password !== "" || url.hash !== "" || raw.length > 2000 || /\s/.test(raw)) {
    throw new AuthError(
      "invalid_request",
      "the webhook URL must have no credentials, fragment or whitespace, and at most 2000 characters",
    );
  }
  try {
    await resolveAllowed(hostOf(url), allowPrivate);
  } catch (error) {
    const reason = error instanceof RefusedTarget ? error.message : `${url.hostname} does not resolve`;
    throw new AuthError("invalid_request", `webhook URL refused: ${reason}`);
  }
  return url.href;
}
