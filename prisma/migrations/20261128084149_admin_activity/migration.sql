-- DropIndex
DROP INDEX "TrackerLink_tracker_syncState_idx";

-- CreateTable
CREATE TABLE "SyncActivity" (
    "id" BIGSERIAL NOT NULL,
    "defectId" UUID NOT NULL,
    "tracker" "TrackerKind" NOT NULL,
    "direction" TEXT NOT NULL,
    "pushed" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "pulled" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "outcome" TEXT NOT NULL,
    "conflicts" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "error" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SyncActivity_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SyncActivity_defectId_at_idx" ON "SyncActivity"("defectId", "at");

-- CreateIndex
CREATE INDEX "SyncActivity_at_idx" ON "SyncActivity"("at");

-- CreateIndex
CREATE INDEX "TrackerLink_tracker_syncState_lastAttemptAt_idx" ON "TrackerLink"("tracker", "syncState", "lastAttemptAt");

-- CreateIndex
CREATE INDEX "TrackerLink_tracker_lastSyncedAt_idx" ON "TrackerLink"("tracker", "lastSyncedAt");

-- CreateIndex
CREATE INDEX "TrackerLink_syncState_updatedAt_idx" ON "TrackerLink"("syncState", "updatedAt");

-- AddForeignKey
ALTER TABLE "SyncActivity" ADD CONSTRAINT "SyncActivity_defectId_fkey" FOREIGN KEY ("defectId") REFERENCES "Defect"("id") ON DELETE CASCADE ON UPDATE CASCADE;

