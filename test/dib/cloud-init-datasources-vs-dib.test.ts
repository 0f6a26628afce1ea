// Kiln's cloud-init-datasources hook against DIB's, each run in a tiny chroot
// (bash and cat copied from the host): the same files, with the same YAML, in
// an image with cloud-init's configuration directory; nothing at all in one
// without it; a failure when the variable is unset.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DIB_ELEMENTS } from "../support/dib-oracle.ts";
import { hasDib, warnIfSkipped } from "@kiln/engine/testing/host-capabilities";

const noDib = hasDib();
warnIfSkipped("test/dib/cloud-init-datasources-vs-dib.test.ts", noDib);

const KILN_HOOK = path.resolve(
  import.meta.dirname,
  "../../elements/cloud-init-datasources/install.d/20-cloud-init-datasources",
);
const DIB_HOOK = path.join(
  DIB_ELEMENTS,
  "cloud-init-datasources/install.d/05-set-cloud-init-sources",
);
const CHROOT = spawnSync("sh", ["-c", "command -v chroot"], { encoding: "utf8" }).stdout.trim();
const noChroot =
  process.getuid?.() !== 0 ? "chroot needs root" : CHROOT === "" ? "no chroot" : undefined;
if (noChroot) console.log(`cloud-init-datasources-vs-dib: skipped, ${noChroot}`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-cloudinit-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A root with bash and cat (and their libraries) copied from the host. */
function tinyRoot(name: string, withCloudInit: boolean): string {
  const root = path.join(tmp, name);
  for (const tool of ["bash", "cat"]) {
    const src = fs.realpathSync(
      spawnSync("sh", ["-c", `command -v ${tool}`])
        .stdout.toString()
        .trim(),
    );
    const libs = spawnSync("ldd", [src], { encoding: "utf8" }).stdout.match(/\/\S+/g) ?? [];
    for (const file of [src, ...libs]) {
      fs.mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
      fs.copyFileSync(file, path.join(root, file));
      fs.chmodSync(path.join(root, file), 0o755);
    }
    fs.mkdirSync(path.join(root, "bin"), { recursive: true });
    fs.copyFileSync(src, path.join(root, "bin", tool));
    fs.chmodSync(path.join(root, "bin", tool), 0o755);
  }
  fs.mkdirSync(path.join(root, "etc"), { recursive: true });
  if (withCloudInit) fs.mkdirSync(path.join(root, "etc/cloud/cloud.cfg.d"), { recursive: true });
  return root;
}

interface HookRun {
  status: number | null;
  /** Every path under /etc, relative to it. */
  etc: string[];
  /** The YAML of each file written under /etc/cloud/cloud.cfg.d, parsed. */
  configs: Record<string, unknown>;
}

function runHook(hook: string, name: string, withCloudInit: boolean, sources?: string): HookRun {
  const root = tinyRoot(name, withCloudInit);
  fs.copyFileSync(hook, path.join(root, "hook"));
  const env: Record<string, string> = { PATH: "/bin" };
  if (sources !== undefined) env.DIB_CLOUD_INIT_DATASOURCES = sources;
  const run = spawnSync(CHROOT, [root, "/bin/bash", "/hook"], { env, encoding: "utf8" });
  if (run.error) throw run.error;
  const etc = fs.readdirSync(path.join(root, "etc"), { recursive: true }).map(String).sort();
  const cfgDir = path.join(root, "etc/cloud/cloud.cfg.d");
  const configs: Record<string, unknown> = {};
  if (fs.existsSync(cfgDir)) {
    for (const file of fs.readdirSync(cfgDir).sort()) {
      configs[file] = parse(fs.readFileSync(path.join(cfgDir, file), "utf8"));
    }
  }
  return { status: run.status, etc, configs };
}

describe.skipIf(noChroot !== undefined)("cloud-init-datasources", () => {
  it("writes nothing, and succeeds, when cloud-init is not installed", () => {
    const run = runHook(KILN_HOOK, "kiln-none", false, "ConfigDrive, Ec2");
    expect(run).toEqual({ status: 0, etc: [], configs: {} });
  });

  it("writes the data source list (and Ec2's settings) where cloud-init is", () => {
    const run = runHook(KILN_HOOK, "kiln-ec2", true, "ConfigDrive, Ec2");
    expect(run.status).toBe(0);
    expect(run.configs).toEqual({
      "91-dib-cloud-init-datasources.cfg": { datasource_list: ["ConfigDrive", "Ec2", "None"] },
      "92-ec2-datasource.cfg": { datasource: { Ec2: { strict_id: false } } },
    });
  });

  it.skipIf(noDib !== null)("does what DIB's element does in each case", () => {
    const cases: [string, boolean, string | undefined][] = [
      ["none", false, "ConfigDrive, Ec2"],
      ["ec2", true, "ConfigDrive, Ec2"],
      ["plain", true, "NoCloud"],
      ["unset", true, undefined],
      ["unset-none", false, undefined],
    ];
    for (const [label, withCloudInit, sources] of cases) {
      const kiln = runHook(KILN_HOOK, `k-${label}`, withCloudInit, sources);
      const dib = runHook(DIB_HOOK, `d-${label}`, withCloudInit, sources);
      expect({ label, ...kiln, status: kiln.status === 0 }).toEqual({
        label,
        ...dib,
        status: dib.status === 0,
      });
    }
  });
});
