# test/t/002_wakeup_modes.pl
#
# Waiting for messages, on two nodes: one with shared_preload_libraries =
# 'pgmq' (waiters are woken through shared memory: pgmq.wakeup_mode() is
# 'shmem') and one without (waiters poll: 'poll').  On each node:
#   (a) pgmq.wakeup_mode(); on the preloaded node SHOW pgmq.wakeup_slots;
#   (b) a reader blocked in read_with_poll gets a message when the sender
#       commits; a rolled-back send delivers nothing and the reader returns
#       empty once max_poll_seconds are over (not before); on the plain node
#       a commit does not cut the reader's poll_interval_ms short, on the
#       preloaded node poll_interval_ms plays no part;
#   (c) statement_timeout and pg_cancel_backend interrupt read_with_poll
#       and wait_for_messages with SQLSTATE 57014, and the session goes on;
#       pg_terminate_backend ends a waiting session, the server stays up
#       and later waiters are still woken;
#   (d) CALL pgmq.wait_for_messages(): ready = false after max_wait_seconds,
#       and while it waits pg_stat_activity shows no backend_xmin and no
#       backend_xid for it (a reader waiting in read_with_poll, as a
#       control, does show a backend_xmin); ready = true once a send
#       commits; SQLSTATE 2D000 inside a transaction block.
#
# Waiting sessions run psql in the background (IPC::Run).  Whatever should
# wake a waiter is done only once pg_stat_activity shows the waiter asleep
# inside pgmq (wait event "Extension").  Timing assertions are one-sided or
# loose: "did not return before max_poll_seconds" (a lower bound, which
# only gets safer on a slow machine) and "returned within 30 s" where
# missing the wake-up would mean returning only at a 40-60 s max_poll.
# To make a missed wake-up visible, readers on the preloaded node set
# pgmq.wakeup_recheck_ms (the safety recheck) far beyond their max_poll.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $db = 'postgres';

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

# Run SQL; return its output, or "ERROR: <message>" so that a failing
# statement fails the assertion that uses it instead of ending the script.
sub query
{
    my ($node, $sql) = @_;
    my ($rc, $stdout, $stderr) = $node->psql($db, $sql);
    return $stdout if $rc == 0;
    diag("SQL failed on node " . $node->name . ": $sql\n$stderr");
    return "ERROR: $stderr";
}

