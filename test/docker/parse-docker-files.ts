/**
 * Small readers for docker/: Dockerfile instructions and stages, compose
 * variable interpolation, env files. Only what the checks in
 * check-docker-files.ts need; no Docker engine exists on the test hosts, so
 * these files are checked by reading them.
 */

export interface TInstruction {
  /** Upper-cased keyword: FROM, ENV, RUN, COPY, … */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** 1-based line of the keyword, for messages. */
  line: number;
}

export interface TStage {
  /** `AS name`, when given. */
  name?: string;
  /** The FROM image (ARGs not expanded). */
  from: string;
  instructions: TInstruction[];
}

/** Instructions grouped by stage (FROM starts one); ARGs before the first FROM are dropped. */
export function parseDockerfile(text: string): TStage[] {
  const instructions: TInstruction[] = [];
  let current: TInstruction | undefined;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trimEnd();
    // Comment lines inside a continuation are skipped, as Docker does.
    if (/^\s*#/.test(line)) return;
    if (!current) {
      if (line.trim() === "") return;
      const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(line);
      if (!m) throw new Error(`line ${i + 1}: not an instruction: ${line}`);
      current = { keyword: m[1]!.toUpperCase(), args: "", line: i + 1 };
      const rest = m[2]!;
      current.args = rest.replace(/\\$/, "").trim();
      if (!rest.endsWith("\\")) {
        instructions.push(current);
        current = undefined;
      }
      return;
    }
    const part = line.replace(/\\$/, "").trim();
    if (part) current.args = `${current.args} ${part}`.trim();
    if (!line.endsWith("\\")) {
      instructions.push(current);
      current = undefined;
    }
  });
  if (current) instructions.push(current);

  const stages: TStage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: bad FROM: ${ins.args}`);
      stages.push({ from: m[1]!, ...(m[2] ? { name: m[2] } : {}), instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1]!.instructions.push(ins);
    }
  }
  return stages;
}

/** Splits on unquoted whitespace, removing the quotes (as ENV and shell words do). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (c === "\\" && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in: ${text}`);
  if (inWord) words.push(word);
  return words;
}

/** The variables a stage's ENV instructions set (`ENV K=V K2=V2` and the legacy `ENV K V`). */
export function stageEnv(stage: TStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions) {
    if (ins.keyword !== "ENV") continue;
    const words = splitWords(ins.args);
    if (words.length >= 1 && !words[0]!.includes("=")) {
      env[words[0]!] = words.slice(1).join(" ");
      continue;
    }
    for (const w of words) {
      const eq = w.indexOf("=");
      if (eq <= 0) throw new Error(`line ${ins.line}: ENV word without =: ${w}`);
      env[w.slice(0, eq)] = w.slice(eq + 1);
    }
  }
  return env;
}

/** Packages named by `apt-get install` in a stage's RUN instructions. */
export function aptPackages(stage: TStage): string[] {
  const packages: string[] = [];
  for (const ins of stage.instructions) {
    if (ins.keyword !== "RUN") continue;
    for (const command of ins.args.split(/&&|;|\|\|/)) {
      const words = splitWords(command.trim()).filter((w) => !/^[A-Z_]+=/.test(w));
      if (words[0] !== "apt-get" || !words.includes("install")) continue;
      const after = words.slice(words.indexOf("install") + 1);
      packages.push(...after.filter((w) => !w.startsWith("-")));
    }
  }
  return packages;
}

/** A JSON-array (exec form) argument, e.g. of CMD or ENTRYPOINT; undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trim().startsWith("[")) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === "string"))
    throw new Error(`not a JSON string array: ${args}`);
  return parsed as string[];
}

export interface TInterpolation {
  /** The variable name. */
  name: string;
  /** `""` (plain), `:-`, `-`, `:?`, `?`, `:+`, `+`. */
  op: string;
  /** Default, error message or alternative text. */
  arg: string;
  raw: string;
}

// `$$` is a literal dollar; `${NAME<op><arg>}` or `$NAME` are interpolations.
// Nested `${…}` inside an argument is not used in docker/ and is reported.
const INTERPOLATION =
  /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^{}]*))?\}|([A-Za-z_][A-Za-z0-9_]*)|(\{))/g;

/** The interpolations in one compose string (escaped `$$` excluded). Throws on malformed `${`. */
export function findInterpolations(text: string): TInterpolation[] {
  const found: TInterpolation[] = [];
  for (const m of text.matchAll(INTERPOLATION)) {
    if (m[1]) continue;
    if (m[6]) throw new Error(`malformed or nested \${…} in: ${text}`);
    if (m[2]) found.push({ name: m[2], op: m[3] ?? "", arg: m[4] ?? "", raw: m[0] });
    else if (m[5]) found.push({ name: m[5], op: "", arg: "", raw: m[0] });
  }
  return found;
}

/** Thrown where compose would refuse to start: a `:?`/`?` variable without a value. */
export class MissingVariableError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = "MissingVariableError";
  }
}

/** Compose's interpolation of one string with `vars` (what .env would provide). */
export function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(INTERPOLATION, (raw, dollar, name, op, arg, bare) => {
    if (dollar) return "$";
    if (bare) return vars[bare] ?? "";
    if (!name) throw new Error(`malformed \${…} in: ${text}`);
    const value: string | undefined = vars[name];
    const unsetOrEmpty = value === undefined || value === "";
    switch (op) {
      case undefined:
        return value ?? "";
      case ":-":
        return unsetOrEmpty ? arg : value;
      case "-":
        return value === undefined ? arg : value;
      case ":?":
      case "?":
        if (op === ":?" ? unsetOrEmpty : value === undefined)
          throw new MissingVariableError(name, `required variable ${name}: ${arg}`);
        return value!;
      case ":+":
        return unsetOrEmpty ? "" : arg;
      case "+":
        return value === undefined ? "" : arg;
      default:
        throw new Error(`unknown operator in ${raw}`);
    }
  });
}

/** `KEY=VALUE` lines of an env file; blank and `#` lines ignored, matching quotes removed. */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`line ${i + 1}: not KEY=VALUE: ${line}`);
    const value = m[2]!.trim();
    vars[m[1]!] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  });
  return vars;
}
