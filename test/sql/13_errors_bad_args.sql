-- Bad arguments (other than the queue name) on every function family.
-- Expected SQLSTATEs:
--   NULL message / delay / vt / msgs / msgs element   22004
--   negative delay / vt / max_poll_seconds            22023
--   poll_interval_ms <= 0                             22023
--   negative qty                                      2201W
--   empty msgs, headers length differs from msgs      22023
--   msgs or headers with more than one dimension      2202E
--   NULL msg_id(s) for delete / archive / set_vt      no error, matches nothing
--
-- Each call goes through pg_temp.attempt(), which runs it and reports
-- whether queue "bad" is unchanged afterwards: same rows in q_bad and
-- a_bad (every column) and the same msg_id sequence position.  A failing
-- call's rows are rolled back by PostgreSQL anyway; the sequence is not,
-- so "unchanged" also shows the error came before any INSERT.

SELECT pgmq.create('bad');
-- fixed contents: 1 read (hidden for an hour), 2 visible with headers,
-- 3 delayed an hour, 4 archived
SELECT * FROM pgmq.send_batch('bad', ARRAY['{"n": 1}', '{"n": 2}']::jsonb[],
                              ARRAY[NULL, '{"h": 2}']::jsonb[]);
SELECT * FROM pgmq.send('bad', '{"n": 3}', 3600);
SELECT * FROM pgmq.send('bad', '{"n": 4}');
SELECT msg_id, read_ct FROM pgmq.read('bad', 3600, 1);
SELECT pgmq.archive('bad', 4::bigint);

CREATE FUNCTION pg_temp.bad_state() RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' / ',
        (SELECT string_agg(q::text, ',' ORDER BY msg_id) FROM pgmq.q_bad q),
        (SELECT string_agg(a::text, ',' ORDER BY msg_id) FROM pgmq.a_bad a),
        (SELECT last_value || ' ' || is_called FROM pgmq.q_bad_msg_id_seq))
$$;

CREATE FUNCTION pg_temp.attempt(stmt text, OUT result text, OUT unchanged boolean)
LANGUAGE plpgsql AS $$
DECLARE
    before text := pg_temp.bad_state();
BEGIN
    result := public.try(stmt);
    unchanged := pg_temp.bad_state() IS NOT DISTINCT FROM before;
END
$$;

-- the state the checks below compare against
SELECT msg_id, read_ct, message, headers, vt > now() AS hidden FROM pgmq.q_bad ORDER BY msg_id;
SELECT msg_id, message FROM pgmq.a_bad ORDER BY msg_id;
-- ... and the helper sees a change: a new row, a read, an id used
-- (sequences are not rolled back, so put it back by hand)
BEGIN;
SELECT * FROM pg_temp.attempt($$SELECT pgmq.send('bad', '{"n": "probe"}')$$);
SELECT * FROM pg_temp.attempt($$SELECT pgmq.read('bad', 3600, 1)$$);
ROLLBACK;
SELECT * FROM pg_temp.attempt($$SELECT nextval('pgmq.q_bad_msg_id_seq')$$);
SELECT setval('pgmq.q_bad_msg_id_seq', 4);
SELECT * FROM pg_temp.attempt($$SELECT 1$$);

---------------------------------------------------------------------------
-- send: NULL message (every overload), NULL and negative delay
---------------------------------------------------------------------------
SELECT c.label, a.result, a.unchanged
  FROM (VALUES
    ('msg NULL',                    $$SELECT pgmq.send('bad', NULL)$$),
    ('msg NULL, delay',             $$SELECT pgmq.send('bad', NULL, 0)$$),
    ('msg NULL, at',                $$SELECT pgmq.send('bad', NULL, now())$$),
    ('msg NULL, headers',           $$SELECT pgmq.send('bad', NULL, '{}'::jsonb)$$),
    ('msg NULL, headers, delay',    $$SELECT pgmq.send('bad', NULL, '{}'::jsonb, 0)$$),
    ('msg NULL, headers, at',       $$SELECT pgmq.send('bad', NULL, '{}'::jsonb, now())$$),
    ('msg NULL, named',             $$SELECT pgmq.send(queue_name => 'bad', msg => NULL)$$),
    ('delay NULL',                  $$SELECT pgmq.send('bad', '{}', NULL::integer)$$),
    ('delay NULL, headers',         $$SELECT pgmq.send('bad', '{}', '{}'::jsonb, NULL::integer)$$),
    ('at NULL',                     $$SELECT pgmq.send('bad', '{}', NULL::timestamptz)$$),
    ('at NULL, headers',            $$SELECT pgmq.send('bad', '{}', '{}'::jsonb, NULL::timestamptz)$$),
    ('delay -1',                    $$SELECT pgmq.send('bad', '{}', -1)$$),
    ('delay -1, headers',           $$SELECT pgmq.send('bad', '{}', '{}'::jsonb, -1)$$),
    ('delay min int',               $$SELECT pgmq.send('bad', '{}', -2147483648)$$),
    ('delay -1, named',             $$SELECT pgmq.send(queue_name => 'bad', msg => '{}', delay => -1)$$)
  ) c(label, stmt), LATERAL pg_temp.attempt(c.stmt) a
 ORDER BY c.label;

