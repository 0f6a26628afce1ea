/**
 * One valid message of every type, optional fields filled, for tests here and
 * in the gateway and the agent. The mapped types make a catalog entry without
 * a sample a compile error.
 */
import { SAMPLE_EVENTS } from "@kiln/contracts/testing/sample-events";
import type { TAgentToServer, TAgentToServerType } from "../agent-to-server.ts";
import { encodeLogData } from "../log-data.ts";
import type { TServerToAgent, TServerToAgentType } from "../server-to-agent.ts";

const buildId = "clx0build0000000000000001";
const sha = "a".repeat(64);

export { SAMPLE_EVENTS };

export const SAMPLE_AGENT_MESSAGES: { [K in TAgentToServerType]: TAgentToServer<K> } = {
  HELLO: {
    type: "HELLO",
    v: 1,
    agentId: "clx0agent000000000000001",
    name: "builder-1",
    version: "0.1.0",
    arch: "amd64",
    labels: { zone: "eu", kvm: "yes" },
    capacity: 2,
    protocols: [1],
    hostFacts: {
      hostname: "builder-1",
      os: "Debian GNU/Linux 12 (bookworm)",
      kernel: "6.1.0-18-amd64",
      cpus: 2,
      memoryBytes: 4 * 2 ** 30,
      workDirFreeBytes: 50 * 2 ** 30,
      root: true,
      canBuild: true,
      preflight: [
        { name: "root", ok: true },
        { name: "loop-devices", ok: false, detail: "no /dev/loop-control" },
      ],
    },
    builds: [{ buildId, lastLogSeq: 41, lastEventSeq: null, finished: false }],
    recovered: { mounts: ["/w/b1/mnt"], loopDevices: ["/dev/loop3"], workDirs: ["/w/b1"] },
  },
  HEARTBEAT: { type: "HEARTBEAT", v: 1, running: [buildId], freeSlots: 1, draining: false },
  ACCEPT: { type: "ACCEPT", v: 1, buildId },
  REJECT: { type: "REJECT", v: 1, buildId, code: "NO_CAPACITY", reason: "2/2 slots busy" },
  BUILD_EVENT: { type: "BUILD_EVENT", v: 1, buildId, seq: 0, event: SAMPLE_EVENTS[0]! },
  LOG_CHUNK: {
    type: "LOG_CHUNK",
    v: 1,
    buildId,
    seq: 3,
    offset: 4096,
    // Split inside "✓" and a stray 0xff: bytes that are not UTF-8 text must survive.
    data: encodeLogData(new Uint8Array([0x6f, 0x6b, 0x20, 0xe2, 0x9c, 0xff, 0x0a])),
  },
  ARTIFACT_READY: {
    type: "ARTIFACT_READY",
    v: 1,
    buildId,
    kind: "qcow2",
    fileName: "image.qcow2",
    sizeBytes: 123,
    sha256: sha,
    md5: "b".repeat(32),
    uploadUrl: "/api/agents/builds/b1/artifacts/image.qcow2",
  },
  MANIFEST: {
    type: "MANIFEST",
    v: 1,
    buildId,
    packages: [
      { name: "bash", version: "5.2.15-2+b2", arch: "amd64" },
      { name: "tzdata", version: "2024a-0+deb12u1" },
    ],
  },
  BUILD_FINISHED: {
    type: "BUILD_FINISHED",
    v: 1,
    buildId,
    status: "errored",
    error: { code: "AGENT", message: "catalog fetch failed" },
    lastLogSeq: 41,
    lastEventSeq: 99,
    logBytes: 123456,
  },
  ERROR: {
    type: "ERROR",
    v: 1,
    code: "UNKNOWN_BUILD",
    message: "no build x",
    refType: "CANCEL",
    buildId,
  },
};

export const SAMPLE_SERVER_MESSAGES: { [K in TServerToAgentType]: TServerToAgent<K> } = {
  WELCOME: {
    type: "WELCOME",
    v: 1,
    agentId: "clx0agent000000000000001",
    protocol: 1,
    heartbeatIntervalMs: 10_000,
    labels: { zone: "eu" },
    draining: false,
    resume: [{ buildId, lastLogSeq: 40, lastEventSeq: null }],
    abandon: ["clx0build0000000000000002"],
  },
  HEARTBEAT_ACK: { type: "HEARTBEAT_ACK", v: 1, serverTime: 1_700_000_000_000 },
  ASSIGN: {
    type: "ASSIGN",
    v: 1,
    buildId,
    number: 42,
    request: {
      elements: ["debian", "vm"],
      imageName: "img",
      types: ["qcow2", "raw"],
      arch: "amd64",
      debugTrace: 0,
      skipBase: false,
      packages: ["vim"],
      imageSizeGb: 2.5,
      noTmpfs: true,
      minTmpfsGb: 2,
      checksum: true,
      uncompressed: false,
      keepOnFailure: false,
    },
    env: [
      { name: "DIB_RELEASE", value: "bookworm", secret: false },
      { name: "API_KEY", value: "s3cr3t", secret: true },
    ],
    elementsPath: [{ name: "team", sha256: sha, url: "/api/agents/catalogs/" + sha }],
    artifactUploadUrl: "/api/agents/builds/b1/artifacts/",
    timeoutMs: 3_600_000,
  },
  LOG_ACK: { type: "LOG_ACK", v: 1, buildId, seq: 41 },
  EVENT_ACK: { type: "EVENT_ACK", v: 1, buildId, seq: 7 },
  ARTIFACT_ACK: {
    type: "ARTIFACT_ACK",
    v: 1,
    buildId,
    fileName: "image.qcow2",
    ok: false,
    reason: "sha256 mismatch",
  },
  BUILD_FINISHED_ACK: { type: "BUILD_FINISHED_ACK", v: 1, buildId },
  CANCEL: { type: "CANCEL", v: 1, buildId, reason: "cancelled by alice" },
  DRAIN: { type: "DRAIN", v: 1, reason: "maintenance" },
  RESUME: { type: "RESUME", v: 1 },
  REVOKED: { type: "REVOKED", v: 1, reason: "revoked by admin" },
  ERROR: { type: "ERROR", v: 1, code: "BAD_JSON", message: "frame is not JSON" },
};

/** Every sample of both directions, as [direction, message] pairs. */
export const ALL_SAMPLES = [
  ...Object.values(SAMPLE_AGENT_MESSAGES).map((m) => ["agent", m] as const),
  ...Object.values(SAMPLE_SERVER_MESSAGES).map((m) => ["server", m] as const),
];
