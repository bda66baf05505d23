-- pgmq.grant_queue / pgmq.revoke_queue: the role model of the README
-- ("Privileges") without hand-written table GRANTs.
--  * 'producer' may send (also through topics and to a queue with insert
--    notifications) and nothing else: not read, not see message contents,
--    not forge msg_id;
--  * 'consumer' may read, poll, pop, set_vt, delete, archive and see
--    metrics, but not send or purge;
--  * 'all' is both, and purge_queue;
--  * a role without grants, and every role on another queue, gets 42501;
--  * revoke_queue takes a kind back (and only that kind), all or nothing;
--  * the caller needs the right to grant; a hostile search_path changes
--    nothing; every bad argument fails with its SQLSTATE.
-- Every call of the matrix below runs as the role in a subtransaction that
-- is rolled back, so the calls cannot influence each other.

CREATE ROLE regress_gq_producer;
CREATE ROLE regress_gq_consumer;
CREATE ROLE regress_gq_all;
CREATE ROLE regress_gq_nobody;
CREATE ROLE regress_gq_admin;
CREATE ROLE "regress_gq Odd""Name";

SELECT pgmq.create('gq');
SELECT pgmq.create('gq_other');
SELECT pgmq.enable_notify_insert('gq', 1000);   -- the trigger writes the throttle row
SELECT pgmq.bind_topic('gq.*', 'gq');
SELECT pgmq.bind_topic('gq_other.*', 'gq_other');
SELECT count(*) AS sent FROM pgmq.send_batch('gq',
    ARRAY['{"n": 1}', '{"n": 2}', '{"n": 3}']::jsonb[],
    ARRAY['{"x-pgmq-group": "a"}', '{"x-pgmq-group": "b"}', NULL]::jsonb[]);
SELECT count(*) AS sent FROM pgmq.send('gq_other', '{"secret": true}');

-- outcome of stmt run as role r: 'ok' or the SQLSTATE; always rolled back
CREATE FUNCTION pg_temp.outcome_as(r text, stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    res text;
BEGIN
    BEGIN
        EXECUTE format('SET LOCAL ROLE %I', r);
        EXECUTE stmt;
        res := 'ok';
        RAISE EXCEPTION 'roll back' USING ERRCODE = 'ZZ999';
    EXCEPTION WHEN OTHERS THEN
        IF res IS NULL THEN
            res := SQLSTATE;
        END IF;
    END;
    RETURN res;
END
$$;

CREATE TEMP TABLE gq_calls (ord int PRIMARY KEY, what text, tmpl text);
INSERT INTO gq_calls VALUES
    ( 1, 'send',                 'SELECT pgmq.send(%L, ''{"x": 1}'')'),
    ( 2, 'send headers delay',   'SELECT pgmq.send(%L, ''{"x": 1}'', ''{"h": 1}''::jsonb, 0)'),
    ( 3, 'send_batch',           'SELECT pgmq.send_batch(%L, ARRAY[''{"x": 1}'']::jsonb[])'),
    ( 4, 'send_topic',           'SELECT pgmq.send_topic(%L || ''.key'', ''{"x": 1}'')'),
    ( 5, 'send_batch_topic',     'SELECT pgmq.send_batch_topic(%L || ''.key'', ARRAY[''{}'']::jsonb[])'),
    ( 6, 'read',                 'SELECT pgmq.read(%L, 30, 1)'),
    ( 7, 'read conditional',     'SELECT pgmq.read(%L, 30, 1, ''{"n": 2}'')'),
    ( 8, 'read_with_poll',       'SELECT pgmq.read_with_poll(%L, 30, 1, 1)'),
    ( 9, 'read_grouped',         'SELECT pgmq.read_grouped(%L, 30, 1)'),
    (10, 'read_grouped_rr',      'SELECT pgmq.read_grouped_rr(%L, 30, 1)'),
    (11, 'pop',                  'SELECT pgmq.pop(%L)'),
    (12, 'set_vt',               'SELECT pgmq.set_vt(%L, 1::bigint, 0)'),
    (13, 'set_vt batch',         'SELECT pgmq.set_vt(%L, ARRAY[1, 2]::bigint[], now())'),
    (14, 'delete',               'SELECT pgmq.delete(%L, 1::bigint)'),
    (15, 'delete batch',         'SELECT pgmq.delete(%L, ARRAY[1, 2]::bigint[])'),
    (16, 'archive',              'SELECT pgmq.archive(%L, 1::bigint)'),
    (17, 'archive batch',        'SELECT pgmq.archive(%L, ARRAY[1, 2]::bigint[])'),
    (18, 'metrics',              'SELECT pgmq.metrics(%L)'),
    (19, 'purge_queue',          'SELECT pgmq.purge_queue(%L)'),
    (20, 'drop_queue',           'SELECT pgmq.drop_queue(%L)'),
    (21, 'create',               'SELECT pgmq.create(%L || ''_new'')'),
    (22, 'list_queues',          'SELECT pgmq.list_queues() WHERE %L IS NOT NULL'),
    (23, 'table: msg_id',        'SELECT msg_id FROM pgmq.%s'),
    (24, 'table: message',       'SELECT message FROM pgmq.%s'),
    (25, 'table: forge msg_id',  'INSERT INTO pgmq.%s (msg_id, vt) OVERRIDING SYSTEM VALUE VALUES (99, now())'),
    (26, 'archive table',        'SELECT message FROM pgmq.%s');

-- the statement of a call on queue q; the direct table accesses (23 to 26)
-- take the queue's (or archive's) table name
CREATE FUNCTION pg_temp.call_sql(ord int, tmpl text, q text) RETURNS text
LANGUAGE sql AS $$
    SELECT CASE WHEN ord = 26 THEN format(tmpl, quote_ident('a_' || q))
                WHEN ord >= 23 THEN format(tmpl, quote_ident('q_' || q))
                ELSE format(tmpl, q) END
