import { describe, expect, it } from "vitest";
import { clientAddress, parseTrustedProxies, TrustedProxies } from "./client-address.ts";

describe("clientAddress", () => {
  const proxies = new TrustedProxies(["10.0.0.0/8", "fd00::/8", "192.0.2.1"]);

  it("is the peer when the peer is not a trusted proxy, whatever the header says", () => {
    expect(clientAddress("203.0.113.5", "198.51.100.1", proxies)).toBe("203.0.113.5");
    expect(clientAddress("::ffff:203.0.113.5", undefined, proxies)).toBe("203.0.113.5");
    expect(clientAddress("10.1.1.1", "198.51.100.1", new TrustedProxies([]))).toBe("10.1.1.1");
  });

  it("walks X-Forwarded-For from the right past trusted hops", () => {
    expect(clientAddress("10.1.1.1", "1.1.1.1, 198.51.100.1", proxies)).toBe("198.51.100.1");
    expect(clientAddress("::ffff:10.1.1.1", "198.51.100.1, 10.2.2.2, 192.0.2.1", proxies)).toBe(
      "198.51.100.1",
    );
    expect(clientAddress("fd00::1", "[2001:db8::7]:4711", proxies)).toBe("2001:db8::7");
    expect(clientAddress("10.1.1.1", ["198.51.100.9", "10.3.3.3"], proxies)).toBe("198.51.100.9");
    // Every hop trusted: the left-most one is as far as the chain goes.
    expect(clientAddress("10.1.1.1", "10.2.2.2", proxies)).toBe("10.2.2.2");
    // Garbage where an address should be is not believed: the last trusted hop stands.
    expect(clientAddress("10.1.1.1", "198.51.100.1, not-an-ip", proxies)).toBe("10.1.1.1");
    expect(clientAddress("10.1.1.1", "", proxies)).toBe("10.1.1.1");
  });

  it("has no address for a closed socket", () => {
    expect(clientAddress(undefined, "198.51.100.1", proxies)).toBeUndefined();
  });
});

describe("parseTrustedProxies", () => {
  it("splits on commas and spaces and checks each entry", () => {
    expect(parseTrustedProxies(" 10.0.0.5, fd00::/8  192.168.0.0/16 ")).toEqual([
      "10.0.0.5",
      "fd00::/8",
      "192.168.0.0/16",
    ]);
    expect(parseTrustedProxies("")).toEqual([]);
    for (const bad of ["proxy.local", "10.0.0.0/33", "10.0.0.0/", "fd00::/129", "1.2.3.4/8/8"]) {
      expect(() => parseTrustedProxies(bad), bad).toThrow(/is not an IP address or CIDR/);
    }
  });
});
