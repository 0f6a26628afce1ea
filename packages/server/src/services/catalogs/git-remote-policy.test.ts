import { describe, expect, it } from "vitest";
import type { ServerConfig } from "../../context.ts";
import { checkGitRemote } from "./git-remote-policy.ts";

const config = (gitAllowedHosts: string[] = []): ServerConfig => ({
  version: "test",
  builtinElementsDir: "",
  keepBuildsDefault: 1,
  maxCatalogBytes: 1,
  publicUrl: "http://kiln.test",
  gitAllowedHosts,
});

const refusal = (host: string) =>
  `git import refused: '${host}' is not an allowed git host (public hosts only, or those the administrator lists)`;

describe("checkGitRemote", () => {
  it.each([
    ["https://127.0.0.1/x", "127.0.0.1"],
    ["https://2130706433/x", "127.0.0.1"],
    ["https://[::1]/x", "::1"],
    ["https://[::ffff:10.0.0.1]/x", "::ffff:a00:1"],
    ["https://[fd00:ec2::254]/x", "fd00:ec2::254"],
    ["https://[fe80::1]/x", "fe80::1"],
    ["https://192.168.1.1/x", "192.168.1.1"],
    ["https://172.31.0.1/x", "172.31.0.1"],
    ["https://100.100.100.200/x", "100.100.100.200"],
    ["https://0.0.0.0/x", "0.0.0.0"],
    ["https://localhost/x", "localhost"],
    ["https://no-such-host.invalid/x", "no-such-host.invalid"],
  ])("refuses %s with the one message", async (url, host) => {
    await expect(checkGitRemote(url, config())).rejects.toThrow(refusal(host));
  });

  it("accepts only https", async () => {
    for (const url of ["http://8.8.8.8/x", "git://8.8.8.8/x", "ssh://8.8.8.8/x", "git@8.8.8.8:x"]) {
      await expect(checkGitRemote(url, config())).rejects.toThrow(/must be https:\/\//);
    }
    expect(await checkGitRemote("https://8.8.8.8/x.git", config())).toEqual({
      url: "https://8.8.8.8/x.git",
      pin: undefined,
    });
  });

  it("lets a listed host have private addresses, pinned for the fetch, but never link-local", async () => {
    const remote = await checkGitRemote("https://localhost:8443/x.git", config(["localhost"]));
    expect(remote.pin).toMatch(/^localhost:8443:(127\.0\.0\.1|\[::1\])(,|$)/);
    expect((await checkGitRemote("https://10.1.2.3/x", config(["10.1.2.3"]))).url).toBe(
      "https://10.1.2.3/x",
    );
    await expect(
      checkGitRemote("https://169.254.169.254/x", config(["169.254.169.254"])),
    ).rejects.toThrow(refusal("169.254.169.254"));
  });

  it("refuses hosts off a non-empty list, and matches *.domain to its subdomains only", async () => {
    const listed = config(["*.example.com"]);
    await expect(checkGitRemote("https://8.8.8.8/x", listed)).rejects.toThrow(refusal("8.8.8.8"));
    await expect(checkGitRemote("https://example.com.evil.test/x", listed)).rejects.toThrow(
      refusal("example.com.evil.test"),
    );
    await expect(checkGitRemote("https://evilexample.com/x", listed)).rejects.toThrow(
      refusal("evilexample.com"),
    );
  });
});
