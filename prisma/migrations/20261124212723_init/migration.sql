-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('critical', 'high', 'medium', 'low');

-- CreateEnum
CREATE TYPE "DefectStatus" AS ENUM ('open', 'in_progress', 'resolved', 'closed', 'reopened');

-- CreateEnum
CREATE TYPE "CaseRunStatus" AS ENUM ('passed', 'failed', 'skipped', 'blocked');

-- CreateEnum
CREATE TYPE "TrackerKind" AS ENUM ('github', 'jira', 'asana');

-- CreateEnum
CREATE TYPE "SyncState" AS ENUM ('pending', 'synced', 'retrying', 'failed', 'missing');

-- CreateTable
CREATE TABLE "Defect" (
    "id" UUID NOT NULL,
    "number" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "severity" "Severity" NOT NULL DEFAULT 'medium',
    "status" "DefectStatus" NOT NULL DEFAULT 'open',
    "assignee" TEXT,
    "milestone" TEXT,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "fieldChangedAt" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Defect_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseRun" (
    "id" UUID NOT NULL,
    "launch" TEXT NOT NULL,
    "testCase" TEXT NOT NULL,
    "status" "CaseRunStatus" NOT NULL,
    "message" TEXT,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "ranAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CaseRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DefectCaseRun" (
    "defectId" UUID NOT NULL,
    "caseRunId" UUID NOT NULL,
    "linkedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DefectCaseRun_pkey" PRIMARY KEY ("defectId","caseRunId")
);

-- CreateTable
CREATE TABLE "StatusChange" (
    "id" BIGSERIAL NOT NULL,
    "defectId" UUID NOT NULL,
    "from" "DefectStatus",
    "to" "DefectStatus" NOT NULL,
    "actor" TEXT NOT NULL,
    "causeCaseRunId" UUID,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StatusChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrackerLink" (
    "id" UUID NOT NULL,
    "defectId" UUID NOT NULL,
    "tracker" "TrackerKind" NOT NULL,
    "remoteId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "snapshot" JSONB,
    "syncState" "SyncState" NOT NULL DEFAULT 'pending',
    "lastError" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastAttemptAt" TIMESTAMPTZ(3),
    "lastSyncedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "TrackerLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboxEvent" (
    "id" BIGSERIAL NOT NULL,
    "defectId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "OutboxEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Defect_number_key" ON "Defect"("number");

-- CreateIndex
CREATE INDEX "Defect_status_idx" ON "Defect"("status");

-- CreateIndex
CREATE INDEX "Defect_severity_idx" ON "Defect"("severity");

-- CreateIndex
CREATE INDEX "Defect_assignee_idx" ON "Defect"("assignee");

-- CreateIndex
CREATE INDEX "Defect_milestone_idx" ON "Defect"("milestone");

-- CreateIndex
CREATE INDEX "Defect_tags_idx" ON "Defect" USING GIN ("tags");

-- CreateIndex
CREATE INDEX "CaseRun_testCase_ranAt_idx" ON "CaseRun"("testCase", "ranAt");

-- CreateIndex
CREATE INDEX "DefectCaseRun_caseRunId_idx" ON "DefectCaseRun"("caseRunId");

-- CreateIndex
CREATE INDEX "StatusChange_defectId_at_idx" ON "StatusChange"("defectId", "at");

-- CreateIndex
CREATE INDEX "TrackerLink_tracker_syncState_idx" ON "TrackerLink"("tracker", "syncState");

-- CreateIndex
CREATE UNIQUE INDEX "TrackerLink_defectId_tracker_key" ON "TrackerLink"("defectId", "tracker");

-- CreateIndex
CREATE UNIQUE INDEX "TrackerLink_tracker_remoteId_key" ON "TrackerLink"("tracker", "remoteId");

-- CreateIndex
CREATE INDEX "OutboxEvent_publishedAt_id_idx" ON "OutboxEvent"("publishedAt", "id");

-- AddForeignKey
ALTER TABLE "DefectCaseRun" ADD CONSTRAINT "DefectCaseRun_defectId_fkey" FOREIGN KEY ("defectId") REFERENCES "Defect"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DefectCaseRun" ADD CONSTRAINT "DefectCaseRun_caseRunId_fkey" FOREIGN KEY ("caseRunId") REFERENCES "CaseRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StatusChange" ADD CONSTRAINT "StatusChange_defectId_fkey" FOREIGN KEY ("defectId") REFERENCES "Defect"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StatusChange" ADD CONSTRAINT "StatusChange_causeCaseRunId_fkey" FOREIGN KEY ("causeCaseRunId") REFERENCES "CaseRun"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrackerLink" ADD CONSTRAINT "TrackerLink_defectId_fkey" FOREIGN KEY ("defectId") REFERENCES "Defect"("id") ON DELETE CASCADE ON UPDATE CASCADE;
