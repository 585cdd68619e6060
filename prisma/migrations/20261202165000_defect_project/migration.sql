-- Issue 14: defects and case runs carry an optional project (a raised defect takes its run's); the index serves GET /api/defects?project= newest first (number descending, the cursor).
-- AlterTable
ALTER TABLE "CaseRun" ADD COLUMN     "project" VARCHAR(100);

-- AlterTable
ALTER TABLE "Defect" ADD COLUMN     "project" VARCHAR(100);

-- CreateIndex
CREATE INDEX "Defect_project_number_idx" ON "Defect"("project", "number");

