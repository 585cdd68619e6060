-- Backfill (issue 14): tickets in a connection for existing defects its routes name and that have no link
-- to it. One row per connection (its latest backfill) and, while it runs, one item per matched defect, so
-- progress is a join with the links and never a second walk over the defects (src/admin/backfill.ts).

-- CreateTable
CREATE TABLE "Backfill" (
    "connection" TEXT NOT NULL,
    "run" INTEGER NOT NULL DEFAULT 1,
    "filters" JSONB NOT NULL DEFAULT '{}',
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "progressAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "queuedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "matched" INTEGER,
    "queued" INTEGER,
    "done" INTEGER,
    "failed" INTEGER,
    "lastError" TEXT,

    CONSTRAINT "Backfill_pkey" PRIMARY KEY ("connection")
);

-- CreateTable
CREATE TABLE "BackfillItem" (
    "connection" TEXT NOT NULL,
    "defectId" UUID NOT NULL,
    "queued" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "BackfillItem_pkey" PRIMARY KEY ("connection","defectId")
);

-- CreateIndex
CREATE INDEX "BackfillItem_defectId_idx" ON "BackfillItem"("defectId");

-- AddForeignKey
ALTER TABLE "Backfill" ADD CONSTRAINT "Backfill_connection_fkey" FOREIGN KEY ("connection") REFERENCES "Connection"("name") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BackfillItem" ADD CONSTRAINT "BackfillItem_connection_fkey" FOREIGN KEY ("connection") REFERENCES "Backfill"("connection") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BackfillItem" ADD CONSTRAINT "BackfillItem_defectId_fkey" FOREIGN KEY ("defectId") REFERENCES "Defect"("id") ON DELETE CASCADE ON UPDATE CASCADE;

