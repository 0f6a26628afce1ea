/**
 * The CI summary (.ci/run): passed, failed and skipped tests per vitest
 * project, then the totals line "N passed, N failed, N skipped" that CI reads,
 * all counted from vitest's JSON report.
 *
 * Usage: tsx test/support/summarise-results.ts RESULTS_JSON LINT_STATUS
 */
import fs from "node:fs";
import path from "node:path";
import { countByProject, type JsonReport } from "../projects.ts";

function main(resultsFile: string, lintStatus: number): void {
  let report: JsonReport;
  try {
    report = JSON.parse(fs.readFileSync(resultsFile, "utf8")) as JsonReport;
  } catch {
    console.log("0 passed, 1 failed");
    return;
  }
  for (const [name, counts] of countByProject(report, REPO_ROOT)) {
    console.log(
      `${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`,
    );
  }
  const lintFailed = lintStatus !== 0 ? 1 : 0;
  if (lintFailed) console.log("lint failed (counted as one failure)");
  const skipped = report.numPendingTests + report.numTodoTests;
  console.log(
    `${report.numPassedTests} passed, ${report.numFailedTests + lintFailed} failed, ${skipped} skipped`,
  );
}

const REPO_ROOT = path.resolve(import.meta.dirname, "..", "..");

main(process.argv[2] ?? "test/out/results.json", Number(process.argv[3] ?? 0));
