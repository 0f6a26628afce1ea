/**
 * Builds real element trees (and bare hook directories, and loose file trees)
 * in temp dirs from a compact description, so tests and benches exercise the
 * same files DIB reads. The one builder for every test that needs elements on
 * disk.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Body of every generated hook: it must run, but does nothing. */
export const TRIVIAL_HOOK = "#!/bin/bash\nexit 0\n";

/** One extra file inside an element, keyed by its path relative to the element dir. */
export type TFileSpec =
  | string
  | {
      /** File contents (ignored when `symlink` is set). */
      content?: string;
      /** Octal mode, e.g. 0o755. Defaults to 0o644. */
      mode?: number;
      /** Create a symlink pointing here (relative or absolute) instead of a file. */
      symlink?: string;
    }
  | {
      /** An empty directory. */
      dir: true;
    };

/** An executable file (mode 0755) with `content`. */
export function executable(content: string): TFileSpec {
  return { content, mode: 0o755 };
}

export interface ElementSpec {
  /** Lines of `element-deps`; omitted → no file. */
  deps?: string[];
  /** Lines of `element-provides`; omitted → no file. */
  provides?: string[];
  /** Phase dir (e.g. `install.d`) → executable hook file names. */
  hooks?: Record<string, string[]>;
  /** `environment.d` file names; contents from `envContent` or a trivial export. */
  env?: string[];
  /** Body of every environment.d file of this element; `$NAME` is replaced by the file name. */
  envContent?: string;
  /** Any other files, e.g. `{"static/etc/x": "hi", "bin/tool": {content, mode: 0o755}}`. */
  files?: Record<string, TFileSpec>;
  /** Executable files by relative path, e.g. `{"install.d/10-a": "#!/bin/bash\n…"}`. */
  scripts?: Record<string, string>;
}

export interface TreeSpec {
  /** Element name → contents. The name is the directory name. */
  elements: Record<string, ElementSpec>;
}

export interface ElementTree {
  /** Absolute, realpath'd directory holding the element directories. */
  dir: string;
  /** Each element's name and directory, in the spec's order (what the engine's loaders take). */
  refs: { name: string; path: string }[];
  /** Realpath of one element's directory. */
  elementPath(name: string): string;
  /** Removes the tree (only if this call created its root). */
  cleanup(): void;
}

export interface TempRoot {
  /** Realpath of the new temp dir (os.tmpdir() may itself be a symlink). */
  dir: string;
  cleanup(): void;
}

/** A fresh temp dir; `cleanup` removes it recursively. */
export function makeTempRoot(prefix = "kiln-test-"): TempRoot {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function writeFileSpec(file: string, spec: TFileSpec): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (typeof spec === "string") {
    fs.writeFileSync(file, spec);
    return;
  }
  if ("dir" in spec) {
    fs.mkdirSync(file, { recursive: true });
    return;
  }
  if (spec.symlink !== undefined) {
    fs.symlinkSync(spec.symlink, file);
    return;
  }
  fs.writeFileSync(file, spec.content ?? "");
  fs.chmodSync(file, spec.mode ?? 0o644);
}

/** Writes `files` (path relative to `root` → spec) under `root`; returns `root`. */
export function writeFiles(root: string, files: Record<string, TFileSpec>): string {
  for (const [rel, file] of Object.entries(files)) writeFileSpec(path.join(root, rel), file);
  return root;
}

/** A fresh temp dir holding `files` (a loose tree: elements, or anything else). */
export function makeFileTree(files: Record<string, TFileSpec>, prefix = "kiln-tree-"): string {
  return writeFiles(makeTempRoot(prefix).dir, files);
}

/** Writes one element directory at `dir` (created if needed). */
export function writeElement(dir: string, spec: ElementSpec): void {
  fs.mkdirSync(dir, { recursive: true });
  if (spec.deps) fs.writeFileSync(path.join(dir, "element-deps"), spec.deps.join("\n") + "\n");
  if (spec.provides) {
    fs.writeFileSync(path.join(dir, "element-provides"), spec.provides.join("\n") + "\n");
  }
  for (const [phase, names] of Object.entries(spec.hooks ?? {})) {
    fs.mkdirSync(path.join(dir, phase), { recursive: true });
    for (const name of names) {
      writeFileSpec(path.join(dir, phase, name), { content: TRIVIAL_HOOK, mode: 0o755 });
    }
  }
  if (spec.env) {
    fs.mkdirSync(path.join(dir, "environment.d"), { recursive: true });
    for (const name of spec.env) {
      const body = (spec.envContent ?? "export KILN_TEST_$NAME_SEEN=1\n").replaceAll(
        "$NAME",
        name.replace(/[^A-Za-z0-9_]/g, "_"),
      );
      fs.writeFileSync(path.join(dir, "environment.d", name), body);
    }
  }
  writeFiles(dir, spec.files ?? {});
  for (const [rel, content] of Object.entries(spec.scripts ?? {})) {
    writeFileSpec(path.join(dir, rel), executable(content));
  }
}

/** Writes `root/<name>/…` for each element; returns `root`. */
export function writeElements(root: string, elements: Record<string, ElementSpec>): string {
  for (const [name, element] of Object.entries(elements))
    writeElement(path.join(root, name), element);
  return root;
}

/**
 * Creates `spec` under a new temp dir, or under `opts.root` (an existing dir,
 * then `cleanup` leaves it alone so several trees can share one root).
 */
export function createElementTree(
  spec: TreeSpec,
  opts: { root?: string; name?: string } = {},
): ElementTree {
  let ownRoot: TempRoot | undefined;
  let dir: string;
  if (opts.root) {
    dir = path.join(opts.root, opts.name ?? "elements");
    fs.mkdirSync(dir, { recursive: true });
    dir = fs.realpathSync(dir);
  } else {
    ownRoot = makeTempRoot("kiln-elements-");
    dir = ownRoot.dir;
  }
  writeElements(dir, spec.elements);
  return {
    dir,
    refs: Object.keys(spec.elements).map((name) => ({ name, path: path.join(dir, name) })),
    elementPath: (name) => fs.realpathSync(path.join(dir, name)),
    cleanup: () => ownRoot?.cleanup(),
  };
}

/** One entry of a bare hook directory (what dib-run-parts is pointed at). */
export type HookEntry =
  | { name: string; kind: "exec" | "plain" | "dir" }
  | { name: string; kind: "symlink"; target: string }
  | { name: string; kind: "broken-symlink" };

/** Fills `dir` (created if needed) with the given entries; returns `dir`. */
export function writeHookDir(dir: string, entries: HookEntry[]): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    switch (entry.kind) {
      case "exec":
        writeFileSpec(file, { content: TRIVIAL_HOOK, mode: 0o755 });
        break;
      case "plain":
        writeFileSpec(file, { content: TRIVIAL_HOOK, mode: 0o644 });
        break;
      case "dir":
        fs.mkdirSync(file);
        break;
      case "symlink":
        fs.symlinkSync(entry.target, file);
        break;
      case "broken-symlink":
        fs.symlinkSync(path.join(dir, ".no-such-target-" + entry.name), file);
        break;
    }
  }
  return dir;
}

/** Elements made of files only, `{ element: { file: content } }`, created in key order. */
export function createFileElements(tree: Record<string, Record<string, TFileSpec>>): ElementTree {
  const elements = Object.fromEntries(
    Object.entries(tree).map(([name, files]): [string, ElementSpec] => [name, { files }]),
  );
  return createElementTree({ elements });
}
