import { writeFileSync } from "node:fs";
import path from "node:path";
import { makeTarball } from "./make-tarball.ts";

/**
 * The catalog tarballs the browser test imports: a good one (two elements,
 * one with a README and an install hook) and one with an entry escaping the
 * tree, which the import must refuse by name.
 */
export function writeCatalogTarballs(tmp: string): { good: string; evil: string } {
  const good = path.join(tmp, "team-elements.tar.gz");
  writeFileSync(
    good,
    makeTarball([
      { name: "elements/", type: "dir" },
      { name: "elements/motd/", type: "dir" },
      {
        name: "elements/motd/README.md",
        type: "file",
        content:
          "# motd\n\nWrites a **message of the day**.\n\n* `MOTD_TEXT` (default: `Built by Kiln`)\n",
      },
      { name: "elements/motd/element-deps", type: "file", content: "base\n" },
      { name: "elements/motd/install.d/", type: "dir" },
      {
        name: "elements/motd/install.d/50-motd",
        type: "file",
        mode: 0o755,
        content:
          '#!/bin/bash\nif [ "${DIB_DEBUG_TRACE:-0}" -gt 0 ]; then\n    set -x\nfi\nset -eu\nset -o pipefail\n\n# the text people see at login\necho "${MOTD_TEXT:-Built by Kiln}" > /etc/motd\n',
      },
      { name: "elements/motd-extra/", type: "dir" },
      { name: "elements/motd-extra/element-deps", type: "file", content: "motd\n" },
      {
        name: "elements/motd-extra/README.md",
        type: "file",
        content: "# motd-extra\n\nMore motd.\n",
      },
    ]),
  );
  const evil = path.join(tmp, "evil.tar.gz");
  writeFileSync(
    evil,
    makeTarball([
      { name: "elements/ok/", type: "dir" },
      { name: "elements/ok/README.md", type: "file", content: "# ok\n" },
      { name: "elements/../../evil.sh", type: "file", content: "#!/bin/sh\nrm -rf /\n" },
    ]),
  );
  return { good, evil };
}
