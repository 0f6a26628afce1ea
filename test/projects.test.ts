import { describe, expect, it } from "vitest";
import { countByProject, projectOf, type JsonReport } from "./projects.ts";

describe("projectOf", () => {
  it("puts files by folder or suffix, and everything else in unit", () => {
    expect(projectOf("test/browser/dashboard.test.ts")).toBe("browser");
    expect(projectOf("test/boot/boot.test.ts")).toBe("boot");
    expect(projectOf("test/dib/plan-vs-dib.test.ts")).toBe("dib");
    expect(projectOf("packages/engine/src/lint/lint-elements.dib.test.ts")).toBe("dib");
    expect(projectOf("packages/engine/src/pipeline/host/mounts.root.test.ts")).toBe("root");
    expect(projectOf("packages/engine/src/pipeline/host/mounts.test.ts")).toBe("unit");
    expect(projectOf("test/docker/compose-env.test.ts")).toBe("unit");
  });
});

describe("countByProject", () => {
  it("counts each file's tests under its project, skipped and todo as skipped", () => {
    const file = (name: string, statuses: string[]) => ({
      name: `/repo/${name}`,
      assertionResults: statuses.map((status) => ({ status })),
    });
    const report: JsonReport = {
      numPassedTests: 3,
      numFailedTests: 1,
      numPendingTests: 1,
      numTodoTests: 1,
      testResults: [
        file("test/dib/a.test.ts", ["passed", "failed"]),
        file("packages/x/b.root.test.ts", ["skipped", "todo"]),
        file("packages/x/c.test.ts", ["passed", "passed"]),
      ],
    };
    expect(Object.fromEntries(countByProject(report, "/repo"))).toEqual({
      unit: { passed: 2, failed: 0, skipped: 0 },
      browser: { passed: 0, failed: 0, skipped: 0 },
      boot: { passed: 0, failed: 0, skipped: 0 },
      dib: { passed: 1, failed: 1, skipped: 0 },
      root: { passed: 0, failed: 0, skipped: 2 },
    });
  });
});
