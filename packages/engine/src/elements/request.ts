/** Options for turning `disk-image-create` arguments into a request list. */
export interface BuildRequestOptions {
  /** Element names as given on the command line. */
  elements: string[];
  /** `-n`: do not prepend `base`. */
  skipBase?: boolean;
  /** Target architecture (`-a` / ARCH): arm64 and aarch64 get `block-device-efi`. */
  arch: string;
}

/**
 * The element list disk-image-create hands to element-info: `vm` without any
 * `block-device-*` element gets the architecture's default block device
 * element, and `base` is prepended unless `-n`.
 */
export function buildRequestList(options: BuildRequestOptions): string[] {
  const list = [...options.elements];
  if (list.includes("vm") && !list.some((e) => e.startsWith("block-device-"))) {
    list.push(isEfiOnlyArch(options.arch) ? "block-device-efi" : "block-device-mbr");
  }
  if (!options.skipBase) list.unshift("base");
  return list;
}

/**
 * DIB tests `[[ "arm64 aarch64" =~ $ARCH ]]`, a substring match that also
 * accepts fragments such as "arm"; Kiln matches whole architecture names.
 */
function isEfiOnlyArch(arch: string): boolean {
  return arch === "arm64" || arch === "aarch64";
}
