-- The generic plans of the statements src/plancache.c prepares and keeps
-- (the same SQL text, here as PREPAREd statements).  Each must be good as a
-- generic plan: the claim is an InitPlan walking the primary key with a
-- LIMIT and SKIP LOCKED, the update/delete an index lookup by msg_id --
-- never a join or full scan that a "LIMIT $n" generic plan can fall into.
SELECT pgmq.create('plans');
INSERT INTO pgmq.q_plans (vt, message)
SELECT now(), jsonb_build_object('i', g) FROM generate_series(1, 5000) g;
ANALYZE pgmq.q_plans;
SET plan_cache_mode = force_generic_plan;

PREPARE read_plan(timestamptz, timestamptz, int8) AS
UPDATE pgmq.q_plans q SET vt = $1, read_ct = q.read_ct OPERATOR(pg_catalog.+) 1, last_read_at = $2
 WHERE q.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY(
       SELECT c.msg_id FROM pgmq.q_plans c WHERE c.vt OPERATOR(pg_catalog.<=) $2
        ORDER BY c.msg_id LIMIT $3 FOR UPDATE SKIP LOCKED))
RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.last_read_at, q.vt, q.message, q.headers;
EXPLAIN (COSTS OFF) EXECUTE read_plan(now(), now(), 1);

PREPARE read_cond_plan(timestamptz, timestamptz, int8, jsonb) AS
UPDATE pgmq.q_plans q SET vt = $1, read_ct = q.read_ct OPERATOR(pg_catalog.+) 1, last_read_at = $2
 WHERE q.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY(
       SELECT c.msg_id FROM pgmq.q_plans c WHERE c.vt OPERATOR(pg_catalog.<=) $2
          AND c.message OPERATOR(pg_catalog.@>) $4
        ORDER BY c.msg_id LIMIT $3 FOR UPDATE SKIP LOCKED))
RETURNING q.msg_id;
EXPLAIN (COSTS OFF) EXECUTE read_cond_plan(now(), now(), 1, '{"i": 1}');

PREPARE pop_plan(int8, timestamptz) AS
DELETE FROM pgmq.q_plans q
 WHERE q.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY(
       SELECT c.msg_id FROM pgmq.q_plans c WHERE c.vt OPERATOR(pg_catalog.<=) $2
        ORDER BY c.msg_id LIMIT $1 FOR UPDATE SKIP LOCKED))
RETURNING q.msg_id;
EXPLAIN (COSTS OFF) EXECUTE pop_plan(1, now());

-- the same claims from the read skip hint's msg_id on (src/read.c): the
-- primary-key scan starts at the bound
PREPARE read_from_plan(timestamptz, timestamptz, int8, int8) AS
UPDATE pgmq.q_plans q SET vt = $1, read_ct = q.read_ct OPERATOR(pg_catalog.+) 1, last_read_at = $2
 WHERE q.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY(
       SELECT c.msg_id FROM pgmq.q_plans c WHERE c.vt OPERATOR(pg_catalog.<=) $2
          AND c.msg_id OPERATOR(pg_catalog.>=) $4
        ORDER BY c.msg_id LIMIT $3 FOR UPDATE SKIP LOCKED))
RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.last_read_at, q.vt, q.message, q.headers;
EXPLAIN (COSTS OFF) EXECUTE read_from_plan(now(), now(), 1, 1);

PREPARE read_cond_from_plan(timestamptz, timestamptz, int8, jsonb, int8) AS
UPDATE pgmq.q_plans q SET vt = $1, read_ct = q.read_ct OPERATOR(pg_catalog.+) 1, last_read_at = $2
 WHERE q.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY(
       SELECT c.msg_id FROM pgmq.q_plans c WHERE c.vt OPERATOR(pg_catalog.<=) $2
          AND c.message OPERATOR(pg_catalog.@>) $4 AND c.msg_id OPERATOR(pg_catalog.>=) $5
        ORDER BY c.msg_id LIMIT $3 FOR UPDATE SKIP LOCKED))
