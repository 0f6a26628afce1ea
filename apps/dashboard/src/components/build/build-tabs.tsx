"use client";
import { Alert, Text } from "@mantine/core";
import { useMemo } from "react";
import { DataTable, MONO_CELL, type TColumn } from "@/components/data-table";
import { computeLogSections } from "@/components/log/log-sections";
import { LogViewer } from "@/components/log/log-viewer";
import { PanelTabs, type TPanelTab } from "@/components/panel-tabs";
import type { RouterOutputs } from "@/lib/trpc";
import { ArtifactsTable } from "./artifacts-table";
import { BuildDiff } from "./build-diff";
import { HookTimings } from "./hook-timings";
import { ManifestTable } from "./manifest-table";
import type { TBuildStream } from "./use-build-log";

type TBuild = RouterOutputs["builds"]["get"];
type TResolvedElement = TBuild["resolvedElements"][number];

/** The build's log, hook timings, artifacts, packages, elements and a diff with another build. */
export function BuildTabs({
  build: b,
  stream,
  live,
}: {
  build: TBuild;
  stream: TBuildStream;
  live: boolean;
}) {
  const tabs: TPanelTab[] = [
    {
      value: "log",
      label: "Log",
      panel: <BuildLog stream={stream} failure={b.failure} live={live} />,
    },
    {
      value: "timings",
      label: `Hook timings (${b.hooks.length})`,
      panel: <HookTimings hooks={b.hooks} />,
    },
    {
      value: "artifacts",
      label: `Artifacts (${b.artifacts.length})`,
      panel: <ArtifactsTable buildId={b.id} artifacts={b.artifacts} />,
    },
    {
      value: "packages",
      label: `Packages (${b.manifest.length})`,
      panel: <ManifestTable manifest={b.manifest} />,
    },
    {
      value: "elements",
      label: `Elements (${b.resolvedElements.length})`,
      panel: (
        <DataTable
          verticalSpacing={2}
          columns={ELEMENT_COLUMNS}
          rows={b.resolvedElements}
          rowKey={(e) => e.name}
        />
      ),
    },
    {
      value: "diff",
      label: "Diff",
      panel: <BuildDiff buildId={b.id} recipeId={b.recipe?.id ?? null} number={b.number} />,
    },
  ];
  return <PanelTabs tabs={tabs} pt="sm" defaultValue="log" keepMounted={false} />;
}

const ELEMENT_COLUMNS: TColumn<TResolvedElement>[] = [
  { header: "Element", cell: (e) => e.name },
  { header: "Catalog", cell: (e) => e.catalogName ?? "built-in" },
  { header: "Version (sha256)", td: MONO_CELL, cell: (e) => e.catalogSha256?.slice(0, 16) ?? "–" },
];

/** The log with folds per phase and hook, computed from the events' log offsets. */
function BuildLog({
  stream,
  failure,
  live,
}: {
  stream: TBuildStream;
  failure: TBuild["failure"];
  live: boolean;
}) {
  const sections = useMemo(
    () =>
      computeLogSections(stream.events, (o) => stream.log.lineAt(o), stream.log.lineCount, failure),
    [stream.version, stream.events.length, failure],
  );
  return (
    <>
      {stream.error && (
        <Alert color="red" data-testid="log-error">
          {stream.error}
        </Alert>
      )}
      {stream.loading ? (
        <Text c="dimmed">Loading the log…</Text>
      ) : (
        <LogViewer log={stream.log} version={stream.version} sections={sections} live={live} />
      )}
    </>
  );
}