-- the full error: the value given is in the detail
SELECT pgmq.send('bad', '{}', -3);

-- not errors: NULL headers (stored as NULL), JSON null as the message, and
-- the largest delay (about 68 years)
SELECT * FROM pgmq.send('bad', '{"n": 5}', NULL::jsonb);
SELECT * FROM pgmq.send('bad', 'null');
SELECT * FROM pgmq.send('bad', '{"n": 7}', 2147483647);
SELECT msg_id, message, headers IS NULL AS no_headers,
       vt > now() + interval '68 years' AS hidden_68_years
  FROM pgmq.q_bad WHERE msg_id > 4 ORDER BY msg_id;
SELECT count(*) AS deleted
  FROM pgmq.delete('bad', ARRAY(SELECT msg_id FROM pgmq.q_bad WHERE msg_id > 4));

---------------------------------------------------------------------------
-- send_batch: msgs NULL, empty, with NULL elements, 2-D; headers of
-- another length or 2-D; NULL and negative delay
---------------------------------------------------------------------------
SELECT c.label, a.result, a.unchanged
  FROM (VALUES
    ('msgs NULL',                   $$SELECT pgmq.send_batch('bad', NULL)$$),
    ('msgs NULL, delay',            $$SELECT pgmq.send_batch('bad', NULL, 0)$$),
    ('msgs NULL, headers',          $$SELECT pgmq.send_batch('bad', NULL, ARRAY['{}']::jsonb[])$$),
    ('msgs empty',                  $$SELECT pgmq.send_batch('bad', '{}')$$),
    ('msgs empty, headers empty',   $$SELECT pgmq.send_batch('bad', '{}', '{}'::jsonb[])$$),
    ('msgs empty, at',              $$SELECT pgmq.send_batch('bad', '{}', now())$$),
    ('msgs NULL element first',     $$SELECT pgmq.send_batch('bad', ARRAY[NULL, '{}']::jsonb[])$$),
    ('msgs NULL element last',      $$SELECT pgmq.send_batch('bad', ARRAY['{}', NULL]::jsonb[])$$),
    ('msgs all NULL, headers',      $$SELECT pgmq.send_batch('bad', ARRAY[NULL]::jsonb[], ARRAY['{}']::jsonb[], 0)$$),
    ('msgs 2-D',                    $$SELECT pgmq.send_batch('bad', ARRAY[['{}'], ['{}']]::jsonb[])$$),
    ('msgs 2-D, headers 1-D',       $$SELECT pgmq.send_batch('bad', ARRAY[['{}', '{}']]::jsonb[], ARRAY['{}', '{}']::jsonb[])$$),
    ('headers shorter',             $$SELECT pgmq.send_batch('bad', ARRAY['{}', '{}']::jsonb[], ARRAY['{}']::jsonb[])$$),
    ('headers longer',              $$SELECT pgmq.send_batch('bad', ARRAY['{}']::jsonb[], ARRAY['{}', '{}', '{}']::jsonb[])$$),
    ('headers empty',               $$SELECT pgmq.send_batch('bad', ARRAY['{}']::jsonb[], '{}'::jsonb[])$$),
    ('headers shorter, delay',      $$SELECT pgmq.send_batch('bad', ARRAY['{}', '{}']::jsonb[], ARRAY['{}']::jsonb[], 0)$$),
    ('headers shorter, at',         $$SELECT pgmq.send_batch('bad', ARRAY['{}', '{}']::jsonb[], ARRAY['{}']::jsonb[], now())$$),
    ('headers 2-D',                 $$SELECT pgmq.send_batch('bad', ARRAY['{}', '{}']::jsonb[], ARRAY[['{}'], ['{}']]::jsonb[])$$),
    ('delay NULL',                  $$SELECT pgmq.send_batch('bad', ARRAY['{}']::jsonb[], NULL::integer)$$),
    ('at NULL',                     $$SELECT pgmq.send_batch('bad', ARRAY['{}']::jsonb[], NULL::timestamptz)$$),
    ('delay NULL, headers',         $$SELECT pgmq.send_batch('bad', ARRAY['{}']::jsonb[], ARRAY['{}']::jsonb[], NULL::integer)$$),
    ('delay -1',                    $$SELECT pgmq.send_batch('bad', ARRAY['{}']::jsonb[], -1)$$),
    ('delay -1, headers',           $$SELECT pgmq.send_batch('bad', ARRAY['{}']::jsonb[], ARRAY['{}']::jsonb[], -1)$$)
  ) c(label, stmt), LATERAL pg_temp.attempt(c.stmt) a
 ORDER BY c.label;

