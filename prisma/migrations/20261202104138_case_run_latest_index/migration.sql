-- The latest-run lookup (src/store/case-run-links.ts) orders by ranAt, then createdAt: with both in the index it reads one entry per test case.
-- DropIndex
DROP INDEX "CaseRun_testCase_ranAt_idx";

-- CreateIndex
CREATE INDEX "CaseRun_testCase_ranAt_createdAt_idx" ON "CaseRun"("testCase", "ranAt", "createdAt");
