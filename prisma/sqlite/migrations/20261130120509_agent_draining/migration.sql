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
    "lastSeenAt" DATETIME,
    "revokedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_Agent" ("arch", "capacity", "createdAt", "hostFacts", "id", "labels", "lastSeenAt", "name", "revokedAt", "secretHash", "state", "version") SELECT "arch", "capacity", "createdAt", "hostFacts", "id", "labels", "lastSeenAt", "name", "revokedAt", "secretHash", "state", "version" FROM "Agent";
DROP TABLE "Agent";
ALTER TABLE "new_Agent" RENAME TO "Agent";
CREATE UNIQUE INDEX "Agent_name_key" ON "Agent"("name");
CREATE UNIQUE INDEX "Agent_secretHash_key" ON "Agent"("secretHash");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

