"use client";
import Anser from "anser";
import { memo } from "react";

/** One log line with its ANSI colours and bold/italic/underline kept. */
export const AnsiLine = memo(function AnsiLine({
  text,
  highlight,
}: {
  text: string;
  highlight?: string;
}) {
  if (!text.includes("\u001b")) return <>{mark(text, highlight)}</>;
  const parts = Anser.ansiToJson(text, { remove_empty: true });
  return (
    <>
      {parts.map((p, i) => {
        const d = p.decorations ?? [];
        const style: React.CSSProperties = {
          color: p.fg ? `rgb(${p.fg})` : undefined,
          backgroundColor: p.bg ? `rgb(${p.bg})` : undefined,
          fontWeight: d.includes("bold") ? 700 : undefined,
          fontStyle: d.includes("italic") ? "italic" : undefined,
          textDecoration: d.includes("underline")
            ? "underline"
            : d.includes("strikethrough")
              ? "line-through"
              : undefined,
          opacity: d.includes("dim") ? 0.7 : undefined,
        };
        return (
          <span key={i} style={style}>
            {mark(p.content, highlight)}
          </span>
        );
      })}
    </>
  );
});

function mark(text: string, needle: string | undefined): React.ReactNode {
  if (!needle) return text;
  const lower = text.toLowerCase();
  const n = needle.toLowerCase();
  let at = lower.indexOf(n);
  if (at < 0) return text;
  const out: React.ReactNode[] = [];
  let last = 0;
  while (at >= 0) {
    out.push(text.slice(last, at), <mark key={at}>{text.slice(at, at + n.length)}</mark>);
    last = at + n.length;
    at = lower.indexOf(n, last);
  }
  out.push(text.slice(last));
  return out;
}
