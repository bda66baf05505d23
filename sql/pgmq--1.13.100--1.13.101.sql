-- pgmq--1.13.100--1.13.101.sql: from 1.13.100 to 1.13.101, with ALTER
-- EXTENSION pgmq UPDATE.  Kept forever, like every pgmq--A--B.sql.
--
-- 1.13.101 adds, as new objects (no existing signature changes):
--
-- Runs with search_path = pgmq, pg_temp: everything is qualified.

\echo Use "ALTER EXTENSION pgmq UPDATE TO '1.13.101'" to load this file. \quit
