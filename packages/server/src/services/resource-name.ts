import { z } from "zod";

/** The name rule catalogs and recipes share: safe in URLs, paths and shell commands. */
export const ZResourceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "lower-case letters, digits, '.', '_' or '-' (at most 63)");
