"use client";
import { Tabs } from "@mantine/core";
import { useMe } from "@/components/app-frame";
import { PageHeader } from "@/components/page-header";
import { AccountPanel } from "@/components/settings/account-panel";
import { AuditPanel } from "@/components/settings/audit-panel";
import { TeamsPanel } from "@/components/settings/teams-panel";
import { TokensPanel } from "@/components/settings/tokens-panel";
import { UsersPanel } from "@/components/settings/users-panel";

export default function SettingsPage() {
  const me = useMe();
  const isAdmin = me.data?.role === "admin";
  return (
    <>
      <PageHeader title="Settings" />
      <Tabs defaultValue="teams" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="teams">Teams and roles</Tabs.Tab>
          {isAdmin && <Tabs.Tab value="users">Users</Tabs.Tab>}
          <Tabs.Tab value="tokens">API tokens</Tabs.Tab>
          <Tabs.Tab value="account">Account</Tabs.Tab>
          {isAdmin && <Tabs.Tab value="audit">Audit log</Tabs.Tab>}
        </Tabs.List>
        <Tabs.Panel value="teams" pt="md">
          <TeamsPanel />
        </Tabs.Panel>
        {isAdmin && (
          <Tabs.Panel value="users" pt="md">
            <UsersPanel />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="tokens" pt="md">
          <TokensPanel />
        </Tabs.Panel>
        <Tabs.Panel value="account" pt="md">
          <AccountPanel />
        </Tabs.Panel>
        {isAdmin && (
          <Tabs.Panel value="audit" pt="md">
            <AuditPanel />
          </Tabs.Panel>
        )}
      </Tabs>
    </>
  );
}
