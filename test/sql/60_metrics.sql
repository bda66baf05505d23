-- metrics and metrics_all: PGMQ 1.13's columns and meanings.
SELECT pgmq.create('met');
SELECT pgmq.create('met_two');

-- empty queue: lengths 0, ages NULL, nothing allocated yet
SELECT queue_name, queue_length, newest_msg_age_sec, oldest_msg_age_sec, total_messages,
       scrape_time = now() AS scraped_now, queue_visible_length, default_partition_length
  FROM pgmq.metrics('met');

SELECT count(*) FROM pgmq.send_batch('met', ARRAY['{"a": 1}', '{"a": 2}', '{"a": 3}']::jsonb[]);
SELECT * FROM pgmq.send('met', '{"a": 4}', 3600);
SELECT msg_id FROM pgmq.read('met', 600, 1);

SELECT queue_name, queue_length, newest_msg_age_sec, oldest_msg_age_sec, total_messages,
       queue_visible_length, default_partition_length
  FROM pgmq.metrics('met');

-- total_messages counts ids ever allocated: not reduced by delete or purge
SELECT pgmq.delete('met', 2);
SELECT pgmq.purge_queue('met');
SELECT queue_length, total_messages FROM pgmq.metrics('met');

-- ages are measured from now() (transaction start)
INSERT INTO pgmq.q_met (vt, message, enqueued_at)
VALUES (now(), '{"old": 1}', now() - interval '90 seconds'),
       (now(), '{"old": 2}', now() - interval '30 seconds');
SELECT newest_msg_age_sec, oldest_msg_age_sec FROM pgmq.metrics('met');

-- queue_name echoes the argument as given (PGMQ behaviour)
SELECT queue_name, queue_length FROM pgmq.metrics('MET');

-- metrics_all: every registered queue in name order
SELECT queue_name, queue_length, total_messages FROM pgmq.metrics_all();

-- a registration whose table is gone is skipped instead of failing the call
DROP TABLE pgmq.q_met_two;
SELECT queue_name FROM pgmq.metrics_all();

-- an age that does not fit an integer is an error, not a wrapped value
-- (rows only plain SQL can write)
SELECT pgmq.create('met_old');
INSERT INTO pgmq.q_met_old (vt, message, enqueued_at) VALUES (now(), '{}', '1900-01-01');
SELECT try($$SELECT pgmq.metrics('met_old')$$);
UPDATE pgmq.q_met_old SET enqueued_at = '-infinity';
SELECT try($$SELECT pgmq.metrics('met_old')$$);
SELECT pgmq.drop_queue('met_old');

SELECT pgmq.drop_queue('met'), pgmq.drop_queue('met_two');
SELECT count(*) AS no_queues FROM pgmq.metrics_all();
