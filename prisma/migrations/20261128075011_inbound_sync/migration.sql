-- CreateTable
CREATE TABLE "InboundEvent" (
    "id" BIGSERIAL NOT NULL,
    "tracker" "TrackerKind" NOT NULL,
    "deliveryId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "remoteIds" TEXT[],
    "source" TEXT NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "queuedAt" TIMESTAMPTZ(3),

    CONSTRAINT "InboundEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SyncConflict" (
    "id" BIGSERIAL NOT NULL,
    "defectId" UUID NOT NULL,
    "tracker" "TrackerKind" NOT NULL,
    "field" TEXT NOT NULL,
    "defectValue" JSONB NOT NULL,
    "remoteValue" JSONB NOT NULL,
    "defectChangedAt" TIMESTAMPTZ(3),
    "remoteChangedAt" TIMESTAMPTZ(3),
    "winner" TEXT NOT NULL,
    "decidedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SyncConflict_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PollCursor" (
    "tracker" "TrackerKind" NOT NULL,
    "cursor" TIMESTAMPTZ(3) NOT NULL,
    "lastPollAt" TIMESTAMPTZ(3),
    "lastError" TEXT,

    CONSTRAINT "PollCursor_pkey" PRIMARY KEY ("tracker")
);

-- CreateTable
CREATE TABLE "WebhookRegistration" (
    "id" UUID NOT NULL,
    "tracker" "TrackerKind" NOT NULL,
    "resource" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "secret" TEXT,
    "remoteId" TEXT,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "lastError" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WebhookRegistration_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "InboundEvent_queuedAt_receivedAt_idx" ON "InboundEvent"("queuedAt", "receivedAt");

-- CreateIndex
CREATE INDEX "InboundEvent_tracker_receivedAt_idx" ON "InboundEvent"("tracker", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "InboundEvent_tracker_deliveryId_key" ON "InboundEvent"("tracker", "deliveryId");

-- CreateIndex
CREATE INDEX "SyncConflict_decidedAt_idx" ON "SyncConflict"("decidedAt");

-- CreateIndex
CREATE INDEX "SyncConflict_defectId_decidedAt_idx" ON "SyncConflict"("defectId", "decidedAt");

-- CreateIndex
CREATE INDEX "SyncConflict_tracker_decidedAt_idx" ON "SyncConflict"("tracker", "decidedAt");

-- CreateIndex
CREATE INDEX "WebhookRegistration_tracker_resource_state_idx" ON "WebhookRegistration"("tracker", "resource", "state");

-- AddForeignKey
ALTER TABLE "SyncConflict" ADD CONSTRAINT "SyncConflict_defectId_fkey" FOREIGN KEY ("defectId") REFERENCES "Defect"("id") ON DELETE CASCADE ON UPDATE CASCADE;
