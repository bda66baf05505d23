# test/t/004_upgrade_from_pgmq.pl
#
# Versioned upgrades and switching from PGMQ 1.13.0 (README "Switching from
# PGMQ", "Upgrading").
#
#   (a) For every update path in sql/ (pgmq--A--B.sql) that leads to the
#       default version: install version A, put queues in it (messages in
#       flight, delayed and archived, an unlogged queue, notifications,
#       topic bindings), ALTER EXTENSION pgmq UPDATE, then prove that
#       every object (functions with full signatures, types, member tables
#       with columns, constraints, indexes, grants, config-dump
#       registrations, membership) equals a fresh CREATE EXTENSION pgmq,
#       that every row survived, and that the queues work.  A's install
#       script is the installed pgmq--A.sql or, for versions we never
#       shipped, test/fixtures/pgmq--A.sql: today that is PGMQ 1.13.0
#       (our stand-in written from docs/pgmq-compat.md), so the
#       PGMQ-to-pgmq switch is such a path.
#   (b) A partitioned queue (PGMQ 1.13.0's layout, registered with
#       pg_partman) switches too, and works after it.
#   (c) A PGMQ "SQL-only" install (the fixture run as plain SQL) switched
#       with sql/pgmq_adopt_sql_install.sql: same checks as (a), plus the
#       script keeps users' grants, and stops without changing anything
#       when an object of the user's depends on PGMQ's objects.
#
# Installing a version we do not ship needs a private extension directory:
# Debian's extension_destdir (staging directory searched before the real
# one) lets the test add pgmq--1.13.0.sql without writing to the
# installation.  Without that setting the test is skipped.
use strict;
use warnings;

use File::Copy;
use File::Path qw(make_path);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

if ($node->safe_psql('postgres',
        q{SELECT count(*) FROM pg_settings WHERE name = 'extension_destdir'}) ne '1')
{
    $node->stop;
    plan skip_all => 'this PostgreSQL has no extension_destdir (a Debian patch) '
      . 'to install old versions from a private directory';
}

my $sharedir = $node->config_data('--sharedir');
my $extdir = "$sharedir/extension";
my $stage = PostgreSQL::Test::Utils::tempdir;
my $stage_extdir = "$stage$sharedir/extension";
make_path($stage_extdir);
$node->append_conf('postgresql.conf', "extension_destdir = '$stage'");
$node->reload;

# Run SQL; return its output, or "ERROR: <message>" so that a failing
# statement fails the assertion that uses it instead of ending the script.
sub query
{
    my ($db, $sql) = @_;
    my ($rc, $stdout, $stderr) = $node->psql($db, $sql);
    return $stdout if $rc == 0;
    diag("SQL failed in database $db: $sql\n$stderr");
    return "ERROR: $stderr";
}

sub query_ok
{
    my ($db, $sql, $name) = @_;
    my ($rc, $stdout, $stderr) = $node->psql($db, $sql);
    is($rc, 0, $name) or diag("SQL: $sql\n$stderr");
    return $stdout;
}

