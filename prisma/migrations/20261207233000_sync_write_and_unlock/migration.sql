-- A sync job in two round trips where it took four (issue 17: each statement costs the service a socket
-- write and a wake-up of the database), without planning its statements at every call: dynamic SQL
-- (EXECUTE) is planned each time, which for a job's read cost the database about 0.5 ms of CPU per job,
-- more than the rest of the job (measured: 775 µs a job for lock and read, 145 µs for the read prepared).
--
-- defect_sync_run_prepared: runs `query` ($1…$n, all text, cast where used) as a prepared statement of the
-- session, prepared the first time the session runs that text (named by its hash): planned once per
-- connection, like a statement the client prepares. Its rows come back as JSON (times as ISO text).
CREATE FUNCTION defect_sync_run_prepared(query text, args text[]) RETURNS SETOF json
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  n int := coalesce(array_length(args, 1), 0);
  stmt text := 'defect_sync_' || md5(n || ':' || query);
  r record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_prepared_statements p WHERE p.name = stmt) THEN
    EXECUTE format('PREPARE %I%s AS %s', stmt, CASE WHEN n > 0 THEN format('(%s)', array_to_string(array_fill('text'::text, ARRAY[n]), ', ')) ELSE '' END, query);
  END IF;
  FOR r IN EXECUTE format('EXECUTE %I%s', stmt, CASE WHEN n > 0 THEN format('(%s)', (SELECT string_agg(quote_nullable(v), ', ' ORDER BY i) FROM unnest(args) WITH ORDINALITY AS t(v, i))) ELSE '' END) LOOP
    RETURN NEXT to_json(r);
  END LOOP;
END
$$;

-- A job's first round trip, as defect_sync_lock_wait_and_query (20261204180000), with an `ensure` statement
-- run once the lock is held and before the read (the link row a first create writes before its call), so
-- the read sees its row. Both run prepared. The first row is {"waited": …, "ensured": …}: whether the lock
-- had to be waited for, and whether `ensure` returned a row; the read's rows follow in order.
CREATE FUNCTION defect_sync_lock_and_start(lock_key text, query text, args text[], ensure text, ensure_args text[]) RETURNS SETOF json
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  k bigint := hashtextextended(lock_key, 0);
  waited boolean := NOT pg_try_advisory_lock(k);
  ensured boolean := false;
BEGIN
  IF waited THEN
    PERFORM pg_advisory_lock(k);
  END IF;
  IF ensure IS NOT NULL THEN
    ensured := EXISTS (SELECT 1 FROM defect_sync_run_prepared(ensure, ensure_args));
  END IF;
  RETURN NEXT json_build_object('waited', waited, 'ensured', ensured);
  RETURN QUERY SELECT * FROM defect_sync_run_prepared(query, args);
END
$$;

-- A job's final write, committed, and only then its lock released, in one CALL: released before the commit
-- (in the write's own statement), the next holder's read could miss the write. The write runs prepared; its
-- rows come back as a JSON array in `result`. Should it fail, nothing commits and the lock stays held: the
-- caller releases it (or closes the connection) as before.
CREATE PROCEDURE defect_sync_write_and_unlock(lock_key text, query text, args text[], INOUT result json DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
  SELECT coalesce(json_agg(j), '[]'::json) INTO result FROM defect_sync_run_prepared(query, args) AS j;
  COMMIT;
  PERFORM pg_advisory_unlock(hashtextextended(lock_key, 0));
END
$$;
