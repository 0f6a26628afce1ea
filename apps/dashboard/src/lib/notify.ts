"use client";
import { notifications } from "@mantine/notifications";

/** A failed action's message as a red notification (row actions that have no place for it). */
export function notifyError(err: { message: string }): void {
  notifications.show({ color: "red", message: err.message });
}
