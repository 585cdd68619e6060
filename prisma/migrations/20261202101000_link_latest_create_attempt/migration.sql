-- The latest create attempt, for a marker search that must wait out an index lag from it (links that
-- are mid-create keep waiting from their first attempt until their next one).
-- AlterTable
ALTER TABLE "TrackerLink" ADD COLUMN     "lastCreateAttemptAt" TIMESTAMPTZ(3);

