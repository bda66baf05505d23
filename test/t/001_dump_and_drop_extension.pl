# test/t/001_dump_and_drop_extension.pl
#
# Queue tables (pgmq.q_<name>, pgmq.a_<name>) are not members of the
# extension, as in PGMQ 1.13.  Checks that follow from that:
#   (a) DROP EXTENSION pgmq CASCADE keeps the schema and the queue tables
#       with their rows;
#   (b) a new CREATE EXTENSION pgmq serves the old queue again, and
#       pgmq.create() re-registers it in pgmq.list_queues();
#   (c) pg_dump carries the queue tables and the pgmq.meta rows, and
#       restoring the dump (custom format with pg_restore, and plain SQL with
#       psql) into a database without pgmq gives a working queue.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

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

# Run SQL as an assertion that it succeeds.
sub query_ok
{
    my ($db, $sql, $name) = @_;
    my ($rc, $stdout, $stderr) = $node->psql($db, $sql);
    is($rc, 0, $name) or diag("SQL: $sql\n$stderr");
    return $stdout;
}

my $src = 'pgmq_src';
$node->safe_psql('postgres', "CREATE DATABASE $src");

# ---------------------------------------------------------------------------
# Set up: one queue, three messages, the first one archived.
# ---------------------------------------------------------------------------
query_ok($src, 'CREATE EXTENSION pgmq', 'CREATE EXTENSION pgmq');
query_ok($src, q{SELECT pgmq.create('keep_me')}, "pgmq.create('keep_me')");
is( query(
        $src, q{
        SELECT * FROM pgmq.send('keep_me', '{"n": 1}');
        SELECT * FROM pgmq.send('keep_me', '{"n": 2}');
        SELECT * FROM pgmq.send('keep_me', '{"n": 3}');
    }),
    "1\n2\n3",
    'three messages sent, ids 1, 2, 3');
is(query($src, q{SELECT pgmq.archive('keep_me', 1)}),
    't', 'message 1 archived');

# ---------------------------------------------------------------------------
# (a) DROP EXTENSION ... CASCADE leaves the queue tables alone.
# ---------------------------------------------------------------------------
query_ok($src, 'DROP EXTENSION pgmq CASCADE',
    'DROP EXTENSION pgmq CASCADE succeeds');
is(query($src, q{SELECT count(*) FROM pg_extension WHERE extname = 'pgmq'}),
    '0', 'extension pgmq is gone');
is(query($src, q{SELECT to_regclass('pgmq.meta') IS NULL}),
    't', 'member table pgmq.meta went with the extension');
is( query(
        $src,
        q{SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = 'pgmq'}),
    '0',
    'no functions left in schema pgmq');
is(query($src, q{SELECT count(*) FROM pg_namespace WHERE nspname = 'pgmq'}),
    '1', 'schema pgmq still exists');
is(query($src, q{SELECT to_regclass('pgmq.q_keep_me') IS NOT NULL}),
    't', 'queue table pgmq.q_keep_me still exists');
is(query($src, q{SELECT to_regclass('pgmq.a_keep_me') IS NOT NULL}),
    't', 'archive table pgmq.a_keep_me still exists');
is(query($src, q{SELECT string_agg(msg_id::text, ',' ORDER BY msg_id) FROM pgmq.q_keep_me}),
    '2,3', 'pgmq.q_keep_me still holds its 2 messages');
is(query($src, q{SELECT string_agg(msg_id::text, ',' ORDER BY msg_id) FROM pgmq.a_keep_me}),
    '1', 'pgmq.a_keep_me still holds its 1 archived message');

# ---------------------------------------------------------------------------
# (b) CREATE EXTENSION again: the old queue works, create() re-registers it.
# ---------------------------------------------------------------------------
query_ok($src, 'CREATE EXTENSION pgmq',
    'CREATE EXTENSION pgmq again over the leftover schema');
is(query($src, q{SELECT count(*) FROM pgmq.list_queues()}),
    '0', 'recreated extension starts with no registered queues');
is( query(
        $src, q{
        SELECT msg_id, read_ct, message->>'n'
        FROM pgmq.read('keep_me', 30, 10) ORDER BY msg_id}),
    "2|1|2\n3|1|3",
    "pgmq.read('keep_me', 30, 10) returns the 2 surviving messages");
query_ok(
    $src, q{
    SET client_min_messages = warning;
    SELECT pgmq.create('keep_me');
    }, "pgmq.create('keep_me') on the existing tables succeeds");
