import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseSetArgs } from "./check-element-file.ts";
import { lintElements } from "./lint-elements.ts";
import { executable, makeFileTree, type TFileSpec } from "../testing/element-tree.ts";
import { findingsOf, GOOD_BASH } from "../testing/lint-findings.ts";

/** Lint one element `e` made of `files` (plus a README) and keep `rule`'s findings. */
function lintOne(rule: string, files: Record<string, TFileSpec>) {
  const root = makeFileTree({ "e/README.rst": "e\n", ...prefix(files) });
  return findingsOf([path.join(root, "e")], rule).map((f) => ({
    file: path.relative(path.join(root, "e"), f.file),
    line: f.line,
    severity: f.severity,
    message: f.message,
  }));
}

function prefix(files: Record<string, TFileSpec>): Record<string, TFileSpec> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [`e/${k}`, v]));
}

const hook = executable;
const bash = (...body: string[]): string => GOOD_BASH + body.join("\n") + "\n";

describe("a clean element", () => {
  it("has no findings at all", () => {
    const root = makeFileTree({
      "e/README.rst": "e\n",
      "e/element-deps": "base\nvm\n",
      "e/install.d/10-x": hook(GOOD_BASH),
      "e/environment.d/10-e.bash": "export E=${E:-1}\n",
      "e/package-installs.yaml": "curl:\n",
    });
    expect(lintElements({ dirs: [path.join(root, "e")] })).toEqual([]);
  });
});

describe("executable", () => {
  it("flags a #! file without an exec bit", () => {
    expect(lintOne("executable", { "install.d/10-x": GOOD_BASH })).toEqual([
      expect.objectContaining({ file: "install.d/10-x", line: 1, severity: "error" }),
    ]);
  });
  it("accepts an executable #! file and a plain data file", () => {
    expect(lintOne("executable", { "install.d/10-x": hook(GOOD_BASH), "static/a": "x\n" })).toEqual(
      [],
    );
  });
});

describe("shebang", () => {
  it.each(["#!/usr/bin/env bash", "#!/bin/bash -x", "#!/usr/bin/bash"])("flags %s", (line) => {
    const text = GOOD_BASH.replace("#!/bin/bash", line);
    expect(lintOne("shebang", { "install.d/10-x": hook(text) })).toHaveLength(1);
  });
  it("accepts #!/bin/bash and non-bash interpreters", () => {
    expect(
      lintOne("shebang", {
        "install.d/10-x": hook(GOOD_BASH),
        "install.d/20-y": hook("#!/bin/sh\necho\n"),
        "install.d/30-z": hook("#!/usr/bin/env python3\nprint(1)\n"),
      }),
    ).toEqual([]);
  });
});

describe("set-e / set-u / pipefail / debug-trace", () => {
  it("flags a bash script with none of them", () => {
    const files = { "install.d/10-x": hook("#!/bin/bash\necho hi\n") };
    for (const rule of ["set-e", "set-u", "pipefail", "debug-trace"]) {
      expect(lintOne(rule, files), rule).toEqual([expect.objectContaining({ line: 1 })]);
    }
  });
  it("accepts `set -euo pipefail` and `set -o errexit -o nounset`", () => {
    const a = "#!/bin/bash\n# DIB_DEBUG_TRACE\nset -euo pipefail\n";
    const b = "#!/bin/bash\n# DIB_DEBUG_TRACE\nset -o errexit -o nounset -o pipefail\n";
    for (const rule of ["set-e", "set-u", "pipefail", "debug-trace"]) {
      expect(lintOne(rule, { "install.d/10-a": hook(a), "install.d/10-b": hook(b) })).toEqual([]);
    }
  });
  it("does not count an indented set (inside an if) or set -e only", () => {
    const text = "#!/bin/bash\nDIB_DEBUG_TRACE=0\nif true; then\n    set -u\nfi\nset -e\n";
    expect(lintOne("set-u", { "install.d/10-x": hook(text) })).toHaveLength(1);
    expect(lintOne("set-e", { "install.d/10-x": hook(text) })).toEqual([]);
    expect(lintOne("pipefail", { "install.d/10-x": hook(text) })).toHaveLength(1);
  });
  it("leaves sh and python scripts alone", () => {
    const files = {
      "install.d/10-x": hook("#!/bin/sh\necho hi\n"),
      "install.d/20-y": hook("#!/usr/bin/python3\nprint(1)\n"),
    };
    for (const rule of ["set-e", "set-u", "pipefail", "debug-trace"]) {
      expect(lintOne(rule, files)).toEqual([]);
    }
  });
  it("parses set arguments", () => {
    expect([...parseSetArgs("-eux")].sort()).toEqual(["e", "u", "x"]);
    expect([...parseSetArgs("-o pipefail -e")].sort()).toEqual(["e", "pipefail"]);
    expect([...parseSetArgs("-e +e")]).toEqual([]);
    expect([...parseSetArgs("-- -e")]).toEqual([]);
  });
});

