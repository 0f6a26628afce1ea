/**
 * A user made through the users service (as the host's CLI does, no acting
 * administrator), as the Actor a test calls with: `<name>@example.com`, with
 * the password `<name>'s password`. Not used by production code.
 */
import type { Actor, ServerDeps } from "../context.ts";
import { createUser } from "../services/users/create-user.ts";

export async function createTestActor(
  deps: ServerDeps,
  name: string,
  role: Actor["role"] = "user",
): Promise<Actor> {
  const u = await createUser(deps, null, {
    email: `${name}@example.com`,
    role,
    password: `${name}'s password`,
  });
  return { userId: u.id, email: u.email, role };
}
