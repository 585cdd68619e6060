-- A sync job in two round trips where it took four (issue 17: each statement's socket write was the largest
-- share of the service's CPU per ticket).
--
-- defect_sync_lock_and_start: as defect_sync_lock_wait_and_query (20261204180000), with an `ensure` statement
-- run once the lock is held and before the read (the link row a create writes before its first call), so the
-- read sees its row. The first row is {"waited": …, "ensured": …}: ensured tells whether `ensure` changed a row.
-- `ensure` gets a, b, c and d as $1…$4; the read a and b.
CREATE FUNCTION defect_sync_lock_and_start(lock_key text, query text, a text, b text, ensure text, c text, d text) RETURNS SETOF json
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  k bigint := hashtextextended(lock_key, 0);
  waited boolean := NOT pg_try_advisory_lock(k);
  changed bigint := 0;
BEGIN
  IF waited THEN
    PERFORM pg_advisory_lock(k);
  END IF;
  IF ensure IS NOT NULL THEN
    EXECUTE ensure USING a, b, c, d;
    GET DIAGNOSTICS changed = ROW_COUNT;
  END IF;
  RETURN NEXT json_build_object('waited', waited, 'ensured', changed > 0);
  RETURN QUERY EXECUTE 'SELECT row_to_json(x) FROM (' || query || ') x' USING a, b;
END
$$;

-- A job's final write, committed, and only then its lock released, in one CALL: released before the commit
-- (in the write's own statement), the next holder's read could miss the write. `query` gets p1…p16 as text
-- ($1…$16, cast where used); its rows come back as a JSON array in `result`. Should the write fail, nothing
-- commits and the lock stays held: the caller releases it (or closes the connection) as before.
CREATE PROCEDURE defect_sync_write_and_unlock(
  lock_key text, query text,
  p1 text, p2 text, p3 text, p4 text, p5 text, p6 text, p7 text, p8 text,
  p9 text, p10 text, p11 text, p12 text, p13 text, p14 text, p15 text, p16 text,
  INOUT result json DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  acc jsonb := '[]';
BEGIN
  FOR r IN EXECUTE query USING p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15, p16 LOOP
    acc := acc || jsonb_build_array(to_jsonb(r));
  END LOOP;
  COMMIT;
  PERFORM pg_advisory_unlock(hashtextextended(lock_key, 0));
  result := acc::json;
END
$$;
