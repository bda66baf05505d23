-- pgmq--1.13.0--1.13.100.sql: switch a PGMQ 1.13.0 install (the SQL /
-- PL/pgSQL extension, https://github.com/pgmq/pgmq) to this C extension, in
-- place, with ALTER EXTENSION pgmq UPDATE.  Kept forever, like every
-- pgmq--A--B.sql.
--
-- What it keeps: the composite types, pgmq.meta, pgmq.notify_insert_throttle
-- and pgmq.topic_bindings with their rows and config-dump registrations,
-- the grants, and every queue and archive table (not extension members)
-- untouched.  Per-queue notify triggers survive because
-- pgmq.notify_queue_listeners() is replaced in place (CREATE OR REPLACE
-- keeps its OID).
--
-- What it changes, so that the result equals a fresh CREATE EXTENSION pgmq
-- of 1.13.100 (test/t/004_upgrade_from_pgmq.pl checks object by object):
--   * every PGMQ function we provide becomes our C function, same signature;
--   * PGMQ's internals nobody calls (_send_batch, _validate_batch_params,
--     _create_fifo_index_if_not_exists, _get_partition_col,
--     _extension_exists, _ensure_pg_partman_installed,
--     _get_pg_partman_major_version, _get_pg_partman_schema,
--     _belongs_to_pgmq) are dropped, and so are create_partitioned and
--     convert_archive_partitioned, which 1.13.100 does not have (1.13.101
--     adds ours; the update to it runs right after this one);
--   * create_queue, wakeup_mode and wait_for_messages are added;
--   * topic_bindings.compiled_regex is re-generated with our expression
--     (same values; PGMQ's expression is spelled differently);
--   * notify triggers made by PGMQ 1.13.0 (no argument: the queue name
--     came from the lower-cased table name) are re-created as ours (the
--     registered name as argument, so the channel keeps the name's case,
--     as in PGMQ 1.13.1);
--   * the msg_id sequence of an UNLOGGED queue is made logged, as our
--     create_unlogged does, so ids are never reused after a crash.
--
-- Runs with search_path = pgmq, pg_temp: everything is qualified.

\echo Use "ALTER EXTENSION pgmq UPDATE TO '1.13.100'" to load this file. \quit

------------------------------------------------------------------------------
-- Checks before anything changes
------------------------------------------------------------------------------

DO $$
DECLARE
    r record;
BEGIN
    -- Partitioned queues switch like any other: the library serves them
    -- (partitioned queues came with the C code of 1.13.101; this script
    -- refused them until then, so nobody went through it with one).
    -- create_partitioned itself comes back with the update to 1.13.101.

    -- Names PGMQ accepted that this version will not serve (see README
    -- "Queue names"): the update keeps them, but functions called with such
    -- a name raise an error; list_queues shows them, metrics_all skips them.
    FOR r IN
        SELECT m.queue_name FROM pgmq.meta m
         WHERE m.queue_name::pg_catalog.text OPERATOR(pg_catalog.!~) '^[A-Za-z0-9_. -]{1,47}$'
            OR m.queue_name::pg_catalog.text OPERATOR(pg_catalog.~~) '%--%'
         ORDER BY 1
    LOOP
        RAISE WARNING 'queue name "%" is not accepted by pgmq 1.13.100; its tables and rows are kept, but functions called with this name will fail',
            r.queue_name
            USING HINT = 'Move its messages to a queue with a name of ASCII letters, digits, "_", "-", "." and space, at most 47 characters.';
    END LOOP;

    -- Two registered names sharing one table (PGMQ allowed MyQ and myq).
    FOR r IN
        SELECT pg_catalog.string_agg(m.queue_name, '", "' ORDER BY m.queue_name) AS names
          FROM pgmq.meta m
         GROUP BY pg_catalog.lower(m.queue_name::pg_catalog.text)
        HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1
    LOOP
        RAISE WARNING 'queues "%" share one table; pgmq 1.13.100 treats names case-insensitively and serves them as one queue',
            r.names
            USING HINT = 'Drop all but one of these pgmq.meta rows.';
    END LOOP;
END
$$;

------------------------------------------------------------------------------
-- PGMQ functions this version does not provide
------------------------------------------------------------------------------

DROP FUNCTION IF EXISTS pgmq.create_partitioned(text, text, text, integer);
DROP FUNCTION IF EXISTS pgmq.convert_archive_partitioned(text, text, text, integer);
DROP FUNCTION IF EXISTS pgmq._validate_batch_params(jsonb[], jsonb[]);
DROP FUNCTION IF EXISTS pgmq._send_batch(text, jsonb[], jsonb[], timestamp with time zone);
DROP FUNCTION IF EXISTS pgmq._create_fifo_index_if_not_exists(text);
DROP FUNCTION IF EXISTS pgmq._get_partition_col(text);
DROP FUNCTION IF EXISTS pgmq._extension_exists(text);
DROP FUNCTION IF EXISTS pgmq._ensure_pg_partman_installed();
DROP FUNCTION IF EXISTS pgmq._get_pg_partman_major_version();
DROP FUNCTION IF EXISTS pgmq._get_pg_partman_schema();
DROP FUNCTION IF EXISTS pgmq._belongs_to_pgmq(text);

------------------------------------------------------------------------------
-- PGMQ's functions, replaced by ours (same signatures; CREATE OR REPLACE
-- keeps OIDs, grants and dependants such as the notify triggers)
------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION pgmq."create"(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_create';

CREATE OR REPLACE FUNCTION pgmq.create_non_partitioned(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_create';

CREATE OR REPLACE FUNCTION pgmq.create_unlogged(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_create_unlogged';

CREATE OR REPLACE FUNCTION pgmq.drop_queue(queue_name text) RETURNS boolean
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_drop_queue';

CREATE OR REPLACE FUNCTION pgmq.drop_queue(queue_name text, partitioned boolean) RETURNS boolean
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_drop_queue_deprecated';

CREATE OR REPLACE FUNCTION pgmq.purge_queue(queue_name text) RETURNS bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_purge_queue';

CREATE OR REPLACE FUNCTION pgmq.detach_archive(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_detach_archive';

CREATE OR REPLACE FUNCTION pgmq.list_queues() RETURNS SETOF pgmq.queue_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_list_queues';

CREATE OR REPLACE FUNCTION pgmq.send(queue_name text, msg jsonb) RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send';

CREATE OR REPLACE FUNCTION pgmq.send(queue_name text, msg jsonb, delay integer) RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_delay';

CREATE OR REPLACE FUNCTION pgmq.send(queue_name text, msg jsonb, delay timestamp with time zone)
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_at';

CREATE OR REPLACE FUNCTION pgmq.send(queue_name text, msg jsonb, headers jsonb) RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_headers';

CREATE OR REPLACE FUNCTION pgmq.send(queue_name text, msg jsonb, headers jsonb, delay integer)
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_headers_delay';

CREATE OR REPLACE FUNCTION pgmq.send(queue_name text, msg jsonb, headers jsonb,
                          delay timestamp with time zone)
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_headers_at';

CREATE OR REPLACE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[]) RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch';

CREATE OR REPLACE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], delay integer)
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_delay';

CREATE OR REPLACE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[],
                                delay timestamp with time zone)
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_at';

