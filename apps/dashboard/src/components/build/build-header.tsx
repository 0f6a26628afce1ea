"use client";
import { Alert, Anchor, Badge, Button, Group, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { PageHeader } from "@/components/page-header";
import { StatusBadge } from "@/components/status-badge";
import { formatTime } from "@/lib/format";
import { notifyError, useActionFeedback } from "@/lib/mutation-feedback";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

type TBuild = RouterOutputs["builds"]["get"];

/** The build's number, status and origin, with cancel/retry, pin and the raw log. */
export function BuildHeader({ build: b, live }: { build: TBuild; live: boolean }) {
  return (
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
      actions={<BuildActions build={b} live={live} />}
    />
  );
}

function BuildActions({ build: b, live }: { build: TBuild; live: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const feedback = useActionFeedback(trpc.builds.pathKey());
  const cancel = useMutation(trpc.builds.cancel.mutationOptions(feedback));
  const pin = useMutation(trpc.builds.pin.mutationOptions(feedback));
  const retry = useMutation(
    trpc.builds.retry.mutationOptions({
      onSuccess: (r) => router.push(`/builds/${r.id}`),
      onError: notifyError,
    }),
  );
  return (
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
      <Button variant="default" onClick={() => pin.mutate({ buildId: b.id, pinned: !b.pinned })}>
        {b.pinned ? "Unpin" : "Pin"}
      </Button>
      <Button variant="default" component="a" href={`/api/builds/${b.id}/log`} target="_blank">
        Raw log
      </Button>
    </>
  );
}

/** Why a queued build waits, or which hook failed (or why Kiln could not finish it). */
export function BuildNotices({ build: b }: { build: TBuild }) {
  return (
    <>
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
    </>
  );
}
