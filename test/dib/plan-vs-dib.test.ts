// `kiln build --dry-run --json` on DIB's own elements against the plan DIB's
// own shell code makes for the same command line: the request list
// (arg_to_elements), the expanded elements with their paths (element-info),
// every phase's hooks (`dib-run-parts --list` over the tree `generate_hooks`
// merged, install-types applied) and the environment.d order.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIB_ELEMENTS, DIB_PHASES } from "../support/dib-oracle.ts";
import { hasDib, skipNote, warnIfSkipped } from "@kiln/engine/testing/host-capabilities";
import { dibBuildPlan } from "../support/dib-oracle-plan.ts";
import { makeTempRoot } from "@kiln/engine/testing/element-tree";
import { mapLimit, runKiln } from "../support/kiln-cli.ts";

const noDib = hasDib();
warnIfSkipped("differential tests against DIB", noDib);

interface Request {
  label: string;
  /** Elements as on disk-image-create's command line. */
  args: string[];
  arch?: string;
  /** Variables DIB's element docs ask for; none of them changes a hook plan, but a build needs them. */
  env?: Record<string, string>;
}

const CENTOS = { DIB_RELEASE: "8-stream" }; // centos-minimal README: 7, 8 or 8-stream
const FEDORA = { DIB_RELEASE: "32" }; // fedora-minimal's own default
const ROCKY = { DIB_RELEASE: "9" }; // rocky-container's documented default (DIB ≥ 3.30)

const REQUESTS: Request[] = [
  { label: "ubuntu-minimal", args: ["ubuntu-minimal"] },
  { label: "vm ubuntu-minimal", args: ["vm", "ubuntu-minimal"] },
  {
    label: "vm ubuntu-minimal (arm64: efi default)",
    args: ["vm", "ubuntu-minimal"],
    arch: "arm64",
  },
  { label: "centos-minimal", args: ["centos-minimal"], env: CENTOS },
  { label: "vm centos-minimal", args: ["vm", "centos-minimal"], env: CENTOS },
  { label: "fedora-minimal", args: ["fedora-minimal"], env: FEDORA },
  { label: "vm fedora-minimal", args: ["vm", "fedora-minimal"], env: FEDORA },
  // DIB 3.13 (Debian bookworm) predates rocky-container: both must refuse alike.
  { label: "rocky-container", args: ["rocky-container"], env: ROCKY },
  { label: "vm rocky-container", args: ["vm", "rocky-container"], env: ROCKY },
  { label: "vm debian-minimal", args: ["vm", "debian-minimal"] },
  { label: "vm debian-minimal gpt", args: ["vm", "debian-minimal", "block-device-gpt"] },
  { label: "vm debian-minimal efi", args: ["vm", "debian-minimal", "block-device-efi"] },
  {
    label: "install types: simple-init from repo",
    args: ["vm", "debian-minimal", "simple-init"],
    env: { DIB_INSTALLTYPE_simple_init: "repo" },
  },
  { label: "install types: simple-init default", args: ["vm", "debian-minimal", "simple-init"] },
  { label: "no OS element", args: ["vm"] },
];

interface KilnPlanJson {
  request: string[];
  paths: Record<string, string>;
  phases: Record<string, { name: string }[]>;
  environment: { name: string }[];
}

const bytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Every difference between Kiln's dry-run and DIB's plan, one line each. */
async function compare(r: Request, scratch: string): Promise<string[]> {
  const arch = r.arch ?? "amd64";
  const dib = dibBuildPlan(r.args, { elementsPath: DIB_ELEMENTS, scratch, arch, env: r.env });
  // ARCH from the environment, which both tools honour (see the `-a` test below).
  const kiln = await runKiln(["build", "--dry-run", "--json", ...r.args], {
    env: { ...r.env, ARCH: arch, ELEMENTS_PATH: DIB_ELEMENTS, KILN_LOG_LEVEL: "error" },
  });
  if (!dib.ok) {
    if (kiln.exitCode === 0) return [`DIB failed (${dib.message}), Kiln planned`];
    if (!kiln.stderr.includes(dib.message ?? "")) {
      return [
        `error: kiln ${JSON.stringify(kiln.stderr.trim())} dib ${JSON.stringify(dib.message)}`,
      ];
    }
    return [];
  }
  if (kiln.exitCode !== 0) return [`DIB planned, Kiln failed: ${kiln.stderr.trim()}`];
  const plan = JSON.parse(kiln.stdout) as KilnPlanJson;
  const diffs: string[] = [];
  const same = (what: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want))
      diffs.push(`${what}: kiln ${JSON.stringify(got)} dib ${JSON.stringify(want)}`);
  };
  same("request", plan.request, dib.request);
  const sorted = (m: Iterable<[string, string]>) => [...m].sort(([a], [b]) => bytes(a, b));
  same("elements", sorted(Object.entries(plan.paths)), sorted(dib.elements));
  for (const phase of DIB_PHASES) {
    same(
      phase,
      (plan.phases[phase] ?? []).map((h) => h.name),
      dib.phases.get(phase) ?? [],
    );
  }
  const env = plan.environment.map((e) => e.name);
  same("environment.d (root.d)", env, dib.environment);
  // d-i-c adds 11-dib-install-type.bash after root.d; Kiln's pipeline does the
  // same (build-sequence.ts), its plan lists element files only.
  same(
    "environment.d (extra-data.d on)",
    [...env, "11-dib-install-type.bash"].sort(bytes),
    dib.environmentAfterRoot,
  );
  return diffs;
}

describe.skipIf(noDib)(`build --dry-run vs DIB's plan on DIB's elements${skipNote(noDib)}`, () => {
  const root = makeTempRoot("kiln-plan-vs-dib-");
  const results = new Map<string, string[]>();
  beforeAll(async () => {
    const diffs = await mapLimit(REQUESTS, 3, (r) => compare(r, root.dir));
    REQUESTS.forEach((r, i) => results.set(r.label, diffs[i] ?? ["not compared"]));
  }, 240_000);
  afterAll(() => root.cleanup());

  it.each(REQUESTS.map((r) => r.label))("%s", (label) => {
    expect(results.get(label)?.join("\n")).toBe("");
  });

  it("-a sets the architecture as disk-image-create's -a does (arm64: vm gets block-device-efi)", async () => {
    const dib = dibBuildPlan(["vm", "ubuntu-minimal"], {
      elementsPath: DIB_ELEMENTS,
      scratch: root.dir,
      arch: "arm64",
    });
    const kiln = await runKiln(
      ["build", "--dry-run", "--json", "-a", "arm64", "vm", "ubuntu-minimal"],
      {
        env: { ARCH: undefined, ELEMENTS_PATH: DIB_ELEMENTS, KILN_LOG_LEVEL: "error" },
      },
    );
    expect(kiln.exitCode).toBe(0);
    expect((JSON.parse(kiln.stdout) as KilnPlanJson).request).toEqual(dib.request);
  });

  it("the comparison sees hooks (the oracle is not vacuous)", () => {
    const dib = dibBuildPlan(["vm", "ubuntu-minimal"], {
      elementsPath: DIB_ELEMENTS,
      scratch: root.dir,
      arch: "amd64",
    });
    expect(dib.request).toEqual(["base", "vm", "ubuntu-minimal", "block-device-mbr"]);
    expect(dib.phases.get("root.d")).toContain("75-ubuntu-minimal-baseinstall");
    expect(dib.phases.get("finalise.d")).toContain("50-bootloader");
    expect(dib.environmentAfterRoot).toContain("11-dib-install-type.bash");
    const repo = dibBuildPlan(["vm", "debian-minimal", "simple-init"], {
      elementsPath: DIB_ELEMENTS,
      scratch: root.dir,
      arch: "amd64",
      env: { DIB_INSTALLTYPE_simple_init: "repo" },
    });
    // install-types really ran: 40-glean is linked from the repo variant's dir.
    expect(repo.phases.get("install.d")).toContain("40-glean");
    expect(fs.realpathSync(path.join(repo.hooksPath, "install.d", "40-glean"))).toContain(
      "simple-init-repo-install",
    );
  }, 30_000);
});
