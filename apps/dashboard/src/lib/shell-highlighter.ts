import type { CodeHighlightAdapter } from "@mantine/code-highlight";

/**
 * A small highlighter for hook scripts (bash) and element data files, so
 * @mantine/code-highlight needs no highlight.js or shiki (~1 MB) in the
 * bundle. Emits hljs-style class names styled in globals.css.
 */
const KEYWORDS = new Set(
  "if then else elif fi for while until do done case esac in function return local export readonly set unset declare source exit break continue shift trap".split(
    " ",
  ),
);
const BUILTINS = new Set(
  "echo printf cd test read eval exec true false mkdir rm cp mv ln chmod chown cat grep sed awk install apt-get dnf yum".split(
    " ",
  ),
);

const TOKEN =
  /(#[^\n]*)|("(?:[^"\\]|\\.)*"|'[^']*')|(\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\$[0-9@#?*$!-])|\b([A-Za-z_][A-Za-z0-9_-]*)\b/g;

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function highlightShell(code: string): string {
  let out = "";
  let last = 0;
  for (const m of code.matchAll(TOKEN)) {
    const at = m.index ?? 0;
    // `#` inside a word (like `a#b`) is not a comment.
    if (m[1] && at > 0 && !/\s/.test(code[at - 1] ?? "")) continue;
    out += escapeHtml(code.slice(last, at));
    const text = escapeHtml(m[0]);
    const cls = m[1]
      ? "comment"
      : m[2]
        ? "string"
        : m[3]
          ? "variable"
          : KEYWORDS.has(m[4] ?? "")
            ? "keyword"
            : BUILTINS.has(m[4] ?? "")
              ? "built_in"
              : undefined;
    out += cls ? `<span class="hljs-${cls}">${text}</span>` : text;
    last = at + m[0].length;
  }
  return out + escapeHtml(code.slice(last));
}

export const shellHighlightAdapter: CodeHighlightAdapter = {
  getHighlighter:
    () =>
    ({ code, language }) => {
      if (language && !["bash", "sh", "shell", "yaml", "text"].includes(language)) {
        return { highlightedCode: escapeHtml(code), isHighlighted: true };
      }
      return {
        highlightedCode: highlightShell(code),
        isHighlighted: true,
        codeElementProps: { className: "hljs" },
      };
    },
};
