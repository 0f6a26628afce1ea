/**
 * The cast of the catalog and recipe tests: team `red` with alice (maintainer,
 * the least role that authors catalogs) and vera (viewer), team `blue` owned
 * by bob. Not used by production code.
 */
import type { Actor } from "../context.ts";
import type { TCatalogTestServer } from "./catalog-test-server.ts";

export interface TTwoTeams {
  alice: Actor;
  vera: Actor;
  bob: Actor;
  /** red: alice and vera. */
  teamId: string;
  /** blue: bob only. */
  otherTeamId: string;
}

export async function seedTwoTeams(
  s: Pick<TCatalogTestServer, "user" | "team">,
): Promise<TTwoTeams> {
  const alice = await s.user("alice@example.com");
  const vera = await s.user("vera@example.com");
  const bob = await s.user("bob@example.com");
  const teamId = await s.team("red", [
    [alice, "maintainer"],
    [vera, "viewer"],
  ]);
  const otherTeamId = await s.team("blue", [[bob, "owner"]]);
  return { alice, vera, bob, teamId, otherTeamId };
}
