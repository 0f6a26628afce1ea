import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parseLabels, registerAgentCommand } from "./agent.ts";

describe("kiln agent flags", () => {
  it("parses --labels and names a malformed pair", () => {
    expect(parseLabels("pool=ci, arch=amd64")).toEqual({ pool: "ci", arch: "amd64" });
    expect(parseLabels(undefined)).toEqual({});
    expect(() => parseLabels("pool=ci,oops")).toThrow('--labels: "oops" is not key=value');
  });

  it("refuses a bad --max-builds and a bad --server before doing anything", async () => {
    const program = new Command().exitOverride();
    registerAgentCommand(program).exitOverride();
    await expect(
      program.parseAsync(["agent", "--server", "http://127.0.0.1:1", "--max-builds", "0"], {
        from: "user",
      }),
    ).rejects.toThrow("--max-builds: expected an integer 1-64");
    await expect(
      program.parseAsync(["agent", "--server", "not a url"], { from: "user" }),
    ).rejects.toThrow('--server: "not a url" is not a URL');
  });
});
