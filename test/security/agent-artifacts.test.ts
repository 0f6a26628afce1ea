/**
 * An agent reaches only its own builds' data: ARTIFACT_READY for another
 * agent's build says nothing about that build's upload (no size, no sha256),
 * and a catalog version is served only to an agent holding a build that uses
 * it. A real server and agents over real sockets on 127.0.0.1.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { expect } from "vitest";
import { dispatchQueued } from "@kiln/server/services/dispatch/dispatch-queued";
import { describeEachProvider, useFixture } from "@kiln/server/testing/describe-each-provider";
import {
  addSecretRecipe,
  connectPoolAgent,
  createServedFixture,
} from "@kiln/server/testing/tenancy-fixture";

const ARCHIVE = "the team's private element tree";
const IMAGE = Buffer.from("a qcow2 image only its own agent may describe");

describeEachProvider("agents' reach", (provider, run) => {
  const f = useFixture(provider, (p) => createServedFixture(p, "agent artifacts test key"));

  run("another agent's artifact and catalog stay out of reach", async () => {
    const recipe = await addSecretRecipe(f, f.teamA, {
      name: "private-image",
      secret: { name: "TOKEN", value: "s3cret" },
      allowSharedPools: true,
    });
    const sha256 = "ab".repeat(32); // the recipe's catalog version
    await f.deps.store.put("catalogs/core.tar", Readable.from([Buffer.from(ARCHIVE)]));
    const owner = await connectPoolAgent(f, f.server.url, "owner-host", {});
    const { id: buildId } = await f.caller(f.users.alice).builds.create({
      recipeVersionId: recipe.recipeVersionId,
    });
    await dispatchQueued(f.deps);
    await owner.agent.next("ASSIGN", (m) => m.buildId === buildId);
    const other = await connectPoolAgent(f, f.server.url, "other-host", {});

    const put = await fetch(`${f.server.url}/api/agents/builds/${buildId}/artifacts/disk.qcow2`, {
      method: "PUT",
      headers: {
        authorization: `Bearer ${owner.secret}`,
        "x-kiln-sha256": createHash("sha256").update(IMAGE).digest("hex"),
      },
      body: IMAGE,
    });
    expect(put.status).toBe(201);

    // The other agent probes it with a wrong size and hash.
    other.agent.send({
      type: "ARTIFACT_READY",
      v: 1,
      buildId,
      kind: "qcow2",
      fileName: "disk.qcow2",
      sizeBytes: 1,
      sha256: "00".repeat(32),
      md5: "00".repeat(16),
    });
    const refusal = await other.agent.next("ERROR", (m) => m.buildId === buildId);
    expect(refusal).toMatchObject({ code: "NOT_ASSIGNED", refType: "ARTIFACT_READY" });
    const seen = JSON.stringify(other.agent.received.concat(refusal));
    expect(seen).not.toContain(String(IMAGE.length));
    expect(seen).not.toContain(createHash("sha256").update(IMAGE).digest("hex"));
    expect(other.agent.received.map((m) => m.type)).not.toContain("ARTIFACT_ACK");

    const download = (secret: string) =>
      fetch(`${f.server.url}/api/agents/catalogs/${sha256}`, {
        headers: { authorization: `Bearer ${secret}` },
      });
    const mine = await download(owner.secret);
    expect(mine.status).toBe(200);
    expect(await mine.text()).toBe(ARCHIVE);
    const theirs = await download(other.secret);
    expect(theirs.status).toBe(404);
    expect(await theirs.text()).not.toContain(ARCHIVE);
    owner.agent.ws.close();
    other.agent.ws.close();
  });
});
