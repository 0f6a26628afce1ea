-- DropIndex
DROP INDEX "Build_requestedById_idx";

-- DropIndex
DROP INDEX "Build_agentId_idx";

-- CreateIndex
CREATE INDEX "Build_agentId_queuedAt_idx" ON "Build"("agentId", "queuedAt");

-- CreateIndex
CREATE INDEX "Build_requestedById_queuedAt_idx" ON "Build"("requestedById", "queuedAt");

