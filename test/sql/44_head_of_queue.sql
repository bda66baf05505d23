-- Reads behind a long head of invisible messages: the read skip hint
-- (src/read.c).  Behind at least 1000 in-flight or delayed messages a
-- backend's claims start past the head for pgmq.read_skip_window_ms; the
-- DEBUG lines show when a hint is made, dropped or falls back.  The window
-- is set to a minute so that no hint expires while this file runs, and
-- reads use a visibility timeout of an hour, longer than the window.
SELECT pgmq.create('hol');
-- ids 1..3000 in flight (read, vt an hour ahead), 3001..3100 visible
INSERT INTO pgmq.q_hol (vt, read_ct, message)
SELECT now() + interval '1 hour', 1, jsonb_build_object('i', g) FROM generate_series(1, 3000) g;
INSERT INTO pgmq.q_hol (vt, message)
SELECT now(), jsonb_build_object('i', g) FROM generate_series(3001, 3100) g;
-- delayed messages: ids 1..2000 sent an hour ahead, 2001..2005 visible
SELECT pgmq.create('hol_delay');
SELECT count(*) FROM pgmq.send_batch('hol_delay',
    ARRAY(SELECT jsonb_build_object('d', g) FROM generate_series(1, 2000) g), 3600);
SELECT count(*) FROM pgmq.send_batch('hol_delay',
    ARRAY(SELECT jsonb_build_object('v', g) FROM generate_series(1, 5) g));
-- a head of 900, shorter than 1000 ids
SELECT pgmq.create('hol_short');
SELECT count(*) FROM pgmq.send_batch('hol_short',
    ARRAY(SELECT jsonb_build_object('s', g) FROM generate_series(1, 900) g), 3600);
SELECT count(*) FROM pgmq.send_batch('hol_short',
    ARRAY(SELECT jsonb_build_object('v', g) FROM generate_series(1, 5) g));

SET pgmq.read_skip_window_ms = 60000;
SET client_min_messages = debug1;

-- the first read walks the head, returns the lowest visible message and
-- makes the hint (the claimed 3001 is now invisible too)
SELECT msg_id, read_ct FROM pgmq.read('hol', 3600, 1);
-- hinted reads, pops and conditional reads return the right messages
SELECT msg_id FROM pgmq.read('hol', 3600, 2) ORDER BY msg_id;
SELECT msg_id, message FROM pgmq.pop('hol', 1);
SELECT msg_id FROM pgmq.read('hol', 3600, 2, '{"i": 3050}');
SELECT msg_id FROM pgmq.read_with_poll('hol', 3600, 1, 1);

-- the hint is used: a message below it made visible by a plain UPDATE (not
-- by this session's set_vt) is not seen while the hint lasts
UPDATE pgmq.q_hol SET vt = now() WHERE msg_id = 10;
SELECT msg_id FROM pgmq.read('hol', 3600, 1);
-- a set_vt that keeps its messages invisible beyond the window keeps the hint
SELECT msg_id FROM pgmq.set_vt('hol', 3090, 7200);
SELECT msg_id FROM pgmq.read('hol', 3600, 1);
-- this session's set_vt making a message visible ends the hint: the next
-- read is in strict msg_id order again (10 first, then 20)
SELECT msg_id FROM pgmq.set_vt('hol', 20, 0);
SELECT msg_id FROM pgmq.read('hol', 3600, 1);
SELECT msg_id FROM pgmq.read('hol', 3600, 1);
-- and the next probe (due after 100 ms) makes a new hint
SELECT pg_sleep(0.2);
SELECT msg_id FROM pgmq.read('hol', 3600, 1);

-- a hinted claim that finds nothing is retried from the lowest msg_id
SELECT count(*) FROM pgmq.read('hol', 3600, 1000);
UPDATE pgmq.q_hol SET vt = now() WHERE msg_id IN (11, 12);
SELECT msg_id FROM pgmq.read('hol', 3600, 1);
SELECT msg_id FROM pgmq.pop('hol', 1);
-- nothing visible: nothing returned
SELECT count(*) FROM pgmq.read('hol', 3600, 1);

-- a hint made inside a transaction that rolls back is not used: the walk
-- saw that transaction's own claims, which the rollback undoes (3101 is
-- returned, not 3106; the next probe makes a hint past it)
SELECT count(*) FROM pgmq.send_batch('hol',
    ARRAY(SELECT jsonb_build_object('j', g) FROM generate_series(1, 20) g));
SELECT pg_sleep(0.2);
BEGIN;
SELECT msg_id FROM pgmq.read('hol', 3600, 5) ORDER BY msg_id;
ROLLBACK;
SELECT pg_sleep(0.2);
SELECT msg_id FROM pgmq.read('hol', 3600, 1);
-- the same with a savepoint (a set_vt, even of no message, ends the hint)
SELECT count(*) FROM pgmq.set_vt('hol', 999999, 0);
SELECT pg_sleep(0.2);
BEGIN;
SAVEPOINT s;
SELECT msg_id FROM pgmq.pop('hol', 3) ORDER BY msg_id;
ROLLBACK TO SAVEPOINT s;
SELECT pg_sleep(0.2);
SELECT msg_id FROM pgmq.pop('hol', 1);
COMMIT;

-- delayed messages ahead of the visible ones are skipped alike
SELECT msg_id, message FROM pgmq.read('hol_delay', 3600, 1);
SELECT msg_id, message FROM pgmq.read('hol_delay', 3600, 1);

-- a head shorter than 1000 ids never gets a hint (strict order)
SELECT msg_id FROM pgmq.read('hol_short', 3600, 1);
UPDATE pgmq.q_hol_short SET vt = now() WHERE msg_id = 7;
SELECT msg_id FROM pgmq.read('hol_short', 3600, 1);

-- pgmq.read_skip_window_ms = 0: no hint at all
SET pgmq.read_skip_window_ms = 0;
SELECT pg_sleep(0.2);
SELECT msg_id FROM pgmq.read('hol_delay', 3600, 1);
UPDATE pgmq.q_hol_delay SET vt = now() WHERE msg_id = 8;
SELECT msg_id FROM pgmq.read('hol_delay', 3600, 1);

RESET client_min_messages;
RESET pgmq.read_skip_window_ms;
SELECT pgmq.drop_queue('hol');
SELECT pgmq.drop_queue('hol_delay');
SELECT pgmq.drop_queue('hol_short');
