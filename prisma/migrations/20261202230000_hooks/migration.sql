-- Outgoing webhooks (issue 16): the hooks and their deliveries, the hooks' outbox written with each change.
-- CreateTable
CREATE TABLE "Hook" (
    "id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[],
    "description" TEXT,
    "secret" TEXT NOT NULL,
    "previousSecret" TEXT,
    "previousUntil" TIMESTAMPTZ(3),
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "disabledReason" TEXT,
    "failingSince" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Hook_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HookDelivery" (
    "id" TEXT NOT NULL,
    "hookId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "subjectId" UUID NOT NULL,
    "change" JSONB,
    "body" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastAttemptAt" TIMESTAMPTZ(3),
    "responseStatus" INTEGER,
    "responseExcerpt" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "HookDelivery_status_nextAttemptAt_idx" ON "HookDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "HookDelivery_hookId_createdAt_idx" ON "HookDelivery"("hookId", "createdAt");

-- AddForeignKey
ALTER TABLE "HookDelivery" ADD CONSTRAINT "HookDelivery_hookId_fkey" FOREIGN KEY ("hookId") REFERENCES "Hook"("id") ON DELETE CASCADE ON UPDATE CASCADE;

