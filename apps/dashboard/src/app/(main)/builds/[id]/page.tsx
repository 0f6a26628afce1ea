"use client";
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useParams, useRouter } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { ArtifactsTable } from "@/components/build/artifacts-table";
import { BuildDiff } from "@/components/build/build-diff";
import { BuildProgress } from "@/components/build/build-progress";
import { HookTimings } from "@/components/build/hook-timings";
import { ManifestTable } from "@/components/build/manifest-table";
import { useBuildStream } from "@/components/build/use-build-log";
import { LogViewer } from "@/components/log/log-viewer";
import { computeLogSections } from "@/components/log/log-sections";
import { PageHeader } from "@/components/page-header";
import { QueryState } from "@/components/query-state";
import { StatusBadge } from "@/components/status-badge";
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
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const live = LIVE.has(b.status);
  const stream = useBuildStream(b.id, live);
  const [now, setNow] = useState(() => Date.now());
  // A plain interval: Mantine's useInterval returns a new object each render, and with
  // the log re-rendering every 100 ms an effect on it would restart the timer forever.
  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [live]);

  const earlier = useQuery({
    ...trpc.builds.list.queryOptions({ recipeId: b.recipe?.id, status: ["SUCCEEDED"], limit: 10 }),
    enabled: !!b.recipe,
  });
  const typicalMs = median(
    (earlier.data?.items ?? [])
      .filter((x) => x.id !== b.id && x.startedAt && x.finishedAt)
      .map((x) => new Date(x.finishedAt!).getTime() - new Date(x.startedAt!).getTime()),
  );

  const sections = useMemo(
    () =>
      computeLogSections(
        stream.events,
        (o) => stream.log.lineAt(o),
        stream.log.lineCount,
        b.failure,
      ),
    [stream.version, stream.events.length, b.failure],
  );

  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.builds.pathKey() });
  const onError = (err: { message: string }) =>
    notifications.show({ color: "red", message: err.message });
  const cancel = useMutation(
    trpc.builds.cancel.mutationOptions({ onSuccess: invalidate, onError }),
  );
  const retry = useMutation(
    trpc.builds.retry.mutationOptions({
      onSuccess: (r) => router.push(`/builds/${r.id}`),
      onError,
    }),
  );
  const pin = useMutation(trpc.builds.pin.mutationOptions({ onSuccess: invalidate, onError }));

  return (
    <Stack gap="md">
      <PageHeader
        title={
          <Group gap="sm">
            <span>Build #{b.number}</span>
            <StatusBadge status={b.status} size="lg" />
            {b.pinned && (
              <Badge color="orange" variant="outline">
                pinned
              </Badge>
            )}
            {b.deletedAt && <Badge color="gray">artifacts and log removed</Badge>}
          </Group>
        }
        subtitle={
          <>
            {b.recipe ? (
              <Anchor component={Link} href={`/recipes/${b.recipe.id}`}>
                {b.recipe.name} v{b.recipeVersion?.version}
              </Anchor>
            ) : (
              "ad-hoc build"
            )}
            {" · requested by "}
            {b.requestedBy?.email ?? "someone removed"}
            {" · "}
            {formatTime(b.queuedAt)}
          </>
        }
        actions={
          <>
            {live && (
              <Button
                color="red"
                variant="light"
                onClick={() => cancel.mutate({ buildId: b.id })}
                loading={cancel.isPending}
                disabled={!!b.cancelRequestedAt}
              >
                {b.cancelRequestedAt ? "Cancelling…" : "Cancel"}
              </Button>
            )}
            {!live && (
              <Button
                variant="default"
                onClick={() => retry.mutate({ buildId: b.id })}
                loading={retry.isPending}
              >
                Retry
              </Button>
            )}
            <Button
              variant="default"
              onClick={() => pin.mutate({ buildId: b.id, pinned: !b.pinned })}
            >
              {b.pinned ? "Unpin" : "Pin"}
            </Button>
            <Button
              variant="default"
              component="a"
              href={`/api/builds/${b.id}/log`}
              target="_blank"
            >
              Raw log
            </Button>
          </>
        }
      />

      {b.status === "QUEUED" && (
        <Alert color="yellow" title="Waiting for an agent" data-testid="build-waiting">
          {b.waitingReason ?? "The dispatcher has not looked at this build yet."}{" "}
          <Anchor component={Link} href="/agents" size="sm">
            Agents
          </Anchor>
        </Alert>
      )}
      {b.failure && (
        <Alert
          color="red"
          title={b.status === "ERRORED" ? "Kiln could not finish this build" : "A hook failed"}
          data-testid="build-failure"
        >
          {b.failure.element && (
            <Text size="sm">
              {b.failure.phase} / {b.failure.element} / <code>{b.failure.script}</code> exited with{" "}
              {b.failure.exitCode}
            </Text>
          )}
          {b.failure.message && <Text size="sm">{b.failure.message}</Text>}
        </Alert>
      )}

      <BuildProgress
        status={b.status}
        startedAt={b.startedAt}
        finishedAt={b.finishedAt}
        phaseTimings={b.phaseTimings}
        events={stream.events}
        typicalMs={typicalMs}
        now={now}
      />

      <SimpleGrid cols={{ base: 2, md: 5 }}>
        <Fact label="Agent" value={b.agent ? `${b.agent.name} (${b.agent.arch})` : "–"} />
        <Fact label="Arch" value={b.request.arch} />
        <Fact label="Outputs" value={b.request.types.join(", ")} />
        <Fact label="Started" value={formatTime(b.startedAt)} />
        <Fact label="Duration" value={formatDuration(b.durationMs)} />
      </SimpleGrid>

      <Tabs defaultValue="log" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="log">Log</Tabs.Tab>
          <Tabs.Tab value="timings">Hook timings ({b.hooks.length})</Tabs.Tab>
          <Tabs.Tab value="artifacts">Artifacts ({b.artifacts.length})</Tabs.Tab>
          <Tabs.Tab value="packages">Packages ({b.manifest.length})</Tabs.Tab>
          <Tabs.Tab value="elements">Elements ({b.resolvedElements.length})</Tabs.Tab>
          <Tabs.Tab value="diff">Diff</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="log" pt="sm">
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
        </Tabs.Panel>
        <Tabs.Panel value="timings" pt="sm">
          <HookTimings hooks={b.hooks} />
        </Tabs.Panel>
        <Tabs.Panel value="artifacts" pt="sm">
          <ArtifactsTable buildId={b.id} artifacts={b.artifacts} />
        </Tabs.Panel>
        <Tabs.Panel value="packages" pt="sm">
          <ManifestTable manifest={b.manifest} />
        </Tabs.Panel>
        <Tabs.Panel value="elements" pt="sm">
          <Table verticalSpacing={2}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Element</Table.Th>
                <Table.Th>Catalog</Table.Th>
                <Table.Th>Version (sha256)</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {b.resolvedElements.map((e) => (
                <Table.Tr key={e.name}>
                  <Table.Td>{e.name}</Table.Td>
                  <Table.Td>{e.catalogName ?? "built-in"}</Table.Td>
                  <Table.Td ff="monospace">{e.catalogSha256?.slice(0, 16) ?? "–"}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Tabs.Panel>
        <Tabs.Panel value="diff" pt="sm">
          <BuildDiff buildId={b.id} recipeId={b.recipe?.id ?? null} number={b.number} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
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
