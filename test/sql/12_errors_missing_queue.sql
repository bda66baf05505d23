-- Operations on a queue that does not exist: 42P01 with
-- queue "<name as given>" does not exist (PGMQ raised the same SQLSTATE
-- from its dynamic SQL).  drop_queue keeps PGMQ's NOTICE and false.
-- Also: half-dropped queues (table or archive removed by hand), and a
-- queue dropped and re-created in the same session (cached plans must not
-- reach the old table; ids start again from 1).

CREATE TEMP TABLE queue_calls (fn text PRIMARY KEY, tmpl text);
INSERT INTO queue_calls VALUES
    ('purge_queue',              'SELECT pgmq.purge_queue(%L::text)'),
    ('send',                     'SELECT pgmq.send(%L::text, ''{}''::jsonb)'),
    ('send delay',               'SELECT pgmq.send(%L::text, ''{}''::jsonb, 0)'),
    ('send at',                  'SELECT pgmq.send(%L::text, ''{}''::jsonb, now())'),
    ('send headers',             'SELECT pgmq.send(%L::text, ''{}''::jsonb, ''{}''::jsonb)'),
    ('send headers delay',       'SELECT pgmq.send(%L::text, ''{}''::jsonb, ''{}''::jsonb, 0)'),
    ('send headers at',          'SELECT pgmq.send(%L::text, ''{}''::jsonb, ''{}''::jsonb, now())'),
    ('send_batch',               'SELECT pgmq.send_batch(%L::text, ARRAY[''{}'']::jsonb[])'),
    ('send_batch delay',         'SELECT pgmq.send_batch(%L::text, ARRAY[''{}'']::jsonb[], 0)'),
    ('send_batch at',            'SELECT pgmq.send_batch(%L::text, ARRAY[''{}'']::jsonb[], now())'),
    ('send_batch headers',       'SELECT pgmq.send_batch(%L::text, ARRAY[''{}'']::jsonb[], ARRAY[''{}'']::jsonb[])'),
    ('send_batch headers delay', 'SELECT pgmq.send_batch(%L::text, ARRAY[''{}'']::jsonb[], ARRAY[''{}'']::jsonb[], 0)'),
    ('send_batch headers at',    'SELECT pgmq.send_batch(%L::text, ARRAY[''{}'']::jsonb[], ARRAY[''{}'']::jsonb[], now())'),
    ('read',                     'SELECT pgmq.read(%L::text, 30, 1)'),
    ('read conditional',         'SELECT pgmq.read(%L::text, 30, 1, ''{"a": 1}'')'),
    ('read_with_poll',           'SELECT pgmq.read_with_poll(%L::text, 30, 1, 0, 100)'),
    ('read_with_poll waiting',   'SELECT pgmq.read_with_poll(%L::text, 30, 1, 5, 100)'),
    ('pop',                      'SELECT pgmq.pop(%L::text)'),
    ('pop qty',                  'SELECT pgmq.pop(%L::text, 10)'),
    ('delete',                   'SELECT pgmq.delete(%L::text, 1::bigint)'),
    ('delete null id',           'SELECT pgmq.delete(%L::text, NULL::bigint)'),
    ('delete batch',             'SELECT pgmq.delete(%L::text, ARRAY[1]::bigint[])'),
    ('archive',                  'SELECT pgmq.archive(%L::text, 1::bigint)'),
    ('archive null id',          'SELECT pgmq.archive(%L::text, NULL::bigint)'),
    ('archive batch',            'SELECT pgmq.archive(%L::text, ARRAY[1]::bigint[])'),
    ('set_vt',                   'SELECT pgmq.set_vt(%L::text, 1::bigint, 30)'),
    ('set_vt at',                'SELECT pgmq.set_vt(%L::text, 1::bigint, now())'),
    ('set_vt batch',             'SELECT pgmq.set_vt(%L::text, ARRAY[1]::bigint[], 30)'),
    ('set_vt batch at',          'SELECT pgmq.set_vt(%L::text, ARRAY[1]::bigint[], now())'),
    ('metrics',                  'SELECT pgmq.metrics(%L::text)');
