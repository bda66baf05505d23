# test/t/003_notify_insert.pl
#
# Insert notifications with a whole cluster:
#   (a) four concurrent senders (pgbench) and a LISTENer in another
#       session (psql): with interval 0 every committed transaction
#       notifies exactly once; with a long interval at least one and at
#       most one per sending backend arrive, and no sender fails;
#   (b) pg_dump / restore keeps notifications working: the trigger
#       (not an extension member) comes back with the queue table and the
#       throttle row with the extension's dumped configuration;
#   (b2) a crash (immediate stop) empties the UNLOGGED throttle table; the
#       trigger keeps notifying, unthrottled, until re-enabled;
#   (c) DROP EXTENSION pgmq CASCADE takes the notify triggers with the
#       trigger function, the queue table keeps working, and after
#       CREATE EXTENSION + create() notifications can be enabled again.
# The queue name is mixed case, so the channel is "pgmq.q_TapQ.INSERT".
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

my $db = 'postgres';
my $channel = 'pgmq.q_TapQ.INSERT';

# Run SQL; return its output, or "ERROR: <message>" so that a failing
# statement fails the assertion that uses it instead of ending the script.
sub query
{
    my ($dbname, $sql) = @_;
    my ($rc, $stdout, $stderr) = $node->psql($dbname, $sql);
    return $stdout if $rc == 0;
    diag("SQL failed in database $dbname: $sql\n$stderr");
    return "ERROR: $stderr";
}

# A psql session in the background that LISTENs on $channel.
sub start_listener
{
    my ($dbname) = @_;
    my $l = { in => '', out => '', err => '' };
    $l->{timer} = IPC::Run::timer($PostgreSQL::Test::Utils::timeout_default);
    $l->{handle} = IPC::Run::start(
        [
            $node->installed_command('psql'), '-X', '-A', '-t',
            '-d', $node->connstr($dbname)
        ],
        '<', \$l->{in}, '>', \$l->{out}, '2>', \$l->{err}, $l->{timer});
    $l->{in} .= qq{LISTEN "$channel";\nSELECT 'listening';\n};
    $l->{handle}->pump until $l->{out} =~ /^listening$/m || $l->{timer}->is_expired;
    return $l;
}

# Let the listener's psql print what has arrived (it prints notifications
# after each command) and return how many notifications it has printed so
# far.  Polls until at least $want have arrived or 10 s have passed.
sub notifications
{
    my ($l, $want) = @_;
    my $count = 0;
    for my $i (1 .. 100)
    {
        my $marker = "polled_$i";
        $l->{in} .= "SELECT '$marker';\n";
        $l->{handle}->pump
          until $l->{out} =~ /^$marker$/m || $l->{timer}->is_expired;
        $count = () = $l->{out} =~ /^Asynchronous notification "\Q$channel\E" received/mg;
        last if $count >= $want;
        usleep(100_000);
    }
    return $count;
}

sub stop_listener
{
    my ($l) = @_;
    $l->{in} .= "\\q\n";
    $l->{handle}->finish;
}

# ---------------------------------------------------------------------------
# (a) concurrent senders, a listener in another session
# ---------------------------------------------------------------------------
$node->safe_psql($db, 'CREATE EXTENSION pgmq');
$node->safe_psql($db, q{SELECT pgmq.create('TapQ')});
$node->safe_psql($db, q{SELECT pgmq.enable_notify_insert('TapQ', 0)});

my $tempdir = PostgreSQL::Test::Utils::tempdir;
my $script = "$tempdir/send.sql";
open(my $fh, '>', $script) or die "could not write $script: $!";
print $fh qq{SELECT * FROM pgmq.send('TapQ', '{"n": 1}');\n};
close($fh);
my @pgbench = ('pgbench', '-n', '-c', '4', '-j', '4', '-t', '50', '-f', $script, $db);

my $l = start_listener($db);
$node->command_ok(\@pgbench, 'interval 0: 4 concurrent senders x 50 transactions succeed');
is(notifications($l, 200), 200,
    'interval 0: the listener got one notification per committed transaction (200)');
is(query($db, q{SELECT count(*) FROM pgmq.q_tapq}), '200', '200 messages in the queue');

