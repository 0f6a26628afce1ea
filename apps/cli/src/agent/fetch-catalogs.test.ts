import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "@kiln/contracts/logger";
import { hashElementTree } from "@kiln/contracts/catalog-hash";
import { CatalogFetchError, fetchCatalogs } from "./fetch-catalogs.ts";

const LIMITS = { maxArchiveBytes: 2 ** 30, maxTreeBytes: 2 ** 30, maxEntries: 10_000 };
// Nothing listens on port 1: any download attempt fails at once.
const NOWHERE = "http://127.0.0.1:1/";

let tmp: string;
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tree(name: string, hook: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, "motd", "install.d"), { recursive: true });
  fs.writeFileSync(path.join(dir, "motd", "install.d", "50-motd"), hook, { mode: 0o755 });
  return dir;
}

/** The builtin catalog at `sha256`, from a server that is not there, with these trees at hand. */
const fetchBuiltin = (sha256: string, localTrees: string[]) =>
  fetchCatalogs({
    entries: [{ name: "builtin", sha256, url: "" }],
    localTrees,
    server: NOWHERE,
    secret: "s",
    workDir: path.join(tmp, "work"),
    logger: silentLogger,
  });

describe("fetchCatalogs with the agent's own trees", () => {
  it("uses a local tree with the wanted content in place, downloading nothing", async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-fetch-catalogs-"));
    const other = tree("other", "#!/bin/sh\necho other\n");
    const own = tree("own", "#!/bin/sh\necho hi\n");
    const { sha256 } = await hashElementTree(own, LIMITS, "own");
    const dirs = await fetchBuiltin(sha256, [other, own]);
    expect(dirs).toEqual([own]);
    expect(fs.readdirSync(path.join(tmp, "work", "catalogs"))).toEqual([]);
  });

  it("downloads when no local tree has that content (an agent of another release)", async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-fetch-catalogs-"));
    const own = tree("own", "#!/bin/sh\necho hi\n");
    const server = tree("server", "#!/bin/sh\necho hi from a newer kiln\n");
    const { sha256 } = await hashElementTree(server, LIMITS, "server");
    // A tree that cannot be hashed (a link out of it) is passed over, not fatal.
    const odd = tree("odd", "#!/bin/sh\n");
    fs.symlinkSync("/etc/passwd", path.join(odd, "motd", "escape"));
    const attempt = fetchBuiltin(sha256, [odd, own]);
    await expect(attempt).rejects.toThrow(CatalogFetchError);
    await expect(attempt).rejects.toThrow(
      `catalog builtin (${sha256.slice(0, 12)}): download from ${NOWHERE}api/agents/catalogs/${sha256} failed`,
    );
  });
});