-- the full errors
SELECT pgmq.send_batch('bad', ARRAY['{}', NULL]::jsonb[]);
SELECT pgmq.send_batch('bad', ARRAY['{}', '{}']::jsonb[], ARRAY['{}']::jsonb[]);

-- not errors: NULL headers array, NULL elements in headers; headers[i]
-- goes with msgs[i] by position, whatever the arrays' lower bounds
SELECT * FROM pgmq.send_batch('bad', ARRAY['{"n": 5}']::jsonb[], NULL::jsonb[]);
SELECT * FROM pgmq.send_batch('bad', ARRAY['{"n": 6}', '{"n": 7}']::jsonb[],
                              ARRAY['{"h": 6}', NULL]::jsonb[]);
SELECT * FROM pgmq.send_batch('bad', '[3:4]={"{\"n\": 8}","{\"n\": 9}"}'::jsonb[],
                              '[0:1]={"{\"h\": 8}","{\"h\": 9}"}'::jsonb[]);
SELECT msg_id, message, headers FROM pgmq.q_bad WHERE msg_id > 4 ORDER BY msg_id;
SELECT count(*) AS deleted
  FROM pgmq.delete('bad', ARRAY(SELECT msg_id FROM pgmq.q_bad WHERE msg_id > 4));

---------------------------------------------------------------------------
-- read, read_with_poll, pop: NULL or negative vt, negative qty,
-- NULL or negative max_poll_seconds, poll_interval_ms NULL or <= 0
---------------------------------------------------------------------------
SELECT c.label, a.result, a.unchanged
  FROM (VALUES
    ('read vt NULL',                $$SELECT pgmq.read('bad', NULL, 1)$$),
    ('read vt -1',                  $$SELECT pgmq.read('bad', -1, 1)$$),
    ('read vt -1, conditional',     $$SELECT pgmq.read('bad', -1, 1, '{"n": 2}')$$),
    ('read qty -1',                 $$SELECT pgmq.read('bad', 30, -1)$$),
    ('read qty min int',            $$SELECT pgmq.read('bad', 30, -2147483648)$$),
    ('read qty -1, named',          $$SELECT pgmq.read(queue_name => 'bad', vt => 30, qty => -1)$$),
    ('poll vt NULL',                $$SELECT pgmq.read_with_poll('bad', NULL, 1, 0)$$),
    ('poll vt -1',                  $$SELECT pgmq.read_with_poll('bad', -1, 1, 0)$$),
    ('poll qty -1',                 $$SELECT pgmq.read_with_poll('bad', 30, -1, 0)$$),
    ('poll max_poll_seconds NULL',  $$SELECT pgmq.read_with_poll('bad', 30, 1, NULL)$$),
    ('poll max_poll_seconds -1',    $$SELECT pgmq.read_with_poll('bad', 30, 1, -1)$$),
    ('poll poll_interval_ms NULL',  $$SELECT pgmq.read_with_poll('bad', 30, 1, 0, NULL)$$),
    ('poll poll_interval_ms 0',     $$SELECT pgmq.read_with_poll('bad', 30, 1, 1, 0)$$),
    ('poll poll_interval_ms -5',    $$SELECT pgmq.read_with_poll('bad', 30, 1, 0, -5)$$),
    ('poll interval 0, named',      $$SELECT pgmq.read_with_poll(queue_name => 'bad', vt => 30, qty => 1, poll_interval_ms => 0)$$),
    ('pop qty -1',                  $$SELECT pgmq.pop('bad', -1)$$),
    ('pop qty -1, named',           $$SELECT pgmq.pop(queue_name => 'bad', qty => -1)$$)
  ) c(label, stmt), LATERAL pg_temp.attempt(c.stmt) a
 ORDER BY c.label;

