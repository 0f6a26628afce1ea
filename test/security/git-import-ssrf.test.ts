/**
 * Git import against a real server, as an attacker with a member's token:
 * it must not reach the server's own network (loopback by number or by name,
 * private and metadata addresses, plain http, a redirect from an allowed host),
 * its refusals must not tell an open port from a closed one, and git must not
 * use the server's HOME (credential helpers, extra headers).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { git, sampleElements, writeTree } from "@kiln/server/testing/catalog-test-server";
import { startSecurityServer, type TSecurityServer } from "./support/catalog-import-server.ts";
import {
  closedPort,
  hasOpenssl,
  makeCertificate,
  startCanary,
  startGitHttpsServer,
  startHttpsServer,
  startSilentListener,
  type TCanary,
} from "./support/tls-listeners.ts";

let s: TSecurityServer;
let canary: TCanary;
let dir: string;

beforeAll(async () => {
  s = await startSecurityServer();
  canary = await startCanary();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-security-git-"));
});
afterAll(async () => {
  await canary.close();
  await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(() => s.resetConfig());

let attempt = 0;
/** `catalogs.importGit` over HTTP as alice; the error message, or "" on success. */
async function importGit(url: string): Promise<string> {
  const res = await fetch(`${s.url}/api/trpc/catalogs.importGit`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
    body: JSON.stringify({
      json: { target: { teamId: s.f.teamA, name: `ssrf-${attempt++}` }, url },
    }),
  });
  const body = (await res.json()) as { error?: { json: { message: string } } };
  return body.error?.json.message ?? "";
}