$node->safe_psql($db, q{SELECT pgmq.update_notify_insert('TapQ', 3600000)});
my $before = notifications($l, 0);
$node->command_ok(\@pgbench, 'interval 1 h: 4 concurrent senders x 50 transactions succeed');
my $got = notifications($l, $before + 1) - $before;
usleep(500_000);
$got = notifications($l, $before + 5) - $before;
cmp_ok($got, '>=', 1, 'interval 1 h: at least one notification arrived');
cmp_ok($got, '<=', 4, "interval 1 h: at most one per sending backend ($got)");
is( query(
        $db,
        q{SELECT throttle_interval_ms, last_notified_at > 'epoch'
            FROM pgmq.list_notify_insert_throttles()}),
    '3600000|t',
    'interval 1 h: the throttle row recorded a notification');
stop_listener($l);

# ---------------------------------------------------------------------------
# (b) pg_dump / restore
# ---------------------------------------------------------------------------
$node->safe_psql($db, q{SELECT pgmq.enable_notify_insert('TapQ', 0)});
my $dumpfile = "$tempdir/notify.dump";
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dumpfile, '-d', $db ], 'pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', 'restored', $dumpfile ],
    'pg_restore succeeds');
is( query(
        'restored',
        q{SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t
           WHERE t.tgrelid = 'pgmq.q_tapq'::regclass AND NOT t.tgisinternal}),
    q{CREATE CONSTRAINT TRIGGER trigger_notify_queue_insert_listeners AFTER INSERT ON pgmq.q_tapq DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION pgmq.notify_queue_listeners('TapQ')},
    'restored: the notify trigger is back');
is(query('restored', q{SELECT queue_name, throttle_interval_ms FROM pgmq.list_notify_insert_throttles()}),
    'TapQ|0', 'restored: the throttle row is back');
$l = start_listener('restored');
is(query('restored', q{SELECT * FROM pgmq.send('TapQ', '{"n": 2}')}), '401',
    'restored: send continues the id sequence');
is(notifications($l, 1), 1, 'restored: a send notifies the listener');
stop_listener($l);

# ---------------------------------------------------------------------------
# (b2) a crash empties the UNLOGGED throttle table; the trigger stays and
#      keeps notifying (PGMQ's would fall silent until re-enabled)
# ---------------------------------------------------------------------------
$node->safe_psql('restored', q{SELECT pgmq.update_notify_insert('TapQ', 3600000)});
$node->stop('immediate');
$node->start;
is(query('restored', q{SELECT count(*) FROM pgmq.notify_insert_throttle}), '0',
    'after a crash the UNLOGGED throttle table is empty');
$l = start_listener('restored');
query('restored', q{SELECT * FROM pgmq.send('TapQ', '{"n": 5}')});
query('restored', q{SELECT * FROM pgmq.send('TapQ', '{"n": 6}')});
is(notifications($l, 2), 2,
    'after a crash the trigger still notifies, unthrottled (2 sends, 2 notifications)');
stop_listener($l);
$node->safe_psql('restored', q{SELECT pgmq.enable_notify_insert('TapQ', 3600000)});
is(query('restored', q{SELECT queue_name, throttle_interval_ms FROM pgmq.list_notify_insert_throttles()}),
    'TapQ|3600000', 're-enabling after the crash restores the throttle row');

# ---------------------------------------------------------------------------
# (c) DROP EXTENSION ... CASCADE and back
# ---------------------------------------------------------------------------
$node->safe_psql($db, 'DROP EXTENSION pgmq CASCADE');
is( query(
        $db,
        q{SELECT count(*) FROM pg_trigger WHERE tgname = 'trigger_notify_queue_insert_listeners'}),
    '0',
    'DROP EXTENSION CASCADE dropped the notify trigger');
is( query(
        $db, q{
        INSERT INTO pgmq.q_tapq (vt, message) VALUES (now(), '{"n": 3}');
        SELECT count(*) FROM pgmq.q_tapq}),
    '401',
    'the queue table is still there and takes inserts');
$node->safe_psql($db, 'CREATE EXTENSION pgmq');
my ($rc, $stdout, $stderr) = $node->psql($db, q{SELECT pgmq.enable_notify_insert('TapQ', 0)});
like($stderr, qr/Queue "TapQ" does not exist\. Create it first using pgmq\.create\(\)/,
    'enable is refused until create() registers the queue again');
$node->safe_psql($db, q{SELECT pgmq.create('TapQ')});
$node->safe_psql($db, q{SELECT pgmq.enable_notify_insert('TapQ', 0)});
$l = start_listener($db);
query($db, q{SELECT * FROM pgmq.send('TapQ', '{"n": 4}')});
is(notifications($l, 1), 1, 'after CREATE EXTENSION, create() and enable, a send notifies');
stop_listener($l);

$node->stop;
done_testing();
