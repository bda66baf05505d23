# test/t/080_topic_bindings_dump.pl
#
# Topic bindings are rows of pgmq.topic_bindings, an extension member
# registered with pg_extension_config_dump, as in PGMQ 1.13.  Checks:
#   (a) pg_dump carries the bindings (with bound_at; compiled_regex is a
#       generated column and is regenerated), and restoring the dump
#       (custom format with pg_restore, plain SQL with psql) into a
#       database without pgmq gives working routing: the rows of
#       topic_bindings must load after the pgmq.meta rows they reference;
#   (b) in one session, the kept routing statements survive DROP
#       EXTENSION pgmq CASCADE and a new CREATE EXTENSION pgmq (their
#       tables are new objects then).
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

my $src = 'topics_src';
$node->safe_psql('postgres', "CREATE DATABASE $src");

# ---------------------------------------------------------------------------
# Set up: two queues, three bindings.
# ---------------------------------------------------------------------------
my $bindings_sql = q{
    SELECT pattern, queue_name, compiled_regex, bound_at = '2001-02-03 04:05:06+00'
      FROM pgmq.topic_bindings ORDER BY pattern, queue_name};
my $bindings_expected = join("\n",
    'ev.#|tq_all|^ev\..*$|t',
    'ev.*|tq_one|^ev\.[^.]+$|t',
    'other.*|tq_one|^other\.[^.]+$|t');

is( query(
        $src, q{
        CREATE EXTENSION pgmq;
        SELECT pgmq.create('tq_one');
        SELECT pgmq.create('tq_all');
        SELECT pgmq.bind_topic('ev.*', 'tq_one');
        SELECT pgmq.bind_topic('other.*', 'tq_one');
        SELECT pgmq.bind_topic('ev.#', 'tq_all');
        -- a recognisable bound_at, to see that the dump keeps it
        UPDATE pgmq.topic_bindings SET bound_at = '2001-02-03 04:05:06+00';
        SELECT pgmq.send_topic('ev.x', '{"n": 1}');
    }),
    "\n\n\n\n\n2",
    'two queues, three bindings, one message routed to both');
is(query($src, $bindings_sql), $bindings_expected, 'bindings as set up');

# ---------------------------------------------------------------------------
# (a) dump and restore
# ---------------------------------------------------------------------------
my $tmp = PostgreSQL::Test::Utils::tempdir;
my $custom = "$tmp/topics.dump";
my $plain = "$tmp/topics.sql";
$node->command_ok(
    [ 'pg_dump', '-Fc', '-f', $custom, '-d', $node->connstr($src) ],
    'pg_dump in custom format succeeds');
$node->command_ok(
    [ 'pg_dump', '-Fp', '-f', $plain, '-d', $node->connstr($src) ],
    'pg_dump in plain format succeeds');

my %restore = (
    'pg_restore of the custom-format dump' => sub {
        my ($db) = @_;
        $node->command_ok(
            [ 'pg_restore', '--exit-on-error', '-d', $node->connstr($db), $custom ],
            'pg_restore of the custom-format dump succeeds');
    },
    'psql of the plain dump' => sub {
        my ($db) = @_;
        $node->command_ok(
            [ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($db), '-f', $plain ],
            'psql of the plain dump succeeds');
    });

my $n = 0;
foreach my $how (sort keys %restore)
{
    my $db = 'topics_dst' . ++$n;
    $node->safe_psql('postgres', "CREATE DATABASE $db");
    $restore{$how}->($db);
    is(query($db, $bindings_sql), $bindings_expected,
        "$how: bindings restored with bound_at and compiled_regex");
    is(query($db, q{SELECT pgmq.send_topic('ev.x', '{"n": 2}')}),
        '2', "$how: send_topic routes to both queues");
    is(query($db, q{SELECT pgmq.send_topic('other.y', '{"n": 3}')}),
        '1', "$how: send_topic routes by the other binding");
    is( query(
            $db, q{
            SELECT string_agg(message->>'n', ',' ORDER BY msg_id) FROM pgmq.q_tq_one;
            SELECT string_agg(message->>'n', ',' ORDER BY msg_id) FROM pgmq.q_tq_all;
        }),
        "1,2,3\n1,2",
        "$how: queues hold the old and the new messages");
}

# ---------------------------------------------------------------------------
# (b) kept statements across DROP / CREATE EXTENSION in one session
# ---------------------------------------------------------------------------
is( query(
        $src, q{
        SELECT pgmq.send_topic('ev.x', '{"n": 10}');
        SELECT count(*) FROM pgmq.test_routing('ev.x');
        SELECT count(*) FROM pgmq.list_topic_bindings();
        DROP EXTENSION pgmq CASCADE;
        CREATE EXTENSION pgmq;
        SELECT pgmq.send_topic('ev.x', '{"n": 11}');
        SELECT count(*) FROM pgmq.list_topic_bindings();
        SELECT pgmq.create('tq_one');
        SELECT pgmq.bind_topic('ev.*', 'tq_one');
        SELECT pgmq.send_topic('ev.x', '{"n": 12}');
        SELECT pattern, queue_name FROM pgmq.test_routing('ev.x');
        SELECT string_agg(message->>'n', ',' ORDER BY msg_id) FROM pgmq.q_tq_one;
    }),
    join("\n", '2', '2', '3', '0', '0', '', '', '1', 'ev.*|tq_one', '1,10,12'),
    'routing statements kept in a session work after DROP and CREATE EXTENSION');

$node->stop;
done_testing();
