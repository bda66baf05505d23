-- Queue names.  The rule: 1 to 47 bytes of ASCII letters, digits, '_',
-- '-', '.' and space.  Rejections, checked in this order:
--   contains $ ; -- '   42602  PGMQ's own message
--   empty               42602  queue name must not be empty
--   any other char      42602  invalid queue name "<name>" (64 bytes shown)
--   over 47 bytes       42622  queue name is too long, ...
--   NULL                22004  queue name must not be null
-- The rule applies to every function that takes a queue name.
-- Results go through pg_temp.show, which writes every byte outside
-- printable ASCII as \xNN, so control characters and non-ASCII names give
-- one-line output that does not depend on how psql renders them.

CREATE FUNCTION pg_temp.show(t text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(CASE WHEN b BETWEEN 32 AND 126 THEN chr(b)
                           ELSE '\x' || lpad(to_hex(b), 2, '0') END, '' ORDER BY i)
      FROM (SELECT i, get_byte(convert_to(t, 'UTF8'), i) AS b
              FROM generate_series(0, octet_length(convert_to(t, 'UTF8')) - 1) i) bytes
$$;
SELECT pg_temp.show(E'tab\there, caf\u00e9') AS show_works;

SELECT count(*) AS rels_before FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace \gset
SELECT count(*) AS meta_before FROM pgmq.meta \gset

---------------------------------------------------------------------------
-- Unusual but valid names work end to end
---------------------------------------------------------------------------
CREATE TEMP TABLE odd_names (n text PRIMARY KEY);
INSERT INTO odd_names VALUES
    ('0starts_with_digit'), ('42'), ('dotted.name.v2'), ('dash-name'),
    ('with space'), ('  padded  '), (' '), ('_'), ('.'), ('-'), ('-x-'),
    ('a-b.c d_e'), ('CamelCase.Q-1'), ('ALLUPPER');

SELECT quote_literal(n) AS name, try(format('SELECT pgmq.create(%L)', n)) AS created
  FROM odd_names ORDER BY n;

-- tables are q_<lower(name)> / a_<lower(name)>, meta keeps the spelling
SELECT quote_literal(n) AS name,
       to_regclass(format('pgmq.%I', 'q_' || lower(n))) IS NOT NULL AS q_table,
       to_regclass(format('pgmq.%I', 'a_' || lower(n))) IS NOT NULL AS a_table,
       EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = n) AS registered
  FROM odd_names ORDER BY n;

SELECT quote_literal(n) AS name, (SELECT pgmq.send(n, jsonb_build_object('to', n))) AS msg_id
  FROM odd_names ORDER BY n;
SELECT quote_literal(n) AS name, r.msg_id, r.read_ct, r.message->>'to' = n AS own_message
  FROM odd_names, LATERAL pgmq.read(n, 30, 5) r ORDER BY n;
SELECT quote_literal(n) AS name, pgmq.archive(n, 1::bigint) AS archived
  FROM odd_names ORDER BY n;
SELECT quote_literal(n) AS name, m.queue_name = n AS name_echoed, m.queue_length,
       m.total_messages, (SELECT count(*) FROM pgmq.metrics_all() a WHERE a.queue_name = n) AS in_metrics_all
  FROM odd_names, LATERAL pgmq.metrics(n) m ORDER BY n;
SELECT quote_literal(n) AS name, pgmq.drop_queue(n) AS dropped
  FROM odd_names ORDER BY n;
SELECT count(*) AS left_registered FROM pgmq.meta WHERE queue_name IN (SELECT n FROM odd_names);

