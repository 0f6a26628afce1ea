import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createCommandRunner,
  createLineSplitter,
  formatCommandLine,
  HOST_PATH,
} from "./run-command.ts";
import {
  CommandCancelledError,
  CommandNotFoundError,
  HostCommandError,
  HostError,
} from "./errors.ts";
import { isProcessAlive } from "./kill-processes.ts";

const env = { PATH: HOST_PATH, LC_ALL: "C" };
const leftovers: number[] = [];

afterEach(() => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
});

function collect() {
  const lines: { line: string; stream: string }[] = [];
  return { lines, onLine: (line: string, stream: string) => lines.push({ line, stream }) };
}

describe("createLineSplitter", () => {
  it("joins partial chunks, keeps a last line without newline and a UTF-8 char cut in two", () => {
    const out: string[] = [];
    const s = createLineSplitter((l) => out.push(l));
    const bytes = Buffer.from("é", "utf8");
    s.push("ab");
    s.push("c\nd");
    s.push(Buffer.concat([Buffer.from("\n"), bytes.subarray(0, 1)]));
    s.push(Buffer.concat([bytes.subarray(1), Buffer.from("\n\nlast")]));
    s.end();
    expect(out).toEqual(["abc", "d", "é", "", "last"]);
  });

  it("splits a runaway line at maxLineLength instead of buffering it all", () => {
    const out: string[] = [];
    const s = createLineSplitter((l) => out.push(l), 4);
    s.push("abcdefghij\nxy");
    s.end();
    expect(out).toEqual(["abcdefghij", "xy"]);
    const out2: string[] = [];
    const s2 = createLineSplitter((l) => out2.push(l), 4);
    s2.push("abcdefghij");
    s2.end();
    expect(out2).toEqual(["abcd", "efgh", "ij"]);
  });
});

describe("formatCommandLine", () => {
  it("quotes arguments a shell would split", () => {
    expect(formatCommandLine("umount", ["-l", "/tmp/a b", "it's"])).toBe(
      `umount -l '/tmp/a b' 'it'\\''s'`,
    );
  });
});

