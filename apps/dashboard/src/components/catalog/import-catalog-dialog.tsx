"use client";
import {
  Alert,
  Button,
  FileInput,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { useInputState } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/lib/trpc";
import { useCatalogImport, type TUploadResult } from "./use-catalog-import";

type TSource = "upload" | "git";

/**
 * Import an element tree: a .tar/.tar.gz upload, or a git repository (URL or
 * local path, ref, subdirectory), into a new catalog or a new version of an
 * existing one.
 */
export function ImportCatalogDialog({
  opened,
  onClose,
  catalogId,
  onImported,
}: {
  opened: boolean;
  onClose: () => void;
  /** Import a new version of this catalog (else: choose team and name). */
  catalogId?: string;
  onImported: (r: TUploadResult) => void;
}) {
  const trpc = useTRPC();
  const teams = useQuery(trpc.teams.list.queryOptions());
  const [source, setSource] = useState<TSource>("upload");
  const [teamId, setTeamId] = useState<string | null>(null);
  const [name, setName] = useInputState("");
  const [file, setFile] = useState<File | null>(null);
  const [subdir, setSubdir] = useInputState("");
  const [url, setUrl] = useInputState("");
  const [ref, setRef] = useInputState("");
  const team = teamId ?? teams.data?.[0]?.id ?? null;
  const target = catalogId ? { catalogId } : { teamId: team ?? "", name };
  const { submit, error, pending, result } = useCatalogImport(onImported);

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={catalogId ? "Import a new version" : "Import a catalog"}
      size="lg"
    >
      <Stack>
        <SegmentedControl
          value={source}
          onChange={(v) => setSource(v as TSource)}
          data={[
            { value: "upload", label: "Upload a tarball" },
            { value: "git", label: "Git repository" },
          ]}
        />
        {!catalogId && (
          <Group grow>
            <Select
              label="Team"
              data={(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
              value={team}
              onChange={setTeamId}
              required
            />
            <TextInput
              label="Catalog name"
              placeholder="my-elements"
              value={name}
              onChange={setName}
              required
              data-testid="catalog-name"
            />
          </Group>
        )}
        {source === "upload" ? (
          <FileInput
            label="Archive"
            description=".tar or .tar.gz of an element tree (elements at the top or under elements/)"
            placeholder="choose a file"
            value={file}
            onChange={setFile}
            accept=".tar,.tgz,.gz,application/gzip,application/x-tar"
            data-testid="catalog-file"
            clearable
          />
        ) : (
          <GitFields url={url} onUrlChange={setUrl} gitRef={ref} onRefChange={setRef} />
        )}
        <TextInput
          label="Subdirectory"
          description="Where the elements are inside the tree (optional)"
          value={subdir}
          onChange={setSubdir}
        />
        <ImportOutcome error={error} result={result} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button
            loading={pending}
            data-testid="import-submit"
            onClick={() => submit({ source, target, file, url, ref, subdir })}
          >
            Import
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function GitFields({
  url,
  onUrlChange,
  gitRef,
  onRefChange,
}: {
  url: string;
  onUrlChange: (event: React.ChangeEvent<HTMLInputElement>) => void;
  gitRef: string;
  onRefChange: (event: React.ChangeEvent<HTMLInputElement>) => void;
}) {
  return (
    <>
      <TextInput
        label="Repository"
        description="URL or a path on the server"
        placeholder="https://git.example.com/elements.git"
        value={url}
        onChange={onUrlChange}
      />
      <TextInput label="Ref" placeholder="main" value={gitRef} onChange={onRefChange} />
    </>
  );
}

/** Why the import was refused, or how many elements it brought. */
function ImportOutcome({
  error,
  result,
}: {
  error: { message: string } | null;
  result: TUploadResult | undefined;
}) {
  return (
    <>
      {error && (
        <Alert color="red" title="Import refused" data-testid="import-error">
          {error.message}
        </Alert>
      )}
      {result && (
        <Text size="sm" c="green" data-testid="import-ok">
          Imported: {result.version.elementCount} elements
          {result.created ? "" : " (this content was already a version)"}
        </Text>
      )}
    </>
  );
}
