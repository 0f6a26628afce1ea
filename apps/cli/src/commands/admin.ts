import os from "node:os";
import type { Command } from "commander";
import { KilnError } from "@kiln/contracts/errors";
import type { Logger } from "@kiln/contracts/logger";
import { AppError } from "@kiln/server/app-error";
import { createRegistrationToken } from "@kiln/server/services/agents/create-registration-token";
import { createApiToken } from "@kiln/server/services/tokens/create-api-token";
import { createUser } from "@kiln/server/services/users/create-user";
import { findAdminActor } from "@kiln/server/services/users/find-admin-actor";
import { findUserByEmail } from "@kiln/server/services/users/list-users";
import { ZUserRole } from "@kiln/server/services/users/user-view";
import { cliContext } from "../context.ts";
import { parseLabels } from "./agent.ts";
import {
  openServerForAdmin,
  type TBackupToolSettings,
  type TServerEnvValues,
} from "../server-config.ts";
import { registerBackupCommands } from "./admin-backup.ts";

/** What the admin commands touch besides the database; replaceable in tests. */
export interface AdminIO {
  /** DATABASE_URL and KILN_DATA_DIR as parsed at start. */
  serverEnv: () => TServerEnvValues;
  logger: () => Logger;
  /** Results (stdout). */
  out: (text: string) => void;
  /** Notes for the operator (stderr). */
  err?: (text: string) => void;
  /** KILN_SERVER, for the `kiln agent` command line create-agent-token prints. */
  serverUrl?: () => string | undefined;
  /** All of standard input, for --password-stdin. */
  readStdin: () => Promise<string>;
  /** Whether standard input is a terminal (then nothing was piped in). */
  stdinIsTTY: () => boolean;
  /** KILN_PG_BIN_DIR and the environment for pg_dump/pg_restore (backup, restore). */
  backupTools?: () => TBackupToolSettings;
}

const defaultIO: AdminIO = {
  serverEnv: () => {
    const { env } = cliContext();
    return {
      DATABASE_URL: env.DATABASE_URL,
      KILN_DATA_DIR: env.KILN_DATA_DIR,
      KILN_ARTIFACTS_DIR: env.KILN_ARTIFACTS_DIR,
      KILN_S3_BUCKET: env.KILN_S3_BUCKET,
      KILN_S3_ENDPOINT: env.KILN_S3_ENDPOINT,
      KILN_S3_REGION: env.KILN_S3_REGION,
      KILN_S3_ACCESS_KEY_ID: env.KILN_S3_ACCESS_KEY_ID,
      KILN_S3_SECRET_ACCESS_KEY: env.KILN_S3_SECRET_ACCESS_KEY,
      KILN_S3_FORCE_PATH_STYLE: env.KILN_S3_FORCE_PATH_STYLE,
      KILN_S3_PREFIX: env.KILN_S3_PREFIX,
    };
  },
  logger: () => cliContext().logger,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  serverUrl: () => cliContext().env.KILN_SERVER,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
  stdinIsTTY: () => process.stdin.isTTY === true,
  backupTools: () => {
    const { env } = cliContext();
    return { pgBinDir: env.KILN_PG_BIN_DIR, toolEnv: env.buildEnv };
  },
};

// Service fields named as the flags the user typed.
const FLAG_FOR_FIELD: Record<string, string> = {
  email: "--email",
  password: "the password (stdin)",
  role: "--role",
  name: "--name",
  scopes: "--scopes",
  userId: "--user",
  labels: "--labels",
  ttlHours: "--ttl-hours",
  pool: "--pool",
};

const NO_ADMIN =
  "no administrator yet: create one with kiln admin create-user --role admin, or pass --as EMAIL";

/** Service errors become one usage line naming the flag; anything else stays an internal error. */
function asCliError(err: unknown, emailFlag = "--email"): unknown {
  if (!(err instanceof AppError) || err.code === "INTERNAL") return err;
  const flag =
    err.field === "email" ? emailFlag : err.field ? FLAG_FOR_FIELD[err.field] : undefined;
  return new KilnError("USAGE", flag ? `${flag}: ${err.message}` : err.message, { cause: err });
}

async function withServer<T>(
  io: AdminIO,
  run: (deps: Awaited<ReturnType<typeof openServerForAdmin>>["deps"]) => Promise<T>,
): Promise<T> {
  const server = await openServerForAdmin(io.serverEnv(), io.logger());
  try {
    return await run(server.deps);
  } finally {
    await server.close();
  }
}

/**
 * `kiln admin …`: user and token management on the server host, using the
 * server's own database configuration (DATABASE_URL, KILN_DATA_DIR).
 * Actions taken here are audited without an actor (`via: "host"`).
 */
