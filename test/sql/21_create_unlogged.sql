-- create_unlogged: the queue table is UNLOGGED, the archive stays logged.
SELECT pgmq.create_unlogged('ul');
SELECT relname, relpersistence FROM pg_class
 WHERE oid IN ('pgmq.q_ul'::regclass, 'pgmq.a_ul'::regclass) ORDER BY relname;
SELECT queue_name, is_unlogged FROM pgmq.list_queues() WHERE queue_name = 'ul';
-- ...but its msg_id sequence is logged: a crash empties the queue without
-- resetting the counter, so ids are never reused (and never collide with
-- the archive's).  stress/run.sh shows it across a real crash.
SELECT relpersistence AS msg_id_seq_persistence FROM pg_class
 WHERE oid = pg_get_serial_sequence('pgmq.q_ul', 'msg_id')::regclass;

-- it works like any queue
SELECT * FROM pgmq.send('ul', '{"x": 1}');
SELECT msg_id, read_ct, message FROM pgmq.read('ul', 10, 5);
SELECT pgmq.archive('ul', 1);
SELECT msg_id, message FROM pgmq.a_ul;

-- create_unlogged on an existing logged queue does not convert it
SELECT pgmq.create('ul_logged');
SELECT pgmq.create_unlogged('ul_logged');
SELECT relpersistence FROM pg_class WHERE oid = 'pgmq.q_ul_logged'::regclass;

-- a queue whose table is unlogged is registered as such even via create()
CREATE UNLOGGED TABLE pgmq.q_ul_adopted (LIKE pgmq.q_ul INCLUDING ALL);
SELECT pgmq.create('ul_adopted');
SELECT queue_name, is_unlogged FROM pgmq.list_queues() WHERE queue_name = 'ul_adopted';

SELECT pgmq.drop_queue('ul'), pgmq.drop_queue('ul_logged'), pgmq.drop_queue('ul_adopted');
