-- The SQL API must match PGMQ 1.13 exactly: names, argument names, types,
-- defaults, result types, and flags (volatile, not strict, not security
-- definer, parallel unsafe).  create_queue is our documented alias.
-- One line per function (unaligned), so adding a function changes one line.
\pset format unaligned
SELECT p.proname,
       pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result
  FROM pg_proc p
 WHERE p.pronamespace = 'pgmq'::regnamespace
 ORDER BY p.proname, pg_get_function_identity_arguments(p.oid);
\pset format aligned

-- every function: not strict, not security definer, parallel unsafe, C;
-- volatile but for the validators (immutable) and listings (stable), as PGMQ
SELECT p.provolatile, p.proisstrict, p.prosecdef, p.proparallel, l.lanname, count(*),
       string_agg(DISTINCT p.proname, ', ' ORDER BY p.proname)
           FILTER (WHERE p.provolatile <> 'v') AS not_volatile
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'pgmq'::regnamespace
 GROUP BY 1, 2, 3, 4, 5
 ORDER BY 1;

-- EXECUTE stays with PUBLIC (access is gated by schema and table privileges)
SELECT count(*) AS functions_without_public_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'pgmq'::regnamespace
   AND NOT has_function_privilege('public', p.oid, 'EXECUTE');

-- composite types, column order is part of the API
SELECT t.typname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod)
  FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid
 WHERE t.typnamespace = 'pgmq'::regnamespace AND t.typtype = 'c'
   AND t.typname IN ('message_record', 'queue_record', 'metrics_result')
 ORDER BY t.typname, a.attnum;

-- identity signatures used verbatim in users' GRANT scripts resolve
SELECT to_regprocedure('pgmq.read(text,integer,integer,jsonb)') IS NOT NULL AS read_sig,
       to_regprocedure('pgmq.send(text,jsonb,jsonb,timestamp with time zone)') IS NOT NULL AS send_sig,
       to_regprocedure('pgmq.set_vt(text,bigint[],integer)') IS NOT NULL AS set_vt_sig;

-- positional calls with untyped parameters resolve where PGMQ's do
PREPARE r AS SELECT * FROM pgmq.read($1, $2, $3);
PREPARE s AS SELECT * FROM pgmq.send($1, $2);
PREPARE p AS SELECT * FROM pgmq.pop($1);
PREPARE b AS SELECT * FROM pgmq.send_batch($1, $2::jsonb[]);
PREPARE a AS SELECT * FROM pgmq.archive($1, $2::bigint[]);
PREPARE w AS SELECT * FROM pgmq.read_with_poll($1, $2, $3, $4, $5);
SELECT name, parameter_types FROM pg_prepared_statements ORDER BY name;
DEALLOCATE ALL;

-- extension metadata clients read
SELECT extname, extversion, extrelocatable, extnamespace::regnamespace
  FROM pg_extension WHERE extname = 'pgmq';
SELECT name, version, superuser, trusted, relocatable, schema
  FROM pg_available_extension_versions WHERE name = 'pgmq' ORDER BY version;

-- shared tables are members whose rows pg_dump keeps
SELECT c.relname, c.relpersistence
  FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pgmq')
   AND d.classid = 'pg_class'::regclass
 ORDER BY c.relname;
SELECT unnest(extconfig)::regclass AS dumped_config_table,
       unnest(extcondition) AS condition
  FROM pg_extension WHERE extname = 'pgmq' ORDER BY 1;

-- pg_monitor may look, as in PGMQ
SELECT has_schema_privilege('pg_monitor', 'pgmq', 'USAGE') AS monitor_usage,
       has_table_privilege('pg_monitor', 'pgmq.meta', 'SELECT') AS monitor_meta;