# ---------------------------------------------------------------------------
# Everything that makes up the installed extension, one line per item,
# sorted: compared between an updated and a freshly created extension.
# ---------------------------------------------------------------------------
my $describe_sql = q{
SET search_path = pg_catalog;
WITH ext AS (SELECT e.* FROM pg_extension e WHERE e.extname = 'pgmq'),
members AS (
    SELECT d.classid, d.objid FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid
       AND d.deptype = 'e'),
rels AS (SELECT objid AS oid FROM members WHERE classid = 'pg_class'::regclass)
SELECT line FROM (
    SELECT format('extension %s %s schema=%s relocatable=%s config=%s', extname, extversion,
                  extnamespace::regnamespace, extrelocatable,
                  (SELECT string_agg(c::regclass::text || ':' || coalesce(cond, '<null>'), ','
                                     ORDER BY c::regclass::text)
                     FROM unnest(extconfig, extcondition) AS u(c, cond))) AS line
      FROM ext
    UNION ALL
    SELECT 'member ' || pg_describe_object(classid, objid, 0) FROM members
    UNION ALL
    SELECT format('function %s args=(%s) result=%s kind=%s lang=%s volatile=%s strict=%s '
                  'secdef=%s parallel=%s leakproof=%s cost=%s rows=%s src=%s bin=%s '
                  'config=%s acl=%s owner=%s',
                  p.oid::regprocedure, pg_get_function_arguments(p.oid),
                  pg_get_function_result(p.oid), p.prokind, l.lanname, p.provolatile,
                  p.proisstrict, p.prosecdef, p.proparallel, p.proleakproof, p.procost,
                  p.prorows, p.prosrc, p.probin, p.proconfig, p.proacl, p.proowner::regrole)
      FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
     WHERE p.pronamespace = 'pgmq'::regnamespace
    UNION ALL
    SELECT format('type %s %s (%s) acl=%s', t.typname, t.typtype,
                  (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod),
                                     ', ' ORDER BY a.attnum)
                     FROM pg_attribute a
                    WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
                  t.typacl)
      FROM pg_type t
     WHERE t.oid IN (SELECT objid FROM members WHERE classid = 'pg_type'::regclass)
    UNION ALL
    SELECT format('relation %s kind=%s persistence=%s acl=%s owner=%s columns=(%s)',
                  c.oid::regclass, c.relkind, c.relpersistence, c.relacl, c.relowner::regrole,
                  (SELECT string_agg(format('%s %s%s%s%s%s%s', a.attname,
                                            format_type(a.atttypid, a.atttypmod),
                                            CASE WHEN a.attnotnull THEN ' not null' END,
                                            CASE WHEN a.attgenerated <> '' THEN ' generated ' || a.attgenerated::text END,
                                            CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text END,
                                            ' ' || pg_get_expr(ad.adbin, ad.adrelid),
                                            CASE WHEN a.attacl IS NOT NULL THEN ' acl=' || a.attacl::text END),
                                     ', ' ORDER BY a.attnum)
                     FROM pg_attribute a
                     LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped))
      FROM pg_class c WHERE c.oid IN (SELECT oid FROM rels)
    UNION ALL
    SELECT format('constraint %s %s %s deferrable=%s deferred=%s', conrelid::regclass, conname,
                  pg_get_constraintdef(oid), condeferrable, condeferred)
      FROM pg_constraint WHERE conrelid IN (SELECT oid FROM rels)
    UNION ALL
    SELECT 'index ' || pg_get_indexdef(indexrelid) FROM pg_index
     WHERE indrelid IN (SELECT oid FROM rels)
    UNION ALL
    SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger
     WHERE tgrelid IN (SELECT oid FROM rels) AND NOT tgisinternal
    UNION ALL
    SELECT format('schema %s owner=%s acl=%s', nspname, nspowner::regrole, nspacl)
      FROM pg_namespace WHERE nspname = 'pgmq'
    UNION ALL
    SELECT format('default acl %s %s %s', defaclrole::regrole, defaclobjtype, defaclacl)
      FROM pg_default_acl WHERE defaclnamespace = 'pgmq'::regnamespace
    UNION ALL
    SELECT format('init privs %s %s %s', pg_describe_object(classoid, objoid, objsubid),
                  privtype, initprivs)
      FROM pg_init_privs i
     WHERE (classoid, objoid) IN (SELECT classid, objid FROM members)
        OR (classoid = 'pg_namespace'::regclass AND objoid = 'pgmq'::regnamespace)
    UNION ALL
    SELECT format('comment %s %s', pg_describe_object(classoid, objoid, objsubid), description)
      FROM pg_description
     WHERE (classoid, objoid) IN (SELECT classid, objid FROM members)
) s ORDER BY line;
};

sub describe
{
    my ($db) = @_;
    my $out = query($db, $describe_sql);
    return [ "could not describe $db: $out" ] if $out =~ /^ERROR/;
    return [ split /\n/, $out ];
}

