import path from "node:path";
import { describe, expect, it } from "vitest";
import { lintElementsReport } from "./lint-elements.ts";
import { LINT_RULES } from "./lint-rules.ts";
import { DIB_ROOT, hasDib, skipNote } from "../testing/host-capabilities.ts";

const DIB_ELEMENTS = path.join(DIB_ROOT, "elements");
const why = hasDib();

describe.skipIf(why)(`DIB's own element tree${skipNote(why)}`, () => {
  it("passes every rule dib-lint enforces", () => {
    const report = lintElementsReport({ dirs: [DIB_ELEMENTS] });
    expect(report.elements.length).toBeGreaterThan(100);
    const dibRules = new Set<string>(LINT_RULES.filter((r) => r.dibName).map((r) => r.id));
    const base = ["readme", "shebang", "sorted-deps", "env-no-xtrace", "env-not-executable"];
    for (const r of [...base, "export-subshell", "yaml", "pkg-map-json"]) dibRules.add(r);
    expect(report.findings.filter((f) => dibRules.has(f.rule))).toEqual([]);
  });
});
