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


-- CreateTable
CREATE TABLE "LinkStateCount" (
    "tracker" "TrackerKind" NOT NULL,
    "syncState" "SyncState" NOT NULL,
    "n" INTEGER NOT NULL,

    CONSTRAINT "LinkStateCount_pkey" PRIMARY KEY ("tracker","syncState")
);

-- Link counts per tracker and state, kept exact by statement-level triggers (written by hand: Prisma does
-- not model triggers). Each statement applies its net change in one INSERT ... ORDER BY tracker, state,
-- so every writer locks counter rows in the same order and two writers never deadlock on them; a row
-- whose state and tracker did not change contributes nothing.
CREATE FUNCTION link_state_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "LinkStateCount" (tracker, "syncState", n)
    SELECT tracker, "syncState", count(*)::int FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (tracker, "syncState") DO UPDATE SET n = "LinkStateCount".n + EXCLUDED.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "LinkStateCount" (tracker, "syncState", n)
    SELECT tracker, "syncState", -count(*)::int FROM old_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (tracker, "syncState") DO UPDATE SET n = "LinkStateCount".n + EXCLUDED.n;
  ELSE
    INSERT INTO "LinkStateCount" (tracker, "syncState", n)
    SELECT tracker, "syncState", sum(d)::int FROM (
      SELECT n.tracker, n."syncState", 1 AS d FROM new_rows n JOIN old_rows o ON o.id = n.id
       WHERE (o.tracker, o."syncState") IS DISTINCT FROM (n.tracker, n."syncState")
      UNION ALL
      SELECT o.tracker, o."syncState", -1 FROM new_rows n JOIN old_rows o ON o.id = n.id
       WHERE (o.tracker, o."syncState") IS DISTINCT FROM (n.tracker, n."syncState")
    ) changes GROUP BY 1, 2 HAVING sum(d) <> 0 ORDER BY 1, 2
    ON CONFLICT (tracker, "syncState") DO UPDATE SET n = "LinkStateCount".n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "TrackerLink_count_insert" AFTER INSERT ON "TrackerLink"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION link_state_count_apply();
CREATE TRIGGER "TrackerLink_count_update" AFTER UPDATE ON "TrackerLink"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION link_state_count_apply();
CREATE TRIGGER "TrackerLink_count_delete" AFTER DELETE ON "TrackerLink"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION link_state_count_apply();

-- The links that exist already.
INSERT INTO "LinkStateCount" (tracker, "syncState", n)
SELECT tracker, "syncState", count(*)::int FROM "TrackerLink" GROUP BY 1, 2;
