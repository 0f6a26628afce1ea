-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "draining" BOOLEAN NOT NULL DEFAULT false;

