"use client";
import { ActionIcon, Badge, Button, Group, Switch, Text, TextInput, Tooltip } from "@mantine/core";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { AnsiLine } from "./ansi-line";
import type { LogBuffer } from "./log-buffer";
import { failingSection, findLine, rowOfLine, sectionsAround } from "./log-navigation";
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

/** Which sections are folded, by key. */
function useFolds() {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const update = (change: (next: Set<string>) => void) =>
    setCollapsed((current) => {
      const next = new Set(current);
      change(next);
      return next;
    });
  return {
    collapsed,
    toggle: (key: string) => update((next) => (next.has(key) ? next.delete(key) : next.add(key))),
    open: (keys: string[]) => update((next) => keys.forEach((key) => next.delete(key))),
    foldAll: (sections: TLogSection[]) => setCollapsed(new Set(sections.map((s) => s.key))),
    unfoldAll: () => setCollapsed(new Set()),
  };
}

/**
 * Scrolling the rows: the virtualizer, following the tail while `live`, and
 * the line last jumped to (`hit`), kept centred.
 */
function useLogScroll(rows: Int32Array, sections: TLogSection[], live: boolean) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(live);
  const [hit, setHit] = useState<number | undefined>();
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
  const rowOf = useCallback((line: number) => rowOfLine(rows, sections, line), [rows, sections]);
  useEffect(() => {
    if (hit !== undefined) virtualizer.scrollToIndex(rowOf(hit), { align: "center" });
  }, [hit, rowOf, virtualizer]);
  return { scrollRef, virtualizer, follow, setFollow, hit, setHit };
}

/**
 * The build log: only the rows in view are rendered (react-virtual), so 200k
 * lines scroll like 200. Folds per phase and hook, search, follow the tail,
 * and a button to the failing hook.
 */
export function LogViewer({ log, version, sections, live, height = "70vh" }: LogViewerProps) {
  const folds = useFolds();
  const [query, setQuery] = useState("");
  const lineCount = log.lineCount;
  const rows = useMemo(
    () => layoutRows(lineCount, sections, folds.collapsed),
    // `version` stands for the buffer's content.
    [lineCount, sections, folds.collapsed, version],
  );
  const { scrollRef, virtualizer, follow, setFollow, hit, setHit } = useLogScroll(
    rows,
    sections,
    live,
  );

  /** Open the given folds where they hide `line`, stop following and scroll to it. */
  const goTo = (line: number, around: string[]) => {
    const hiding = around.filter((key) => folds.collapsed.has(key));
    if (hiding.length) folds.open(hiding);
    setFollow(false);
    setHit(line);
  };
  const failing = failingSection(sections);
  // The failing section itself opens too, even when it holds no line.
  const jumpTo = (section: TLogSection) =>
    goTo(section.start, [section.key, ...sectionsAround(sections, section.start)]);
  const findNext = (backwards = false) => {
    const line = findLine(log, query, hit, backwards);
    if (line !== undefined) goTo(line, sectionsAround(sections, line));
  };

  return (
    <div>
      <LogToolbar
        query={query}
        onQueryChange={setQuery}
        onFind={findNext}
        onFoldAll={() => folds.foldAll(sections)}
        onUnfoldAll={folds.unfoldAll}
        hasSections={sections.length > 0}
        onJumpToFailure={failing && (() => jumpTo(failing))}
        lineCount={lineCount}
        live={live}
        follow={follow}
        onFollowChange={setFollow}
        onGoToEnd={() => virtualizer.scrollToIndex(rows.length - 1, { align: "end" })}
      />
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
              const section = sections[-row - 1]!;
              return (
                <FoldRow
                  key={item.key}
                  section={section}
                  open={!folds.collapsed.has(section.key)}
                  top={item.start}
                  onToggle={() => folds.toggle(section.key)}
                />
              );
            }
            return (
              <LineRow
                key={item.key}
                line={row}
                text={log.line(row)}
                top={item.start}
                isHit={row === hit}
                highlight={query || undefined}
              />
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

/** Search, folds, the jump to the failing hook, the line count, follow and go-to-end. */
function LogToolbar({
  query,
  onQueryChange,
  onFind,
  onFoldAll,
  onUnfoldAll,
  hasSections,
  onJumpToFailure,
  lineCount,
  live,
  follow,
  onFollowChange,
  onGoToEnd,
}: {
  query: string;
  onQueryChange: (query: string) => void;
  onFind: (backwards: boolean) => void;
  onFoldAll: () => void;
  onUnfoldAll: () => void;
  hasSections: boolean;
  /** Only when a hook or phase failed. */
  onJumpToFailure: (() => void) | undefined;
  lineCount: number;
  live: boolean;
  follow: boolean;
  onFollowChange: (follow: boolean) => void;
  onGoToEnd: () => void;
}) {
  return (
    <Group justify="space-between" mb="xs" wrap="wrap" gap="xs">
      <Group gap="xs">
        <TextInput
          size="xs"
          placeholder="Search the log"
          value={query}
          onChange={(e) => onQueryChange(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") onFind(e.shiftKey);
          }}
          aria-label="Search the log"
          w={220}
        />
        <LogButton onClick={() => onFind(false)} disabled={!query}>
          Next
        </LogButton>
        <LogButton onClick={onFoldAll} disabled={!hasSections}>
          Fold all
        </LogButton>
        <LogButton onClick={onUnfoldAll} disabled={!hasSections}>
          Unfold all
        </LogButton>
        {onJumpToFailure && (
          <Button
            size="xs"
            color="red"
            variant="light"
            onClick={onJumpToFailure}
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
            onChange={(e) => onFollowChange(e.currentTarget.checked)}
          />
        )}
        <Tooltip label="Go to the end">
          <ActionIcon size="sm" variant="default" onClick={onGoToEnd} aria-label="Go to the end">
            ↓
          </ActionIcon>
        </Tooltip>
      </Group>
    </Group>
  );
}

function LogButton(props: { onClick: () => void; disabled: boolean; children: React.ReactNode }) {
  return <Button size="xs" variant="default" {...props} />;
}

/** A phase or hook header: click to fold or unfold; folded, it counts its lines. */
function FoldRow({
  section: s,
  open,
  top,
  onToggle,
}: {
  section: TLogSection;
  open: boolean;
  top: number;
  onToggle: () => void;
}) {
  return (
    <div
      className={`kiln-log-row kiln-log-fold ${s.kind}${s.failed ? " failed" : ""}`}
      style={{ top, height: ROW_HEIGHT, paddingLeft: s.kind === "hook" ? 16 : 0 }}
      onClick={onToggle}
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

function LineRow({
  line,
  text,
  top,
  isHit,
  highlight,
}: {
  line: number;
  text: string;
  top: number;
  isHit: boolean;
  highlight: string | undefined;
}) {
  return (
    <div
      className={`kiln-log-row${isHit ? " kiln-log-hit" : ""}`}
      style={{ top, height: ROW_HEIGHT }}
      data-line={line + 1}
    >
      <span className="kiln-log-no">{line + 1}</span>
      <span>
        <AnsiLine text={text} highlight={highlight} />
      </span>
    </div>
  );
}
