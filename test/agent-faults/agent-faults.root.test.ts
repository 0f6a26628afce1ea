/**
 * The agent faults that need a real build (root, loop devices): the real
 * engine cancelled while a hook sleeps in the chroot, and the real `kiln agent`
 * killed mid-build. Each has its own server, as in agent-faults.test.ts.
 *
 * Run one: npx vitest run --project root test/agent-faults -t "cancel"
 */
import { describe } from "vitest";
import { canBuild, skipNote } from "@kiln/engine/testing/host-capabilities";
import { describeAgentKilledWithEngineFault } from "./agent-killed.fault.ts";
import { describeCancelWithEngineFault } from "./cancel.fault.ts";

const why = canBuild();

describe.skipIf(why).concurrent(`agent faults with the real engine${skipNote(why)}`, () => {
  describeAgentKilledWithEngineFault();
  describeCancelWithEngineFault();
});
