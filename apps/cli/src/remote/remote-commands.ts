/**
 * The `kiln remote` commands as plain functions over a RemoteClient and
 * injected writers, so tests run them in-process. Each returns its exit
 * code; bad input and connection failures throw one-line KilnErrors (the
 * CLI prints `kiln: …` and exits 2 or 3).
 */
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { KilnError } from "@kiln/contracts/errors";
import { exitCodeForStatus } from "../exit-codes.ts";
import { downloadArtifact, formatBytes } from "./download-artifacts.ts";
import { describeEnd, followBuild, type FollowIO } from "./follow-build.ts";
import type { RemoteClient } from "./remote-client.ts";
import type { TRemoteBuildInput } from "./remote-build-flags.ts";

export type RemoteIO = FollowIO;

/**
 * A build reference: the build's id (what `builds.get` takes), or its
 * number as `42` / `#42`, looked up through `builds.list`.
 */
export async function resolveBuildRef(client: RemoteClient, ref: string): Promise<string> {
  const m = /^#?(\d+)$/.exec(ref.trim());
  if (!m) return ref.trim();
  const number = Number(m[1]);
  const page = await client.call(`build #${number}`, (api) =>
    api.builds.list.query({ q: `#${number}`, limit: 20 }),
  );
  const hit = page.items.find((b) => b.number === number);
  if (!hit) throw new KilnError("USAGE", `build #${number} not found on ${client.server}`);
  return hit.id;
}

/** `--team`: a team's slug or id among the caller's teams; omitted, the caller's only team. */
export async function resolveTeam(client: RemoteClient, team: string | undefined): Promise<string> {
  const teams = await client.call(undefined, (api) => api.teams.list.query());
  const known = teams.map((t) => t.slug).join(", ");
  if (team === undefined) {
    if (teams.length === 1) return teams[0]!.id;
    throw new KilnError(
      "USAGE",
      `--team: required (${teams.length ? `yours on ${client.server}: ${known}` : `this token's user is in no team on ${client.server}`})`,
    );
  }
  const hit = teams.find((t) => t.slug === team || t.id === team);
  if (hit) return hit.id;
  throw new KilnError(
    "USAGE",
    `--team: no team '${team}' on ${client.server} for this token${known ? ` (yours: ${known})` : ""}`,
  );
}

/** `kiln remote build`: queue, then (with `follow`) stream until the end. */
export async function remoteBuild(
  client: RemoteClient,
  input: TRemoteBuildInput & { team?: string },
  io: RemoteIO,
  opts: { follow?: boolean; json?: boolean } = {},
): Promise<number> {
  const teamId = await resolveTeam(client, input.team);
  const created = await client.call(undefined, (api) =>
    api.builds.create.mutate({
      teamId,
      request: input.request,
      env: input.env,
      agentLabels: input.agentLabels,
    }),
  );
  const url = client.buildUrl(created.id);
  if (opts.json) {
    io.out(JSON.stringify({ type: "queued", id: created.id, number: created.number, url }) + "\n");
  } else {
    // With --follow stdout carries the log alone, so this line goes to stderr.
    const line = `build #${created.number} (${created.id}) queued: ${url}\n`;
    (opts.follow ? io.err : io.out)(line);
  }
  if (!opts.follow) return 0;
  return finish(client, created.id, io, opts.json, `build #${created.number}`);
}

async function finish(
  client: RemoteClient,
  buildId: string,
  io: RemoteIO,
  json: boolean | undefined,
  subject: string,
  afterOffset = 0,
): Promise<number> {
  const end = await followBuild(client, buildId, io, { json, subject, afterOffset });
  const exitCode = exitCodeForStatus(end.status);
  if (json) {
    io.out(
      JSON.stringify({
        type: "finished",
        id: buildId,
        number: end.number,
        status: end.status,
        exitCode,
        durationMs: end.durationMs,
        failure: end.failure,
      }) + "\n",
    );
  } else {
    io.err(`${describeEnd(end)}\n`);
  }
  return exitCode;
}

