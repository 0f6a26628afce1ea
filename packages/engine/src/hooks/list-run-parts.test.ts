import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempRoot } from "../testing/element-tree.ts";
import { InvalidRunPartsRegexError } from "../errors.ts";
import { compileRunPartsRegex, listEnvironmentFiles, listRunParts } from "./list-run-parts.ts";

let cleanup = () => {};
afterEach(() => cleanup());

function dir(): string {
  const t = makeTempRoot();
  cleanup = t.cleanup;
  return t.dir;
}

function file(p: string, mode = 0o755): void {
  fs.writeFileSync(p, "#!/bin/bash\n");
  fs.chmodSync(p, mode);
}

describe("listRunParts", () => {
  it("runs only executable regular files with conforming names, in sort -n order", () => {
    const d = dir();
    for (const n of ["20-b", "10-a", "foo.sh", "ok_name", "1-x"]) file(path.join(d, n));
    file(path.join(d, "05-not-exec"), 0o644);
    fs.mkdirSync(path.join(d, "30-subdir"));
    expect(listRunParts(d)).toEqual(["ok_name", "1-x", "10-a", "20-b"]);
  });

  it("follows symlinks and skips broken ones", () => {
    const d = dir();
    file(path.join(d, "target"));
    fs.symlinkSync("target", path.join(d, "50-link"));
    fs.symlinkSync("missing", path.join(d, "60-broken"));
    expect(listRunParts(d)).toEqual(["target", "50-link"]);
  });

  it("honours a custom name filter", () => {
    const d = dir();
    for (const n of ["10-a.sh", "20-b"]) file(path.join(d, n));
    expect(listRunParts(d, { regex: "^[0-9A-Za-z_.-]+$" })).toEqual(["10-a.sh", "20-b"]);
  });

  it("names a missing directory as dib-run-parts does", () => {
    expect(() => listRunParts("/no/such")).toThrow(
      "Scripts directory [/no/such] must exist and be a directory",
    );
  });
});

describe("compileRunPartsRegex", () => {
  it("compiles the default and a custom filter", () => {
    expect(compileRunPartsRegex(undefined).test("10-ok")).toBe(true);
    expect(compileRunPartsRegex(undefined).test("10-no.sh")).toBe(false);
    expect(compileRunPartsRegex("^[0-9]+-.*sh$").test("10-no.sh")).toBe(true);
  });

  it("names RUN_PARTS_REGEX and the bad value when the filter does not compile", () => {
    expect(() => compileRunPartsRegex("([")).toThrow(InvalidRunPartsRegexError);
    expect(() => compileRunPartsRegex("([")).toThrow(/RUN_PARTS_REGEX .*'\(\['/);
  });
});

describe("listEnvironmentFiles", () => {
  it("sources every conforming regular file in byte order, no exec bit needed", () => {
    const d = dir();
    for (const n of ["9-two.bash", "10-one.bash", "100-three", "01-four", ".hidden", "50-bar"]) {
      file(path.join(d, n), 0o644);
    }
    file(path.join(d, "bad name"), 0o644);
    fs.mkdirSync(path.join(d, "20-dir"));
    expect(listEnvironmentFiles(d)).toEqual([
      ".hidden",
      "01-four",
      "10-one.bash",
      "100-three",
      "50-bar",
      "9-two.bash",
    ]);
  });

  it("is empty without the directory", () => {
    expect(listEnvironmentFiles("/no/such/environment.d")).toEqual([]);
  });
});
