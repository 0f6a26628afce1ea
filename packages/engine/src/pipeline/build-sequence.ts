import fs from "node:fs";
import path from "node:path";
import {
  planBlockDevice,
  type BlockDeviceParams,
  type BlockDevicePlan,
} from "../block-device/plan-block-device.ts";
import {
  selectBlockDeviceConfig,
  type SelectedBlockDeviceConfig,
} from "../block-device/select-block-device-config.ts";
import { HookFailedError } from "../errors.ts";
import { formatSquashed } from "../packages/format-squashed.ts";
import { squashPackageInstalls } from "../packages/squash-package-installs.ts";
import { imageBaseName } from "@kiln/contracts/build-request";
import { baseBuildEnv, phaseEnv } from "./build-env.ts";
import { runBuildPhase, throwIfCancelled, type BuildContext } from "./build-context.ts";
import { writeBuildRecord } from "./build-record.ts";
import {
  assertRootDeployed,
  copyTree,
  finaliseBase,
  restoreResolvConf,
  swapResolvConf,
} from "./build-steps.ts";
import { computeImageSize, measureTreeKiB, type ImageSize } from "./block-device/image-size.ts";
import type { BlockDeviceState } from "./block-device/types.ts";
import { writeHooksTree } from "./hooks-tree.ts";
import type { TArtifact } from "./outputs/plan-outputs.ts";
import { writeDiskOutputs, writeTreeOutputs } from "./outputs/write-outputs.ts";

/** What is fixed before root.d: the block-device config and the environment phases start from. */
interface BuildSetup {
  /** The caller's environment with ARCH set: what block-device selection and planning read. */
  userEnv: Record<string, string | undefined>;
  blockDeviceConfig: SelectedBlockDeviceConfig;
  /** planBlockDevice's parameters known before the image is sized. */
  blockDeviceParams: BlockDeviceParams;
  /** `getval root-fstype`, or FS_TYPE. */
  rootFsType: string;
  /** The base environment of every phase; the image steps add the size and block devices. */
  env: Record<string, string>;
}

/**
 * The build sequence inside created build directories: DIB's disk-image-create
 * steps from writing the hooks tree to the last output. `runBuild` owns the
 * setup before it and the teardown after it.
 */
export async function runBuildSequence(context: BuildContext): Promise<void> {
  writeHooksTree(context.paths.hooksPath, context.plan.elements, context.plan.merged);
  const setup = configureBuild(context);
  await runRootPhases(context, setup);
  const devices = await createImage(context, setup);
  await runFinalisePhases(context, setup, devices);
  await writeImageOutputs(context, setup, devices);
}

/** Pick and plan the block-device config, then build the base environment of every phase. */
function configureBuild(context: BuildContext): BuildSetup {
  const { options, plan, paths, logger } = context;
  const userEnv = { ...options.env, ARCH: options.request.arch };
  const blockDeviceConfig = selectBlockDeviceConfig({
    env: userEnv,
    elements: plan.elements,
    arch: options.request.arch,
    logger,
  });
  context.step("block-device config", blockDeviceConfig.message);
  // As disk-image-create: the root-label parameter is always given; empty means the default
  // label (cloudimg-rootfs, img-rootfs for xfs), which upstream bootloaders boot by.
  const fsType = options.env.FS_TYPE || "ext4";
  const blockDeviceParams: BlockDeviceParams = {
    imageDir: paths.imageDir,
    mountBase: paths.mountPath,
    rootFsType: fsType,
    rootLabel: options.env.ROOT_LABEL || null,
  };
  const configPlan = planBlockDevice({
    config: blockDeviceConfig.text,
    source: blockDeviceConfig.source,
    params: blockDeviceParams,
    env: userEnv,
    logger,
  });
  const rootFsType = configPlan.getval.rootFsType ?? fsType;
  const env = baseBuildEnv({
    userEnv,
    secretNames: options.secretNames,
    dirs: paths,
    elements: plan.elements,
    elementsPath: options.elementsPath,
    imageName: imageBaseName(options.request),
    arch: options.request.arch,
    debugTrace: options.request.debugTrace,
    imageCache: options.imageCache,
    args: options.args,
    extra: blockDeviceVariables(configPlan, rootFsType, options.request.imageSizeGb),
  });
  return { userEnv, blockDeviceConfig, blockDeviceParams, rootFsType, env };
}

/** The block-device values disk-image-create exports before root.d. */
function blockDeviceVariables(
  configPlan: BlockDevicePlan,
  rootFsType: string,
  imageSizeGb: number | undefined,
): Record<string, string> {
  const variables: Record<string, string> = {
    DIB_ROOT_LABEL: configPlan.getval.rootLabel ?? "",
    DIB_ROOT_FSTYPE: rootFsType,
    DIB_BOOT_LABEL: configPlan.getval.bootLabel,
    DIB_MOUNTPOINTS: configPlan.getval.mountPoints,
  };
  if (imageSizeGb) variables.DIB_IMAGE_SIZE = String(imageSizeGb);
  return variables;
}

