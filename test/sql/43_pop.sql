-- pop: delete and return visible messages as stored (at-most-once).
SELECT pgmq.create('pp');
SELECT count(*) FROM pgmq.send_batch('pp', ARRAY['{"i": 1}', '{"i": 2}', '{"i": 3}', '{"i": 4}']::jsonb[]);

SELECT msg_id, read_ct, message, last_read_at IS NULL AS unread FROM pgmq.pop('pp');
SELECT msg_id, message FROM pgmq.pop('pp', 2) ORDER BY msg_id;
SELECT msg_id FROM pgmq.q_pp ORDER BY msg_id;

-- invisible (read) and delayed messages are not popped
SELECT msg_id FROM pgmq.read('pp', 60, 1);
SELECT * FROM pgmq.send('pp', '{"later": 1}', 3600);
SELECT count(*) AS popped FROM pgmq.pop('pp', 10);

-- returned values are the stored ones (read_ct not incremented)
SELECT msg_id FROM pgmq.set_vt('pp', 4, 0);
SELECT msg_id, read_ct FROM pgmq.pop('pp');
-- no archive copy
SELECT count(*) AS archived FROM pgmq.a_pp;

-- qty 0 pops nothing, NULL pops every visible message
SELECT count(*) FROM pgmq.send_batch('pp', ARRAY['{"j": 1}', '{"j": 2}']::jsonb[]);
SELECT count(*) AS qty_zero FROM pgmq.pop('pp', 0);
SELECT count(*) AS qty_null FROM pgmq.pop('pp', NULL);

-- a pop in a rolled-back transaction leaves the message
SELECT * FROM pgmq.send('pp', '{"k": 1}');
BEGIN;
SELECT msg_id FROM pgmq.pop('pp');
ROLLBACK;
SELECT msg_id, message FROM pgmq.pop('pp');

SELECT pgmq.drop_queue('pp');
