/**
 * docker/ cannot be built here (no Docker engine), so it is checked by
 * reading it: compose.yaml and the Dockerfiles may set only variables the
 * apps' env.ts accept, with values their schemas parse; the agent stays
 * privileged; references resolve. Each check is also run on a broken copy,
 * which it must reject.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkAgentPrivileges,
  checkDockerfileEnv,
  checkInterpolations,
  checkKilnServiceEnv,
  checkReferences,
  checkSchemas,
  checkThirdPartyEnv,
  effectiveEnv,
  type TDockerFiles,
} from "./check-docker-files.ts";
import {
  checkAgentImage,
  checkDockerignore,
  checkServerImage,
  checkWorkspaceCopies,
} from "./check-images.ts";
import { ZDashboardEnv } from "../../apps/dashboard/src/env.ts";
import { ZCliEnv } from "../../apps/cli/src/env.ts";
import {
  aptPackages,
  interpolate,
  MissingVariableError,
  parseDockerfile,
  parseEnvFile,
  stageEnv,
} from "./parse-docker-files.ts";

const root = path.resolve(import.meta.dirname, "..", "..");
const read = (rel: string) => fs.readFileSync(path.join(root, rel), "utf8");

function readFiles(): TDockerFiles {
  const rootPackage = read("package.json");
  const globs = (JSON.parse(rootPackage) as { workspaces: string[] }).workspaces;
  const workspaces = globs.flatMap((g) => {
    const dir = g.replace(/\/\*$/, "");
    return fs
      .readdirSync(path.join(root, dir))
      .map((d) => `${dir}/${d}`)
      .filter((d) => fs.existsSync(path.join(root, d, "package.json")))
      .sort();
  });
  return {
    compose: read("docker/compose.yaml"),
    envExample: read("docker/.env.example"),
    dockerignore: read(".dockerignore"),
    rootPackageJson: rootPackage,
    dockerfiles: {
      "docker/server.Dockerfile": read("docker/server.Dockerfile"),
      "docker/agent.Dockerfile": read("docker/agent.Dockerfile"),
    },
    workspaces,
  };
}

const files = readFiles();

type TFileKey = "compose" | "envExample" | "dockerignore" | "server" | "agent";

/** A copy of `files` with one text edited; fails if the edit does not apply (a stale mutation). */
function broken(key: TFileKey, from: string | RegExp, to: string): TDockerFiles {
  const copy: TDockerFiles = { ...files, dockerfiles: { ...files.dockerfiles } };
  const edit = (text: string) => {
    const out = text.replace(from, to);
    if (out === text) throw new Error(`mutation did not apply: ${String(from)} in ${key}`);
    return out;
  };
  if (key === "server" || key === "agent") {
    const f = `docker/${key}.Dockerfile`;
    copy.dockerfiles[f] = edit(copy.dockerfiles[f]!);
  } else copy[key] = edit(copy[key]);
  return copy;
}

const checks = {
  checkKilnServiceEnv,
  checkThirdPartyEnv,
  checkDockerfileEnv,
  checkInterpolations,
  checkAgentPrivileges,
  checkReferences,
  checkSchemas,
  checkServerImage,
  checkAgentImage,
  checkWorkspaceCopies,
  checkDockerignore,
};

describe("docker/ as it is", () => {
  for (const [name, check] of Object.entries(checks)) {
    it(`${name} finds no problem`, () => {
      expect(check(files)).toEqual([]);
    });
  }

  it("the server's enums parse to what a container needs (real schema)", () => {
    const parsed = ZDashboardEnv.parse(
      Object.fromEntries(Object.entries(effectiveEnv(files, "server")).filter(([, v]) => v)),
    );
    expect(parsed.KILN_LOCAL_AGENT).toBe("off");
    expect(parsed.KILN_LOG_FORMAT).toBe("json");
    expect(parsed.KILN_SKIP_NEXT_BUILD).toBe(true);
    expect(parsed.HOST).toBe("0.0.0.0");
    expect(parsed.DATABASE_URL).toMatch(/^postgresql:\/\/kiln:[^@]+@postgres:5432\/kiln$/);
    expect(parsed.KILN_S3_ENDPOINT).toBe("http://s3:9000");
    expect(parsed.KILN_S3_FORCE_PATH_STYLE).toBe("true");
  });

  it("the agent dials the server service and keeps its state in volumes (real schema)", () => {
    const parsed = ZCliEnv.parse(effectiveEnv(files, "agent"));
    expect(parsed.KILN_SERVER).toBe("http://server:3000");
    expect(parsed.KILN_AGENT_MAX_BUILDS).toBe(1);
    expect(parsed.KILN_AGENT_WORK_DIR).toBe("/var/lib/kiln/agent");
    // An empty token (not created yet) is "unset" to the CLI, not an error.
    expect(parsed.KILN_TOKEN).toBeUndefined();
  });

  it("compose refuses to start without the secrets, naming the variable", () => {
    const vars = parseEnvFile(files.envExample);
    delete vars.KILN_SECRET_KEY;
    const server = effectiveEnv(files, "server");
    expect(server.KILN_SECRET_KEY).toBe(parseEnvFile(files.envExample).KILN_SECRET_KEY);
    expect(() => interpolate("${KILN_SECRET_KEY:?set it}", vars)).toThrow(MissingVariableError);
    const line = files.compose.split("\n").find((l) => l.includes("KILN_SECRET_KEY:"))!;
    expect(() => interpolate(line, vars)).toThrow(/required variable KILN_SECRET_KEY: set/);
  });
});