export function registerAdminCommand(program: Command, io: AdminIO = defaultIO): Command {
  const admin = program
    .command("admin")
    .description("manage the Kiln server's users and API tokens from the server host");

  admin
    .command("create-user")
    .description("create a user; the password is read from standard input")
    .requiredOption("--email <email>", "the user's email (their sign-in name)")
    .option("--role <role>", "admin or user", "user")
    .option("--name <name>", "display name")
    .option("--password-stdin", "read the password from standard input (required)")
    .action(
      async (flags: { email: string; role: string; name?: string; passwordStdin?: boolean }) => {
        const role = ZUserRole.safeParse(flags.role);
        if (!role.success)
          throw new KilnError("USAGE", `--role: '${flags.role}' is not admin or user`);
        if (!flags.passwordStdin) {
          throw new KilnError("USAGE", "give the password on standard input with --password-stdin");
        }
        if (io.stdinIsTTY()) {
          throw new KilnError(
            "USAGE",
            "--password-stdin: pipe the password in (standard input is a terminal)",
          );
        }
        // One trailing newline is what `echo` and here-strings add, not part of the password.
        const password = (await io.readStdin()).replace(/\r?\n$/, "");
        if (!password) throw new KilnError("USAGE", "--password-stdin: standard input was empty");
        const user = await withServer(io, (deps) =>
          createUser(deps, null, {
            email: flags.email,
            role: role.data,
            name: flags.name,
            password,
          }),
        ).catch((err: unknown) => {
          throw asCliError(err);
        });
        io.out(`created ${user.role} ${user.email}\n`);
      },
    );

  admin
    .command("create-token")
    .description("create an API token for a user and print it (shown only this once)")
    .requiredOption("--user <email>", "the token's user")
    .requiredOption("--name <name>", "what the token is for (shown in lists)")
    .option("--scopes <scopes>", "comma-separated: read, write, admin", "read,write")
    .action(async (flags: { user: string; name: string; scopes: string }) => {
      const created = await withServer(io, async (deps) => {
        const user = await findUserByEmail(deps, null, flags.user);
        return createApiToken(deps, null, {
          userId: user.id,
          name: flags.name,
          scopes: flags.scopes.split(","),
        });
      }).catch((err: unknown) => {
        throw asCliError(err, "--user");
      });
      // Only the token on stdout, so `TOKEN=$(kiln admin create-token …)` works.
      io.out(`${created.token}\n`);
    });

  interface TAgentTokenFlags {
    labels?: string;
    pool?: string;
    ttlHours: string;
    as?: string;
    server?: string;
  }
  admin
    .command("create-agent-token")
    .description(
      "create a one-time agent registration token and print it (stdout) with the kiln agent command (stderr)",
    )
    .option("--labels <k=v,...>", "labels the agent registering with it receives")
    .option("--pool <name>", "agent pool the agent joins (default: the shared pool 'default')")
    .option("--ttl-hours <n>", "hours the token stays valid (at most 720)", "24")
    .option("--as <email>", "administrator recorded as its creator (default: the first one)")
    .option("--server <url>", "server URL for the printed command (default: $KILN_SERVER)")
    .action(async (flags: TAgentTokenFlags) => {
      const labels = parseLabels(flags.labels);
      const publicUrl = flags.server ?? io.serverUrl?.() ?? `http://${os.hostname()}:3000`;
      const created = await withServer(io, async (deps) => {
        const actor = await findAdminActor(deps, flags.as);
        if (!actor) throw new KilnError("USAGE", NO_ADMIN);
        // The printed command names the server as this host's operator reaches it.
        const serving = { ...deps, config: { ...deps.config, publicUrl } };
        return createRegistrationToken(serving, actor, {
          labels,
          ttlHours: Number(flags.ttlHours),
          ...(flags.pool ? { pool: flags.pool } : {}),
        });
      }).catch((err: unknown) => {
        throw asCliError(err, "--as");
      });
      // The token alone on stdout, so `TOKEN=$(kiln admin create-agent-token)` works.
      io.out(`${created.token}\n`);
      // The labels travel with the token (the server applies them at registration),
      // so the agent's command line needs none.
      const labelText = Object.entries(labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(",");
      io.err?.(
        `one-time agent registration token, valid until ${created.expiresAt.toISOString()}` +
          `${flags.pool ? `, pool ${flags.pool}` : ""}` +
          `${labelText ? `, labels ${labelText}` : ""}; on the build host run:\n` +
          `  ${created.command}\n`,
      );
    });

  registerBackupCommands(admin, io);
  return admin;
}