# Every row the user has in pgmq: shared tables and the test's queues.
my $data_sql = q{
SET search_path = pg_catalog;
SELECT 'meta', m::text FROM (SELECT * FROM pgmq.meta ORDER BY queue_name) m;
SELECT 'throttle', t::text FROM (SELECT * FROM pgmq.notify_insert_throttle ORDER BY queue_name) t;
SELECT 'binding', b::text FROM (SELECT pattern, queue_name, bound_at, compiled_regex
                                  FROM pgmq.topic_bindings ORDER BY pattern, queue_name) b;
SELECT 'q_orders', q::text FROM (SELECT * FROM pgmq.q_orders ORDER BY msg_id) q;
SELECT 'a_orders', a::text FROM (SELECT * FROM pgmq.a_orders ORDER BY msg_id) a;
SELECT 'q_plain', q::text FROM (SELECT * FROM pgmq.q_plain ORDER BY msg_id) q;
SELECT 'q_fast', q::text FROM (SELECT * FROM pgmq.q_fast ORDER BY msg_id) q;
SELECT 'seq', s.relname, pg_sequence_last_value(s.oid)
  FROM pg_class s WHERE s.relkind = 'S' AND s.relnamespace = 'pgmq'::regnamespace ORDER BY 2;
SELECT 'reloptions', c.relname, c.reloptions
  FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'pgmq'::regnamespace
   AND c.relname ~ '^[qa]_' ORDER BY 2;
};

# Queues "the old way", through the PGMQ 1.13 API (every version has it).
sub populate
{
    my ($db, $with_foreign_name) = @_;
    query_ok(
        $db, q{
        SET client_min_messages = warning;
        SELECT pgmq.create('Orders');
        SELECT pgmq.create('plain');
        SELECT pgmq.create_unlogged('fast');
        SELECT pgmq.send('Orders', '{"n": 1}');
        SELECT pgmq.send('Orders', '{"n": 2}', '{"x-h": "v"}'::jsonb);
        SELECT pgmq.send('Orders', '{"n": 3}', 3600);
        SELECT pgmq.send_batch('plain', ARRAY['{"p": 1}', '{"p": 2}']::jsonb[]);
        SELECT pgmq.send('fast', '{"f": 1}');
        SELECT msg_id FROM pgmq.read('Orders', 3600, 1);
        SELECT pgmq.archive('Orders', 2::bigint);
        SELECT pgmq.enable_notify_insert('Orders', 0);
        SELECT pgmq.enable_notify_insert('plain', 1000);
        SELECT pgmq.bind_topic('orders.*', 'Orders');
        SELECT pgmq.bind_topic('#.audit', 'plain');
        SELECT pgmq.bind_topic('fast.#', 'fast');
    }, "$db: queues, messages (one in flight, one delayed, one archived), "
          . 'notifications and bindings set up through the old API');
    query_ok($db, q{SELECT pgmq.create('café')},
        "$db: a queue whose name PGMQ accepts and we do not")
      if $with_foreign_name;
}

