/**
 * Issue 5's fault tests, over real sockets on 127.0.0.1 with the server (and
 * where the fault is a killed agent, the agent) in child processes. Each
 * fault has its own server, data dir, ports and agents, so they run
 * concurrently: on this suite's 2-core host, vitest gives all files one
 * worker, and one after another they would take over four minutes.
 *
 * Run one: npx vitest run test/agent-faults -t "socket dropped"
 */
import { describe } from "vitest";
import { describeAgentKilledFault } from "./agent-killed.fault.ts";
import { describeCancelFault } from "./cancel.fault.ts";
import { describeMalformedFramesFault } from "./malformed-frames.fault.ts";
import { describeServerRestartFault } from "./server-restart.fault.ts";
import { describeSocketDropFault } from "./socket-drop.fault.ts";

describe.concurrent("agent faults", () => {
  describeSocketDropFault();
  describeAgentKilledFault();
  describeMalformedFramesFault();
  describeServerRestartFault();
  describeCancelFault();
});
