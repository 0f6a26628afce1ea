import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decideLocalAgent, LOCAL_AGENT_TOOLS } from "./local-agent.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A fake host: a PATH dir with `tools` as executables, and /sys + /dev with or without loop-control. */
function host(o: { tools: string[]; loopControl: boolean }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-local-agent-"));
  dirs.push(root);
  const bin = path.join(root, "bin");
  const sysDir = path.join(root, "sys");
  const devDir = path.join(root, "dev");
  for (const d of [bin, path.join(sysDir, "block"), devDir]) fs.mkdirSync(d, { recursive: true });
  for (const t of o.tools) fs.writeFileSync(path.join(bin, t), "#!/bin/sh\n", { mode: 0o755 });
  if (o.loopControl) fs.writeFileSync(path.join(devDir, "loop-control"), "");
  return { path: bin, sysDir, devDir };
}

describe("decideLocalAgent", () => {
  it("starts on a root host with loop devices and every tool", () => {
    const h = host({ tools: LOCAL_AGENT_TOOLS, loopControl: true });
    expect(decideLocalAgent({ mode: "auto", uid: 0, ...h })).toEqual({ start: true });
  });

  it("is off when KILN_LOCAL_AGENT=off, whatever the host", () => {
    const h = host({ tools: LOCAL_AGENT_TOOLS, loopControl: true });
    expect(decideLocalAgent({ mode: "off", uid: 0, ...h })).toEqual({
      start: false,
      reason: "disabled by KILN_LOCAL_AGENT=off",
    });
  });

  it("names every missing piece: root, tools, loop devices", () => {
    const h = host({
      tools: LOCAL_AGENT_TOOLS.filter((t) => t !== "debootstrap" && t !== "qemu-img"),
      loopControl: false,
    });
    const d = decideLocalAgent({ mode: "auto", uid: 1000, ...h });
    expect(d.start).toBe(false);
    if (d.start) return;
    expect(d.reason).toMatch(/^this host cannot build images: /);
    expect(d.reason).toContain("not running as root");
    expect(d.reason).toContain("missing tool: debootstrap");
    expect(d.reason).toContain("missing tool: qemu-img");
    expect(d.reason).toContain("/dev/loop-control missing");
    expect(d.reason).not.toContain("losetup");
  });

  it("refuses a root host that only lacks partx", () => {
    const h = host({ tools: LOCAL_AGENT_TOOLS.filter((t) => t !== "partx"), loopControl: true });
    const d = decideLocalAgent({ mode: "auto", uid: 0, ...h });
    expect(d).toMatchObject({
      start: false,
      reason: expect.stringContaining("missing tool: partx"),
    });
  });
});
