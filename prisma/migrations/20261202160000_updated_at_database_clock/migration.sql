-- Every "updatedAt" is the database's clock. Prisma's @updatedAt stamps the writing process's clock, and
-- the reconciler and the lost-job check compare these columns with now() and with rows stamped by the
-- database ("InboundEvent"."receivedAt"): an API host or worker whose clock is off would make a link look
-- untouched for ten minutes, or touched after a notice it never saw. One trigger, whoever writes.
-- A transaction that states its own times (a bulk load, a test's fixture of stale rows) says so with
-- set_config('defect_sync.given_updated_at', 'on', true); nothing in the service does.
CREATE FUNCTION stamp_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('defect_sync.given_updated_at', true), '') <> 'on' THEN
    NEW."updatedAt" := now();
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "TrackerLink_updatedAt" BEFORE INSERT OR UPDATE ON "TrackerLink" FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();
CREATE TRIGGER "Defect_updatedAt" BEFORE INSERT OR UPDATE ON "Defect" FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();
CREATE TRIGGER "WebhookRegistration_updatedAt" BEFORE INSERT OR UPDATE ON "WebhookRegistration" FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();