$$;

-- one row per call, one column per role
CREATE FUNCTION pg_temp.matrix(q text)
RETURNS TABLE (what text, producer text, consumer text, "all" text, nobody text)
LANGUAGE sql AS $$
    SELECT c.what,
           pg_temp.outcome_as('regress_gq_producer', pg_temp.call_sql(c.ord, c.tmpl, q)),
           pg_temp.outcome_as('regress_gq_consumer', pg_temp.call_sql(c.ord, c.tmpl, q)),
           pg_temp.outcome_as('regress_gq_all', pg_temp.call_sql(c.ord, c.tmpl, q)),
           pg_temp.outcome_as('regress_gq_nobody', pg_temp.call_sql(c.ord, c.tmpl, q))
      FROM gq_calls c ORDER BY c.ord
$$;

-- the grants of the regress_gq roles on schema pgmq and everything in it
CREATE FUNCTION pg_temp.gq_acl()
RETURNS TABLE (object text, grantee text, privileges text)
LANGUAGE sql AS $$
    SELECT o.object, pg_get_userbyid(a.grantee),
           string_agg(a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END,
                      ', ' ORDER BY a.privilege_type)
      FROM (SELECT 'schema pgmq' AS object, nspacl AS acl FROM pg_namespace WHERE nspname = 'pgmq'
            UNION ALL
            SELECT c.relname, c.relacl FROM pg_class c WHERE c.relnamespace = 'pgmq'::regnamespace
            UNION ALL
            SELECT c.relname || '.' || t.attname, t.attacl
              FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid
             WHERE c.relnamespace = 'pgmq'::regnamespace AND t.attacl IS NOT NULL) o,
           aclexplode(o.acl) a
     WHERE pg_get_userbyid(a.grantee) LIKE 'regress_gq%'
     GROUP BY 1, 2 ORDER BY 1, 2
$$;

