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
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/lib/trpc";

type TUploadResult = {
  catalogId: string;
  version: { id: string; sha256: string; elementCount: number };
  created: boolean;
};

/** POST the archive to /api/catalogs/upload (streamed there; tRPC is not for big binaries). */
async function uploadArchive(params: Record<string, string>, file: File): Promise<TUploadResult> {
  const qs = new URLSearchParams({ ...params, fileName: file.name });
  const res = await fetch(`/api/catalogs/upload?${qs}`, {
    method: "POST",
    headers: {
      "content-type": file.name.endsWith(".tar") ? "application/x-tar" : "application/gzip",
    },
    body: file,
  });
  const body = (await res.json().catch(() => ({}))) as {
    error?: { message?: string } | string;
  } & Partial<TUploadResult>;
  if (!res.ok) {
    const msg = typeof body.error === "string" ? body.error : body.error?.message;
    throw new Error(msg ?? `upload failed (HTTP ${res.status})`);
  }
  return body as TUploadResult;
}

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
  const queryClient = useQueryClient();
  const teams = useQuery(trpc.teams.list.queryOptions());
  const [source, setSource] = useState<"upload" | "git">("upload");
  const [teamId, setTeamId] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [subdir, setSubdir] = useState("");
  const [url, setUrl] = useState("");
  const [ref, setRef] = useState("");
  const team = teamId ?? teams.data?.[0]?.id ?? null;

  const done = async (r: TUploadResult) => {
    await queryClient.invalidateQueries({ queryKey: trpc.catalogs.pathKey() });
    onImported(r);
  };
  const upload = useMutation({
    mutationFn: () => {
      if (!file) throw new Error("choose a .tar or .tar.gz file");
      const params: Record<string, string> = catalogId
        ? { catalogId }
        : { teamId: team ?? "", name };
      if (subdir) params.subdir = subdir;
      return uploadArchive(params, file);
    },
    onSuccess: done,
  });
  const git = useMutation(
    trpc.catalogs.importGit.mutationOptions({ onSuccess: (r) => done(r as TUploadResult) }),
  );
  const error = upload.error ?? git.error;
  const pending = upload.isPending || git.isPending;

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
          onChange={(v) => setSource(v as "upload" | "git")}
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
              onChange={(e) => setName(e.currentTarget.value)}
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
          <>
            <TextInput
              label="Repository"
              description="URL or a path on the server"
              placeholder="https://git.example.com/elements.git"
              value={url}
              onChange={(e) => setUrl(e.currentTarget.value)}
            />
            <TextInput
              label="Ref"
              placeholder="main"
              value={ref}
              onChange={(e) => setRef(e.currentTarget.value)}
            />
          </>
        )}
        <TextInput
          label="Subdirectory"
          description="Where the elements are inside the tree (optional)"
          value={subdir}
          onChange={(e) => setSubdir(e.currentTarget.value)}
        />
        {error && (
          <Alert color="red" title="Import refused" data-testid="import-error">
            {error.message}
          </Alert>
        )}
        {(upload.data || git.data) && (
          <Text size="sm" c="green" data-testid="import-ok">
            Imported: {(upload.data ?? (git.data as TUploadResult)).version.elementCount} elements
            {(upload.data ?? (git.data as TUploadResult)).created
              ? ""
              : " (this content was already a version)"}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button
            loading={pending}
            data-testid="import-submit"
            onClick={() => {
              upload.reset();
              git.reset();
              if (source === "upload") upload.mutate();
              else
                git.mutate({
                  target: catalogId ? { catalogId } : { teamId: team ?? "", name },
                  url,
                  ...(ref ? { ref } : {}),
                  ...(subdir ? { subdir } : {}),
                });
            }}
          >
            Import
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
