"use client";
import { Group, Paper, Progress, Stack, Text, Tooltip } from "@mantine/core";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { formatDuration } from "@/lib/format";

const PHASE_COLORS = [
  "orange",
  "blue",
  "teal",
  "grape",
  "cyan",
  "lime",
  "indigo",
  "pink",
  "yellow",
  "red",
  "violet",
  "green",
];

export interface BuildProgressProps {
  status: string;
  startedAt: Date | null;
  finishedAt: Date | null;
  phaseTimings: Record<string, number>;
  events: { seq: number; event: TBuildEvent }[];
  /** Median duration of earlier successful builds of the recipe. */
  typicalMs?: number;
  now: number;
}

/**
 * Progress bar with ETA (the pipeline's own estimate when it sent one, else
 * elapsed against earlier builds of the recipe) and the phase timeline: one
 * segment per phase, as long as it took.
 */
export function BuildProgress({
  status,
  startedAt,
  finishedAt,
  phaseTimings,
  events,
  typicalMs,
  now,
}: BuildProgressProps) {
  const running = status === "RUNNING" || status === "ASSIGNED";
  const start = startedAt ? new Date(startedAt).getTime() : undefined;
  const end = finishedAt ? new Date(finishedAt).getTime() : now;
  const elapsed = start !== undefined ? end - start : 0;

  // Phase order and durations: finished phases from the events (or stored
  // timings), and the one running now.
  const phases: { phase: string; ms: number; running: boolean; failed: boolean }[] = [];
  let lastProgress: Extract<TBuildEvent, { type: "progress" }> | undefined;
  let current: Extract<TBuildEvent, { type: "phase.started" }> | undefined;
  for (const { event } of events) {
    if (event.type === "phase.started") current = event;
    if (event.type === "phase.finished") {
      phases.push({ phase: event.phase, ms: event.durationMs, running: false, failed: !event.ok });
      current = undefined;
    }
    if (event.type === "progress") lastProgress = event;
  }
  if (!phases.length) {
    for (const [phase, ms] of Object.entries(phaseTimings))
      phases.push({ phase, ms, running: false, failed: false });
  }
  if (current && running)
    phases.push({ phase: current.phase, ms: now - current.t, running: true, failed: false });
  const total = Math.max(
    1,
    phases.reduce((s, p) => s + p.ms, 0),
  );

  let fraction: number | undefined;
  let etaMs: number | undefined;
  // A build that stopped short (failed, cancelled) shows where it stopped, not a full bar.
  if (!running && finishedAt)
    fraction = status === "SUCCEEDED" ? 1 : (lastProgress?.fraction ?? undefined);
  else if (lastProgress) {
    fraction = lastProgress.fraction;
    etaMs = lastProgress.etaMs;
  } else if (running && typicalMs && start !== undefined) {
    fraction = Math.min(0.99, elapsed / typicalMs);
    etaMs = Math.max(0, typicalMs - elapsed);
  }

  return (
    <Paper withBorder p="sm" data-testid="build-progress">
      <Stack gap="xs">
        <Group justify="space-between">
          <Text size="sm" fw={600}>
            {running ? "Running" : finishedAt ? "Finished" : "Not started"}
            {start !== undefined ? ` · ${formatDuration(elapsed)}` : ""}
          </Text>
          <Text size="sm" c="dimmed" data-testid="build-eta">
            {running && etaMs !== undefined
              ? `about ${formatDuration(etaMs)} left`
              : running
                ? "no earlier build to estimate from"
                : typicalMs
                  ? `typical: ${formatDuration(typicalMs)}`
                  : ""}
          </Text>
        </Group>
        <Progress
          value={(fraction ?? 0) * 100}
          // Read by the browser test, which watches the bar move during a live build.
          data-testid="build-progress-bar"
          data-value={(fraction ?? 0) * 100}
          animated={running}
          striped={running}
          color={
            status === "FAILED" || status === "ERRORED"
              ? "red"
              : status === "SUCCEEDED"
                ? "green"
                : status === "CANCELLED"
                  ? "gray"
                  : "blue"
          }
          size="md"
        />
        {phases.length > 0 && (
          <>
            <Progress.Root size={22} data-testid="phase-timeline">
              {phases.map((p, i) => (
                <Tooltip
                  key={`${p.phase}-${i}`}
                  label={`${p.phase}: ${formatDuration(p.ms)}${p.running ? " (running)" : ""}${p.failed ? " (failed)" : ""}`}
                >
                  <Progress.Section
                    value={(p.ms / total) * 100}
                    color={p.failed ? "red" : PHASE_COLORS[i % PHASE_COLORS.length]}
                    striped={p.running}
                    animated={p.running}
                  >
                    <Progress.Label>{p.ms / total > 0.08 ? p.phase : ""}</Progress.Label>
                  </Progress.Section>
                </Tooltip>
              ))}
            </Progress.Root>
            <Group gap="md">
              {phases.map((p, i) => (
                <Text key={`${p.phase}-${i}`} size="xs" c={p.failed ? "red" : "dimmed"}>
                  {p.phase} {formatDuration(p.ms)}
                </Text>
              ))}
            </Group>
          </>
        )}
      </Stack>
    </Paper>
  );
}
