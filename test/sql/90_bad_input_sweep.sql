-- Bad-input sweep, generated from the catalog: every function and procedure
-- in schema pgmq (pg_proc), every input argument, every value class of the
-- argument's type.  Each call passes a valid baseline value for every
-- argument but one, and an edge value for that one:
--   text         NULL, '', odd and hostile names (quotes, ';', '--', '$',
--                unicode, control characters, mixed case, leading digit,
--                blanks), 47 / 48 / 10000 characters, a queue that does not
--                exist, one that was dropped, one dropped and re-created
--   integer      NULL, minimum, -1, 0, 1, maximum
--   bigint       NULL, minimum, -1, 0, maximum
--   boolean      NULL, true, false
--   jsonb        NULL, JSON null, {}, [], a string, a number, 500 levels
--                of nesting, a 1 MB string
--   jsonb[]      NULL, empty, {NULL}, a NULL among values, 2-D, lower
--                bound 5, JSON nulls, 1000 elements
--   bigint[]     NULL, empty, {NULL}, a NULL among ids, 2-D, lower bound 5,
--                extreme ids, 10000 ids
--   timestamptz  NULL, -infinity, infinity, lowest, 1970, 2000, highest
-- (a type without classes gets NULL only).  Functions without arguments
-- are called once.  Blocking is impossible by construction: the baseline
-- max_poll_seconds / max_wait_seconds is 0, and when one of them is the
-- argument under test the baseline queue has visible messages, so the
-- first attempt returns; statement_timeout stops the test if that ever
-- changes.
--
-- Every call runs in its own subtransaction that is rolled back even when
-- the call succeeds (pg_temp.sweep_call), so calls cannot influence each
-- other, whatever they create, drop, send or read.  A call that fails
-- must leave nothing behind: after each failing call a fingerprint of
-- schema pgmq (every table's rows, every sequence's position, the set of
-- relations and the privileges on them and on the schema) is compared
-- with the one taken before it; sequences are not rolled back, so a
-- failure after an insert began would show.
--
-- The output is one row per (function, argument, outcome), listing the
-- value classes that gave that outcome: "ok" with the scalar result or the
-- row count, or the SQLSTATE; then every distinct error message.  Any
-- internal error (class XX, e.g. "cache lookup failed") is listed
-- separately and must not appear.  The procedure wait_for_messages, which
-- refuses to run inside sweep_call (2D000, after checking its arguments),
-- is swept once more at top level at the end.  The companion TAP test
-- test/t/090_fuzz.pl calls the same functions at random, concurrently.
--
-- Generated: a function added to the extension adds rows here, so this
-- file's expected output has to be regenerated (and reviewed) then.

SET client_min_messages = warning;

---------------------------------------------------------------------------
-- Fixture
---------------------------------------------------------------------------
-- the role grant_queue and revoke_queue get (their grants are rolled back
-- with every call, so it can be dropped at the end)
CREATE ROLE regress_pgmq_sweep_role;

-- sweep: 1 and 2 visible (2 in group g1), 3 hidden for an hour (group g2),
-- 4 archived, 5..8 visible with odd group headers; bound to 'sweep.#';
-- insert notifications on
SELECT pgmq.create('sweep');
SELECT count(*) AS sent FROM pgmq.send_batch('sweep',
    ARRAY['{"n": 1}', '{"n": 2}']::jsonb[], ARRAY[NULL, '{"x-pgmq-group": "g1"}']::jsonb[]);
SELECT count(*) AS sent FROM pgmq.send('sweep', '{"n": 3}', '{"x-pgmq-group": "g2"}', 3600);
SELECT count(*) AS sent FROM pgmq.send('sweep', '{"n": 4}');
SELECT pgmq.archive('sweep', 4::bigint) AS archived;
SELECT count(*) AS sent FROM pgmq.send_batch('sweep',
    ARRAY['{"n": 5}', '{"n": 6}', '{"n": 7}', '{"n": 8}']::jsonb[],
    ARRAY['{"x-pgmq-group": null}', '{"x-pgmq-group": 5}',
          '{"x-pgmq-group": {"a": [1]}}', '{"x-pgmq-group": ""}']::jsonb[]);
SELECT pgmq.bind_topic('sweep.#', 'sweep');
SELECT pgmq.enable_notify_insert('sweep', 250);

