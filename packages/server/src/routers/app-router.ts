import { router } from "../trpc.ts";
import { agentsRouter } from "./agents-router.ts";
import { auditRouter } from "./audit-router.ts";
import { buildsRouter } from "./builds-router.ts";
import { authRouter } from "./auth-router.ts";
import { catalogsRouter } from "./catalogs-router.ts";
import { elementsRouter } from "./elements-router.ts";
import { poolsRouter } from "./pools-router.ts";
import { recipesRouter } from "./recipes-router.ts";
import { teamsRouter } from "./teams-router.ts";
import { tokensRouter } from "./tokens-router.ts";
import { usersRouter } from "./users-router.ts";

/**
 * The whole API. Each sub-router lives in its own file and stays thin: parse
 * input (zod), call one service function, shape the output.
 */
export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  teams: teamsRouter,
  tokens: tokensRouter,
  audit: auditRouter,
  catalogs: catalogsRouter,
  elements: elementsRouter,
  recipes: recipesRouter,
  builds: buildsRouter,
  agents: agentsRouter,
  pools: poolsRouter,
});

export type AppRouter = typeof appRouter;