CREATE OR REPLACE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[])
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_headers';

CREATE OR REPLACE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[],
                                delay integer)
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_headers_delay';

CREATE OR REPLACE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[],
                                delay timestamp with time zone)
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_headers_at';

CREATE OR REPLACE FUNCTION pgmq.read(queue_name text, vt integer, qty integer,
                          conditional jsonb DEFAULT '{}'::jsonb)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read';

CREATE OR REPLACE FUNCTION pgmq.read_with_poll(queue_name text, vt integer, qty integer,
                                    max_poll_seconds integer DEFAULT 5,
                                    poll_interval_ms integer DEFAULT 100,
                                    conditional jsonb DEFAULT '{}'::jsonb)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read_with_poll';

CREATE OR REPLACE FUNCTION pgmq.pop(queue_name text, qty integer DEFAULT 1)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_pop';

CREATE OR REPLACE FUNCTION pgmq.read_grouped(queue_name text, vt integer, qty integer)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read_grouped';

CREATE OR REPLACE FUNCTION pgmq.read_grouped_with_poll(queue_name text, vt integer, qty integer,
                                             max_poll_seconds integer DEFAULT 5,
                                             poll_interval_ms integer DEFAULT 100)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read_grouped_with_poll';

CREATE OR REPLACE FUNCTION pgmq.read_grouped_rr(queue_name text, vt integer, qty integer)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read_grouped_rr';

