-- Topic routing (PGMQ 1.13): bind_topic, unbind_topic, test_routing,
-- send_topic, send_batch_topic, list_topic_bindings, validate_routing_key,
-- validate_topic_pattern.  Errors keep PGMQ's texts with specific
-- SQLSTATEs: 22004 NULL, 22023 bad value, 42P01 unregistered queue.

-- signatures and volatility (also in 01_signatures; the flags are the point here)
SELECT p.proname, pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result, p.provolatile, p.proisstrict
  FROM pg_proc p
 WHERE p.pronamespace = 'pgmq'::regnamespace
   AND (p.proname LIKE '%topic%' OR p.proname IN ('test_routing', 'validate_routing_key'))
 ORDER BY p.proname, pg_get_function_identity_arguments(p.oid);

-- positional calls with untyped parameters resolve where PGMQ's do (one
-- candidate); send_batch_topic with three is ambiguous in PGMQ too
PREPARE t2 AS SELECT pgmq.send_topic($1, $2);
PREPARE t3 AS SELECT pgmq.send_topic($1, $2, $3);
PREPARE b2 AS SELECT * FROM pgmq.send_batch_topic($1, $2);
PREPARE r1 AS SELECT * FROM pgmq.test_routing($1);
PREPARE k1 AS SELECT pgmq.bind_topic($1, $2), pgmq.unbind_topic($1, $2);
SELECT name, parameter_types FROM pg_prepared_statements ORDER BY name;
DEALLOCATE ALL;
SELECT public.try($$PREPARE b3 AS SELECT * FROM pgmq.send_batch_topic($1, $2, $3)$$);

---------------------------------------------------------------------------
-- validate_routing_key: each rule, in PGMQ's order
---------------------------------------------------------------------------
SELECT pgmq.validate_routing_key('a'), pgmq.validate_routing_key('Orders.EU-west_1.created'),
       pgmq.validate_routing_key(repeat('k', 255)) AS max_length;
SELECT public.try($$SELECT pgmq.validate_routing_key(NULL)$$);
SELECT public.try($$SELECT pgmq.validate_routing_key('')$$);
SELECT public.try($$SELECT pgmq.validate_routing_key(repeat('k', 256))$$);
-- characters, not bytes: 255 two-byte characters are within the limit
-- (and then fail on the character rule), 256 are not
SELECT public.try($$SELECT pgmq.validate_routing_key(repeat('é', 255))$$) LIKE '22023: routing_key contains invalid characters.%' AS charset_error;
SELECT public.try($$SELECT pgmq.validate_routing_key(repeat('é', 256))$$);
SELECT public.try($$SELECT pgmq.validate_routing_key('a b')$$);
SELECT public.try($$SELECT pgmq.validate_routing_key('logs.*')$$);
SELECT public.try($$SELECT pgmq.validate_routing_key('logs.#')$$);
SELECT public.try($$SELECT pgmq.validate_routing_key('a/b')$$);
-- (a newline shown as \n)
SELECT replace(public.try($$SELECT pgmq.validate_routing_key(E'a\nb')$$), E'\n', '\n');
SELECT public.try($$SELECT pgmq.validate_routing_key('.a')$$);
SELECT public.try($$SELECT pgmq.validate_routing_key('a.')$$);
SELECT public.try($$SELECT pgmq.validate_routing_key('a..b')$$);
-- order: length before characters, characters before dots, start before
-- end before consecutive
SELECT public.try($$SELECT pgmq.validate_routing_key(repeat('.', 256))$$);
SELECT public.try($$SELECT pgmq.validate_routing_key('..a b')$$);
SELECT public.try($$SELECT pgmq.validate_routing_key('.a..b.')$$);
SELECT public.try($$SELECT pgmq.validate_routing_key('a..b.')$$);
-- named argument
SELECT pgmq.validate_routing_key(routing_key => 'x.y');

---------------------------------------------------------------------------
-- validate_topic_pattern: the key rules plus the wildcard rules
---------------------------------------------------------------------------
SELECT pgmq.validate_topic_pattern('#') AS hash, pgmq.validate_topic_pattern('*') AS star,
       pgmq.validate_topic_pattern('*.*.#') AS mixed, pgmq.validate_topic_pattern('log*') AS in_segment,
       pgmq.validate_topic_pattern('a#b') AS hash_in_segment,
       pgmq.validate_topic_pattern('*-x.#_y') AS with_punctuation,
       pgmq.validate_topic_pattern(repeat('*.', 127) || '#') AS max_length;
