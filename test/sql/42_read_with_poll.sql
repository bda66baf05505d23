-- read_with_poll: returns at once when messages are there; waits up to
-- max_poll_seconds otherwise; max_poll_seconds = 0 makes one attempt.
SELECT pgmq.create('rp');

-- available: returns immediately with the rows
SELECT * FROM pgmq.send('rp', '{"p": 1}');
SELECT msg_id, read_ct, message FROM pgmq.read_with_poll('rp', 30, 5);
SELECT msg_id FROM pgmq.read_with_poll(queue_name => 'rp', vt => 30, qty => 1,
                                       max_poll_seconds => 1, poll_interval_ms => 10);

-- empty: waits about max_poll_seconds, returns nothing
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) AS got FROM pgmq.read_with_poll('rp', 30, 1, 1, 50);
SELECT clock_timestamp() - :'t0'::timestamptz BETWEEN interval '0.9 s' AND interval '3 s' AS waited_about_1s;

-- max_poll_seconds 0: one attempt, no wait (PGMQ would not even try)
SELECT * FROM pgmq.send('rp', '{"p": 2}');
SELECT msg_id FROM pgmq.read_with_poll('rp', 30, 1, 0);
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) AS got FROM pgmq.read_with_poll('rp', 30, 1, 0);
SELECT clock_timestamp() - :'t0'::timestamptz < interval '0.5 s' AS no_wait;

-- a message whose delay expires during the wait is picked up
SELECT * FROM pgmq.send('rp', '{"p": "soon"}', 1);
SELECT msg_id, message FROM pgmq.read_with_poll('rp', 30, 1, 4, 50);

-- with a conditional
SELECT count(*) FROM pgmq.send_batch('rp', ARRAY['{"t": "x"}', '{"t": "y"}']::jsonb[]);
SELECT msg_id, message FROM pgmq.read_with_poll('rp', 30, 5, 1, 10, '{"t": "y"}');

-- REPEATABLE READ can never see new messages: waiting is refused, one attempt is fine
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT public.try($$SELECT * FROM pgmq.read_with_poll('rp', 30, 1, 1)$$);
ROLLBACK;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT msg_id FROM pgmq.read_with_poll('rp', 30, 1, 0);
ROLLBACK;

-- statement_timeout interrupts the wait cleanly
SET statement_timeout = '300ms';
SELECT * FROM pgmq.read_with_poll('rp', 30, 1, 10, 100, '{"never": 1}');
RESET statement_timeout;

-- wait_for_messages sees a message whose vt is -infinity as visible (it
-- is: read returns it) and returns at once
SELECT pgmq.purge_queue('rp');
SELECT * FROM pgmq.send('rp', '{"ninf": true}', '-infinity'::timestamptz);
SET statement_timeout = '3s';
CALL pgmq.wait_for_messages('rp', 10);
RESET statement_timeout;
SELECT message FROM pgmq.read('rp', 30, 1);

SELECT pgmq.drop_queue('rp');
