import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellSingleQuote } from "@kiln/contracts/shell-quote";
import { formatElementEnv } from "./element-env.ts";

function bash(script: string): string {
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

describe("formatElementEnv", () => {
  const elements = [
    { name: "zeta", path: "/e/zeta" },
    { name: "alpha", path: "/odd path/it's {x}: y" },
  ];

  it("prints DIB's three definitions", () => {
    const text = formatElementEnv(elements);
    expect(text).toContain("export IMAGE_ELEMENT='zeta alpha'\n");
    expect(text).toContain("function get_image_element_array {");
    expect(text).toContain("export -f get_image_element_array;");
  });

  it("works with the way DIB's own scripts read the array", () => {
    const env = formatElementEnv([{ name: "a", path: "/e/a" }, { name: "b-c", path: "/e/b-c" }]);
    const script = `${env}\neval declare -A image_elements=($(get_image_element_array))\n` +
      `for k in "\${!image_elements[@]}"; do echo "$k=\${image_elements[$k]}"; done | sort\n`;
    expect(bash(script)).toBe("a=/e/a\nb-c=/e/b-c\n");
  });

  it("round-trips values through bash", () => {
    const env = formatElementEnv(elements);
    const script = `${env}\nprintf '%s\\n' "$IMAGE_ELEMENT"\nprintf '%s' "$IMAGE_ELEMENT_YAML"\n` +
      `declare -A arr="($(get_image_element_array))"\nprintf '%s|%s\\n' "\${arr[alpha]}" "\${arr[zeta]}"\n` +
      `bash -c 'type -t get_image_element_array'\n`;
    expect(bash(script)).toBe(
      "zeta alpha\n" +
        "alpha: \"/odd path/it's {x}: y\"\nzeta: /e/zeta\n" +
        "/odd path/it's {x}: y|/e/zeta\n" +
        "function\n",
    );
  });

  it("quotes for the shell", () => {
    expect(bash(`printf '%s' ${shellSingleQuote("a'b $c \\d")}`)).toBe("a'b $c \\d");
  });
});
