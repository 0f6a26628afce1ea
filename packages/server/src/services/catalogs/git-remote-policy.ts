/**
 * Which git remotes the server may fetch from, so a git import cannot be
 * turned against the server's own network (loopback services, the private
 * LAN, cloud metadata endpoints). Only https:// is fetched: ssh would use the
 * server's keys and git:// is unauthenticated plain text. The host must be on
 * `gitAllowedHosts` when that list is set; when it is empty, every address the
 * host resolves to must be public. The check happens after DNS resolution and
 * its addresses are handed to git (curl's resolve list), so a second lookup
 * cannot answer differently (DNS rebinding). Every refusal has the same text,
 * whatever is or is not listening there.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { AppError } from "../../app-error.ts";
import type { ServerConfig } from "../../context.ts";

/** A remote that passed the checks: the URL to give git and the addresses to pin it to. */
export interface TGitRemote {
  /** The URL as parsed and re-serialised (what git is given, never the raw input). */
  url: string;
  /** `host:port:address[,address]` for git's http.curloptResolve, or undefined for an IP literal. */
  pin?: string;
}

/** Addresses no git server lives at, allowed or not: link-local (cloud metadata), multicast, reserved. */
const NEVER = subnets([
  ["0.0.0.0", 8, "ipv4"],
  ["169.254.0.0", 16, "ipv4"],
  ["224.0.0.0", 4, "ipv4"],
  ["240.0.0.0", 4, "ipv4"],
  ["::", 128, "ipv6"],
  ["fe80::", 10, "ipv6"],
  ["ff00::", 8, "ipv6"],
  ["fd00:ec2::254", 128, "ipv6"],
  ["100.100.100.200", 32, "ipv4"],
]);

/** Addresses of the server's own host and networks: allowed only for a listed host. */
const PRIVATE = subnets([
  ["10.0.0.0", 8, "ipv4"],
  ["100.64.0.0", 10, "ipv4"],
  ["127.0.0.0", 8, "ipv4"],
  ["172.16.0.0", 12, "ipv4"],
  ["192.0.0.0", 24, "ipv4"],
  ["192.0.2.0", 24, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["198.18.0.0", 15, "ipv4"],
  ["198.51.100.0", 24, "ipv4"],
  ["203.0.113.0", 24, "ipv4"],
  ["::1", 128, "ipv6"],
  ["fc00::", 7, "ipv6"],
  ["fec0::", 10, "ipv6"],
  ["64:ff9b::", 96, "ipv6"],
  ["2002::", 16, "ipv6"],
  ["2001:db8::", 32, "ipv6"],
  ["100::", 64, "ipv6"],
]);

function subnets(list: [string, number, "ipv4" | "ipv6"][]): BlockList {
  const blocks = new BlockList();
  for (const [network, prefix, family] of list) blocks.addSubnet(network, prefix, family);
  return blocks;
}

/** The one answer for a host git may not reach, so refusals tell nothing about the target. */
export function hostRefused(host: string): AppError {
  return new AppError(
    "FORBIDDEN",
    `git import refused: '${host}' is not an allowed git host (public hosts only, or those the administrator lists)`,
    "url",
  );
}

/** Checks a network git URL and resolves its host; throws hostRefused or an INVALID_INPUT. */
export async function checkGitRemote(raw: string, config: ServerConfig): Promise<TGitRemote> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw notHttps(raw);
  }
  if (url.protocol !== "https:" || !url.hostname) throw notHttps(raw);
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const port = url.port || "443";
  const allowed = config.gitAllowedHosts ?? [];
  const listed = allowed.some((entry) => hostMatches(host, entry));
  if (allowed.length > 0 && !listed) throw hostRefused(host);

  const addresses = isIP(host) ? [host] : await resolve(host);
  for (const address of addresses) {
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (NEVER.check(address, family)) throw hostRefused(host);
    if (!listed && PRIVATE.check(address, family)) throw hostRefused(host);
  }
  const pinned = addresses.map((address) => (isIP(address) === 6 ? `[${address}]` : address));
  return {
    url: url.href,
    pin: isIP(host) ? undefined : `${url.hostname}:${port}:${pinned.join(",")}`,
  };
}

async function resolve(host: string): Promise<string[]> {
  try {
    const found = await lookup(host, { all: true, verbatim: true });
    if (found.length > 0) return found.map((entry) => entry.address);
  } catch {
    // An unknown name is refused like a private one: the answer must not map internal DNS.
  }
  throw hostRefused(host);
}

/** `git.example.com` matches itself; `*.example.com` matches its subdomains. */
function hostMatches(host: string, entry: string): boolean {
  const pattern = entry
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1));
  return host === pattern || host === `${pattern}.`;
}

function notHttps(raw: string): AppError {
  return new AppError(
    "INVALID_INPUT",
    `git URL '${raw.slice(0, 200)}' must be https://host/path (an absolute path or file:// for administrators)`,
    "url",
  );
}
