/**
 * Checks over docker/ (compose.yaml, the Dockerfiles, .env.example) and the
 * root .dockerignore. Each check returns one line per problem, naming the file
 * and service or variable, so a failing test says what to fix; the test also
 * feeds each check a broken copy to prove it can fail.
 */
import { parse as parseYaml } from "yaml";
import { CLI_ENV_KEYS, ZCliEnv } from "../../apps/cli/src/env.ts";
import { DASHBOARD_ENV_KEYS, ZDashboardEnv } from "../../apps/dashboard/src/env.ts";
import {
  findInterpolations,
  interpolate,
  parseDockerfile,
  parseEnvFile,
  stageEnv,
  type TStage,
} from "./parse-docker-files.ts";

/** The texts the checks read (paths relative to the repository root). */
export interface TDockerFiles {
  compose: string;
  envExample: string;
  dockerignore: string;
  rootPackageJson: string;
  /** `docker/server.Dockerfile` → text, and the agent's. */
  dockerfiles: Record<string, string>;
  /** Workspace directories (`apps/cli`, …) that hold a package.json. */
  workspaces: string[];
}

type TParseResult = { success: true; data: unknown } | { success: false; error: string };

interface TKilnImage {
  /** Where the variables are defined, for messages. */
  envFile: string;
  keys: readonly string[];
  /** The app's own schema over the container's environment. */
  parse(env: Record<string, string>): TParseResult;
}

const zodResult = (r: {
  success: boolean;
  data?: unknown;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}): TParseResult =>
  r.success
    ? { success: true, data: r.data }
    : {
        success: false,
        error: (r.error?.issues ?? [])
          .map((i) => `${i.path.map(String).join(".")}: ${i.message}`)
          .join("; "),
      };

/** Our images, by Dockerfile, and the app each one runs. */
export const KILN_IMAGES: Record<string, TKilnImage> = {
  "docker/server.Dockerfile": {
    envFile: "apps/dashboard/src/env.ts",
    keys: DASHBOARD_ENV_KEYS,
    // readDashboardEnv treats an empty variable as unset before parsing; so do we.
    parse: (env) =>
      zodResult(
        ZDashboardEnv.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v))),
      ),
  },
  "docker/agent.Dockerfile": {
    envFile: "apps/cli/src/env.ts",
    keys: CLI_ENV_KEYS,
    parse: (env) => zodResult(ZCliEnv.safeParse(env)),
  },
};

/** Third-party images and the variables that are theirs (documented by each image). */
export const THIRD_PARTY_ENV: { image: RegExp; keys: RegExp; owner: string }[] = [
  { image: /^postgres(:|$)/, keys: /^(POSTGRES_[A-Z_]+|PGDATA)$/, owner: "postgres" },
  { image: /^(quay\.io\/)?minio\/minio(:|$)/, keys: /^MINIO_[A-Z0-9_]+$/, owner: "MinIO" },
  { image: /^(quay\.io\/)?minio\/mc(:|$)/, keys: /^MC_[A-Za-z0-9_]+$/, owner: "MinIO client" },
];

/** Tools' own switches allowed in build stages (never in the image that runs). */
export const BUILD_TOOL_VARS = new Set([
  "CI",
  "NEXT_TELEMETRY_DISABLED",
  "CHECKPOINT_DISABLE",
  "PRISMA_HIDE_UPDATE_MESSAGE",
  "DEBIAN_FRONTEND",
]);

type TService = Record<string, unknown> & {
  build?: string | { context?: string; dockerfile?: string };
  image?: string;
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  privileged?: boolean;
};
interface TCompose {
  services: Record<string, TService>;
  volumes?: Record<string, unknown>;
}

export function readCompose(text: string): TCompose {
  const doc = parseYaml(text) as TCompose | null;
  if (!doc?.services || typeof doc.services !== "object")
    throw new Error("docker/compose.yaml: no services");
  return doc;
}

/** The repository-relative Dockerfile a service builds, or undefined for an image service. */
export function serviceDockerfile(service: TService): string | undefined {
  if (!service.build) return undefined;
  const build = typeof service.build === "string" ? { context: service.build } : service.build;
  // compose.yaml lives in docker/: contexts are relative to it, dockerfiles to the context.
  const parts = ["docker", build.context ?? ".", build.dockerfile ?? "Dockerfile"].join("/");
  const out: string[] = [];
  for (const p of parts.split("/")) {
    if (p === "..") out.pop();
    else if (p !== "." && p !== "") out.push(p);
  }
  return out.join("/");
}

