import { describe, expect, it } from "vitest";
import { resolveStorageLocation, StorageSettingsError } from "./storage-location.ts";

describe("resolveStorageLocation", () => {
  it("defaults to SQLite and artifacts in ./data, relative to cwd; empty values are unset", () => {
    expect(resolveStorageLocation({ DATABASE_URL: "", KILN_DATA_DIR: "" }, "/srv")).toEqual({
      dataDir: "/srv/data",
      databaseUrl: "file:/srv/data/kiln.db",
      artifactStore: { kind: "directory", root: "/srv/data/artifacts" },
    });
  });

  it("takes DATABASE_URL, KILN_DATA_DIR and KILN_ARTIFACTS_DIR", () => {
    const location = resolveStorageLocation(
      {
        DATABASE_URL: "postgresql://k:pw@db:5432/kiln",
        KILN_DATA_DIR: "/var/lib/kiln",
        KILN_ARTIFACTS_DIR: "blobs",
      },
      "/srv",
    );
    expect(location.databaseUrl).toBe("postgresql://k:pw@db:5432/kiln");
    expect(location.dataDir).toBe("/var/lib/kiln");
    expect(location.artifactStore).toEqual({ kind: "directory", root: "/srv/blobs" });
  });

  it("chooses S3 when a bucket is set, with path-style and us-east-1 by default", () => {
    const location = resolveStorageLocation(
      {
        KILN_S3_BUCKET: "images",
        KILN_S3_ACCESS_KEY_ID: "id",
        KILN_S3_SECRET_ACCESS_KEY: "secret",
        KILN_S3_ENDPOINT: "http://minio:9000",
      },
      "/srv",
    );
    expect(location.artifactStore).toEqual({
      kind: "s3",
      options: {
        endpoint: "http://minio:9000",
        region: "us-east-1",
        bucket: "images",
        accessKeyId: "id",
        secretAccessKey: "secret",
        forcePathStyle: true,
        prefix: undefined,
      },
    });
    const virtualHosted = resolveStorageLocation(
      {
        KILN_S3_BUCKET: "images",
        KILN_S3_ACCESS_KEY_ID: "id",
        KILN_S3_SECRET_ACCESS_KEY: "secret",
        KILN_S3_FORCE_PATH_STYLE: "false",
      },
      "/srv",
    ).artifactStore;
    expect(virtualHosted.kind === "s3" && virtualHosted.options.forcePathStyle).toBe(false);
  });

  it("names the missing S3 credential", () => {
    expect(() => resolveStorageLocation({ KILN_S3_BUCKET: "images" }, "/")).toThrow(
      new StorageSettingsError("KILN_S3_ACCESS_KEY_ID"),
    );
    expect(() =>
      resolveStorageLocation({ KILN_S3_BUCKET: "images", KILN_S3_ACCESS_KEY_ID: "id" }, "/"),
    ).toThrow("environment variable KILN_S3_SECRET_ACCESS_KEY: required with KILN_S3_BUCKET");
  });
});