---------------------------------------------------------------------------
-- Before any grant: nobody may do anything (the listing needs the schema)
---------------------------------------------------------------------------
SELECT * FROM pg_temp.matrix('gq');

---------------------------------------------------------------------------
-- Grant: default kind is consumer; kinds are case-insensitive; granting
-- twice is harmless
---------------------------------------------------------------------------
SELECT pgmq.grant_queue('gq', 'regress_gq_producer', 'producer');
SELECT pgmq.grant_queue('gq', 'regress_gq_consumer');
SELECT pgmq.grant_queue('gq', 'regress_gq_all', 'ALL');
SELECT pgmq.grant_queue('gq', 'regress_gq_all', 'all');
SELECT * FROM pg_temp.gq_acl();

-- what each role may do now
SELECT * FROM pg_temp.matrix('gq');
-- and on the other queue, nothing (only the shared listing)
SELECT * FROM pg_temp.matrix('gq_other');

-- the rolled-back calls left the queues as they were
SELECT msg_id, read_ct, message FROM pgmq.q_gq ORDER BY msg_id;
SELECT count(*) AS archived FROM pgmq.a_gq;
SELECT msg_id, message FROM pgmq.q_gq_other ORDER BY msg_id;

-- for real: the producer sends, the consumer receives and archives
SET ROLE regress_gq_producer;
SELECT count(*) AS sent FROM pgmq.send('gq', '{"from": "producer"}');
SELECT * FROM pgmq.send_topic('gq.key', '{"from": "producer, by topic"}');
RESET ROLE;
SET ROLE regress_gq_consumer;
SELECT read_ct, message FROM pgmq.read('gq', 30, 10) ORDER BY msg_id;
SELECT pgmq.archive('gq', (SELECT max(msg_id) FROM pgmq.q_gq WHERE message ? 'from')) AS archived,
       pgmq.delete('gq', (SELECT min(msg_id) FROM pgmq.q_gq)) AS deleted;
SELECT queue_length, total_messages > 5 AS counted FROM pgmq.metrics('gq');
RESET ROLE;
SELECT message FROM pgmq.a_gq ORDER BY msg_id;
SELECT message FROM pgmq.q_gq ORDER BY msg_id;
-- the producer's sends went through the throttled notification trigger
SELECT queue_name, last_notified_at > now() - interval '1 hour' AS notified
  FROM pgmq.notify_insert_throttle WHERE queue_name = 'gq';

-- why the producer needs the shared rights: table rights alone do not
-- get through the notification trigger
CREATE ROLE regress_gq_tables_only;
GRANT USAGE ON SCHEMA pgmq TO regress_gq_tables_only;
GRANT INSERT (vt, message, headers), SELECT (msg_id) ON pgmq.q_gq TO regress_gq_tables_only;
SELECT pg_temp.outcome_as('regress_gq_tables_only', $$SELECT pgmq.send('gq', '{}')$$) AS send_with_table_rights_only;
SELECT pgmq.grant_queue('gq', 'regress_gq_tables_only', 'producer');
SELECT pg_temp.outcome_as('regress_gq_tables_only', $$SELECT pgmq.send('gq', '{}')$$) AS send_after_grant_queue;
DROP OWNED BY regress_gq_tables_only;
DROP ROLE regress_gq_tables_only;

-- a role name that needs quoting
SELECT pgmq.grant_queue('gq', 'regress_gq Odd"Name', 'producer');
SELECT has_column_privilege('regress_gq Odd"Name', 'pgmq.q_gq', 'message', 'INSERT') AS odd_may_send,
       has_table_privilege('regress_gq Odd"Name', 'pgmq.q_gq', 'SELECT') AS odd_may_read;
SELECT pgmq.revoke_queue('gq', 'regress_gq Odd"Name');