SELECT public.try($$SELECT pgmq.validate_topic_pattern(NULL)$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern('')$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern(repeat('*.', 128))$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern('logs.>')$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern('logs.?')$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern('logs.(a|b)')$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern('.#')$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern('#.')$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern('*..#')$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern('a.**')$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern('a.##')$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern('a.*#')$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern('a.#*')$$);
-- order: dots before stars before hashes before adjacent wildcards,
-- whatever comes first in the string
SELECT public.try($$SELECT pgmq.validate_topic_pattern('#*.a..b')$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern('##.**')$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern('*#.##')$$);
SELECT public.try($$SELECT pgmq.validate_topic_pattern('a.#*.b')$$);
SELECT pgmq.validate_topic_pattern(pattern => 'x.*');

---------------------------------------------------------------------------
-- bind_topic / unbind_topic / list_topic_bindings
---------------------------------------------------------------------------
SELECT pgmq.create('tq_a'), pgmq.create('tq_b'), pgmq.create('tq_c'), pgmq.create('TQ_Mixed');

-- checks in PGMQ's order: pattern (full validation), queue_name, registration
SELECT public.try($$SELECT pgmq.bind_topic(NULL, NULL)$$);
SELECT public.try($$SELECT pgmq.bind_topic('a..b', NULL)$$);
SELECT public.try($$SELECT pgmq.bind_topic('a.**', 'nosuch')$$);
SELECT public.try($$SELECT pgmq.bind_topic('a.*', NULL)$$);
SELECT public.try($$SELECT pgmq.bind_topic('a.*', '')$$);
SELECT public.try($$SELECT pgmq.bind_topic('a.*', 'nosuch')$$);
-- the registration is matched exactly, as in PGMQ (the foreign key needs it)
SELECT public.try($$SELECT pgmq.bind_topic('a.*', 'tq_mixed')$$);
SELECT public.try($$SELECT pgmq.bind_topic('a.*', 'TQ_Mixed')$$);
SELECT pattern, queue_name FROM pgmq.topic_bindings;

-- binding is idempotent: one row, bound_at of the first binding
BEGIN;
SELECT pgmq.bind_topic('logs.*', 'tq_a');
SELECT bound_at = now() AS bound_now FROM pgmq.topic_bindings WHERE pattern = 'logs.*';
COMMIT;
SELECT pgmq.bind_topic(pattern => 'logs.*', queue_name => 'tq_a');
SELECT count(*) AS rows, bool_and(bound_at < now()) AS first_bound_at_kept
  FROM pgmq.topic_bindings WHERE pattern = 'logs.*' AND queue_name = 'tq_a';

SELECT pgmq.bind_topic('logs.#', 'tq_b');
SELECT pgmq.bind_topic('#.error', 'tq_c');
SELECT pgmq.bind_topic('#', 'tq_c');

-- compiled_regex as PGMQ generates it
SELECT pattern, queue_name, compiled_regex FROM pgmq.list_topic_bindings() ORDER BY pattern, queue_name;
-- newest first; the one-queue form matches the name exactly
SELECT pattern, queue_name FROM pgmq.list_topic_bindings();
SELECT pattern, queue_name, compiled_regex FROM pgmq.list_topic_bindings('tq_c');
SELECT pattern FROM pgmq.list_topic_bindings(queue_name => 'TQ_Mixed');
SELECT count(*) AS for_other_spelling FROM pgmq.list_topic_bindings('tq_mixed');
SELECT count(*) AS for_null FROM pgmq.list_topic_bindings(NULL);

-- unbind: checks pattern then queue_name for NULL/empty, nothing else
SELECT public.try($$SELECT pgmq.unbind_topic(NULL, NULL)$$);
SELECT public.try($$SELECT pgmq.unbind_topic('', 'tq_a')$$);
SELECT public.try($$SELECT pgmq.unbind_topic('a.*', NULL)$$);
SELECT public.try($$SELECT pgmq.unbind_topic('a.*', '')$$);
SELECT pgmq.unbind_topic('a..not valid', 'tq_a') AS bad_syntax_is_just_absent;
SELECT pgmq.unbind_topic('a.*', 'nosuch') AS unknown_queue;
SELECT pgmq.unbind_topic('a.*', 'TQ_Mixed') AS removed;
SELECT pgmq.unbind_topic(pattern => 'a.*', queue_name => 'TQ_Mixed') AS removed_again;
SELECT count(*) AS mixed_bindings FROM pgmq.topic_bindings WHERE queue_name = 'TQ_Mixed';