CREATE OR REPLACE FUNCTION pgmq.read_grouped_rr_with_poll(queue_name text, vt integer, qty integer,
                                                max_poll_seconds integer DEFAULT 5,
                                                poll_interval_ms integer DEFAULT 100)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read_grouped_rr_with_poll';

CREATE OR REPLACE FUNCTION pgmq.read_grouped_head(queue_name text, vt integer, qty integer)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read_grouped_head';

CREATE OR REPLACE FUNCTION pgmq.read_grouped_head_with_poll(queue_name text, vt integer, qty integer,
                                                  max_poll_seconds integer DEFAULT 5,
                                                  poll_interval_ms integer DEFAULT 100)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read_grouped_head_with_poll';

-- A btree on (group, msg_id) that makes grouped reads independent of the
-- queue's length (PGMQ: a GIN index on headers under the same name).
CREATE OR REPLACE FUNCTION pgmq.create_fifo_index(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_create_fifo_index';

CREATE OR REPLACE FUNCTION pgmq.create_fifo_indexes_all() RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_create_fifo_indexes_all';

CREATE OR REPLACE FUNCTION pgmq.delete(queue_name text, msg_id bigint) RETURNS boolean
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_delete';

CREATE OR REPLACE FUNCTION pgmq.delete(queue_name text, msg_ids bigint[]) RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_delete_batch';

CREATE OR REPLACE FUNCTION pgmq.archive(queue_name text, msg_id bigint) RETURNS boolean
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_archive';

CREATE OR REPLACE FUNCTION pgmq.archive(queue_name text, msg_ids bigint[]) RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_archive_batch';

CREATE OR REPLACE FUNCTION pgmq.set_vt(queue_name text, msg_id bigint, vt integer)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_set_vt';

CREATE OR REPLACE FUNCTION pgmq.set_vt(queue_name text, msg_id bigint, vt timestamp with time zone)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_set_vt_at';

CREATE OR REPLACE FUNCTION pgmq.set_vt(queue_name text, msg_ids bigint[], vt integer)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_set_vt_batch';

CREATE OR REPLACE FUNCTION pgmq.set_vt(queue_name text, msg_ids bigint[], vt timestamp with time zone)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_set_vt_batch_at';

CREATE OR REPLACE FUNCTION pgmq.metrics(queue_name text) RETURNS pgmq.metrics_result
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_metrics';

CREATE OR REPLACE FUNCTION pgmq.metrics_all() RETURNS SETOF pgmq.metrics_result
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_metrics_all';

CREATE OR REPLACE FUNCTION pgmq.validate_queue_name(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_validate_queue_name';

CREATE OR REPLACE FUNCTION pgmq.format_table_name(queue_name text, prefix text) RETURNS text
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_format_table_name';

CREATE OR REPLACE FUNCTION pgmq.acquire_queue_lock(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_acquire_queue_lock';

CREATE OR REPLACE FUNCTION pgmq.validate_routing_key(routing_key text) RETURNS boolean
    IMMUTABLE LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_validate_routing_key';

CREATE OR REPLACE FUNCTION pgmq.validate_topic_pattern(pattern text) RETURNS boolean
    IMMUTABLE LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_validate_topic_pattern';

CREATE OR REPLACE FUNCTION pgmq.bind_topic(pattern text, queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_bind_topic';

CREATE OR REPLACE FUNCTION pgmq.unbind_topic(pattern text, queue_name text) RETURNS boolean
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_unbind_topic';

CREATE OR REPLACE FUNCTION pgmq.list_topic_bindings()
    RETURNS TABLE (pattern text, queue_name text, bound_at timestamp with time zone,
                   compiled_regex text)
    STABLE LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_list_topic_bindings';

CREATE OR REPLACE FUNCTION pgmq.list_topic_bindings(queue_name text)
    RETURNS TABLE (pattern text, queue_name text, bound_at timestamp with time zone,
                   compiled_regex text)
    STABLE LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_list_topic_bindings_queue';

CREATE OR REPLACE FUNCTION pgmq.test_routing(routing_key text)
    RETURNS TABLE (pattern text, queue_name text, compiled_regex text)
    STABLE LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_test_routing';

CREATE OR REPLACE FUNCTION pgmq.send_topic(routing_key text, msg jsonb) RETURNS integer
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_topic';

CREATE OR REPLACE FUNCTION pgmq.send_topic(routing_key text, msg jsonb, delay integer) RETURNS integer
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_topic_delay';

CREATE OR REPLACE FUNCTION pgmq.send_topic(routing_key text, msg jsonb, headers jsonb, delay integer)
    RETURNS integer
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_topic_headers_delay';

CREATE OR REPLACE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[])
    RETURNS TABLE (queue_name text, msg_id bigint)
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic';

CREATE OR REPLACE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[], delay integer)
    RETURNS TABLE (queue_name text, msg_id bigint)
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic_delay';

CREATE OR REPLACE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[],
                                      delay timestamp with time zone)
    RETURNS TABLE (queue_name text, msg_id bigint)
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic_at';

CREATE OR REPLACE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[], headers jsonb[])
    RETURNS TABLE (queue_name text, msg_id bigint)
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic_headers';

