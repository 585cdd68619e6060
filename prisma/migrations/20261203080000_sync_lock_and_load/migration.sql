-- A sync job's first round trip: take the job's advisory lock (session level, held until the job
-- unlocks it), then run the job's first read, in one statement. The read is a command of its own inside
-- this VOLATILE function, so under READ COMMITTED it takes a fresh snapshot after the lock is granted
-- and sees everything the previous holder committed before unlocking (a read in the calling statement
-- itself would use a snapshot from before the wait). `query` is the service's own constant SQL, never
-- input; its $1 and $2 are `a` and `b`. Each row comes back as json.
CREATE FUNCTION defect_sync_lock_and_query(lock_key text, query text, a text, b text) RETURNS SETOF json
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_lock(hashtextextended(lock_key, 0));
  RETURN QUERY EXECUTE 'SELECT row_to_json(x) FROM (' || query || ') x' USING a, b;
END
$$;