---------------------------------------------------------------------------
-- Matching: * is one or more non-dot characters, # is anything (even
-- nothing, even dots), case-sensitive.  test_routing shows every matching
-- binding by pattern (not de-duplicated by queue).
---------------------------------------------------------------------------
SELECT public.try($$SELECT * FROM pgmq.test_routing('logs.*')$$);
SELECT public.try($$SELECT * FROM pgmq.test_routing(NULL)$$);
SELECT * FROM pgmq.test_routing('logs.error');
SELECT * FROM pgmq.test_routing(routing_key => 'nothing.matches.this') WHERE queue_name <> 'tq_c';

-- a queue per pattern, and a table of keys against them
SELECT pgmq.create('tm_' || n) FROM generate_series(1, 9) n;
SELECT pgmq.bind_topic(p, 'tm_' || n)
  FROM (VALUES (1, 'logs.*'), (2, 'logs.#'), (3, '#.error'), (4, '#'), (5, 'log*'),
               (6, 'a#b'), (7, '*'), (8, '*.*.c'), (9, 'logs.*.x')) v(n, p);
SELECT k AS routing_key,
       (SELECT string_agg(t.pattern, '  ' ORDER BY t.pattern)
          FROM pgmq.test_routing(k) t WHERE t.queue_name LIKE 'tm\_%') AS matching_patterns
  FROM unnest(ARRAY['logs', 'logs.error', 'logs.a.b', 'logs.a.x', 'error', 'a.error', 'x.y.error',
                    'errors', 'log', 'logsfoo', 'logs_x', 'Logs.error', 'ab', 'axyzb', 'a.x.b',
                    'a.b.c', 'a.b.b.c', 'x']) WITH ORDINALITY u(k, i)
 ORDER BY i;

---------------------------------------------------------------------------
-- send_topic
---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.counts() RETURNS TABLE (queue text, messages bigint)
LANGUAGE sql AS $$
    SELECT 'tq_a', count(*) FROM pgmq.q_tq_a UNION ALL
    SELECT 'tq_b', count(*) FROM pgmq.q_tq_b UNION ALL
    SELECT 'tq_c', count(*) FROM pgmq.q_tq_c
$$;

-- logs.error: logs.* (tq_a), logs.# (tq_b), # (tq_c), plus the tm_ queues
SELECT pgmq.send_topic('logs.error', '{"n": 1}') AS queues;
-- logs.a.b: logs.# (tq_b), # (tq_c)
SELECT pgmq.send_topic('logs.a.b', '{"n": 2}', 0) AS queues;
-- svc.error: #.error and # both bind tq_c: one copy
SELECT pgmq.send_topic('svc.error', '{"n": 3}', '{"trace": "t3"}', 600) AS queues;
SELECT pgmq.send_topic(routing_key => 'svc.error', msg => '{"n": 4}'::jsonb,
                       headers => NULL, delay => 0) AS queues;
SELECT pgmq.send_topic(routing_key => 'svc.info', msg => '{"n": 5}'::jsonb, delay => 0) AS queues;
SELECT * FROM pg_temp.counts();
SELECT msg_id, message, headers, read_ct, vt > clock_timestamp() + interval '590 seconds' AS delayed
  FROM pgmq.q_tq_c ORDER BY msg_id;
SELECT msg_id, message, headers FROM pgmq.q_tq_a ORDER BY msg_id;
SELECT msg_id, message, headers FROM pgmq.q_tq_b ORDER BY msg_id;
-- the tm_ queues that matched logs.error, svc.error, svc.info, logs.a.b
SELECT 'tm_1' AS q, string_agg(message->>'n', ',' ORDER BY msg_id) FROM pgmq.q_tm_1 UNION ALL
SELECT 'tm_2', string_agg(message->>'n', ',' ORDER BY msg_id) FROM pgmq.q_tm_2 UNION ALL
SELECT 'tm_3', string_agg(message->>'n', ',' ORDER BY msg_id) FROM pgmq.q_tm_3 UNION ALL
SELECT 'tm_4', string_agg(message->>'n', ',' ORDER BY msg_id) FROM pgmq.q_tm_4 UNION ALL
SELECT 'tm_7', string_agg(message->>'n', ',' ORDER BY msg_id) FROM pgmq.q_tm_7;

