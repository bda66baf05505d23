-- Partitioned queues through pg_partman: create_partitioned,
-- convert_archive_partitioned, every send/read/ack path on them, their
-- kept plans, retention, metrics, and drop_queue's clean-up of pg_partman.

-- Without pg_partman: a clear error, and nothing is created
SELECT public.try($$SELECT pgmq.create_partitioned('pq_nopartman')$$);
SELECT count(*) AS tables FROM pg_class WHERE relname LIKE '%pq_nopartman%';
SELECT count(*) AS registered FROM pgmq.meta WHERE queue_name = 'pq_nopartman';
SELECT pgmq.create('plain_q');
SELECT public.try($$SELECT pgmq.convert_archive_partitioned('plain_q')$$);
SELECT relkind FROM pg_class WHERE oid = 'pgmq.a_plain_q'::regclass;

CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;

-- Bad input: each a clear error with its SQLSTATE, nothing half-written
SELECT public.try($$SELECT pgmq.create_partitioned(NULL)$$);
SELECT public.try($$SELECT pgmq.create_partitioned('pq_bad', NULL)$$);
SELECT public.try($$SELECT pgmq.create_partitioned('pq_bad', '  ')$$);
SELECT public.try($$SELECT pgmq.create_partitioned('pq_bad', '10', '')$$);
SELECT public.try($$SELECT pgmq.create_partitioned('pq_bad', '10', '20', NULL)$$);
SELECT public.try($$SELECT pgmq.create_partitioned('pq_bad', '10', '20', 0)$$);
SELECT public.try($$SELECT pgmq.create_partitioned('pq_bad', '10', '20', -3)$$);
SELECT public.try($$SELECT pgmq.create_partitioned('pq.bad')$$);
SELECT public.try($$SELECT pgmq.create_partitioned('pq bad')$$);
SELECT public.try($$SELECT pgmq.create_partitioned('pq-bad')$$);
SELECT public.try($$SELECT pgmq.create_partitioned('pq;bad')$$);
SELECT public.try($$SELECT pgmq.create_partitioned(repeat('p', 48))$$);
-- pg_partman rejects an interval it cannot read; the whole call rolls back
SELECT split_part(public.try($$SELECT pgmq.create_partitioned('pq_bad', '1 fortnight')$$), ':', 1) AS sqlstate;
SELECT count(*) AS tables FROM pg_class WHERE relname LIKE '%pq_bad%';
SELECT count(*) AS configured FROM partman.part_config WHERE parent_table LIKE '%pq_bad%';
SELECT count(*) AS registered FROM pgmq.meta WHERE queue_name = 'pq_bad';

-- By msg_id: an integer interval.  Mixed case works (the table is lowercase).
SELECT pgmq.create_partitioned('ById', '10', '30', 2);
SELECT c.relname, c.relkind, pg_get_partkeydef(c.oid) AS partition_key
  FROM pg_class c WHERE c.oid IN ('pgmq.q_byid'::regclass, 'pgmq.a_byid'::regclass) ORDER BY 1;
-- PGMQ's layout: identity by default, no primary key, no vt index
SELECT attname, attidentity FROM pg_attribute
 WHERE attrelid = 'pgmq.q_byid'::regclass AND attname = 'msg_id';
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) AS definition FROM pg_index
 WHERE indrelid IN ('pgmq.q_byid'::regclass, 'pgmq.a_byid'::regclass) ORDER BY 1::text;
SELECT inhrelid::regclass AS partition FROM pg_inherits
 WHERE inhparent = 'pgmq.q_byid'::regclass ORDER BY 1::text;
SELECT parent_table, control, partition_interval, premake, retention, retention_keep_table,
       retention_keep_index, automatic_maintenance, infinite_time_partitions, template_table
  FROM partman.part_config WHERE parent_table LIKE 'pgmq.%byid' ORDER BY 1;
SELECT queue_name, is_partitioned, is_unlogged FROM pgmq.list_queues() WHERE queue_name = 'ById';
SELECT pg_get_serial_sequence('pgmq.q_byid', 'msg_id') AS sequence;

-- Calling it again fills in what is missing and changes nothing else
DROP INDEX pgmq.q_byid_part_idx;
SELECT pgmq.create_partitioned('ById', '10', '999', 3);
SELECT to_regclass('pgmq.q_byid_part_idx') IS NOT NULL AS index_back;
SELECT retention, premake FROM partman.part_config WHERE parent_table = 'pgmq.q_byid';
-- another spelling of a registered name is refused, as for create()
SELECT public.try($$SELECT pgmq.create_partitioned('BYID')$$);
-- an existing unpartitioned queue is not converted
SELECT public.try($$SELECT pgmq.create_partitioned('plain_q')$$);
SELECT relkind FROM pg_class WHERE oid = 'pgmq.q_plain_q'::regclass;
-- and create() on a partitioned queue leaves it as it is
SELECT pgmq.create('ById');
SELECT to_regclass('pgmq.q_byid_vt_idx') IS NULL AS no_vt_index;

