"use client";
import { useMe } from "@/components/app-frame";
import { PageHeader } from "@/components/page-header";
import { PanelTabs } from "@/components/panel-tabs";
import { AccountPanel } from "@/components/settings/account-panel";
import { AuditPanel } from "@/components/settings/audit-panel";
import { PoolsPanel } from "@/components/settings/pools-panel";
import { TeamsPanel } from "@/components/settings/teams-panel";
import { TokensPanel } from "@/components/settings/tokens-panel";
import { UsersPanel } from "@/components/settings/users-panel";

/** The settings tabs in order; administrators see all of them. */
const TABS = [
  { value: "teams", label: "Teams and roles", Panel: TeamsPanel, adminOnly: false },
  { value: "pools", label: "Agent pools", Panel: PoolsPanel, adminOnly: false },
  { value: "users", label: "Users", Panel: UsersPanel, adminOnly: true },
  { value: "tokens", label: "API tokens", Panel: TokensPanel, adminOnly: false },
  { value: "account", label: "Account", Panel: AccountPanel, adminOnly: false },
  { value: "audit", label: "Audit log", Panel: AuditPanel, adminOnly: true },
];

export default function SettingsPage() {
  const me = useMe();
  const isAdmin = me.data?.role === "admin";
  const tabs = TABS.filter((tab) => isAdmin || !tab.adminOnly);
  return (
    <>
      <PageHeader title="Settings" />
      <PanelTabs
        tabs={tabs.map(({ value, label, Panel }) => ({ value, label, panel: <Panel /> }))}
        pt="md"
        defaultValue="teams"
        keepMounted={false}
      />
    </>
  );
}
