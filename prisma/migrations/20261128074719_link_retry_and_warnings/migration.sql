-- AlterTable
ALTER TABLE "TrackerLink" ADD COLUMN     "nextAttemptAt" TIMESTAMPTZ(3),
ADD COLUMN     "syncedVersion" INTEGER,
ADD COLUMN     "warnings" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "TrackerLink_nextAttemptAt_idx" ON "TrackerLink"("nextAttemptAt");
