import { describe, expect, it } from "vitest";
import { createSecretMasker, SecretStreamMasker } from "./secret-masker.ts";

const TOKEN = "tok3n/with+odd?chars&more";
const KEY =
  "-----BEGIN TEST KEY-----\nAAAAB3NzaC1yc2EAAAADAQAB\nQ2xvdWQgc2VjcmV0IGxpbmU=\n-----END TEST KEY-----";

describe("createSecretMasker", () => {
  const masker = createSecretMasker([TOKEN, KEY, "abc"]);

  it("masks the value, each line of a multi-line value, and its CRLF and JSON spellings", () => {
    expect(masker.mask(`token=${TOKEN}.`)).toBe("token=***.");
    expect(masker.mask(`key:\n${KEY}\n`)).not.toContain("AAAAB3NzaC1yc2EAAAADAQAB");
    expect(masker.mask("  AAAAB3NzaC1yc2EAAAADAQAB  ")).toBe("  ***  ");
    expect(masker.mask(KEY.replace(/\n/g, "\r\n"))).toBe("***");
    expect(masker.mask(JSON.stringify({ key: KEY }))).toBe('{"key":"***"}');
  });

  it("masks base64 at every alignment and in both alphabets, and URL encodings", () => {
    for (const prefix of ["", "a", "ab", "abc"]) {
      const encoded = Buffer.from(`${prefix}${TOKEN}!`).toString("base64");
      expect(masker.mask(encoded), prefix).not.toMatch(/dG9rM|b2szb|9rM25/);
      expect(masker.mask(encoded), prefix).toContain("***");
      const urlSafe = Buffer.from(`${prefix}${TOKEN}`).toString("base64url");
      expect(masker.mask(urlSafe)).toContain("***");
    }
    expect(masker.mask(`?t=${encodeURIComponent(TOKEN)}`)).toBe("?t=***");
    const lowerHex = encodeURIComponent(KEY).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
    expect(masker.mask(lowerHex)).toBe("***");
  });

  it("leaves values shorter than four characters alone, and every string of an event", () => {
    expect(masker.mask("abcabc")).toBe("abcabc");
    const event = { type: "step", t: 1, name: TOKEN, detail: [`x ${TOKEN}`] };
    expect(masker.maskStrings(event)).toEqual({
      type: "step",
      t: 1,
      name: "***",
      detail: ["x ***"],
    });
    expect(createSecretMasker([]).mask(TOKEN)).toBe(TOKEN);
  });
});

describe("SecretStreamMasker", () => {
  const text = (data: Uint8Array) => Buffer.from(data).toString("utf8");

  it("masks with the same length, across contiguous chunks", () => {
    const stream = new SecretStreamMasker(createSecretMasker([TOKEN]).forms);
    const whole = Buffer.from(`one ${TOKEN} two\nthree ${TOKEN}`);
    const cut = whole.indexOf(TOKEN, 20) + 5;
    const first = stream.mask(0, whole.subarray(0, cut));
    const second = stream.mask(cut, whole.subarray(cut));
    expect(first.length + second.length).toBe(whole.length);
    const joined = text(first) + text(second);
    expect(joined).not.toContain(TOKEN.slice(0, 5));
    expect(joined).not.toContain(TOKEN.slice(5));
    expect(joined).toBe(`one ${"*".repeat(TOKEN.length)} two\nthree ${"*".repeat(TOKEN.length)}`);
  });

  it("leaves a chunk without secrets byte for byte", () => {
    const stream = new SecretStreamMasker(createSecretMasker([TOKEN]).forms);
    expect(text(stream.mask(0, Buffer.from("plain output\n")))).toBe("plain output\n");
  });
});
