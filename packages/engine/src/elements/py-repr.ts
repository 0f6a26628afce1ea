/**
 * Python's repr() of a list of strings, which DIB prints in its
 * "already provided by ['x']" messages; Kiln keeps the same text.
 */
export function pyList(items: string[]): string {
  return `[${items.map(pyStr).join(", ")}]`;
}

function pyStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s
    .replace(/\\/g, "\\\\")
    .replace(quote === "'" ? /'/g : /"/g, `\\${quote}`)
    .replace(/\n/g, "\\n")
    .replace(/\t/g, "\\t");
  return `${quote}${body}${quote}`;
}