describe("each check rejects a broken copy", () => {
  const cases: [string, () => TDockerFiles, (f: TDockerFiles) => string[], RegExp][] = [
    [
      "unknown server variable",
      () => broken("compose", "KILN_S3_FORCE_PATH_STYLE:", "KILN_S3_PATH_STYLE:"),
      checkKilnServiceEnv,
      /service server: KILN_S3_PATH_STYLE is not a variable apps\/dashboard\/src\/env\.ts/,
    ],
    [
      "server variable on the agent",
      () => broken("compose", 'KILN_SERVER: "http://server:3000"', 'PORT: "3000"'),
      checkKilnServiceEnv,
      /service agent: PORT is not a variable apps\/cli\/src\/env\.ts/,
    ],
    [
      "Kiln variable on postgres",
      () => broken("compose", "POSTGRES_DB: ", "KILN_DB: "),
      checkThirdPartyEnv,
      /service postgres: KILN_DB is not one of the postgres image's variables/,
    ],
    [
      "unknown image",
      () => broken("compose", "image: postgres:16", "image: mysql:8"),
      checkThirdPartyEnv,
      /service postgres: image "mysql:8" is not a known/,
    ],
    [
      "runtime ENV outside the schema",
      () => broken("server", "KILN_LOG_FORMAT=json", "KILN_LOG_FORMAT=json NODE_OPTIONS=x"),
      checkDockerfileEnv,
      /server\.Dockerfile: ENV NODE_OPTIONS is not a variable/,
    ],
    [
      "legacy ENV form in the agent",
      () =>
        broken(
          "agent",
          "ENV KILN_AGENT_WORK_DIR=",
          "ENV KILN_WORKDIR /x\nENV KILN_AGENT_WORK_DIR=",
        ),
      checkDockerfileEnv,
      /agent\.Dockerfile: ENV KILN_WORKDIR is not a variable apps\/cli/,
    ],
    [
      "unknown build-stage ENV",
      () => broken("server", "ENV CI=true", "ENV CI=true FOO=1"),
      checkDockerfileEnv,
      /ENV FOO in build stage build/,
    ],
    [
      "interpolation without default or example value",
      () => broken("compose", "${KILN_LOG_LEVEL:-info}", "${KILN_LOG_LVL}"),
      checkInterpolations,
      /\$\{KILN_LOG_LVL\} has no default/,
    ],
    [
      "required variable without message",
      () => broken("compose", /\$\{KILN_SECRET_KEY:\?[^}]*\}/, "${KILN_SECRET_KEY:?}"),
      checkInterpolations,
      /\$\{KILN_SECRET_KEY:\?\} needs a message/,
    ],
    [
      "stale .env.example key",
      () => broken("envExample", "KILN_LOG_LEVEL=info", "KILN_LOG_LEVEL=info\nKILN_OLD=1"),
      checkInterpolations,
      /\.env\.example: KILN_OLD is not used/,
    ],
    [
      "agent not privileged",
      () => broken("compose", "privileged: true", "privileged: false"),
      checkAgentPrivileges,
      /service agent: must be privileged: true/,
    ],
    [
      "agent without the host's /dev",
      () => broken("compose", "- /dev:/dev", "- /tmp:/dev"),
      checkAgentPrivileges,
      /service agent: must bind the host's \/dev/,
    ],
    [
      "depends_on a missing service",
      () => broken("compose", "  postgres:\n    image:", "  db:\n    image:"),
      checkReferences,
      /service server: depends_on postgres, which is no service/,
    ],
    [
      "waits for health that is never reported",
      () =>
        broken("compose", / {4}healthcheck:\n {6}test: \["CMD", "mc"[^\n]*\n( {6}[^\n]*\n)*/, ""),
      checkReferences,
      /waits for s3 to be healthy, but s3 has no healthcheck/,
    ],
    [
      "undeclared volume",
      () => broken("compose", "  agent-cache:\n", ""),
      checkReferences,
      /volume agent-cache is not declared/,
    ],
    [
      "enum value the schema refuses",
      () => broken("compose", 'KILN_LOCAL_AGENT: "off"', 'KILN_LOCAL_AGENT: "no"'),
      checkSchemas,
      /service server: apps\/dashboard\/src\/env\.ts refuses KILN_LOCAL_AGENT/,
    ],
    [
      "log format the schema refuses (from .env.example)",
      () => broken("envExample", "KILN_LOG_LEVEL=info", "KILN_LOG_LEVEL=verbose"),
      checkSchemas,
      /service agent: apps\/cli\/src\/env\.ts refuses KILN_LOG_LEVEL/,
    ],
    [
      "agent count the schema refuses",
      () => broken("envExample", "KILN_AGENT_MAX_BUILDS=1", "KILN_AGENT_MAX_BUILDS=100"),
      checkSchemas,
      /service agent: .* refuses KILN_AGENT_MAX_BUILDS/,
    ],
    [
      "required secret missing from .env.example",
      () => broken("envExample", /^KILN_SECRET_KEY=.*$/m, "KILN_SECRET_KEY="),
      checkSchemas,
      /service server: with \.env\.example, required variable KILN_SECRET_KEY/,
    ],
    [
      "server running as root",
      () => broken("server", "USER kiln", "USER root"),
      checkServerImage,
      /runs as root/,
    ],
    [
      "server health check elsewhere",
      () => broken("server", "/api/health').then", "/health').then"),
      checkServerImage,
      /no HEALTHCHECK on \/api\/health/,
    ],
    [
      "server with the local agent on",
      () => broken("server", "    KILN_LOCAL_AGENT=off \\", "    KILN_LOCAL_AGENT=auto \\"),
      checkServerImage,
      /KILN_LOCAL_AGENT must be off/,
    ],
    [
      "server CMD not what npm start runs",
      () => broken("server", '"apps/dashboard/server.ts"]', '"apps/dashboard/main.ts"]'),
      checkServerImage,
      /CMD must run apps\/dashboard\/server\.ts with tsx/,
    ],
    [
      "agent missing a host tool's package",
      () => broken("agent", "        gdisk \\\n", ""),
      checkAgentImage,
      /does not install gdisk/,
    ],
    [
      "agent entry point not kiln agent",
      () => broken("agent", '"kiln", "agent"]', '"kiln", "build"]'),
      checkAgentImage,
      /ENTRYPOINT must run `kiln agent`/,
    ],
    [
      "workspace manifest not copied before npm ci",
      () => broken("agent", "COPY packages/server/package.json packages/server/\n", ""),
      checkWorkspaceCopies,
      /agent\.Dockerfile: packages\/server\/package\.json is not copied before npm ci/,
    ],
    [
      ".dockerignore letting node_modules in",
      () => broken("dockerignore", "**/node_modules\n", ""),
      checkDockerignore,
      /does not exclude node_modules/,
    ],
    [
      ".dockerignore keeping the elements out",
      () => broken("dockerignore", "data\n", "data\nelements\n"),
      checkDockerignore,
      /excludes elements/,
    ],
  ];
  for (const [name, mutate, check, expected] of cases) {
    it(name, () => {
      const problems = check(mutate());
      expect(problems.join("\n")).toMatch(expected);
    });
  }
});

describe("the readers follow compose's and Docker's rules", () => {
  it("interpolates like compose: :- on unset or empty, - on unset only, $$ literal", () => {
    const vars = { EMPTY: "", SET: "v" };
    expect(interpolate("${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${SET:-d} $$SET $SET", vars)).toBe(
      "d  d v $SET v",
    );
    expect(() => interpolate("${EMPTY:?say}", vars)).toThrow(/required variable EMPTY: say/);
    expect(interpolate("${EMPTY?say}", vars)).toBe("");
  });

  it("reads ENV in both forms across continuation lines, and apt-get install lists", () => {
    const [stage] = parseDockerfile(
      'FROM x AS y\n# c\nENV A=1 \\\n    B="two words"\nENV C three\nRUN apt-get update && X=1 apt-get install -y --no-install-recommends \\\n    p1 \\\n    p2 && rm -rf /l\n',
    );
    expect(stage?.name).toBe("y");
    expect(stageEnv(stage!)).toEqual({ A: "1", B: "two words", C: "three" });
    expect(aptPackages(stage!)).toEqual(["p1", "p2"]);
  });
});