describe("indent", () => {
  it("flags 2-space indentation once per file with a count", () => {
    const text = bash("if true; then", "  echo a", "  echo b", "fi");
    expect(lintOne("indent", { "install.d/10-x": hook(text) })).toEqual([
      expect.objectContaining({ line: 11, message: expect.stringContaining("1 more") }),
    ]);
  });
  it("accepts 4 and 8 spaces, and ignores python", () => {
    const text = bash("if true; then", "    if true; then", "        echo a", "    fi", "fi");
    const py = "#!/usr/bin/env python3\nif True:\n  print(1)\n";
    expect(lintOne("indent", { "install.d/10-x": hook(text), "bin/p": hook(py) })).toEqual([]);
  });
});

describe("tabs", () => {
  it("flags tab indentation in scripts and docs", () => {
    const files = { "install.d/10-x": hook(bash("if true; then", "\techo", "fi")) };
    expect(lintOne("tabs", files)).toEqual([expect.objectContaining({ line: 11 })]);
    expect(lintOne("tabs", { "README.rst": "x\n\tcode\n" })).toHaveLength(1);
  });
  it("ignores tabs in data files and inside lines", () => {
    const files = { "static/etc/x.conf": "\tkey=1\n", "install.d/10-x": hook(bash("echo\ta")) };
    expect(lintOne("tabs", files)).toEqual([]);
  });
});

describe("final-newline", () => {
  it("flags scripts, docs and source-repository files without a final newline", () => {
    const files = {
      "install.d/10-x": hook(GOOD_BASH + "echo end"),
      "README.md": "doc",
      "source-repository-foo": "foo git /opt/foo https://x",
    };
    expect(lintOne("final-newline", files).map((f) => f.file)).toEqual([
      "README.md",
      "install.d/10-x",
      "source-repository-foo",
    ]);
  });
  it("accepts terminated and empty files, and ignores data files", () => {
    expect(
      lintOne("final-newline", { "install.d/10-x": hook(GOOD_BASH), "static/a": "x", "b.md": "" }),
    ).toEqual([]);
  });
});

describe("sorted-deps and deps-comment", () => {
  it("flags unsorted element-deps at the first out-of-order line", () => {
    expect(lintOne("sorted-deps", { "element-deps": "base\nzypper\napt\n" })).toEqual([
      expect.objectContaining({
        line: 3,
        message: expect.stringContaining("'apt' after 'zypper'"),
      }),
    ]);
  });
  it("accepts sorted deps with blank lines, in byte order", () => {
    expect(lintOne("sorted-deps", { "element-deps": "a-b\nab\n\nbase\n" })).toEqual([]);
  });
  it("flags comments in element-deps and element-provides", () => {
    const files = { "element-deps": "# why\nbase\n", "element-provides": "x\n  # y\n" };
    expect(lintOne("deps-comment", files).map((f) => [f.file, f.line])).toEqual([
      ["element-deps", 1],
      ["element-provides", 2],
    ]);
    expect(lintOne("deps-comment", { "element-deps": "base\n" })).toEqual([]);
  });
});

describe("environment.d rules", () => {
  it("flags an executable environment file and one that turns on tracing", () => {
    const files = {
      "environment.d/10-a.bash": executable("export A=1\n"),
      "environment.d/20-b.bash": "export B=1\nset -eux\n",
    };
    expect(lintOne("env-not-executable", files).map((f) => f.file)).toEqual([
      "environment.d/10-a.bash",
    ]);
    expect(lintOne("env-no-xtrace", files)).toEqual([
      expect.objectContaining({ file: "environment.d/20-b.bash", line: 2 }),
    ]);
  });
  it("accepts plain sourced files, set +x and comments mentioning set -x", () => {
    const files = { "environment.d/10-a.bash": "# never set -x here\nset +x\nexport A=1\n" };
    expect(lintOne("env-not-executable", files)).toEqual([]);
    expect(lintOne("env-no-xtrace", files)).toEqual([]);
  });
});

describe("export-subshell", () => {
  it("flags export with $(…) or backticks, in hooks and env files", () => {
    const files = {
      "install.d/10-x": hook(bash('export A="$(uname -r)"')),
      "environment.d/10-e": "if true; then export B=`date`; fi\n",
    };
    expect(lintOne("export-subshell", files).map((f) => [f.file, f.line])).toEqual([
      ["environment.d/10-e", 1],
      ["install.d/10-x", 10],
    ]);
  });
  it("accepts split assignments, arithmetic, comments and echoed text", () => {
    const text = bash("A=$(uname -r)", "export A", "export N=$((1 + 2))", "# export C=$(x)");
    const echo = bash('echo "export D=\\$(x)" >> /etc/profile');
    expect(lintOne("export-subshell", { "install.d/10-x": hook(text) })).toEqual([]);
    expect(lintOne("export-subshell", { "install.d/20-y": hook(echo) })).toEqual([]);
  });
});

