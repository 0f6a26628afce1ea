import { describe, expect, it } from "vitest";
import { redactUrl } from "./errors.ts";
import { parseDatabaseUrl } from "./parse-database-url.ts";

describe("parseDatabaseUrl", () => {
  it("reads SQLite file URLs, relative ones against cwd", () => {
    expect(parseDatabaseUrl("file:/data/kiln.db")).toEqual({
      provider: "sqlite",
      file: "/data/kiln.db",
    });
    expect(parseDatabaseUrl("file:./data/kiln.db", "/srv/kiln")).toEqual({
      provider: "sqlite",
      file: "/srv/kiln/data/kiln.db",
    });
    expect(parseDatabaseUrl("file:///var/lib/kiln.db")).toEqual({
      provider: "sqlite",
      file: "/var/lib/kiln.db",
    });
  });

  it("passes PostgreSQL URLs through", () => {
    const url = "postgresql://kiln:pw@db:5432/kiln?sslmode=require";
    expect(parseDatabaseUrl(url)).toEqual({ provider: "postgresql", url });
    expect(parseDatabaseUrl("postgres://h/db").provider).toBe("postgresql");
  });

  it.each([
    ["mysql://h/db", /expected file:<path>.*postgresql/],
    ["postgresql://u:secret@h:5432/", /no database name/],
    ["postgresql://h/db?schema=kiln", /\?schema= is not supported/],
    ["file:", /no file name/],
    ["file:/x.db?mode=ro", /no parameters/],
  ])("rejects %j with one line naming it", (url, message) => {
    expect(() => parseDatabaseUrl(url)).toThrow(message);
  });

  it("never repeats a password in messages", () => {
    expect(() => parseDatabaseUrl("postgresql://u:secret@h:5432/")).toThrow(
      /postgresql:\/\/u:\*\*\*@h:5432\//,
    );
    expect(redactUrl("postgresql://u:p%40ss@h/db")).toBe("postgresql://u:***@h/db");
    expect(redactUrl("file:/x.db")).toBe("file:/x.db");
  });
});