SELECT count(*) AS functions_checked FROM queue_calls;

SELECT count(*) AS rels_before FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace \gset
SELECT count(*) AS meta_before FROM pgmq.meta \gset

---------------------------------------------------------------------------
-- A queue that never existed; the message names it as given.  One row per
-- (name, outcome): each name must give one outcome for every call.
---------------------------------------------------------------------------
SELECT n AS queue, try(format(c.tmpl, n)) AS result, count(*) AS calls
  FROM (VALUES ('nosuch'), ('NoSuch.Queue-2'), (repeat('m', 47))) v(n)
 CROSS JOIN queue_calls c
 GROUP BY 1, 2 ORDER BY 1, 2;

-- drop_queue: PGMQ's NOTICE and false; the deprecated form warns and says true
SELECT pgmq.drop_queue('nosuch');
SELECT pgmq.drop_queue('NoSuch');
SELECT pgmq.drop_queue('NoSuch', false);
-- detach_archive is a no-op (as in PGMQ): it warns, whether or not the queue exists
SELECT pgmq.detach_archive('nosuch');
-- the name helpers do not look for the queue
SELECT try($$SELECT pgmq.validate_queue_name('nosuch')$$) AS validate,
       pgmq.format_table_name('NoSuch', 'q') AS table_name;
-- not listed anywhere
SELECT count(*) AS listed FROM pgmq.list_queues() WHERE lower(queue_name) = 'nosuch';
SELECT count(*) AS measured FROM pgmq.metrics_all() WHERE lower(queue_name) = 'nosuch';

-- nothing was created by any of it
SELECT count(*) - :rels_before AS new_relations FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace;
SELECT count(*) - :meta_before AS new_meta_rows FROM pgmq.meta;

---------------------------------------------------------------------------
-- The queue table dropped by hand, the registration left behind
---------------------------------------------------------------------------
SELECT pgmq.create('halfgone');
SELECT * FROM pgmq.send('halfgone', '{"n": 1}');
SELECT msg_id FROM pgmq.read('halfgone', 0, 1);
DROP TABLE pgmq.q_halfgone;
SELECT try(format(c.tmpl, 'halfgone')) AS result, count(*) AS calls
  FROM queue_calls c GROUP BY 1 ORDER BY 1;
-- still registered; metrics_all skips it instead of failing
SELECT queue_name FROM pgmq.list_queues() WHERE queue_name = 'halfgone';
SELECT try('SELECT count(*) FROM pgmq.metrics_all()') AS metrics_all,
       (SELECT count(*) FROM pgmq.metrics_all() WHERE queue_name = 'halfgone') AS measured;
-- drop_queue reports it missing, and removes the registration and the archive
SELECT pgmq.drop_queue('halfgone');
SELECT count(*) AS meta_rows FROM pgmq.meta WHERE queue_name = 'halfgone';
SELECT to_regclass('pgmq.a_halfgone') AS archive_table;

---------------------------------------------------------------------------
-- The archive table dropped by hand: archive says so and moves nothing;
-- everything else keeps working; create() puts the archive back
---------------------------------------------------------------------------
SELECT pgmq.create('noarch');
SELECT * FROM pgmq.send_batch('noarch', ARRAY['{"n": 1}', '{"n": 2}', '{"n": 3}']::jsonb[]);
SELECT pgmq.archive('noarch', 1::bigint) AS archived_while_there;
DROP TABLE pgmq.a_noarch;
SELECT try($$SELECT pgmq.archive('noarch', 2::bigint)$$) AS archive_one;
SELECT try($$SELECT pgmq.archive('NoArch', ARRAY[2, 3]::bigint[])$$) AS archive_batch;
SELECT msg_id, read_ct FROM pgmq.q_noarch ORDER BY msg_id;
SELECT msg_id FROM pgmq.read('noarch', 0, 10) ORDER BY msg_id;
SELECT pgmq.delete('noarch', 3::bigint) AS deleted;
SELECT queue_name, queue_length FROM pgmq.metrics('noarch');
SELECT pgmq.create('noarch');
SELECT pgmq.archive('noarch', 2::bigint) AS archived_after_create;
SELECT msg_id, message FROM pgmq.a_noarch ORDER BY msg_id;
SELECT pgmq.drop_queue('noarch');

