-- pgmq_adopt_sql_install.sql: switch a PGMQ 1.13.0 "SQL-only" install (PGMQ's
-- SQL file run with psql, so schema pgmq holds PGMQ's objects but there is
-- no extension pgmq) to this extension, keeping every queue, message,
-- archive row, notify setting and topic binding.
--
-- Run it once per database, as a superuser, with psql:
--
--     psql -v ON_ERROR_STOP=1 -d mydb -f pgmq_adopt_sql_install.sql
--
-- (installed next to the extension's scripts, in
-- $(pg_config --sharedir)/extension/).  It runs in one transaction: if any
-- step fails nothing has changed.  It takes ACCESS EXCLUSIVE locks on the
-- shared tables and on queue tables with notifications, so stop producers
-- and consumers first.
--
-- Steps:
--   1. check: no extension pgmq, PGMQ's pgmq.meta present (partitioned
--      queues are kept as they are, pg_partman's configuration included);
--   2. copy the rows of pgmq.meta, pgmq.notify_insert_throttle and
--      pgmq.topic_bindings, and the grants on those tables and on PGMQ's
--      functions, into temporary tables;
--   3. drop PGMQ's notify triggers, functions, those three tables and its
--      three composite types -- without CASCADE, so an object of yours that
--      depends on them (a view over pgmq.meta, a function returning
--      pgmq.message_record) stops the script instead of being dropped;
--   4. CREATE EXTENSION pgmq (queue and archive tables are left as they
--      are: they are not extension members, as in PGMQ);
--   5. put the rows and grants back, re-create the notify triggers in our
--      form, make unlogged queues' msg_id sequences logged (as
--      pgmq--1.13.0--1.13.100.sql does for the extension case).

\set ON_ERROR_STOP on
BEGIN;
-- Only pg_catalog and our temporary tables are found unqualified.
SET LOCAL search_path = pg_catalog, pg_temp;

-- 1. Checks -------------------------------------------------------------------

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pgmq') THEN
        RAISE EXCEPTION 'extension pgmq is already installed in this database'
            USING HINT = 'For a PGMQ extension install use ALTER EXTENSION pgmq UPDATE instead.';
    END IF;
    IF pg_catalog.to_regclass('pgmq.meta') IS NULL THEN
        RAISE EXCEPTION 'no PGMQ install found: table pgmq.meta does not exist'
            USING HINT = 'Without an existing install, just run CREATE EXTENSION pgmq.';
    END IF;
END
$$;

-- 2. Keep rows and grants -----------------------------------------------------

CREATE TEMP TABLE pgmq_adopt_meta ON COMMIT DROP AS
    SELECT queue_name, is_partitioned, is_unlogged, created_at FROM pgmq.meta;
CREATE TEMP TABLE pgmq_adopt_throttle ON COMMIT DROP AS
    SELECT queue_name, throttle_interval_ms, last_notified_at FROM pgmq.notify_insert_throttle;
CREATE TEMP TABLE pgmq_adopt_bindings ON COMMIT DROP AS
    SELECT pattern, queue_name, bound_at FROM pgmq.topic_bindings;

-- Notify triggers: table and the name notifications were enabled under.
CREATE TEMP TABLE pgmq_adopt_triggers ON COMMIT DROP AS
    SELECT c.relname::text AS relname,
           coalesce((SELECT n.queue_name::text FROM pgmq.notify_insert_throttle n
                      WHERE lower(n.queue_name::text) = substr(c.relname::text, 3)
                      ORDER BY n.queue_name LIMIT 1),
                    substr(c.relname::text, 3)) AS queue_name
      FROM pg_catalog.pg_trigger t
      JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
      JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
     WHERE c.relnamespace = 'pgmq'::regnamespace
       AND t.tgname = 'trigger_notify_queue_insert_listeners'
       AND p.pronamespace = 'pgmq'::regnamespace
       AND p.proname = 'notify_queue_listeners';

-- Grants beyond the defaults (e.g. GRANT SELECT ON pgmq.meta TO app): the
-- ACLs of the shared tables and of PGMQ's functions, by name / signature.
CREATE TEMP TABLE pgmq_adopt_acl ON COMMIT DROP AS
    SELECT 'TABLE'::text AS kind, 'pgmq.' || c.relname AS object, c.relacl AS acl
      FROM pg_catalog.pg_class c
     WHERE c.relnamespace = 'pgmq'::regnamespace
       AND c.relname IN ('meta', 'notify_insert_throttle', 'topic_bindings')
       AND c.relacl IS NOT NULL
    UNION ALL
    SELECT 'FUNCTION', p.oid::regprocedure::text, p.proacl
      FROM pg_catalog.pg_proc p
     WHERE p.pronamespace = 'pgmq'::regnamespace AND p.proacl IS NOT NULL;

