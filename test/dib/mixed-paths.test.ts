/**
 * Issue 6's mixed paths: an in-house element tree first, DIB's elements after,
 * Kiln's built-ins last — through the real CLI, as a team would run it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DIB_ELEMENTS } from "../support/dib-oracle.ts";
import { hasDib, skipNote, warnIfSkipped } from "@kiln/engine/testing/host-capabilities";
import { REPO_ROOT, runKiln } from "../support/kiln-cli.ts";

const noDib = hasDib();
warnIfSkipped("the mixed-path tests", noDib);

const root = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-mixed-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Writes `files` (relative path → content; executable when it starts with #!) under `dir`. */
function tree(dir: string, files: Record<string, string>): string {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode: content.startsWith("#!") ? 0o755 : 0o644 });
  }
  return path.join(root, dir);
}

const inHouse = tree("in-house", {
  "team-motd/element-deps": "debian-minimal\nkiln-only-extra\n",
  "team-motd/install.d/50-team-motd": "#!/bin/bash\necho welcome > /etc/motd\n",
  // Shadows DIB's sysprep for this team.
  "sysprep/finalise.d/01-team-sysprep": "#!/bin/bash\ntrue\n",
});
// Stands in for Kiln's built-ins: one element DIB lacks, one DIB also has.
const builtins = tree("builtins", {
  "kiln-only-extra/install.d/60-extra": "#!/bin/bash\ntrue\n",
  "debian-minimal/element-deps": "base\n",
});

describe.skipIf(noDib)(
  `mixed element paths: in-house, then DIB's, then Kiln's built-ins${skipNote(noDib)}`,
  () => {
    it("each element comes from the first tree that has it, and the plan runs the in-house hooks", async () => {
      const r = await runKiln(["build", "--dry-run", "--json", "-o", "x", "team-motd"], {
        env: { ELEMENTS_PATH: `${inHouse}:${DIB_ELEMENTS}`, KILN_BUILTIN_ELEMENTS: builtins },
      });
      expect(r.exitCode, r.stderr).toBe(0);
      const plan = JSON.parse(r.stdout) as {
        paths: Record<string, string>;
        phases: Record<string, { name: string; element: string }[]>;
      };
      expect(plan.paths["team-motd"]).toBe(path.join(inHouse, "team-motd"));
      expect(plan.paths.sysprep).toBe(path.join(inHouse, "sysprep"));
      // DIB's tree beats the built-ins for a name both have.
      expect(plan.paths["debian-minimal"]).toBe(path.join(DIB_ELEMENTS, "debian-minimal"));
      expect(plan.paths.dpkg).toBe(path.join(DIB_ELEMENTS, "dpkg"));
      // A name only the built-ins have still resolves, last.
      expect(plan.paths["kiln-only-extra"]).toBe(path.join(builtins, "kiln-only-extra"));
      const install = plan.phases["install.d"]!.map((h) => `${h.element}/${h.name}`);
      expect(install).toContain("team-motd/50-team-motd");
      expect(install).toContain("kiln-only-extra/60-extra");
      const finalise = plan.phases["finalise.d"]!.map((h) => `${h.element}/${h.name}`);
      expect(finalise).toContain("sysprep/01-team-sysprep");
      expect(finalise).not.toContain("sysprep/01-clear-machine-id"); // DIB's, shadowed
      // The shadowing is said, naming both trees.
      expect(r.stderr).toMatch(/sysprep.*overrides/);
    });

    it("without DIB's tree on the path, Kiln's real built-ins fill in", async () => {
      const plan = (o: Record<string, string>) =>
        runKiln(["build", "--dry-run", "--json", "-o", "x", "team-motd"], {
          env: { ELEMENTS_PATH: inHouse, KILN_BUILTIN_ELEMENTS: "", ...o },
        });
      // kiln-only-extra exists only in the stand-in tree: Kiln's real built-ins lack it.
      const missing = await plan({});
      expect(missing.exitCode).not.toBe(0);
      expect(missing.stderr).toMatch(/kiln-only-extra/);
      fs.writeFileSync(path.join(inHouse, "team-motd/element-deps"), "debian-minimal\n");
      const ok = await plan({});
      expect(ok.exitCode, ok.stderr).toBe(0);
      const { paths } = JSON.parse(ok.stdout) as { paths: Record<string, string> };
      expect(paths["team-motd"]).toBe(path.join(inHouse, "team-motd"));
      expect(paths["debian-minimal"]).toBe(path.join(REPO_ROOT, "elements", "debian-minimal"));
    });
  },
);
