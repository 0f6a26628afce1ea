"use client";
import { Accordion, Alert, Badge, Stack, Tabs, Text, Typography } from "@mantine/core";
import { CodeHighlight } from "@mantine/code-highlight";
import ReactMarkdown from "react-markdown";
import { DataTable, MONO_CELL, type TColumn } from "@/components/data-table";
import type { RouterOutputs } from "@/lib/trpc";

type TElementDetail = RouterOutputs["elements"]["get"];
type TPackageInstall = TElementDetail["packages"][number];
type TLintFinding = TElementDetail["lint"][number];

/** README, hooks, environment.d, package-installs and lint findings of one element. */
export function ElementTabs({ element: e }: { element: TElementDetail }) {
  const scriptCount = e.hooks.reduce((s, h) => s + h.scripts.length, 0);
  return (
    <Tabs defaultValue="readme">
      <Tabs.List>
        <Tabs.Tab value="readme">README</Tabs.Tab>
        <Tabs.Tab value="hooks">Hooks ({scriptCount})</Tabs.Tab>
        <Tabs.Tab value="env">Environment ({e.environment.length})</Tabs.Tab>
        <Tabs.Tab value="packages">Packages ({e.packages.length})</Tabs.Tab>
        <Tabs.Tab value="lint">Lint ({e.lint.length})</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="readme" pt="sm" data-testid="element-readme">
        {e.readme ? (
          <Typography>
            <ReactMarkdown>{e.readme}</ReactMarkdown>
          </Typography>
        ) : (
          <Text c="dimmed">This element has no README.</Text>
        )}
      </Tabs.Panel>
      <Tabs.Panel value="hooks" pt="sm">
        <HooksPanel hooks={e.hooks} />
      </Tabs.Panel>
      <Tabs.Panel value="env" pt="sm">
        <EnvironmentPanel environment={e.environment} />
      </Tabs.Panel>
      <Tabs.Panel value="packages" pt="sm">
        <DataTable
          verticalSpacing={2}
          columns={PACKAGE_COLUMNS}
          rows={e.packages}
          rowKey={(p) => `${p.name}-${p.phase}-${p.action}`}
        />
        {!e.packages.length && <Text c="dimmed">No package-installs.</Text>}
      </Tabs.Panel>
      <Tabs.Panel value="lint" pt="sm">
        {e.lint.length === 0 ? (
          <Alert color="green">No lint findings.</Alert>
        ) : (
          <DataTable
            verticalSpacing={2}
            withHeader={false}
            columns={LINT_COLUMNS}
            rows={e.lint}
            rowKey={(_finding, index) => index}
          />
        )}
      </Tabs.Panel>
    </Tabs>
  );
}

const PACKAGE_COLUMNS: TColumn<TPackageInstall>[] = [
  { header: "Package", cell: (p) => p.name },
  { header: "Phase", cell: (p) => p.phase },
  { header: "Action", cell: (p) => p.action },
];

const LINT_COLUMNS: TColumn<TLintFinding>[] = [
  {
    cell: (f) => (
      <Badge color={f.severity === "error" ? "red" : "yellow"} size="sm">
        {f.severity}
      </Badge>
    ),
  },
  { td: MONO_CELL, cell: (f) => `${f.file || "."}${f.line ? `:${f.line}` : ""}` },
  { td: MONO_CELL, cell: (f) => f.rule },
  { cell: (f) => f.message },
];

function HooksPanel({ hooks }: { hooks: TElementDetail["hooks"] }) {
  return (
    <>
      <Accordion multiple defaultValue={hooks.slice(0, 1).map((h) => h.phase)} variant="separated">
        {hooks.map((h) => (
          <Accordion.Item key={h.phase} value={h.phase}>
            <Accordion.Control>
              {h.phase}{" "}
              <Text span c="dimmed" size="sm">
                ({h.scripts.length})
              </Text>
            </Accordion.Control>
            <Accordion.Panel>
              <Stack gap="sm">
                {h.scripts.map((s) => (
                  <div key={s.name}>
                    <Text ff="monospace" size="sm" fw={600}>
                      {h.phase}/{s.name}
                      {s.truncated ? " (truncated)" : ""}
                    </Text>
                    {s.source === null ? (
                      <Text size="sm" c="dimmed">
                        binary or unreadable
                      </Text>
                    ) : (
                      <CodeHighlight code={s.source} language="bash" withCopyButton />
                    )}
                  </div>
                ))}
              </Stack>
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
      {!hooks.length && <Text c="dimmed">No hooks.</Text>}
    </>
  );
}

function EnvironmentPanel({ environment }: { environment: TElementDetail["environment"] }) {
  return (
    <Stack gap="sm">
      {environment.map((s) => (
        <div key={s.name}>
          <Text ff="monospace" size="sm" fw={600}>
            environment.d/{s.name}
          </Text>
          {s.source !== null && <CodeHighlight code={s.source} language="bash" />}
        </div>
      ))}
      {!environment.length && <Text c="dimmed">No environment.d files.</Text>}
    </Stack>
  );
}