/** root.d on the host, then the chroot phases that build the root tree, up to post-root.d. */
async function runRootPhases(context: BuildContext, setup: BuildSetup): Promise<void> {
  const { paths, host, options } = context;
  fs.mkdirSync(paths.mountPath, { recursive: true });
  await runBuildPhase(context, setup.env, "root.d");
  assertRootDeployed(paths.mountPath);
  swapResolvConf(paths.mountPath);
  await host.mountChrootFilesystems(paths.mountPath);
  writeInstallTypeDefault(paths.hooksPath, options.env.DIB_DEFAULT_INSTALLTYPE || "source");
  if (context.plan.elements.some((element) => element.name === "package-installs")) {
    writeSquashedPackageInstalls(context, setup.env);
  }
  await runBuildPhase(context, setup.env, "extra-data.d");
  await runBuildPhase(context, setup.env, "pre-install.d");
  await runBuildPhase(context, setup.env, "install.d");
  if (options.request.packages.length) await installExtraPackages(context, setup.env);
  await runBuildPhase(context, setup.env, "post-install.d");
  await runBuildPhase(context, setup.env, "post-root.d");
  throwIfCancelled(options.signal);
}

/** The environment.d file that gives DIB_DEFAULT_INSTALLTYPE its default. */
function writeInstallTypeDefault(hooksPath: string, installType: string): void {
  const envDir = path.join(hooksPath, "environment.d");
  fs.mkdirSync(envDir, { recursive: true });
  fs.writeFileSync(
    path.join(envDir, "11-dib-install-type.bash"),
    `export DIB_DEFAULT_INSTALLTYPE=\${DIB_DEFAULT_INSTALLTYPE:-"${installType}"}\n`,
  );
}

/** package-installs' squashed list, where its install.d hook reads it inside the chroot. */
function writeSquashedPackageInstalls(context: BuildContext, env: Record<string, string>): void {
  const squashed = squashPackageInstalls({
    elements: context.plan.elements,
    env,
    logger: context.logger,
  });
  const tmp = path.join(context.paths.mountPath, "tmp");
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(path.join(tmp, "package-installs.json"), formatSquashed(squashed));
}

/** `-p`: install-packages inside the chroot, failing like an install.d hook. */
async function installExtraPackages(
  context: BuildContext,
  env: Record<string, string>,
): Promise<void> {
  const { options, paths } = context;
  context.step("packages", `install-packages ${options.request.packages.join(" ")}`);
  const result = await context.host.runner.run(
    "chroot",
    [paths.mountPath, "install-packages", ...options.request.packages],
    {
      env: phaseEnv(env, "install.d", []),
      signal: options.signal,
      onLine: (line, stream) => context.emit({ type: "log", t: Date.now(), stream, line }),
    },
  );
  if (result.exitCode !== 0) {
    const { exitCode, signal } = result;
    throw new HookFailedError("install.d", "(-p)", "install-packages", exitCode, signal);
  }
}

/**
 * The root tree is complete: move it aside, size the image, run
 * block-device.d, create the block devices and copy the tree in with its
 * fstab. The image's filesystems end up mounted at the mount path.
 */
async function createImage(context: BuildContext, setup: BuildSetup): Promise<BlockDeviceState> {
  const { host, paths, options } = context;
  context.progress.enter("block-device");
  context.report("block-device");
  const builtTree = await moveRootTreeAside(context);
  const size = await sizeImage(context, setup, builtTree);
  await runBuildPhase(context, setup.env, "block-device.d");
  const imagePlan = planBlockDevice({
    config: setup.blockDeviceConfig.text,
    source: setup.blockDeviceConfig.source,
    params: {
      ...setup.blockDeviceParams,
      imageSize: size.imageSizeParam,
      rootFsOpts: size.mkfsOpts.trim() || undefined,
    },
    env: setup.userEnv,
    logger: context.logger,
  });
  const devices = await host.createBlockDevices(imagePlan, options.signal);
  setup.env.IMAGE_BLOCK_DEVICE = devices.imageBlockDevice;
  setup.env.IMAGE_BLOCK_DEVICES = devices.imageBlockDevices;
  fs.mkdirSync(path.join(builtTree, "etc"), { recursive: true });
  fs.writeFileSync(path.join(builtTree, "etc", "fstab"), devices.fstab);
  await copyTree(host.runner, builtTree, devices.rootPath ?? paths.mountPath, setup.env);
  fs.rmSync(builtTree, { recursive: true, force: true });
  context.progress.finish("block-device");
  await host.mountChrootFilesystems(paths.mountPath);
  return devices;
}

