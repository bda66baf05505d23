-- Queue lifecycle: create (and its aliases), idempotent re-create, drop.
SELECT pgmq.create('life');
SELECT queue_name, is_partitioned, is_unlogged, created_at <= now() AS created_now
  FROM pgmq.list_queues() ORDER BY queue_name;

-- re-creating is a quiet no-op: no notices, no second meta row, data kept
SELECT * FROM pgmq.send('life', '{"keep": true}');
SELECT pgmq.create('life');
SELECT pgmq.create_non_partitioned('life');
SELECT pgmq.create_queue('life');
SELECT count(*) AS meta_rows FROM pgmq.meta WHERE queue_name = 'life';
SELECT count(*) AS messages FROM pgmq.q_life;

-- create_non_partitioned and create_queue create real queues too
SELECT pgmq.create_non_partitioned('life_np');
SELECT pgmq.create_queue('life_alias');
SELECT queue_name, is_partitioned, is_unlogged FROM pgmq.list_queues() ORDER BY 1;

-- a missing piece is filled in on re-create (e.g. an archive dropped by hand)
DROP TABLE pgmq.a_life_np;
SELECT pgmq.create('life_np');
SELECT to_regclass('pgmq.a_life_np') IS NOT NULL AS archive_back,
       to_regclass('pgmq."archived_at_idx_life_np"') IS NOT NULL AS index_back;

-- create is transactional
BEGIN;
SELECT pgmq.create('life_rolled_back');
ROLLBACK;
SELECT to_regclass('pgmq.q_life_rolled_back') AS table_after_rollback,
       (SELECT count(*) FROM pgmq.meta WHERE queue_name = 'life_rolled_back') AS meta_rows;

-- drop_queue: true when dropped, NOTICE and false when it does not exist
SELECT pgmq.drop_queue('life');
SELECT to_regclass('pgmq.q_life') AS q, to_regclass('pgmq.a_life') AS a;
SELECT pgmq.drop_queue('life');
SELECT count(*) AS meta_rows FROM pgmq.meta WHERE queue_name = 'life';

-- drop is transactional
BEGIN;
SELECT pgmq.drop_queue('life_np');
ROLLBACK;
SELECT to_regclass('pgmq.q_life_np') IS NOT NULL AS still_there;

-- deprecated two-argument form: WARNING, always true (as PGMQ)
SELECT pgmq.drop_queue('life_np', false);
SELECT pgmq.drop_queue('life_np', true);

-- a stale registration (table dropped by hand) is cleaned up by drop_queue
DROP TABLE pgmq.q_life_alias;
SELECT pgmq.drop_queue('life_alias');
SELECT count(*) AS meta_rows FROM pgmq.meta WHERE queue_name = 'life_alias';
SELECT to_regclass('pgmq.a_life_alias') AS archive_gone_too;

-- detach_archive: deprecated no-op with PGMQ's warning
SELECT pgmq.create('life_detach');
SELECT pgmq.detach_archive('life_detach');
SELECT to_regclass('pgmq.a_life_detach') IS NOT NULL AS archive_kept;
SELECT pgmq.drop_queue('life_detach');

SELECT count(*) AS queues_left FROM pgmq.list_queues();
