-- pgmq: a message queue inside PostgreSQL, API-compatible with PGMQ 1.13,
-- implemented in C.  This is the install script of the current version; the
-- build copies it to pgmq--<version>.sql.  Upgrade scripts
-- (pgmq--<from>--<to>.sql) are kept forever next to it.
--
-- Objects are schema-qualified throughout; function bodies are C, so no
-- SQL in this script depends on search_path at run time.

\echo Use "CREATE EXTENSION pgmq" to load this file. \quit

-- The schema comes from the control file (schema = pgmq).  Refuse to install
-- into a schema that already exists and is owned by an ordinary role other
-- than the installing one: objects planted there would be trusted by us.
DO $$
DECLARE
    owner_is_safe boolean;
BEGIN
    SELECT r.rolsuper OR n.nspowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = CURRENT_USER)
      INTO owner_is_safe
      FROM pg_catalog.pg_namespace n
      JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner
     WHERE n.nspname = 'pgmq';
    IF NOT owner_is_safe THEN
        RAISE EXCEPTION 'schema "pgmq" is owned by a role that is neither a superuser nor the installing role'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Drop the schema or change its owner before CREATE EXTENSION pgmq.';
    END IF;
END
$$;

------------------------------------------------------------------------------
-- Types (column order is part of the API)
------------------------------------------------------------------------------

CREATE TYPE pgmq.message_record AS (
    msg_id bigint,
    read_ct integer,
    enqueued_at timestamp with time zone,
    last_read_at timestamp with time zone,
    vt timestamp with time zone,
    message jsonb,
    headers jsonb
);

CREATE TYPE pgmq.queue_record AS (
    queue_name character varying,
    is_partitioned boolean,
    is_unlogged boolean,
    created_at timestamp with time zone
);

CREATE TYPE pgmq.metrics_result AS (
    queue_name text,
    queue_length bigint,
    newest_msg_age_sec integer,
    oldest_msg_age_sec integer,
    total_messages bigint,
    scrape_time timestamp with time zone,
    queue_visible_length bigint,
    default_partition_length bigint
);

------------------------------------------------------------------------------
-- Shared tables (extension members; their rows are dumped by pg_dump)
------------------------------------------------------------------------------

CREATE TABLE pgmq.meta (
    queue_name character varying NOT NULL,
    is_partitioned boolean NOT NULL,
    is_unlogged boolean NOT NULL,
    created_at timestamp with time zone DEFAULT pg_catalog.now() NOT NULL,
    CONSTRAINT meta_queue_name_key UNIQUE (queue_name)
);

CREATE UNLOGGED TABLE pgmq.notify_insert_throttle (
    queue_name character varying NOT NULL,
    throttle_interval_ms integer DEFAULT 0 NOT NULL,
    last_notified_at timestamp with time zone DEFAULT pg_catalog.to_timestamp(0) NOT NULL,
    CONSTRAINT notify_insert_throttle_queue_name_key UNIQUE (queue_name),
    CONSTRAINT notify_insert_throttle_meta_queue_name_fk FOREIGN KEY (queue_name)
        REFERENCES pgmq.meta (queue_name) ON DELETE CASCADE
);
CREATE INDEX idx_notify_throttle_active ON pgmq.notify_insert_throttle
    (queue_name, last_notified_at) WHERE throttle_interval_ms > 0;

CREATE TABLE pgmq.topic_bindings (
    pattern text NOT NULL,
    queue_name text NOT NULL,
    bound_at timestamp with time zone DEFAULT pg_catalog.now() NOT NULL,
    compiled_regex text GENERATED ALWAYS AS (
        '^' OPERATOR(pg_catalog.||)
        pg_catalog.replace(pg_catalog.replace(
            pg_catalog.regexp_replace(pattern, '([.+?{}()|\[\]\\^$])', '\\\1', 'g'),
            '*', '[^.]+'), '#', '.*')
        OPERATOR(pg_catalog.||) '$') STORED,
    CONSTRAINT topic_bindings_meta_queue_name_fk FOREIGN KEY (queue_name)
        REFERENCES pgmq.meta (queue_name) ON DELETE CASCADE,
    CONSTRAINT topic_bindings_unique_pattern_queue UNIQUE (pattern, queue_name)
);
CREATE INDEX idx_topic_bindings_covering ON pgmq.topic_bindings (pattern)
    INCLUDE (queue_name, compiled_regex);