-- 3. Drop PGMQ's objects (not the queue tables) -------------------------------

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT relname FROM pgmq_adopt_triggers ORDER BY relname LOOP
        EXECUTE pg_catalog.format('DROP TRIGGER trigger_notify_queue_insert_listeners ON pgmq.%I',
                                  r.relname);
    END LOOP;
    -- PGMQ 1.13.0's function names (and older ones PGMQ dropped since);
    -- functions of yours with other names in schema pgmq are left alone.
    FOR r IN
        SELECT p.oid::regprocedure AS fn, p.prokind
          FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'pgmq'::regnamespace
           AND p.proname IN (
               'create', 'create_non_partitioned', 'create_unlogged', 'create_partitioned',
               'convert_archive_partitioned', 'drop_queue', 'purge_queue', 'detach_archive',
               'list_queues', 'send', 'send_batch', 'read', 'read_with_poll', 'pop',
               'delete', 'archive', 'set_vt', 'metrics', 'metrics_all',
               'list_notify_insert_throttles', 'list_topic_bindings',
               'enable_notify_insert', 'disable_notify_insert', 'update_notify_insert',
               'notify_queue_listeners', 'bind_topic', 'unbind_topic', 'test_routing',
               'send_topic', 'send_batch_topic', 'read_grouped', 'read_grouped_with_poll',
               'read_grouped_rr', 'read_grouped_rr_with_poll', 'read_grouped_head',
               'read_grouped_head_with_poll', 'create_fifo_index', 'create_fifo_indexes_all',
               'validate_queue_name', 'format_table_name', 'acquire_queue_lock',
               'validate_routing_key', 'validate_topic_pattern', '_validate_batch_params',
               '_send_batch', '_create_fifo_index_if_not_exists', '_get_partition_col',
               '_extension_exists', '_ensure_pg_partman_installed',
               '_get_pg_partman_major_version', '_get_pg_partman_schema', '_belongs_to_pgmq')
    LOOP
        EXECUTE pg_catalog.format('DROP %s %s',
                                  CASE r.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
                                  r.fn);
    END LOOP;
END
$$;

DROP TABLE pgmq.topic_bindings;
DROP TABLE pgmq.notify_insert_throttle;
DROP TABLE pgmq.meta;
DROP TYPE pgmq.message_record;
DROP TYPE pgmq.queue_record;
DROP TYPE pgmq.metrics_result;

-- 4. The extension ------------------------------------------------------------

CREATE EXTENSION pgmq;

-- 5. Rows, grants, triggers, sequences ----------------------------------------

INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged, created_at)
    SELECT queue_name, is_partitioned, is_unlogged, created_at FROM pgmq_adopt_meta;
INSERT INTO pgmq.notify_insert_throttle (queue_name, throttle_interval_ms, last_notified_at)
    SELECT queue_name, throttle_interval_ms, last_notified_at FROM pgmq_adopt_throttle;
INSERT INTO pgmq.topic_bindings (pattern, queue_name, bound_at)
    SELECT pattern, queue_name, bound_at FROM pgmq_adopt_bindings;

DO $$
DECLARE
    r record;
    seq regclass;
    grants text;
BEGIN
    -- Grants: what the old object's ACL grants (PUBLIC included), on the
    -- new object of the same name; an object PGMQ had and we do not is
    -- skipped.  A function whose EXECUTE was revoked from PUBLIC stays so.
    FOR r IN
        SELECT a.kind, a.object, a.acl,
               CASE a.kind WHEN 'TABLE' THEN pg_catalog.to_regclass(a.object)::oid
                           ELSE pg_catalog.to_regprocedure(a.object)::oid END AS newoid
          FROM pgmq_adopt_acl a
    LOOP
        CONTINUE WHEN r.newoid IS NULL;
        IF r.kind = 'FUNCTION' AND NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(r.acl) x
                                                WHERE x.grantee = 0) THEN
            EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', r.object);
        END IF;
        grants := (SELECT pg_catalog.string_agg(
                     pg_catalog.format('GRANT %s ON %s %s TO %s%s', x.privilege_type, r.kind, r.object,
                                       CASE WHEN x.grantee = 0 THEN 'PUBLIC'
                                            ELSE pg_catalog.quote_ident(x.grantee::regrole::text) END,
                                       CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END),
                     '; ')
                   FROM pg_catalog.aclexplode(r.acl) x
                  WHERE x.grantee <> x.grantor OR x.grantee = 0);
        IF grants IS NOT NULL THEN
            EXECUTE grants;
        END IF;
    END LOOP;

    FOR r IN SELECT relname, queue_name FROM pgmq_adopt_triggers ORDER BY relname LOOP
        EXECUTE pg_catalog.format('CREATE CONSTRAINT TRIGGER trigger_notify_queue_insert_listeners '
                                  'AFTER INSERT ON pgmq.%I DEFERRABLE INITIALLY IMMEDIATE '
                                  'FOR EACH ROW EXECUTE FUNCTION pgmq.notify_queue_listeners(%L)',
                                  r.relname, r.queue_name);
    END LOOP;

    IF pg_catalog.current_setting('server_version_num')::int >= 150000 THEN
        FOR r IN
            SELECT DISTINCT c.oid::regclass AS rel
              FROM pgmq.meta m
              JOIN pg_catalog.pg_class c
                ON c.relname = 'q_' || lower(m.queue_name::text)
               AND c.relnamespace = 'pgmq'::regnamespace
             WHERE c.relpersistence = 'u' AND c.relkind = 'r'
        LOOP
            seq := pg_catalog.pg_get_serial_sequence(r.rel::text, 'msg_id')::regclass;
            IF seq IS NOT NULL AND (SELECT s.relpersistence FROM pg_catalog.pg_class s
                                     WHERE s.oid = seq) = 'u' THEN
                EXECUTE pg_catalog.format('ALTER SEQUENCE %s SET LOGGED', seq);
            END IF;
        END LOOP;
    END IF;

    FOR r IN
        SELECT m.queue_name FROM pgmq.meta m
         WHERE m.queue_name::text !~ '^[A-Za-z0-9_. -]{1,47}$' OR m.queue_name::text LIKE '%--%'
         ORDER BY 1
    LOOP
        RAISE WARNING 'queue name "%" is not accepted by pgmq; its tables and rows are kept, but functions called with this name will fail',
            r.queue_name;
    END LOOP;
END
$$;

COMMIT;