/** Unmount everything under the root tree and rename it to `built/`; returns that path. */
async function moveRootTreeAside(context: BuildContext): Promise<string> {
  const { mountPath, buildDir } = context.paths;
  fs.rmSync(path.join(mountPath, "lost+found"), { recursive: true, force: true });
  await context.host.unmountAllUnder(mountPath);
  const builtTree = path.join(buildDir, "built");
  fs.renameSync(mountPath, builtTree);
  fs.mkdirSync(mountPath);
  return builtTree;
}

/** DIB's image size (from the tree unless --image-size), exported as DIB_IMAGE_SIZE in KiB. */
async function sizeImage(
  context: BuildContext,
  setup: BuildSetup,
  builtTree: string,
): Promise<ImageSize> {
  const { options, host } = context;
  const { request } = options;
  const size = computeImageSize({
    imageSizeGB: request.imageSizeGb,
    treeKiB: request.imageSizeGb
      ? undefined
      : await measureTreeKiB(builtTree, host.runner, { signal: options.signal }),
    extraSizeMiB: options.env.DIB_IMAGE_EXTRA_SIZE || undefined,
    journalSizeMiB: options.env.DIB_JOURNAL_SIZE || undefined,
    rootFsType: setup.rootFsType,
    release: setup.env.DIB_RELEASE,
    elements: context.plan.elements.map((element) => element.name),
    mkfsOptions: request.mkfsOptions,
  });
  for (const message of size.messages) context.step("block-device", message);
  setup.env.DIB_IMAGE_SIZE = String(size.sizeKiB);
  context.step("block-device", `image size ${size.sizeKiB} KiB`);
  return size;
}

/** pre-finalise.d, finalise.d, cleanup.d in the image, then DIB's finalise_base. */
async function runFinalisePhases(
  context: BuildContext,
  setup: BuildSetup,
  devices: BlockDeviceState,
): Promise<void> {
  const { mountPath } = context.paths;
  await runBuildPhase(context, setup.env, "pre-finalise.d");
  await runBuildPhase(context, setup.env, "finalise.d");
  await runBuildPhase(context, setup.env, "cleanup.d");
  restoreResolvConf(mountPath);
  await context.host.unmountAllUnder(path.join(mountPath, "tmp"), {
    keep: devices.mountPoints.map((mounted) => mounted.path),
  });
  finaliseBase(mountPath);
  throwIfCancelled(context.options.signal);
}

/**
 * The build record, tree outputs while the image is mounted, then disk
 * outputs once its block devices are released.
 */
async function writeImageOutputs(
  context: BuildContext,
  setup: BuildSetup,
  devices: BlockDeviceState,
): Promise<void> {
  const { options, paths, host } = context;
  context.progress.enter("outputs");
  context.report("outputs");
  context.step("outputs", `writing ${options.request.types.join(", ")}`);
  const record = await writeBuildRecord({
    options,
    plan: context.plan,
    root: paths.mountPath,
    env: setup.env,
    runner: host.runner,
  });
  const keep = devices.mountPoints.map((mounted) => mounted.path);
  for (const dir of ["proc", "sys", "dev"]) {
    await host.unmountAllUnder(path.join(paths.mountPath, dir), { keep });
  }
  const treeArtifacts = await writeTreeOutputs({
    ...outputOptions(context),
    rootTree: paths.mountPath,
  });
  await host.unmountAllUnder(paths.mountPath, { keep });
  await host.umountBlockDevices(devices);
  const diskArtifacts = await writeDiskOutputs({
    ...outputOptions(context),
    rawImage: devices.imagePath,
  });
  for (const artifact of [...treeArtifacts, ...diskArtifacts]) recordArtifact(context, artifact);
  context.step("outputs", `build record ${record}`);
  context.progress.finish("outputs");
}

function outputOptions(context: BuildContext) {
  const { options } = context;
  return {
    types: [...options.request.types],
    imageName: path.resolve(options.cwd, options.request.imageName),
    uncompressed: options.request.uncompressed,
    qemuImgOptions: options.request.qemuImgOptions,
    checksum: options.request.checksum,
    runner: context.host.runner,
    logger: context.logger,
    signal: options.signal,
  };
}

function recordArtifact(context: BuildContext, artifact: TArtifact): void {
  context.artifacts.push(artifact);
  const { kind, path: file, bytes, sha256, md5 } = artifact;
  context.emit({ type: "artifact", t: Date.now(), kind, path: file, bytes, sha256, md5 });
}
