-- CreateTable
CREATE TABLE "AgentPool" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "teamId" TEXT,
    "sharedWithAll" BOOLEAN NOT NULL DEFAULT false,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AgentPool_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AgentPoolShare" (
    "poolId" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,

    PRIMARY KEY ("poolId", "teamId"),
    CONSTRAINT "AgentPoolShare_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "AgentPool" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "AgentPoolShare_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Agent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "labels" TEXT NOT NULL DEFAULT '{}',
    "arch" TEXT NOT NULL,
    "version" TEXT NOT NULL DEFAULT '',
    "state" TEXT NOT NULL DEFAULT 'OFFLINE',
    "draining" BOOLEAN NOT NULL DEFAULT false,
    "capacity" INTEGER NOT NULL DEFAULT 1,
    "hostFacts" TEXT NOT NULL DEFAULT '{}',
    "secretHash" TEXT,
    "poolId" TEXT,
    "lastSeenAt" DATETIME,
    "revokedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Agent_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "AgentPool" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Agent" ("arch", "capacity", "createdAt", "draining", "hostFacts", "id", "labels", "lastSeenAt", "name", "revokedAt", "secretHash", "state", "version") SELECT "arch", "capacity", "createdAt", "draining", "hostFacts", "id", "labels", "lastSeenAt", "name", "revokedAt", "secretHash", "state", "version" FROM "Agent";
DROP TABLE "Agent";
ALTER TABLE "new_Agent" RENAME TO "Agent";
CREATE UNIQUE INDEX "Agent_name_key" ON "Agent"("name");
CREATE UNIQUE INDEX "Agent_secretHash_key" ON "Agent"("secretHash");
CREATE INDEX "Agent_poolId_idx" ON "Agent"("poolId");
CREATE TABLE "new_AgentRegistrationToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tokenHash" TEXT NOT NULL,
    "labels" TEXT NOT NULL DEFAULT '{}',
    "poolId" TEXT,
    "createdById" TEXT,
    "usedAt" DATETIME,
    "revokedAt" DATETIME,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AgentRegistrationToken_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "AgentPool" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_AgentRegistrationToken" ("createdAt", "createdById", "expiresAt", "id", "labels", "revokedAt", "tokenHash", "usedAt") SELECT "createdAt", "createdById", "expiresAt", "id", "labels", "revokedAt", "tokenHash", "usedAt" FROM "AgentRegistrationToken";
DROP TABLE "AgentRegistrationToken";
ALTER TABLE "new_AgentRegistrationToken" RENAME TO "AgentRegistrationToken";
CREATE UNIQUE INDEX "AgentRegistrationToken_tokenHash_key" ON "AgentRegistrationToken"("tokenHash");
CREATE TABLE "new_Recipe" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "visibility" TEXT NOT NULL DEFAULT 'private',
    "keepBuilds" INTEGER,
    "allowSharedPools" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "archivedAt" DATETIME,
    CONSTRAINT "Recipe_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Recipe" ("archivedAt", "createdAt", "description", "id", "keepBuilds", "name", "teamId", "visibility") SELECT "archivedAt", "createdAt", "description", "id", "keepBuilds", "name", "teamId", "visibility" FROM "Recipe";
DROP TABLE "Recipe";
ALTER TABLE "new_Recipe" RENAME TO "Recipe";
CREATE UNIQUE INDEX "Recipe_teamId_name_key" ON "Recipe"("teamId", "name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "AgentPool_name_key" ON "AgentPool"("name");

-- CreateIndex
CREATE INDEX "AgentPoolShare_teamId_idx" ON "AgentPoolShare"("teamId");


-- The default pool, shared with every team: agents registered before pools
-- existed join it, so an upgraded server dispatches as before.
INSERT INTO "AgentPool" ("id", "name", "teamId", "sharedWithAll", "description")
VALUES ('default', 'default', NULL, true, 'Shared with every team');
UPDATE "Agent" SET "poolId" = 'default' WHERE "poolId" IS NULL;
