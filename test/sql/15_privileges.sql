-- The role model the README documents:
--  * functions run with the caller's rights; EXECUTE stays with PUBLIC;
--  * access is gated by USAGE on schema pgmq and privileges on the queue
--    tables: SELECT, INSERT, UPDATE, DELETE on pgmq.q_<q> (send, read,
--    pop, set_vt, delete) and SELECT, INSERT on pgmq.a_<q> (archive);
--  * a role without them gets 42501, on every function;
--  * creating and dropping queues needs CREATE on schema pgmq and access
--    to pgmq.meta (and dropping, ownership of the queue's tables);
--  * pg_monitor reads pgmq.meta and the queues the installing role
--    created, but not other roles' queues unless granted.
-- Roles switch with SET ROLE / RESET ROLE.  This backend's cached plans
-- are shared by every role that uses them: the superuser uses every
-- statement on queue "priv" first, so the checks below also show that a
-- cached plan never carries one role's rights over to another.

CREATE ROLE regress_pgmq_app;        -- the README's grants on queue "priv"
CREATE ROLE regress_pgmq_producer;   -- USAGE + SELECT, INSERT on q_priv only
CREATE ROLE regress_pgmq_nobody;     -- USAGE on the schema, nothing else
CREATE ROLE regress_pgmq_outsider;   -- no grants at all
CREATE ROLE regress_pgmq_admin;      -- creates and drops queues
CREATE ROLE regress_pgmq_monitor IN ROLE pg_monitor;

---------------------------------------------------------------------------
-- Caller's rights: no pgmq function is SECURITY DEFINER or pins a
-- search_path, and every role may EXECUTE every one of them
---------------------------------------------------------------------------
SELECT count(*) >= 36 AS all_api_functions,
       count(*) FILTER (WHERE prosecdef) AS security_definer,
       count(*) FILTER (WHERE proconfig IS NOT NULL) AS with_settings,
       count(*) FILTER (WHERE NOT has_function_privilege('regress_pgmq_outsider', oid, 'EXECUTE'))
           AS not_executable_by_outsider
  FROM pg_proc WHERE pronamespace = 'pgmq'::regnamespace;

---------------------------------------------------------------------------
-- Two queues, created by the superuser, every statement used once so this
-- backend holds their plans
---------------------------------------------------------------------------
SELECT pgmq.create('priv');
SELECT pgmq.create('priv_other');
SELECT * FROM pgmq.send('priv', '{"by": "superuser"}');
SELECT * FROM pgmq.send_batch('priv', ARRAY['{"by": "superuser"}']::jsonb[]);
SELECT msg_id FROM pgmq.read('priv', 0, 1);
SELECT msg_id FROM pgmq.read('priv', 0, 1, '{"by": "superuser"}');
SELECT msg_id FROM pgmq.read_with_poll('priv', 0, 1, 0);
SELECT msg_id FROM pgmq.set_vt('priv', 1::bigint, 0);
SELECT msg_id FROM pgmq.set_vt('priv', ARRAY[1]::bigint[], 0);
SELECT msg_id FROM pgmq.pop('priv', 0);
SELECT pgmq.delete('priv', 99::bigint), pgmq.archive('priv', 99::bigint);
SELECT * FROM pgmq.delete('priv', ARRAY[99]::bigint[]);
SELECT * FROM pgmq.archive('priv', ARRAY[99]::bigint[]);
SELECT queue_length, total_messages FROM pgmq.metrics('priv');
SELECT * FROM pgmq.send('priv_other', '{"secret": true}');

GRANT USAGE ON SCHEMA pgmq TO regress_pgmq_app, regress_pgmq_producer, regress_pgmq_nobody;
GRANT SELECT, INSERT, UPDATE, DELETE ON pgmq.q_priv TO regress_pgmq_app;
GRANT SELECT, INSERT ON pgmq.a_priv TO regress_pgmq_app;
GRANT SELECT, INSERT ON pgmq.q_priv TO regress_pgmq_producer;

---------------------------------------------------------------------------
-- With the README's grants a role can send, read, pop, set_vt, delete and
-- archive on that queue
---------------------------------------------------------------------------
SET ROLE regress_pgmq_app;
SELECT current_user;
SELECT * FROM pgmq.send('priv', '{"by": "app", "n": 1}');
SELECT * FROM pgmq.send('priv', '{"by": "app", "n": 2}', '{"h": 1}'::jsonb, 0);
SELECT * FROM pgmq.send_batch('priv', ARRAY['{"by": "app", "n": 3}', '{"by": "app", "n": 4}']::jsonb[]);
SELECT msg_id, read_ct, message FROM pgmq.read('priv', 30, 2) ORDER BY msg_id;
SELECT msg_id, message FROM pgmq.read('priv', 30, 5, '{"n": 2}');
SELECT msg_id, message FROM pgmq.read_with_poll('priv', 30, 1, 1, 10);
SELECT msg_id, read_ct FROM pgmq.set_vt('priv', 1::bigint, 0);
SELECT msg_id FROM pgmq.set_vt('priv', ARRAY[2, 3]::bigint[], now()) ORDER BY msg_id;
SELECT msg_id, message FROM pgmq.pop('priv');
SELECT pgmq.delete('priv', 2::bigint) AS deleted;
SELECT * FROM pgmq.delete('priv', ARRAY[3]::bigint[]);
SELECT pgmq.archive('priv', 4::bigint) AS archived;
SELECT * FROM pgmq.archive('priv', ARRAY[5]::bigint[]);
-- it can look at its own tables
SELECT msg_id, message FROM pgmq.q_priv ORDER BY msg_id;
SELECT msg_id, message FROM pgmq.a_priv ORDER BY msg_id;

-- beyond those grants: metrics also reads the msg_id sequence, purge
-- needs TRUNCATE, and the catalog functions read pgmq.meta
SELECT try($$SELECT pgmq.metrics('priv')$$) AS metrics,
       try($$SELECT pgmq.purge_queue('priv')$$) AS purge_queue;
SELECT try($$SELECT pgmq.list_queues()$$) AS list_queues,
       try($$SELECT pgmq.metrics_all()$$) AS metrics_all;
-- and it cannot create or drop queues
SELECT try($$SELECT pgmq.create('app_queue')$$) AS create_queue,
       try($$SELECT pgmq.drop_queue('priv')$$) AS drop_queue;
RESET ROLE;

-- metrics works once the sequence may be read too
GRANT SELECT ON SEQUENCE pgmq.q_priv_msg_id_seq TO regress_pgmq_app;
SET ROLE regress_pgmq_app;
SELECT queue_name, queue_length, total_messages FROM pgmq.metrics('priv');
RESET ROLE;

---------------------------------------------------------------------------
-- 42501 on every function, for: the app on a queue it has no grants on;
-- a role with USAGE on the schema only; a role with nothing.  One row per
-- (role, queue, outcome).
---------------------------------------------------------------------------
CREATE TEMP TABLE queue_calls (fn text PRIMARY KEY, tmpl text);
INSERT INTO queue_calls VALUES
    ('send',                   'SELECT pgmq.send(%L, ''{"x": 1}'')'),
    ('send headers delay',     'SELECT pgmq.send(%L, ''{"x": 1}'', ''{}''::jsonb, 0)'),
    ('send_batch',             'SELECT pgmq.send_batch(%L, ARRAY[''{"x": 1}'']::jsonb[])'),
    ('send_batch headers at',  'SELECT pgmq.send_batch(%L, ARRAY[''{}'']::jsonb[], ARRAY[''{}'']::jsonb[], now())'),
    ('read',                   'SELECT pgmq.read(%L, 0, 10)'),
    ('read conditional',       'SELECT pgmq.read(%L, 0, 10, ''{"x": 1}'')'),
    ('read_with_poll',         'SELECT pgmq.read_with_poll(%L, 0, 10, 5, 100)'),
    ('pop',                    'SELECT pgmq.pop(%L)'),
    ('set_vt',                 'SELECT pgmq.set_vt(%L, 1::bigint, 0)'),
    ('set_vt batch at',        'SELECT pgmq.set_vt(%L, ARRAY[1]::bigint[], now())'),
    ('delete',                 'SELECT pgmq.delete(%L, 1::bigint)'),
    ('delete batch',           'SELECT pgmq.delete(%L, ARRAY[1]::bigint[])'),
    ('archive',                'SELECT pgmq.archive(%L, 1::bigint)'),
    ('archive batch',          'SELECT pgmq.archive(%L, ARRAY[1]::bigint[])'),
    ('metrics',                'SELECT pgmq.metrics(%L)'),
    ('purge_queue',            'SELECT pgmq.purge_queue(%L)'),
    ('create',                 'SELECT pgmq.create(%L)'),
    ('drop_queue',             'SELECT pgmq.drop_queue(%L)');
SELECT count(*) AS functions_checked FROM queue_calls;

-- runs every call as the given role (the function itself is ordinary, so
-- SET ROLE inside it works as at top level)
CREATE FUNCTION pg_temp.calls_as(r text, q text) RETURNS TABLE (result text, calls bigint)
LANGUAGE plpgsql AS $$
DECLARE
    c record;
    res text[] := '{}';
BEGIN
    FOR c IN SELECT * FROM queue_calls ORDER BY fn LOOP
        EXECUTE format('SET LOCAL ROLE %I', r);
        res := res || public.try(format(c.tmpl, q));
        RESET ROLE;
    END LOOP;
    RETURN QUERY SELECT x, count(*) FROM unnest(res) x GROUP BY x ORDER BY x;
END
$$;

SELECT 'app' AS role, 'priv_other' AS queue, * FROM pg_temp.calls_as('regress_pgmq_app', 'priv_other');
SELECT 'nobody' AS role, 'priv' AS queue, * FROM pg_temp.calls_as('regress_pgmq_nobody', 'priv');
SELECT 'nobody' AS role, 'priv_other' AS queue, * FROM pg_temp.calls_as('regress_pgmq_nobody', 'priv_other');
SELECT 'outsider' AS role, 'priv' AS queue, * FROM pg_temp.calls_as('regress_pgmq_outsider', 'priv');

-- none of it changed anything
SELECT msg_id, read_ct, message FROM pgmq.q_priv ORDER BY msg_id;
SELECT msg_id, message FROM pgmq.a_priv ORDER BY msg_id;
SELECT msg_id, read_ct, message FROM pgmq.q_priv_other ORDER BY msg_id;
SELECT queue_name FROM pgmq.meta WHERE queue_name LIKE 'priv%' ORDER BY queue_name;

---------------------------------------------------------------------------
-- Each grant gates its own operations: SELECT, INSERT on the queue table
-- is enough to send, not to consume
---------------------------------------------------------------------------
SET ROLE regress_pgmq_producer;
SELECT * FROM pgmq.send('priv', '{"by": "producer"}');
SELECT * FROM pgmq.send_batch('priv', ARRAY['{"by": "producer"}']::jsonb[]);
SELECT try($$SELECT pgmq.read('priv', 30, 1)$$) AS read,
       try($$SELECT pgmq.pop('priv')$$) AS pop;
SELECT try($$SELECT pgmq.set_vt('priv', 6::bigint, 0)$$) AS set_vt,
       try($$SELECT pgmq.delete('priv', 6::bigint)$$) AS delete;
SELECT try($$SELECT pgmq.archive('priv', 6::bigint)$$) AS archive;
RESET ROLE;
SELECT msg_id, read_ct, message FROM pgmq.q_priv WHERE msg_id > 5 ORDER BY msg_id;

---------------------------------------------------------------------------
-- Creating and dropping queues.  The admin role gets USAGE, then write
-- access to pgmq.meta, then CREATE on the schema: only with all of them
-- can it create a queue.  ("Write access" must include SELECT: create
-- checks pgmq.meta for another spelling of the name.)
---------------------------------------------------------------------------
GRANT USAGE ON SCHEMA pgmq TO regress_pgmq_admin;
SET ROLE regress_pgmq_admin;
SELECT try($$SELECT pgmq.create('adm')$$) AS usage_only;
RESET ROLE;
GRANT INSERT, DELETE ON pgmq.meta TO regress_pgmq_admin;
GRANT CREATE ON SCHEMA pgmq TO regress_pgmq_admin;
SET ROLE regress_pgmq_admin;
SELECT try($$SELECT pgmq.create('adm')$$) AS create_without_select_on_meta;
RESET ROLE;
REVOKE CREATE ON SCHEMA pgmq FROM regress_pgmq_admin;
GRANT SELECT ON pgmq.meta TO regress_pgmq_admin;
SET ROLE regress_pgmq_admin;
SELECT try($$SELECT pgmq.create('adm')$$) AS create_without_create_on_schema;
RESET ROLE;
GRANT CREATE ON SCHEMA pgmq TO regress_pgmq_admin;
SET ROLE regress_pgmq_admin;
SELECT try($$SELECT pgmq.create('adm')$$) AS create_with_all;
-- nothing was left behind by the refused attempts; the queue is the
-- admin's own (caller's rights) and works for it
SELECT queue_name FROM pgmq.list_queues() WHERE queue_name = 'adm';
SELECT * FROM pgmq.send('adm', '{"by": "admin"}');
SELECT msg_id, message FROM pgmq.read('adm', 30, 1);
SELECT queue_name, queue_length FROM pgmq.metrics('adm');
-- it cannot drop a queue it does not own: the whole call fails, the
-- registration stays
SELECT try($$SELECT pgmq.drop_queue('priv')$$) AS drop_others_queue;
RESET ROLE;
SELECT c.relname, pg_get_userbyid(c.relowner) = 'regress_pgmq_admin' AS owned_by_admin
  FROM pg_class c
 WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relname IN ('q_adm', 'a_adm', 'q_priv')
 ORDER BY c.relname;
