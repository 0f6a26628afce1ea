/**
 * Catalog uploads against a real server: an archive of one huge directory,
 * parallel uploads against the server-wide extraction budget and the cap on
 * imports at once, and a 100 MiB multipart body that must not be held in memory.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { tarEntry, tarOf } from "@kiln/server/testing/catalog-test-server";
import { startSecurityServer, type TSecurityServer } from "./support/catalog-import-server.ts";

let s: TSecurityServer;
let tmpRoot: string;
const savedTmpdir = process.env.TMPDIR;

beforeAll(async () => {
  s = await startSecurityServer();
  // The server runs in this process: its temp dirs go here, where the test can weigh them.
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-security-uploads-"));
  process.env.TMPDIR = tmpRoot;
});
afterAll(async () => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  await s.close();
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});
afterEach(() => s.resetConfig());

interface THeldUpload {
  /** Sends the rest of the body. */
  finish(): void;
  /** Set once the server answered. */
  answered: { status: number; body: string } | undefined;
  done: Promise<{ status: number; body: string }>;
}

/** POSTs `archive` as a raw body, holding back its last `holdBack` bytes until `finish`. */
function heldUpload(archive: Buffer, name: string, holdBack: number): THeldUpload {
  const url = new URL(`${s.url}/api/catalogs/upload`);
  url.search = new URLSearchParams({ teamId: s.f.teamA, name }).toString();
  const req = http.request(url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${s.token}`,
      "content-type": "application/x-tar",
      "content-length": String(archive.length),
    },
  });
  const upload: THeldUpload = {
    finish: () => req.end(archive.subarray(archive.length - holdBack)),
    answered: undefined,
    done: new Promise((resolve, reject) => {
      req.on("response", (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => {
          upload.answered = { status: res.statusCode ?? 0, body };
          resolve(upload.answered);
        });
      });
      // A refusal mid-body closes the connection; with unread bytes left the close is a
      // reset, which may overtake the answer: counted as a refusal without a message.
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (upload.answered) return;
        if (err.code !== "ECONNRESET" && err.code !== "EPIPE") reject(err);
        upload.answered = { status: 0, body: "connection reset" };
        resolve(upload.answered);
      });
    }),
  };
  req.write(archive.subarray(0, archive.length - holdBack));
  return upload;
}

/** Bytes of regular files under `dir`. */
function fileBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const KIB = 1024;
/** A plain tar of one element whose three files hold 90 KiB. */
function ninetyKibArchive(): Buffer {
  const file = () => randomBytes(15 * KIB).toString("hex"); // 30 KiB of text
  return tarOf(
    tarEntry("el/", { type: "5", mode: 0o755 }),
    tarEntry("el/element-deps", { body: "" }),
    tarEntry("el/a", { body: file() }),
    tarEntry("el/b", { body: file() }),
    tarEntry("el/c", { body: file() }),
  );
}

describe("catalog upload resource limits", () => {
  it("imports an archive of 19,990 files in one directory without running out of descriptors", async () => {
    const files = Array.from({ length: 19_990 }, (_, i) =>
      tarEntry(`el/f${String(i).padStart(5, "0")}`, { body: "x" }),
    );
    const archive = zlib.gzipSync(
      tarOf(
        tarEntry("el/", { type: "5", mode: 0o755 }),
        tarEntry("el/element-deps", { body: "" }),
        ...files,
      ),
    );
    expect(archive.length).toBeLessThan(1 << 20);
    // Below the file count, whatever this host's default: reading all at once must fail here.
    const limit = fdLimit();
    setFdLimit(8192);
    try {
      const upload = heldUpload(archive, "many-files", 0);
      upload.finish();
      const { status, body } = await upload.done;
      expect(body).not.toMatch(/EMFILE|internal error/);
      expect(status).toBe(201);
    } finally {
      setFdLimit(limit);
    }
  }, 120_000);

  it("keeps parallel uploads together within the server's extraction budget", async () => {
    s.setConfig({
      maxCatalogTreeBytes: 100 * KIB,
      maxExtractingBytes: 150 * KIB,
      maxConcurrentImports: 4,
    });
    const uploads = [0, 1, 2, 3].map((i) => heldUpload(ninetyKibArchive(), `budget-${i}`, 1024));
    const extractedWhole = () =>
      fs
        .readdirSync(tmpRoot)
        .filter((name) => name.startsWith("kiln-catalog-upload-"))
        .filter((name) => fileBytes(path.join(tmpRoot, name)) >= 90 * KIB).length;
    // Every upload has sent all its files: it was refused, or it extracted them all.
    await until(
      () => uploads.filter((u) => u.answered).length + extractedWhole() === 4,
      "each upload answered or extracted",
    );
    expect(fileBytes(tmpRoot)).toBeLessThanOrEqual(150 * KIB);
    for (const upload of uploads) upload.finish();
    const results = await Promise.all(uploads.map((u) => u.done));
    const refused = results.filter((r) => r.status === 429 || r.status === 0);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    for (const r of refused.filter((r) => r.status === 429)) {
      expect(r.body).toMatch(/extraction budget.*try again/);
    }
    for (const r of results) expect([0, 200, 201, 429]).toContain(r.status);
    // The budget comes back when imports end.
    const after = heldUpload(ninetyKibArchive(), "budget-after", 0);
    after.finish();
    const afterAnswer = await after.done;
    expect(afterAnswer.body).toMatch(/created/);
    expect(afterAnswer.status).toBe(201);
  });

  it("refuses an upload while the most imports at once are running", async () => {
    s.setConfig({ maxConcurrentImports: 1 });
    const first = heldUpload(ninetyKibArchive(), "one-at-a-time", 1024);
    await until(
      () => fs.readdirSync(tmpRoot).some((n) => n.startsWith("kiln-catalog-upload-")),
      "first upload started",
    );
    // Small, so the server has read all of it when it refuses (no reset overtaking the answer).
    const second = heldUpload(
      tarOf(tarEntry("el/", { type: "5", mode: 0o755 })),
      "one-too-many",
      0,
    );
    second.finish();
    const refused = await second.done;
    expect(refused.status).toBe(429);
    expect(refused.body).toMatch(/already running 1 catalog imports; try again/);
    first.finish();
    expect((await first.done).status).toBe(201);
  });

  it("still imports a multipart form whose fields follow the file, and caps its file part", async () => {
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(ninetyKibArchive())]), "el.tar");
    form.append("teamId", s.f.teamA);
    form.append("name", "from-a-form");
    const post = (body: FormData) =>
      fetch(`${s.url}/api/catalogs/upload`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.token}` },
        body,
      });
    const res = await post(form);
    expect(res.status).toBe(201);
    expect(((await res.json()) as { version: { origin: string } }).version.origin).toBe("el.tar");

    s.setConfig({ maxCatalogBytes: 64 * KIB });
    const tooBig = await post(form);
    expect(tooBig.status).toBe(413);
    expect(await tooBig.text()).toMatch(/larger than 65536 bytes/);
  });

  it("streams a 100 MiB multipart upload to disk instead of holding it in memory", async () => {
    s.setConfig({ maxCatalogBytes: 200 << 20 });
    const boundary = "kilnboundary7d1f";
    const head = Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="teamId"\r\n\r\n${s.f.teamA}\r\n` +
        `--${boundary}\r\ncontent-disposition: form-data; name="name"\r\n\r\nhuge-form\r\n` +
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="huge.tar"\r\n` +
        "content-type: application/x-tar\r\n\r\n",
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const chunk = Buffer.alloc(1 << 20, "k");
    const chunks = 100;
    const length = head.length + chunks * chunk.length + tail.length;

    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(`${s.url}/api/catalogs/upload`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${s.token}`,
            "content-type": `multipart/form-data; boundary=${boundary}`,
            "content-length": String(length),
          },
        });
        req.on("response", (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        void (async () => {
          req.write(head);
          for (let i = 0; i < chunks; i++) {
            if (!req.write(chunk)) await new Promise((r) => req.once("drain", r));
          }
          req.end(tail);
        })();
      });
      // Not an archive: refused after it was received, as a client error.
      expect(answer.status).toBe(400);
    } finally {
      clearInterval(sampler);
    }
    expect(peak - baseline).toBeLessThan(48 << 20);
  }, 120_000);
});

function fdLimit(): string {
  return execFileSync(
    "prlimit",
    ["--pid", String(process.pid), "--nofile", "--raw", "--noheadings", "--output=SOFT,HARD"],
    {
      encoding: "utf8",
    },
  )
    .trim()
    .split(/\s+/)
    .join(":");
}

function setFdLimit(limit: number | string): void {
  const [soft, hard] = String(limit).split(":");
  const value = hard ? `${soft}:${hard}` : `${soft}:`;
  execFileSync("prlimit", ["--pid", String(process.pid), `--nofile=${value}`]);
}
