import { Command } from "commander";
import { cliContext } from "../context.ts";
import { hostArch } from "../env.ts";
import { connectRemote, type RemoteClient } from "../remote/remote-client.ts";
import {
  addRemoteBuildFlags,
  remoteBuildInput,
  type RemoteBuildFlags,
} from "../remote/remote-build-flags.ts";
import {
  remoteArtifacts,
  remoteBuild,
  remoteCancel,
  remoteLogs,
  type RemoteIO,
} from "../remote/remote-commands.ts";

/** What `kiln remote` touches besides the network; replaceable in tests. */
export interface RemoteCommandIO extends RemoteIO {
  /** KILN_SERVER, KILN_TOKEN, ARCH as parsed at start (flags win). */
  env: () => { KILN_SERVER?: string; KILN_TOKEN?: string; ARCH?: string };
  /** Raw log bytes to stdout (`logs` without re-encoding). */
  outBytes?: (data: Uint8Array) => void;
  fetch?: typeof fetch;
  /** Where a non-zero exit code goes (default: process.exitCode). */
  setExitCode?: (code: number) => void;
}

const defaultIO: RemoteCommandIO = {
  env: () => cliContext().env,
  out: (text) => process.stdout.write(text),
  outBytes: (data) => process.stdout.write(data),
  err: (text) => process.stderr.write(text),
  get errIsTTY() {
    return process.stderr.isTTY === true;
  },
};

interface ConnectionFlags {
  server?: string;
  token?: string;
}

const BUILD_ARG = ["<build>", "build id, or its number as 42 or #42"] as const;

function withConnection(cmd: Command): Command {
  return cmd
    .option("--server <url>", "Kiln server base URL (or $KILN_SERVER)")
    .option("--token <token>", "API token from kiln admin create-token (or $KILN_TOKEN)");
}

/**
 * `kiln remote …`: builds on a Kiln server from the command line, with an
 * API token. Exit codes when a build is followed to its end: 0 SUCCEEDED,
 * 1 FAILED, 3 ERRORED or CANCELLED (2 is bad input, as everywhere).
 */
export function registerRemote(program: Command, io: RemoteCommandIO = defaultIO): Command {
  const remote = program
    .command("remote")
    .description("queue, follow, cancel and download builds on a Kiln server");
  const client = (flags: ConnectionFlags): RemoteClient => {
    const env = io.env();
    return connectRemote({
      server: flags.server ?? env.KILN_SERVER,
      token: flags.token ?? env.KILN_TOKEN,
      fetch: io.fetch,
    });
  };
  const exit = (code: number) => {
    if (code === 0) return;
    if (io.setExitCode) io.setExitCode(code);
    else process.exitCode = code;
  };

  addRemoteBuildFlags(
    withConnection(
      remote
        .command("build")
        .description(
          "queue an ad-hoc build (kiln build's flags); --follow streams its log (stdout) and progress (stderr)",
        )
        .argument("<element...>", "elements to build")
        .option("--team <team>", "team that owns the build: slug or id (default: your only team)")
        .option("--follow", "stream the log and progress until the build ends; exit 0/1/3")
        .option("--json", "JSON lines on stdout: queued, events, log, finished"),
    ),
  ).action(
    async (
      elements: string[],
      flags: RemoteBuildFlags &
        ConnectionFlags & { team: string; follow?: boolean; json?: boolean },
    ) => {
      const input = remoteBuildInput(elements, flags, io.env().ARCH ?? hostArch());
      const c = client(flags);
      exit(
        await remoteBuild(c, { ...input, team: flags.team }, io, {
          follow: flags.follow,
          json: flags.json,
        }),
      );
    },
  );

  withConnection(
    remote
      .command("logs")
      .description("print a build's log; --follow keeps printing until it ends")
      .argument(...BUILD_ARG)
      .option("--follow", "keep printing new log text until the build ends; exit 0/1/3"),
  ).action(async (ref: string, flags: ConnectionFlags & { follow?: boolean }) => {
    exit(await remoteLogs(client(flags), ref, io, { follow: flags.follow }));
  });

  withConnection(
    remote
      .command("cancel")
      .description("cancel a queued or running build")
      .argument(...BUILD_ARG),
  ).action(async (ref: string, flags: ConnectionFlags) => {
    exit(await remoteCancel(client(flags), ref, io));
  });

  withConnection(
    remote
      .command("artifacts")
      .description("list a build's artifacts (name, size, sha256); --download fetches and verifies")
      .argument(...BUILD_ARG)
      .option("--download <dir>", "download every artifact into DIR, verifying its sha256")
      .option("--json", "list as JSON lines"),
  ).action(async (ref: string, flags: ConnectionFlags & { download?: string; json?: boolean }) => {
    exit(
      await remoteArtifacts(client(flags), ref, io, {
        downloadDir: flags.download,
        json: flags.json,
      }),
    );
  });

  return remote;
}
