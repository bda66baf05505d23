-- Per-queue tables must have PGMQ 1.13's exact layout: clients SELECT from
-- them, the old Rust client even INSERTs into them.
SELECT pgmq.create('layout');

SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, a.attidentity AS identity,
       pg_get_expr(d.adbin, d.adrelid) AS default
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relname IN ('q_layout', 'a_layout')
 ORDER BY c.relname DESC, a.attnum;

SELECT indexrelid::regclass AS index, indrelid::regclass AS on_table,
       pg_get_indexdef(indexrelid) AS definition
  FROM pg_index
 WHERE indrelid IN ('pgmq.q_layout'::regclass, 'pgmq.a_layout'::regclass)
 ORDER BY 1::text;

SELECT pg_get_serial_sequence('pgmq.q_layout', 'msg_id') AS identity_sequence;
SELECT relpersistence FROM pg_class WHERE oid IN ('pgmq.q_layout'::regclass, 'pgmq.a_layout'::regclass);
-- storage parameters: ours on the queue table (22_storage_params), none on the archive
SELECT relname, reloptions FROM pg_class
 WHERE oid IN ('pgmq.q_layout'::regclass, 'pgmq.a_layout'::regclass) ORDER BY relname;

-- queue tables, their indexes and sequences are NOT extension members
SELECT count(*) AS member_queue_objects
  FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pgmq')
   AND c.relname LIKE '%layout%';

-- mixed case: tables lowercased, archive index keeps the name as given
SELECT pgmq.create('LayOut_Two');
SELECT relname FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace AND relname ILIKE '%layout_two%'
 ORDER BY relname;

SELECT pgmq.drop_queue('layout'), pgmq.drop_queue('LayOut_Two');
SELECT count(*) AS leftovers FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace AND relname ILIKE '%layout%';
