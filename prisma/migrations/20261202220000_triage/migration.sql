-- Failure triage (issue 16 parts 1 and 2): run signatures, matchers, defects to raise (candidates), storm incidents,
-- first sightings of signatures, and a note on automatic history entries.
-- CreateEnum
CREATE TYPE "IncidentStatus" AS ENUM ('open', 'released');

-- CreateEnum
CREATE TYPE "TriageCandidateState" AS ENUM ('pending', 'held', 'approved', 'done');

-- AlterTable
ALTER TABLE "CaseRun" ADD COLUMN "signature" VARCHAR(16),
ADD COLUMN "signatureText" TEXT;

-- AlterTable
ALTER TABLE "StatusChange" ADD COLUMN "note" TEXT;

-- CreateTable
CREATE TABLE "Matcher" (
    "id" UUID NOT NULL,
    "defectId" UUID NOT NULL,
    "message" TEXT,
    "testCase" TEXT,
    "actor" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Matcher_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TriageIncident" (
    "id" UUID NOT NULL,
    "project" VARCHAR(100) NOT NULL,
    "launch" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "runs" INTEGER NOT NULL,
    "failed" INTEGER NOT NULL,
    "newSignatures" INTEGER NOT NULL,
    "topSignatures" JSONB NOT NULL DEFAULT '[]',
    "status" "IncidentStatus" NOT NULL DEFAULT 'open',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "releasedAt" TIMESTAMPTZ(3),
    "releasedBy" TEXT,

    CONSTRAINT "TriageIncident_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TriageCandidate" (
    "project" VARCHAR(100) NOT NULL,
    "launch" TEXT NOT NULL,
    "signature" VARCHAR(16) NOT NULL,
    "caseRunId" UUID NOT NULL,
    "state" "TriageCandidateState" NOT NULL DEFAULT 'pending',
    "incidentId" UUID,
    "defectId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" TIMESTAMPTZ(3),

    CONSTRAINT "TriageCandidate_pkey" PRIMARY KEY ("project","launch","signature")
);

-- CreateTable
CREATE TABLE "TriageSignature" (
    "project" VARCHAR(100) NOT NULL,
    "signature" VARCHAR(16) NOT NULL,
    "firstLaunch" TEXT NOT NULL,
    "firstSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TriageSignature_pkey" PRIMARY KEY ("project","signature")
);

-- CreateIndex
CREATE INDEX "CaseRun_signature_ranAt_idx" ON "CaseRun"("signature", "ranAt");

-- CreateIndex
CREATE INDEX "CaseRun_project_launch_status_idx" ON "CaseRun"("project", "launch", "status");

-- CreateIndex
CREATE INDEX "CaseRun_status_ranAt_idx" ON "CaseRun"("status", "ranAt");

-- CreateIndex
CREATE INDEX "Matcher_defectId_createdAt_idx" ON "Matcher"("defectId", "createdAt");

-- CreateIndex
CREATE INDEX "Matcher_createdAt_idx" ON "Matcher"("createdAt");

-- CreateIndex
CREATE INDEX "TriageIncident_status_createdAt_idx" ON "TriageIncident"("status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "TriageIncident_project_launch_key" ON "TriageIncident"("project", "launch");

-- CreateIndex
CREATE INDEX "TriageCandidate_state_idx" ON "TriageCandidate"("state");

-- CreateIndex
CREATE INDEX "TriageCandidate_incidentId_idx" ON "TriageCandidate"("incidentId");

-- CreateIndex
CREATE INDEX "TriageSignature_project_firstLaunch_idx" ON "TriageSignature"("project", "firstLaunch");

-- AddForeignKey
ALTER TABLE "Matcher" ADD CONSTRAINT "Matcher_defectId_fkey" FOREIGN KEY ("defectId") REFERENCES "Defect"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TriageCandidate" ADD CONSTRAINT "TriageCandidate_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "TriageIncident"("id") ON DELETE SET NULL ON UPDATE CASCADE;