-- sweep_dropped: used by this session (its plans are cached), then dropped
SELECT pgmq.create('sweep_dropped');
SELECT pgmq.enable_notify_insert('sweep_dropped', 0);
SELECT count(*) AS sent FROM pgmq.send('sweep_dropped', '{}');
SELECT count(*) AS read FROM pgmq.read('sweep_dropped', 0, 1);
SELECT pgmq.bind_topic('dropped.#', 'sweep_dropped');
SELECT pgmq.drop_queue('sweep_dropped');

-- sweep_recreated: used, dropped, created again (new table, ids from 1),
-- one visible message; notifications on in its first life, off now
SELECT pgmq.create('sweep_recreated');
SELECT pgmq.enable_notify_insert('sweep_recreated');
SELECT count(*) AS sent FROM pgmq.send_batch('sweep_recreated', ARRAY['{}', '{}']::jsonb[]);
SELECT count(*) AS read FROM pgmq.read('sweep_recreated', 0, 1);
SELECT count(*) AS popped FROM pgmq.pop('sweep_recreated');
SELECT pgmq.archive('sweep_recreated', 2::bigint) AS archived;
SELECT queue_length FROM pgmq.metrics('sweep_recreated');
SELECT pgmq.drop_queue('sweep_recreated');
SELECT pgmq.create('sweep_recreated');
SELECT * FROM pgmq.send('sweep_recreated', '{"again": true}');

SELECT msg_id, read_ct, message, headers, vt > now() AS hidden FROM pgmq.q_sweep ORDER BY msg_id;
SELECT msg_id FROM pgmq.a_sweep ORDER BY msg_id;

---------------------------------------------------------------------------
-- Helpers
---------------------------------------------------------------------------