---------------------------------------------------------------------------
-- Every rejection class, through create()
---------------------------------------------------------------------------
CREATE TEMP TABLE bad_names (label text PRIMARY KEY, n text);
INSERT INTO bad_names VALUES
    -- PGMQ's forbidden substrings (checked first)
    ('1a dollar', 'a$b'),
    ('1b semicolon', 'a;b'),
    ('1c double dash', 'a--b'),
    ('1d single quote', 'it''s'),
    ('1e injection attempt', 'x''); DROP TABLE pgmq.meta; --'),
    ('1f $ beats non-ASCII', 'ü$'),
    ('1g ; beats too long', repeat('a', 60) || ';'),
    ('1h -- beats bad char', 'a/b--c'),
    ('1i dollar-quote', '$$'),
    -- empty
    ('2a empty', ''),
    -- characters outside the alphabet
    ('3a slash', 'a/b'),
    ('3b asterisk', 'a*'),
    ('3c double quote', 'a"b'),
    ('3d backslash', 'a\b'),
    ('3e tab', E'a\tb'),
    ('3f newline', E'a\nb'),
    ('3g carriage return', E'a\rb'),
    ('3h control char', E'a\x01b'),
    ('3i plus', 'a+b'),
    ('3j at', 'a@b'),
    ('3k parentheses', 'f(x)'),
    ('3l comma', 'a,b'),
    ('3m colon', 'a:b'),
    ('3n percent', '100%'),
    ('3o single dash then slash', '-/'),
    ('3p bad char beats too long', repeat('b', 100) || '/'),
    -- over 47 bytes
    ('4a 48 letters', repeat('x', 48)),
    ('4b 1000 letters', repeat('y', 1000));

-- (validate_queue_name and format_table_name give the same error for each)
SELECT label, pg_temp.show(try(format('SELECT pgmq.create(%L)', n))) AS result,
       try(format('SELECT pgmq.validate_queue_name(%L)', n))
           = try(format('SELECT pgmq.create(%L)', n)) AS validate_same,
       try(format('SELECT pgmq.format_table_name(%L, %L)', n, 'q'))
           = try(format('SELECT pgmq.create(%L)', n)) AS format_same
  FROM bad_names ORDER BY label;

-- non-ASCII: letters, a no-break space that looks like a space, CJK, emoji,
-- a zero-width space
CREATE TEMP TABLE unicode_names (label text PRIMARY KEY, n text);
INSERT INTO unicode_names VALUES
    ('accented e', 'café'),
    ('greek omega', 'Ωmega'),
    ('no-break space', 'a' || convert_from('\xc2a0', 'UTF8') || 'b'),
    ('CJK', '队列'),
    ('emoji', 'q📨'),
    ('fullwidth a', 'ａ'),
    ('dotted capital I', 'İstanbul'),
    ('zero-width space', 'ab' || convert_from('\xe2808b', 'UTF8'));
SELECT label, octet_length(n) AS bytes,
       pg_temp.show(try(format('SELECT pgmq.create(%L)', n))) AS result,
       try(format('SELECT pgmq.validate_queue_name(%L)', n))
           = try(format('SELECT pgmq.create(%L)', n)) AS validate_same
  FROM unicode_names ORDER BY label;

-- the name in the message is cut at 64 bytes
SELECT try(format('SELECT pgmq.create(%L)', repeat('/', 64))) AS shown_whole;
SELECT try(format('SELECT pgmq.create(%L)', repeat('/', 65))) AS cut_at_64;
-- ... never inside a multibyte character: 'a' + 40 two-byte characters is
-- cut after 63 bytes ('a' + 31 of them)
SELECT octet_length(shown) AS bytes_shown, length(shown) AS chars_shown,
       shown = 'a' || repeat('é', 31) AS whole_characters
  FROM (SELECT substring(try(format('SELECT pgmq.create(%L)', 'a' || repeat('é', 40)))
                         FROM '"(.*)\.\.\."') AS shown) m;

-- nothing was created by any of the refused calls
SELECT count(*) - :rels_before AS new_relations FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace;
SELECT count(*) - :meta_before AS new_meta_rows FROM pgmq.meta;

