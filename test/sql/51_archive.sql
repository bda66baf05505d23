-- archive: move rows to a_<queue> in one statement, copying every column.
SELECT pgmq.create('arc');
SELECT count(*) FROM pgmq.send_batch('arc', ARRAY['{"i": 1}', '{"i": 2}', '{"i": 3}', '{"i": 4}']::jsonb[],
                                     ARRAY['{"h": 1}', NULL, '{"h": 3}', NULL]::jsonb[]);
SELECT msg_id, read_ct FROM pgmq.read('arc', 0, 1);

SELECT pgmq.archive('arc', 1);
SELECT pgmq.archive('arc', 1);          -- already archived
SELECT pgmq.archive('arc', 999);
SELECT * FROM pgmq.archive('arc', ARRAY[2, 3, 998]::bigint[]) ORDER BY 1;
SELECT count(*) AS empty_array FROM pgmq.archive('arc', ARRAY[]::bigint[]);

-- every column copied; archived_at = now(); gone from the queue
SELECT a.msg_id, a.read_ct, a.message, a.headers,
       a.last_read_at IS NOT NULL AS was_read
  FROM pgmq.a_arc a ORDER BY a.msg_id;
SELECT msg_id FROM pgmq.q_arc ORDER BY msg_id;

-- the archived row keeps its original enqueued_at and vt
BEGIN;
SELECT enqueued_at AS e, vt AS v FROM pgmq.q_arc WHERE msg_id = 4 \gset
SELECT pgmq.archive('arc', 4);
SELECT enqueued_at = :'e' AS same_enqueued_at, vt = :'v' AS same_vt,
       archived_at = now() AS archived_now FROM pgmq.a_arc WHERE msg_id = 4;
COMMIT;

-- transactional: a rolled-back archive leaves the message in the queue
SELECT * FROM pgmq.send('arc', '{"i": 5}');
BEGIN;
SELECT pgmq.archive('arc', 5);
ROLLBACK;
SELECT (SELECT count(*) FROM pgmq.q_arc WHERE msg_id = 5) AS in_queue,
       (SELECT count(*) FROM pgmq.a_arc WHERE msg_id = 5) AS in_archive;

SELECT pgmq.drop_queue('arc');
