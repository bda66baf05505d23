-- send, all six overloads, named and positional.
SELECT pgmq.create('snd');

BEGIN;
SELECT * FROM pgmq.send('snd', '{"n": 1}');
SELECT * FROM pgmq.send('snd', '{"n": 2}', 0);
SELECT * FROM pgmq.send('snd', '{"n": 3}', now() - interval '1 minute');
SELECT * FROM pgmq.send('snd', '{"n": 4}', '{"h": "four"}'::jsonb);
SELECT * FROM pgmq.send('snd', '{"n": 5}', '{"h": "five"}'::jsonb, 0);
SELECT * FROM pgmq.send('snd', '{"n": 6}', '{"h": "six"}'::jsonb, clock_timestamp());
-- named notation, as the official clients call it
SELECT * FROM pgmq.send(queue_name => 'snd'::text, msg => '{"n": 7}'::jsonb, delay => 0::integer);
SELECT * FROM pgmq.send(queue_name => 'snd', msg => '{"n": 8}'::jsonb, headers => '{"h": 8}'::jsonb);

-- stored exactly as PGMQ stores it: read_ct 0, enqueued_at = now(), no last_read_at
SELECT msg_id, read_ct, message, headers, enqueued_at = now() AS enqueued_now,
       last_read_at IS NULL AS never_read, vt <= clock_timestamp() AS visible
  FROM pgmq.q_snd ORDER BY msg_id;
COMMIT;

-- a delay hides the message until then
SELECT * FROM pgmq.send('snd', '{"n": "later"}', 3600);
SELECT * FROM pgmq.send('snd', '{"n": "tomorrow"}', '{"h": 1}'::jsonb, now() + interval '1 day');
SELECT msg_id, vt > now() + interval '59 minutes' AS hidden_an_hour,
       vt > now() + interval '23 hours' AS hidden_a_day
  FROM pgmq.q_snd WHERE msg_id > 8 ORDER BY msg_id;
SELECT count(*) AS visible_now FROM pgmq.read('snd', 0, 100) WHERE msg_id > 8;

-- JSON of any shape, including JSON null, strings with quotes, big payloads
SELECT * FROM pgmq.send('snd', 'null');
SELECT * FROM pgmq.send('snd', '"it''s a \"string\""');
SELECT * FROM pgmq.send('snd', '[1, 2, {"a": "); DROP TABLE pgmq.meta; --"}]');
SELECT * FROM pgmq.send('snd', jsonb_build_object('big', repeat('x', 100000)));
SELECT msg_id, jsonb_typeof(message), length(message::text) FROM pgmq.q_snd
 WHERE msg_id > 10 ORDER BY msg_id;
SELECT message FROM pgmq.q_snd WHERE msg_id IN (12, 13) ORDER BY msg_id;

-- send is transactional: a rolled-back send leaves nothing (but uses an id)
BEGIN;
SELECT * FROM pgmq.send('snd', '{"n": "rolled back"}');
ROLLBACK;
SELECT count(*) AS rolled_back_rows FROM pgmq.q_snd WHERE message = '{"n": "rolled back"}';
SELECT * FROM pgmq.send('snd', '{"n": "after rollback"}');

SELECT pgmq.drop_queue('snd');