/** A service's environment as KEY → raw value (null: no value given). */
export function serviceEnv(service: TService): Record<string, string | null> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((e) => {
        const eq = e.indexOf("=");
        return eq < 0 ? [e, null] : [e.slice(0, eq), e.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)]),
  );
}

/** The last stage of a Dockerfile: the image that runs. */
export const finalStage = (text: string): TStage => {
  const stages = parseDockerfile(text);
  if (stages.length === 0) throw new Error("no FROM");
  return stages[stages.length - 1]!;
};

/** Every Kiln service's environment keys are variables of its app's env.ts. */
export function checkKilnServiceEnv(f: TDockerFiles): string[] {
  const problems: string[] = [];
  const compose = readCompose(f.compose);
  const built = new Set<string>();
  for (const [name, service] of Object.entries(compose.services)) {
    const dockerfile = serviceDockerfile(service);
    if (!dockerfile) continue;
    const image = KILN_IMAGES[dockerfile];
    if (!image) {
      problems.push(
        `service ${name}: builds ${dockerfile}, which is not one of Kiln's Dockerfiles`,
      );
      continue;
    }
    built.add(dockerfile);
    for (const [key, value] of Object.entries(serviceEnv(service))) {
      if (!image.keys.includes(key))
        problems.push(`service ${name}: ${key} is not a variable ${image.envFile} defines`);
      if (value === null) problems.push(`service ${name}: ${key} has no value`);
    }
  }
  for (const dockerfile of Object.keys(KILN_IMAGES))
    if (!built.has(dockerfile)) problems.push(`no service is built from ${dockerfile}`);
  return problems;
}

/** Third-party services set only their image's own variables. */
export function checkThirdPartyEnv(f: TDockerFiles): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(readCompose(f.compose).services)) {
    if (serviceDockerfile(service)) continue;
    const rule = THIRD_PARTY_ENV.find((r) => r.image.test(service.image ?? ""));
    if (!rule) {
      problems.push(`service ${name}: image "${service.image}" is not a known third-party image`);
      continue;
    }
    for (const key of Object.keys(serviceEnv(service)))
      if (!rule.keys.test(key))
        problems.push(`service ${name}: ${key} is not one of the ${rule.owner} image's variables`);
  }
  return problems;
}

/** ENV of the runtime stage: the app's variables only; of build stages: tools' switches only. */
export function checkDockerfileEnv(f: TDockerFiles): string[] {
  const problems: string[] = [];
  for (const [file, image] of Object.entries(KILN_IMAGES)) {
    const stages = parseDockerfile(f.dockerfiles[file] ?? "");
    if (stages.length === 0) {
      problems.push(`${file}: missing or has no FROM`);
      continue;
    }
    stages.forEach((stage, i) => {
      const runtime = i === stages.length - 1;
      for (const key of Object.keys(stageEnv(stage))) {
        if (runtime && !image.keys.includes(key))
          problems.push(`${file}: ENV ${key} is not a variable ${image.envFile} defines`);
        if (!runtime && !BUILD_TOOL_VARS.has(key))
          problems.push(
            `${file}: ENV ${key} in build stage ${stage.name ?? i} is no known tool switch`,
          );
      }
    });
  }
  return problems;
}

function collectStrings(node: unknown, out: string[]): string[] {
  if (typeof node === "string") out.push(node);
  else if (Array.isArray(node)) node.forEach((n) => collectStrings(n, out));
  else if (node && typeof node === "object")
    for (const [k, v] of Object.entries(node)) {
      out.push(k);
      collectStrings(v, out);
    }
  return out;
}

/** Every `${VAR}` has a default, a `:?` message, or a value in .env.example; no stale example keys. */
export function checkInterpolations(f: TDockerFiles): string[] {
  const problems: string[] = [];
  const example = parseEnvFile(f.envExample);
  const used = new Set<string>();
  for (const text of collectStrings(parseYaml(f.compose), [])) {
    let found;
    try {
      found = findInterpolations(text);
    } catch (err) {
      problems.push(`compose.yaml: ${(err as Error).message}`);
      continue;
    }
    for (const i of found) {
      used.add(i.name);
      if (i.op === ":-" || i.op === "-") continue;
      if (i.op === ":?" || i.op === "?") {
        if (!i.arg.trim())
          problems.push(`compose.yaml: ${i.raw} needs a message saying what to set`);
        continue;
      }
      if (!(i.name in example))
        problems.push(
          `compose.yaml: ${i.raw} has no default, no :? message and no .env.example value`,
        );
    }
  }
  for (const key of Object.keys(example))
    if (!used.has(key) && !key.startsWith("COMPOSE_"))
      problems.push(`.env.example: ${key} is not used by compose.yaml`);
  return problems;
}

