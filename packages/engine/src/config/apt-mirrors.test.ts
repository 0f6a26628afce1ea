import { describe, expect, it } from "vitest";
import { parseAptMirrors } from "./apt-mirrors.ts";

describe("parseAptMirrors", () => {
  it("reads deb822 stanzas", () => {
    const text = `Types: deb
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
`;
    expect(parseAptMirrors([text])).toEqual({
      archive: "http://mirror.example/debian",
      security: "http://mirror.example/debian-security",
    });
  });

  it("reads one-line entries, skipping comments, deb-src and options", () => {
    const text = `# deb http://old/debian bookworm main
deb-src http://src/debian bookworm main
deb [arch=amd64 signed-by=/k.gpg] http://one/debian bookworm main
deb http://sec/debian-security bookworm-security main`;
    expect(parseAptMirrors([text])).toEqual({
      archive: "http://one/debian",
      security: "http://sec/debian-security",
    });
  });

  it("ignores disabled stanzas and finds nothing in empty input", () => {
    expect(
      parseAptMirrors(["Types: deb\nURIs: http://x/\nSuites: bookworm\nEnabled: no\n"]),
    ).toEqual({
      archive: undefined,
      security: undefined,
    });
    expect(parseAptMirrors([])).toEqual({ archive: undefined, security: undefined });
  });
});
