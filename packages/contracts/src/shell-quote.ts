/** Characters a bash word may hold unquoted and still mean itself. */
const PLAIN_WORD = /^[\w@%+=:,./-]+$/;

/** Single-quotes a string for bash, always, so `eval` gives it back unchanged. */
export function shellSingleQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quotes a string for a bash command line only when it needs it (plain words stay readable). */
export function shellQuote(value: string): string {
  return PLAIN_WORD.test(value) ? value : shellSingleQuote(value);
}
