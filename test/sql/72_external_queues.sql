-- Queues whose tables were made by a client (the old Rust PGMQueue issues
-- its own DDL), or left from an earlier install, work from the catalog
-- alone, and create() adopts them.
CREATE TABLE pgmq.q_ext (
    msg_id BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    read_ct INT DEFAULT 0 NOT NULL,
    enqueued_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    last_read_at TIMESTAMP WITH TIME ZONE,
    vt TIMESTAMP WITH TIME ZONE NOT NULL,
    message JSONB,
    headers JSONB
);
CREATE TABLE pgmq.a_ext (
    msg_id BIGINT PRIMARY KEY,
    read_ct INT DEFAULT 0 NOT NULL,
    enqueued_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    last_read_at TIMESTAMP WITH TIME ZONE,
    archived_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    vt TIMESTAMP WITH TIME ZONE NOT NULL,
    message JSONB,
    headers JSONB
);
INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged) VALUES ('ext', false, false);

-- the functions work on it
SELECT * FROM pgmq.send('ext', '{"from": "function"}');
-- and rows a client inserts directly are read like any other
INSERT INTO pgmq.q_ext (vt, message) VALUES (clock_timestamp(), '{"from": "client"}');
SELECT msg_id, read_ct, message FROM pgmq.read('ext', 30, 10) ORDER BY msg_id;
SELECT pgmq.archive('ext', 1);
SELECT queue_name, queue_length, total_messages FROM pgmq.metrics('ext');
SELECT queue_name FROM pgmq.list_queues() WHERE queue_name = 'ext';

-- create() on it fills in the missing indexes and keeps the data
SELECT pgmq.create('ext');
SELECT indexrelid::regclass FROM pg_index
 WHERE indrelid IN ('pgmq.q_ext'::regclass, 'pgmq.a_ext'::regclass) ORDER BY 1::text;
SELECT count(*) AS kept FROM pgmq.q_ext;

-- tables with no meta row (e.g. after DROP EXTENSION) work, and create() registers them
DELETE FROM pgmq.meta WHERE queue_name = 'ext';
SELECT msg_id FROM pgmq.set_vt('ext', 2, 0);
SELECT count(*) AS listed FROM pgmq.list_queues() WHERE queue_name = 'ext';
SELECT pgmq.create('ext');
SELECT count(*) AS listed FROM pgmq.list_queues() WHERE queue_name = 'ext';

SELECT pgmq.drop_queue('ext');
