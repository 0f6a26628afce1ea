"use client";
import { notifications } from "@mantine/notifications";
import { useQueryClient, type QueryKey } from "@tanstack/react-query";

/** A failed action's message as a red notification (row actions that have no place for it). */
export function notifyError(err: { message: string }): void {
  notifications.show({ color: "red", message: err.message });
}

/**
 * Mutation options for an action on something listed: once it succeeds the
 * queries under `queryKey` are fetched again; a failure is notified.
 */
export function useActionFeedback(queryKey: QueryKey) {
  const queryClient = useQueryClient();
  return {
    onSuccess: () => queryClient.invalidateQueries({ queryKey }),
    onError: notifyError,
  };
}
