import { describe, expect, it } from "vitest";
import { formatPythonJson, formatSquashed, pythonJsonString } from "./format-squashed.ts";

describe("formatSquashed", () => {
  it("prints one-space indentation, ': ' and ',' separators, no trailing newline", () => {
    const text = formatSquashed({
      "pre-install.d": { install: [["a", "e"]], uninstall: [] },
      "install.d": { uninstall: [["b", "f"]] },
    });
    expect(text).toBe(
      [
        "{",
        ' "pre-install.d": {',
        '  "install": [',
        "   [",
        '    "a",',
        '    "e"',
        "   ]",
        "  ],",
        '  "uninstall": []',
        " },",
        ' "install.d": {',
        '  "uninstall": [',
        "   [",
        '    "b",',
        '    "f"',
        "   ]",
        "  ]",
        " }",
        "}",
      ].join("\n"),
    );
  });

  it("prints an empty object as {} and an empty phase as {}", () => {
    expect(formatSquashed({})).toBe("{}");
    expect(formatSquashed({ "install.d": {} })).toBe('{\n "install.d": {}\n}');
  });
});

describe("pythonJsonString (ensure_ascii)", () => {
  it("escapes like Python's json module", () => {
    expect(pythonJsonString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(pythonJsonString("\n\r\t\b\f")).toBe('"\\n\\r\\t\\b\\f"');
    expect(pythonJsonString("\u0001\u001f\u007f")).toBe('"\\u0001\\u001f\\u007f"');
    expect(pythonJsonString("é€")).toBe('"\\u00e9\\u20ac"');
    expect(pythonJsonString("😀")).toBe('"\\ud83d\\ude00"');
    expect(pythonJsonString(" ~/")).toBe('" ~/"');
  });

  it("formats scalars like json.dumps", () => {
    expect(formatPythonJson([null, true, false, 3, -1], 2)).toBe(
      "[\n  null,\n  true,\n  false,\n  3,\n  -1\n]",
    );
  });
});
