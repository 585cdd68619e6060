-- One live link per ticket. Where the race this closes already linked a ticket to several defects, the
-- oldest link keeps the ticket and the others become `missing` with the reason, for a person to relink.
UPDATE "TrackerLink" AS l
SET "syncState" = 'missing',
    "lastError" = 'this ticket was also linked to another defect (older link kept); link this defect to its own ticket',
    "updatedAt" = now()
WHERE l."remoteId" IS NOT NULL AND l."syncState" <> 'missing'
  AND EXISTS (
    SELECT 1 FROM "TrackerLink" AS o
    WHERE o.tracker = l.tracker AND o."remoteId" = l."remoteId" AND o."syncState" <> 'missing'
      AND (o."createdAt", o.id) < (l."createdAt", l.id)
  );

-- CreateIndex
CREATE UNIQUE INDEX "TrackerLink_live_ticket_key" ON "TrackerLink"("tracker", "remoteId") WHERE ("remoteId" IS NOT NULL AND "syncState" <> 'missing');
