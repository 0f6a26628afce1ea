"use client";
import { Badge, Loader } from "@mantine/core";

const COLORS: Record<string, string> = {
  QUEUED: "gray",
  ASSIGNED: "cyan",
  RUNNING: "blue",
  SUCCEEDED: "green",
  FAILED: "red",
  ERRORED: "grape",
  CANCELLED: "yellow",
  ONLINE: "green",
  OFFLINE: "gray",
  DRAINING: "yellow",
};

/** A build or agent status as a coloured badge; running ones spin. */
export function StatusBadge({
  status,
  size = "sm",
}: {
  status: string;
  size?: "xs" | "sm" | "md" | "lg";
}) {
  const active = status === "RUNNING" || status === "ASSIGNED";
  return (
    <Badge
      color={COLORS[status] ?? "gray"}
      size={size}
      variant={active ? "light" : "filled"}
      leftSection={active ? <Loader size={10} color={COLORS[status]} /> : undefined}
      data-testid="status-badge"
      data-status={status}
    >
      {status.toLowerCase()}
    </Badge>
  );
}
