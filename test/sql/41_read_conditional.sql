-- read's conditional argument: jsonb containment on the message.
SELECT pgmq.create('rc');
SELECT count(*) FROM pgmq.send_batch('rc', ARRAY[
    '{"kind": "a", "n": 1}', '{"kind": "b", "n": 2}', '{"kind": "a", "n": 3}',
    '{"kind": "c", "tags": ["x", "y"]}', '{"kind": "b", "nested": {"p": 1, "q": 2}}'
]::jsonb[]);

SELECT msg_id, message FROM pgmq.read('rc', 30, 10, '{"kind": "a"}') ORDER BY msg_id;
-- the a's are now invisible; b's still there
SELECT msg_id FROM pgmq.read('rc', 30, 1, conditional => '{"kind": "b"}');
SELECT msg_id FROM pgmq.read('rc', 30, 10, '{"tags": ["y"]}');
SELECT msg_id FROM pgmq.read('rc', 30, 10, '{"nested": {"q": 2}}');
-- no match: nothing read, nothing changed
SELECT count(*) AS matched FROM pgmq.read('rc', 30, 10, '{"kind": "zzz"}');
SELECT count(*) AS read_untouched FROM pgmq.q_rc WHERE read_ct = 0;

-- '{}' and NULL filter nothing
SELECT pgmq.purge_queue('rc');
SELECT count(*) FROM pgmq.send_batch('rc', ARRAY['{"a": 1}', '{"b": 2}', '{"c": 3}']::jsonb[]);
SELECT msg_id FROM pgmq.read('rc', 30, 1, '{}');
SELECT msg_id FROM pgmq.read('rc', 30, 1, NULL);
-- a non-object conditional is plain containment too
SELECT msg_id FROM pgmq.read('rc', 30, 1, '{"c": 3}');

SELECT pgmq.drop_queue('rc');
