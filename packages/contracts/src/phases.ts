/** The hook phases in DIB's run order. environment.d is sourced before each. */
export const PHASES = [
  "root.d",
  "extra-data.d",
  "pre-install.d",
  "install.d",
  "post-install.d",
  "post-root.d",
  "block-device.d",
  "pre-finalise.d",
  "finalise.d",
  "cleanup.d",
] as const;

export type TPhase = (typeof PHASES)[number];

/** Phases DIB runs inside the image chroot; the rest run on the build host. */
export const CHROOT_PHASES: ReadonlySet<TPhase> = new Set([
  "pre-install.d",
  "install.d",
  "post-install.d",
  "finalise.d",
]);
