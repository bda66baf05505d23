-- A hostile search_path cannot redirect the extension.  Schema
-- regress_evil shadows what a careless extension would look up by name:
-- functions (now, clock_timestamp, lower, hashtext, nextval, unnest,
-- jsonb_build_object, pg_advisory_xact_lock), aggregates (count(*), min,
-- max), operators (= <= > < + @> ||), types (domains named text, jsonb,
-- int8, int4, timestamptz) and relations (meta, q_<queue>, a_<queue>).
-- Every one of them records its use in regress_evil.calls and raises a
-- WARNING, and returns a wrong answer.  The queue API is then run under
-- several search_paths; it must give the right answers and
-- regress_evil.calls must stay empty.
--
-- Statements this file runs itself under a hostile path are written
-- fully qualified too, so that any call that gets recorded comes from the
-- extension.

CREATE SCHEMA regress_evil;
CREATE TABLE regress_evil.calls (what text);

CREATE FUNCTION regress_evil.log(what text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    INSERT INTO regress_evil.calls VALUES (what);
    RAISE WARNING 'regress_evil: % called', what;
END
$$;
CREATE FUNCTION regress_evil.seen(what text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    PERFORM regress_evil.log(what);
    RETURN true;
END
$$;

---------------------------------------------------------------------------
-- The shadows
---------------------------------------------------------------------------
-- functions
CREATE FUNCTION regress_evil.now() RETURNS timestamptz
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil.log('now()'); RETURN '2000-01-01'; END $$;
CREATE FUNCTION regress_evil.clock_timestamp() RETURNS timestamptz
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil.log('clock_timestamp()'); RETURN '2000-01-01'; END $$;
CREATE FUNCTION regress_evil.lower(text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil.log('lower(text)'); RETURN 'evil'; END $$;
CREATE FUNCTION regress_evil.lower(character varying) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil.log('lower(varchar)'); RETURN 'evil'; END $$;
CREATE FUNCTION regress_evil.hashtext(text) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil.log('hashtext'); RETURN 0; END $$;
CREATE FUNCTION regress_evil.nextval(regclass) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil.log('nextval'); RETURN 1000; END $$;
CREATE FUNCTION regress_evil.unnest(anyarray) RETURNS SETOF anyelement
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil.log('unnest'); RETURN; END $$;
CREATE FUNCTION regress_evil.jsonb_build_object(VARIADIC text[]) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil.log('jsonb_build_object'); RETURN '{"evil": true}'; END $$;
CREATE FUNCTION regress_evil.pg_advisory_xact_lock(bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil.log('pg_advisory_xact_lock'); END $$;

-- aggregates
CREATE FUNCTION regress_evil.count_step(bigint) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil.log('count(*)'); RETURN $1 + 1; END $$;
CREATE AGGREGATE regress_evil.count(*) (
    sfunc = regress_evil.count_step, stype = bigint, initcond = '1000');
CREATE FUNCTION regress_evil.ts_step(timestamptz, timestamptz) RETURNS timestamptz
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil.log('min/max(timestamptz)'); RETURN '2000-01-01'; END $$;
CREATE AGGREGATE regress_evil.max(timestamptz) (sfunc = regress_evil.ts_step, stype = timestamptz);
CREATE AGGREGATE regress_evil.min(timestamptz) (sfunc = regress_evil.ts_step, stype = timestamptz);

-- operators: the comparisons say "true", the arithmetic says 100
CREATE FUNCTION regress_evil.op_true(what text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil.log(what); RETURN true; END $$;
CREATE FUNCTION regress_evil.eq_int8(bigint, bigint) RETURNS boolean LANGUAGE sql
    AS $$ SELECT regress_evil.op_true('bigint = bigint') $$;
CREATE FUNCTION regress_evil.lt_int8(bigint, bigint) RETURNS boolean LANGUAGE sql
    AS $$ SELECT regress_evil.op_true('bigint < bigint') $$;
CREATE FUNCTION regress_evil.eq_text(text, text) RETURNS boolean LANGUAGE sql
    AS $$ SELECT regress_evil.op_true('text = text') $$;
CREATE FUNCTION regress_evil.eq_varchar_text(character varying, text) RETURNS boolean LANGUAGE sql
    AS $$ SELECT regress_evil.op_true('varchar = text') $$;
CREATE FUNCTION regress_evil.le_tstz(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql
    AS $$ SELECT regress_evil.op_true('timestamptz <= timestamptz') $$;
CREATE FUNCTION regress_evil.gt_tstz(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql
    AS $$ SELECT regress_evil.op_true('timestamptz > timestamptz') $$;
CREATE FUNCTION regress_evil.contains_jsonb(jsonb, jsonb) RETURNS boolean LANGUAGE sql
    AS $$ SELECT regress_evil.op_true('jsonb @> jsonb') $$;
CREATE FUNCTION regress_evil.plus_int4(integer, integer) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil.log('integer + integer'); RETURN 100; END $$;
CREATE FUNCTION regress_evil.concat_text(text, text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil.log('text || text'); RETURN 'evil'; END $$;
CREATE OPERATOR regress_evil.=  (leftarg = bigint, rightarg = bigint, function = regress_evil.eq_int8);
CREATE OPERATOR regress_evil.<  (leftarg = bigint, rightarg = bigint, function = regress_evil.lt_int8);
CREATE OPERATOR regress_evil.=  (leftarg = text, rightarg = text, function = regress_evil.eq_text);
CREATE OPERATOR regress_evil.=  (leftarg = character varying, rightarg = text,
                                 function = regress_evil.eq_varchar_text);
CREATE OPERATOR regress_evil.<= (leftarg = timestamptz, rightarg = timestamptz, function = regress_evil.le_tstz);
CREATE OPERATOR regress_evil.>  (leftarg = timestamptz, rightarg = timestamptz, function = regress_evil.gt_tstz);
CREATE OPERATOR regress_evil.@> (leftarg = jsonb, rightarg = jsonb, function = regress_evil.contains_jsonb);
CREATE OPERATOR regress_evil.+  (leftarg = integer, rightarg = integer, function = regress_evil.plus_int4);
CREATE OPERATOR regress_evil.|| (leftarg = text, rightarg = text, function = regress_evil.concat_text);

-- types: a column or cast declared with an unqualified type name would get
-- one of these domains, whose check records every value stored
CREATE DOMAIN regress_evil.text        AS pg_catalog.text        CHECK (regress_evil.seen('domain text'));
CREATE DOMAIN regress_evil.jsonb       AS pg_catalog.jsonb       CHECK (regress_evil.seen('domain jsonb'));
CREATE DOMAIN regress_evil.int8        AS pg_catalog.int8        CHECK (regress_evil.seen('domain int8'));
CREATE DOMAIN regress_evil.int4        AS pg_catalog.int4        CHECK (regress_evil.seen('domain int4'));
CREATE DOMAIN regress_evil.timestamptz AS pg_catalog.timestamptz CHECK (regress_evil.seen('domain timestamptz'));

-- relations: views that record being read (and cannot be written), in
-- regress_evil and in this session's temporary schema (which is searched
-- first for relations unless the path places it)
CREATE FUNCTION pg_temp.plant_views(nsp text, names text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    n text;
BEGIN
    EXECUTE format('CREATE VIEW %I.meta AS SELECT NULL::varchar AS queue_name, false AS is_partitioned,
                        false AS is_unlogged, NULL::timestamptz AS created_at
                     WHERE regress_evil.seen(%L)', nsp, nsp || '.meta');
    FOREACH n IN ARRAY names LOOP
        EXECUTE format('CREATE VIEW %I.%I AS SELECT NULL::bigint AS msg_id, 0 AS read_ct,
                            NULL::timestamptz AS enqueued_at, NULL::timestamptz AS last_read_at,
                            NULL::timestamptz AS vt, NULL::jsonb AS message, NULL::jsonb AS headers
                         WHERE regress_evil.seen(%L)', nsp, n, nsp || '.' || n);
    END LOOP;
END
$$;
SELECT pg_temp.plant_views('regress_evil', ARRAY['q_sp', 'a_sp', 'q_spc', 'a_spc', 'q_spt', 'a_spt']);
SELECT pg_temp.plant_views('pg_temp', ARRAY['q_sp', 'a_sp', 'q_spc', 'a_spc', 'q_spt', 'a_spt']);

---------------------------------------------------------------------------
-- Control: the shadows really are reachable.  With regress_evil ahead of
-- pg_catalog every unqualified name below is captured; with pg_catalog
-- implicitly first, an exact-match signature pg_catalog lacks still is
-- (lower(varchar), varchar = text).  Each line here is a recorded call.
---------------------------------------------------------------------------
SET search_path = regress_evil, pg_catalog, public, pgmq;
SELECT pg_catalog.date_part('year', now()) AS evil_now_year;
SELECT lower('ABC') AS evil_lower, 1::bigint = 2::bigint AS evil_eq, 1 + 1 AS evil_plus;
SELECT count(*) AS evil_count FROM (VALUES (1)) v;
SELECT count(*) AS evil_relation FROM meta;
SELECT '{}'::jsonb AS evil_type;
SET search_path = regress_evil, public, pgmq;
SELECT now() = pg_catalog.now() AS catalog_now_wins;
SELECT lower('ABC'::varchar) AS evil_lower_varchar, 'a'::varchar = 'b'::pg_catalog.text AS evil_varchar_eq;
RESET search_path;
SELECT what, count(*) FROM regress_evil.calls GROUP BY what ORDER BY what;
TRUNCATE regress_evil.calls;

---------------------------------------------------------------------------
-- The whole queue API under a hostile path: one run per path, each on a
-- fresh queue "sp".  pg_temp.run_steps() switches to the path for each
-- step only (and catches errors), so its own bookkeeping runs safely.
---------------------------------------------------------------------------
CREATE TEMP TABLE sp_steps (step int PRIMARY KEY, label text NOT NULL, stmt text NOT NULL);
INSERT INTO sp_steps VALUES
 ( 1, 'create',                      $$SELECT 'created' FROM pgmq.create('sp')$$),
 ( 2, 'create again (silent)',       $$SELECT 'created' FROM pgmq.create('sp')$$),
 ( 3, 'create another spelling',     $$SELECT 'created' FROM pgmq.create('SP')$$),
 ( 4, 'send',                        $$SELECT s::pg_catalog.text FROM pgmq.send('sp', '{"n": 1}') s$$),
 ( 5, 'send headers, delay 1 hour',  $$SELECT s::pg_catalog.text FROM pgmq.send('sp', '{"n": 2}', '{"h": 2}'::pg_catalog.jsonb, 3600) s$$),
 ( 6, 'send_batch with headers',     $$SELECT pg_catalog.string_agg(s::pg_catalog.text, ' ')
                                         FROM pgmq.send_batch('sp', ARRAY['{"n": 3}', '{"n": 4, "k": "x"}', '{"n": 5}']::pg_catalog.jsonb[],
                                                              ARRAY['{"h": 3}', NULL, '{"h": 5}']::pg_catalog.jsonb[]) s$$),
 ( 7, 'send_batch at a time',        $$SELECT pg_catalog.string_agg(s::pg_catalog.text, ' ')
                                         FROM pgmq.send_batch('sp', ARRAY['{"n": 6}']::pg_catalog.jsonb[], pg_catalog.clock_timestamp()) s$$),
 ( 8, 'stored rows',                 $$SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s:%s', q.msg_id, q.message, q.headers), ' ' ORDER BY q.msg_id)
                                         FROM pgmq.q_sp q$$),
 ( 9, 'read 2',                      $$SELECT pg_catalog.string_agg(pg_catalog.format('%s/read %s', r.msg_id, r.read_ct), ' ' ORDER BY r.msg_id)
                                         FROM pgmq.read('sp', 30, 2) r$$),
 (10, 'read conditional',            $$SELECT pg_catalog.string_agg(pg_catalog.format('%s/read %s', r.msg_id, r.read_ct), ' ' ORDER BY r.msg_id)
                                         FROM pgmq.read('sp', 30, 10, '{"k": "x"}') r$$),
 (11, 'read_with_poll',              $$SELECT pg_catalog.string_agg(pg_catalog.format('%s/read %s', r.msg_id, r.read_ct), ' ' ORDER BY r.msg_id)
                                         FROM pgmq.read_with_poll('sp', 30, 10, 1, 10) r$$),
 (12, 'read: none visible',          $$SELECT COALESCE(pg_catalog.string_agg(r.msg_id::pg_catalog.text, ' '), 'none')
                                         FROM pgmq.read('sp', 30, 10) r$$),
 (13, 'set_vt one, 0 s',             $$SELECT pg_catalog.string_agg(v.msg_id::pg_catalog.text, ' ') FROM pgmq.set_vt('sp', 1::bigint, 0) v$$),
 (14, 'set_vt many, at a time',      $$SELECT pg_catalog.string_agg(v.msg_id::pg_catalog.text, ' ' ORDER BY v.msg_id)
                                         FROM pgmq.set_vt('sp', ARRAY[3, 4]::bigint[], pg_catalog.now()) v$$),
 (15, 'pop 2',                       $$SELECT pg_catalog.string_agg(p.msg_id::pg_catalog.text, ' ' ORDER BY p.msg_id) FROM pgmq.pop('sp', 2) p$$),
 (16, 'delete one',                  $$SELECT pgmq.delete('sp', 4::bigint)::pg_catalog.text$$),
 (17, 'delete one, already gone',    $$SELECT pgmq.delete('sp', 4::bigint)::pg_catalog.text$$),
 (18, 'delete many',                 $$SELECT pg_catalog.string_agg(d::pg_catalog.text, ' ') FROM pgmq.delete('sp', ARRAY[5, 99]::bigint[]) d$$),
 (19, 'archive one',                 $$SELECT pgmq.archive('sp', 6::bigint)::pg_catalog.text$$),
 (20, 'archive many (hidden msg)',   $$SELECT pg_catalog.string_agg(a::pg_catalog.text, ' ') FROM pgmq.archive('sp', ARRAY[2, 98]::bigint[]) a$$),
 (21, 'archived rows',               $$SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s', a.msg_id, a.message), ' ' ORDER BY a.msg_id)
                                         FROM pgmq.a_sp a$$),
 (22, 'queue rows left',             $$SELECT COALESCE(pg_catalog.string_agg(q.msg_id::pg_catalog.text, ' '), 'none') FROM pgmq.q_sp q$$),
 (23, 'metrics',                     $$SELECT pg_catalog.format('%s length %s visible %s total %s', m.queue_name, m.queue_length,
                                                                m.queue_visible_length, m.total_messages)
                                         FROM pgmq.metrics('sp') m$$),
 (24, 'send 2 more',                 $$SELECT pg_catalog.string_agg(s::pg_catalog.text, ' ')
                                         FROM pgmq.send_batch('sp', ARRAY['{"n": 7}', '{"n": 8}']::pg_catalog.jsonb[], 0) s$$),
 (25, 'metrics_all',                 $$SELECT pg_catalog.format('%s length %s visible %s total %s', m.queue_name, m.queue_length,
                                                                m.queue_visible_length, m.total_messages)
                                         FROM pgmq.metrics_all() m WHERE m.queue_name OPERATOR(pg_catalog.=) 'sp'$$),
 (26, 'list_queues',                 $$SELECT pg_catalog.format('%s partitioned %s unlogged %s', l.queue_name, l.is_partitioned, l.is_unlogged)
                                         FROM pgmq.list_queues() l WHERE l.queue_name OPERATOR(pg_catalog.=) 'sp'$$),
 (27, 'purge_queue',                 $$SELECT pgmq.purge_queue('sp')::pg_catalog.text$$),
 (28, 'missing queue',               $$SELECT s::pg_catalog.text FROM pgmq.send('nosuch', '{}') s$$),
 (29, 'acquire_queue_lock',          $$SELECT 'locked' FROM pgmq.acquire_queue_lock('sp')$$),
 (30, 'drop_queue, other spelling',  $$SELECT pgmq.drop_queue('Sp')::pg_catalog.text$$),
 (31, 'tables and registration gone', $$SELECT pg_catalog.format('q_sp gone %s, a_sp gone %s, registrations %s',
                                                       pg_catalog.to_regclass('pgmq.q_sp') IS NULL,
                                                       pg_catalog.to_regclass('pgmq.a_sp') IS NULL,
                                                       (SELECT pg_catalog.count(*) FROM pgmq.meta m
                                                         WHERE m.queue_name OPERATOR(pg_catalog.=) 'sp'))$$);

CREATE FUNCTION pg_temp.run_steps(path text) RETURNS TABLE (step int, label text, result text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s record;
    r text;
BEGIN
    FOR s IN SELECT * FROM pg_temp.sp_steps ORDER BY 1 LOOP
        BEGIN
            PERFORM pg_catalog.set_config('search_path', path, true);
            EXECUTE s.stmt INTO r;
            PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
        EXCEPTION WHEN OTHERS THEN
            -- (the failed block's SET is undone with it)
            r := SQLSTATE || ': ' || SQLERRM;
        END;
        step := s.step;
        label := s.label;
        result := r;
        RETURN NEXT;
    END LOOP;
END
$$;

CREATE TEMP TABLE sp_paths (path text PRIMARY KEY);
INSERT INTO sp_paths VALUES
    ('regress_evil, public, pgmq'),              -- pg_catalog implicitly first
    ('regress_evil, pg_catalog, public, pgmq'),  -- evil ahead of pg_catalog, pgmq last
    ('regress_evil, pg_catalog'),                -- pgmq not in the path at all
    ('regress_evil, pgmq, pg_catalog, pg_temp'), -- pg_catalog and pg_temp placed late
    ('pg_temp, regress_evil, pg_catalog'),       -- temporary relations first
    ('');                                        -- empty: only pg_catalog, pg_temp

CREATE TEMP TABLE sp_results AS
SELECT p.path, r.* FROM sp_paths p, LATERAL pg_temp.run_steps(p.path) r;

-- one row per step: the result, and on how many of the 6 paths it was
-- that result (any path that differs shows up as a second row).  All
-- runs are one transaction, and metrics' visible length counts vt <=
-- now() (the transaction start, as PGMQ), so messages 7 and 8 are not
-- counted as visible in step 25.
SELECT step, label, result, count(*) AS paths
  FROM sp_results GROUP BY step, label, result ORDER BY step, result;

-- the control above shows such calls are recorded: none were
SELECT count(*) AS evil_calls FROM regress_evil.calls;

---------------------------------------------------------------------------
-- Plans prepared under the normal path, then used under a hostile one
-- (PostgreSQL re-parses a cached plan when search_path changes, so this
-- is the re-parse)
---------------------------------------------------------------------------
SELECT pgmq.create('spc');
SELECT * FROM pgmq.send('spc', '{"n": 1}');
SELECT * FROM pgmq.send_batch('spc', ARRAY['{"n": 2}', '{"n": 3}']::jsonb[]);
SELECT msg_id FROM pgmq.read('spc', 0, 1);
SELECT msg_id FROM pgmq.read('spc', 0, 1, '{"n": 1}');
SELECT msg_id FROM pgmq.set_vt('spc', 1::bigint, 0);
SELECT msg_id FROM pgmq.set_vt('spc', ARRAY[1]::bigint[], 0);
SELECT pgmq.delete('spc', 99::bigint), pgmq.archive('spc', 99::bigint);
SELECT * FROM pgmq.delete('spc', ARRAY[99]::bigint[]);
SELECT * FROM pgmq.archive('spc', ARRAY[99]::bigint[]);
SELECT msg_id FROM pgmq.pop('spc', 0);
SELECT queue_length, total_messages FROM pgmq.metrics('spc');

SET search_path = regress_evil, pg_catalog, public;
SELECT * FROM pgmq.send('spc', '{"n": 4}');
SELECT * FROM pgmq.send('spc', '{"n": 5}', 3600);
SELECT * FROM pgmq.send_batch('spc', ARRAY['{"n": 6}']::pg_catalog.jsonb[]);
SELECT msg_id, read_ct FROM pgmq.read('spc', 30, 2) ORDER BY msg_id;
SELECT msg_id, read_ct FROM pgmq.read('spc', 30, 5, '{"n": 6}');
SELECT msg_id, vt OPERATOR(pg_catalog.<=) pg_catalog.clock_timestamp() AS visible
  FROM pgmq.set_vt('spc', 2::bigint, 0);
SELECT msg_id FROM pgmq.set_vt('spc', ARRAY[1, 6]::bigint[], 0) ORDER BY msg_id;
SELECT msg_id, message FROM pgmq.pop('spc', 1);
SELECT pgmq.delete('spc', 2::bigint) AS deleted, pgmq.archive('spc', 3::bigint) AS archived;
SELECT * FROM pgmq.delete('spc', ARRAY[4, 6]::bigint[]) d ORDER BY d;
SELECT * FROM pgmq.archive('spc', ARRAY[5]::bigint[]);
-- a wait for a message that becomes visible a second later
SELECT * FROM pgmq.send('spc', '{"n": 7}', 1);
SELECT msg_id, message FROM pgmq.read_with_poll('spc', 30, 1, 5, 50);
SELECT pgmq.delete('spc', 7::bigint) AS deleted;
SELECT queue_name, queue_length, queue_visible_length, total_messages FROM pgmq.metrics('spc');
RESET search_path;
SELECT msg_id, message FROM pgmq.q_spc ORDER BY msg_id;
SELECT msg_id, message FROM pgmq.a_spc ORDER BY msg_id;
SELECT count(*) AS evil_calls FROM regress_evil.calls;
SELECT pgmq.drop_queue('spc');

---------------------------------------------------------------------------
-- Tables created under a hostile path have pg_catalog's types and
-- defaults (a shadowed type or now() would show up qualified here), and
-- pgmq.meta got the registration
---------------------------------------------------------------------------
SET search_path = regress_evil, pg_catalog, public, pgmq;
SELECT pgmq.create_unlogged('spt');
RESET search_path;
SELECT c.relname, a.attname, a.atttypid::regtype AS type,
       pg_get_expr(d.adbin, d.adrelid) AS default
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.oid IN ('pgmq.q_spt'::regclass, 'pgmq.a_spt'::regclass)
 ORDER BY c.relname DESC, a.attnum;
SELECT count(*) AS columns_of_evil_types
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
 WHERE a.attrelid IN ('pgmq.q_spt'::regclass, 'pgmq.a_spt'::regclass)
   AND t.typnamespace = 'regress_evil'::regnamespace;
SELECT queue_name, is_unlogged FROM pgmq.meta WHERE queue_name = 'spt';
SET search_path = regress_evil, pg_catalog;
SELECT pgmq.drop_queue('spt');
RESET search_path;
SELECT count(*) AS registered FROM pgmq.meta WHERE queue_name = 'spt';
SELECT to_regclass('pgmq.q_spt') AS q_table, to_regclass('pgmq.a_spt') AS a_table;

---------------------------------------------------------------------------
-- Nothing was ever captured
---------------------------------------------------------------------------
SELECT count(*) AS evil_calls FROM regress_evil.calls;

-- (the temporary views go with it: they use regress_evil.seen)
SET client_min_messages = warning;
DROP SCHEMA regress_evil CASCADE;
RESET client_min_messages;
SELECT count(*) AS views_left FROM pg_class
 WHERE relnamespace = pg_my_temp_schema() AND relkind = 'v';
