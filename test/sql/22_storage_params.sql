-- Storage parameters of a new queue table (README "Performance", "Held xmin
-- horizon"): vacuum_truncate off, autovacuum by a fixed count of dead rows.
-- Only new tables get them, as table defaults: the archive has none, a
-- table that exists already keeps its own, and a client's ALTER TABLE ...
-- SET (as pgmq-ruby runs) wins and survives re-creating the queue.
SELECT pgmq.create('sp');
SELECT c.relname, c.reloptions FROM pg_class c
 WHERE c.oid IN ('pgmq.q_sp'::regclass, 'pgmq.a_sp'::regclass) ORDER BY c.relname;

SELECT pgmq.create_unlogged('sp_unlogged');
SELECT reloptions FROM pg_class WHERE oid = 'pgmq.q_sp_unlogged'::regclass;

-- a client's own settings
ALTER TABLE pgmq.q_sp SET (autovacuum_vacuum_scale_factor = 0.05, fillfactor = 90);
ALTER TABLE pgmq.q_sp RESET (vacuum_truncate);
SELECT pgmq.create('sp');
SELECT reloptions FROM pg_class WHERE oid = 'pgmq.q_sp'::regclass;

-- a table made by someone else is adopted as it is
CREATE TABLE pgmq.q_sp_adopted (LIKE pgmq.q_sp_unlogged INCLUDING ALL);
SELECT pgmq.create('sp_adopted');
SELECT reloptions FROM pg_class WHERE oid = 'pgmq.q_sp_adopted'::regclass;

-- Why vacuum_truncate is off: a drained queue that VACUUM truncated to 0
-- pages is planned as empty, and a plan kept from then scans and sorts the
-- whole table on every read.  With the pages kept, the claim walks the
-- primary key.  (Generic plans, as the extension keeps them.)
SELECT pgmq.create('sp_drained');
SELECT count(*) FROM pgmq.send_batch('sp_drained', array_fill('{"a": 1}'::jsonb, ARRAY[5000]));
CREATE TABLE pgmq.q_sp_truncating (LIKE pgmq.q_sp_drained INCLUDING ALL);
INSERT INTO pgmq.q_sp_truncating (vt, message) SELECT vt, message FROM pgmq.q_sp_drained;
DELETE FROM pgmq.q_sp_drained;
DELETE FROM pgmq.q_sp_truncating;
VACUUM pgmq.q_sp_drained;
VACUUM pgmq.q_sp_truncating;
SELECT relname, relpages > 0 AS has_pages, reltuples FROM pg_class
 WHERE oid IN ('pgmq.q_sp_drained'::regclass, 'pgmq.q_sp_truncating'::regclass) ORDER BY relname;
SET plan_cache_mode = force_generic_plan;
PREPARE claim_kept(timestamptz, int8) AS
SELECT c.msg_id FROM pgmq.q_sp_drained c WHERE c.vt OPERATOR(pg_catalog.<=) $1
 ORDER BY c.msg_id LIMIT $2 FOR UPDATE SKIP LOCKED;
PREPARE claim_truncated(timestamptz, int8) AS
SELECT c.msg_id FROM pgmq.q_sp_truncating c WHERE c.vt OPERATOR(pg_catalog.<=) $1
 ORDER BY c.msg_id LIMIT $2 FOR UPDATE SKIP LOCKED;
EXPLAIN (COSTS OFF) EXECUTE claim_kept(now(), 1);
EXPLAIN (COSTS OFF) EXECUTE claim_truncated(now(), 1);
DEALLOCATE ALL;
RESET plan_cache_mode;

DROP TABLE pgmq.q_sp_truncating;
SELECT pgmq.drop_queue('sp'), pgmq.drop_queue('sp_unlogged'), pgmq.drop_queue('sp_adopted'),
       pgmq.drop_queue('sp_drained');