SELECT queue_name FROM pgmq.meta WHERE queue_name IN ('adm', 'priv') ORDER BY queue_name;
-- the app has no rights on the admin's queue until the admin grants them
SET ROLE regress_pgmq_app;
SELECT try($$SELECT pgmq.send('adm', '{}')$$) AS app_on_adm;
RESET ROLE;

---------------------------------------------------------------------------
-- pg_monitor: may read the queues and their metrics, may not consume
---------------------------------------------------------------------------
SET ROLE regress_pgmq_monitor;
SELECT queue_name, queue_length, total_messages FROM pgmq.metrics('priv');
SELECT queue_name FROM pgmq.list_queues() WHERE queue_name LIKE 'priv%' ORDER BY queue_name;
SELECT count(*) AS rows_in_q_priv FROM pgmq.q_priv;
SELECT count(*) AS rows_in_a_priv FROM pgmq.a_priv;
SELECT try($$SELECT pgmq.read('priv', 30, 1)$$) AS read,
       try($$SELECT pgmq.send('priv', '{}')$$) AS send;
-- The default privileges behind pg_monitor's access are the installing
-- role's (as in PGMQ): a queue created by another role (the admin's) is
-- not readable without a grant, and so metrics_all() fails as a whole
-- (documented in the README).
SELECT try($$SELECT pgmq.metrics('adm')$$) AS metrics_adm,
       try($$SELECT pgmq.metrics_all()$$) AS metrics_all;
