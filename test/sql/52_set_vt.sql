-- set_vt: seconds from now or an absolute time, by id or id array.
SELECT pgmq.create('svt');
SELECT count(*) FROM pgmq.send_batch('svt', ARRAY['{"i": 1}', '{"i": 2}', '{"i": 3}', '{"i": 4}']::jsonb[]);

-- hide for an hour: returns the updated row; read_ct / last_read_at untouched
SELECT msg_id, read_ct, last_read_at IS NULL AS unread,
       vt BETWEEN clock_timestamp() + interval '59 minutes' AND clock_timestamp() + interval '61 minutes' AS in_an_hour
  FROM pgmq.set_vt('svt', 1, 3600);
SELECT array_agg(msg_id ORDER BY msg_id) AS readable FROM pgmq.read('svt', 0, 10);

-- absolute time
SELECT msg_id, vt = '2100-01-01 00:00:00+00' AS exact
  FROM pgmq.set_vt('svt', 2, '2100-01-01 00:00:00+00'::timestamptz);

-- arrays; unknown ids are absent from the result
SELECT msg_id FROM pgmq.set_vt('svt', ARRAY[3, 4, 999]::bigint[], 600) ORDER BY msg_id;
SELECT msg_id, vt = '2001-01-01 00:00:00+00' AS exact
  FROM pgmq.set_vt('svt', ARRAY[1, 2]::bigint[], '2001-01-01 00:00:00+00'::timestamptz) ORDER BY msg_id;
SELECT count(*) AS unknown FROM pgmq.set_vt('svt', 999, 10);

-- vt 0 makes a message visible now (the usual "release" / "nack")
SELECT msg_id FROM pgmq.set_vt('svt', 3, 0);
SELECT array_agg(msg_id ORDER BY msg_id) AS readable FROM pgmq.read('svt', 30, 10);

-- named notation
SELECT msg_id FROM pgmq.set_vt(queue_name => 'svt', msg_id => 4::bigint, vt => 0);

SELECT pgmq.drop_queue('svt');