# Start psql in the background, running each statement of @$statements
# (one -c each) in one session whose application_name is "waiter_$label".
# Errors are reported as "ERROR:  <SQLSTATE>" on stderr.  With
# on_error_stop => 0, statements after a failed one still run.
sub start_waiter
{
    my ($node, $label, $statements, %opts) = @_;
    my $on_error_stop = $opts{on_error_stop} // 1;
    my $w = {
        node => $node,
        label => $label,
        appname => "waiter_$label",
        stdout => '',
        stderr => '',
    };
    my @cmd = (
        $node->installed_command('psql'), '-X', '-q', '-A', '-t',
        '-v', 'VERBOSITY=sqlstate', '-v', "ON_ERROR_STOP=$on_error_stop",
        '-d', $node->connstr($db) . " application_name=$w->{appname}");
    push @cmd, '-c', $_ foreach @$statements;

    $w->{started} = time();
    $w->{handle} = IPC::Run::start(
        \@cmd,
        '<', '/dev/null',
        '>', \$w->{stdout},
        '2>', \$w->{stderr},
        IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
    return $w;
}

# Wait (up to the default test timeout) until the waiter's backend is
# asleep inside pgmq.  Returns true if it got there.
sub waiter_sleeping
{
    my ($w) = @_;
    return $w->{node}->poll_query_until(
        $db, qq{
        SELECT count(*) = 1 FROM pg_stat_activity
        WHERE application_name = '$w->{appname}' AND state = 'active'
          AND wait_event_type = 'Extension'});
}

# The pid of the waiter's backend.
sub waiter_pid
{
    my ($w) = @_;
    return query($w->{node},
        "SELECT pid FROM pg_stat_activity WHERE application_name = '$w->{appname}'");
}

# Wait for the waiter's psql to exit; record its exit status and how long
# it ran (seconds, measured from before it was started, so never less than
# the time its statements took on the server).
sub finish_waiter
{
    my ($w) = @_;
    eval { $w->{handle}->finish; };
    if ($@)
    {
        diag("waiter $w->{label}: $@");
        $w->{handle}->kill_kill;
    }
    $w->{elapsed} = time() - $w->{started};
    $w->{rc} = $w->{handle}->result(0);
    chomp($w->{stdout});
    note("waiter $w->{label}: rc $w->{rc}, "
          . sprintf('%.2f s', $w->{elapsed})
          . ", stdout [$w->{stdout}], stderr [$w->{stderr}]");
    return $w;
}

# A statement reading from read_with_poll that also says whether it
# returned within 30 s of its start (its max_poll_seconds is 60, and the
# safety recheck is off on the preloaded node: a reader that missed its
# wake-up could only return at 60 s).
sub poll_read_sql
{
    my ($queue) = @_;
    return qq{SELECT msg_id, message->>'n',
                     clock_timestamp() < statement_timestamp() + interval '30 s'
              FROM pgmq.read_with_poll('$queue', 30, 10, 60, 50)};
}

my $no_recheck = q{SET pgmq.wakeup_recheck_ms = '10min'};

# ---------------------------------------------------------------------------
# The nodes
# ---------------------------------------------------------------------------

my $preloaded = PostgreSQL::Test::Cluster->new('preloaded');
$preloaded->init;
$preloaded->append_conf('postgresql.conf', "shared_preload_libraries = 'pgmq'");
$preloaded->start;

my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;

foreach my $case ([ $preloaded, 'shmem' ], [ $plain, 'poll' ])
{
    my ($node, $mode) = @$case;
    my $n = $node->name;
    my $w;

    $node->safe_psql($db, 'CREATE EXTENSION pgmq');
    $node->safe_psql(
        $db, q{
        SELECT pgmq.create(q)
        FROM unnest(ARRAY['q_commit', 'q_rollback', 'q_timeout', 'q_cancel',
                          'q_terminate', 'q_wfm', 'q_interval']) AS q});
    my $start_time = query($node, 'SELECT pg_postmaster_start_time()');

    # -----------------------------------------------------------------------
    # (a) Mode and settings.
    # -----------------------------------------------------------------------
    is(query($node, 'SELECT pgmq.wakeup_mode()'),
        $mode, "$n: pgmq.wakeup_mode() is '$mode'");
    if ($mode eq 'shmem')
    {
        is(query($node, 'SHOW pgmq.wakeup_slots'),
            '1024', "$n: SHOW pgmq.wakeup_slots shows the default, 1024");
    }

    # -----------------------------------------------------------------------
    # (b) Committed and rolled-back sends.
    # -----------------------------------------------------------------------

    # A committed send wakes a reader waiting on the empty queue.
    $w = start_waiter($node, 'commit', [ $no_recheck, poll_read_sql('q_commit') ]);
    ok(waiter_sleeping($w), "$n: reader waits in read_with_poll");
    query($node, q{SELECT pgmq.send('q_commit', '{"n": 1}')});
    finish_waiter($w);
    is($w->{rc}, 0, "$n: waiting reader ends without error");
    is($w->{stdout}, '1|1|t',
        "$n: committed send reaches the waiting reader (within 30 s of a 60 s max_poll)");

    # A rolled-back send (and send_batch) delivers nothing; the reader
    # returns empty, but only once its max_poll_seconds (3) are over.
    $w = start_waiter(
        $node, 'rollback',
        [
            $no_recheck,
            q{SELECT msg_id FROM pgmq.read_with_poll('q_rollback', 30, 10, 3, 50)}
        ]);
    ok(waiter_sleeping($w), "$n: reader waits on q_rollback");
    query(
        $node, q{
        BEGIN;
        SELECT pgmq.send('q_rollback', '{"n": 1}');
        SELECT pgmq.send_batch('q_rollback', ARRAY['{"n": 2}', '{"n": 3}']::jsonb[]);
        ROLLBACK;});
    finish_waiter($w);
    is($w->{rc}, 0, "$n: reader after a rolled-back send ends without error");
    is($w->{stdout}, '', "$n: rolled-back send delivers nothing");
    cmp_ok($w->{elapsed}, '>=', 2.95,
        "$n: that reader did not return before its max_poll_seconds (3)");
    cmp_ok($w->{elapsed}, '<', 40,
        "$n: that reader returned soon after its max_poll_seconds");
    is(query($node, q{SELECT queue_length FROM pgmq.metrics('q_rollback')}),
        '0', "$n: q_rollback is still empty");

    # Then a committed send on that queue does arrive.
    $w = start_waiter($node, 'after_rollback',
        [ $no_recheck, poll_read_sql('q_rollback') ]);
    ok(waiter_sleeping($w), "$n: next reader waits on q_rollback");
    query($node, q{SELECT pgmq.send('q_rollback', '{"n": 4}')});
    finish_waiter($w);
    is($w->{stdout}, '4|4|t',
        "$n: a committed send after the rollback reaches the waiting reader");

    # max_poll_seconds is honoured on an empty queue: no rows, not before.
    $w = start_waiter($node, 'max_poll',
        [q{SELECT msg_id FROM pgmq.read_with_poll('q_commit', 30, 10, 2, 50)}]);
    finish_waiter($w);
    is($w->{rc}, 0, "$n: read_with_poll on an empty queue ends without error");
    is($w->{stdout}, '', "$n: read_with_poll on an empty queue returns no rows");
    cmp_ok($w->{elapsed}, '>=', 1.95,
        "$n: read_with_poll did not return before max_poll_seconds (2)");
    cmp_ok($w->{elapsed}, '<', 30,
        "$n: read_with_poll returned soon after max_poll_seconds");

    # poll_interval_ms.  Without preload a send does not interrupt the
    # reader's sleep: it sees the message at its next poll, 3 s after its
    # first look (read time = vt - 30 s).  With preload poll_interval_ms is
    # not used: a reader with a 60 s interval is still woken by the send.
    if ($mode eq 'poll')
    {
        $w = start_waiter(
            $node, 'interval',
            [
                q{SELECT msg_id, vt - interval '30 s' >= statement_timestamp() + interval '2.9 s'
                  FROM pgmq.read_with_poll('q_interval', 30, 10, 40, 3000)}
            ]);
        ok(waiter_sleeping($w), "$n: reader with a 3 s poll interval waits");
        query($node, q{SELECT pgmq.send('q_interval', '{"n": 1}')});
        finish_waiter($w);
        is($w->{stdout}, '1|t',
            "$n: the message is taken at the next poll, not before the 3 s poll interval");
    }
    else
    {
        $w = start_waiter(
            $node, 'interval',
            [
                $no_recheck,
                q{SELECT msg_id, clock_timestamp() < statement_timestamp() + interval '30 s'
                  FROM pgmq.read_with_poll('q_interval', 30, 10, 40, 60000)}
            ]);
        ok(waiter_sleeping($w), "$n: reader with a 60 s poll interval waits");
        query($node, q{SELECT pgmq.send('q_interval', '{"n": 1}')});
        finish_waiter($w);
        is($w->{stdout}, '1|t',
            "$n: the send wakes it all the same (poll_interval_ms is not used)");
    }

    # -----------------------------------------------------------------------
    # (c) statement_timeout, pg_cancel_backend, pg_terminate_backend.
    # -----------------------------------------------------------------------
    my @waits = (
        [
            'read_with_poll',
            q{SELECT msg_id FROM pgmq.read_with_poll('%s', 30, 10, 60, 50)}
        ],
        [ 'wait_for_messages', q{CALL pgmq.wait_for_messages('%s', 60)} ]);

    foreach my $wait (@waits)
    {
        my ($what, $template) = @$wait;

        # statement_timeout
        $w = start_waiter(
            $node,
            "timeout_$what",
            [
                q{SET statement_timeout = '1s'},
                sprintf($template, 'q_timeout'),
                q{SELECT 'session still usable'}
            ],
            on_error_stop => 0);
        finish_waiter($w);
        like($w->{stderr}, qr/^ERROR:  57014$/m,
            "$n: statement_timeout interrupts $what with SQLSTATE 57014");
        cmp_ok($w->{elapsed}, '<', 30,
            "$n: $what was interrupted well before its 60 s wait");
        is($w->{stdout}, 'session still usable',
            "$n: the session works after $what timed out");

        # pg_cancel_backend
        $w = start_waiter(
            $node,
            "cancel_$what",
            [
                sprintf($template, 'q_cancel'),
                q{SELECT msg_id FROM pgmq.read_with_poll('q_cancel', 30, 10, 0, 50)},
                q{SELECT 'session still usable'}
            ],
            on_error_stop => 0);
        ok(waiter_sleeping($w), "$n: $what waits before being cancelled");
        is(query($node, 'SELECT pg_cancel_backend(' . waiter_pid($w) . ')'),
            't', "$n: pg_cancel_backend on the waiting $what");
        finish_waiter($w);
        like($w->{stderr}, qr/^ERROR:  57014$/m,
            "$n: pg_cancel_backend interrupts $what with SQLSTATE 57014");
        cmp_ok($w->{elapsed}, '<', 30,
            "$n: $what was interrupted well before its 60 s wait");
        is($w->{stdout}, 'session still usable',
            "$n: the session works after $what was cancelled");

        # pg_terminate_backend
        $w = start_waiter($node, "terminate_$what",
            [ sprintf($template, 'q_terminate') ]);
        ok(waiter_sleeping($w), "$n: $what waits before being terminated");
        my $pid = waiter_pid($w);
        is(query($node, "SELECT pg_terminate_backend($pid)"),
            't', "$n: pg_terminate_backend on the waiting $what");
        finish_waiter($w);
        isnt($w->{rc}, 0, "$n: the terminated $what session's psql fails");
        like(
            $w->{stderr},
            qr/FATAL:  57P01|terminating connection due to administrator command|server closed the connection/,
            "$n: the terminated $what session reports the termination");
        ok( $node->poll_query_until(
                $db, "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid"),
            "$n: the terminated backend of $what is gone");
        is(query($node, 'SELECT 1'), '1', "$n: the node still answers");
    }

    # After all that the server has not restarted, and waiters are still
    # woken (no stale waiter left behind by the terminated sessions).
    is(query($node, 'SELECT pg_postmaster_start_time()'),
        $start_time, "$n: the server did not restart");
    $w = start_waiter($node, 'after_terminate',
        [ $no_recheck, poll_read_sql('q_terminate') ]);
    ok(waiter_sleeping($w), "$n: a new reader waits on q_terminate");
    query($node, q{SELECT pgmq.send('q_terminate', '{"n": 7}')});
    finish_waiter($w);
    is($w->{stdout}, '1|7|t',
        "$n: a send reaches the new reader after the terminations");

    # -----------------------------------------------------------------------
    # (d) wait_for_messages
    # -----------------------------------------------------------------------

    # Times out with ready = false, not before max_wait_seconds.
    $w = start_waiter($node, 'wfm_timeout',
        [q{CALL pgmq.wait_for_messages('q_wfm', 2)}]);
    finish_waiter($w);
    is($w->{rc}, 0, "$n: wait_for_messages on an empty queue ends without error");
    is($w->{stdout}, 'f', "$n: wait_for_messages times out with ready = false");
    cmp_ok($w->{elapsed}, '>=', 1.95,
        "$n: wait_for_messages did not return before max_wait_seconds (2)");
    cmp_ok($w->{elapsed}, '<', 30,
        "$n: wait_for_messages returned soon after max_wait_seconds");

    # Holds no snapshot and no xid while it waits.  Samples are taken only
    # while the waiter is seen asleep (without preload it wakes every second
    # to look at the queue, with a snapshot for that moment).
    $w = start_waiter(
        $node, 'wfm',
        [
            $no_recheck,
            q{SELECT set_config('iq.start', clock_timestamp()::text, false) IS NOT NULL},
            q{CALL pgmq.wait_for_messages('q_wfm', 60)},
            q{SELECT clock_timestamp() < current_setting('iq.start')::timestamptz + interval '30 s'},
            q{SELECT msg_id, message->>'n' FROM pgmq.read('q_wfm', 30, 10)}
        ]);
    ok(waiter_sleeping($w), "$n: wait_for_messages waits");

    # Sample until 5 samples saw the waiter asleep; return those samples
    # ("<backend_xmin is null>|<backend_xid is null>" each).
    my $sample_sleeping = sub {
        my ($appname) = @_;
        my @samples;
        for (my $i = 0; $i < 200 && @samples < 5; $i++)
        {
            my $s = query(
                $node, qq{
                SELECT backend_xmin IS NULL, backend_xid IS NULL
                FROM pg_stat_activity
                WHERE application_name = '$appname' AND state = 'active'
                  AND wait_event_type = 'Extension'});
            push @samples, $s if $s ne '';
            usleep(100_000);
        }
        return @samples;
    };
    my @samples = $sample_sleeping->($w->{appname});
    is(scalar(@samples), 5, "$n: 5 samples of wait_for_messages asleep");
    is_deeply(\@samples, [ ('t|t') x 5 ],
        "$n: backend_xmin and backend_xid are NULL while wait_for_messages waits");

    # Control: a reader waiting in read_with_poll runs inside a query and
    # does show a backend_xmin, so the sampling above can see one.
    my $r = start_waiter($node, 'xmin_control',
        [q{SELECT msg_id FROM pgmq.read_with_poll('q_commit', 30, 10, 60, 50)}]);
    ok(waiter_sleeping($r), "$n: control reader waits in read_with_poll");
    my @control = $sample_sleeping->($r->{appname});
    ok(@control > 0 && !grep({ !/^f\|t$/ } @control),
        "$n: control: a reader in read_with_poll has a backend_xmin (no xid)")
      or diag("control samples: @control");
    query($node, 'SELECT pg_cancel_backend(' . waiter_pid($r) . ')');
    finish_waiter($r);

    # The send makes wait_for_messages ready; the message is then read.
    query($node, q{SELECT pgmq.send('q_wfm', '{"n": 5}')});
    finish_waiter($w);
    is($w->{rc}, 0, "$n: wait_for_messages session ends without error");
    is($w->{stdout}, "t\nt\nt\n1|5",
        "$n: ready = true within 30 s of a 60 s wait after the send commits, then read gets the message");

    # Not inside a transaction block.
    my ($rc, $stdout, $stderr) = $node->psql(
        $db, q{
        BEGIN;
        CALL pgmq.wait_for_messages('q_wfm', 1);
        ROLLBACK;},
        extra_params => [ '-v', 'VERBOSITY=sqlstate' ]);
    like($stderr, qr/^psql:[^\n]*ERROR:  2D000$/m,
        "$n: wait_for_messages inside BEGIN fails with SQLSTATE 2D000");

    # Nothing went wrong on the server side.
    my $log = slurp_file($node->logfile);
    unlike($log, qr/server process .* was terminated by signal|PANIC|TRAP:/,
        "$n: no crash in the server log");
}

$preloaded->stop;
$plain->stop;

done_testing();