-- the full errors
SELECT pgmq.read('bad', 30, -2);
SELECT pgmq.read_with_poll('bad', 30, 1, 1, 0);

-- not errors, and nothing claimed: qty 0
SELECT c.label, a.result, a.unchanged
  FROM (VALUES
    ('read qty 0',                  $$SELECT pgmq.read('bad', 30, 0)$$),
    ('poll qty 0',                  $$SELECT pgmq.read_with_poll('bad', 30, 0, 0)$$),
    ('pop qty 0',                   $$SELECT pgmq.pop('bad', 0)$$)
  ) c(label, stmt), LATERAL pg_temp.attempt(c.stmt) a
 ORDER BY c.label;

-- conditional NULL filters nothing, like '{}' (as in PGMQ)
BEGIN;
SELECT msg_id, read_ct FROM pgmq.read('bad', 30, 10, NULL);
ROLLBACK;

-- waiting is refused under SERIALIZABLE (0A000) before anything is read;
-- one attempt (max_poll_seconds 0) is allowed
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT * FROM pg_temp.attempt($$SELECT pgmq.read_with_poll('bad', 30, 1, 1)$$);
SELECT msg_id, read_ct FROM pgmq.read_with_poll('bad', 30, 1, 0);
ROLLBACK;

---------------------------------------------------------------------------
-- set_vt: NULL or negative vt (all four overloads); a NULL id or id array
-- matches nothing
---------------------------------------------------------------------------
SELECT c.label, a.result, a.unchanged
  FROM (VALUES
    ('vt NULL',                     $$SELECT pgmq.set_vt('bad', 2::bigint, NULL::integer)$$),
    ('vt NULL, ids',                $$SELECT pgmq.set_vt('bad', ARRAY[2]::bigint[], NULL::integer)$$),
    ('at NULL',                     $$SELECT pgmq.set_vt('bad', 2::bigint, NULL::timestamptz)$$),
    ('at NULL, ids',                $$SELECT pgmq.set_vt('bad', ARRAY[2]::bigint[], NULL::timestamptz)$$),
    ('vt -1',                       $$SELECT pgmq.set_vt('bad', 2::bigint, -1)$$),
    ('vt -1, ids',                  $$SELECT pgmq.set_vt('bad', ARRAY[1, 2, 3]::bigint[], -1)$$),
    ('vt -1, named',                $$SELECT pgmq.set_vt(queue_name => 'bad', msg_id => 2::bigint, vt => -1)$$),
    ('vt -1, NULL id',              $$SELECT pgmq.set_vt('bad', NULL::bigint, -1)$$),
    ('NULL id',                     $$SELECT pgmq.set_vt('bad', NULL::bigint, 0)$$),
    ('NULL id, at',                 $$SELECT pgmq.set_vt('bad', NULL::bigint, now())$$),
    ('NULL ids',                    $$SELECT pgmq.set_vt('bad', NULL::bigint[], 0)$$),
    ('NULL ids, at',                $$SELECT pgmq.set_vt('bad', NULL::bigint[], now())$$),
    ('NULL element only',           $$SELECT pgmq.set_vt('bad', ARRAY[NULL]::bigint[], 0)$$),
    ('empty ids',                   $$SELECT pgmq.set_vt('bad', '{}'::bigint[], 0)$$),
    ('unknown id',                  $$SELECT pgmq.set_vt('bad', 999::bigint, 0)$$),
    ('archived id',                 $$SELECT pgmq.set_vt('bad', 4::bigint, 0)$$)
  ) c(label, stmt), LATERAL pg_temp.attempt(c.stmt) a
 ORDER BY c.label;

-- the rows come back empty, not as a row of NULLs
SELECT count(*) AS rows_returned FROM pgmq.set_vt('bad', NULL::bigint, 0);
SELECT count(*) AS rows_returned FROM pgmq.set_vt('bad', NULL::bigint[], now());
-- a NULL among real ids is ignored, the others are set
BEGIN;
SELECT msg_id, vt <= clock_timestamp() AS visible FROM pgmq.set_vt('bad', ARRAY[NULL, 1]::bigint[], 0);
ROLLBACK;