---------------------------------------------------------------------------
-- Dropped and re-created in one session: the plans this backend prepared
-- for the old table must not be used; the new table numbers from 1
---------------------------------------------------------------------------
SELECT pgmq.create('again');
SELECT * FROM pgmq.send_batch('again', ARRAY['{"gen": 1}', '{"gen": 1}', '{"gen": 1}']::jsonb[]);
-- use every statement once, so this backend holds plans for the old table
SELECT msg_id FROM pgmq.read('again', 0, 1);
SELECT msg_id FROM pgmq.read('again', 0, 1, '{"gen": 1}');
SELECT msg_id FROM pgmq.pop('again');
SELECT msg_id FROM pgmq.set_vt('again', 2::bigint, 0);
SELECT msg_id FROM pgmq.set_vt('again', ARRAY[2]::bigint[], 0);
SELECT pgmq.delete('again', 99::bigint), pgmq.archive('again', 99::bigint);
SELECT * FROM pgmq.delete('again', ARRAY[99]::bigint[]);
SELECT * FROM pgmq.archive('again', ARRAY[99]::bigint[]);
SELECT queue_length, total_messages FROM pgmq.metrics('again');

SELECT pgmq.drop_queue('again');
SELECT try(format(c.tmpl, 'again')) AS result, count(*) AS calls
  FROM queue_calls c GROUP BY 1 ORDER BY 1;

SELECT pgmq.create('again');
SELECT * FROM pgmq.send('again', '{"gen": 2}');
SELECT * FROM pgmq.send_batch('again', ARRAY['{"gen": 2}', '{"gen": 2}']::jsonb[]);
SELECT msg_id, read_ct, message FROM pgmq.read('again', 30, 1);
SELECT msg_id, message FROM pgmq.read('again', 30, 1, '{"gen": 2}');
SELECT msg_id, message FROM pgmq.pop('again');
SELECT msg_id FROM pgmq.set_vt('again', 1::bigint, 0);
SELECT msg_id FROM pgmq.set_vt('again', ARRAY[2]::bigint[], 0);
SELECT pgmq.archive('again', 1::bigint) AS archived;
SELECT * FROM pgmq.archive('again', ARRAY[2]::bigint[]);
SELECT pgmq.delete('again', 1::bigint) AS deleted_already_archived;
SELECT queue_name, queue_length, total_messages FROM pgmq.metrics('again');
SELECT msg_id, message FROM pgmq.a_again ORDER BY msg_id;
SELECT pgmq.purge_queue('again') AS purged;

-- dropped in a transaction that rolls back: the old queue is back, its
-- ids continue; dropped and re-created in a transaction that rolls back:
-- the same
SELECT * FROM pgmq.send('again', '{"gen": 2}');
BEGIN;
SELECT pgmq.drop_queue('again');
SELECT try($$SELECT pgmq.send('again', '{}')$$) AS send_after_drop;
ROLLBACK;
SELECT * FROM pgmq.send('again', '{"gen": 2}');
BEGIN;
SELECT pgmq.drop_queue('again');
SELECT pgmq.create('again');
SELECT * FROM pgmq.send('again', '{"gen": 3}');
SELECT msg_id, message FROM pgmq.read('again', 0, 10);
ROLLBACK;
SELECT * FROM pgmq.send('again', '{"gen": 2}');
SELECT msg_id, message FROM pgmq.read('again', 0, 10) ORDER BY msg_id;
SELECT pgmq.drop_queue('again');

-- a different spelling of the re-created queue works the same way
SELECT pgmq.create('AGAIN');
SELECT * FROM pgmq.send('again', '{"gen": 4}');
SELECT queue_name, queue_length, total_messages FROM pgmq.metrics('Again');
SELECT pgmq.drop_queue('AGAIN');

SELECT count(*) - :rels_before AS new_relations FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace;
SELECT count(*) - :meta_before AS new_meta_rows FROM pgmq.meta;
