import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkPythonHooks,
  findPythonNeeds,
  findPythonProblems,
  HostNotReadyError,
  type HostHookRef,
} from "./preflight.ts";
import { makeTempDir } from "../../testing/host-fixtures.ts";

/** An element dir with one hook (and optional bin/ tools), as the plan lists it. */
function element(
  root: string,
  name: string,
  phase: string,
  hook: string,
  body: string,
  bin: Record<string, string> = {},
): HostHookRef {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, phase), { recursive: true });
  fs.writeFileSync(path.join(dir, phase, hook), body, { mode: 0o755 });
  for (const [tool, text] of Object.entries(bin)) {
    fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
    fs.writeFileSync(path.join(dir, "bin", tool), text, { mode: 0o755 });
  }
  return { phase, element: name, name: hook, path: path.join(dir, phase, hook) };
}

function tree() {
  const root = makeTempDir("kiln-pyhooks-");
  return {
    squash: element(
      root,
      "package-installs",
      "extra-data.d",
      "99-squash",
      '#!/bin/bash\nsudo -E $DIB_PYTHON_EXEC "$(dirname $0)/../bin/squash"\n',
      { squash: "#!/usr/bin/python3\nimport yaml\nfrom diskimage_builder import logging_config\n" },
    ),
    pyHook: element(root, "mine", "cleanup.d", "50-report", "#!/usr/bin/env python3\nprint(1)\n"),
    shell: element(root, "plain", "root.d", "10-shell", "#!/bin/bash\necho hi\n"),
    chrootPy: element(root, "inside", "install.d", "10-py", "#!/usr/bin/python3\nprint(1)\n"),
  };
}

describe("python pre-flight", () => {
  it("finds host hooks that run Python and the modules they import", () => {
    const t = tree();
    const needs = findPythonNeeds([t.squash, t.pyHook, t.shell, t.chrootPy]);
    expect(needs.map((n) => [n.hook.element, n.modules])).toEqual([
      ["package-installs", ["yaml", "diskimage_builder"]],
      ["mine", ["yaml"]],
    ]);
  });

  it("names the hooks that need a missing module, one line per module", () => {
    const t = tree();
    const problems = findPythonProblems({
      python: "/usr/bin/python3",
      hooks: [t.squash, t.pyHook],
      probe: (_py, code) => code !== "import diskimage_builder" && code !== "import yaml",
    });
    expect(problems).toEqual([
      "/usr/bin/python3 (DIB_PYTHON_EXEC) cannot import yaml, needed by package-installs/extra-data.d/99-squash, mine/cleanup.d/50-report (apt-get install python3-yaml)",
      expect.stringMatching(
        /^\/usr\/bin\/python3 \(DIB_PYTHON_EXEC\) cannot import diskimage_builder, needed by package-installs\/extra-data\.d\/99-squash \(set DIB_PYTHON_EXEC/,
      ),
    ]);
  });

  it("reports a Python that does not run at all once", () => {
    const t = tree();
    expect(
      findPythonProblems({ python: "/nope/python3", hooks: [t.pyHook], probe: () => false }),
    ).toEqual([
      "python not runnable: /nope/python3 (DIB_PYTHON_EXEC), needed by mine/cleanup.d/50-report (apt-get install python3)",
    ]);
  });

  it("checks nothing when no host hook needs Python", () => {
    const t = tree();
    let probed = false;
    const probe = () => {
      probed = true;
      return false;
    };
    expect(findPythonProblems({ python: "x", hooks: [t.shell, t.chrootPy], probe })).toEqual([]);
    expect(probed).toBe(false);
  });

  it("with the real probe: a missing interpreter fails pre-flight with HostNotReadyError", () => {
    const t = tree();
    expect(() => checkPythonHooks({ python: "/nonexistent/python3", hooks: [t.pyHook] })).toThrow(
      HostNotReadyError,
    );
  });
});