SELECT pg_catalog.pg_extension_config_dump('pgmq.meta', '');
SELECT pg_catalog.pg_extension_config_dump('pgmq.notify_insert_throttle', '');
SELECT pg_catalog.pg_extension_config_dump('pgmq.topic_bindings', '');

------------------------------------------------------------------------------
-- Queue management
------------------------------------------------------------------------------

CREATE FUNCTION pgmq."create"(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_create';

CREATE FUNCTION pgmq.create_non_partitioned(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_create';

-- An alias of create(), for those who prefer the explicit name.
CREATE FUNCTION pgmq.create_queue(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_create';

CREATE FUNCTION pgmq.create_unlogged(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_create_unlogged';

-- Partitioned queues need pg_partman (README "Partitioned queues").
CREATE FUNCTION pgmq.create_partitioned(queue_name text,
        partition_interval text DEFAULT '10000'::text,
        retention_interval text DEFAULT '100000'::text,
        premake integer DEFAULT 4) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_create_partitioned';

CREATE FUNCTION pgmq.convert_archive_partitioned(table_name text,
        partition_interval text DEFAULT '10000'::text,
        retention_interval text DEFAULT '100000'::text,
        leading_partition integer DEFAULT 10) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_convert_archive_partitioned';

CREATE FUNCTION pgmq.drop_queue(queue_name text) RETURNS boolean
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_drop_queue';

CREATE FUNCTION pgmq.drop_queue(queue_name text, partitioned boolean) RETURNS boolean
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_drop_queue_deprecated';

CREATE FUNCTION pgmq.purge_queue(queue_name text) RETURNS bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_purge_queue';

CREATE FUNCTION pgmq.detach_archive(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_detach_archive';

CREATE FUNCTION pgmq.list_queues() RETURNS SETOF pgmq.queue_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_list_queues';

------------------------------------------------------------------------------
-- Sending
------------------------------------------------------------------------------

CREATE FUNCTION pgmq.send(queue_name text, msg jsonb) RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send';

CREATE FUNCTION pgmq.send(queue_name text, msg jsonb, delay integer) RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_delay';

CREATE FUNCTION pgmq.send(queue_name text, msg jsonb, delay timestamp with time zone)
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_at';

CREATE FUNCTION pgmq.send(queue_name text, msg jsonb, headers jsonb) RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_headers';

CREATE FUNCTION pgmq.send(queue_name text, msg jsonb, headers jsonb, delay integer)
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_headers_delay';

CREATE FUNCTION pgmq.send(queue_name text, msg jsonb, headers jsonb,
                          delay timestamp with time zone)
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_headers_at';

CREATE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[]) RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch';

CREATE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], delay integer)
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_delay';

CREATE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[],
                                delay timestamp with time zone)
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_at';

CREATE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[])
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_headers';

CREATE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[],
                                delay integer)
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_headers_delay';

CREATE FUNCTION pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[],
                                delay timestamp with time zone)
    RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_headers_at';

------------------------------------------------------------------------------
-- Reading and consuming
------------------------------------------------------------------------------

CREATE FUNCTION pgmq.read(queue_name text, vt integer, qty integer,
                          conditional jsonb DEFAULT '{}'::jsonb)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read';

CREATE FUNCTION pgmq.read_with_poll(queue_name text, vt integer, qty integer,
                                    max_poll_seconds integer DEFAULT 5,
                                    poll_interval_ms integer DEFAULT 100,
                                    conditional jsonb DEFAULT '{}'::jsonb)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read_with_poll';

CREATE FUNCTION pgmq.pop(queue_name text, qty integer DEFAULT 1)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_pop';

------------------------------------------------------------------------------
-- FIFO message groups (header x-pgmq-group); see README "FIFO groups"
------------------------------------------------------------------------------

CREATE FUNCTION pgmq.read_grouped(queue_name text, vt integer, qty integer)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read_grouped';

CREATE FUNCTION pgmq.read_grouped_with_poll(queue_name text, vt integer, qty integer,
                                             max_poll_seconds integer DEFAULT 5,
                                             poll_interval_ms integer DEFAULT 100)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read_grouped_with_poll';

CREATE FUNCTION pgmq.read_grouped_rr(queue_name text, vt integer, qty integer)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read_grouped_rr';

