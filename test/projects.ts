/**
 * Which vitest project a test file belongs to, in one place: vitest.config.ts
 * builds its projects from this list and the CI summary (test/support/summarise-results.ts)
 * counts results per project with projectOf. A file belongs to the first
 * project whose folder holds it or whose suffix it ends with; every other
 * test file is a unit test.
 */
import path from "node:path";

export interface TestProject {
  name: string;
  /** What the project's tests need from the host. */
  needs: string;
  /** Folders (repository-relative, ending in "/") whose every test file belongs here. */
  folders: string[];
  /** File-name endings that put a test file anywhere else in the tree here. */
  suffixes: string[];
}

export const UNIT_PROJECT = "unit";

/** The projects other than unit, each runnable alone: `npm run test:<name>`. */
export const HOST_PROJECTS: TestProject[] = [
  {
    name: "browser",
    needs: "Chromium, a dashboard server on 127.0.0.1",
    folders: ["test/browser/"],
    suffixes: [],
  },
  {
    name: "boot",
    needs: "root, loop devices, debootstrap, qemu and OVMF",
    folders: ["test/boot/"],
    suffixes: [],
  },
  {
    name: "dib",
    needs: "diskimage-builder (python3-diskimage-builder) as the oracle",
    folders: ["test/dib/"],
    suffixes: [".dib.test.ts"],
  },
  {
    name: "root",
    needs: "root, loop devices, mounts, chroot",
    folders: [],
    suffixes: [".root.test.ts"],
  },
];

/** Every test file the suite runs. */
export const TEST_FILES = ["apps/**/*.test.ts", "packages/**/*.test.ts", "test/**/*.test.ts"];

/** The globs that pick a project's files, for vitest's include. */
export function projectGlobs(project: TestProject): string[] {
  return [
    ...project.folders.map((folder) => `${folder}**/*.test.ts`),
    ...project.suffixes.map((suffix) => `**/*${suffix}`),
  ];
}

/** The project of a repository-relative test file path. */
export function projectOf(file: string): string {
  const match = HOST_PROJECTS.find(
    (project) =>
      project.folders.some((folder) => file.startsWith(folder)) ||
      project.suffixes.some((suffix) => file.endsWith(suffix)),
  );
  return match?.name ?? UNIT_PROJECT;
}

/** What the counts read from vitest's JSON report. */
interface JsonAssertion {
  status: string;
}
interface JsonFileResult {
  name: string;
  assertionResults: JsonAssertion[];
}
export interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: JsonFileResult[];
}

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Test counts per project (every project, zeros included), test files resolved against `repoRoot`. */
export function countByProject(report: JsonReport, repoRoot: string): Map<string, Counts> {
  const counts = new Map<string, Counts>(
    [UNIT_PROJECT, ...HOST_PROJECTS.map((project) => project.name)].map((name) => [
      name,
      { passed: 0, failed: 0, skipped: 0 },
    ]),
  );
  for (const file of report.testResults) {
    const project = projectOf(path.relative(repoRoot, file.name));
    const bucket = counts.get(project)!;
    for (const assertion of file.assertionResults) {
      if (assertion.status === "passed") bucket.passed++;
      else if (assertion.status === "failed") bucket.failed++;
      else bucket.skipped++;
    }
  }
  return counts;
}