---------------------------------------------------------------------------
-- The same rule in every function that takes a queue name.  One row per
-- (name, outcome): each name must give one outcome for all the calls.
-- (drop_queue(name, partitioned) warns that it is deprecated before it
-- looks at the name, as in PGMQ; the warnings are not shown here.)
---------------------------------------------------------------------------
CREATE TEMP TABLE name_calls (fn text PRIMARY KEY, tmpl text);
INSERT INTO name_calls VALUES
    ('create',                 'SELECT pgmq.create(%L::text)'),
    ('create_non_partitioned', 'SELECT pgmq.create_non_partitioned(%L::text)'),
    ('create_queue',           'SELECT pgmq.create_queue(%L::text)'),
    ('create_unlogged',        'SELECT pgmq.create_unlogged(%L::text)'),
    ('drop_queue',             'SELECT pgmq.drop_queue(%L::text)'),
    ('drop_queue partitioned', 'SELECT pgmq.drop_queue(%L::text, false)'),
    ('purge_queue',            'SELECT pgmq.purge_queue(%L::text)'),
    ('detach_archive',         'SELECT pgmq.detach_archive(%L::text)'),
    ('send',                   'SELECT pgmq.send(%L::text, ''{}''::jsonb)'),
    ('send delay',             'SELECT pgmq.send(%L::text, ''{}''::jsonb, 0)'),
    ('send at',                'SELECT pgmq.send(%L::text, ''{}''::jsonb, now())'),
    ('send headers',           'SELECT pgmq.send(%L::text, ''{}''::jsonb, ''{}''::jsonb)'),
    ('send headers delay',     'SELECT pgmq.send(%L::text, ''{}''::jsonb, ''{}''::jsonb, 0)'),
    ('send headers at',        'SELECT pgmq.send(%L::text, ''{}''::jsonb, ''{}''::jsonb, now())'),
    ('send_batch',             'SELECT pgmq.send_batch(%L::text, ARRAY[''{}'']::jsonb[])'),
    ('send_batch delay',       'SELECT pgmq.send_batch(%L::text, ARRAY[''{}'']::jsonb[], 0)'),
    ('send_batch at',          'SELECT pgmq.send_batch(%L::text, ARRAY[''{}'']::jsonb[], now())'),
    ('send_batch headers',     'SELECT pgmq.send_batch(%L::text, ARRAY[''{}'']::jsonb[], ARRAY[''{}'']::jsonb[])'),
    ('send_batch headers delay', 'SELECT pgmq.send_batch(%L::text, ARRAY[''{}'']::jsonb[], ARRAY[''{}'']::jsonb[], 0)'),
    ('send_batch headers at',  'SELECT pgmq.send_batch(%L::text, ARRAY[''{}'']::jsonb[], ARRAY[''{}'']::jsonb[], now())'),
    ('read',                   'SELECT pgmq.read(%L::text, 30, 1)'),
    ('read conditional',       'SELECT pgmq.read(%L::text, 30, 1, ''{"a": 1}'')'),
    ('read_with_poll',         'SELECT pgmq.read_with_poll(%L::text, 30, 1, 0, 100)'),
    ('pop',                    'SELECT pgmq.pop(%L::text)'),
    ('delete',                 'SELECT pgmq.delete(%L::text, 1::bigint)'),
    ('delete batch',           'SELECT pgmq.delete(%L::text, ARRAY[1]::bigint[])'),
    ('archive',                'SELECT pgmq.archive(%L::text, 1::bigint)'),
    ('archive batch',          'SELECT pgmq.archive(%L::text, ARRAY[1]::bigint[])'),
    ('set_vt',                 'SELECT pgmq.set_vt(%L::text, 1::bigint, 30)'),
    ('set_vt at',              'SELECT pgmq.set_vt(%L::text, 1::bigint, now())'),
    ('set_vt batch',           'SELECT pgmq.set_vt(%L::text, ARRAY[1]::bigint[], 30)'),
    ('set_vt batch at',        'SELECT pgmq.set_vt(%L::text, ARRAY[1]::bigint[], now())'),
    ('metrics',                'SELECT pgmq.metrics(%L::text)'),
    ('validate_queue_name',    'SELECT pgmq.validate_queue_name(%L::text)'),
    ('acquire_queue_lock',     'SELECT pgmq.acquire_queue_lock(%L::text)'),
    ('format_table_name',      'SELECT pgmq.format_table_name(%L::text, ''q'')');
SELECT count(*) AS functions_checked FROM name_calls;

CREATE TEMP TABLE matrix_names (label text PRIMARY KEY, n text);
INSERT INTO matrix_names VALUES
    ('1 dollar', 'q$'), ('1 semicolon', 'q;'), ('1 double dash', 'q--x'),
    ('1 quote', 'q'''), ('2 empty', ''), ('3 slash', 'q/x'),
    ('3 non-ASCII', 'qé'), ('4 48 bytes', repeat('q', 48)), ('5 NULL', NULL);

SET client_min_messages = error;
SELECT b.label, pg_temp.show(try(format(c.tmpl, b.n))) AS result,
       count(*) AS calls
  FROM matrix_names b CROSS JOIN name_calls c
 WHERE NOT (b.n IS NULL AND c.fn = 'format_table_name')
 GROUP BY 1, 2 ORDER BY 1, 2;
RESET client_min_messages;

