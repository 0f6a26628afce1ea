import { describe, expect, it } from "vitest";
import { readCookie, serializeSessionCookie } from "./http-auth.ts";

describe("session cookie helpers", () => {
  it("reads one cookie out of a Cookie header", () => {
    expect(readCookie("a=1; kiln_session=abc%2Fd; b=2", "kiln_session")).toBe("abc/d");
    expect(readCookie("xkiln_session=1", "kiln_session")).toBeUndefined();
    expect(readCookie(undefined, "kiln_session")).toBeUndefined();
  });

  it("writes an httpOnly, SameSite cookie, Secure on https", () => {
    expect(serializeSessionCookie("tok", { maxAgeSeconds: 60, secure: false })).toBe(
      "kiln_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=60",
    );
    expect(serializeSessionCookie("", { maxAgeSeconds: 0, secure: true })).toMatch(
      /Max-Age=0; Secure$/,
    );
  });
});
