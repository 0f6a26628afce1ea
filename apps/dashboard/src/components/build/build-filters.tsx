"use client";
import { Group, MultiSelect, Select, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useMe } from "@/components/app-frame";
import { useTRPC } from "@/lib/trpc";
import type { TBuildFilters } from "./build-list-query";

/** The filter bar above the builds list: search, recipe, status, agent, requester, dates. */
export function BuildFilters<TStatus extends string>({
  value,
  onChange,
  statuses,
}: {
  value: TBuildFilters<TStatus>;
  onChange: (filters: TBuildFilters<TStatus>) => void;
  statuses: readonly TStatus[];
}) {
  const { recipes, agents, users } = useFilterOptions();
  const set =
    <K extends keyof TBuildFilters<TStatus>>(key: K) =>
    (next: TBuildFilters<TStatus>[K]) =>
      onChange({ ...value, [key]: next });
  const bind = (key: "recipeId" | "agentId" | "userId") => ({
    value: value[key],
    onChange: set(key),
  });
  return (
    <Group gap="xs" mb="md" align="flex-end" wrap="wrap">
      <TextInput
        label="Search"
        placeholder="#42, recipe or element"
        value={value.q}
        onChange={(e) => set("q")(e.currentTarget.value)}
        w={170}
      />
      <FilterSelect label="Recipe" data={recipes} w={160} searchable {...bind("recipeId")} />
      <MultiSelect
        label="Status"
        placeholder="any"
        data={statuses.map((s) => ({ value: s, label: s.toLowerCase() }))}
        value={value.status}
        onChange={(status) => set("status")(status as TStatus[])}
        w={200}
        clearable
      />
      <FilterSelect label="Agent" data={agents} w={150} {...bind("agentId")} />
      <FilterSelect
        label="Requested by"
        placeholder="anyone"
        data={users}
        w={160}
        searchable
        {...bind("userId")}
      />
      <DateFilter label="From" value={value.from} onChange={set("from")} />
      <DateFilter label="To" value={value.to} onChange={set("to")} />
    </Group>
  );
}

/** The recipes, agents and people to filter by ("me" first; others only for administrators). */
function useFilterOptions() {
  const trpc = useTRPC();
  const me = useMe();
  const recipes = useQuery(trpc.recipes.list.queryOptions({}));
  const agents = useQuery(trpc.agents.list.queryOptions());
  const isAdmin = me.data?.role === "admin";
  const users = useQuery({ ...trpc.users.list.queryOptions(), enabled: isAdmin });
  const myId = me.data?.user.id;
  const others = (users.data ?? []).filter((u) => u.id !== myId);
  return {
    recipes: (recipes.data ?? []).map((r) => ({ value: r.id, label: r.name })),
    agents: (agents.data ?? []).map((a) => ({ value: a.id, label: a.name })),
    users: [
      ...(myId ? [{ value: myId, label: "me" }] : []),
      ...others.map((u) => ({ value: u.id, label: u.email })),
    ],
  };
}

/** A clearable single choice; "any" when nothing is chosen. */
function FilterSelect({
  placeholder = "any",
  ...props
}: {
  label: string;
  placeholder?: string;
  data: { value: string; label: string }[];
  w: number;
  searchable?: boolean;
  value: string | null;
  onChange: (value: string | null) => void;
}) {
  return <Select placeholder={placeholder} clearable {...props} />;
}

function DateFilter({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string;
  onChange: (day: string) => void;
}) {
  return (
    <TextInput
      label={label}
      type="date"
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      w={140}
    />
  );
}
