"use client";
import { Anchor, Text } from "@mantine/core";
import Link from "next/link";

/**
 * The first cell of a list row: the thing's name as a link, an optional badge
 * beside it and a dimmed note (description, summary) under it.
 */
export function NameCell({
  href,
  name,
  badge,
  note,
  noteLines,
}: {
  href: string;
  name: string;
  badge?: React.ReactNode;
  note?: string | null;
  /** Clamp the note to this many lines. */
  noteLines?: number;
}) {
  return (
    <>
      <Anchor component={Link} href={href} fw={600}>
        {name}
      </Anchor>
      {badge}
      {note && (
        <Text size="xs" c="dimmed" lineClamp={noteLines}>
          {note}
        </Text>
      )}
    </>
  );
}
