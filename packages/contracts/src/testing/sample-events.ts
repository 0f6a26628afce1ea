/** One valid build event of every type, optional fields filled, for tests. */
import type { TBuildEvent } from "../build-event.ts";

const buildId = "clx0build0000000000000001";
const sha = "a".repeat(64);

/** One of each TBuildEvent variant. */
export const SAMPLE_EVENTS: TBuildEvent[] = [
  {
    type: "build.started",
    t: 1_700_000_000_000,
    buildId,
    elements: ["debian", "vm"],
    phases: ["root.d", "install.d"],
  },
  {
    type: "phase.started",
    t: 1,
    phase: "install.d",
    index: 4,
    total: 10,
    where: "chroot",
    hooks: 3,
  },
  { type: "phase.finished", t: 2, phase: "install.d", durationMs: 1500, ok: true },
  { type: "hook.started", t: 3, phase: "root.d", element: "debian", script: "10-debootstrap" },
  {
    type: "hook.finished",
    t: 4,
    phase: "root.d",
    element: "debian",
    script: "10-debootstrap",
    exitCode: 0,
    durationMs: 42,
  },
  { type: "step", t: 5, name: "mount", detail: "/dev/loop0p1" },
  {
    type: "log",
    t: 6,
    stream: "stderr",
    line: "héllo ✓",
    phase: "install.d",
    element: "vm",
    script: "50-x",
  },
  {
    type: "progress",
    t: 7,
    index: 3,
    total: 12,
    phase: "outputs",
    hook: "qemu-img",
    elapsedMs: 1000,
    etaMs: 3000,
    fraction: 0.25,
  },
  {
    type: "artifact",
    t: 8,
    kind: "qcow2",
    path: "/w/image.qcow2",
    bytes: 123,
    sha256: sha,
    md5: "b".repeat(32),
  },
  {
    type: "build.finished",
    t: 9,
    status: "failed",
    durationMs: 10,
    error: {
      code: "HOOK_FAILED",
      message: "install.d/50-x failed",
      phase: "install.d",
      element: "vm",
      script: "50-x",
      exitCode: 1,
    },
  },
];
