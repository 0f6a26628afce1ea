"use client";
import { Accordion, Alert, Badge, Stack, Text, Typography } from "@mantine/core";
import { CodeHighlight } from "@mantine/code-highlight";
import ReactMarkdown from "react-markdown";
import { DataTable, MONO_CELL, type TColumn } from "@/components/data-table";
import { PanelTabs, type TPanelTab } from "@/components/panel-tabs";
import type { RouterOutputs } from "@/lib/trpc";

type TElementDetail = RouterOutputs["elements"]["get"];
type TPackageInstall = TElementDetail["packages"][number];
type TLintFinding = TElementDetail["lint"][number];

/** README, hooks, environment.d, package-installs and lint findings of one element. */
export function ElementTabs({ element: e }: { element: TElementDetail }) {
  const scriptCount = e.hooks.reduce((s, h) => s + h.scripts.length, 0);
  const tabs: TPanelTab[] = [
    {
      value: "readme",
      label: "README",
      panel: <Readme readme={e.readme} />,
      panelTestId: "element-readme",
    },
    { value: "hooks", label: `Hooks (${scriptCount})`, panel: <HooksPanel hooks={e.hooks} /> },
    {
      value: "env",
      label: `Environment (${e.environment.length})`,
      panel: <EnvironmentPanel environment={e.environment} />,
    },
    {
      value: "packages",
      label: `Packages (${e.packages.length})`,
      panel: <PackagesPanel packages={e.packages} />,
    },
    { value: "lint", label: `Lint (${e.lint.length})`, panel: <LintPanel findings={e.lint} /> },
  ];
  return <PanelTabs tabs={tabs} pt="sm" defaultValue="readme" />;
}

function Readme({ readme }: { readme: string | null }) {
  if (!readme) return <Text c="dimmed">This element has no README.</Text>;
  return (
    <Typography>
      <ReactMarkdown>{readme}</ReactMarkdown>
    </Typography>
  );
}

function PackagesPanel({ packages }: { packages: TPackageInstall[] }) {
  return (
    <>
      <DataTable
        verticalSpacing={2}
        columns={PACKAGE_COLUMNS}
        rows={packages}
        rowKey={(p) => `${p.name}-${p.phase}-${p.action}`}
      />
      {!packages.length && <Text c="dimmed">No package-installs.</Text>}
    </>
  );
}

function LintPanel({ findings }: { findings: TLintFinding[] }) {
  if (findings.length === 0) return <Alert color="green">No lint findings.</Alert>;
  return (
    <DataTable
      verticalSpacing={2}
      withHeader={false}
      columns={LINT_COLUMNS}
      rows={findings}
      rowKey={(_finding, index) => index}
    />
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
