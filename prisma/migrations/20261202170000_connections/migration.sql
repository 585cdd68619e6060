-- A connection, not a tracker kind, is the key (issue 14). Every table keyed by "tracker" is keyed by
-- "connection" (the connection's name) instead; TrackerLink keeps "tracker" as the connection's kind, a
-- property, never part of a key. Existing rows become rows of the connections the environment-only set-up
-- defines (github, jira, asana): nothing is re-created, and each adopts its target at its first start.

-- CreateEnum
CREATE TYPE "ConnectionStatus" AS ENUM ('active', 'retired');

-- CreateTable
CREATE TABLE "Connection" (
    "name" TEXT NOT NULL,
    "kind" "TrackerKind" NOT NULL,
    "targetKey" TEXT NOT NULL DEFAULT '',
    "status" "ConnectionStatus" NOT NULL DEFAULT 'active',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Connection_pkey" PRIMARY KEY ("name")
);
CREATE INDEX "Connection_kind_idx" ON "Connection"("kind");
CREATE TRIGGER "Connection_updatedAt" BEFORE INSERT OR UPDATE ON "Connection" FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();

-- The environment-only connections, named after their kind, so every existing row has its connection.
INSERT INTO "Connection" ("name", "kind") VALUES ('github', 'github'), ('jira', 'jira'), ('asana', 'asana');

-- TrackerLink: keyed by (defect, connection) and (connection, ticket).
DROP INDEX "TrackerLink_defectId_tracker_key";
DROP INDEX "TrackerLink_live_ticket_key";
DROP INDEX "TrackerLink_tracker_lastSyncedAt_idx";
DROP INDEX "TrackerLink_tracker_remoteId_idx";
DROP INDEX "TrackerLink_tracker_syncState_lastAttemptAt_idx";
ALTER TABLE "TrackerLink" ADD COLUMN "connection" TEXT;
-- Filling the new column is not a change of the link: its updatedAt (which the reconciler and the
-- lost-job check compare) keeps its value, so the database's stamp is off for this one statement.
ALTER TABLE "TrackerLink" DISABLE TRIGGER "TrackerLink_updatedAt";
UPDATE "TrackerLink" SET "connection" = tracker::text;
ALTER TABLE "TrackerLink" ENABLE TRIGGER "TrackerLink_updatedAt";
ALTER TABLE "TrackerLink" ALTER COLUMN "connection" SET NOT NULL;
CREATE INDEX "TrackerLink_connection_remoteId_idx" ON "TrackerLink"("connection", "remoteId");
CREATE INDEX "TrackerLink_connection_syncState_lastAttemptAt_idx" ON "TrackerLink"("connection", "syncState", "lastAttemptAt");
CREATE INDEX "TrackerLink_connection_lastSyncedAt_idx" ON "TrackerLink"("connection", "lastSyncedAt");
CREATE UNIQUE INDEX "TrackerLink_defectId_connection_key" ON "TrackerLink"("defectId", "connection");
CREATE UNIQUE INDEX "TrackerLink_live_ticket_key" ON "TrackerLink"("connection", "remoteId") WHERE ("remoteId" IS NOT NULL AND "syncState" <> 'missing');
ALTER TABLE "TrackerLink" ADD CONSTRAINT "TrackerLink_connection_fkey" FOREIGN KEY ("connection") REFERENCES "Connection"("name") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The other tables: the tracker column becomes the connection's name, values kept.
DROP INDEX "InboundEvent_tracker_contentKey_key";
DROP INDEX "InboundEvent_tracker_deliveryId_key";
DROP INDEX "InboundEvent_tracker_receivedAt_idx";
ALTER TABLE "InboundEvent" RENAME COLUMN "tracker" TO "connection";
ALTER TABLE "InboundEvent" ALTER COLUMN "connection" TYPE TEXT USING "connection"::text;
CREATE INDEX "InboundEvent_connection_receivedAt_idx" ON "InboundEvent"("connection", "receivedAt");
CREATE UNIQUE INDEX "InboundEvent_connection_deliveryId_key" ON "InboundEvent"("connection", "deliveryId");
CREATE UNIQUE INDEX "InboundEvent_connection_contentKey_key" ON "InboundEvent"("connection", "contentKey");

DROP INDEX "SyncConflict_tracker_decidedAt_idx";
ALTER TABLE "SyncConflict" RENAME COLUMN "tracker" TO "connection";
ALTER TABLE "SyncConflict" ALTER COLUMN "connection" TYPE TEXT USING "connection"::text;
CREATE INDEX "SyncConflict_connection_decidedAt_idx" ON "SyncConflict"("connection", "decidedAt");

ALTER TABLE "SyncActivity" RENAME COLUMN "tracker" TO "connection";
ALTER TABLE "SyncActivity" ALTER COLUMN "connection" TYPE TEXT USING "connection"::text;

ALTER TABLE "PollCursor" RENAME CONSTRAINT "PollCursor_pkey" TO "PollCursor_pkey_old";
ALTER TABLE "PollCursor" RENAME COLUMN "tracker" TO "connection";
ALTER TABLE "PollCursor" ALTER COLUMN "connection" TYPE TEXT USING "connection"::text;
ALTER TABLE "PollCursor" DROP CONSTRAINT "PollCursor_pkey_old", ADD CONSTRAINT "PollCursor_pkey" PRIMARY KEY ("connection");

DROP INDEX "WebhookRegistration_tracker_resource_state_idx";
ALTER TABLE "WebhookRegistration" RENAME COLUMN "tracker" TO "connection";
ALTER TABLE "WebhookRegistration" ALTER COLUMN "connection" TYPE TEXT USING "connection"::text;
CREATE INDEX "WebhookRegistration_connection_resource_state_idx" ON "WebhookRegistration"("connection", "resource", "state");

-- Link counts per connection and state, kept by the same statement-level triggers (now by connection).
ALTER TABLE "LinkStateCount" DROP CONSTRAINT "LinkStateCount_pkey";
ALTER TABLE "LinkStateCount" RENAME COLUMN "tracker" TO "connection";
ALTER TABLE "LinkStateCount" ALTER COLUMN "connection" TYPE TEXT USING "connection"::text;
ALTER TABLE "LinkStateCount" ADD CONSTRAINT "LinkStateCount_pkey" PRIMARY KEY ("connection", "syncState");

CREATE OR REPLACE FUNCTION link_state_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "LinkStateCount" (connection, "syncState", n)
    SELECT connection, "syncState", count(*)::int FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (connection, "syncState") DO UPDATE SET n = "LinkStateCount".n + EXCLUDED.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "LinkStateCount" (connection, "syncState", n)
    SELECT connection, "syncState", -count(*)::int FROM old_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (connection, "syncState") DO UPDATE SET n = "LinkStateCount".n + EXCLUDED.n;
  ELSE
    INSERT INTO "LinkStateCount" (connection, "syncState", n)
    SELECT connection, "syncState", sum(d)::int FROM (
      SELECT n.connection, n."syncState", 1 AS d FROM new_rows n JOIN old_rows o ON o.id = n.id
       WHERE (o.connection, o."syncState") IS DISTINCT FROM (n.connection, n."syncState")
      UNION ALL
      SELECT o.connection, o."syncState", -1 FROM new_rows n JOIN old_rows o ON o.id = n.id
       WHERE (o.connection, o."syncState") IS DISTINCT FROM (n.connection, n."syncState")
    ) changes GROUP BY 1, 2 HAVING sum(d) <> 0 ORDER BY 1, 2
    ON CONFLICT (connection, "syncState") DO UPDATE SET n = "LinkStateCount".n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;