RESET ROLE;

---------------------------------------------------------------------------
-- The admin drops its queue; then clean up
---------------------------------------------------------------------------
SET ROLE regress_pgmq_admin;
SELECT pgmq.drop_queue('adm');
RESET ROLE;
SELECT count(*) AS adm_left FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace AND relname LIKE '%adm%';
SELECT pgmq.drop_queue('priv'), pgmq.drop_queue('priv_other');

-- DROP OWNED BY takes back every grant made above
DROP OWNED BY regress_pgmq_app, regress_pgmq_producer, regress_pgmq_nobody,
              regress_pgmq_outsider, regress_pgmq_admin, regress_pgmq_monitor;
SELECT count(*) AS grants_left
  FROM (SELECT nspacl AS acl FROM pg_namespace WHERE nspname = 'pgmq'
        UNION ALL
        SELECT relacl FROM pg_class WHERE relnamespace = 'pgmq'::regnamespace) o,
       aclexplode(o.acl) a
 WHERE pg_get_userbyid(a.grantee) LIKE 'regress_pgmq%';
DROP ROLE regress_pgmq_app, regress_pgmq_producer, regress_pgmq_nobody,
          regress_pgmq_outsider, regress_pgmq_admin, regress_pgmq_monitor;
SELECT count(*) AS roles_left FROM pg_roles WHERE rolname LIKE 'regress_pgmq%';
