import fs from "node:fs";
import path from "node:path";
import { planBlockDevice } from "../block-device/plan-block-device.ts";
import { selectBlockDeviceConfig } from "../block-device/select-block-device-config.ts";
import { BuildCancelledError, HookFailedError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { squashPackageInstalls } from "../packages/squash-package-installs.ts";
import { formatSquashed } from "../packages/format-squashed.ts";
import { imageBaseName } from "../plan/build-request.ts";
import type { BuildPlan } from "../plan/plan-build.ts";
import { CHROOT_PHASES, PHASES, type TPhase } from "../plan/phases.ts";
import { baseBuildEnv, phaseEnv, type BuildPaths } from "./build-env.ts";
import type { BuildHost } from "./build-host.ts";
import type { BlockDeviceState } from "./block-device/types.ts";
import {
  assertRootDeployed,
  copyTree,
  finaliseBase,
  restoreResolvConf,
  swapResolvConf,
} from "./build-steps.ts";
import type { EventSink } from "./events.ts";
import { writeHooksTree } from "./hooks-tree.ts";
import { computeImageSize, measureTreeKiB } from "./block-device/image-size.ts";
import type { TArtifact } from "./outputs/plan-outputs.ts";
import { writeDiskOutputs, writeTreeOutputs } from "./outputs/write-outputs.ts";
import type { ProgressTracker } from "./progress.ts";
import { IN_TARGET, runPhase } from "./run-phase.ts";
import { writeBuildRecord } from "./build-record.ts";
import type { BuildResult, RunBuildOptions } from "./run-build.ts";

/**
 * The build sequence inside created build directories: DIB's disk-image-create
 * steps from writing the hooks tree to the last output. `runBuild` owns the
 * setup before it and the teardown after it.
 */
export interface Ctx {
  emit: EventSink;
  step: (name: string, detail?: string) => void;
  report: (phase: string, hook?: string) => void;
  progress: ProgressTracker;
  hooks: BuildResult["hooks"];
  artifacts: TArtifact[];
  logger: Logger;
}

export async function runBuildSequence(
  o: RunBuildOptions,
  plan: BuildPlan,
  bd: BuildPaths,
  c: Ctx,
): Promise<void> {
  const { host } = o;
  const elementNames = plan.elements.map((e) => e.name);
  writeHooksTree(bd.hooksPath, plan.elements, plan.merged);

  const userEnv = { ...o.env, ARCH: o.request.arch };
  const selected = selectBlockDeviceConfig({
    env: userEnv,
    elements: plan.elements,
    arch: o.request.arch,
    logger: c.logger,
  });
  c.step("block-device config", selected.message);
  // As disk-image-create: the root-label parameter is always given; empty means the default
  // label (cloudimg-rootfs, img-rootfs for xfs), which upstream bootloaders boot by.
  const rootLabel = o.env.ROOT_LABEL || null;
  const fsType = o.env.FS_TYPE || "ext4";
  const params = { imageDir: bd.imageDir, mountBase: bd.mountPath, rootFsType: fsType, rootLabel };
  const configPlan = planBlockDevice({
    config: selected.text,
    source: selected.source,
    params,
    env: userEnv,
    logger: c.logger,
  });
  const extra: Record<string, string> = {
    DIB_ROOT_LABEL: configPlan.getval.rootLabel ?? "",
    DIB_ROOT_FSTYPE: configPlan.getval.rootFsType ?? fsType,
    DIB_BOOT_LABEL: configPlan.getval.bootLabel,
    DIB_MOUNTPOINTS: configPlan.getval.mountPoints,
  };
  if (o.request.imageSizeGb) extra.DIB_IMAGE_SIZE = String(o.request.imageSizeGb);
  const base = baseBuildEnv({
    userEnv,
    dirs: bd,
    elements: plan.elements,
    elementsPath: o.elementsPath,
    imageName: imageBaseName(o.request),
    arch: o.request.arch,
    debugTrace: o.request.debugTrace,
    imageCache: o.imageCache,
    args: o.args,
    extra,
  });

  const phase = async (p: TPhase) => {
    c.progress.enter(p);
    const where = CHROOT_PHASES.has(p) ? "chroot" : "host";
    const index = PHASES.indexOf(p) + 1;
    const count = plan.phases[p].length;
    c.emit({
      type: "phase.started",
      t: Date.now(),
      phase: p,
      index,
      total: PHASES.length,
      where,
      hooks: count,
    });
    c.report(p);
    const t0 = Date.now();
    let ok = false;
    const inTarget = path.join(bd.mountPath, IN_TARGET);
    try {
      if (where === "chroot") {
        fs.mkdirSync(inTarget);
        await host.bindReadOnly(bd.hooksPath, inTarget);
      }
      const timings = await runPhase({
        phase: p,
        env: phaseEnv(base, p, plan.elements),
        hooksPath: bd.hooksPath,
        mountPath: bd.mountPath,
        merged: plan.merged,
        runner: host.runner,
        emit: c.emit,
        onHook: (h) => c.report(p, h),
        signal: o.signal,
        cwd: o.cwd,
        regex: o.env.RUN_PARTS_REGEX || undefined,
      });
      c.hooks.push(...timings.map((t) => ({ ...t, phase: p })));
      ok = true;
    } finally {
      if (where === "chroot") {
        await host.killChrootProcesses(bd.mountPath);
        await host.unmount(inTarget);
        fs.rmdirSync(inTarget);
      }
      c.progress.finish(p);
      c.emit({ type: "phase.finished", t: Date.now(), phase: p, durationMs: Date.now() - t0, ok });
    }
  };
  const checkAbort = () => {
    if (o.signal?.aborted) throw new BuildCancelledError();
  };

  fs.mkdirSync(bd.mountPath, { recursive: true });
  await phase("root.d");
  assertRootDeployed(bd.mountPath);
  swapResolvConf(bd.mountPath);
  await host.mountChrootFilesystems(bd.mountPath);
  fs.mkdirSync(path.join(bd.hooksPath, "environment.d"), { recursive: true });
  fs.writeFileSync(
    path.join(bd.hooksPath, "environment.d", "11-dib-install-type.bash"),
    `export DIB_DEFAULT_INSTALLTYPE=\${DIB_DEFAULT_INSTALLTYPE:-"${o.env.DIB_DEFAULT_INSTALLTYPE || "source"}"}\n`,
  );
  if (elementNames.includes("package-installs")) {
    const squashed = squashPackageInstalls({
      elements: plan.elements,
      env: base,
      logger: c.logger,
    });
    fs.mkdirSync(path.join(bd.mountPath, "tmp"), { recursive: true });
    fs.writeFileSync(
      path.join(bd.mountPath, "tmp", "package-installs.json"),
      formatSquashed(squashed),
    );
  }
  await phase("extra-data.d");
  await phase("pre-install.d");
  await phase("install.d");
  if (o.request.packages.length) await installExtraPackages(o, bd, base, c);
  await phase("post-install.d");
  await phase("post-root.d");
  checkAbort();

  // The root tree is complete: move it aside, size and create the image.
  c.progress.enter("block-device");
  c.report("block-device");
  fs.rmSync(path.join(bd.mountPath, "lost+found"), { recursive: true, force: true });
  await host.unmountAllUnder(bd.mountPath);
  const built = path.join(bd.buildDir, "built");
  fs.renameSync(bd.mountPath, built);
  fs.mkdirSync(bd.mountPath);
  const size = computeImageSize({
    imageSizeGB: o.request.imageSizeGb,
    treeKiB: o.request.imageSizeGb
      ? undefined
      : await measureTreeKiB(built, host.runner, { signal: o.signal }),
    extraSizeMiB: o.env.DIB_IMAGE_EXTRA_SIZE || undefined,
    journalSizeMiB: o.env.DIB_JOURNAL_SIZE || undefined,
    rootFsType: extra.DIB_ROOT_FSTYPE,
    release: base.DIB_RELEASE,
    elements: elementNames,
    mkfsOptions: o.request.mkfsOptions,
  });
  for (const m of size.messages) c.step("block-device", m);
  base.DIB_IMAGE_SIZE = String(size.sizeKiB);
  c.step("block-device", `image size ${size.sizeKiB} KiB`);
  await phase("block-device.d");
  const imagePlan = planBlockDevice({
    config: selected.text,
    source: selected.source,
    params: {
      ...params,
      imageSize: size.imageSizeParam,
      rootFsOpts: size.mkfsOpts.trim() || undefined,
    },
    env: userEnv,
    logger: c.logger,
  });
  const state: BlockDeviceState = await host.createBlockDevices(imagePlan, o.signal);
  base.IMAGE_BLOCK_DEVICE = state.imageBlockDevice;
  base.IMAGE_BLOCK_DEVICES = state.imageBlockDevices;
  fs.mkdirSync(path.join(built, "etc"), { recursive: true });
  fs.writeFileSync(path.join(built, "etc", "fstab"), state.fstab);
  await copyTree(host.runner, built, state.rootPath ?? bd.mountPath, base);
  fs.rmSync(built, { recursive: true, force: true });
  c.progress.finish("block-device");
  await host.mountChrootFilesystems(bd.mountPath);

  await phase("pre-finalise.d");
  await phase("finalise.d");
  await phase("cleanup.d");
  restoreResolvConf(bd.mountPath);
  await host.unmountAllUnder(path.join(bd.mountPath, "tmp"), {
    keep: state.mountPoints.map((m) => m.path),
  });
  finaliseBase(bd.mountPath);
  checkAbort();

  c.progress.enter("outputs");
  c.report("outputs");
  c.step("outputs", `writing ${o.request.types.join(", ")}`);
  const record = await writeBuildRecord({
    o,
    plan,
    root: bd.mountPath,
    env: base,
    runner: host.runner,
  });
  const keep = state.mountPoints.map((m) => m.path);
  for (const dir of ["proc", "sys", "dev"])
    await host.unmountAllUnder(path.join(bd.mountPath, dir), { keep });
  const types: string[] = o.request.types;
  const treeArtifacts = await writeTreeOutputs({
    ...outputOptions(o, c, host),
    types,
    rootTree: bd.mountPath,
  });
  await host.unmountAllUnder(bd.mountPath, { keep });
  await host.umountBlockDevices(state);
  const diskArtifacts = await writeDiskOutputs({
    ...outputOptions(o, c, host),
    types,
    rawImage: state.imagePath,
  });
  for (const a of [...treeArtifacts, ...diskArtifacts]) {
    c.artifacts.push(a);
    c.emit({
      type: "artifact",
      t: Date.now(),
      kind: a.kind,
      path: a.path,
      bytes: a.bytes,
      sha256: a.sha256,
      md5: a.md5,
    });
  }
  c.step("outputs", `build record ${record}`);
  c.progress.finish("outputs");
}

function outputOptions(o: RunBuildOptions, c: Ctx, host: BuildHost) {
  return {
    imageName: path.resolve(o.cwd, o.request.imageName),
    uncompressed: o.request.uncompressed,
    qemuImgOptions: o.request.qemuImgOptions,
    checksum: o.request.checksum,
    runner: host.runner,
    logger: c.logger,
    signal: o.signal,
  };
}

async function installExtraPackages(
  o: RunBuildOptions,
  bd: BuildPaths,
  base: Record<string, string>,
  c: Ctx,
) {
  c.step("packages", `install-packages ${o.request.packages.join(" ")}`);
  const env = phaseEnv(base, "install.d", []);
  const r = await o.host.runner.run(
    "chroot",
    [bd.mountPath, "install-packages", ...o.request.packages],
    {
      env,
      signal: o.signal,
      onLine: (line, stream) => c.emit({ type: "log", t: Date.now(), stream, line }),
    },
  );
  if (r.exitCode !== 0)
    throw new HookFailedError("install.d", "(-p)", "install-packages", r.exitCode, r.signal);
}