-- Every path works on it, through the kept plans
SELECT * FROM pgmq.send('ById', '{"n": 1}');
SELECT * FROM pgmq.send('ById', '{"n": 2}', '{"h": 1}'::jsonb, 0);
SELECT * FROM pgmq.send_batch('ById', ARRAY['{"n": 3}', '{"n": 4}', '{"n": 5}']::jsonb[]);
SELECT * FROM pgmq.send('ById', '{"n": 6}', 3600);
SELECT msg_id, read_ct, message FROM pgmq.read('ById', 30, 2) ORDER BY msg_id;
SELECT msg_id, message FROM pgmq.read('ById', 30, 5, '{"n": 4}') ORDER BY msg_id;
SELECT msg_id FROM pgmq.set_vt('ById', 1, 0);
SELECT msg_id, read_ct FROM pgmq.read('ById', 30, 1);
SELECT msg_id, message FROM pgmq.pop('ById');
SELECT pgmq.delete('ById', 1::bigint) AS deleted, pgmq.archive('ById', 2::bigint) AS archived;
SELECT * FROM pgmq.archive('ById', ARRAY[4, 99]::bigint[]);
SELECT msg_id, read_ct, message FROM pgmq.a_byid ORDER BY msg_id;
SELECT queue_name, queue_length, queue_visible_length, total_messages, default_partition_length
  FROM pgmq.metrics('ById');
SELECT count(*) FROM pgmq.read_with_poll('ById', 30, 1, 1, 10);
SELECT count(*) FROM pgmq.read_grouped('ById', 30, 5);

