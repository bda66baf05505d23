-- Insert notifications: enable_notify_insert, disable_notify_insert,
-- update_notify_insert, list_notify_insert_throttles and the trigger's
-- bookkeeping in pgmq.notify_insert_throttle.  What LISTENers receive
-- (psql would print a varying PID here) is checked in
-- test/specs/notify_insert_delivery.spec, and that concurrent senders do
-- not wait for each other in test/specs/notify_concurrent_senders.spec.

-- a queue's notify trigger (function, argument, enabled) and throttle row
CREATE FUNCTION pg_temp.notify_state(q text)
RETURNS TABLE (trigger text, throttle_row text)
LANGUAGE sql AS $$
    SELECT coalesce((SELECT format('%s %s(%s) %s', t.tgname, t.tgfoid::regproc,
                                   convert_from(substring(t.tgargs FROM 1 FOR length(t.tgargs) - 1), 'UTF8'),
                                   CASE t.tgenabled WHEN 'O' THEN 'enabled' ELSE 'disabled' END)
                       FROM pg_trigger t
                      WHERE t.tgrelid = to_regclass('pgmq.' || quote_ident('q_' || lower(q)))
                        AND NOT t.tgisinternal), 'none'),
           coalesce((SELECT format('%s, %s ms, %s', n.queue_name, n.throttle_interval_ms,
                                   CASE WHEN n.last_notified_at = 'epoch' THEN 'never notified'
                                        ELSE 'notified' END)
                       FROM pgmq.notify_insert_throttle n WHERE lower(n.queue_name) = lower(q)), 'none')
$$;

---------------------------------------------------------------------------
-- Signatures (PGMQ 1.13): list_notify_insert_throttles is STABLE, the
-- others VOLATILE; none strict
---------------------------------------------------------------------------
SELECT p.proname, pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result, p.provolatile, p.proisstrict
  FROM pg_proc p
 WHERE p.pronamespace = 'pgmq'::regnamespace
   AND p.proname IN ('enable_notify_insert', 'disable_notify_insert', 'update_notify_insert',
                     'list_notify_insert_throttles', 'notify_queue_listeners')
 ORDER BY p.proname;

