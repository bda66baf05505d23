-- Cached plans must never go stale: a queue dropped and re-created (new
-- table OID), altered, or re-created under another persistence is served
-- by fresh plans, in the same session that cached the old ones.
SELECT pgmq.create('inv');
SELECT * FROM pgmq.send('inv', '{"gen": 1}');
SELECT msg_id, message FROM pgmq.read('inv', 0, 1);
SELECT pgmq.archive('inv', 1);

-- drop and re-create: ids restart, old rows gone, no error
SELECT pgmq.drop_queue('inv');
SELECT public.try($$SELECT pgmq.send('inv', '{"gen": "dropped"}')$$);
SELECT pgmq.create_unlogged('inv');
SELECT * FROM pgmq.send('inv', '{"gen": 2}');
SELECT msg_id, message FROM pgmq.read('inv', 0, 5);
SELECT pgmq.archive('inv', 1);
SELECT msg_id, message FROM pgmq.a_inv;
SELECT queue_length, total_messages FROM pgmq.metrics('inv');

-- dropped behind our back (plain DROP TABLE), then re-created by hand
DROP TABLE pgmq.q_inv;
SELECT public.try($$SELECT * FROM pgmq.read('inv', 0, 1)$$);
SELECT public.try($$SELECT pgmq.delete('inv', 1)$$);
SELECT pgmq.create('inv');
SELECT * FROM pgmq.send('inv', '{"gen": 3}');
SELECT msg_id, message FROM pgmq.pop('inv');

-- the archive table dropped alone: archive says so; re-create fixes it
DROP TABLE pgmq.a_inv;
SELECT * FROM pgmq.send('inv', '{"gen": 4}');
SELECT public.try($$SELECT pgmq.archive('inv', 2)$$);
SELECT pgmq.create('inv');
SELECT pgmq.archive('inv', 2);

-- schema changes are picked up by the core plan cache
ALTER TABLE pgmq.q_inv ADD COLUMN note text DEFAULT 'added later';
SELECT * FROM pgmq.send('inv', '{"gen": 5}');
SELECT msg_id, message FROM pgmq.read('inv', 0, 5);
ALTER TABLE pgmq.q_inv DROP COLUMN note;
SELECT msg_id, read_ct, message FROM pgmq.read('inv', 0, 5);
CREATE INDEX ON pgmq.q_inv (enqueued_at);
SELECT msg_id FROM pgmq.set_vt('inv', 3, 0);

SELECT pgmq.drop_queue('inv');
