// The allowed import graph between Kiln's packages and layers, checked by `npm run lint`
// (dependency-cruiser resolves every import to a file, so a relative path that climbs into
// another package is caught as surely as a package import). ARCHITECTURE.md draws the same graph.
//
//   contracts  <-  engine, protocol, db  <-  server  <-  apps/cli, apps/dashboard
//
// test/ and bench/ sit above everything and may import any package.

/** Source files of a package or app, tests and test support excluded. */
const prod = (dir) => ({ path: `^${dir}/`, pathNot: "(\\.test\\.tsx?$|/testing/)" });

/** Forbids `from` (production code of a package) to import the listed workspace folders. */
const layer = (name, dir, forbiddenDirs, comment) => ({
  name,
  comment,
  severity: "error",
  from: prod(dir),
  to: { path: `^(${forbiddenDirs.join("|")})/` },
});

module.exports = {
  forbidden: [
    layer(
      "contracts-is-the-base",
      "packages/contracts",
      ["packages/(?!contracts/)[^/]+", "apps"],
      "The shared vocabulary depends on no other workspace package.",
    ),
    layer(
      "engine-depends-on-contracts-only",
      "packages/engine",
      ["packages/(db|protocol|server)", "apps"],
      "The domain engine is a pure library: no data layer, protocol or server.",
    ),
    layer(
      "protocol-depends-on-contracts-only",
      "packages/protocol",
      ["packages/(engine|db|server)", "apps"],
      "Messages between agent and server are data: no engine, database or server.",
    ),
    layer(
      "db-depends-on-contracts-only",
      "packages/db",
      ["packages/(engine|protocol|server)", "apps"],
      "The data layer is a leaf under the service layer.",
    ),
    layer(
      "server-imports-no-app",
      "packages/server",
      ["apps"],
      "Apps compose the server, never the other way round.",
    ),
    {
      name: "packages-import-no-app",
      comment: "Not even in tests: an app is composition, not a library.",
      severity: "error",
      from: { path: "^packages/" },
      to: { path: "^apps/" },
    },
    {
      name: "no-app-to-app",
      comment:
        "Apps share code through packages, tests included (no test-only edges between apps).",
      severity: "error",
      from: { path: "^apps/([^/]+)/" },
      to: { path: "^apps/", pathNot: "^apps/$1/" },
    },
    {
      name: "no-relative-import-across-packages",
      comment:
        "Another package is reached through its name and its exports, never a relative path.",
      severity: "error",
      from: { path: "^(packages|apps)/([^/]+)/" },
      to: { path: "^(packages|apps)/", pathNot: "^$1/$2/", dependencyTypes: ["local"] },
    },
    {
      name: "agent-and-remote-client-use-no-server-internals",
      comment:
        "The build agent and the remote client talk to the server over the protocol and tRPC; " +
        "only the router's type crosses (type-only).",
      severity: "error",
      from: prod("apps/cli/src/(agent|remote)"),
      to: { path: "^packages/(server|db)/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "transports-use-no-database",
      comment:
        "tRPC routers, HTTP routes, the WebSocket session and CLI commands parse, call one service " +
        "and encode: the database is reached through services only.",
      severity: "error",
      from: prod(
        "(packages/server/src/(routers|gateway|http)|apps/cli/src/commands|apps/dashboard/src/server/routes)",
      ),
      to: { path: "^packages/db/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "services-use-no-transport",
      comment: "The service layer sits under the transports and never reaches back up.",
      severity: "error",
      from: prod("packages/server/src/services"),
      to: { path: "^packages/server/src/(routers|gateway|http)/" },
    },
    {
      name: "production-uses-no-test-support",
      comment: "Test support (testing/ folders, test files) is for tests only.",
      severity: "error",
      from: { path: "^(packages|apps)/", pathNot: "(\\.test\\.tsx?$|/testing/)" },
      to: { path: "(\\.test\\.tsx?$|/testing/)" },
    },
    {
      name: "no-unresolvable-import",
      comment: "An import that does not resolve is an entry point the package does not export.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: ["node_modules"] },
    exclude: { path: ["node_modules", "\\.next/", "/generated/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.depcruise.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".d.ts", ".mjs"],
    },
  },
};