-- no binding matches: 0, nothing written
SELECT pgmq.unbind_topic('#', 'tq_c'), pgmq.unbind_topic('#', 'tm_4'), pgmq.unbind_topic('*', 'tm_7');
SELECT pgmq.send_topic('nobody.listens', '{"n": 6}') AS queues;
SELECT * FROM pg_temp.counts();

-- errors, in PGMQ's order (key, msg, delay), write nothing
SELECT public.try($$SELECT pgmq.send_topic(NULL, NULL)$$);
SELECT public.try($$SELECT pgmq.send_topic('logs..x', NULL, -1)$$);
SELECT public.try($$SELECT pgmq.send_topic('logs.*', '{}')$$);
SELECT public.try($$SELECT pgmq.send_topic('logs.error', NULL, -1)$$);
SELECT public.try($$SELECT pgmq.send_topic('logs.error', NULL::jsonb)$$);
SELECT public.try($$SELECT pgmq.send_topic('logs.error', '{}', -1)$$);
SELECT public.try($$SELECT pgmq.send_topic('logs.error', '{}', '{}'::jsonb, -5)$$);
SELECT public.try($$SELECT pgmq.send_topic('logs.error', '{}', NULL::int)$$);
SELECT * FROM pg_temp.counts();

-- the caller's transaction decides
BEGIN;
SELECT pgmq.send_topic('logs.error', '{"n": "rolled back"}') AS queues;
ROLLBACK;
SELECT * FROM pg_temp.counts();

---------------------------------------------------------------------------
-- send_batch_topic, all six overloads
---------------------------------------------------------------------------
-- rows grouped by queue in queue_name order, ids in array order
SELECT * FROM pgmq.send_batch_topic('logs.warn', ARRAY['{"b": 1}', '{"b": 2}']::jsonb[])
 WHERE queue_name LIKE 'tq\_%';
SELECT * FROM pgmq.send_batch_topic('logs.warn', ARRAY['{"b": 3}']::jsonb[], 0)
 WHERE queue_name LIKE 'tq\_%';
SELECT * FROM pgmq.send_batch_topic('logs.warn', ARRAY['{"b": 4}']::jsonb[], now() + interval '1 hour')
 WHERE queue_name LIKE 'tq\_%';
SELECT * FROM pgmq.send_batch_topic('logs.warn', ARRAY['{"b": 5}', '{"b": 6}']::jsonb[],
                                    ARRAY['{"h": 5}', NULL]::jsonb[])
 WHERE queue_name LIKE 'tq\_%';
SELECT * FROM pgmq.send_batch_topic('logs.warn', ARRAY['{"b": 7}']::jsonb[],
                                    ARRAY['{"h": 7}']::jsonb[], 600)
 WHERE queue_name LIKE 'tq\_%';
SELECT * FROM pgmq.send_batch_topic(routing_key => 'logs.warn', msgs => ARRAY['{"b": 8}']::jsonb[],
                                    headers => ARRAY['{"h": 8}']::jsonb[], delay => clock_timestamp())
 WHERE queue_name LIKE 'tq\_%';
-- what each queue got, with headers and delays
SELECT msg_id, message, headers, vt > clock_timestamp() + interval '590 seconds' AS delayed
  FROM pgmq.q_tq_a WHERE message ? 'b' ORDER BY msg_id;
SELECT count(*) AS same_in_tq_b
  FROM pgmq.q_tq_a a JOIN pgmq.q_tq_b b ON a.message = b.message
   AND a.headers IS NOT DISTINCT FROM b.headers AND a.vt = b.vt
 WHERE a.message ? 'b';

-- no binding matches: no rows
SELECT count(*) AS rows FROM pgmq.send_batch_topic('nobody.listens', ARRAY['{}']::jsonb[]);

