/**
 * Masking of secret values in build output, shared by the agent (before its
 * log and events leave the host) and the server (again, at ingest). A secret
 * is searched for as given and in the forms a hook most often prints it in:
 * each line of a multi-line value, CRLF line ends, JSON string escaping,
 * base64 (at any byte alignment, standard and URL-safe alphabets) and URL
 * encoding. A value a hook transforms otherwise (hashes, re-wraps, prints
 * one character per line) cannot be recognised.
 */

/** Shortest text masked: shorter values (and lines of multi-line values) would mask ordinary output. */
export const MIN_SECRET_LENGTH = 4;

export interface SecretMasker {
  /** Every searched form, longest first; empty when the build has no secrets. */
  readonly forms: readonly string[];
  /** The text with every form replaced by `replacement`. */
  mask(text: string, replacement?: string): string;
  /** A JSON-like value (an event) with `mask` applied to every string in it but `type`. */
  maskStrings<T>(value: T): T;
}

export function createSecretMasker(values: readonly string[]): SecretMasker {
  const forms = secretForms(values);
  const mask = (text: string, replacement = "***") =>
    forms.reduce((masked, form) => masked.split(form).join(replacement), text);
  const maskStrings = <T>(value: T): T => mapStrings(value, mask) as T;
  return { forms, mask, maskStrings };
}

/** The forms of every value worth searching for, deduplicated, longest first. */
export function secretForms(values: readonly string[]): string[] {
  const forms = new Set<string>();
  const add = (form: string) => {
    if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
  };
  for (const value of values) {
    if (value.length < MIN_SECRET_LENGTH) continue;
    const normalised = value.replace(/\r\n/g, "\n");
    for (const whole of new Set([value, normalised, normalised.replace(/\n/g, "\r\n")])) {
      add(whole);
      add(JSON.stringify(whole).slice(1, -1));
      // Encodings of the whole value only: one per line would multiply the forms of a long key.
      encodedForms(whole).forEach(add);
    }
    // Build output is read line by line: each line of a key or certificate on its own.
    if (normalised.includes("\n")) normalised.split("\n").forEach((line) => add(line.trim()));
  }
  return [...forms].sort((left, right) => right.length - left.length);
}

/** Base64 (three alignments, two alphabets) and URL encodings of one text form. */
function encodedForms(text: string): string[] {
  const bytes = Buffer.from(text, "utf8");
  const forms: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const run = base64Run(bytes, shift);
    forms.push(run, run.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  const uri = encodeURIComponent(text);
  if (uri !== text) {
    forms.push(uri, uri.replace(/%20/g, "+"));
    forms.push(uri.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
  }
  return forms;
}

/**
 * The base64 characters that depend on `bytes` alone when they sit `shift`
 * bytes into a longer encoded stream: characters that also carry bits of the
 * neighbouring bytes are left out, so the run matches whatever surrounds it.
 */
function base64Run(bytes: Buffer, shift: number): string {
  const encoded = Buffer.concat([Buffer.alloc(shift), bytes])
    .toString("base64")
    .replace(/=+$/, "");
  const firstBit = shift * 8;
  const endBit = (shift + bytes.length) * 8;
  const first = Math.ceil(firstBit / 6);
  const end = Math.floor(endBit / 6);
  return encoded.slice(first, end);
}

function mapStrings(value: unknown, mask: (text: string) => string): unknown {
  if (typeof value === "string") return mask(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, mask));
  if (value && typeof value === "object" && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        key === "type" ? item : mapStrings(item, mask),
      ]),
    );
  }
  return value;
}

/**
 * Masks a byte stream chunk by chunk with runs of `*` of the same length, so
 * byte offsets stay what the sender gave. A secret split between two
 * contiguous chunks is caught with the raw tail of the previous one; the end
 * of a chunk that could begin a secret is masked before the rest arrives (a
 * few bytes that only looked like one stay masked).
 */
export class SecretStreamMasker {
  private readonly patterns: Buffer[];
  private readonly longest: number;
  private end = -1;
  private tail = Buffer.alloc(0);

  constructor(forms: readonly string[]) {
    this.patterns = forms.map((form) => Buffer.from(form, "utf8"));
    this.longest = Math.max(0, ...this.patterns.map((pattern) => pattern.length));
  }

  /** The masked copy of the chunk at `offset` (the input is left as it is). */
  mask(offset: number, data: Uint8Array): Uint8Array {
    if (this.patterns.length === 0) return data;
    const carried = offset === this.end ? this.tail : Buffer.alloc(0);
    const raw = Buffer.concat([carried, data]);
    const masked = Buffer.from(raw);
    for (const pattern of this.patterns) {
      for (let at = raw.indexOf(pattern); at >= 0; at = raw.indexOf(pattern, at + 1)) {
        masked.fill(0x2a, at, at + pattern.length);
      }
    }
    const partial = this.partialAtEnd(raw);
    if (partial > 0) masked.fill(0x2a, raw.length - partial);
    if (offset + data.length >= this.end) {
      this.end = offset + data.length;
      this.tail = Buffer.from(raw.subarray(Math.max(0, raw.length - (this.longest - 1))));
    }
    return new Uint8Array(masked.subarray(carried.length));
  }

  /** Length of the longest end of `raw` that is the start of a pattern. */
  private partialAtEnd(raw: Buffer): number {
    let best = 0;
    for (const pattern of this.patterns) {
      // Candidates start where the pattern's first byte does; the earliest is the longest.
      const first = pattern[0]!;
      let at = raw.indexOf(first, Math.max(0, raw.length - pattern.length + 1));
      for (; at >= 0 && raw.length - at > best; at = raw.indexOf(first, at + 1)) {
        if (raw.subarray(at).equals(pattern.subarray(0, raw.length - at))) {
          best = raw.length - at;
          break;
        }
      }
    }
    return best;
  }
}
