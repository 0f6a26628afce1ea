import { defineConfig } from "vitest/config";
import { HOST_PROJECTS, projectGlobs, TEST_FILES, UNIT_PROJECT } from "./test/projects.ts";

// One project per kind of host a test needs (test/projects.ts says which file is which):
// `npm run test:unit` needs no root, no network and no Debian packages (checks against host
// tools skip without them); the others run alone with `npm run test:<name>`, and `npm test`
// runs them all.
const hostProjects = HOST_PROJECTS.map((project) => ({
  extends: true as const,
  test: { name: project.name, include: projectGlobs(project) },
}));
const unitProject = {
  extends: true as const,
  test: {
    name: UNIT_PROJECT,
    include: TEST_FILES,
    exclude: ["**/node_modules/**", ...HOST_PROJECTS.flatMap(projectGlobs)],
  },
};

export default defineConfig({
  test: {
    // Each project names its own files (extends: true would merge a top-level include into them).
    projects: [unitProject, ...hostProjects],
    // Two files at a time even on a 2-core host (vitest would take one): most long tests wait
    // on qemu, child processes or sockets, and the boot tests form one file (test/boot/boot.test.ts),
    // so they never share the image caches with each other.
    maxWorkers: 2,
    testTimeout: 30_000,
    // expect.poll's own default (1 s) is a speed assertion in disguise on a loaded
    // 2-core CI host; polls end as soon as they pass, so a wide bound costs nothing.
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 60_000,
    reporters: ["default", "json"],
    outputFile: { json: "test/out/results.json" },
  },
});