# The queues work through our functions after the switch.
sub check_queues_work
{
    my ($db, $with_foreign_name) = @_;
    is(query($db, q{SELECT count(*) FROM pgmq.read('Orders', 30, 10)}),
        '0', "$db: message 1 still in flight, message 3 still delayed");
    is( query(
            $db, q{
            SELECT count(*) FROM pgmq.set_vt('Orders', 1, 0);
            SELECT msg_id, read_ct, message->>'n' FROM pgmq.read('Orders', 30, 10)}),
        "1\n1|2|1",
        "$db: after set_vt, read returns message 1 with its read count carried on");
    is( query(
            $db,
            q{SELECT queue_length, total_messages FROM pgmq.metrics('Orders')}),
        '2|3', "$db: metrics counts the queue's 2 messages and 3 ids");
    is(query($db, q{SELECT string_agg(msg_id::text, ',') FROM pgmq.a_orders}),
        '2', "$db: archive row kept");
    is( query(
            $db,
            q{SELECT string_agg(queue_name || ':' || is_unlogged, ',' ORDER BY queue_name)
              FROM pgmq.list_queues()}),
        ($with_foreign_name ? 'Orders:false,café:false,fast:true,plain:false'
           : 'Orders:false,fast:true,plain:false'),
        "$db: list_queues lists the queues");
    is(query($db, q{SELECT count(*) FROM pgmq.metrics_all()}),
        '3', "$db: metrics_all serves the queues (and skips a name it cannot serve)");
    is( query(
            $db,
            q{SELECT string_agg(msg_id::text || '/' || read_ct, ',' ORDER BY msg_id)
              FROM pgmq.read('plain', 30, 10)}),
        '1/1,2/1', "$db: the batch-sent queue reads");
    is(query($db, q{SELECT count(*) FROM pgmq.pop('fast', 5)}),
        '1', "$db: the unlogged queue pops");
    is( query(
            $db,
            q{SELECT c.relpersistence FROM pg_class c
              WHERE c.oid = pg_get_serial_sequence('pgmq.q_fast', 'msg_id')::regclass}),
        'p', "$db: the unlogged queue's msg_id sequence is logged, as our create_unlogged makes it");
    is( query(
            $db,
            q{SELECT string_agg(queue_name || ':' || throttle_interval_ms, ',' ORDER BY queue_name)
              FROM pgmq.list_notify_insert_throttles()}),
        'Orders:0,plain:1000', "$db: notify settings kept");
    is( query(
            $db,
            q{SELECT string_agg(tgrelid::regclass || ':' || encode(tgargs, 'escape'), ',')
              FROM pg_trigger WHERE tgname = 'trigger_notify_queue_insert_listeners'}),
        'pgmq.q_orders:Orders\000,pgmq.q_plain:plain\000',
        "$db: notify triggers carry the registered name, as ours do");
    like(
        query(
            $db, q{
            LISTEN "pgmq.q_Orders.INSERT";
            SELECT pgmq.send('Orders', '{"n": 4}');
        }),
        qr/^Asynchronous notification "pgmq\.q_Orders\.INSERT" received/m,
        "$db: a send notifies on the channel with the queue's own spelling");
    is( query(
            $db, q{
            SELECT pgmq.send_topic('orders.new', '{"t": 1}');
            SELECT pgmq.send_topic('x.audit', '{"t": 2}');
            SELECT pgmq.send_topic('fast.a.b', '{"t": 3}');
            SELECT string_agg(queue_name, ',' ORDER BY queue_name) FROM pgmq.test_routing('orders.x');
        }),
        "1\n1\n1\nOrders", "$db: topic bindings route");
    is( query(
            $db, q{
            SELECT string_agg(pattern || '=' || compiled_regex, ' ' ORDER BY pattern)
              FROM pgmq.list_topic_bindings()}),
        '#.audit=^.*\.audit$ fast.#=^fast\..*$ orders.*=^orders\.[^.]+$',
        "$db: bindings listed with their compiled patterns");
    if ($with_foreign_name)
    {
        like(query($db, q{SELECT * FROM pgmq.read('café', 30, 1)}),
            qr/invalid queue name "café"/,
            "$db: the name PGMQ accepted and we do not is refused with a clear error");
    }
    query_ok($db, q{SELECT pgmq.create('new_one')}, "$db: create works");
    is( query(
            $db, q{SELECT reloptions FROM pg_class WHERE oid = 'pgmq.q_new_one'::regclass}),
        '{vacuum_truncate=false,autovacuum_vacuum_scale_factor=0,autovacuum_vacuum_threshold=1000}',
        "$db: a new queue table gets our storage parameters (the update left the old ones as they were)");
    query_ok($db, q{SELECT pgmq.drop_queue('new_one')}, "$db: drop_queue works");
}

# ---------------------------------------------------------------------------
# Update paths from sql/
# ---------------------------------------------------------------------------
my ($default_version) =
  slurp_file('pgmq.control') =~ /^default_version\s*=\s*'([^']+)'/m;
ok(defined $default_version, "default version from pgmq.control: $default_version");

opendir(my $dh, 'sql') or die "cannot open sql/: $!";
my @scripts = sort grep { /^pgmq--[^-]+(?:-[^-]+)*--.+\.sql$/ } readdir($dh);
closedir($dh);
my %edges;
foreach my $script (@scripts)
{
    my ($from, $to) = $script =~ /^pgmq--(.+?)--(.+)\.sql$/;
    push @{ $edges{$from} }, $to;
    ok(-f "$extdir/$script", "$script is installed");
}

