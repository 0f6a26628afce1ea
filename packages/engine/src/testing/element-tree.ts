import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** A compact description of one element for tests. */
export interface ElementSpec {
  deps?: string[];
  provides?: string[];
  /** Hook files per sub-directory: `{ "install.d": ["10-a", "20-b"] }` (executable). */
  hooks?: Record<string, string[]>;
  /** Any other files, relative path → content (written non-executable). */
  files?: Record<string, string>;
  /** Executable files, relative path → content (`{ "install.d/10-a": "#!/bin/bash\n…" }`). */
  scripts?: Record<string, string>;
}

/** Create `root/<name>/…` for each element; returns `root`. */
export function writeElements(root: string, elements: Record<string, ElementSpec>): string {
  for (const [name, spec] of Object.entries(elements)) {
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    if (spec.deps) fs.writeFileSync(path.join(dir, "element-deps"), spec.deps.join("\n") + "\n");
    if (spec.provides) {
      fs.writeFileSync(path.join(dir, "element-provides"), spec.provides.join("\n") + "\n");
    }
    for (const [sub, names] of Object.entries(spec.hooks ?? {})) {
      fs.mkdirSync(path.join(dir, sub), { recursive: true });
      for (const hook of names) {
        const file = path.join(dir, sub, hook);
        fs.writeFileSync(file, "#!/bin/bash\nexit 0\n");
        fs.chmodSync(file, 0o755);
      }
    }
    for (const [rel, content] of Object.entries(spec.files ?? {})) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content);
    }
    for (const [rel, content] of Object.entries(spec.scripts ?? {})) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content, { mode: 0o755 });
    }
  }
  return root;
}

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = "kiln-test-"): { dir: string; cleanup: () => void } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
