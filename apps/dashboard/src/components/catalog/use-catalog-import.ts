"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { CSRF_HEADERS, useTRPC } from "@/lib/trpc";

export type TUploadResult = {
  catalogId: string;
  version: { id: string; sha256: string; elementCount: number };
  created: boolean;
};

/** Where the import goes: a new version of a catalog, or a new catalog of a team. */
export type TImportTarget = { catalogId: string } | { teamId: string; name: string };

/** What the dialog collected, for either source. */
export interface TImportRequest {
  source: "upload" | "git";
  target: TImportTarget;
  file: File | null;
  url: string;
  ref: string;
  subdir: string;
}

/** POST the archive to /api/catalogs/upload (streamed there; tRPC is not for big binaries). */
async function uploadArchive(params: Record<string, string>, file: File): Promise<TUploadResult> {
  const qs = new URLSearchParams({ ...params, fileName: file.name });
  const res = await fetch(`/api/catalogs/upload?${qs}`, {
    method: "POST",
    headers: {
      ...CSRF_HEADERS,
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
 * Imports an element tree by upload or from git; on success the catalogs are
 * fetched again and `onImported` gets the new version.
 */
export function useCatalogImport(onImported: (r: TUploadResult) => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const done = async (r: TUploadResult) => {
    await queryClient.invalidateQueries({ queryKey: trpc.catalogs.pathKey() });
    onImported(r);
  };
  const upload = useMutation({
    mutationFn: ({ target, file, subdir }: TImportRequest) => {
      if (!file) throw new Error("choose a .tar or .tar.gz file");
      const params: Record<string, string> = { ...target };
      if (subdir) params.subdir = subdir;
      return uploadArchive(params, file);
    },
    onSuccess: done,
  });
  const git = useMutation(
    trpc.catalogs.importGit.mutationOptions({ onSuccess: (r) => done(r as TUploadResult) }),
  );
  const submit = (request: TImportRequest) => {
    upload.reset();
    git.reset();
    if (request.source === "upload") upload.mutate(request);
    else
      git.mutate({
        target: request.target,
        url: request.url,
        ...(request.ref ? { ref: request.ref } : {}),
        ...(request.subdir ? { subdir: request.subdir } : {}),
      });
  };
  return {
    submit,
    error: upload.error ?? git.error,
    pending: upload.isPending || git.isPending,
    result: upload.data ?? (git.data as TUploadResult | undefined),
  };
}