/**
 * `kiln remote logs`: the stored log (GET /api/builds/:id/log) as is; with
 * `follow`, then new text until the build ends (exit code as for build).
 */
export async function remoteLogs(
  client: RemoteClient,
  ref: string,
  io: RemoteIO & { outBytes?: (data: Uint8Array) => void },
  opts: { follow?: boolean } = {},
): Promise<number> {
  const buildId = await resolveBuildRef(client, ref);
  const subject = `build ${ref}`;
  const res = await client.get(`/api/builds/${encodeURIComponent(buildId)}/log`, subject);
  let bytes = 0;
  // One decoder for the whole stream: a character split across chunks is joined, not mangled.
  const decoder = new TextDecoder();
  const write = io.outBytes ?? ((d: Uint8Array) => io.out(decoder.decode(d, { stream: true })));
  if (res.body) {
    for await (const chunk of Readable.fromWeb(
      res.body as import("node:stream/web").ReadableStream<Uint8Array>,
    )) {
      bytes += (chunk as Buffer).length;
      write(chunk as Buffer);
    }
  }
  const tail = io.outBytes ? "" : decoder.decode();
  if (tail) io.out(tail);
  if (!opts.follow) return 0;
  return finish(client, buildId, io, false, subject, bytes);
}

/** `kiln remote cancel`: asks the server; prints what happened. */
export async function remoteCancel(client: RemoteClient, ref: string, io: RemoteIO) {
  const buildId = await resolveBuildRef(client, ref);
  const r = await client.call(`build ${ref}`, (api) => api.builds.cancel.mutate({ buildId }));
  io.out(
    r.cancelRequested
      ? `build ${ref}: cancel requested (the agent stops it; it was ${r.status})\n`
      : `build ${ref}: ${r.status}\n`,
  );
  return 0;
}

/**
 * `kiln remote artifacts`: lists name, size and sha256; with `downloadDir`
 * fetches each, verifies size and sha256 and renames it into place. Exit 1
 * when any artifact failed verification (each named on stderr).
 */
export async function remoteArtifacts(
  client: RemoteClient,
  ref: string,
  io: RemoteIO,
  opts: { downloadDir?: string; json?: boolean } = {},
): Promise<number> {
  const buildId = await resolveBuildRef(client, ref);
  const build = await client.call(`build ${ref}`, (api) => api.builds.get.query({ buildId }));
  const list = build.artifacts;
  if (opts.json && !opts.downloadDir) {
    for (const a of list)
      io.out(
        JSON.stringify({
          name: a.fileName,
          type: a.type,
          sizeBytes: a.sizeBytes,
          sha256: a.sha256,
        }) + "\n",
      );
  } else if (!opts.downloadDir) {
    if (list.length === 0) io.err(`build #${build.number} has no artifacts (${build.status})\n`);
    const width = Math.max(4, ...list.map((a) => a.fileName.length));
    for (const a of list)
      io.out(
        `${a.fileName.padEnd(width)}  ${formatBytes(a.sizeBytes).padStart(10)}  ${a.sha256}\n`,
      );
    return 0;
  }
  if (!opts.downloadDir) return 0;
  const dir = path.resolve(opts.downloadDir);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new KilnError("USAGE", `--download: cannot create ${dir}: ${(err as Error).message}`);
  }
  if (list.length === 0) io.err(`build #${build.number} has no artifacts (${build.status})\n`);
  let failed = 0;
  for (const a of list) {
    const r = await downloadArtifact(client, buildId, a, dir);
    if (r.ok) io.out(`${r.file}  ${formatBytes(r.bytes)}  sha256 ok\n`);
    else {
      failed++;
      io.err(`kiln: ${r.fileName}: ${r.reason}; not saved\n`);
    }
  }
  return failed ? 1 : 0;
}
