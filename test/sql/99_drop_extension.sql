-- DROP EXTENSION pgmq CASCADE keeps every queue table (they are not
-- members); a new CREATE EXTENSION works with them, in the same session
-- whose plan cache still holds plans for them.  Runs last.
SELECT pgmq.create('survivor');
SELECT count(*) FROM pgmq.send_batch('survivor', ARRAY['{"n": 1}', '{"n": 2}']::jsonb[]);
SELECT msg_id FROM pgmq.read('survivor', 0, 1);

DROP EXTENSION pgmq CASCADE;
SELECT to_regclass('pgmq.q_survivor') IS NOT NULL AS queue_table_kept,
       to_regclass('pgmq.a_survivor') IS NOT NULL AS archive_table_kept,
       to_regclass('pgmq.meta') IS NULL AS meta_dropped,
       to_regnamespace('pgmq') IS NOT NULL AS schema_kept;
SELECT count(*) AS messages_kept FROM pgmq.q_survivor;

CREATE EXTENSION pgmq;
-- not registered any more, but usable; create() re-registers it
SELECT count(*) AS listed FROM pgmq.list_queues();
SELECT msg_id, read_ct, message FROM pgmq.read('survivor', 30, 5) ORDER BY msg_id;
SELECT pgmq.create('survivor');
SELECT queue_name FROM pgmq.list_queues();
SELECT * FROM pgmq.send('survivor', '{"n": 3}');
SELECT pgmq.drop_queue('survivor');