-- The statements the extension keeps, as generic plans on the partitioned
-- table: the claim is a Merge Append of msg_id index scans; a delete by id
-- prunes to one partition at execution
CREATE FUNCTION pg_temp.plan_lines(stmt text, pattern text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || stmt LOOP
        IF line ~ pattern THEN
            RETURN NEXT pg_catalog.btrim(line);
        END IF;
    END LOOP;
END
$$;
SET plan_cache_mode = force_generic_plan;
PREPARE part_read(timestamptz, timestamptz, int8) AS
UPDATE pgmq.q_byid q SET vt = $1, read_ct = q.read_ct OPERATOR(pg_catalog.+) 1, last_read_at = $2
 WHERE q.msg_id OPERATOR(pg_catalog.=) ANY (ARRAY(
       SELECT c.msg_id FROM pgmq.q_byid c WHERE c.vt OPERATOR(pg_catalog.<=) $2
        ORDER BY c.msg_id LIMIT $3 FOR UPDATE SKIP LOCKED))
RETURNING q.msg_id;
SELECT pg_temp.plan_lines('EXECUTE part_read(now(), now(), 1)',
                           '(InitPlan|Limit|LockRows|Merge Append|Sort Key|on q_byid_p0 c)');
PREPARE part_delete(int8) AS
DELETE FROM pgmq.q_byid WHERE msg_id OPERATOR(pg_catalog.=) $1 RETURNING msg_id;
EXPLAIN (COSTS OFF, ANALYZE, TIMING OFF, SUMMARY OFF) EXECUTE part_delete(6);
RESET plan_cache_mode;

-- Maintenance: as ids advance, pg_partman's run_maintenance() makes new
-- partitions ahead (premake) and drops those older than the retention
-- (30 ids), messages included
SELECT count(*) FROM pgmq.send_batch('ById', array_fill('{}'::jsonb, ARRAY[10]));
SELECT partman.run_maintenance('pgmq.q_byid');
SELECT count(*) FROM pgmq.send_batch('ById', array_fill('{}'::jsonb, ARRAY[10]));
SELECT partman.run_maintenance('pgmq.q_byid');
SELECT count(*) FROM pgmq.send_batch('ById', array_fill('{}'::jsonb, ARRAY[10]));
SELECT partman.run_maintenance('pgmq.q_byid');
SELECT inhrelid::regclass AS partition FROM pg_inherits
 WHERE inhparent = 'pgmq.q_byid'::regclass ORDER BY 1::text;
SELECT min(msg_id), max(msg_id), count(*) FROM pgmq.q_byid;

-- Messages past the premade partitions land in the default partition;
-- metrics reports them (from the planner's estimate, after ANALYZE), and
-- pg_partman moves them into partitions of their own
SELECT count(*) FROM pgmq.send_batch('ById', array_fill('{}'::jsonb, ARRAY[40]));
SELECT count(*) AS in_default FROM pgmq.q_byid_default;
ANALYZE pgmq.q_byid, pgmq.a_byid;
SELECT default_partition_length FROM pgmq.metrics('ById');
SELECT partman.partition_data_id('pgmq.q_byid', p_batch_count => 10);
SELECT count(*) AS in_default FROM pgmq.q_byid_default;
SELECT count(*) AS readable FROM pgmq.read('ById', 30, 100);
SELECT partman.run_maintenance('pgmq.q_byid');
SELECT inhrelid::regclass AS partition FROM pg_inherits
 WHERE inhparent = 'pgmq.q_byid'::regclass ORDER BY 1::text;
SELECT min(msg_id), max(msg_id), count(*) FROM pgmq.q_byid;

-- By time: any other interval; the queue also gets an index on msg_id
SELECT pgmq.create_partitioned('by_time', '1 day', '7 days', 2);
SELECT c.relname, pg_get_partkeydef(c.oid) AS partition_key
  FROM pg_class c WHERE c.oid IN ('pgmq.q_by_time'::regclass, 'pgmq.a_by_time'::regclass) ORDER BY 1;
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) AS definition FROM pg_index
 WHERE indrelid IN ('pgmq.q_by_time'::regclass, 'pgmq.a_by_time'::regclass) ORDER BY 1::text;
SELECT parent_table, control, partition_interval, retention
  FROM partman.part_config WHERE parent_table LIKE 'pgmq.%by_time' ORDER BY 1;
SELECT * FROM pgmq.send_batch('by_time', ARRAY['{"t": 1}', '{"t": 2}']::jsonb[]);
SELECT msg_id, read_ct FROM pgmq.read('by_time', 0, 1);
SELECT pgmq.archive('by_time', 1::bigint), pgmq.delete('by_time', 2::bigint);
SELECT msg_id FROM pgmq.a_by_time;
SELECT queue_length, total_messages FROM pgmq.metrics('by_time');

-- A NULL retention keeps every partition
SELECT pgmq.create_partitioned('keep_all', '100', NULL);
SELECT parent_table, retention FROM partman.part_config
 WHERE parent_table LIKE 'pgmq.%keep_all' ORDER BY 1;

-- Notifications and the FIFO index work on partitioned queues too
SELECT pgmq.enable_notify_insert('keep_all', 0);
SELECT pgmq.create_fifo_index('keep_all');
SELECT * FROM pgmq.send('keep_all', '{}', '{"x-pgmq-group": "g"}'::jsonb);
SELECT msg_id FROM pgmq.read_grouped('keep_all', 30, 5);
SELECT pgmq.purge_queue('keep_all');

-- convert_archive_partitioned: PGMQ's NOTICEs for a missing or already
-- partitioned archive (texts included), then a real conversion that keeps
-- the old rows in a_<name>_old
SELECT pgmq.convert_archive_partitioned('nosuch');
SELECT pgmq.convert_archive_partitioned('ById');
SELECT public.try($$SELECT pgmq.convert_archive_partitioned(NULL)$$);
SELECT public.try($$SELECT pgmq.convert_archive_partitioned('plain_q', NULL)$$);
SELECT public.try($$SELECT pgmq.convert_archive_partitioned('plain.q')$$);
SELECT * FROM pgmq.send('plain_q', '{"old": true}');
SELECT pgmq.archive('plain_q', 1::bigint);
SELECT pgmq.convert_archive_partitioned('plain_q', '10', '100');
SELECT c.relname, c.relkind FROM pg_class c
 WHERE c.relname IN ('a_plain_q', 'a_plain_q_old', 'archived_at_idx_plain_q', 'archived_at_idx_plain_q_old')
 ORDER BY 1;
SELECT parent_table, retention, retention_keep_index, infinite_time_partitions
  FROM partman.part_config WHERE parent_table = 'pgmq.a_plain_q';
SELECT * FROM pgmq.send('plain_q', '{"new": true}');
SELECT pgmq.archive('plain_q', 2::bigint);
SELECT msg_id, message FROM pgmq.a_plain_q;
SELECT msg_id, message FROM pgmq.a_plain_q_old;
-- a second conversion finds it partitioned
SELECT pgmq.convert_archive_partitioned('plain_q');

-- drop_queue removes the tables, the registration, pg_partman's
-- configuration and its template tables
SELECT pgmq.drop_queue('ById');
SELECT pgmq.drop_queue('by_time');
SELECT pgmq.drop_queue('keep_all');
SELECT pgmq.drop_queue('plain_q');
SELECT count(*) AS configured FROM partman.part_config;
SELECT relname FROM pg_class WHERE relnamespace = 'partman'::regnamespace AND relname LIKE 'template%';
-- except the archive rows kept from before the conversion
SELECT relname FROM pg_class WHERE relname ~ '^(q|a)_(byid|by_time|keep_all|plain_q)' ORDER BY 1;
DROP TABLE pgmq.a_plain_q_old;

-- Later tests run without pg_partman
DROP EXTENSION pg_partman;
DROP SCHEMA partman;
