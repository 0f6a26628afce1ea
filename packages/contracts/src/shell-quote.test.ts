import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellQuote, shellSingleQuote } from "./shell-quote.ts";

/** What bash makes of `printf %s <word>`: the quoting must give the value back unchanged. */
const echoed = (word: string) =>
  execFileSync("bash", ["-c", `printf '%s' ${word}`], { encoding: "utf8" });

describe("shellQuote", () => {
  const values = ["a'b $c \\d", "", "two words", "http://kiln.example:3000/x", "*", "~", "a;b"];

  it("gives every value back unchanged through bash", () => {
    for (const value of values) {
      expect(echoed(shellQuote(value)), value).toBe(value);
      expect(echoed(shellSingleQuote(value)), value).toBe(value);
    }
  });

  it("leaves plain words bare and quotes the rest", () => {
    expect(shellQuote("http://kiln.example:3000")).toBe("http://kiln.example:3000");
    expect(shellQuote("--size=2G,x@y%z+")).toBe("--size=2G,x@y%z+");
    expect(shellQuote("two words")).toBe("'two words'");
    expect(shellQuote("")).toBe("''");
    expect(shellSingleQuote("plain")).toBe("'plain'");
  });
});