RETURNING q.msg_id;
EXPLAIN (COSTS OFF) EXECUTE read_cond_from_plan(now(), now(), 1, '{"i": 1}', 1);

PREPARE pop_from_plan(int8, timestamptz, int8) AS
DELETE FROM pgmq.q_plans q
 WHERE q.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY(
       SELECT c.msg_id FROM pgmq.q_plans c WHERE c.vt OPERATOR(pg_catalog.<=) $2
          AND c.msg_id OPERATOR(pg_catalog.>=) $3
        ORDER BY c.msg_id LIMIT $1 FOR UPDATE SKIP LOCKED))
RETURNING q.msg_id;
EXPLAIN (COSTS OFF) EXECUTE pop_from_plan(1, now(), 1);

-- the skip hint's probe (one descent) and its walk of the head (no locks)
PREPARE lowest_id_plan AS
SELECT c.msg_id FROM pgmq.q_plans c ORDER BY c.msg_id LIMIT 1;
EXPLAIN (COSTS OFF) EXECUTE lowest_id_plan;

PREPARE skip_hint_plan(timestamptz) AS
SELECT c.msg_id FROM pgmq.q_plans c WHERE c.vt OPERATOR(pg_catalog.<=) $1
 ORDER BY c.msg_id LIMIT 1;
EXPLAIN (COSTS OFF) EXECUTE skip_hint_plan(now());

-- send_batch: unnest in the select list runs as a ProjectSet, streaming rows
-- in array order with no tuplestore or sort in between
PREPARE send_batch_plan(timestamptz, jsonb[], jsonb[]) AS
INSERT INTO pgmq.q_plans (vt, message, headers)
SELECT $1, pg_catalog.unnest($2), pg_catalog.unnest($3) RETURNING msg_id;
EXPLAIN (COSTS OFF) EXECUTE send_batch_plan(now(), ARRAY['{}']::jsonb[], NULL);

PREPARE send_batch_bare_plan(timestamptz, jsonb[]) AS
INSERT INTO pgmq.q_plans (vt, message)
SELECT $1, pg_catalog.unnest($2) RETURNING msg_id;
EXPLAIN (COSTS OFF) EXECUTE send_batch_bare_plan(now(), ARRAY['{}']::jsonb[]);

PREPARE delete_plan(int8) AS
DELETE FROM pgmq.q_plans WHERE msg_id OPERATOR(pg_catalog.=) $1 RETURNING msg_id;
EXPLAIN (COSTS OFF) EXECUTE delete_plan(1);

PREPARE delete_batch_plan(int8[]) AS
DELETE FROM pgmq.q_plans WHERE msg_id OPERATOR(pg_catalog.=) ANY ($1) RETURNING msg_id;
EXPLAIN (COSTS OFF) EXECUTE delete_batch_plan(ARRAY[1, 2]);

PREPARE archive_batch_plan(int8[]) AS
WITH moved AS (DELETE FROM pgmq.q_plans WHERE msg_id OPERATOR(pg_catalog.=) ANY ($1)
               RETURNING msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers)
INSERT INTO pgmq.a_plans (msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers)
SELECT msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers FROM moved RETURNING msg_id;
EXPLAIN (COSTS OFF) EXECUTE archive_batch_plan(ARRAY[1, 2]);

PREPARE set_vt_plan(int8, timestamptz) AS
UPDATE pgmq.q_plans SET vt = $2 WHERE msg_id OPERATOR(pg_catalog.=) $1
RETURNING msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers;
EXPLAIN (COSTS OFF) EXECUTE set_vt_plan(1, now());

DEALLOCATE ALL;
RESET plan_cache_mode;

-- the real functions on a queue of 5000: a read of 1 touches a handful of rows
SELECT msg_id FROM pgmq.read('plans', 30, 1);
SELECT count(*) FROM pgmq.read('plans', 30, 100);
SELECT pgmq.drop_queue('plans');