---------------------------------------------------------------------------
-- Errors, in PGMQ's order (our name check comes first, as in every
-- function).  PGMQ's texts; our SQLSTATEs
---------------------------------------------------------------------------
SELECT public.try($$SELECT pgmq.enable_notify_insert('bad;name', -1)$$);
SELECT public.try($$SELECT pgmq.enable_notify_insert('nosuch', -1)$$);
SELECT public.try($$SELECT pgmq.enable_notify_insert('nosuch')$$);
SELECT public.try($$SELECT pgmq.enable_notify_insert('nosuch', NULL)$$);
SELECT public.try($$SELECT pgmq.enable_notify_insert(NULL)$$);
SELECT public.try($$SELECT pgmq.enable_notify_insert('')$$);
SELECT public.try($$SELECT pgmq.enable_notify_insert('no/slash')$$);
SELECT public.try($$SELECT pgmq.enable_notify_insert(repeat('x', 48))$$);
SELECT public.try($$SELECT pgmq.update_notify_insert('bad--name', -1)$$);
SELECT public.try($$SELECT pgmq.update_notify_insert('nosuch', -1)$$);
SELECT public.try($$SELECT pgmq.update_notify_insert('nosuch', 10)$$);
SELECT public.try($$SELECT pgmq.update_notify_insert('nosuch', NULL)$$);
SELECT public.try($$SELECT pgmq.disable_notify_insert('bad''name')$$);
SELECT public.try($$SELECT pgmq.disable_notify_insert(NULL)$$);
-- a missing queue is not an error for disable (PGMQ's NOTICE)
SELECT pgmq.disable_notify_insert('nosuch');
-- the trigger function is only for triggers
SELECT public.try($$SELECT pgmq.notify_queue_listeners()$$);

---------------------------------------------------------------------------
-- enable: throttle row (last_notified_at at the epoch) and trigger.  No
-- NOTICE the first time (PGMQ prints one about the missing trigger).
---------------------------------------------------------------------------
SELECT pgmq.create('nq');
SELECT public.try($$SELECT pgmq.update_notify_insert('nq', 10)$$);   -- not enabled yet
SELECT pgmq.enable_notify_insert('nq');
SELECT * FROM pgmq.list_notify_insert_throttles();
SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE t.tgrelid = 'pgmq.q_nq'::regclass;
SELECT * FROM pg_temp.notify_state('nq');
SELECT c.conname, c.contype, c.condeferrable, c.condeferred
  FROM pg_constraint c WHERE c.conrelid = 'pgmq.q_nq'::regclass AND c.contype = 't';
-- the trigger is not an extension member (it goes with the queue table)
SELECT count(*) AS trigger_is_member
  FROM pg_depend d JOIN pg_trigger t ON d.classid = 'pg_trigger'::regclass AND d.objid = t.oid
 WHERE t.tgname = 'trigger_notify_queue_insert_listeners' AND d.deptype = 'e';

---------------------------------------------------------------------------
-- The trigger's bookkeeping.  update_notify_insert resets the row; with an
-- interval the first send records the time, sends within the interval
-- leave it alone.
---------------------------------------------------------------------------
SELECT pgmq.update_notify_insert('nq', 3600000);
SELECT * FROM pg_temp.notify_state('nq');
SELECT * FROM pgmq.send('nq', '{"n": 1}');
SELECT last_notified_at AS first_notified FROM pgmq.notify_insert_throttle WHERE queue_name = 'nq' \gset
SELECT :'first_notified'::timestamptz > 'epoch' AS recorded,
       :'first_notified'::timestamptz <= clock_timestamp() AS not_in_future;
SELECT * FROM pgmq.send('nq', '{"n": 2}');
SELECT * FROM pgmq.send_batch('nq', ARRAY['{"n": 3}', '{"n": 4}']::jsonb[]);
SELECT last_notified_at = :'first_notified' AS unchanged_within_interval
  FROM pgmq.notify_insert_throttle WHERE queue_name = 'nq';

-- re-enable = change the interval and reset; the trigger is already right,
-- so it is left alone: same trigger, and no lock at all on the queue table
SELECT t.oid AS trigger_oid FROM pg_trigger t
 WHERE t.tgrelid = 'pgmq.q_nq'::regclass AND t.tgname = 'trigger_notify_queue_insert_listeners' \gset
BEGIN;
SELECT pgmq.enable_notify_insert('nq', 0);
SELECT count(*) AS locks_on_queue_table FROM pg_locks
 WHERE locktype = 'relation' AND relation = 'pgmq.q_nq'::regclass AND pid = pg_backend_pid();
COMMIT;
SELECT * FROM pg_temp.notify_state('nq');
SELECT t.oid = :trigger_oid AS same_trigger FROM pg_trigger t
 WHERE t.tgrelid = 'pgmq.q_nq'::regclass AND t.tgname = 'trigger_notify_queue_insert_listeners';

-- interval 0: every transaction notifies, and the row is never written
SELECT * FROM pgmq.send('nq', '{"n": 5}');
SELECT * FROM pgmq.send_batch('nq', ARRAY['{"n": 6}', '{"n": 7}']::jsonb[]);
SELECT * FROM pg_temp.notify_state('nq');

-- a trigger that is not what enable makes (here: disabled) is made again
ALTER TABLE pgmq.q_nq DISABLE TRIGGER trigger_notify_queue_insert_listeners;
SELECT pgmq.enable_notify_insert('nq', 0);
SELECT tgenabled, t.oid <> :trigger_oid AS recreated FROM pg_trigger t
 WHERE t.tgrelid = 'pgmq.q_nq'::regclass AND t.tgname = 'trigger_notify_queue_insert_listeners';

-- transactions: a rolled-back send leaves no record; so does one rolled
-- back to a savepoint, and the send after it records again
SELECT pgmq.update_notify_insert('nq', 3600000);
BEGIN;
SELECT * FROM pgmq.send('nq', '{"n": 8}');
SELECT last_notified_at > 'epoch' AS recorded_in_transaction FROM pgmq.notify_insert_throttle WHERE queue_name = 'nq';
ROLLBACK;
SELECT * FROM pg_temp.notify_state('nq');
BEGIN;
SAVEPOINT a;
SELECT * FROM pgmq.send('nq', '{"n": 9}');
ROLLBACK TO SAVEPOINT a;
SELECT last_notified_at > 'epoch' AS recorded_after_rollback_to FROM pgmq.notify_insert_throttle WHERE queue_name = 'nq';
SELECT * FROM pgmq.send('nq', '{"n": 10}');
SELECT last_notified_at > 'epoch' AS recorded_again FROM pgmq.notify_insert_throttle WHERE queue_name = 'nq';
COMMIT;
SELECT * FROM pg_temp.notify_state('nq');

-- REPEATABLE READ senders never write the throttle row (a concurrent
-- write would fail them with a serialization error)
SELECT pgmq.update_notify_insert('nq', 3600000);
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM pgmq.send('nq', '{"n": 11}');
COMMIT;
SELECT * FROM pg_temp.notify_state('nq');

-- plain SQL inserts (PGMQ's old Rust client) fire the trigger too
SELECT pgmq.update_notify_insert('nq', 3600000);
INSERT INTO pgmq.q_nq (vt, message) VALUES (clock_timestamp(), '{"n": 12}');
SELECT * FROM pg_temp.notify_state('nq');

-- update_notify_insert: NULL and negative intervals are refused; the
-- queue is unchanged
SELECT public.try($$SELECT pgmq.update_notify_insert('nq', -5)$$);
SELECT public.try($$SELECT pgmq.update_notify_insert('nq', NULL)$$);
SELECT public.try($$SELECT pgmq.enable_notify_insert('nq', -5)$$);
SELECT throttle_interval_ms FROM pgmq.list_notify_insert_throttles() WHERE queue_name = 'nq';

---------------------------------------------------------------------------
-- disable: idempotent; trigger and row gone; sends still work
---------------------------------------------------------------------------
SELECT pgmq.disable_notify_insert('nq');
SELECT * FROM pg_temp.notify_state('nq');
SELECT pgmq.disable_notify_insert('nq');
SELECT public.try($$SELECT pgmq.update_notify_insert('nq', 10)$$);
SELECT * FROM pgmq.send('nq', '{"n": 13}');
SELECT count(*) AS messages FROM pgmq.q_nq;

---------------------------------------------------------------------------
-- Mixed case: the row, the trigger argument and so the channel
-- "pgmq.q_MixedQ.INSERT" use the registered spelling, whichever spelling
-- the caller uses (names are case-insensitive, as everywhere)
---------------------------------------------------------------------------
SELECT pgmq.create('MixedQ');
SELECT pgmq.enable_notify_insert('mixedq', 0);
SELECT * FROM pg_temp.notify_state('MixedQ');
SELECT pgmq.update_notify_insert('MIXEDQ', 3600000);
SELECT * FROM pgmq.send('mixedQ', '{"n": 1}');
SELECT queue_name, throttle_interval_ms, last_notified_at > 'epoch' AS notified
  FROM pgmq.list_notify_insert_throttles();
SELECT * FROM pg_temp.notify_state('MixedQ');
SELECT pgmq.disable_notify_insert('MIXEDQ');
SELECT * FROM pg_temp.notify_state('MixedQ');
SELECT pgmq.drop_queue('MixedQ');

---------------------------------------------------------------------------
-- drop_queue takes the throttle row (meta cascade) and the trigger (with
-- the table); a re-created queue starts without notifications
---------------------------------------------------------------------------
SELECT pgmq.enable_notify_insert('nq', 100);
SELECT pgmq.drop_queue('nq');
SELECT count(*) AS throttle_rows FROM pgmq.notify_insert_throttle;
SELECT count(*) AS notify_triggers FROM pg_trigger WHERE tgname = 'trigger_notify_queue_insert_listeners';
SELECT pgmq.create('nq');
SELECT * FROM pg_temp.notify_state('nq');
SELECT * FROM pgmq.send('nq', '{"n": 1}');
SELECT pgmq.enable_notify_insert('nq', 100);
SELECT * FROM pg_temp.notify_state('nq');
SELECT pgmq.drop_queue('nq');

---------------------------------------------------------------------------
-- A queue table that is not registered in pgmq.meta (made by a client,
-- or left by DROP EXTENSION) cannot have a throttle row; create()
-- registers it
---------------------------------------------------------------------------
SELECT pgmq.create('unreg');
DELETE FROM pgmq.meta WHERE queue_name = 'unreg';
SELECT pgmq.enable_notify_insert('unreg');
SELECT public.try($$SELECT pgmq.enable_notify_insert('unreg')$$);
SELECT pgmq.create('unreg');
SELECT pgmq.enable_notify_insert('unreg', 0);
SELECT * FROM pg_temp.notify_state('unreg');

---------------------------------------------------------------------------
-- Privileges: as in PGMQ, functions run as the caller.  A producer of a
-- queue with notifications needs, besides INSERT on the queue, SELECT
-- and UPDATE on pgmq.notify_insert_throttle (the trigger reads and
-- records there); enabling needs TRIGGER on the queue table and write
-- access to the throttle table.
---------------------------------------------------------------------------
CREATE ROLE regress_notify_producer;
GRANT USAGE ON SCHEMA pgmq TO regress_notify_producer;
GRANT SELECT, INSERT ON pgmq.q_unreg TO regress_notify_producer;
SET ROLE regress_notify_producer;
SELECT public.try($$SELECT pgmq.send('unreg', '{"n": 1}')$$);
SELECT public.try($$SELECT pgmq.enable_notify_insert('unreg', 0)$$);
RESET ROLE;
GRANT SELECT, UPDATE ON pgmq.notify_insert_throttle TO regress_notify_producer;
SELECT pgmq.update_notify_insert('unreg', 3600000);
SET ROLE regress_notify_producer;
SELECT public.try($$SELECT pgmq.send('unreg', '{"n": 2}')$$);
RESET ROLE;
SELECT * FROM pg_temp.notify_state('unreg');
REVOKE ALL ON pgmq.notify_insert_throttle FROM regress_notify_producer;
REVOKE ALL ON pgmq.q_unreg FROM regress_notify_producer;
REVOKE ALL ON SCHEMA pgmq FROM regress_notify_producer;
DROP ROLE regress_notify_producer;
SELECT pgmq.drop_queue('unreg');

---------------------------------------------------------------------------
-- A hostile search_path captures nothing: shadows of what the functions
-- and the trigger use (functions, operators, relations) record any call
---------------------------------------------------------------------------
CREATE SCHEMA regress_nevil;
CREATE TABLE regress_nevil.calls (what text);
CREATE FUNCTION regress_nevil.log(what text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    INSERT INTO regress_nevil.calls VALUES (what);
    RETURN true;
END
$$;
CREATE FUNCTION regress_nevil.lower(text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_nevil.log('lower(text)'); RETURN 'evil'; END $$;
CREATE FUNCTION regress_nevil.lower(character varying) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_nevil.log('lower(varchar)'); RETURN 'evil'; END $$;
CREATE FUNCTION regress_nevil.to_timestamp(double precision) RETURNS timestamptz
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_nevil.log('to_timestamp'); RETURN '2000-01-01'; END $$;
CREATE FUNCTION regress_nevil.to_timestamp(integer) RETURNS timestamptz
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_nevil.log('to_timestamp(int)'); RETURN '2000-01-01'; END $$;
CREATE FUNCTION regress_nevil.clock_timestamp() RETURNS timestamptz
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_nevil.log('clock_timestamp'); RETURN '2000-01-01'; END $$;
CREATE FUNCTION regress_nevil.pg_notify(text, text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_nevil.log('pg_notify'); END $$;
CREATE FUNCTION regress_nevil.eq(character varying, text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN RETURN regress_nevil.log('varchar = text'); END $$;
CREATE OPERATOR regress_nevil.= (LEFTARG = character varying, RIGHTARG = text,
                                 FUNCTION = regress_nevil.eq);
CREATE FUNCTION regress_nevil.eqt(text, text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN RETURN regress_nevil.log('text = text'); END $$;
CREATE OPERATOR regress_nevil.= (LEFTARG = text, RIGHTARG = text,
                                 FUNCTION = regress_nevil.eqt);
CREATE TABLE regress_nevil.notify_insert_throttle (queue_name varchar, throttle_interval_ms int,
                                                   last_notified_at timestamptz);
CREATE TABLE regress_nevil.meta (queue_name varchar, is_partitioned boolean,
                                 is_unlogged boolean, created_at timestamptz);
CREATE FUNCTION regress_nevil.notify_queue_listeners() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$ BEGIN PERFORM regress_nevil.log('notify_queue_listeners'); RETURN NULL; END $$;

SET search_path = regress_nevil, pg_catalog, public, pgmq;
-- control: unqualified names really are captured
SELECT lower('X'::text) AS evil_lower, 'a'::varchar = 'b'::text AS evil_eq;
SELECT pg_catalog.count(*) AS evil_calls FROM regress_nevil.calls;
TRUNCATE regress_nevil.calls;

SELECT pgmq.create('SpNotify');
SELECT pgmq.enable_notify_insert('spnotify', 3600000);
SELECT * FROM pgmq.send('SPNOTIFY', '{"n": 1}');
SELECT * FROM pgmq.send('SpNotify', '{"n": 2}');
SELECT pgmq.enable_notify_insert('SpNotify', 0);
SELECT * FROM pgmq.send_batch('SpNotify', ARRAY['{"n": 3}']::pg_catalog.jsonb[]);
SELECT pgmq.update_notify_insert('spnotify', 5);
SELECT queue_name, throttle_interval_ms, last_notified_at OPERATOR(pg_catalog.>) 'epoch' AS notified
  FROM pgmq.list_notify_insert_throttles();
RESET search_path;
SELECT * FROM pg_temp.notify_state('SpNotify');
SET search_path = regress_nevil, pg_catalog, public, pgmq;
SELECT pgmq.disable_notify_insert('SPNOTIFY');
SELECT pgmq.disable_notify_insert('SPNOTIFY');
SELECT pgmq.drop_queue('SpNotify');
RESET search_path;
SELECT count(*) AS evil_calls FROM regress_nevil.calls;
SELECT count(*) AS throttle_rows FROM pgmq.notify_insert_throttle;
DROP SCHEMA regress_nevil CASCADE;
