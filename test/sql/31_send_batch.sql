-- send_batch, all six overloads: one statement, ids in array order.
SELECT pgmq.create('sb');

SELECT * FROM pgmq.send_batch('sb', ARRAY['{"i": 1}', '{"i": 2}', '{"i": 3}']::jsonb[]);
SELECT * FROM pgmq.send_batch('sb', ARRAY['{"i": 4}', '{"i": 5}']::jsonb[], 0);
SELECT * FROM pgmq.send_batch('sb', ARRAY['{"i": 6}']::jsonb[], now());
SELECT * FROM pgmq.send_batch('sb', ARRAY['{"i": 7}', '{"i": 8}']::jsonb[],
                              ARRAY['{"h": 7}', '{"h": 8}']::jsonb[]);
SELECT * FROM pgmq.send_batch('sb', ARRAY['{"i": 9}', '{"i": 10}']::jsonb[],
                              ARRAY['{"h": 9}', NULL]::jsonb[], 0);
SELECT * FROM pgmq.send_batch('sb', ARRAY['{"i": 11}']::jsonb[],
                              ARRAY['{"h": 11}']::jsonb[], clock_timestamp());
SELECT * FROM pgmq.send_batch(queue_name => 'sb', msgs => ARRAY['{"i": 12}']::jsonb[],
                              headers => NULL::jsonb[]);

-- element i of msgs goes with element i of headers, in id order
SELECT msg_id, message->>'i' AS i, headers FROM pgmq.q_sb ORDER BY msg_id;

-- one vt for the whole batch, one enqueued_at per transaction
SELECT * FROM pgmq.send_batch('sb', ARRAY['{"d": 1}', '{"d": 2}']::jsonb[], 600);
SELECT count(DISTINCT vt) AS distinct_vts, bool_and(vt > now() + interval '9 minutes') AS delayed
  FROM pgmq.q_sb WHERE message ? 'd';

-- a bigger batch keeps its order
SELECT count(*) AS sent, bool_and(ord = msg_id - 14) AS in_order
  FROM pgmq.send_batch('sb', (SELECT array_agg(jsonb_build_object('k', g) ORDER BY g)
                              FROM generate_series(1, 500) g))
       WITH ORDINALITY AS s(msg_id, ord);
SELECT bool_and((message->>'k')::int = msg_id - 14) AS payload_matches_id
  FROM pgmq.q_sb WHERE message ? 'k';

SELECT pgmq.drop_queue('sb');
