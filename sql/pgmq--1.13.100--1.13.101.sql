-- pgmq--1.13.100--1.13.101.sql: from 1.13.100 to 1.13.101, with ALTER
-- EXTENSION pgmq UPDATE.  Kept forever, like every pgmq--A--B.sql.
--
-- 1.13.101 adds, as new objects (no existing signature changes):
--   * create_partitioned and convert_archive_partitioned, PGMQ 1.13's
--     partitioned queues through pg_partman (they were missing from
--     1.13.100; a switch from PGMQ dropped PGMQ's own definitions).
--   * grant_queue and revoke_queue, giving a role the use of one queue
--     (README "Privileges").
--
-- Runs with search_path = pgmq, pg_temp: everything is qualified.

\echo Use "ALTER EXTENSION pgmq UPDATE TO '1.13.101'" to load this file. \quit

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