-- errors, key first, then send_batch's checks, then the delay; nothing written
SELECT public.try($$SELECT * FROM pgmq.send_batch_topic(NULL, NULL)$$);
SELECT public.try($$SELECT * FROM pgmq.send_batch_topic('logs.#', ARRAY['{}']::jsonb[])$$);
SELECT public.try($$SELECT * FROM pgmq.send_batch_topic('logs.warn', NULL)$$);
SELECT public.try($$SELECT * FROM pgmq.send_batch_topic('logs.warn', '{}'::jsonb[])$$);
SELECT public.try($$SELECT * FROM pgmq.send_batch_topic('logs.warn', ARRAY['{}', NULL]::jsonb[])$$);
SELECT public.try($$SELECT * FROM pgmq.send_batch_topic('logs.warn', ARRAY['{}', '{}']::jsonb[], ARRAY['{}']::jsonb[])$$);
SELECT public.try($$SELECT * FROM pgmq.send_batch_topic('logs.warn', ARRAY['{}']::jsonb[], '{}'::jsonb[], -1)$$);
SELECT public.try($$SELECT * FROM pgmq.send_batch_topic('logs.warn', ARRAY['{}']::jsonb[], -1)$$);
SELECT public.try($$SELECT * FROM pgmq.send_batch_topic('logs.warn', ARRAY['{}']::jsonb[], NULL::int)$$);
SELECT public.try($$SELECT * FROM pgmq.send_batch_topic('logs.warn', ARRAY['{}']::jsonb[], NULL::timestamptz)$$);
SELECT * FROM pg_temp.counts();

---------------------------------------------------------------------------
-- A bound queue that cannot be sent to fails the whole send before the
-- first insert: the earlier queue (by name) gets nothing, not even a
-- msg_id (sequences are not rolled back, so an attempted insert would
-- show)
---------------------------------------------------------------------------
SELECT pgmq.create('tz_first'), pgmq.create('tz_second');
SELECT pgmq.bind_topic('fail.*', 'tz_first'), pgmq.bind_topic('fail.*', 'tz_second');
DROP TABLE pgmq.q_tz_second;
SELECT public.try($$SELECT pgmq.send_topic('fail.now', '{}')$$);
SELECT public.try($$SELECT * FROM pgmq.send_batch_topic('fail.now', ARRAY['{}']::jsonb[])$$);
SELECT count(*) AS messages, (SELECT is_called FROM pgmq.q_tz_first_msg_id_seq) AS id_used
  FROM pgmq.q_tz_first;
-- a registration with a name we do not accept (made by PGMQ) is refused
-- the same way (it sorts after tz_first)
INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged) VALUES ('tz_zz$bad', false, false);
INSERT INTO pgmq.topic_bindings (pattern, queue_name) VALUES ('bad.*', 'tz_zz$bad'), ('bad.*', 'tz_first');
SELECT public.try($$SELECT pgmq.send_topic('bad.x', '{}')$$);
SELECT count(*) AS messages, (SELECT is_called FROM pgmq.q_tz_first_msg_id_seq) AS id_used
  FROM pgmq.q_tz_first;
DELETE FROM pgmq.meta WHERE queue_name = 'tz_zz$bad';
SELECT pgmq.drop_queue('tz_second');

-- an insert failing in the second queue undoes the first queue's insert
-- (all or nothing, also when the caller catches the error)
SELECT pgmq.create('tz_third');
SELECT pgmq.bind_topic('fail.*', 'tz_third');
CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'refused by trigger' USING ERRCODE = 'check_violation'; END $$;
CREATE TRIGGER refuse BEFORE INSERT ON pgmq.q_tz_third FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse();
SELECT public.try($$SELECT pgmq.send_topic('fail.now', '{}')$$);
SELECT public.try($$SELECT * FROM pgmq.send_batch_topic('fail.now', ARRAY['{}', '{}']::jsonb[])$$);
SELECT count(*) AS messages_in_tz_first FROM pgmq.q_tz_first;
DROP TRIGGER refuse ON pgmq.q_tz_third;
SELECT pgmq.send_topic('fail.now', '{}') AS queues;
SELECT * FROM pgmq.send_batch_topic('fail.now', ARRAY['{"x": 1}', '{"x": 2}']::jsonb[]);

