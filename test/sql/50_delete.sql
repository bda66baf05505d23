-- delete: by id (boolean) and by id array (the ids deleted).
SELECT pgmq.create('del');
SELECT count(*) FROM pgmq.send_batch('del', (SELECT array_agg(jsonb_build_object('i', g)) FROM generate_series(1, 6) g));

SELECT pgmq.delete('del', 1);
SELECT pgmq.delete('del', 1);          -- already gone
SELECT pgmq.delete('del', 999);        -- never existed
SELECT pgmq.delete(queue_name => 'del', msg_id => 2::bigint);

SELECT * FROM pgmq.delete('del', ARRAY[3, 4, 999]::bigint[]) ORDER BY 1;
SELECT count(*) AS empty_array FROM pgmq.delete('del', ARRAY[]::bigint[]);
SELECT msg_id FROM pgmq.q_del ORDER BY msg_id;

-- deleting works whatever the visibility (no lease check, as PGMQ)
SELECT msg_id FROM pgmq.read('del', 600, 1);
SELECT pgmq.delete('del', 5);

-- transactional
BEGIN;
SELECT pgmq.delete('del', 6);
ROLLBACK;
SELECT msg_id FROM pgmq.q_del ORDER BY msg_id;

-- nothing goes to the archive
SELECT count(*) AS archived FROM pgmq.a_del;
SELECT pgmq.drop_queue('del');
