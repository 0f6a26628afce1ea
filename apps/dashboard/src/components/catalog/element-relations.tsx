"use client";
import { Anchor, Badge, Group, Paper, Text, type BadgeVariant } from "@mantine/core";
import Link from "next/link";
import type { RouterOutputs } from "@/lib/trpc";

type TElementDetail = RouterOutputs["elements"]["get"];

/** What an element depends on, provides, and which elements of its version use it. */
export function ElementRelations({
  element,
  href,
}: {
  element: TElementDetail;
  href: (name: string) => string;
}) {
  const usedBy = element.dependents.map((name) => (
    <Anchor key={name} component={Link} href={href(name)} size="sm">
      {name}
    </Anchor>
  ));
  return (
    <Paper withBorder p="sm">
      <Relation label="Depends on:" mb={4} emptyText="nothing">
        {badges(element.deps, "light")}
      </Relation>
      <Relation label="Provides:" mb={4} emptyText="nothing">
        {badges(element.provides, "outline")}
      </Relation>
      <Relation label="Used by:" emptyText="no element of this version">
        {usedBy}
      </Relation>
    </Paper>
  );
}

function badges(names: string[], variant: BadgeVariant) {
  return names.map((name) => (
    <Badge key={name} variant={variant}>
      {name}
    </Badge>
  ));
}

function Relation({
  label,
  mb,
  emptyText,
  children,
}: {
  label: string;
  mb?: number;
  emptyText: string;
  children: React.ReactNode[];
}) {
  return (
    <Group gap="xs" mb={mb}>
      <Text size="sm" fw={600}>
        {label}
      </Text>
      {children.length ? (
        children
      ) : (
        <Text size="sm" c="dimmed">
          {emptyText}
        </Text>
      )}
    </Group>
  );
}
