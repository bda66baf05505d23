-- Topic routing under a hostile search_path (as 14_search_path does for
-- the queue API).  Schema regress_evil_topics shadows what a careless
-- implementation would look up by name: the regex match operator ~ (it
-- says "match" to everything), = and ||, now(), clock_timestamp(),
-- lower(), hashtext(), pg_advisory_xact_lock(), regexp_replace(),
-- replace(), unnest(), count(*), domains named like the types involved,
-- and views named topic_bindings, meta, q_<queue> and a_<queue> (also in
-- pg_temp).  Every shadow records its use in regress_evil_topics.calls;
-- the topic API must give the same answers under every path and record
-- nothing.

CREATE SCHEMA regress_evil_topics;
CREATE TABLE regress_evil_topics.calls (what text);
CREATE FUNCTION regress_evil_topics.log(what text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    INSERT INTO regress_evil_topics.calls VALUES (what);
    RAISE WARNING 'regress_evil_topics: % called', what;
END
$$;
CREATE FUNCTION regress_evil_topics.seen(what text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil_topics.log(what); RETURN true; END $$;

-- functions
CREATE FUNCTION regress_evil_topics.now() RETURNS timestamptz
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil_topics.log('now()'); RETURN '2000-01-01'; END $$;
CREATE FUNCTION regress_evil_topics.clock_timestamp() RETURNS timestamptz
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil_topics.log('clock_timestamp()'); RETURN '2000-01-01'; END $$;
CREATE FUNCTION regress_evil_topics.lower(text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil_topics.log('lower(text)'); RETURN 'evil'; END $$;
CREATE FUNCTION regress_evil_topics.lower(character varying) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil_topics.log('lower(varchar)'); RETURN 'evil'; END $$;
CREATE FUNCTION regress_evil_topics.hashtext(text) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil_topics.log('hashtext'); RETURN 0; END $$;
CREATE FUNCTION regress_evil_topics.pg_advisory_xact_lock(bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil_topics.log('pg_advisory_xact_lock'); END $$;
CREATE FUNCTION regress_evil_topics.regexp_replace(text, text, text, text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil_topics.log('regexp_replace'); RETURN 'evil'; END $$;
CREATE FUNCTION regress_evil_topics.replace(text, text, text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil_topics.log('replace'); RETURN 'evil'; END $$;
CREATE FUNCTION regress_evil_topics.unnest(anyarray) RETURNS SETOF anyelement
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil_topics.log('unnest'); RETURN; END $$;
CREATE FUNCTION regress_evil_topics.count_step(bigint) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil_topics.log('count(*)'); RETURN $1 + 1; END $$;
CREATE AGGREGATE regress_evil_topics.count(*) (
    sfunc = regress_evil_topics.count_step, stype = bigint, initcond = '1000');

-- operators: ~ and = say "true", || says "evil"
CREATE FUNCTION regress_evil_topics.op_true(what text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil_topics.log(what); RETURN true; END $$;
CREATE FUNCTION regress_evil_topics.match_text(text, text) RETURNS boolean LANGUAGE sql
    AS $$ SELECT regress_evil_topics.op_true('text ~ text') $$;
CREATE FUNCTION regress_evil_topics.eq_text(text, text) RETURNS boolean LANGUAGE sql
    AS $$ SELECT regress_evil_topics.op_true('text = text') $$;
CREATE FUNCTION regress_evil_topics.eq_varchar_text(character varying, text) RETURNS boolean LANGUAGE sql
    AS $$ SELECT regress_evil_topics.op_true('varchar = text') $$;
CREATE FUNCTION regress_evil_topics.concat_text(text, text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_evil_topics.log('text || text'); RETURN 'evil'; END $$;
CREATE OPERATOR regress_evil_topics.~  (leftarg = text, rightarg = text, function = regress_evil_topics.match_text);
CREATE OPERATOR regress_evil_topics.=  (leftarg = text, rightarg = text, function = regress_evil_topics.eq_text);
CREATE OPERATOR regress_evil_topics.=  (leftarg = character varying, rightarg = text,
                                        function = regress_evil_topics.eq_varchar_text);
CREATE OPERATOR regress_evil_topics.|| (leftarg = text, rightarg = text, function = regress_evil_topics.concat_text);

-- types
CREATE DOMAIN regress_evil_topics.text        AS pg_catalog.text        CHECK (regress_evil_topics.seen('domain text'));
CREATE DOMAIN regress_evil_topics.jsonb       AS pg_catalog.jsonb       CHECK (regress_evil_topics.seen('domain jsonb'));
CREATE DOMAIN regress_evil_topics.int8        AS pg_catalog.int8        CHECK (regress_evil_topics.seen('domain int8'));
CREATE DOMAIN regress_evil_topics.timestamptz AS pg_catalog.timestamptz CHECK (regress_evil_topics.seen('domain timestamptz'));

-- relations, in regress_evil_topics and in pg_temp
CREATE FUNCTION pg_temp.plant_views(nsp text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    n text;
BEGIN
    EXECUTE format('CREATE VIEW %I.meta AS SELECT NULL::varchar AS queue_name, false AS is_partitioned,
                        false AS is_unlogged, NULL::timestamptz AS created_at
                     WHERE regress_evil_topics.seen(%L)', nsp, nsp || '.meta');
    EXECUTE format('CREATE VIEW %I.topic_bindings AS SELECT ''evil''::text AS pattern, ''spt_a''::text AS queue_name,
                        NULL::timestamptz AS bound_at, ''.*''::text AS compiled_regex
                     WHERE regress_evil_topics.seen(%L)', nsp, nsp || '.topic_bindings');
    FOREACH n IN ARRAY ARRAY['q_spt_a', 'a_spt_a', 'q_spt_b', 'a_spt_b'] LOOP
        EXECUTE format('CREATE VIEW %I.%I AS SELECT NULL::bigint AS msg_id, 0 AS read_ct,
                            NULL::timestamptz AS enqueued_at, NULL::timestamptz AS last_read_at,
                            NULL::timestamptz AS vt, NULL::jsonb AS message, NULL::jsonb AS headers
                         WHERE regress_evil_topics.seen(%L)', nsp, n, nsp || '.' || n);
    END LOOP;
END
$$;
SELECT pg_temp.plant_views('regress_evil_topics');
SELECT pg_temp.plant_views('pg_temp');

-- Control: the shadows are reachable (each line records a call)
SET search_path = regress_evil_topics, pg_catalog, public, pgmq;
SELECT 'abc' ~ 'x' AS evil_match, 'a'::text = 'b' AS evil_eq, count(*) AS evil_rows FROM topic_bindings;
SET search_path = regress_evil_topics, public, pgmq;
SELECT lower('ABC'::varchar) AS evil_lower_varchar, 'a'::varchar = 'b'::pg_catalog.text AS evil_varchar_eq;
RESET search_path;
SELECT what, count(*) FROM regress_evil_topics.calls GROUP BY what ORDER BY what;
TRUNCATE regress_evil_topics.calls;

---------------------------------------------------------------------------
-- The topic API, step by step, under each path; every run starts from
-- nothing and cleans up after itself.
---------------------------------------------------------------------------
CREATE TEMP TABLE spt_steps (step int PRIMARY KEY, label text NOT NULL, stmt text NOT NULL);
INSERT INTO spt_steps VALUES
 ( 1, 'create two queues',         $$SELECT 'created' FROM pgmq.create('spt_a') a, pgmq.create('spt_b') b$$),
 ( 2, 'bind sp.* to spt_a',        $$SELECT 'bound' FROM pgmq.bind_topic('sp.*', 'spt_a')$$),
 ( 3, 'bind sp.# to spt_b, twice', $$SELECT 'bound' FROM pgmq.bind_topic('sp.#', 'spt_b') a, pgmq.bind_topic('sp.#', 'spt_b') b$$),
 ( 4, 'bind #.z to spt_a',         $$SELECT 'bound' FROM pgmq.bind_topic('#.z', 'spt_a')$$),
 ( 5, 'bind to unknown queue',     $$SELECT 'bound' FROM pgmq.bind_topic('sp.*', 'spt_nosuch')$$),
 ( 6, 'validate',                  $$SELECT pg_catalog.format('%s %s', pgmq.validate_routing_key('sp.x'), pgmq.validate_topic_pattern('sp.*.#'))$$),
 ( 7, 'validate: bad pattern',     $$SELECT pgmq.validate_topic_pattern('sp.**')::pg_catalog.text$$),
 ( 8, 'test_routing sp.x',         $$SELECT pg_catalog.string_agg(pg_catalog.format('%s>%s %s', t.pattern, t.queue_name, t.compiled_regex), ', ')
                                       FROM pgmq.test_routing('sp.x') t$$),
 ( 9, 'test_routing, no match',    $$SELECT COALESCE(pg_catalog.string_agg(t.pattern, ', '), 'none') FROM pgmq.test_routing('nomatch') t$$),
 (10, 'list_topic_bindings()',     $$SELECT pg_catalog.string_agg(pg_catalog.format('%s>%s', l.pattern, l.queue_name), ', ')
                                       FROM pgmq.list_topic_bindings() l$$),
 (11, 'list_topic_bindings(q)',    $$SELECT pg_catalog.string_agg(l.pattern, ', ') FROM pgmq.list_topic_bindings('spt_a') l$$),
 (12, 'send_topic sp.x',           $$SELECT pgmq.send_topic('sp.x', '{"n": 1}')::pg_catalog.text$$),
 (13, 'send_topic sp.x, delay',    $$SELECT pgmq.send_topic('sp.x', '{"n": 2}', 3600)::pg_catalog.text$$),
 (14, 'send_topic sp.y.z, headers', $$SELECT pgmq.send_topic('sp.y.z', '{"n": 3}', '{"h": 3}', 0)::pg_catalog.text$$),
 (15, 'send_topic, no match',      $$SELECT pgmq.send_topic('nomatch', '{"n": 0}')::pg_catalog.text$$),
 (16, 'send_batch_topic',          $$SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s', b.queue_name, b.msg_id), ' ')
                                       FROM pgmq.send_batch_topic('sp.x', ARRAY['{"n": 4}', '{"n": 5}']::pg_catalog.jsonb[]) b$$),
 (17, 'send_batch_topic, headers, delay', $$SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s', b.queue_name, b.msg_id), ' ')
                                       FROM pgmq.send_batch_topic('sp.z', ARRAY['{"n": 6}']::pg_catalog.jsonb[],
                                                                  ARRAY['{"h": 6}']::pg_catalog.jsonb[], 0) b$$),
 (18, 'send_batch_topic at a time', $$SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s', b.queue_name, b.msg_id), ' ')
                                       FROM pgmq.send_batch_topic('sp.x', ARRAY['{"n": 7}']::pg_catalog.jsonb[],
                                                                  pg_catalog.clock_timestamp()) b$$),
 (19, 'send_topic: bad key',       $$SELECT pgmq.send_topic('sp.*', '{}')::pg_catalog.text$$),
 (20, 'spt_a rows',                $$SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s:%s', q.msg_id, q.message, q.headers), ' ' ORDER BY q.msg_id)
                                       FROM pgmq.q_spt_a q$$),
 (21, 'spt_b rows',                $$SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s:%s', q.msg_id, q.message, q.headers), ' ' ORDER BY q.msg_id)
                                       FROM pgmq.q_spt_b q$$),
 (22, 'unbind sp.*',               $$SELECT pgmq.unbind_topic('sp.*', 'spt_a')::pg_catalog.text$$),
 (23, 'unbind sp.* again',         $$SELECT pgmq.unbind_topic('sp.*', 'spt_a')::pg_catalog.text$$),
 (24, 'drop spt_b',                $$SELECT pgmq.drop_queue('spt_b')::pg_catalog.text$$),
 (25, 'bindings left',             $$SELECT pg_catalog.string_agg(pg_catalog.format('%s>%s', b.pattern, b.queue_name), ', ')
                                       FROM pgmq.topic_bindings b$$),
 (26, 'drop spt_a',                $$SELECT pgmq.drop_queue('spt_a')::pg_catalog.text$$),
 (27, 'nothing left',              $$SELECT pg_catalog.format('bindings %s, registrations %s',
                                              (SELECT pg_catalog.count(*) FROM pgmq.topic_bindings),
                                              (SELECT pg_catalog.count(*) FROM pgmq.meta m
                                                WHERE m.queue_name::pg_catalog.text OPERATOR(pg_catalog.~~) 'spt%'))$$);

CREATE FUNCTION pg_temp.run_steps(path text) RETURNS TABLE (step int, label text, result text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s record;
    r text;
BEGIN
    FOR s IN SELECT * FROM pg_temp.spt_steps ORDER BY 1 LOOP
        BEGIN
            PERFORM pg_catalog.set_config('search_path', path, true);
            EXECUTE s.stmt INTO r;
            PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
        EXCEPTION WHEN OTHERS THEN
            r := SQLSTATE || ': ' || SQLERRM;
        END;
        step := s.step;
        label := s.label;
        result := r;
        RETURN NEXT;
    END LOOP;
END
$$;

-- the first path is an ordinary one, so the kept plans are prepared
-- there and re-parsed under the hostile ones
CREATE TEMP TABLE spt_paths (ord int PRIMARY KEY, path text NOT NULL);
INSERT INTO spt_paths VALUES
    (1, '"$user", public'),
    (2, 'regress_evil_topics, public, pgmq'),               -- pg_catalog implicitly first
    (3, 'regress_evil_topics, pg_catalog, public, pgmq'),   -- evil ahead of pg_catalog
    (4, 'regress_evil_topics, pg_catalog'),                 -- pgmq not in the path
    (5, 'regress_evil_topics, pgmq, pg_catalog, pg_temp'),  -- pg_catalog and pg_temp late
    (6, 'pg_temp, regress_evil_topics, pg_catalog'),        -- temporary relations first
    (7, '');                                                -- only pg_catalog, pg_temp

CREATE TEMP TABLE spt_results (ord int, step int, label text, result text);
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT * FROM pg_temp.spt_paths ORDER BY ord LOOP
        INSERT INTO pg_temp.spt_results SELECT p.ord, r.* FROM pg_temp.run_steps(p.path) r;
    END LOOP;
END
$$;

-- one row per step and result, with on how many of the 7 paths it came out
SELECT step, label, result, count(*) AS paths
  FROM spt_results GROUP BY step, label, result ORDER BY step, result;

SELECT count(*) AS evil_calls FROM regress_evil_topics.calls;

SET client_min_messages = warning;
DROP SCHEMA regress_evil_topics CASCADE;
RESET client_min_messages;
