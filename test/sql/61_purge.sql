-- purge_queue: removes every message, returns how many; archive untouched,
-- ids keep counting.
SELECT pgmq.create('pur');
SELECT count(*) FROM pgmq.send_batch('pur', (SELECT array_agg(jsonb_build_object('i', g)) FROM generate_series(1, 25) g));
SELECT pgmq.archive('pur', 1);
SELECT msg_id FROM pgmq.read('pur', 600, 2);

SELECT pgmq.purge_queue('pur');
SELECT count(*) AS in_queue FROM pgmq.q_pur;
SELECT count(*) AS in_archive FROM pgmq.a_pur;
SELECT * FROM pgmq.send('pur', '{"after": true}');
SELECT pgmq.purge_queue('pur');
SELECT pgmq.purge_queue('pur');

-- transactional
SELECT * FROM pgmq.send('pur', '{"keep": true}');
BEGIN;
SELECT pgmq.purge_queue('pur');
ROLLBACK;
SELECT count(*) AS kept FROM pgmq.q_pur;

SELECT pgmq.drop_queue('pur');
