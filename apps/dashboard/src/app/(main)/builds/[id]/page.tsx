"use client";
import { Paper, SimpleGrid, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useParams } from "next/navigation";
import { useEffect, useState } from "react";
import { BuildHeader, BuildNotices } from "@/components/build/build-header";
import { BuildProgress } from "@/components/build/build-progress";
import { BuildTabs } from "@/components/build/build-tabs";
import { useBuildStream } from "@/components/build/use-build-log";
import { QueryState } from "@/components/query-state";
import { formatDuration, formatTime, median } from "@/lib/format";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

type TBuild = RouterOutputs["builds"]["get"];
const LIVE = new Set(["QUEUED", "ASSIGNED", "RUNNING"]);

export default function BuildPage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const build = useQuery(
    trpc.builds.get.queryOptions(
      { buildId: id },
      { refetchInterval: (q) => (q.state.data && LIVE.has(q.state.data.status) ? 3000 : false) },
    ),
  );
  return <QueryState query={build}>{(b) => <BuildView build={b} />}</QueryState>;
}

function BuildView({ build: b }: { build: TBuild }) {
  const live = LIVE.has(b.status);
  const stream = useBuildStream(b.id, live);
  const now = useNow(live);
  const typicalMs = useTypicalDuration(b);
  return (
    <Stack gap="md">
      <BuildHeader build={b} live={live} />
      <BuildNotices build={b} />
      <BuildProgress
        status={b.status}
        startedAt={b.startedAt}
        finishedAt={b.finishedAt}
        phaseTimings={b.phaseTimings}
        events={stream.events}
        typicalMs={typicalMs}
        now={now}
      />
      <BuildFacts build={b} />
      <BuildTabs build={b} stream={stream} live={live} />
    </Stack>
  );
}

/** The current time, ticking every second while `live`. */
function useNow(live: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  // A plain interval: Mantine's useInterval returns a new object each render, and with
  // the log re-rendering every 100 ms an effect on it would restart the timer forever.
  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [live]);
  return now;
}

/** The median duration of the recipe's last successful builds, for the ETA. */
function useTypicalDuration(b: TBuild): number | undefined {
  const trpc = useTRPC();
  const earlier = useQuery({
    ...trpc.builds.list.queryOptions({ recipeId: b.recipe?.id, status: ["SUCCEEDED"], limit: 10 }),
    enabled: !!b.recipe,
  });
  return median(
    (earlier.data?.items ?? [])
      .filter((x) => x.id !== b.id && x.startedAt && x.finishedAt)
      .map((x) => new Date(x.finishedAt!).getTime() - new Date(x.startedAt!).getTime()),
  );
}

function BuildFacts({ build: b }: { build: TBuild }) {
  return (
    <SimpleGrid cols={{ base: 2, md: 5 }}>
      <Fact label="Agent" value={b.agent ? `${b.agent.name} (${b.agent.arch})` : "–"} />
      <Fact label="Arch" value={b.request.arch} />
      <Fact label="Outputs" value={b.request.types.join(", ")} />
      <Fact label="Started" value={formatTime(b.startedAt)} />
      <Fact label="Duration" value={formatDuration(b.durationMs)} />
    </SimpleGrid>
  );
}

function Fact({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <Paper withBorder p="xs">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={500}>
        {value}
      </Text>
    </Paper>
  );
}