---------------------------------------------------------------------------
-- Registrations differing only in case (PGMQ allowed them; they share
-- one table) get one copy
---------------------------------------------------------------------------
SELECT pgmq.create('tcase');
INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged) VALUES ('TCase', false, false);
SELECT pgmq.bind_topic('case.*', 'TCase'), pgmq.bind_topic('case.*', 'tcase');
SELECT pgmq.send_topic('case.x', '{}') AS queues;
SELECT * FROM pgmq.send_batch_topic('case.x', ARRAY['{}']::jsonb[]);
SELECT count(*) AS messages FROM pgmq.q_tcase;
SELECT pgmq.drop_queue('tcase');
SELECT count(*) AS case_registrations, (SELECT count(*) FROM pgmq.topic_bindings WHERE pattern = 'case.*') AS case_bindings
  FROM pgmq.meta WHERE lower(queue_name) = 'tcase';

---------------------------------------------------------------------------
-- drop_queue removes the queue's bindings (foreign key cascade), also
-- when dropped under another spelling
---------------------------------------------------------------------------
SELECT pgmq.bind_topic('extra.#', 'tq_b');
SELECT count(*) AS tq_b_bindings FROM pgmq.list_topic_bindings('tq_b');
SELECT pgmq.drop_queue('TQ_B');
SELECT count(*) AS tq_b_bindings FROM pgmq.list_topic_bindings('tq_b');
SELECT * FROM pgmq.test_routing('logs.a.b') WHERE queue_name LIKE 'tq\_%';
SELECT pgmq.send_topic('extra.x', '{}') AS queues;

-- binding to a dropped queue fails like binding to any unknown queue
SELECT public.try($$SELECT pgmq.bind_topic('logs.#', 'tq_b')$$);

---------------------------------------------------------------------------
-- Privileges: the caller's rights, as in PGMQ.  Routing reads
-- pgmq.topic_bindings; every target queue needs what send needs (INSERT,
-- and SELECT for the returned id).  A target the caller may not write
-- fails the whole send.
---------------------------------------------------------------------------
CREATE ROLE regress_topic_producer;
SELECT pgmq.create('tp_a'), pgmq.create('tp_b');
SELECT pgmq.bind_topic('p.*', 'tp_a'), pgmq.bind_topic('p.*', 'tp_b');
GRANT USAGE ON SCHEMA pgmq TO regress_topic_producer;
GRANT SELECT, INSERT ON pgmq.q_tp_a TO regress_topic_producer;
SET ROLE regress_topic_producer;
SELECT public.try($$SELECT pgmq.send_topic('p.x', '{}')$$);
SELECT public.try($$SELECT * FROM pgmq.test_routing('p.x')$$);
RESET ROLE;
GRANT SELECT ON pgmq.topic_bindings TO regress_topic_producer;
SET ROLE regress_topic_producer;
SELECT public.try($$SELECT pgmq.send_topic('p.x', '{}')$$);
SELECT public.try($$SELECT * FROM pgmq.send_batch_topic('p.x', ARRAY['{}']::jsonb[])$$);
SELECT public.try($$SELECT pgmq.bind_topic('p.#', 'tp_a')$$);
SELECT public.try($$SELECT pgmq.unbind_topic('p.*', 'tp_b')$$);
SELECT count(*) AS visible_bindings FROM pgmq.test_routing('p.x');
RESET ROLE;
SELECT count(*) AS tp_a_messages FROM pgmq.q_tp_a;
GRANT SELECT, INSERT ON pgmq.q_tp_b TO regress_topic_producer;
SET ROLE regress_topic_producer;
SELECT pgmq.send_topic('p.x', '{}') AS queues;
RESET ROLE;
SELECT (SELECT count(*) FROM pgmq.q_tp_a) AS tp_a_messages, (SELECT count(*) FROM pgmq.q_tp_b) AS tp_b_messages;
-- binding: SELECT on pgmq.meta, SELECT and INSERT on pgmq.topic_bindings;
-- unbinding also DELETE
GRANT SELECT ON pgmq.meta TO regress_topic_producer;
GRANT INSERT ON pgmq.topic_bindings TO regress_topic_producer;
SET ROLE regress_topic_producer;
SELECT pgmq.bind_topic('p.#', 'tp_a');
SELECT public.try($$SELECT pgmq.unbind_topic('p.#', 'tp_a')$$);
RESET ROLE;
GRANT DELETE ON pgmq.topic_bindings TO regress_topic_producer;
SET ROLE regress_topic_producer;
SELECT pgmq.unbind_topic('p.#', 'tp_a') AS unbound;
RESET ROLE;
DROP OWNED BY regress_topic_producer;
DROP ROLE regress_topic_producer;

