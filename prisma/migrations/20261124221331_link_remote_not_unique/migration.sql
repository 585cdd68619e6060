-- DropIndex
DROP INDEX "TrackerLink_tracker_remoteId_key";

-- CreateIndex
CREATE INDEX "TrackerLink_tracker_remoteId_idx" ON "TrackerLink"("tracker", "remoteId");