---------------------------------------------------------------------------
-- Revoke takes one kind back.  'consumer' from the 'all' role leaves a
-- working producer (revoking table SELECT also drops the column grant
-- msg_id needs, which is put back); then 'producer' leaves nothing.
---------------------------------------------------------------------------
SELECT pgmq.revoke_queue('gq', 'regress_gq_all', 'consumer');
SELECT * FROM pg_temp.gq_acl() WHERE grantee = 'regress_gq_all';
SELECT pg_temp.outcome_as('regress_gq_all', $$SELECT pgmq.send('gq', '{}')$$) AS send,
       pg_temp.outcome_as('regress_gq_all', $$SELECT pgmq.read('gq', 0, 1)$$) AS read,
       pg_temp.outcome_as('regress_gq_all', $$SELECT pgmq.purge_queue('gq')$$) AS purge;
SELECT pgmq.revoke_queue('gq', 'regress_gq_all', 'producer');
SELECT pg_temp.outcome_as('regress_gq_all', $$SELECT pgmq.send('gq', '{}')$$) AS send;
-- the default kind of revoke_queue is 'all'
SELECT pgmq.revoke_queue('gq', 'regress_gq_consumer');
SELECT pgmq.revoke_queue('gq', 'regress_gq_producer');
-- revoking what was never granted is harmless
SELECT pgmq.revoke_queue('gq', 'regress_gq_nobody');
SELECT * FROM pg_temp.matrix('gq');
-- nothing is left on the queue's own objects; the shared rights stay
-- (other queues may need them; DROP OWNED BY or REVOKE removes them)
SELECT * FROM pg_temp.gq_acl();

---------------------------------------------------------------------------
-- The caller needs the right to grant, checked for every privilege before
-- the first GRANT: refused calls change nothing
---------------------------------------------------------------------------
SELECT pgmq.grant_queue('gq', 'regress_gq_consumer', 'all');
SET ROLE regress_gq_consumer;   -- holds the privileges, not the grant option
SELECT try($$SELECT pgmq.grant_queue('gq', 'regress_gq_nobody', 'consumer')$$) AS grant_by_consumer;
SELECT try($$SELECT pgmq.grant_queue('gq', 'regress_gq_producer', 'consumer')$$) AS grant_by_consumer;
SELECT try($$SELECT pgmq.revoke_queue('gq', 'regress_gq_all')$$) AS revoke_by_consumer;
RESET ROLE;
SET ROLE regress_gq_nobody;
SELECT try($$SELECT pgmq.grant_queue('gq', 'regress_gq_nobody', 'all')$$) AS grant_to_self;
RESET ROLE;
SELECT * FROM pg_temp.gq_acl() WHERE grantee = 'regress_gq_nobody';
SELECT * FROM pg_temp.gq_acl() WHERE grantee = 'regress_gq_producer' AND object LIKE 'q_gq%';

-- a non-superuser that owns a queue grants its use, once the role has the
-- shared rights (only a superuser or their owner can give those)
GRANT USAGE, CREATE ON SCHEMA pgmq TO regress_gq_admin;
GRANT SELECT, INSERT, DELETE ON pgmq.meta TO regress_gq_admin;
CREATE ROLE regress_gq_reader;   -- gets a consumer's shared rights by hand
GRANT USAGE ON SCHEMA pgmq TO regress_gq_reader;
GRANT SELECT ON pgmq.meta TO regress_gq_reader;
SET ROLE regress_gq_admin;
SELECT pgmq.create('gq_adm');
SELECT try($$SELECT pgmq.grant_queue('gq_adm', 'regress_gq_nobody', 'consumer')$$) AS nobody_lacks_shared_rights;
-- the reader lacks a producer's shared rights: 'all' fails as a whole,
-- although the admin could grant every right on its own tables
SELECT try($$SELECT pgmq.grant_queue('gq_adm', 'regress_gq_reader', 'all')$$) AS reader_lacks_producer_rights;
SELECT count(*) AS granted_on_gq_adm FROM pg_temp.gq_acl()
 WHERE object LIKE '%gq_adm%' AND grantee = 'regress_gq_reader';