describe("createCommandRunner", () => {
  const runner = createCommandRunner({ stragglerGraceMs: 300 });

  it("gives the child exactly the env it was passed", async () => {
    const out = await runner.capture("env", [], { env: { PATH: HOST_PATH, ONLY: "me" } });
    expect(out.trim().split("\n").sort()).toEqual([`ONLY=me`, `PATH=${HOST_PATH}`]);
  });

  it("streams stdout and stderr lines, including a last line without newline", async () => {
    const c = collect();
    const res = await runner.run(
      "sh",
      ["-c", `printf 'par'; sleep 0.1; printf 'tial\\nnext'; echo err >&2; printf tail`],
      { env, onLine: c.onLine },
    );
    expect(res.exitCode).toBe(0);
    expect(c.lines.filter((l) => l.stream === "stdout").map((l) => l.line)).toEqual([
      "partial",
      "nexttail",
    ]);
    expect(c.lines.filter((l) => l.stream === "stderr").map((l) => l.line)).toEqual(["err"]);
  });

  it("loses no line of a large output (200000 lines)", async () => {
    let count = 0;
    let last = "";
    let ordered = true;
    await runner.run("seq", ["1", "200000"], {
      env,
      onLine: (line) => {
        count++;
        if (line !== String(count)) ordered = false;
        last = line;
      },
    });
    expect({ count, last, ordered }).toEqual({ count: 200000, last: "200000", ordered: true });
  });

  it("reports a non-zero exit from run without throwing", async () => {
    const res = await runner.run("sh", ["-c", "exit 7"], { env });
    expect(res.exitCode).toBe(7);
    expect(res.signal).toBeUndefined();
    expect(res.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("capture throws HostCommandError naming the command and the stderr tail", async () => {
    const err = await runner
      .capture("sh", ["-c", "echo one >&2; echo 'target is busy' >&2; exit 32"], { env })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostCommandError);
    const e = err as HostCommandError;
    expect(e.code).toBe("HOST");
    expect(e.exitCode).toBe(32);
    expect(e.message).toContain(
      "`sh -c 'echo one >&2; echo '\\''target is busy'\\'' >&2; exit 32'`",
    );
    expect(e.message).toContain("exit code 32: one | target is busy");
  });

  it("names a missing executable", async () => {
    const err = await runner.run("kiln-no-such-tool", ["x"], { env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandNotFoundError);
    expect((err as Error).message).toBe(
      "cannot run 'kiln-no-such-tool': no such executable on PATH",
    );
  });

  it("names a missing working directory instead of blaming the executable", async () => {
    const err = await runner
      .run("true", [], { env, cwd: "/nonexistent/kiln-cwd" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect((err as Error).message).toContain(
      "working directory /nonexistent/kiln-cwd does not exist",
    );
  });

  it("capture decodes a UTF-8 character cut across two writes", async () => {
    const out = await runner.capture(
      "sh",
      ["-c", `printf '\\303'; sleep 0.05; printf '\\251\\n'`],
      {
        env,
      },
    );
    expect(out).toBe("é\n");
  });

  it("feeds input to stdin, and gives /dev/null otherwise", async () => {
    expect(await runner.capture("cat", [], { env, input: "a\nb" })).toBe("a\nb");
    expect(await runner.capture("cat", [], { env })).toBe("");
  });

  it("refuses to start when the signal is already aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await runner.run("true", [], { env, signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandCancelledError);
  });

  it("abort kills the whole process group, grandchildren included", async () => {
    const ac = new AbortController();
    const pids: number[] = [];
    const script = "sleep 60 & echo $!; (sleep 61 & echo $!; wait) & wait";
    const t0 = Date.now();
    const res = await runner.run("sh", ["-c", script], {
      env,
      signal: ac.signal,
      killGraceMs: 2000,
      onLine: (line) => {
        pids.push(Number(line));
        leftovers.push(Number(line));
        if (pids.length === 2) ac.abort();
      },
    });
    expect(pids).toHaveLength(2);
    expect(res.signal).toBe("SIGTERM");
    expect(res.exitCode).toBe(128 + os.constants.signals.SIGTERM);
    // Killed, not waited for: the sleep would take 60 s. (Speed is bench/'s job.)
    expect(Date.now() - t0).toBeLessThan(20_000);
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);
  });

  it("abort escalates to SIGKILL after killGraceMs when SIGTERM is ignored", async () => {
    const ac = new AbortController();
    const pids: number[] = [];
    const t0 = Date.now();
    const res = await runner.run("sh", ["-c", `trap '' TERM; sleep 60 & echo $!; wait`], {
      env,
      signal: ac.signal,
      killGraceMs: 300,
      onLine: (line) => {
        pids.push(Number(line));
        leftovers.push(Number(line));
        ac.abort();
      },
    });
    const took = Date.now() - t0;
    expect(res.signal).toBe("SIGKILL");
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(20_000);
    expect(isProcessAlive(pids[0]!)).toBe(false);
  });

  it("kills processes a command left behind in its group (a backgrounded daemon)", async () => {
    const pids: number[] = [];
    const onLine = (line: string) => {
      pids.push(Number(line));
      leftovers.push(Number(line));
    };
    const t0 = Date.now();
    const res = await runner.run("sh", ["-c", "sleep 60 & echo $!; exit 0"], { env, onLine });
    const res2 = await runner.run("sh", ["-c", "sleep 60 >/dev/null 2>&1 & echo $!"], {
      env,
      onLine,
    });
    expect(res.exitCode).toBe(0);
    expect(res2.exitCode).toBe(0);
    expect(Date.now() - t0).toBeLessThan(20_000);
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);
  });

  it("returns even when an escaped process (setsid) keeps the output pipe open", async () => {
    const pids: number[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-host-run-"));
    const file = path.join(dir, "pid");
    // The leader waits until the escapee is in its own session, so there is no race.
    const script = `setsid sh -c 'echo $$ > ${file}; exec sleep 60' & while [ ! -s ${file} ]; do sleep 0.02; done; cat ${file}`;
    const t0 = Date.now();
    const res = await runner.run("sh", ["-c", script], {
      env,
      onLine: (line) => {
        pids.push(Number(line));
        leftovers.push(Number(line));
      },
    });
    expect(res.exitCode).toBe(0);
    expect(Date.now() - t0).toBeLessThan(20_000);
    // It left the group, so the runner cannot see it: teardown's sweeps must.
    expect(isProcessAlive(pids[0]!)).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("runs in the given cwd", async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "kiln-host-run-")));
    try {
      expect((await runner.capture("pwd", [], { env, cwd: dir })).trim()).toBe(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