/** The agent runs privileged with the host's /dev (losetup, mount, chroot need both). */
export function checkAgentPrivileges(f: TDockerFiles): string[] {
  const problems: string[] = [];
  const agents = Object.entries(readCompose(f.compose).services).filter(
    ([, s]) => serviceDockerfile(s) === "docker/agent.Dockerfile",
  );
  if (agents.length === 0) problems.push("compose.yaml: no agent service");
  for (const [name, s] of agents) {
    if (s.privileged !== true) problems.push(`service ${name}: must be privileged: true`);
    const devBound = (s.volumes ?? []).some((v) =>
      typeof v === "string"
        ? /^\/dev:\/dev(:rw)?$/.test(v)
        : v.type === "bind" && v.source === "/dev" && v.target === "/dev",
    );
    if (!devBound) problems.push(`service ${name}: must bind the host's /dev (/dev:/dev)`);
  }
  return problems;
}

const CONDITIONS = ["service_started", "service_healthy", "service_completed_successfully"];

/** depends_on names existing services (with known conditions); named volumes are declared. */
export function checkReferences(f: TDockerFiles): string[] {
  const problems: string[] = [];
  const compose = readCompose(f.compose);
  const names = new Set(Object.keys(compose.services));
  const volumes = new Set(Object.keys(compose.volumes ?? {}));
  for (const [name, s] of Object.entries(compose.services)) {
    const deps = Array.isArray(s.depends_on)
      ? Object.fromEntries(s.depends_on.map((d) => [d, {}]))
      : (s.depends_on ?? {});
    for (const [dep, opts] of Object.entries(deps)) {
      if (!names.has(dep)) problems.push(`service ${name}: depends_on ${dep}, which is no service`);
      const condition = (opts as { condition?: string }).condition;
      if (condition && !CONDITIONS.includes(condition))
        problems.push(`service ${name}: depends_on ${dep}: unknown condition ${condition}`);
      if (condition === "service_healthy" && !compose.services[dep]?.healthcheck) {
        const df = compose.services[dep] && serviceDockerfile(compose.services[dep]);
        const imageHealth = df && /^\s*HEALTHCHECK\s+(?!NONE)/m.test(f.dockerfiles[df] ?? "");
        if (!imageHealth)
          problems.push(
            `service ${name}: waits for ${dep} to be healthy, but ${dep} has no healthcheck`,
          );
      }
    }
    for (const v of s.volumes ?? []) {
      const source = typeof v === "string" ? v.split(":")[0]! : (v.source ?? "");
      if (source && !source.startsWith("/") && !source.startsWith(".") && !volumes.has(source))
        problems.push(`service ${name}: volume ${source} is not declared under volumes:`);
    }
  }
  return problems;
}

/** What a Kiln service's process sees: the image's ENV, then compose's environment over it. */
export function effectiveEnv(f: TDockerFiles, serviceName: string): Record<string, string> {
  const service = readCompose(f.compose).services[serviceName];
  const dockerfile = service && serviceDockerfile(service);
  if (!dockerfile) throw new Error(`compose.yaml: ${serviceName} is not a Kiln service`);
  const vars = parseEnvFile(f.envExample);
  const env = { ...stageEnv(finalStage(f.dockerfiles[dockerfile] ?? "")) };
  for (const [k, v] of Object.entries(serviceEnv(service))) env[k] = interpolate(v ?? "", vars);
  return env;
}

/** Each Kiln service's environment (with .env.example's values) passes its app's own schema. */
export function checkSchemas(f: TDockerFiles): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(readCompose(f.compose).services)) {
    const dockerfile = serviceDockerfile(service);
    const image = dockerfile ? KILN_IMAGES[dockerfile] : undefined;
    if (!image) continue;
    let env;
    try {
      env = effectiveEnv(f, name);
    } catch (err) {
      problems.push(`service ${name}: with .env.example, ${(err as Error).message}`);
      continue;
    }
    const result = image.parse(env);
    if (!result.success) problems.push(`service ${name}: ${image.envFile} refuses ${result.error}`);
  }
  return problems;
}