CREATE FUNCTION pgmq.read_grouped_rr_with_poll(queue_name text, vt integer, qty integer,
                                                max_poll_seconds integer DEFAULT 5,
                                                poll_interval_ms integer DEFAULT 100)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read_grouped_rr_with_poll';

CREATE FUNCTION pgmq.read_grouped_head(queue_name text, vt integer, qty integer)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read_grouped_head';

CREATE FUNCTION pgmq.read_grouped_head_with_poll(queue_name text, vt integer, qty integer,
                                                  max_poll_seconds integer DEFAULT 5,
                                                  poll_interval_ms integer DEFAULT 100)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_read_grouped_head_with_poll';

-- A btree on (group, msg_id) that makes grouped reads independent of the
-- queue's length (PGMQ: a GIN index on headers under the same name).
CREATE FUNCTION pgmq.create_fifo_index(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_create_fifo_index';

CREATE FUNCTION pgmq.create_fifo_indexes_all() RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_create_fifo_indexes_all';

------------------------------------------------------------------------------
-- Acknowledging and visibility
------------------------------------------------------------------------------

CREATE FUNCTION pgmq.delete(queue_name text, msg_id bigint) RETURNS boolean
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_delete';

CREATE FUNCTION pgmq.delete(queue_name text, msg_ids bigint[]) RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_delete_batch';

CREATE FUNCTION pgmq.archive(queue_name text, msg_id bigint) RETURNS boolean
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_archive';

CREATE FUNCTION pgmq.archive(queue_name text, msg_ids bigint[]) RETURNS SETOF bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_archive_batch';

CREATE FUNCTION pgmq.set_vt(queue_name text, msg_id bigint, vt integer)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_set_vt';

CREATE FUNCTION pgmq.set_vt(queue_name text, msg_id bigint, vt timestamp with time zone)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_set_vt_at';

CREATE FUNCTION pgmq.set_vt(queue_name text, msg_ids bigint[], vt integer)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_set_vt_batch';

CREATE FUNCTION pgmq.set_vt(queue_name text, msg_ids bigint[], vt timestamp with time zone)
    RETURNS SETOF pgmq.message_record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_set_vt_batch_at';

------------------------------------------------------------------------------
-- Observability
------------------------------------------------------------------------------

CREATE FUNCTION pgmq.metrics(queue_name text) RETURNS pgmq.metrics_result
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_metrics';

CREATE FUNCTION pgmq.metrics_all() RETURNS SETOF pgmq.metrics_result
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_metrics_all';

------------------------------------------------------------------------------
-- Name helpers
------------------------------------------------------------------------------

CREATE FUNCTION pgmq.validate_queue_name(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_validate_queue_name';

CREATE FUNCTION pgmq.format_table_name(queue_name text, prefix text) RETURNS text
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_format_table_name';

CREATE FUNCTION pgmq.acquire_queue_lock(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_acquire_queue_lock';

------------------------------------------------------------------------------
-- Privileges: as PGMQ, pg_monitor may look; everyone else needs grants.
------------------------------------------------------------------------------

GRANT USAGE ON SCHEMA pgmq TO pg_monitor;
GRANT SELECT ON ALL TABLES IN SCHEMA pgmq TO pg_monitor;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA pgmq TO pg_monitor;
ALTER DEFAULT PRIVILEGES IN SCHEMA pgmq GRANT SELECT ON TABLES TO pg_monitor;
ALTER DEFAULT PRIVILEGES IN SCHEMA pgmq GRANT SELECT ON SEQUENCES TO pg_monitor;

------------------------------------------------------------------------------
-- Waiting (beyond PGMQ): see README "Waiting for messages"
------------------------------------------------------------------------------

-- 'shmem' when waiting readers are woken at once (pgmq preloaded), else 'poll'.
CREATE FUNCTION pgmq.wakeup_mode() RETURNS text
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_wakeup_mode';

-- Wait for a visible message without holding a snapshot; then pgmq.read.
CREATE PROCEDURE pgmq.wait_for_messages(queue_name text, max_wait_seconds integer DEFAULT 5,
                                        INOUT ready boolean DEFAULT NULL)
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_wait_for_messages';

------------------------------------------------------------------------------
-- Topics: AMQP-style routing of one message to every queue bound to a
-- matching pattern (PGMQ 1.13), see README "Topics".  Bindings are rows of
-- pgmq.topic_bindings (above).
------------------------------------------------------------------------------

CREATE FUNCTION pgmq.validate_routing_key(routing_key text) RETURNS boolean
    IMMUTABLE LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_validate_routing_key';

CREATE FUNCTION pgmq.validate_topic_pattern(pattern text) RETURNS boolean
    IMMUTABLE LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_validate_topic_pattern';

CREATE FUNCTION pgmq.bind_topic(pattern text, queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_bind_topic';

CREATE FUNCTION pgmq.unbind_topic(pattern text, queue_name text) RETURNS boolean
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_unbind_topic';

CREATE FUNCTION pgmq.list_topic_bindings()
    RETURNS TABLE (pattern text, queue_name text, bound_at timestamp with time zone,
                   compiled_regex text)
    STABLE LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_list_topic_bindings';

CREATE FUNCTION pgmq.list_topic_bindings(queue_name text)
    RETURNS TABLE (pattern text, queue_name text, bound_at timestamp with time zone,
                   compiled_regex text)
    STABLE LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_list_topic_bindings_queue';

CREATE FUNCTION pgmq.test_routing(routing_key text)
    RETURNS TABLE (pattern text, queue_name text, compiled_regex text)
    STABLE LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_test_routing';

CREATE FUNCTION pgmq.send_topic(routing_key text, msg jsonb) RETURNS integer
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_topic';

CREATE FUNCTION pgmq.send_topic(routing_key text, msg jsonb, delay integer) RETURNS integer
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_topic_delay';

CREATE FUNCTION pgmq.send_topic(routing_key text, msg jsonb, headers jsonb, delay integer)
    RETURNS integer
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_topic_headers_delay';

CREATE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[])
    RETURNS TABLE (queue_name text, msg_id bigint)
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic';

CREATE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[], delay integer)
    RETURNS TABLE (queue_name text, msg_id bigint)
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic_delay';

CREATE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[],
                                      delay timestamp with time zone)
    RETURNS TABLE (queue_name text, msg_id bigint)
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic_at';

CREATE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[], headers jsonb[])
    RETURNS TABLE (queue_name text, msg_id bigint)
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic_headers';

