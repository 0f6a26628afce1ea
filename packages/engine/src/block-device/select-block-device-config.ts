/**
 * Which block-device config a build uses (spec §5.7, DIB's
 * `block_device_create_config_file`): `DIB_BLOCK_DEVICE_CONFIG` as
 * `file://PATH` or literal YAML, else the first element shipping
 * `block-device-<ARCH>.yaml` / `block-device-default.yaml`, else the default.
 */
import fs from "node:fs";
import path from "node:path";
import type { ElementRef } from "../elements/types.ts";
import type { Logger } from "@kiln/contracts/logger";
import { silentLogger } from "@kiln/contracts/logger";
import { BlockDeviceConfigError } from "./errors.ts";

/** DIB's fallback: a filesystem straight on the loop device, no partition table. */
export const DEFAULT_BLOCK_DEVICE_CONFIG = `- local_loop:
    name: image0
    mkfs:
      name: mkfs_root
      mount:
        mount_point: /
        fstab:
          options: "defaults"
          fsck-passno: 1
`;

export interface SelectBlockDeviceConfigOptions {
  /** Build environment; `DIB_BLOCK_DEVICE_CONFIG` is read. */
  env: Record<string, string | undefined>;
  /** The expanded elements, in the order to search (DIB's order is a bash hash order). */
  elements: ElementRef[];
  /** Target architecture (`amd64`, `arm64`, `ppc64el`, …). */
  arch: string;
  logger?: Logger;
}

export interface SelectedBlockDeviceConfig {
  /** The YAML text to plan with. */
  text: string;
  /** Where it came from: `env-file`, `env-text`, `element` or `default`. */
  origin: "env-file" | "env-text" | "element" | "default";
  /** A label for messages: the file path, `DIB_BLOCK_DEVICE_CONFIG` or `default config`. */
  source: string;
  /** The element whose file was used (origin `element`). */
  element?: string;
  /** The line DIB prints for this choice. */
  message: string;
}

export function selectBlockDeviceConfig(
  options: SelectBlockDeviceConfigOptions,
): SelectedBlockDeviceConfig {
  const logger = options.logger ?? silentLogger;
  const fromEnv = options.env.DIB_BLOCK_DEVICE_CONFIG;
  if (fromEnv?.startsWith("file://")) {
    const file = fromEnv.slice("file://".length);
    return {
      text: readOrThrow(file, `DIB_BLOCK_DEVICE_CONFIG: cannot read '${file}'`),
      origin: "env-file",
      source: file,
      message: `Using file-based block-device config: ${fromEnv}`,
    };
  }
  if (fromEnv) {
    return {
      text: fromEnv,
      origin: "env-text",
      source: "DIB_BLOCK_DEVICE_CONFIG",
      message: "User specified block-device config from DIB_BLOCK_DEVICE_CONFIG",
    };
  }

  const archFile = archMatchesPpc64el(options.arch)
    ? "block-device-ppc64el.yaml"
    : `block-device-${options.arch}.yaml`;
  const found: { element: ElementRef; file: string }[] = [];
  for (const element of options.elements) {
    for (const name of [archFile, "block-device-default.yaml"]) {
      const file = path.join(element.path, name);
      if (fs.existsSync(file)) {
        found.push({ element, file });
        break;
      }
    }
  }
  const chosen = found[0];
  if (!chosen) {
    return {
      text: DEFAULT_BLOCK_DEVICE_CONFIG,
      origin: "default",
      source: "default config",
      message: "Using default block-device fallback config",
    };
  }
  if (found.length > 1) {
    // DIB's pick among several depends on bash's associative-array order; ours is the element order.
    logger.warn(
      `several elements ship a block-device config (${found.map((f) => f.element.name).join(", ")}); ` +
        `using '${chosen.element.name}'`,
    );
  }
  return {
    text: readOrThrow(
      chosen.file,
      `element '${chosen.element.name}': cannot read ${path.basename(chosen.file)}`,
    ),
    origin: "element",
    source: chosen.file,
    element: chosen.element.name,
    message: `Using block-device config: ${chosen.file}`,
  };
}

/** DIB's `[[ "ppc64le ppc64el" =~ $ARCH ]]`: ARCH is a regex searched in that string. */
function archMatchesPpc64el(arch: string): boolean {
  try {
    return new RegExp(arch).test("ppc64le ppc64el");
  } catch {
    return false;
  }
}

function readOrThrow(file: string, what: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new BlockDeviceConfigError(`${what} (${code})`, { cause: err });
  }
}