describe("safe-sudo", () => {
  it("flags bare sudo in host-side phases", () => {
    const files = { "root.d/10-x": hook(bash("sudo rm -rf /opt/thing")) };
    expect(lintOne("safe-sudo", files)).toEqual([expect.objectContaining({ line: 10 })]);
  });
  it("accepts sudo aimed at the image, continued lines, and in-chroot phases", () => {
    const files = {
      "root.d/10-x": hook(
        bash('sudo touch "$TARGET_ROOT/x"', "sudo cp a \\", "    $TMP_MOUNT_PATH/b"),
      ),
      "cleanup.d/10-y": hook(bash("sudo ls # dib-lint: safe_sudo")),
      "install.d/10-z": hook(bash("sudo ls /")),
      "static/usr/bin/t": hook(bash("sudo ls /")),
    };
    expect(lintOne("safe-sudo", files)).toEqual([]);
  });
});

describe("which", () => {
  it("flags which in shell scripts", () => {
    const files = { "install.d/10-x": hook(bash("if which curl; then :; fi")) };
    expect(lintOne("which", files)).toEqual([expect.objectContaining({ line: 10 })]);
  });
  it("accepts command -v, comments, line markers and non-shell files", () => {
    const files = {
      "install.d/10-x": hook(
        bash("command -v curl", "# which is bad", "which ls # dib-lint: which"),
      ),
      "static/doc.txt": "which one\n",
    };
    expect(lintOne("which", files)).toEqual([]);
  });
});

describe("yaml and pkg-map-json", () => {
  it("flags unparsable YAML and pkg-map with a line", () => {
    const files = { "package-installs.yaml": "a: [1\nb: 2\n", "pkg-map": '{\n  "a": ,\n}\n' };
    expect(lintOne("yaml", files)).toEqual([
      expect.objectContaining({ file: "package-installs.yaml" }),
    ]);
    expect(lintOne("pkg-map-json", files)).toEqual([expect.objectContaining({ file: "pkg-map" })]);
  });
  it("accepts valid files and an executable pkg-map (the tool, not data)", () => {
    const files = {
      "package-installs.yaml": "curl:\n  phase: install.d\n",
      "pkg-map": '{"family": {}}\n',
      "bin/pkg-map": hook("#!/usr/bin/env python3\nprint(1)\n"),
    };
    expect(lintOne("yaml", files)).toEqual([]);
    expect(lintOne("pkg-map-json", files)).toEqual([]);
  });
});

describe("hook-not-run", () => {
  it("warns about dotted executables and non-executable NN- files in phase dirs", () => {
    const files = { "install.d/10-a.sh": hook(GOOD_BASH), "cleanup.d/99-fix": "set -e\n" };
    expect(lintOne("hook-not-run", files).map((f) => [f.file, f.severity])).toEqual([
      ["cleanup.d/99-fix", "warning"],
      ["install.d/10-a.sh", "warning"],
    ]);
  });
  it("accepts hooks, data files and scripts below a phase dir", () => {
    const files = {
      "install.d/10-a": hook(GOOD_BASH),
      "install.d/a.conf": "x\n",
      "install.d/extra/10-b.sh": hook(GOOD_BASH),
      "static/10-c": "x\n",
    };
    expect(lintOne("hook-not-run", files)).toEqual([]);
  });
});

describe("legacy-package-list", () => {
  it("notes per-phase package-installs-<element> lists as deprecated", () => {
    const files = {
      "install.d/package-installs-e": "curl\n-gcc\n",
      "post-install.d/package-installs-other": "jq\n",
      "install.d/10-a": hook(GOOD_BASH),
      "root.d/package-installs-e": "ignored by DIB\n",
      "package-installs.yaml": "curl:\n",
    };
    expect(lintOne("legacy-package-list", files).map((f) => [f.file, f.severity])).toEqual([
      ["install.d/package-installs-e", "warning"],
      ["post-install.d/package-installs-other", "warning"],
    ]);
    expect(lintOne("legacy-package-list", files)[0]?.message).toMatch(
      /deprecated package list; declare its packages in package-installs\.yaml with `phase: install\.d`/,
    );
  });
  it("can be disabled in the file", () => {
    const files = {
      "install.d/package-installs-e": "# kiln-lint: disable=legacy-package-list\ncurl\n",
    };
    expect(lintOne("legacy-package-list", files)).toEqual([]);
  });
});

describe("binary files", () => {
  it("are skipped by text rules", () => {
    const bin = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 9, 0x20]).toString("latin1");
    expect(lintOne("tabs", { "bin/tool": hook(bin) })).toEqual([]);
    expect(lintOne("final-newline", { "bin/tool": hook(bin) })).toEqual([]);
  });
});