describe("git import SSRF", () => {
  it("refuses loopback, private and metadata addresses alike, open port or closed", async () => {
    const closed = await closedPort();
    const pairs = [
      ["127.0.0.1", `https://127.0.0.1:${canary.port}/x.git`, `https://127.0.0.1:${closed}/x.git`],
      ["localhost", `https://localhost:${canary.port}/x.git`, `https://localhost:${closed}/x.git`],
      [
        "::ffff:7f00:1",
        `https://[::ffff:127.0.0.1]:${canary.port}/x.git`,
        `https://[::ffff:127.0.0.1]:${closed}/x.git`,
      ],
    ];
    for (const [host, open, shut] of pairs) {
      const whenOpen = await importGit(open!);
      expect(whenOpen).toBe(
        `git import refused: '${host}' is not an allowed git host (public hosts only, or those the administrator lists)`,
      );
      expect(await importGit(shut!)).toBe(whenOpen);
    }
    for (const url of ["https://10.0.0.1/x.git", "https://169.254.169.254/latest/meta-data/"]) {
      expect(await importGit(url)).toMatch(
        /^git import refused: '[\d.]+' is not an allowed git host/,
      );
    }
    expect(await importGit(`http://127.0.0.1:${canary.port}/x.git`)).toMatch(/must be https:\/\//);
    expect(await importGit(`git://127.0.0.1:${canary.port}/x.git`)).toMatch(/must be https:\/\//);
    expect(canary.connections).toBe(0);
  });

  it("refuses an unlisted host when the administrator lists the allowed ones", async () => {
    s.setConfig({ gitAllowedHosts: ["git.example.com"] });
    expect(await importGit(`https://127.0.0.1:${canary.port}/x.git`)).toMatch(
      /'127.0.0.1' is not an allowed git host/,
    );
    expect(canary.connections).toBe(0);
  });

  describe.skipIf(!hasOpenssl())("with https listeners (needs openssl)", () => {
    let certificate: { cert: string; key: string };
    const savedHome = process.env.HOME;
    const savedCaInfo = process.env.GIT_SSL_CAINFO;

    beforeAll(() => {
      certificate = makeCertificate(dir);
      // What the server's own environment could carry: it must not matter to the import.
      process.env.GIT_SSL_CAINFO = certificate.cert;
    });
    afterAll(() => {
      restore("HOME", savedHome);
      restore("GIT_SSL_CAINFO", savedCaInfo);
    });

    it("does not follow a redirect from an allowed host to loopback", async () => {
      const redirect = await startHttpsServer("127.0.0.2", certificate, {
        status: 302,
        headers: { location: `https://127.0.0.1:${canary.port}/internal/admin` },
      });
      try {
        s.setConfig({ gitAllowedHosts: ["127.0.0.2"], gitCaFile: certificate.cert });
        const message = await importGit(`https://127.0.0.2:${redirect.port}/repo.git`);
        expect(redirect.requests.length).toBeGreaterThan(0);
        expect(message).toBe("git import failed: no git repository could be fetched from that URL");
        expect(canary.connections).toBe(0);
      } finally {
        await redirect.close();
      }
    });

    it("fetches from an explicitly allowed local host without the server's HOME or credentials", async () => {
      const secret = "SECRET-FROM-SERVER-HOME";
      const home = path.join(dir, "server-home");
      fs.mkdirSync(home, { recursive: true });
      fs.writeFileSync(
        path.join(home, ".gitconfig"),
        [
          "[credential]",
          `\thelper = "!f() { echo username=kiln-server; echo password=${secret}; }; f"`,
          "[http]",
          `\tsslCAInfo = ${certificate.cert}`,
          `\textraHeader = X-Server-Token: ${secret}`,
          "",
        ].join("\n"),
      );
      process.env.HOME = home;
      const privateRepo = await startHttpsServer("127.0.0.1", certificate, {
        status: 401,
        headers: { "www-authenticate": 'Basic realm="private"' },
      });
      try {
        s.setConfig({ gitAllowedHosts: ["127.0.0.1"], gitCaFile: certificate.cert });
        const message = await importGit(`https://127.0.0.1:${privateRepo.port}/private.git`);
        // Listed explicitly, so the loopback host was reached...
        expect(privateRepo.requests.length).toBeGreaterThan(0);
        // ...but git sent nothing of the server's, and the remote's answer is not echoed.
        const sent = JSON.stringify(privateRepo.requests);
        expect(sent).not.toContain(secret);
        expect(sent).not.toContain(Buffer.from(`kiln-server:${secret}`).toString("base64"));
        expect(sent).not.toMatch(/authorization/i);
        expect(message).toBe(
          "git import failed: the repository was not found, or it needs credentials (Kiln sends none)",
        );
      } finally {
        restore("HOME", savedHome);
        await privateRepo.close();
      }
    });

    it("imports over https from an allowed host, within the size and time caps", async () => {
      const work = path.join(dir, "work");
      writeTree(path.join(work, "elements"), sampleElements());
      // Incompressible, so the fetched objects are surely past the cap below.
      fs.writeFileSync(path.join(work, "elements", "tools", "blob"), randomBytes(64 * 1024));
      git(work, "init", "-q", "-b", "main");
      git(work, "add", ".");
      git(work, "commit", "-q", "-m", "elements");
      const root = path.join(dir, "served");
      fs.mkdirSync(root);
      git(root, "clone", "-q", "--bare", work, "elements.git");
      const served = await startGitHttpsServer(root, certificate);
      const stalled = await startSilentListener();
      try {
        const url = `https://127.0.0.1:${served.port}/elements.git`;
        s.setConfig({ gitAllowedHosts: ["127.0.0.1"], gitCaFile: certificate.cert });
        expect(await importGit(url)).toBe("");

        s.setConfig({
          gitAllowedHosts: ["127.0.0.1"],
          gitCaFile: certificate.cert,
          gitMaxFetchBytes: 32 * 1024,
        });
        expect(await importGit(url)).toBe(
          "git import failed: the repository is larger than 32768 bytes",
        );

        s.setConfig({ gitAllowedHosts: ["127.0.0.1"], gitTimeoutMs: 1500 });
        expect(await importGit(`https://127.0.0.1:${stalled.port}/slow.git`)).toBe(
          "git import failed: the fetch took longer than 2 s",
        );
        expect(stalled.connections).toBeGreaterThan(0);
      } finally {
        await served.close();
        await stalled.close();
      }
    });
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