CREATE OR REPLACE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[], headers jsonb[],
                                      delay integer)
    RETURNS TABLE (queue_name text, msg_id bigint)
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic_headers_delay';

CREATE OR REPLACE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[], headers jsonb[],
                                      delay timestamp with time zone)
    RETURNS TABLE (queue_name text, msg_id bigint)
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic_headers_at';

CREATE OR REPLACE FUNCTION pgmq.enable_notify_insert(queue_name text, throttle_interval_ms integer DEFAULT 250)
    RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_enable_notify_insert';

CREATE OR REPLACE FUNCTION pgmq.disable_notify_insert(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_disable_notify_insert';

CREATE OR REPLACE FUNCTION pgmq.update_notify_insert(queue_name text, throttle_interval_ms integer)
    RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_update_notify_insert';

CREATE OR REPLACE FUNCTION pgmq.list_notify_insert_throttles()
    RETURNS TABLE(queue_name text, throttle_interval_ms integer,
                  last_notified_at timestamp with time zone)
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'pgmq_list_notify_insert_throttles';

CREATE OR REPLACE FUNCTION pgmq.notify_queue_listeners() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_notify_queue_listeners';

------------------------------------------------------------------------------
-- Functions PGMQ does not have
------------------------------------------------------------------------------

-- An alias of create(), for those who prefer the explicit name.
CREATE FUNCTION pgmq.create_queue(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_create';

-- 'shmem' when waiting readers are woken at once (pgmq preloaded), else 'poll'.
CREATE FUNCTION pgmq.wakeup_mode() RETURNS text
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_wakeup_mode';

-- Wait for a visible message without holding a snapshot; then pgmq.read.
CREATE PROCEDURE pgmq.wait_for_messages(queue_name text, max_wait_seconds integer DEFAULT 5,
                                        INOUT ready boolean DEFAULT NULL)
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_wait_for_messages';

------------------------------------------------------------------------------
-- topic_bindings.compiled_regex: our generation expression (PG < 17 cannot
-- change it in place, so the column is re-added; the table is rewritten
-- and its values recomputed, which are the same).
------------------------------------------------------------------------------

DROP INDEX pgmq.idx_topic_bindings_covering;
ALTER TABLE pgmq.topic_bindings DROP COLUMN compiled_regex;
ALTER TABLE pgmq.topic_bindings ADD COLUMN
    compiled_regex text GENERATED ALWAYS AS (
        '^' OPERATOR(pg_catalog.||)
        pg_catalog.replace(pg_catalog.replace(
            pg_catalog.regexp_replace(pattern, '([.+?{}()|\[\]\\^$])', '\\\1', 'g'),
            '*', '[^.]+'), '#', '.*')
        OPERATOR(pg_catalog.||) '$') STORED;
CREATE INDEX idx_topic_bindings_covering ON pgmq.topic_bindings (pattern)
    INCLUDE (queue_name, compiled_regex);

------------------------------------------------------------------------------
-- Queue tables (not members; adjusted as our create would have made them)
------------------------------------------------------------------------------

DO $$
DECLARE
    r record;
    seq pg_catalog.regclass;
BEGIN
    -- PGMQ 1.13.0 notify triggers take the queue name from the table name
    -- (lower case); ours get the registered name as argument.
    FOR r IN
        SELECT t.oid AS tgoid, c.relname,
               coalesce((SELECT n.queue_name::pg_catalog.text FROM pgmq.notify_insert_throttle n
                          WHERE pg_catalog.lower(n.queue_name::pg_catalog.text) OPERATOR(pg_catalog.=)
                                pg_catalog.substr(c.relname::pg_catalog.text, 3)
                          ORDER BY n.queue_name LIMIT 1),
                        (SELECT m.queue_name::pg_catalog.text FROM pgmq.meta m
                          WHERE pg_catalog.lower(m.queue_name::pg_catalog.text) OPERATOR(pg_catalog.=)
                                pg_catalog.substr(c.relname::pg_catalog.text, 3)
                          ORDER BY m.queue_name LIMIT 1),
                        pg_catalog.substr(c.relname::pg_catalog.text, 3)) AS queue_name
          FROM pg_catalog.pg_trigger t
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.tgrelid
         WHERE c.relnamespace OPERATOR(pg_catalog.=) 'pgmq'::pg_catalog.regnamespace
           AND t.tgname OPERATOR(pg_catalog.=) 'trigger_notify_queue_insert_listeners'
           AND t.tgfoid OPERATOR(pg_catalog.=) 'pgmq.notify_queue_listeners()'::pg_catalog.regprocedure
           AND t.tgnargs OPERATOR(pg_catalog.=) 0
         ORDER BY c.relname
    LOOP
        EXECUTE pg_catalog.format('DROP TRIGGER trigger_notify_queue_insert_listeners ON pgmq.%I',
                                  r.relname);
        EXECUTE pg_catalog.format('CREATE CONSTRAINT TRIGGER trigger_notify_queue_insert_listeners '
                                  'AFTER INSERT ON pgmq.%I DEFERRABLE INITIALLY IMMEDIATE '
                                  'FOR EACH ROW EXECUTE FUNCTION pgmq.notify_queue_listeners(%L)',
                                  r.relname, r.queue_name);
    END LOOP;

    -- Unlogged queues: keep the msg_id counter across crashes (PG 15+).
    IF pg_catalog.current_setting('server_version_num')::pg_catalog.int4 OPERATOR(pg_catalog.>=) 150000 THEN
        FOR r IN
            SELECT DISTINCT c.oid::pg_catalog.regclass AS rel
              FROM pgmq.meta m
              JOIN pg_catalog.pg_class c
                ON c.relname OPERATOR(pg_catalog.=) ('q_' OPERATOR(pg_catalog.||) pg_catalog.lower(m.queue_name::pg_catalog.text))
               AND c.relnamespace OPERATOR(pg_catalog.=) 'pgmq'::pg_catalog.regnamespace
             WHERE c.relpersistence OPERATOR(pg_catalog.=) 'u' AND c.relkind OPERATOR(pg_catalog.=) 'r'
        LOOP
            seq := pg_catalog.pg_get_serial_sequence(r.rel::pg_catalog.text, 'msg_id')::pg_catalog.regclass;
            IF seq IS NOT NULL AND (SELECT s.relpersistence FROM pg_catalog.pg_class s
                                     WHERE s.oid OPERATOR(pg_catalog.=) seq) OPERATOR(pg_catalog.=) 'u' THEN
                EXECUTE pg_catalog.format('ALTER SEQUENCE %s SET LOGGED', seq);
            END IF;
        END LOOP;
    END IF;
END
$$;