SELECT pgmq.grant_queue('gq_adm', 'regress_gq_reader', 'consumer');   -- has those
SELECT try($$SELECT pgmq.grant_queue('gq', 'regress_gq_producer', 'producer')$$) AS on_a_queue_it_does_not_own;
-- the owner's own rights cannot be revoked this way
SELECT try($$SELECT pgmq.revoke_queue('gq_adm', 'regress_gq_admin')$$) AS revoke_from_owner;
RESET ROLE;
SELECT pg_temp.outcome_as('regress_gq_reader', $$SELECT pgmq.read('gq_adm', 0, 1)$$) AS reader_on_gq_adm,
       pg_temp.outcome_as('regress_gq_reader', $$SELECT pgmq.send('gq_adm', '{}')$$) AS reader_sends;
SELECT * FROM pg_temp.gq_acl() WHERE object LIKE '%gq_adm%';
SET ROLE regress_gq_admin;
SELECT pgmq.revoke_queue('gq_adm', 'regress_gq_reader');
RESET ROLE;
SELECT pg_temp.outcome_as('regress_gq_reader', $$SELECT pgmq.read('gq_adm', 0, 1)$$) AS reader_after_revoke;
SELECT pgmq.revoke_queue('gq', 'regress_gq_consumer');

---------------------------------------------------------------------------
-- A hostile search_path: look-alike tables and functions that raise when
-- called are never used; the grants land on the real objects
---------------------------------------------------------------------------
CREATE SCHEMA regress_gq_evil;
CREATE TABLE regress_gq_evil.q_gq (msg_id bigint);
CREATE TABLE regress_gq_evil.meta (queue_name text);
CREATE FUNCTION regress_gq_evil.has_table_privilege(oid, oid, text) RETURNS boolean
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked has_table_privilege'; END$$;
CREATE FUNCTION regress_gq_evil.has_column_privilege(oid, oid, text, text) RETURNS boolean
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked has_column_privilege'; END$$;
CREATE FUNCTION regress_gq_evil.has_schema_privilege(oid, oid, text) RETURNS boolean
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked has_schema_privilege'; END$$;
CREATE FUNCTION regress_gq_evil.pg_get_serial_sequence(text, text) RETURNS text
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked pg_get_serial_sequence'; END$$;
CREATE FUNCTION regress_gq_evil.aclexplode(aclitem[]) RETURNS SETOF record
    LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked aclexplode'; END$$;
SET search_path = regress_gq_evil, pg_catalog, public;
SELECT pgmq.grant_queue('gq', 'regress_gq_nobody', 'all');
SELECT pgmq.revoke_queue('gq', 'regress_gq_nobody', 'consumer');
RESET search_path;
SELECT relname, relacl IS NULL AS untouched FROM pg_class
 WHERE relnamespace = 'regress_gq_evil'::regnamespace ORDER BY relname;
SELECT * FROM pg_temp.gq_acl() WHERE grantee = 'regress_gq_nobody' AND object NOT IN ('schema pgmq', 'meta', 'topic_bindings', 'notify_insert_throttle', 'notify_insert_throttle.last_notified_at');
SELECT pg_temp.outcome_as('regress_gq_nobody', $$SELECT pgmq.send('gq', '{}')$$) AS send,
       pg_temp.outcome_as('regress_gq_nobody', $$SELECT pgmq.read('gq', 0, 1)$$) AS read;
SELECT pgmq.revoke_queue('gq', 'regress_gq_nobody');
SET client_min_messages = warning;
DROP SCHEMA regress_gq_evil CASCADE;
RESET client_min_messages;

