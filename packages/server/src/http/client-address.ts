/**
 * Who is on the other end of a request, for sign-in throttling. The socket's
 * peer is the client, unless the peer is one of the configured trusted proxies
 * (KILN_TRUSTED_PROXIES): then `X-Forwarded-For` is read from the right, each
 * trusted hop skipped, and the first address no trusted proxy vouches for is
 * the client. Anything a client writes into the header itself sits to the
 * left of what its proxy appended, so it is never reached. Without trusted
 * proxies the header is ignored: any client could write it.
 */
import { BlockList, isIP } from "node:net";

/** A set of proxy addresses and networks. */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  /** `entries`: addresses or CIDRs, as parseTrustedProxies accepts them. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) addEntry(this.list, entry);
    this.empty = entries.length === 0;
  }

  includes(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    return this.list.check(address, family === 4 ? "ipv4" : "ipv6");
  }
}

/**
 * Splits a comma- or space-separated list of addresses and CIDRs (the
 * KILN_TRUSTED_PROXIES syntax). Throws an Error naming the first bad entry.
 */
export function parseTrustedProxies(text: string): string[] {
  const entries = text.split(/[\s,]+/).filter((entry) => entry !== "");
  for (const entry of entries) addEntry(new BlockList(), entry);
  return entries;
}

function addEntry(list: BlockList, entry: string): void {
  const [address = "", prefixText, ...rest] = entry.split("/");
  const family = isIP(address);
  const type = family === 4 ? "ipv4" : "ipv6";
  const maxPrefix = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
  if (
    family === 0 ||
    rest.length > 0 ||
    (prefixText !== undefined && !/^\d+$/.test(prefixText)) ||
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > maxPrefix
  ) {
    throw new Error(`'${entry}' is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)`);
  }
  list.addSubnet(address, prefix, type);
}

/** An IPv4 address the way a dual-stack socket reports it (`::ffff:10.0.0.1`) as plain IPv4. */
function normalise(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** One X-Forwarded-For element as an address: `[v6]:port` and `v4:port` lose the port. */
function forwardedAddress(element: string): string {
  const trimmed = element.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(trimmed);
  if (bracketed) return normalise(bracketed[1]!);
  const withPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(trimmed);
  return normalise(withPort ? withPort[1]! : trimmed);
}

/** The client's address; undefined when the socket has none (it closed). */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined | null,
  trusted: TrustedProxies,
): string | undefined {
  if (peer === undefined) return undefined;
  let client = normalise(peer);
  if (trusted.empty || !forwardedFor) return client;
  const chain = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor).split(",");
  for (let i = chain.length - 1; i >= 0 && trusted.includes(client); i--) {
    const hop = forwardedAddress(chain[i]!);
    // A hop that is no address at all is not believed: the last trusted one stands.
    if (isIP(hop) === 0) break;
    client = hop;
  }
  return client;
}

const cache = new WeakMap<readonly string[], TrustedProxies>();

/** The TrustedProxies of a configured list, parsed once per list. */
export function trustedProxiesOf(entries: readonly string[] | undefined): TrustedProxies {
  if (!entries) return NO_PROXIES;
  let proxies = cache.get(entries);
  if (!proxies) cache.set(entries, (proxies = new TrustedProxies(entries)));
  return proxies;
}

const NO_PROXIES = new TrustedProxies([]);
