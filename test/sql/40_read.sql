-- read: lowest visible msg_ids first, vt / read_ct / last_read_at updated.
SELECT pgmq.create('rd');
SELECT count(*) FROM pgmq.send_batch('rd', (SELECT array_agg(jsonb_build_object('i', g) ORDER BY g)
                                           FROM generate_series(1, 10) g));

SELECT msg_id, read_ct, message, vt > clock_timestamp() + interval '25 seconds' AS hidden,
       last_read_at IS NOT NULL AS read_at_set
  FROM pgmq.read('rd', 30, 3) ORDER BY msg_id;
-- the next read skips the messages still within their vt
SELECT msg_id FROM pgmq.read(queue_name => 'rd', vt => 30, qty => 2) ORDER BY msg_id;
-- stored state after reading
SELECT msg_id, read_ct, last_read_at IS NOT NULL AS read_at_set, vt > now() AS invisible
  FROM pgmq.q_rd ORDER BY msg_id;

-- vt 0: the message stays visible and is read again (read_ct counts reads)
SELECT msg_id, read_ct FROM pgmq.read('rd', 0, 1);
SELECT msg_id, read_ct FROM pgmq.read('rd', 0, 1);
SELECT msg_id, read_ct FROM pgmq.read('rd', 0, 1);

-- qty 0 reads nothing; qty NULL reads every visible message (as PGMQ)
SELECT count(*) AS qty_zero FROM pgmq.read('rd', 30, 0);
SELECT array_agg(msg_id ORDER BY msg_id) AS qty_null FROM pgmq.read('rd', 30, NULL);
SELECT count(*) AS nothing_left FROM pgmq.read('rd', 30, 10);

-- a message becomes readable again when its vt expires
SELECT msg_id FROM pgmq.set_vt('rd', 2, 0);
SELECT msg_id, read_ct FROM pgmq.read('rd', 30, 10);

-- delayed messages are not read before their time
SELECT * FROM pgmq.send('rd', '{"late": true}', 3600);
SELECT count(*) AS delayed_read FROM pgmq.read('rd', 30, 10);

-- a read in a rolled-back transaction leaves the message as it was
SELECT * FROM pgmq.send('rd', '{"rollback": true}');
BEGIN;
SELECT msg_id, read_ct FROM pgmq.read('rd', 30, 1);
ROLLBACK;
-- read_ct 1, not 2: the first read's increment was rolled back
SELECT msg_id, read_ct FROM pgmq.read('rd', 30, 1);

-- message and headers are never changed by reading
SELECT * FROM pgmq.send('rd', '{"m": 1}', '{"h": 1}'::jsonb);
SELECT message, headers FROM pgmq.read('rd', 30, 1);
SELECT message, headers FROM pgmq.q_rd WHERE msg_id = 13;

-- result columns by name, as applications select them
SELECT * FROM pgmq.send('rd', '{"cols": 1}');
SELECT msg_id, read_ct, enqueued_at IS NOT NULL AS e, vt IS NOT NULL AS v, message
  FROM pgmq.read('rd', 30, 1);

SELECT pgmq.drop_queue('rd');
