-- Issue 15 part 1: defect comments and their copies on each connection's ticket (CommentLink, written before the remote call).
-- CreateEnum
CREATE TYPE "CommentLinkState" AS ENUM ('pending', 'synced', 'failed');

-- CreateTable
CREATE TABLE "Comment" (
    "id" UUID NOT NULL,
    "defectId" UUID NOT NULL,
    "body" TEXT NOT NULL,
    "authorName" TEXT NOT NULL,
    "originTracker" "TrackerKind",
    "originConnection" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "editedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "evidenceKey" TEXT,

    CONSTRAINT "Comment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CommentLink" (
    "id" UUID NOT NULL,
    "commentId" UUID NOT NULL,
    "connection" TEXT NOT NULL,
    "remoteId" TEXT,
    "state" "CommentLinkState" NOT NULL DEFAULT 'pending',
    "digest" TEXT,
    "syncedVersion" INTEGER,
    "createStartedAt" TIMESTAMPTZ(3),
    "remoteDeletedAt" TIMESTAMPTZ(3),
    "lastError" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CommentLink_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Comment_defectId_createdAt_idx" ON "Comment"("defectId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Comment_defectId_evidenceKey_key" ON "Comment"("defectId", "evidenceKey");

-- CreateIndex
CREATE INDEX "CommentLink_state_idx" ON "CommentLink"("state");

-- CreateIndex
CREATE UNIQUE INDEX "CommentLink_commentId_connection_key" ON "CommentLink"("commentId", "connection");

-- CreateIndex
CREATE UNIQUE INDEX "CommentLink_connection_remoteId_key" ON "CommentLink"("connection", "remoteId");

-- AddForeignKey
ALTER TABLE "Comment" ADD CONSTRAINT "Comment_defectId_fkey" FOREIGN KEY ("defectId") REFERENCES "Defect"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CommentLink" ADD CONSTRAINT "CommentLink_commentId_fkey" FOREIGN KEY ("commentId") REFERENCES "Comment"("id") ON DELETE CASCADE ON UPDATE CASCADE;


CREATE TRIGGER "Comment_updatedAt" BEFORE INSERT OR UPDATE ON "Comment" FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();
CREATE TRIGGER "CommentLink_updatedAt" BEFORE INSERT OR UPDATE ON "CommentLink" FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();