---------------------------------------------------------------------------
-- delete and archive: a NULL id is false, a NULL array returns no rows,
-- NULL elements are ignored; nothing is touched
---------------------------------------------------------------------------
SELECT c.label, a.result, a.unchanged
  FROM (VALUES
    ('delete NULL id',              $$SELECT pgmq.delete('bad', NULL::bigint)$$),
    ('delete NULL ids',             $$SELECT pgmq.delete('bad', NULL::bigint[])$$),
    ('delete NULL element',         $$SELECT pgmq.delete('bad', ARRAY[NULL]::bigint[])$$),
    ('delete empty ids',            $$SELECT pgmq.delete('bad', '{}'::bigint[])$$),
    ('delete archived id',          $$SELECT pgmq.delete('bad', 4::bigint)$$),
    ('archive NULL id',             $$SELECT pgmq.archive('bad', NULL::bigint)$$),
    ('archive NULL ids',            $$SELECT pgmq.archive('bad', NULL::bigint[])$$),
    ('archive NULL element',        $$SELECT pgmq.archive('bad', ARRAY[NULL]::bigint[])$$),
    ('archive empty ids',           $$SELECT pgmq.archive('bad', '{}'::bigint[])$$),
    ('archive archived id',         $$SELECT pgmq.archive('bad', 4::bigint)$$)
  ) c(label, stmt), LATERAL pg_temp.attempt(c.stmt) a
 ORDER BY c.label;

SELECT pgmq.delete('bad', NULL::bigint) AS delete_null,
       pgmq.archive('bad', NULL::bigint) AS archive_null;
SELECT count(*) AS deleted FROM pgmq.delete('bad', NULL::bigint[]);
SELECT count(*) AS archived FROM pgmq.archive('bad', NULL::bigint[]);
-- a NULL among real ids is ignored, the others are acted on
BEGIN;
SELECT * FROM pgmq.delete('bad', ARRAY[NULL, 2]::bigint[]);
SELECT * FROM pgmq.archive('bad', ARRAY[3, NULL]::bigint[]);
SELECT msg_id FROM pgmq.q_bad ORDER BY msg_id;
SELECT msg_id FROM pgmq.a_bad ORDER BY msg_id;
ROLLBACK;

---------------------------------------------------------------------------
-- Order of the checks: the queue name first, then the other arguments,
-- then whether the queue exists (delete/archive look the queue up before
-- they look at a NULL id)
---------------------------------------------------------------------------
SELECT c.label, a.result, a.unchanged
  FROM (VALUES
    ('bad name + NULL msg',         $$SELECT pgmq.send('a;b', NULL)$$),
    ('NULL name + negative delay',  $$SELECT pgmq.send(NULL, '{}', -1)$$),
    ('missing queue + NULL msg',    $$SELECT pgmq.send('nosuch', NULL)$$),
    ('missing queue + NULL msgs',   $$SELECT pgmq.send_batch('nosuch', NULL)$$),
    ('missing queue + vt -1',       $$SELECT pgmq.read('nosuch', -1, 1)$$),
    ('missing queue + qty -1',      $$SELECT pgmq.pop('nosuch', -1)$$),
    ('missing queue + interval 0',  $$SELECT pgmq.read_with_poll('nosuch', 1, 1, 1, 0)$$),
    ('missing queue + set_vt -1',   $$SELECT pgmq.set_vt('nosuch', 1::bigint, -1)$$),
    ('missing queue + NULL id',     $$SELECT pgmq.delete('nosuch', NULL::bigint)$$),
    ('missing queue + NULL ids',    $$SELECT pgmq.archive('nosuch', NULL::bigint[])$$)
  ) c(label, stmt), LATERAL pg_temp.attempt(c.stmt) a
 ORDER BY c.label;

-- after all of it: the queue is exactly as set up; the only ids used are
-- those of the 8 messages the successful sends above stored (5 to 12)
SELECT msg_id, read_ct, message, headers, vt > now() AS hidden FROM pgmq.q_bad ORDER BY msg_id;
SELECT msg_id, message FROM pgmq.a_bad ORDER BY msg_id;
SELECT last_value FROM pgmq.q_bad_msg_id_seq;

SELECT pgmq.drop_queue('bad');