-- printable ASCII as is, every other byte as \xNN (one line, any encoding
-- of the terminal), cut after 100 bytes
CREATE FUNCTION pg_temp.show(t text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(CASE WHEN b BETWEEN 32 AND 126 THEN chr(b)
                           ELSE '\x' || lpad(to_hex(b), 2, '0') END, '' ORDER BY i)
           || CASE WHEN octet_length(convert_to(t, 'UTF8')) > 100 THEN '...' ELSE '' END
      FROM (SELECT i, get_byte(convert_to(t, 'UTF8'), i) AS b
              FROM generate_series(0, least(octet_length(convert_to(t, 'UTF8')), 100) - 1) i) bytes
$$;

-- fingerprint of schema pgmq: the relations and their privileges, every
-- table's rows, every sequence's position
CREATE FUNCTION pg_temp.pgmq_state() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v text;
    acc text;
BEGIN
    SELECT string_agg(relname || ':' || relkind::text || ':' || coalesce(relacl::text, ''), ','
                      ORDER BY relname) INTO acc
      FROM pg_class WHERE relnamespace = 'pgmq'::regnamespace;
    -- privileges too (grant_queue, revoke_queue): the schema's and columns'
    SELECT acc || ';' || coalesce(nspacl::text, '') INTO acc FROM pg_namespace WHERE nspname = 'pgmq';
    SELECT acc || ';' || coalesce(string_agg(a.attrelid::regclass || '.' || a.attname || '=' || a.attacl::text,
                                             ',' ORDER BY a.attrelid::regclass::text, a.attname), '') INTO acc
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = 'pgmq'::regnamespace AND a.attacl IS NOT NULL;
    FOR r IN SELECT c.oid::regclass AS rel, c.relkind FROM pg_class c
              WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relkind IN ('r', 'p', 'S')
              ORDER BY c.relname
    LOOP
        IF r.relkind = 'S' THEN
            EXECUTE format('SELECT last_value || '' '' || is_called FROM %s', r.rel) INTO v;
        ELSE
            EXECUTE format('SELECT md5(coalesce(string_agg(t::text, '','' ORDER BY t::text), '''')) FROM %s t',
                           r.rel) INTO v;
        END IF;
        acc := acc || ';' || r.rel || '=' || coalesce(v, '');
    END LOOP;
    RETURN md5(acc);
END
$$;

-- Run one call in a subtransaction that is always rolled back.  Like
-- public.try(): outcome is 'ok' or the SQLSTATE, detail the call's result
-- (text) or the error message.
CREATE FUNCTION pg_temp.sweep_call(stmt text, OUT outcome text, OUT detail text)
LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE stmt INTO detail;
        outcome := 'ok';
        RAISE EXCEPTION 'roll back' USING ERRCODE = 'ZZ999';
    EXCEPTION WHEN OTHERS THEN
        IF outcome IS NULL THEN
            outcome := SQLSTATE;
            detail := SQLERRM;
        END IF;
    END;
END
$$;

-- the fingerprint sees what a rolled-back failure leaves behind: a used
-- sequence value (put back by hand afterwards)
SELECT pg_temp.pgmq_state() AS state0 \gset
SELECT * FROM pg_temp.sweep_call($$SELECT nextval('pgmq.q_sweep_msg_id_seq') / 0$$);
SELECT pg_temp.pgmq_state() <> :'state0' AS change_detected;
SELECT setval('pgmq.q_sweep_msg_id_seq', 8);
SELECT pg_temp.pgmq_state() = :'state0' AS restored;
-- ... and the rollback of a call that succeeded takes everything else back
SELECT * FROM pg_temp.sweep_call($$SELECT pgmq.purge_queue('sweep')::text$$);
SELECT * FROM pg_temp.sweep_call($$SELECT pgmq.drop_queue('sweep')::text$$);
SELECT pg_temp.pgmq_state() = :'state0' AS unchanged;

---------------------------------------------------------------------------
-- Value classes by type, baselines by argument name (then by type)
---------------------------------------------------------------------------
CREATE TEMP TABLE sweep_class (typ regtype, ord int, class text, expr text,
                               PRIMARY KEY (typ, class));
INSERT INTO sweep_class VALUES
    ('text',  1, 'null',          'NULL'),
    ('text',  2, 'empty',         $$''$$),
    ('text',  3, 'blank',         $$' '$$),
    ('text',  4, 'padded',        $$' sweep '$$),
    ('text',  5, 'mixed_case',    $$'SWEEP'$$),
    ('text',  6, 'leading_digit', $$'1sweep'$$),
    ('text',  7, 'dot',           $$'.'$$),
    ('text',  8, 'wildcards',     $$'sweep.*.#'$$),
    ('text',  9, 'missing',       $$'nosuch'$$),
    ('text', 10, 'dropped',       $$'sweep_dropped'$$),
    ('text', 11, 'recreated',     $$'sweep_recreated'$$),
    ('text', 12, 'len47',         $$repeat('s', 47)$$),
    ('text', 13, 'len48',         $$repeat('s', 48)$$),
    ('text', 14, 'len10000',      $$repeat('s', 10000)$$),
    ('text', 15, 'quote',         $$'it''s'$$),
    ('text', 16, 'double_quote',  $$'a"b'$$),
    ('text', 17, 'semicolon',     $$'a;b'$$),
    ('text', 18, 'dashdash',      $$'a--b'$$),
    ('text', 19, 'dollar',        $$'$1'$$),
    ('text', 20, 'injection',     $$'x''); DROP TABLE pgmq.meta; --'$$),
    ('text', 21, 'ident_injection', $$'x" CASCADE; DROP TABLE pgmq.meta; --"'$$),
    ('text', 22, 'backslash',     $$'a\b'$$),
    ('text', 23, 'percent',       $$'%s%n'$$),
    ('text', 24, 'newline',       $$E'a\nb'$$),
    ('text', 25, 'control',       $$E'\x01'$$),
    ('text', 26, 'unicode',       $$'qüeue'$$),
    ('text', 27, 'emoji',         $$'q📨'$$),
    ('text', 28, 'long_unicode',  $$repeat('é', 300)$$),
    ('integer', 1, 'null',        'NULL'),
    ('integer', 2, 'min',         '-2147483648'),
    ('integer', 3, 'minus1',      '-1'),
    ('integer', 4, 'zero',        '0'),
    ('integer', 5, 'one',         '1'),
    ('integer', 6, 'max',         '2147483647'),
    ('bigint', 1, 'null',         'NULL'),
    ('bigint', 2, 'min',          '-9223372036854775808'),
    ('bigint', 3, 'minus1',       '-1'),
    ('bigint', 4, 'zero',         '0'),
    ('bigint', 5, 'max',          '9223372036854775807'),
    ('boolean', 1, 'null',        'NULL'),
    ('boolean', 2, 'true',        'true'),
    ('boolean', 3, 'false',       'false'),
    ('jsonb', 1, 'null',          'NULL'),
    ('jsonb', 2, 'json_null',     $$'null'$$),
    ('jsonb', 3, 'empty_object',  $$'{}'$$),
    ('jsonb', 4, 'empty_array',   $$'[]'$$),
    ('jsonb', 5, 'string',        $$'"s"'$$),
    ('jsonb', 6, 'number',        $$'-1e300'$$),
    ('jsonb', 7, 'nested500',     $$repeat('[', 500) || repeat(']', 500)$$),
    ('jsonb', 8, 'huge1MB',       $$jsonb_build_object('x-pgmq-group', repeat('g', 1000000))::text$$),
    ('jsonb[]', 1, 'null',        'NULL'),
    ('jsonb[]', 2, 'empty',       $$'{}'$$),
    ('jsonb[]', 3, 'null_elem',   'ARRAY[NULL]'),
    ('jsonb[]', 4, 'some_null',   $$ARRAY['{}', NULL]$$),
    ('jsonb[]', 5, 'two_dim',     $$ARRAY[['{}'], ['{}']]$$),
    ('jsonb[]', 6, 'lower_bound5', $$'[5:5]={"{}"}'$$),
    ('jsonb[]', 7, 'json_nulls',  $$ARRAY['null', 'null']$$),
    ('jsonb[]', 8, 'many1000',    $$array_fill('{"m": 1}'::jsonb, ARRAY[1000])$$),
    ('bigint[]', 1, 'null',       'NULL'),
    ('bigint[]', 2, 'empty',      $$'{}'$$),
    ('bigint[]', 3, 'null_elem',  'ARRAY[NULL]'),
    ('bigint[]', 4, 'some_null',  'ARRAY[1, NULL]'),
    ('bigint[]', 5, 'two_dim',    'ARRAY[[1, 2], [5, 6]]'),
    ('bigint[]', 6, 'lower_bound5', $$'[5:6]={1,2}'$$),
    ('bigint[]', 7, 'extremes',   'ARRAY[-9223372036854775808, -1, 0, 9223372036854775807]'),
    ('bigint[]', 8, 'many10000',  'ARRAY(SELECT generate_series(1, 10000))'),
    ('timestamp with time zone', 1, 'null',      'NULL'),
    ('timestamp with time zone', 2, 'minus_infinity', $$'-infinity'$$),
    ('timestamp with time zone', 3, 'infinity',  $$'infinity'$$),
    ('timestamp with time zone', 4, 'lowest',    $$'4714-11-24 00:00:00+00 BC'$$),
    ('timestamp with time zone', 5, 'epoch',     $$'1970-01-01 00:00:00+00'$$),
    ('timestamp with time zone', 6, 'y2000',     $$'2000-01-01 00:00:00+00'$$),
    ('timestamp with time zone', 7, 'highest',   $$'294276-12-31 23:59:59+00'$$);

-- argname NULL: the baseline of any argument of that type not named here
CREATE TEMP TABLE sweep_baseline (argname text, typ regtype, expr text);
INSERT INTO sweep_baseline VALUES
    ('queue_name',       'text',     $$'sweep'$$),
    ('prefix',           'text',     $$'q'$$),
    ('pattern',          'text',     $$'sweep.#'$$),
    ('routing_key',      'text',     $$'sweep.key'$$),
    ('msg',              'jsonb',    $$'{"n": 0}'$$),
    ('headers',          'jsonb',    $$'{"h": 0}'$$),
    ('conditional',      'jsonb',    $$'{}'$$),
    ('msgs',             'jsonb[]',  $$ARRAY['{"n": 0}']$$),
    ('headers',          'jsonb[]',  $$ARRAY['{"h": 0}']$$),
    ('delay',            'integer',  '0'),
    ('delay',            'timestamp with time zone', $$'2000-01-01 00:00:00+00'$$),
    ('vt',               'integer',  '0'),
    ('vt',               'timestamp with time zone', $$'2000-01-01 00:00:00+00'$$),
    ('qty',              'integer',  '1'),
    ('max_poll_seconds', 'integer',  '0'),
    ('poll_interval_ms', 'integer',  '100'),
    ('max_wait_seconds', 'integer',  '0'),
    ('throttle_interval_ms', 'integer', '250'),
    ('msg_id',           'bigint',   '1'),
    ('msg_ids',          'bigint[]', 'ARRAY[1]'),
    ('partitioned',      'boolean',  'false'),
    ('ready',            'boolean',  'NULL'),
    ('role_name',        'text',     $$'regress_pgmq_sweep_role'$$),
    ('access',           'text',     $$'consumer'$$),
    (NULL,               'text',     $$'sweep'$$),
    (NULL,               'integer',  '0'),
    (NULL,               'bigint',   '1'),
    (NULL,               'boolean',  'false'),
    (NULL,               'jsonb',    $$'{}'$$),
    (NULL,               'jsonb[]',  $$ARRAY['{}']$$),
    (NULL,               'bigint[]', 'ARRAY[1]'),
    (NULL,               'timestamp with time zone', $$'2000-01-01 00:00:00+00'$$);

---------------------------------------------------------------------------
-- The functions and their input arguments, from pg_proc
---------------------------------------------------------------------------
CREATE TEMP TABLE sweep_fn AS
SELECT p.oid AS fn,
       substr(p.oid::regprocedure::text, 6) AS sig,
       format('pgmq.%I', p.proname) AS qualname,
       p.prokind,
       p.prorettype::regtype AS rettype,
       p.proretset OR t.typtype = 'c' OR p.prorettype = 'record'::regtype AS returns_rows
  FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype
 WHERE p.pronamespace = 'pgmq'::regnamespace;

CREATE TEMP TABLE sweep_arg AS
SELECT f.fn, a.pos::int, a.name, a.typ::regtype AS typ,
       coalesce((SELECT b.expr FROM sweep_baseline b WHERE b.argname = a.name AND b.typ = a.typ),
                (SELECT b.expr FROM sweep_baseline b WHERE b.argname IS NULL AND b.typ = a.typ),
                'NULL') AS baseline
  FROM sweep_fn f JOIN pg_proc p ON p.oid = f.fn,
       LATERAL (SELECT row_number() OVER (ORDER BY u.ord) AS pos, u.name, u.typ
                  FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]),
                              coalesce(p.proargmodes, array_fill('i'::"char", ARRAY[p.pronargs::int])),
                              p.proargnames) WITH ORDINALITY AS u(typ, mode, name, ord)
                 WHERE u.mode IN ('i', 'b', 'v')) a;

-- one call per (function, argument, class); pos 0: a function without arguments
CREATE TEMP TABLE sweep_case AS
SELECT f.fn, x.pos, x.ord, x.class,
       CASE WHEN f.prokind = 'p' THEN format('CALL %s(%s)', f.qualname, x.args)
            WHEN f.rettype = 'trigger'::regtype THEN format('SELECT %s(%s) IS NULL', f.qualname, x.args)
            WHEN f.returns_rows THEN format('SELECT count(*) || '' rows'' FROM %s(%s)', f.qualname, x.args)
            ELSE format('SELECT %s(%s)::text', f.qualname, x.args) END AS stmt
  FROM sweep_fn f,
       LATERAL (SELECT t.pos, c.ord, c.class,
                       (SELECT string_agg(format('(%s)::%s', CASE WHEN a.pos = t.pos THEN c.expr ELSE a.baseline END,
                                                 a.typ), ', ' ORDER BY a.pos)
                          FROM sweep_arg a WHERE a.fn = f.fn) AS args
                  FROM sweep_arg t
                  JOIN (SELECT typ, ord, class, expr FROM sweep_class
                        UNION ALL
                        SELECT DISTINCT a.typ, 1, 'null', 'NULL' FROM sweep_arg a
                         WHERE a.typ NOT IN (SELECT typ FROM sweep_class)) c ON c.typ = t.typ
                 WHERE t.fn = f.fn
                UNION ALL
                SELECT 0, 0, 'no arguments', ''
                 WHERE NOT EXISTS (SELECT FROM sweep_arg a WHERE a.fn = f.fn)) x;

---------------------------------------------------------------------------
-- The sweep
---------------------------------------------------------------------------
CREATE TEMP TABLE sweep_result (fn oid, pos int, ord int, class text, stmt text,
                                outcome text, detail text, changed boolean);

SET client_min_messages = error;
SET statement_timeout = '300s';
DO $$
DECLARE
    c record;
    r record;
    before text := pg_temp.pgmq_state();
    after text;
BEGIN
    FOR c IN SELECT * FROM sweep_case ORDER BY fn, pos, ord LOOP
        SELECT * INTO r FROM pg_temp.sweep_call(c.stmt);
        after := pg_temp.pgmq_state();
        INSERT INTO sweep_result
        VALUES (c.fn, c.pos, c.ord, c.class, c.stmt, r.outcome, r.detail,
                r.outcome <> 'ok' AND after IS DISTINCT FROM before);
        before := after;
    END LOOP;
END
$$;
RESET statement_timeout;
SET client_min_messages = warning;

-- what was covered
SELECT count(DISTINCT fn) AS functions,
       count(DISTINCT (fn, pos)) FILTER (WHERE pos > 0) AS arguments,
       count(*) AS calls,
       count(*) FILTER (WHERE outcome = 'ok') AS ok,
       count(*) FILTER (WHERE outcome <> 'ok') AS errors
  FROM sweep_result;
-- every function of the schema was called
SELECT count(*) AS functions_not_called FROM pg_proc p
 WHERE p.pronamespace = 'pgmq'::regnamespace
   AND p.oid NOT IN (SELECT fn FROM sweep_result);

-- must be empty: internal errors (class XX: elog, "cache lookup failed"...),
-- and failing calls that left something behind
SELECT f.sig, r.class, r.outcome, pg_temp.show(r.detail) AS detail
  FROM sweep_result r JOIN sweep_fn f USING (fn)
 WHERE r.outcome LIKE 'XX%'
 ORDER BY 1, 2;
SELECT f.sig, r.class, r.outcome, pg_temp.show(r.detail) AS detail
  FROM sweep_result r JOIN sweep_fn f USING (fn)
 WHERE r.changed
 ORDER BY 1, 2;

-- The table: per function and argument, which classes gave which outcome.
-- ok results show the value (scalar functions) or the row count, except
-- for functions without arguments, whose results depend on what else is
-- in the database (or on whether pgmq is preloaded).
\pset format unaligned
SELECT f.sig AS function, coalesce(a.name, '-') AS argument,
       CASE WHEN r.outcome = 'ok' AND r.detail <> '' AND r.pos > 0 THEN 'ok: ' || pg_temp.show(r.detail)
            ELSE r.outcome END AS outcome,
       string_agg(r.class, ' ' ORDER BY r.ord) AS classes
  FROM sweep_result r
  JOIN sweep_fn f USING (fn)
  LEFT JOIN sweep_arg a ON a.fn = r.fn AND a.pos = r.pos
 GROUP BY f.sig, r.pos, a.name, 3
 ORDER BY f.sig, r.pos, min(r.ord);

-- every distinct error, with how many calls raised it
SELECT outcome AS sqlstate, pg_temp.show(detail) AS message, count(*) AS calls
  FROM sweep_result WHERE outcome <> 'ok'
 GROUP BY 1, 2 ORDER BY 1, 2;
\pset format aligned

-- the fixture is as it was
SELECT msg_id, read_ct, message, headers, vt > now() AS hidden FROM pgmq.q_sweep ORDER BY msg_id;
SELECT msg_id FROM pgmq.a_sweep ORDER BY msg_id;
SELECT queue_name FROM pgmq.list_queues() WHERE queue_name LIKE 'sweep%' ORDER BY 1;
SELECT pattern, queue_name FROM pgmq.list_topic_bindings() WHERE queue_name LIKE 'sweep%';
SELECT queue_name, throttle_interval_ms FROM pgmq.list_notify_insert_throttles()
 WHERE queue_name LIKE 'sweep%';

---------------------------------------------------------------------------
-- The procedure wait_for_messages needs a CALL outside a transaction block
-- (inside sweep_call it is refused with 2D000 once its arguments pass), so
-- it is called here once more per argument and class at top level: the
-- label, then "t"/"f" (ready) or the error's SQLSTATE.  Queue "sweep" has
-- visible messages, so even max_wait_seconds = maximum returns at once.
---------------------------------------------------------------------------
\pset tuples_only on
\pset format unaligned
\set VERBOSITY sqlstate
SET statement_timeout = '30s';
\set ECHO none
SELECT format('SELECT %L', a.name || ' ' || c.class),
       format('CALL pgmq.wait_for_messages(%s)',
              (SELECT string_agg(format('(%s)::%s', CASE WHEN b.pos = a.pos THEN c.expr ELSE b.baseline END,
                                        b.typ), ', ' ORDER BY b.pos)
                 FROM sweep_arg b WHERE b.fn = a.fn))
  FROM sweep_arg a JOIN sweep_class c ON c.typ = a.typ
 WHERE a.fn = 'pgmq.wait_for_messages'::regproc AND a.name <> 'ready'
 ORDER BY a.pos, c.ord
\gexec
\set ECHO all
RESET statement_timeout;
\set VERBOSITY default
\pset format aligned
\pset tuples_only off

SELECT pgmq.unbind_topic('sweep.#', 'sweep');
SELECT pgmq.drop_queue('sweep');
SELECT pgmq.drop_queue('sweep_recreated');
SELECT count(*) AS left_behind FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace AND relname LIKE '%sweep%';
DROP ROLE regress_pgmq_sweep_role;