is( query(
        $src,
        q{SELECT queue_name, is_partitioned, is_unlogged FROM pgmq.list_queues()}),
    'keep_me|f|f',
    "pgmq.create('keep_me') re-registers the queue in pgmq.list_queues()");

# Make the two messages visible again so that the restored copies can be read.
is( query(
        $src,
        q{SELECT string_agg(msg_id::text, ',' ORDER BY msg_id)
          FROM pgmq.set_vt('keep_me', ARRAY[2, 3]::bigint[], 0)}),
    '2,3',
    'set_vt makes messages 2 and 3 visible again');

# ---------------------------------------------------------------------------
# (c) pg_dump / restore.
# ---------------------------------------------------------------------------
my $tempdir = PostgreSQL::Test::Utils::tempdir;
my $plain_dump = "$tempdir/pgmq_src.sql";
my $custom_dump = "$tempdir/pgmq_src.dump";

$node->command_ok([ 'pg_dump', '-f', $plain_dump, '-d', $src ],
    'pg_dump in plain format succeeds');
$node->command_ok([ 'pg_dump', '-Fc', '-f', $custom_dump, '-d', $src ],
    'pg_dump in custom format succeeds');

my $dump = -f $plain_dump ? slurp_file($plain_dump) : '';
like(
    $dump,
    qr/^CREATE EXTENSION IF NOT EXISTS pgmq WITH SCHEMA pgmq;$/m,
    'dump creates the extension');
like($dump, qr/^CREATE TABLE pgmq\.q_keep_me \(/m,
    'dump contains CREATE TABLE pgmq.q_keep_me');
like($dump, qr/^CREATE TABLE pgmq\.a_keep_me \(/m,
    'dump contains CREATE TABLE pgmq.a_keep_me');
unlike($dump, qr/^CREATE TABLE pgmq\.meta\b/m,
    'pgmq.meta itself is left to CREATE EXTENSION');
my ($meta_rows) = $dump =~ /^COPY pgmq\.meta [^\n]*FROM stdin;\n(.*?)^\\\.$/ms;
like(
    $meta_rows // '',
    qr/^keep_me\tf\tf\t/m,
    'dump contains the pgmq.meta row of keep_me');
my ($queue_rows) = $dump =~ /^COPY pgmq\.q_keep_me [^\n]*FROM stdin;\n(.*?)^\\\.$/ms;
is(scalar(() = ($queue_rows // '') =~ /^\d+\t/mg),
    2, 'dump contains the 2 rows of pgmq.q_keep_me');

my @restores = (
    [
        'pg_restore of the custom-format dump', 'pgmq_restored_custom',
        [ 'pg_restore', '--exit-on-error', '-d', 'pgmq_restored_custom', $custom_dump ]
    ],
    [
        'psql of the plain dump', 'pgmq_restored_plain',
        [
            'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
            '-d', 'pgmq_restored_plain', '-f', $plain_dump
        ]
    ]);

foreach my $restore (@restores)
{
    my ($how, $db, $cmd) = @$restore;

    $node->safe_psql('postgres', "CREATE DATABASE $db");
    is( query(
            $db,
            q{SELECT (SELECT count(*) FROM pg_extension WHERE extname = 'pgmq')
                   + (SELECT count(*) FROM pg_namespace WHERE nspname = 'pgmq')}),
        '0',
        "$how: target database starts without pgmq");

    $node->command_ok($cmd, "$how succeeds");

    is( query(
            $db,
            q{SELECT queue_name, is_partitioned, is_unlogged FROM pgmq.list_queues()}),
        'keep_me|f|f',
        "$how: pgmq.list_queues() lists keep_me");
    is( query(
            $db, q{
            SELECT msg_id, read_ct, message->>'n'
            FROM pgmq.read('keep_me', 30, 10) ORDER BY msg_id}),
        "2|2|2\n3|2|3",
        "$how: pgmq.read returns the 2 messages");
    is(query($db, q{SELECT string_agg(msg_id::text, ',') FROM pgmq.a_keep_me}),
        '1', "$how: archive holds message 1");
    is(query($db, q{SELECT * FROM pgmq.send('keep_me', '{"n": 4}')}),
        '4', "$how: pgmq.send continues the id sequence (id 4)");
    is( query(
            $db,
            q{SELECT queue_length, total_messages FROM pgmq.metrics('keep_me')}),
        '3|4',
        "$how: pgmq.metrics sees 3 messages, 4 ids used");
}

$node->stop;

done_testing();