-- clean up
SELECT pgmq.drop_queue(queue_name) FROM pgmq.meta
 WHERE queue_name LIKE 'tq\_%' OR queue_name LIKE 'tm\_%' OR queue_name LIKE 'tz\_%'
    OR queue_name LIKE 'tp\_%' OR queue_name = 'TQ_Mixed'
 ORDER BY queue_name;
SELECT count(*) AS bindings_left FROM pgmq.topic_bindings;

---------------------------------------------------------------------------
-- Routing matches in C, not with the regex (PostgreSQL caches only 32
-- compiled regexes).  It must agree with PGMQ's "key ~ compiled_regex" on
-- every pair of 399 patterns (1 to 3 segments of a, ab, *, #, a*, *b,
-- a#b) and 340 keys (1 to 4 segments of a, b, ab, aab), plus patterns
-- with regex metacharacters, inserted by hand (bind_topic refuses them).
-- (OFFSET 0 keeps one binding per inner scan, so its regex stays cached.)
SELECT pgmq.create('teq');
CREATE TEMP TABLE eq_seg (s text);
INSERT INTO eq_seg VALUES ('a'), ('ab'), ('*'), ('#'), ('a*'), ('*b'), ('a#b');
SELECT count(pgmq.bind_topic(p, 'teq')) AS patterns
  FROM (SELECT s1.s AS p FROM eq_seg s1
        UNION SELECT s1.s || '.' || s2.s FROM eq_seg s1, eq_seg s2
        UNION SELECT s1.s || '.' || s2.s || '.' || s3.s FROM eq_seg s1, eq_seg s2, eq_seg s3) v;
INSERT INTO pgmq.topic_bindings (pattern, queue_name)
SELECT p, 'teq' FROM unnest(ARRAY['a+', 'a?', 'a{1}', '(a)', '[a]', 'a|b', '^a', 'a$', 'a\b', 'a.\*',
                                  'a..b', '.a', '**', 'a##', '*#', 'é*', 'a b']) p;
CREATE TEMP TABLE eq_key (k text);
INSERT INTO eq_key
WITH ks(s) AS (VALUES ('a'), ('b'), ('ab'), ('aab'))
SELECT k1.s FROM ks k1
UNION SELECT k1.s || '.' || k2.s FROM ks k1, ks k2
UNION SELECT k1.s || '.' || k2.s || '.' || k3.s FROM ks k1, ks k2, ks k3
UNION SELECT k1.s || '.' || k2.s || '.' || k3.s || '.' || k4.s FROM ks k1, ks k2, ks k3, ks k4;
CREATE TEMP TABLE eq_routed AS
SELECT k.k, t.pattern FROM eq_key k, LATERAL pgmq.test_routing(k.k) t WHERE t.queue_name = 'teq';
CREATE TEMP TABLE eq_regex AS
SELECT k.k, b.pattern FROM pgmq.topic_bindings b, LATERAL (SELECT e.k FROM eq_key e WHERE e.k ~ b.compiled_regex OFFSET 0) k
 WHERE b.queue_name = 'teq';
SELECT (SELECT count(*) FROM eq_key) AS keys,
       (SELECT count(*) FROM pgmq.topic_bindings WHERE queue_name = 'teq') AS bindings,
       (SELECT count(*) FROM eq_regex) AS regex_matches,
       (SELECT count(*) FROM eq_routed) AS routed_matches,
       (SELECT count(*) FROM ((SELECT * FROM eq_routed EXCEPT SELECT * FROM eq_regex)
                              UNION ALL (SELECT * FROM eq_regex EXCEPT SELECT * FROM eq_routed)) d) AS differences;
-- and send_topic delivers where test_routing says
SELECT count(*) FILTER (WHERE pgmq.send_topic(k, jsonb_build_object('k', k))
                              <> (SELECT count(DISTINCT queue_name) FROM pgmq.test_routing(k)))
       AS send_disagrees
  FROM eq_key;
SELECT count(*) AS sent, count(DISTINCT message->>'k') = (SELECT count(DISTINCT k) FROM eq_regex)
       AND bool_and(message->>'k' IN (SELECT k FROM eq_regex)) AS sent_exactly_for_matching_keys
  FROM pgmq.q_teq;
SELECT pgmq.drop_queue('teq');
SELECT count(*) AS bindings_left FROM pgmq.topic_bindings;