-- the deprecated form: PGMQ's warning, then the name error
SELECT try($$SELECT pgmq.drop_queue('q;', true)$$);

-- still nothing created
SELECT count(*) - :rels_before AS new_relations FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace;
SELECT count(*) - :meta_before AS new_meta_rows FROM pgmq.meta;

---------------------------------------------------------------------------
-- The 47-byte boundary: 47 works end to end and every derived identifier
-- (the longest is archived_at_idx_<name>, 63 bytes) is complete; 48 fails.
---------------------------------------------------------------------------
SELECT 'Max.Len-' || repeat('n', 38) || 'Z' AS n47 \gset
SELECT length(:'n47') AS chars, octet_length(:'n47') AS bytes;
SELECT pgmq.create(:'n47');
SELECT relname, octet_length(relname) AS bytes
  FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace AND strpos(lower(relname), lower(:'n47')) > 0
 ORDER BY relname;
SELECT * FROM pgmq.send(:'n47', '{"edge": 47}');
SELECT * FROM pgmq.send_batch(:'n47', ARRAY['{"edge": "b1"}', '{"edge": "b2"}']::jsonb[]);
SELECT msg_id, read_ct, message FROM pgmq.read(:'n47', 30, 2) ORDER BY msg_id;
SELECT pgmq.archive(:'n47', 1::bigint) AS archived;
SELECT msg_id, message FROM pgmq.pop(:'n47');
SELECT queue_name = :'n47' AS name_echoed, queue_length, total_messages
  FROM pgmq.metrics(:'n47');
SELECT queue_name = :'n47' AS listed FROM pgmq.list_queues() WHERE queue_name = :'n47';
SELECT pgmq.drop_queue(:'n47');
SELECT count(*) AS relations_left
  FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace AND strpos(lower(relname), lower(:'n47')) > 0;

-- 48 bytes is refused by create and by every other function (above)
SELECT try(format('SELECT pgmq.create(%L)', :'n47' || 'x')) AS create_48;
SELECT try(format('SELECT pgmq.validate_queue_name(%L)', :'n47')) AS validate_47,
       try(format('SELECT pgmq.validate_queue_name(%L)', :'n47' || 'x')) AS validate_48;

---------------------------------------------------------------------------
-- validate_queue_name
---------------------------------------------------------------------------
-- (its refusals are checked with create's above)
SELECT try($$SELECT pgmq.validate_queue_name('orders')$$) AS plain,
       try($$SELECT pgmq.validate_queue_name('Billing.Invoices-v2 eu')$$) AS odd;
SELECT try('SELECT pgmq.validate_queue_name(NULL)') AS null_name;

---------------------------------------------------------------------------
-- format_table_name: lower(prefix || '_' || name); NULL in, NULL out
---------------------------------------------------------------------------
SELECT pgmq.format_table_name('MyQ', 'q') AS q,
       pgmq.format_table_name('MyQ', 'a') AS a,
       pgmq.format_table_name('MyQ', 'Q') AS upper_prefix,
       pgmq.format_table_name('Odd.Name-1 x', 'q') AS odd;
SELECT pgmq.format_table_name(NULL, 'q') IS NULL AS null_name,
       pgmq.format_table_name('MyQ', NULL) IS NULL AS null_prefix;

---------------------------------------------------------------------------
-- acquire_queue_lock: PGMQ's transaction-level advisory lock on
-- hashtext('pgmq.queue_' || name), released at commit
---------------------------------------------------------------------------
BEGIN;
SELECT pgmq.acquire_queue_lock('LockMe');
SELECT count(*) AS held
  FROM pg_locks
 WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objsubid = 1
   AND ((classid::bigint << 32) | objid::bigint) = hashtext('pgmq.queue_LockMe')::bigint;
COMMIT;
SELECT count(*) AS advisory_locks_after_commit
  FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();
SELECT try('SELECT pgmq.acquire_queue_lock(NULL)') AS null_name,
       try($$SELECT pgmq.acquire_queue_lock('a;b')$$) AS forbidden,
       try($$SELECT pgmq.acquire_queue_lock('')$$) AS empty;

-- no queue was ever registered under a refused name
SELECT count(*) - :meta_before AS new_meta_rows FROM pgmq.meta;
SELECT count(*) - :rels_before AS new_relations FROM pg_class
 WHERE relnamespace = 'pgmq'::regnamespace;
