-- The queues each outbox row was published to, for the reconciler's check of first jobs lost with Redis.
-- Rows published before this migration have none (they are pruned within a day).
-- AlterTable
ALTER TABLE "OutboxEvent" ADD COLUMN     "publishedTo" TEXT[] DEFAULT ARRAY[]::TEXT[];

