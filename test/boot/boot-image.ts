import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface BootResult {
  /** True when the login prompt appeared on the serial console. */
  loggedIn: boolean;
  /** Everything the serial console printed. */
  console: string;
  durationMs: number;
}

/** OVMF firmware from Debian's `ovmf` package, for UEFI boots. */
export const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE.fd";
const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS.fd";

/** Why UEFI boots cannot run here, or undefined when they can. */
export function uefiUnavailable(): string | undefined {
  return fs.existsSync(OVMF_CODE) && fs.existsSync(OVMF_VARS)
    ? undefined
    : "no OVMF firmware (apt-get install ovmf)";
}

/**
 * Boot a disk image under qemu (TCG: no KVM needed) with the serial console on
 * stdio, and wait for a `login:` prompt. The VM is always killed afterwards.
 */
export async function bootImage(o: {
  image: string;
  format: "qcow2" | "raw";
  uefi?: boolean;
  timeoutMs: number;
  onOutput?: (text: string) => void;
}): Promise<BootResult> {
  const args = [
    "-machine",
    "q35",
    "-m",
    "1024",
    "-smp",
    "2",
    "-nographic",
    "-no-reboot",
    "-nic",
    "none",
    "-drive",
    `file=${o.image},format=${o.format},if=virtio,snapshot=on`,
  ];
  // TCG only: /dev/kvm may exist where KVM does not work (seen here: the
  // guest hangs after GRUB), and the test must not depend on it.
  args.push("-accel", "tcg");
  let vars: string | undefined;
  if (o.uefi) {
    const missing = uefiUnavailable();
    if (missing) throw new Error(missing);
    // The variable store must be writable: give each boot its own copy.
    vars = path.join(os.tmpdir(), `kiln-ovmf-vars-${process.pid}-${Date.now()}.fd`);
    fs.copyFileSync(OVMF_VARS, vars);
    args.push("-drive", `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`);
    args.push("-drive", `if=pflash,format=raw,file=${vars}`);
  }
  const started = Date.now();
  const child = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return await new Promise<BootResult>((resolve) => {
    const finish = (loggedIn: boolean) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      if (vars) fs.rmSync(vars, { force: true });
      resolve({ loggedIn, console: output, durationMs: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), o.timeoutMs);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      output += text;
      o.onOutput?.(text);
      if (/login:\s*$/m.test(output.slice(-200))) finish(true);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", () => finish(/login:/.test(output)));
  });
}