---------------------------------------------------------------------------
-- Bad arguments, each with its SQLSTATE; none of them grants anything
---------------------------------------------------------------------------
SELECT pgmq.create('gq_noarchive');
DROP TABLE pgmq.a_gq_noarchive;
CREATE TEMP TABLE gq_bad (ord int, call text);
INSERT INTO gq_bad VALUES
    ( 1, $$pgmq.grant_queue(NULL, 'regress_gq_nobody')$$),
    ( 2, $$pgmq.grant_queue('gq', NULL)$$),
    ( 3, $$pgmq.grant_queue('gq', 'regress_gq_nobody', NULL)$$),
    ( 4, $$pgmq.grant_queue('gq', 'regress_gq_nobody', 'reader')$$),
    ( 5, $$pgmq.grant_queue('gq', 'regress_gq_nobody', '')$$),
    ( 6, $$pgmq.grant_queue('gq', 'regress_gq_nobody', 'consumer; DROP TABLE pgmq.meta')$$),
    ( 7, $$pgmq.grant_queue('gq', 'regress_gq_nosuch')$$),
    ( 8, $$pgmq.grant_queue('gq', 'public')$$),
    ( 9, $$pgmq.grant_queue('gq', '')$$),
    (10, $$pgmq.grant_queue('gq', 'regress_gq_nobody; DROP TABLE pgmq.meta')$$),
    (11, $$pgmq.grant_queue('gq', repeat('r', 100))$$),
    (12, $$pgmq.grant_queue('gq_nosuch', 'regress_gq_nobody')$$),
    (13, $$pgmq.grant_queue('', 'regress_gq_nobody')$$),
    (14, $$pgmq.grant_queue('gq"; DROP TABLE pgmq.meta; --', 'regress_gq_nobody')$$),
    (15, $$pgmq.grant_queue('gq/x', 'regress_gq_nobody')$$),
    (16, $$pgmq.grant_queue(repeat('g', 48), 'regress_gq_nobody')$$),
    (17, $$pgmq.grant_queue('gq_noarchive', 'regress_gq_nobody', 'consumer')$$),
    (18, $$pgmq.revoke_queue(NULL, 'regress_gq_nobody')$$),
    (19, $$pgmq.revoke_queue('gq', NULL)$$),
    (20, $$pgmq.revoke_queue('gq', 'regress_gq_nobody', NULL)$$),
    (21, $$pgmq.revoke_queue('gq', 'regress_gq_nobody', 'everything')$$),
    (22, $$pgmq.revoke_queue('gq', 'regress_gq_nosuch')$$),
    (23, $$pgmq.revoke_queue('gq_nosuch', 'regress_gq_nobody')$$),
    (24, $$pgmq.revoke_queue('a$b', 'regress_gq_nobody')$$);
SELECT ord, call, try('SELECT ' || call) AS result FROM gq_bad ORDER BY ord;
-- a queue without archive can still get producers, and revoke skips it
SELECT pgmq.grant_queue('gq_noarchive', 'regress_gq_nobody', 'producer');
SELECT pgmq.revoke_queue('gq_noarchive', 'regress_gq_nobody');
SELECT * FROM pg_temp.gq_acl()
 WHERE grantee = 'regress_gq_nobody' AND object LIKE '%gq%';

---------------------------------------------------------------------------
-- Clean up
---------------------------------------------------------------------------
SELECT pgmq.drop_queue('gq'), pgmq.drop_queue('gq_other'), pgmq.drop_queue('gq_noarchive');
SET ROLE regress_gq_admin;
SELECT pgmq.drop_queue('gq_adm');
RESET ROLE;
DROP OWNED BY regress_gq_producer, regress_gq_consumer, regress_gq_all, regress_gq_nobody,
              regress_gq_admin, regress_gq_reader, "regress_gq Odd""Name";
SELECT count(*) AS grants_left FROM pg_temp.gq_acl();
DROP ROLE regress_gq_producer, regress_gq_consumer, regress_gq_all, regress_gq_nobody,
          regress_gq_admin, regress_gq_reader, "regress_gq Odd""Name";
SELECT count(*) AS roles_left FROM pg_roles WHERE rolname LIKE 'regress_gq%';