# Versions from which the default version can be reached.
my @sources;
foreach my $from (sort keys %edges)
{
    my %seen = ($from => 1);
    my @todo = ($from);
    while (my $v = shift @todo)
    {
        foreach my $next (@{ $edges{$v} // [] })
        {
            next if $seen{$next}++;
            push @todo, $next;
        }
    }
    push @sources, $from if $seen{$default_version} && $from ne $default_version;
}
ok(grep({ $_ eq '1.13.0' } @sources),
    'an update path leads from PGMQ 1.13.0 to ' . $default_version);

$node->safe_psql('postgres', 'CREATE DATABASE fresh');
query_ok('fresh', 'CREATE EXTENSION pgmq', 'fresh install of the default version');
my $fresh = describe('fresh');
cmp_ok(scalar(@$fresh), '>', 80, 'the fresh install is described in detail');

my $n = 0;
foreach my $from (@sources)
{
    my $script = "pgmq--$from.sql";
    if (!-f "$extdir/$script")
    {
        if (-f "test/fixtures/$script")
        {
            copy("test/fixtures/$script", "$stage_extdir/$script") or die "copy: $!";
        }
        else
        {
            fail("install script of $from: neither $extdir/$script nor test/fixtures/$script; "
                  . 'keep the released install script as a fixture');
            next;
        }
    }
    my $db = 'upd_' . $n++;
    my $foreign = $from eq '1.13.0';
    $node->safe_psql('postgres', "CREATE DATABASE $db");
    query_ok($db, "CREATE EXTENSION pgmq VERSION '$from'", "$db: CREATE EXTENSION pgmq VERSION '$from'");
    populate($db, $foreign);
    my $before = query($db, $data_sql);

    my ($rc, $out, $err) = $node->psql($db, 'ALTER EXTENSION pgmq UPDATE');
    is($rc, 0, "$db: ALTER EXTENSION pgmq UPDATE from $from") or diag($err);
    like($err, qr/WARNING:  queue name "café" is not accepted/,
        "$db: the update warns about a name it will not serve") if $foreign;
    is(query($db, q{SELECT extversion FROM pg_extension WHERE extname = 'pgmq'}),
        $default_version, "$db: now at $default_version");
    is_deeply(describe($db), $fresh,
        "$db: updated from $from, the extension equals a fresh install");
    is(query($db, $data_sql), $before, "$db: every row survived the update");
    check_queues_work($db, $foreign);
}

# ---------------------------------------------------------------------------
# (b) partitioned queues switch too
# ---------------------------------------------------------------------------

# A partitioned queue as PGMQ 1.13.0's create_partitioned lays it out
# (docs/pgmq-compat.md 3.3): parent tables partitioned on msg_id, identity
# by default, no primary key, q_<name>_part_idx, registered with pg_partman
# and in pgmq.meta; then messages: one in flight, one archived, one waiting.
sub pgmq_partitioned_queue
{
    my ($db, $name) = @_;
    query_ok(
        $db, qq{
        SET client_min_messages = warning;
        CREATE SCHEMA IF NOT EXISTS partman;
        CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman;
        CREATE TABLE pgmq.q_$name (
            msg_id bigint GENERATED BY DEFAULT AS IDENTITY, read_ct integer DEFAULT 0 NOT NULL,
            enqueued_at timestamptz DEFAULT now() NOT NULL, last_read_at timestamptz,
            vt timestamptz NOT NULL, message jsonb, headers jsonb) PARTITION BY RANGE (msg_id);
        SELECT partman.create_parent('pgmq.q_$name', 'msg_id', 'native', '100');
        CREATE INDEX q_${name}_part_idx ON pgmq.q_$name (msg_id);
        CREATE TABLE pgmq.a_$name (
            msg_id bigint NOT NULL, read_ct integer DEFAULT 0 NOT NULL,
            enqueued_at timestamptz DEFAULT now() NOT NULL, last_read_at timestamptz,
            archived_at timestamptz DEFAULT now() NOT NULL, vt timestamptz NOT NULL,
            message jsonb, headers jsonb) PARTITION BY RANGE (msg_id);
        SELECT partman.create_parent('pgmq.a_$name', 'msg_id', 'native', '100');
        CREATE INDEX archived_at_idx_$name ON pgmq.a_$name (archived_at);
        UPDATE partman.part_config SET retention = '1000', retention_keep_table = false,
               retention_keep_index = true
         WHERE parent_table IN ('pgmq.q_$name', 'pgmq.a_$name');
        INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged) VALUES ('$name', true, false);
        INSERT INTO pgmq.q_$name (vt, message) VALUES
            (clock_timestamp() + interval '1 hour', '{"p": 1}'),
            (clock_timestamp(), '{"p": 2}'), (clock_timestamp(), '{"p": 3}');
        UPDATE pgmq.q_$name SET read_ct = 1 WHERE msg_id = 1;
        WITH moved AS (DELETE FROM pgmq.q_$name WHERE msg_id = 2 RETURNING *)
        INSERT INTO pgmq.a_$name (msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers)
        SELECT msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers FROM moved;
    }, "$db: a partitioned queue '$name' laid out as PGMQ 1.13.0 makes it");
}

# After the switch the partitioned queue works through our functions, and
# drop_queue removes pg_partman's configuration with it.
sub check_partitioned_works
{
    my ($db, $name) = @_;
    is( query(
            $db,
            qq{SELECT queue_name || ':' || is_partitioned FROM pgmq.list_queues()
               WHERE queue_name = '$name'}),
        "$name:true", "$db: the partitioned queue is listed as partitioned");
    is(query($db, qq{SELECT msg_id || '/' || read_ct FROM pgmq.read('$name', 30, 5)}),
        '3/1', "$db: read skips the in-flight message and claims the waiting one");
    is( query(
            $db, qq{
            SELECT * FROM pgmq.send('$name', '{"p": 4}');
            SELECT pgmq.archive('$name', 3::bigint);
            SELECT string_agg(msg_id::text, ',' ORDER BY msg_id) FROM pgmq.a_$name;
            SELECT queue_length, total_messages FROM pgmq.metrics('$name')}),
        "4\nt\n2,3\n2|4",
        "$db: send continues the ids, archive moves into the partitioned archive, metrics count");
    is( query(
            $db,
            qq{SELECT string_agg(parent_table || '=' || retention, ',' ORDER BY parent_table)
               FROM partman.part_config}),
        "pgmq.a_$name=1000,pgmq.q_$name=1000", "$db: pg_partman's configuration is kept");
    is( query(
            $db, qq{
            SELECT pgmq.create_partitioned('${name}_new', '50');
            SELECT count(*) FROM partman.part_config WHERE parent_table LIKE 'pgmq.%_${name}_new'}),
        "\n2", "$db: create_partitioned is available after the switch");
    is( query(
            $db, qq{
            SELECT pgmq.drop_queue('$name');
            SELECT pgmq.drop_queue('${name}_new');
            SELECT count(*) FROM partman.part_config;
            SELECT count(*) FROM pg_class WHERE relname LIKE '%$name%'
               AND relnamespace IN ('pgmq'::regnamespace, 'partman'::regnamespace)}),
        "t\nt\n0\n0", "$db: drop_queue removes the tables and pg_partman's configuration");
}

$node->safe_psql('postgres', 'CREATE DATABASE upd_partitioned');
query_ok('upd_partitioned', q{CREATE EXTENSION pgmq VERSION '1.13.0'},
    'upd_partitioned: PGMQ 1.13.0 installed as an extension');
pgmq_partitioned_queue('upd_partitioned', 'parts');
my ($rc, $out, $err) = $node->psql('upd_partitioned', 'ALTER EXTENSION pgmq UPDATE');
is($rc, 0, 'upd_partitioned: ALTER EXTENSION pgmq UPDATE with a partitioned queue') or diag($err);
check_partitioned_works('upd_partitioned', 'parts');

# ---------------------------------------------------------------------------
# (c) SQL-only install
# ---------------------------------------------------------------------------
my $tempdir = PostgreSQL::Test::Utils::tempdir;
my $sqlonly_file = "$tempdir/pgmq-sql-only.sql";
{
    my $fixture = slurp_file('test/fixtures/pgmq--1.13.0.sql');
    $fixture =~ s/^\\echo.*$//mg;
    open(my $fh, '>', $sqlonly_file) or die $!;
    print $fh "CREATE SCHEMA pgmq;\n", $fixture;
    close($fh);
}
my $adopt = "$extdir/pgmq_adopt_sql_install.sql";
ok(-f $adopt, 'pgmq_adopt_sql_install.sql is installed next to the extension scripts');

sub psql_file
{
    my ($db, $file) = @_;
    my ($stdout, $stderr);
    my $ok = IPC::Run::run(
        [
            $node->installed_command('psql'), '-X', '-q', '-v', 'ON_ERROR_STOP=1',
            '-d', $node->connstr($db), '-f', $file
        ],
        '>', \$stdout, '2>', \$stderr);
    return ($ok, $stderr);
}

sub sql_only_install
{
    my ($db) = @_;
    $node->safe_psql('postgres', "CREATE DATABASE $db");
    my ($ok, $err) = psql_file($db, $sqlonly_file);
    ok($ok, "$db: PGMQ 1.13.0 installed as plain SQL (no extension)") or diag($err);
}

sql_only_install('sqlonly');
populate('sqlonly', 1);
my $before = query('sqlonly', $data_sql);
my ($ok, $adopt_err) = psql_file('sqlonly', $adopt);
ok($ok, 'sqlonly: pgmq_adopt_sql_install.sql succeeds') or diag($adopt_err);
like($adopt_err, qr/WARNING:  queue name "café" is not accepted/,
    'sqlonly: the script warns about a name it will not serve');
is(query('sqlonly', q{SELECT extversion FROM pg_extension WHERE extname = 'pgmq'}),
    $default_version, "sqlonly: extension pgmq $default_version installed");
is_deeply(describe('sqlonly'), $fresh, 'sqlonly: the extension equals a fresh install');
is(query('sqlonly', $data_sql), $before, 'sqlonly: every row survived the switch');
check_queues_work('sqlonly', 1);

# A partitioned queue switches with the script too.
sql_only_install('sqlonly_parts');
pgmq_partitioned_queue('sqlonly_parts', 'parts');
($ok, $adopt_err) = psql_file('sqlonly_parts', $adopt);
ok($ok, 'sqlonly_parts: pgmq_adopt_sql_install.sql succeeds with a partitioned queue')
  or diag($adopt_err);
check_partitioned_works('sqlonly_parts', 'parts');

# Users' grants are kept; a dependent object stops the script, harmlessly.
sql_only_install('sqlonly_acl');
query_ok(
    'sqlonly_acl', q{
    SELECT pgmq.create('q1');
    SELECT pgmq.send('q1', '{"k": 1}');
    CREATE ROLE pgmq_app;
    GRANT USAGE ON SCHEMA pgmq TO pgmq_app;
    GRANT SELECT ON pgmq.meta TO pgmq_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON pgmq.q_q1 TO pgmq_app;
    REVOKE EXECUTE ON FUNCTION pgmq.purge_queue(text) FROM PUBLIC;
    CREATE VIEW public.queue_names AS SELECT queue_name FROM pgmq.meta;
}, 'sqlonly_acl: a queue, grants to an application role, a view over pgmq.meta');
($ok, $adopt_err) = psql_file('sqlonly_acl', $adopt);
ok(!$ok, 'sqlonly_acl: the script stops on the dependent view');
like($adopt_err, qr/depends on table pgmq\.meta|other objects depend on it/,
    'sqlonly_acl: ... naming the dependency');
is( query(
        'sqlonly_acl',
        q{SELECT (SELECT count(*) FROM pg_extension WHERE extname = 'pgmq') || ' '
               || (SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
                    WHERE p.oid = 'pgmq.send(text,jsonb)'::regprocedure) || ' '
               || (SELECT count(*) FROM public.queue_names)}),
    '0 sql 1', 'sqlonly_acl: ... and changed nothing');
query_ok('sqlonly_acl', 'DROP VIEW public.queue_names', 'sqlonly_acl: view dropped');
($ok, $adopt_err) = psql_file('sqlonly_acl', $adopt);
ok($ok, 'sqlonly_acl: the script succeeds now') or diag($adopt_err);
is( query(
        'sqlonly_acl', q{
        SELECT has_table_privilege('pgmq_app', 'pgmq.meta', 'SELECT'),
               has_function_privilege('pgmq_app', 'pgmq.purge_queue(text)', 'EXECUTE'),
               has_function_privilege('pgmq_app', 'pgmq.read(text,integer,integer,jsonb)', 'EXECUTE')}),
    't|f|t', 'sqlonly_acl: grants on pgmq.meta and a revoked EXECUTE are kept');
is( query(
        'sqlonly_acl', q{
        SET ROLE pgmq_app;
        SELECT msg_id, message->>'k' FROM pgmq.read('q1', 30, 1)}),
    '1|1', 'sqlonly_acl: the application role reads its queue');

$node->stop;

done_testing();
