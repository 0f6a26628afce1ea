import type { TPhase } from "@kiln/contracts/phases";

/** One phase of a made-up Debian build: where its hooks run and each hook's [element, script]. */
export interface SamplePhase {
  phase: TPhase;
  where: "host" | "chroot";
  hooks: [string, string][];
}

/** The phases and hooks the browser tests' scripted and seeded builds report. */
export const SAMPLE_PHASES: SamplePhase[] = [
  {
    phase: "root.d",
    where: "host",
    hooks: [
      ["debootstrap", "08-debootstrap"],
      ["dpkg", "45-dpkg-apt-cache"],
    ],
  },
  { phase: "pre-install.d", where: "chroot", hooks: [["dpkg", "00-dpkg-update"]] },
  {
    phase: "install.d",
    where: "chroot",
    hooks: [
      ["package-installs", "01-package-installs"],
      ["openssh-server", "50-openssh"],
    ],
  },
  { phase: "post-install.d", where: "chroot", hooks: [["dib-init-system", "10-init"]] },
  { phase: "finalise.d", where: "chroot", hooks: [["bootloader", "50-bootloader"]] },
];
