import { isUniqueViolation } from "@kiln/db/client";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

export interface TCreateTeamInput {
  /** URL name: lowercase letters, digits and inner dashes, up to 40. */
  slug: string;
  /** Display name. */
  name: string;
}

export interface TTeamView {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
}

/** Any signed-in user may create a team; they become its owner. */
export async function createTeam(
  deps: ServerDeps,
  actor: Actor,
  input: TCreateTeamInput,
): Promise<TTeamView> {
  const slug = input.slug.trim();
  if (!SLUG.test(slug)) {
    throw new AppError(
      "INVALID_INPUT",
      `'${input.slug}' is not a team slug (lowercase letters, digits and inner dashes, up to 40)`,
      "slug",
    );
  }
  const name = input.name.trim();
  if (!name || name.length > 100) {
    throw new AppError("INVALID_INPUT", "a team needs a name of 1 to 100 characters", "name");
  }
  let team;
  try {
    team = await deps.db.prisma.$transaction(async (tx) => {
      const t = await tx.team.create({ data: { slug, name, createdAt: deps.now() } });
      await tx.membership.create({ data: { teamId: t.id, userId: actor.userId, role: "owner" } });
      return t;
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError("CONFLICT", `a team with slug '${slug}' already exists`, "slug");
    }
    throw err;
  }
  await audit(deps, actor, "team.create", `team:${team.id}`, { slug, name });
  return { id: team.id, slug: team.slug, name: team.name, createdAt: team.createdAt };
}
