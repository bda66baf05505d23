-- Queue names are case-preserving in pgmq.meta, but a queue's tables are
-- q_<lower(name)> / a_<lower(name)>.  So two spellings of one name must
-- never become two queues: create() of another spelling is refused, while
-- every other function given another spelling reaches the same tables
-- (as in PGMQ).  Re-creating the exact same name is a silent no-op.

CREATE TEMP VIEW myq_relations AS
SELECT relname FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace AND lower(relname) LIKE '%myq%';

SELECT pgmq.create('MyQ');
SELECT queue_name, is_partitioned, is_unlogged FROM pgmq.meta
 WHERE lower(queue_name) = 'myq' ORDER BY queue_name;
-- tables lowercased; the archive index keeps the spelling, as in PGMQ
SELECT relname FROM myq_relations ORDER BY relname;

---------------------------------------------------------------------------
-- exact re-create: silent, keeps the data, no second registration
---------------------------------------------------------------------------
SELECT * FROM pgmq.send('MyQ', '{"n": 1}');
SELECT pgmq.create('MyQ');
SELECT pgmq.create_non_partitioned('MyQ');
SELECT pgmq.create_queue('MyQ');
SELECT count(*) AS meta_rows FROM pgmq.meta WHERE lower(queue_name) = 'myq';
SELECT msg_id, message FROM pgmq.q_myq ORDER BY msg_id;

---------------------------------------------------------------------------
-- another spelling cannot be created, by any create function
---------------------------------------------------------------------------
SELECT try($$SELECT pgmq.create('myq')$$) AS lower_case;
SELECT try($$SELECT pgmq.create('MYQ')$$) AS upper_case;
SELECT try($$SELECT pgmq.create_non_partitioned('mYq')$$) AS non_partitioned;
SELECT try($$SELECT pgmq.create_queue('myQ')$$) AS create_queue;
SELECT try($$SELECT pgmq.create_unlogged('myq')$$) AS unlogged;
-- ... and nothing was added: one registration, the same relations
SELECT queue_name FROM pgmq.meta WHERE lower(queue_name) = 'myq' ORDER BY queue_name;
SELECT relname FROM myq_relations ORDER BY relname;
SELECT relpersistence FROM pg_class WHERE oid = 'pgmq.q_myq'::regclass;
SELECT queue_name FROM pgmq.list_queues() WHERE lower(queue_name) = 'myq';

-- a spelling registered earlier in the same, uncommitted transaction
-- counts too
BEGIN;
SELECT pgmq.create('TxQ');
SELECT try($$SELECT pgmq.create('txq')$$) AS same_transaction;
ROLLBACK;
SELECT count(*) AS txq_left FROM pgmq.meta WHERE lower(queue_name) = 'txq';

SELECT * FROM pgmq.send('MyQ', '{"n": 2}');

---------------------------------------------------------------------------
-- every other function accepts any spelling and reaches the same tables
---------------------------------------------------------------------------
SELECT * FROM pgmq.send('myq', '{"n": 3}');
SELECT * FROM pgmq.send('MYQ', '{"n": 4}', '{"h": "MYQ"}'::jsonb);
SELECT * FROM pgmq.send_batch('mYQ', ARRAY['{"n": 5}', '{"n": 6}']::jsonb[]);
SELECT msg_id, message, headers FROM pgmq.q_myq ORDER BY msg_id;

SELECT msg_id, read_ct, message FROM pgmq.read('myq', 30, 2) ORDER BY msg_id;
SELECT msg_id, read_ct, message FROM pgmq.read_with_poll('MYQ', 30, 2, 0, 100) ORDER BY msg_id;
SELECT msg_id, read_ct FROM pgmq.set_vt('mYq', 3::bigint, 0) ORDER BY msg_id;
SELECT msg_id, message FROM pgmq.pop('MYQ') ORDER BY msg_id;
SELECT pgmq.delete('myq', 1::bigint) AS deleted;
SELECT * FROM pgmq.delete('MyQ', ARRAY[2]::bigint[]);
SELECT pgmq.archive('MYQ', 4::bigint) AS archived;
SELECT * FROM pgmq.archive('myq', ARRAY[5]::bigint[]);
SELECT msg_id, message FROM pgmq.a_myq ORDER BY msg_id;
SELECT msg_id, message FROM pgmq.q_myq ORDER BY msg_id;

-- metrics echoes the spelling it was given; metrics_all and list_queues
-- show the registered one
SELECT queue_name, queue_length, total_messages FROM pgmq.metrics('MYQ');
SELECT queue_name, queue_length, total_messages FROM pgmq.metrics('myq');
SELECT queue_name, queue_length, total_messages FROM pgmq.metrics_all()
 WHERE lower(queue_name) = 'myq';
SELECT pgmq.purge_queue('mYQ') AS purged;
SELECT count(*) AS left_in_queue FROM pgmq.q_myq;

---------------------------------------------------------------------------
-- drop_queue with another spelling drops the queue and its registration
---------------------------------------------------------------------------
SELECT pgmq.drop_queue('MYQ');
SELECT relname FROM myq_relations ORDER BY relname;
SELECT count(*) AS meta_rows FROM pgmq.meta WHERE lower(queue_name) = 'myq';
SELECT pgmq.drop_queue('myQ');

-- once it is gone, another spelling can be created, and then it owns the name
SELECT pgmq.create('myq');
SELECT try($$SELECT pgmq.create('MyQ')$$) AS old_spelling;
SELECT queue_name FROM pgmq.meta WHERE lower(queue_name) = 'myq' ORDER BY queue_name;
SELECT relname FROM myq_relations ORDER BY relname;
SELECT * FROM pgmq.send('MyQ', '{"fresh": true}');
SELECT pgmq.drop_queue('myq');
SELECT relname FROM myq_relations ORDER BY relname;
SELECT count(*) AS meta_rows FROM pgmq.meta WHERE lower(queue_name) = 'myq';

---------------------------------------------------------------------------
-- only case folds: names that differ in any other character are distinct
---------------------------------------------------------------------------
SELECT n, try(format('SELECT pgmq.create(%L)', n)) AS created
  FROM (VALUES ('p.q'), ('p-q'), ('p_q'), ('p q'), ('pq')) v(n) ORDER BY n;
-- (but case still does)
SELECT try($$SELECT pgmq.create('P.Q')$$) AS upper_case;
SELECT n, (SELECT pgmq.send(n, jsonb_build_object('to', n))) AS msg_id
  FROM (VALUES ('p.q'), ('p-q'), ('p_q'), ('p q'), ('pq')) v(n) ORDER BY n;
-- each queue holds exactly its own message
SELECT n, array_agg(r.message->>'to') AS messages
  FROM (VALUES ('p.q'), ('p-q'), ('p_q'), ('p q'), ('pq')) v(n),
       LATERAL pgmq.read(n, 30, 10) r
 GROUP BY n ORDER BY n;
SELECT queue_name FROM pgmq.list_queues()
 WHERE queue_name IN ('p.q', 'p-q', 'p_q', 'p q', 'pq') ORDER BY queue_name;
SELECT n, pgmq.drop_queue(n) FROM (VALUES ('p.q'), ('p-q'), ('p_q'), ('p q'), ('pq')) v(n) ORDER BY n;

DROP VIEW myq_relations;
