/**
 * Checks of what the images contain: the server's runtime settings and start
 * command, the agent's entry point and host tools, the manifests `npm ci`
 * needs, and the build context's .dockerignore.
 */
import { TOOL_PACKAGES } from "@kiln/engine/pipeline/host/preflight";
import { finalStage, KILN_IMAGES, type TDockerFiles } from "./check-docker-files.ts";
import { aptPackages, execForm, parseDockerfile, stageEnv } from "./parse-docker-files.ts";

/** Preflight's packages the agent image leaves out on purpose: it runs as root, and udev is the host's. */
export const AGENT_PACKAGES_NOT_NEEDED = new Set(["sudo", "udev"]);

/** Server image: built pages, non-root, health check, the start command, container settings. */
export function checkServerImage(f: TDockerFiles): string[] {
  const file = "docker/server.Dockerfile";
  const problems: string[] = [];
  const stages = parseDockerfile(f.dockerfiles[file] ?? "");
  const stage = stages[stages.length - 1];
  if (!stage) return [`${file}: no FROM`];
  const last = (kw: string) => stage.instructions.filter((i) => i.keyword === kw).pop();
  const user = last("USER")?.args.split(":")[0];
  if (!user || user === "root" || user === "0") problems.push(`${file}: runs as root (add USER)`);
  if (!/\/api\/health/.test(last("HEALTHCHECK")?.args ?? ""))
    problems.push(`${file}: no HEALTHCHECK on /api/health`);
  if (!stage.instructions.some((i) => i.keyword === "EXPOSE" && /\b3000\b/.test(i.args)))
    problems.push(`${file}: does not EXPOSE 3000`);
  const env = stageEnv(stage);
  if (env.HOST !== "0.0.0.0") problems.push(`${file}: HOST must be 0.0.0.0 (got ${env.HOST})`);
  if (env.KILN_LOCAL_AGENT !== "off") problems.push(`${file}: KILN_LOCAL_AGENT must be off`);
  if (!["1", "true"].includes(env.KILN_SKIP_NEXT_BUILD ?? ""))
    problems.push(`${file}: KILN_SKIP_NEXT_BUILD must be 1 (the pages are built in the image)`);
  if (!stage.instructions.some((i) => i.keyword === "VOLUME"))
    problems.push(`${file}: no VOLUME for the data dir`);
  const startScript = (JSON.parse(f.rootPackageJson) as { scripts?: Record<string, string> })
    .scripts?.start;
  const entry = startScript?.split(/\s+/).pop() ?? "";
  const cmd = execForm(last("CMD")?.args ?? "") ?? [];
  if (!cmd.includes("tsx") || !entry || !cmd.includes(entry))
    problems.push(
      `${file}: CMD must run ${entry || "npm start's file"} with tsx, as npm start does`,
    );
  const built = stages
    .slice(0, -1)
    .some((s) => s.instructions.some((i) => i.keyword === "RUN" && /\bnext build\b/.test(i.args)));
  if (!built) problems.push(`${file}: no build stage runs next build`);
  return problems;
}

/** Agent image: `kiln agent` as entry point, and every host tool's package installed. */
export function checkAgentImage(f: TDockerFiles): string[] {
  const file = "docker/agent.Dockerfile";
  const problems: string[] = [];
  const stage = finalStage(f.dockerfiles[file] ?? "");
  const entry = execForm(
    stage.instructions.filter((i) => i.keyword === "ENTRYPOINT").pop()?.args ?? "",
  );
  const i = entry?.indexOf("kiln") ?? -1;
  if (!entry || i < 0 || entry[i + 1] !== "agent")
    problems.push(`${file}: ENTRYPOINT must run \`kiln agent\``);
  const user = stage.instructions.filter((x) => x.keyword === "USER").pop()?.args;
  if (user && user !== "root" && user !== "0")
    problems.push(`${file}: the agent must run as root (builds mount and chroot)`);
  const installed = new Set(aptPackages(stage));
  const needed = new Set([...Object.values(TOOL_PACKAGES), "mtools", "debootstrap", "qemu-utils"]);
  for (const p of needed)
    if (!installed.has(p) && !AGENT_PACKAGES_NOT_NEEDED.has(p))
      problems.push(
        `${file}: runtime stage does not install ${p} (packages/engine preflight needs it)`,
      );
  return problems;
}

/** Every workspace manifest is copied before `npm ci`, or the install misses a workspace. */
export function checkWorkspaceCopies(f: TDockerFiles): string[] {
  const problems: string[] = [];
  for (const file of Object.keys(KILN_IMAGES)) {
    for (const stage of parseDockerfile(f.dockerfiles[file] ?? "")) {
      const ci = stage.instructions.findIndex(
        (i) => i.keyword === "RUN" && /\bnpm ci\b/.test(i.args),
      );
      if (ci < 0) continue;
      const copied = stage.instructions
        .slice(0, ci)
        .filter((i) => i.keyword === "COPY" && !i.args.includes("--from"))
        .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
      for (const ws of ["", ...f.workspaces]) {
        const manifest = ws ? `${ws}/package.json` : "package.json";
        const ok = copied.some((c) => c === manifest || c === "." || c.replace(/\/$/, "") === ws);
        if (!ok) problems.push(`${file}: ${manifest} is not copied before npm ci`);
      }
    }
  }
  return problems;
}

/** .dockerignore keeps host state out and the sources the images need in. */
export function checkDockerignore(f: TDockerFiles): string[] {
  const problems: string[] = [];
  const patterns = f.dockerignore
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const has = (p: string) => patterns.some((x) => x === p || x === `**/${p}` || x === `${p}/`);
  for (const p of ["node_modules", ".next", "data", "test/out", ".git", ".cache"])
    if (!has(p)) problems.push(`.dockerignore: does not exclude ${p}`);
  for (const needed of ["apps", "packages", "prisma", "elements", "package-lock.json", "docker"])
    if (patterns.some((x) => x.replace(/\/$/, "") === needed))
      problems.push(`.dockerignore: excludes ${needed}, which the images need`);
  return problems;
}
