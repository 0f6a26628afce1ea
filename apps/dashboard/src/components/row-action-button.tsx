"use client";
import { Button, type MantineColor } from "@mantine/core";

/**
 * A small action in a table row (revoke, remove, disable). With `confirm`, the
 * browser asks that question first and a "no" does nothing.
 */
export function RowActionButton({
  onClick,
  color = "red",
  confirm,
  children,
}: {
  onClick: () => void;
  color?: MantineColor;
  confirm?: string;
  children: React.ReactNode;
}) {
  return (
    <Button
      size="xs"
      variant="subtle"
      color={color}
      onClick={() => {
        if (confirm === undefined || window.confirm(confirm)) onClick();
      }}
    >
      {children}
    </Button>
  );
}
