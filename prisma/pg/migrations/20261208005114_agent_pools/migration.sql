-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "poolId" TEXT;

-- AlterTable
ALTER TABLE "AgentRegistrationToken" ADD COLUMN     "poolId" TEXT;

-- AlterTable
ALTER TABLE "Recipe" ADD COLUMN     "allowSharedPools" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "AgentPool" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "teamId" TEXT,
    "sharedWithAll" BOOLEAN NOT NULL DEFAULT false,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgentPool_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AgentPoolShare" (
    "poolId" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,

    CONSTRAINT "AgentPoolShare_pkey" PRIMARY KEY ("poolId","teamId")
);

-- CreateIndex
CREATE UNIQUE INDEX "AgentPool_name_key" ON "AgentPool"("name");

-- CreateIndex
CREATE INDEX "AgentPoolShare_teamId_idx" ON "AgentPoolShare"("teamId");

-- CreateIndex
CREATE INDEX "Agent_poolId_idx" ON "Agent"("poolId");

-- AddForeignKey
ALTER TABLE "Agent" ADD CONSTRAINT "Agent_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "AgentPool"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentPool" ADD CONSTRAINT "AgentPool_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentPoolShare" ADD CONSTRAINT "AgentPoolShare_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "AgentPool"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentPoolShare" ADD CONSTRAINT "AgentPoolShare_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentRegistrationToken" ADD CONSTRAINT "AgentRegistrationToken_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "AgentPool"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- The default pool, shared with every team: agents registered before pools
-- existed join it, so an upgraded server dispatches as before.
INSERT INTO "AgentPool" ("id", "name", "teamId", "sharedWithAll", "description")
VALUES ('default', 'default', NULL, true, 'Shared with every team');
UPDATE "Agent" SET "poolId" = 'default' WHERE "poolId" IS NULL;
