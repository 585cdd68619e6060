-- The sync lock's first round trip, as defect_sync_lock_and_query (20261203080000), but telling whether
-- the lock had to be waited for (another worker held it), so contention between workers is counted
-- (metric defect_sync_lock_waits_total). The first row is always {"waited": true|false}; the read's rows
-- follow in order. The older function stays for processes of the previous release during a rolling deploy.
CREATE FUNCTION defect_sync_lock_wait_and_query(lock_key text, query text, a text, b text) RETURNS SETOF json
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  k bigint := hashtextextended(lock_key, 0);
  waited boolean := NOT pg_try_advisory_lock(k);
BEGIN
  IF waited THEN
    PERFORM pg_advisory_lock(k);
  END IF;
  RETURN NEXT json_build_object('waited', waited);
  RETURN QUERY EXECUTE 'SELECT row_to_json(x) FROM (' || query || ') x' USING a, b;
END
$$;
