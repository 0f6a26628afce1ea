"use client";
import { ActionIcon, Badge, Button, Group, Switch, Text, TextInput, Tooltip } from "@mantine/core";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { AnsiLine } from "./ansi-line";
import type { LogBuffer } from "./log-buffer";
import { layoutRows, type TLogSection } from "./log-sections";

const ROW_HEIGHT = 18;

export interface LogViewerProps {
  log: LogBuffer;
  /** Bumped when `log` changes (the buffer is mutable). */
  version: number;
  sections: TLogSection[];
  /** The build is still writing: offer "follow". */
  live: boolean;
  height?: number | string;
}

function formatMs(ms: number | undefined): string {
  if (ms === undefined) return "";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The build log: only the rows in view are rendered (react-virtual), so 200k
 * lines scroll like 200. Folds per phase and hook, search, follow the tail,
 * and a button to the failing hook.
 */
export function LogViewer({ log, version, sections, live, height = "70vh" }: LogViewerProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [follow, setFollow] = useState(live);
  const [query, setQuery] = useState("");
  const [hit, setHit] = useState<number | undefined>();
  const lineCount = log.lineCount;
  const rows = useMemo(
    () => layoutRows(lineCount, sections, collapsed),
    // `version` stands for the buffer's content.
    [lineCount, sections, collapsed, version],
  );
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 40,
  });

  useEffect(() => setFollow(live), [live]);
  useEffect(() => {
    if (follow && rows.length > 0) virtualizer.scrollToIndex(rows.length - 1, { align: "end" });
  }, [follow, rows.length, virtualizer]);

  const rowOfLine = useCallback(
    (line: number) => {
      // Rows ascend by line; a header sits just before its section's first line.
      const valueAt = (i: number) => {
        const r = rows[i]!;
        return r >= 0 ? r : sections[-r - 1]!.start - 0.5;
      };
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (valueAt(mid) < line) lo = mid + 1;
        else hi = mid;
      }
      return Math.min(lo, Math.max(0, rows.length - 1));
    },
    [rows, sections],
  );

  const reveal = useCallback(
    (line: number) => {
      // Open every fold that hides the line, then scroll once the rows exist.
      const hiding = sections.filter(
        (s) => collapsed.has(s.key) && s.start <= line && line < s.end,
      );
      if (hiding.length) {
        setCollapsed((c) => {
          const next = new Set(c);
          for (const s of hiding) next.delete(s.key);
          return next;
        });
      }
      setFollow(false);
      setHit(line);
    },
    [sections, collapsed],
  );
  useEffect(() => {
    if (hit !== undefined) virtualizer.scrollToIndex(rowOfLine(hit), { align: "center" });
  }, [hit, rowOfLine, virtualizer]);

  const failing =
    sections.find((s) => s.kind === "hook" && s.failed) ?? sections.find((s) => s.failed);
  const jumpToFailure = () => {
    if (!failing) return;
    // Open the failing section and every fold around it.
    setCollapsed((c) => {
      const next = new Set(c);
      for (const s of sections)
        if (s === failing || (s.start <= failing.start && failing.start < s.end))
          next.delete(s.key);
      return next;
    });
    setFollow(false);
    setHit(failing.start);
  };

  const findNext = (backwards = false) => {
    if (!query) return;
    const q = query.toLowerCase();
    const n = log.lineCount;
    const from = hit ?? (backwards ? n : -1);
    for (let k = 1; k <= n; k++) {
      const i = (((from + (backwards ? -k : k)) % n) + n) % n;
      if (log.line(i).toLowerCase().includes(q)) return reveal(i);
    }
  };

  const toggle = (key: string) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  return (
    <div>
      <Group justify="space-between" mb="xs" wrap="wrap" gap="xs">
        <Group gap="xs">
          <TextInput
            size="xs"
            placeholder="Search the log"
            value={query}
            onChange={(e) => setQuery(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") findNext(e.shiftKey);
            }}
            aria-label="Search the log"
            w={220}
          />
          <Button size="xs" variant="default" onClick={() => findNext()} disabled={!query}>
            Next
          </Button>
          <Button
            size="xs"
            variant="default"
            onClick={() => setCollapsed(new Set(sections.map((s) => s.key)))}
            disabled={!sections.length}
          >
            Fold all
          </Button>
          <Button
            size="xs"
            variant="default"
            onClick={() => setCollapsed(new Set())}
            disabled={!sections.length}
          >
            Unfold all
          </Button>
          {failing && (
            <Button
              size="xs"
              color="red"
              variant="light"
              onClick={jumpToFailure}
              data-testid="jump-to-failure"
            >
              Jump to failing hook
            </Button>
          )}
        </Group>
        <Group gap="xs">
          <Text size="xs" c="dimmed" data-testid="log-line-count">
            {lineCount.toLocaleString()} lines
          </Text>
          {live && (
            <Switch
              size="xs"
              label="Follow"
              checked={follow}
              onChange={(e) => setFollow(e.currentTarget.checked)}
            />
          )}
          <Tooltip label="Go to the end">
            <ActionIcon
              size="sm"
              variant="default"
              onClick={() => virtualizer.scrollToIndex(rows.length - 1, { align: "end" })}
              aria-label="Go to the end"
            >
              ↓
            </ActionIcon>
          </Tooltip>
        </Group>
      </Group>
      <div
        ref={scrollRef}
        className="kiln-log"
        data-testid="log-viewer"
        style={{ height, overflow: "auto", position: "relative", borderRadius: 4 }}
        onWheel={(e) => {
          if (follow && e.deltaY < 0) setFollow(false);
        }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: "relative", minWidth: "100%" }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index]!;
            if (row < 0) {
              const s = sections[-row - 1]!;
              const open = !collapsed.has(s.key);
              return (
                <div
                  key={item.key}
                  className={`kiln-log-row kiln-log-fold ${s.kind}${s.failed ? " failed" : ""}`}
                  style={{
                    top: item.start,
                    height: ROW_HEIGHT,
                    paddingLeft: s.kind === "hook" ? 16 : 0,
                  }}
                  onClick={() => toggle(s.key)}
                  data-testid="log-fold"
                  data-failed={s.failed || undefined}
                >
                  <span className="kiln-log-no">{open ? "▾" : "▸"}</span>
                  <span>
                    {s.kind === "phase" ? "phase " : ""}
                    {s.title}
                    {s.durationMs !== undefined ? `  ·  ${formatMs(s.durationMs)}` : ""}
                    {!open ? `  ·  ${(s.end - s.start).toLocaleString()} lines` : ""}
                    {s.failed ? "  ·  FAILED" : ""}
                  </span>
                </div>
              );
            }
            return (
              <div
                key={item.key}
                className={`kiln-log-row${row === hit ? " kiln-log-hit" : ""}`}
                style={{ top: item.start, height: ROW_HEIGHT }}
                data-line={row + 1}
              >
                <span className="kiln-log-no">{row + 1}</span>
                <span>
                  <AnsiLine text={log.line(row)} highlight={query || undefined} />
                </span>
              </div>
            );
          })}
        </div>
      </div>
      {sections.length === 0 && lineCount > 0 && (
        <Badge variant="light" color="gray" mt={4}>
          no phase markers in this log: folding is off
        </Badge>
      )}
    </div>
  );
}
