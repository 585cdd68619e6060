-- AlterTable
ALTER TABLE "InboundEvent" ADD COLUMN     "contentKey" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "InboundEvent_tracker_contentKey_key" ON "InboundEvent"("tracker", "contentKey");