CREATE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[], headers jsonb[],
                                      delay integer)
    RETURNS TABLE (queue_name text, msg_id bigint)
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic_headers_delay';

CREATE FUNCTION pgmq.send_batch_topic(routing_key text, msgs jsonb[], headers jsonb[],
                                      delay timestamp with time zone)
    RETURNS TABLE (queue_name text, msg_id bigint)
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_send_batch_topic_headers_at';

------------------------------------------------------------------------------
-- Insert notifications (PGMQ 1.13.1 semantics): see README "Insert
-- notifications".  enable_notify_insert puts a constraint trigger on
-- pgmq.q_<name> that NOTIFYs "pgmq.q_<name>.INSERT", throttled per queue
-- by pgmq.notify_insert_throttle; concurrent senders never wait for each
-- other on the throttle row.
------------------------------------------------------------------------------

CREATE FUNCTION pgmq.enable_notify_insert(queue_name text, throttle_interval_ms integer DEFAULT 250)
    RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_enable_notify_insert';

CREATE FUNCTION pgmq.disable_notify_insert(queue_name text) RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_disable_notify_insert';

CREATE FUNCTION pgmq.update_notify_insert(queue_name text, throttle_interval_ms integer)
    RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_update_notify_insert';

CREATE FUNCTION pgmq.list_notify_insert_throttles()
    RETURNS TABLE(queue_name text, throttle_interval_ms integer,
                  last_notified_at timestamp with time zone)
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'pgmq_list_notify_insert_throttles';

CREATE FUNCTION pgmq.notify_queue_listeners() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_notify_queue_listeners';

------------------------------------------------------------------------------
-- Queue grants (1.13.101): give an ordinary role the use of one queue, or
-- take it back, without hand-written table GRANTs; see README "Privileges".
-- New names only (no overloads of PGMQ's functions); caller's rights, no
-- SECURITY DEFINER: the caller must be able to grant (the queue tables'
-- owner or a superuser).  access is 'producer', 'consumer' or 'all'.
------------------------------------------------------------------------------

CREATE FUNCTION pgmq.grant_queue(queue_name text, role_name text,
                                 access text DEFAULT 'consumer')
    RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_grant_queue';

CREATE FUNCTION pgmq.revoke_queue(queue_name text, role_name text,
                                  access text DEFAULT 'all')
    RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgmq_revoke_queue';
