# test/t/090_fuzz.pl
#
# Randomised SQL-level fuzzing of every C entry point, for a bounded time,
# from several concurrent sessions, on a node with pgmq preloaded (so the
# wake-up code runs too).
#
#   PGMQ_FUZZ_SECONDS   how long to fuzz (default 20)
#   PGMQ_FUZZ_SEED      the random seed (default 20261126, so that make test
#                       replays the same call sequences; "random" draws one
#                       from the clock; the seed used is printed)
#   PGMQ_FUZZ_SESSIONS  concurrent sessions (default 4)
#
# The function list comes from pg_proc, so functions added to the
# extension are fuzzed without changes here.  Every session runs "steps":
# one statement in autocommit, or a transaction of a few statements
# (random isolation level, savepoints, psql's ON_ERROR_ROLLBACK (a
# savepoint around each statement), SET LOCAL statement_timeout of a few
# ms, COMMIT or ROLLBACK, sometimes PREPARE TRANSACTION and COMMIT /
# ROLLBACK PREPARED), or some chaos: creating and dropping queues, an
# archive table dropped by hand, LISTEN for insert notifications, DROP
# EXTENSION pgmq CASCADE and CREATE EXTENSION again.  Arguments are drawn per argument name and type: queue
# names from a pool of valid, mixed-case, dotted, blank-containing, never
# created, dropped and re-created, and invalid names (quotes, ';', '--',
# unicode, too long, empty, NULL); integers including NULL, negative,
# zero and extreme values; jsonb messages and headers from scalars to deep
# nesting and 200 kB strings; arrays with NULLs, empty, two-dimensional;
# timestamps including +-infinity.  Waits are bounded: every session runs
# with statement_timeout = 3 s and lock_timeout = 2 s.  Meanwhile the
# driver cancels waiting and running backends, terminates one now and
# then (that session reconnects), rolls back prepared transactions that a
# cancel left behind, and re-creates the extension soon after a session
# finds it dropped.
#
# Each session draws from its own random stream derived from the seed, so
# a seed reproduces every session's sequence of steps (not their
# interleaving); the steps each session ran, with their errors, are
# written to tmp_check/log/090_fuzz_session_<n>.sql.
#
# Checks (a handful of TAP assertions, not one per call):
#   - no error of class XX (internal error: elog, "cache lookup failed",
#     corruption), and no connection lost that the driver did not cause
#     (except PostgreSQL's own known races with a concurrent DROP/CREATE
#     EXTENSION, see ddl_race below, which are counted and shown);
#   - no session hung (a step not done well beyond its timeouts);
#   - the postmaster never restarted (pg_postmaster_start_time), and the
#     log has no "terminated by signal", "TRAP:" (assertion failure on an
#     assert-enabled build) or "PANIC";
#   - invariants at the end: for every queue table, no msg_id is both in
#     q_ and a_, no msg_id beyond the sequence, metrics' queue_length and
#     queue_visible_length equal the table's counts; no two registrations
#     differ only in case; every registration has its table; metrics_all
#     and list_queues agree with pgmq.meta; every index of schema pgmq
#     passes amcheck's bt_index_check (when amcheck is available);
#   - afterwards a queue still works end to end.
# To fuzz longer, or an assert-enabled or valgrind build (PG_CONFIG=...):
#   PGMQ_FUZZ_SECONDS=600 make installcheck REGRESS= ISOLATION= \
#        PROVE_TESTS=test/t/090_fuzz.pl PROVE_FLAGS=-v
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $seconds = $ENV{PGMQ_FUZZ_SECONDS} // 20;
my $seed = $ENV{PGMQ_FUZZ_SEED} // 20261126;
$seed = (int(time() * 1000) ^ ($$ << 10)) & 0x7fffffff if $seed eq 'random';
my $nsessions = $ENV{PGMQ_FUZZ_SESSIONS} // 4;
diag("pgmq fuzz: seed $seed, $seconds s, $nsessions sessions "
      . "(rerun with PGMQ_FUZZ_SEED=$seed)");

# ---------------------------------------------------------------------------
# A small deterministic random stream (xorshift32), one per session, so a
# seed gives each session the same steps whatever the timing.
# ---------------------------------------------------------------------------
package FuzzRng;

sub new
{
    my ($class, $seed) = @_;
    my $s = (($seed * 2654435761) + 0x9e3779b9) & 0xffffffff;
    $s = 1 if $s == 0;
    my $self = bless { s => $s }, $class;
    $self->next for 1 .. 8;
    return $self;
}

sub next
{
    my ($self) = @_;
    my $x = $self->{s};
    $x ^= ($x << 13) & 0xffffffff;
    $x ^= $x >> 17;
    $x ^= ($x << 5) & 0xffffffff;
    $self->{s} = $x;
    return $x;
}

# 0 .. n-1
sub int { my ($self, $n) = @_; return $self->next % $n; }

sub chance { my ($self, $p) = @_; return $self->next / 4294967296.0 < $p; }

sub pick { my ($self, @a) = @_; return $a[ $self->int(scalar @a) ]; }

# pick from [weight, value] pairs
sub weighted
{
    my ($self, @pairs) = @_;
    my $total = 0;
    $total += $_->[0] for @pairs;
    my $r = $self->int($total);
    for my $p (@pairs)
    {
        return $p->[1] if $r < $p->[0];
        $r -= $p->[0];
    }
    return $pairs[-1][1];
}

package main;

my $INT_MAX = '2147483647';
my $INT_MIN = '-2147483648';
my $BIG_MAX = '9223372036854775807';
my $BIG_MIN = '-9223372036854775808';

# ---------------------------------------------------------------------------
# The node
# ---------------------------------------------------------------------------
my $node = PostgreSQL::Test::Cluster->new('fuzz');
$node->init;
$node->append_conf(
    'postgresql.conf', qq{
shared_preload_libraries = 'pgmq'
max_prepared_transactions = 10
deadlock_timeout = 100ms
log_min_error_statement = fatal
log_statement = none
});
$node->start;

my $start_time = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

# Queues that exist at the start (sessions create and drop others, and
# these too).
$node->safe_psql(
    'postgres', q{
    CREATE ROLE fz_role;
    CREATE EXTENSION pgmq;
    SELECT pgmq.create('fz_a');
    SELECT pgmq.create('fz_b');
    SELECT pgmq.create('Fz_Mixed');
    SELECT pgmq.create('fz.dotted-1');
    SELECT pgmq.create_unlogged('fz un-logged');
    SELECT pgmq.create('9lives');
    SELECT pgmq.create_fifo_index('fz_b');
    SELECT pgmq.bind_topic('fz.#', 'fz_a');
    SELECT pgmq.bind_topic('fz.*', 'fz_b');
    SELECT pgmq.bind_topic('#', 'fz.dotted-1');
    SELECT pgmq.enable_notify_insert('fz_a', 0);
    SELECT pgmq.enable_notify_insert('Fz_Mixed', 100);
    SELECT pgmq.send_batch(q, ARRAY['{"n": 1}', '{"n": 2}', '{"n": 3}']::jsonb[],
                           ARRAY['{"x-pgmq-group": "g1"}', NULL, '{"x-pgmq-group": 5}']::jsonb[])
      FROM unnest(ARRAY['fz_a', 'fz_b', 'Fz_Mixed', 'fz.dotted-1', 'fz un-logged', '9lives']) q;
});

# The functions and procedures to call, with their input arguments.
my @functions;
for my $line (
    split /\n/,
    $node->safe_psql(
        'postgres', q{
    SELECT p.proname, p.prokind,
           (p.proretset OR t.typtype = 'c' OR p.prorettype = 'record'::regtype)::int,
           p.pronargdefaults,
           coalesce((SELECT string_agg(coalesce(u.name, '') || ':' || format_type(u.typ, NULL), ',' ORDER BY u.ord)
                       FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]),
                                   coalesce(p.proargmodes, array_fill('i'::"char", ARRAY[p.pronargs::int])),
                                   p.proargnames) WITH ORDINALITY AS u(typ, mode, name, ord)
                      WHERE u.mode IN ('i', 'b')), '')
      FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype
     WHERE p.pronamespace = 'pgmq'::regnamespace
     ORDER BY p.proname, pg_get_function_identity_arguments(p.oid)}))
{
    my ($name, $kind, $rows, $ndefaults, $args) = split /\|/, $line, 5;
    push @functions,
      {
        name => $name,
        kind => $kind,
        rows => $rows,
        ndefaults => $ndefaults,
        args => [ map { [ split /:/, $_, 2 ] } grep { $_ ne '' } split /,/, $args ],
      };
}
note(scalar(@functions) . ' functions to fuzz');

# ---------------------------------------------------------------------------
# Random arguments
# ---------------------------------------------------------------------------
sub lit
{
    my ($s) = @_;
    return 'NULL' unless defined $s;
    $s =~ s/'/''/g;
    return "'$s'";
}

my @valid_names = ('fz_a', 'fz_b', 'Fz_Mixed', 'fz.dotted-1', 'fz un-logged', '9lives');
my @case_variants = ('FZ_A', 'fz_mixed', 'FZ.DOTTED-1', 'Fz Un-Logged');
my @churn_names = ('fz_tmp1', 'fz_tmp2', 'Fz_Tmp2', 'fz tmp 3');
my @missing_names = ('nosuch', 'fz_never', ' fz_a', 'fz_a ');
my @bad_names = (
    '', 'a;b', "it's", 'a--b', '$x', "q\xc3\xbceue", "q\xf0\x9f\x93\xa8",
    'x' x 48, "tab\tname", 'f(x)', 'fz_a;DROP TABLE pgmq.meta', 'x" CASCADE --');

sub queue_name
{
    my ($r) = @_;
    return $r->weighted(
        [ 50, lit($r->pick(@valid_names)) ],
        [ 8, lit($r->pick(@case_variants)) ],
        [ 15, lit($r->pick(@churn_names)) ],
        [ 5, lit($r->pick(@missing_names)) ],
        [ 8, lit($r->pick(@bad_names)) ],
        [ 1, "repeat('y', 5000)" ],
        [ 2, 'NULL' ]);
}

my @patterns = ('fz.#', 'fz.*', '#', '*.*', 'fz.a', 'fz.*.c', '*', 'fz.#.x',
    'FZ.A', 'a-b_c.d', '', 'fz..a', '**', '*#', 'fz.', "fz.\xc3\xbc", 'x' x 300);
my @keys = ('fz.a', 'fz.a.b', 'fz.b', 'other', 'fz', 'FZ.A', 'a-b_c.d', '',
    '.fz', 'fz.*', 'fz a', 'k' x 255, 'k' x 256);

sub int_arg
{
    my ($r, $name) = @_;
    my @common = ([ 2, 'NULL' ], [ 2, '-1' ], [ 1, $INT_MIN ], [ 1, $INT_MAX ]);
    return $r->weighted([ 30, '1' ], [ 20, $r->int(12) ], [ 5, '0' ], @common)
      if $name eq 'qty';
    return $r->weighted([ 30, '0' ], [ 15, $r->int(4) ], [ 5, '30' ], [ 5, '3600' ], @common)
      if $name eq 'vt' || $name eq 'delay';
    return $r->weighted([ 40, '0' ], [ 20, '1' ], [ 4, '2' ], @common)
      if $name eq 'max_poll_seconds' || $name eq 'max_wait_seconds';
    return $r->weighted([ 30, '10' ], [ 10, '100' ], [ 3, '0' ], @common)
      if $name eq 'poll_interval_ms';
    return $r->weighted([ 20, $r->int(100) ], [ 5, '0' ], @common);
}

sub bigint_arg
{
    my ($r) = @_;
    return $r->weighted([ 40, 1 + $r->int(40) ], [ 2, '0' ], [ 2, '-1' ],
        [ 2, 'NULL' ], [ 1, $BIG_MAX ], [ 1, $BIG_MIN ]);
}

sub id_array
{
    my ($r) = @_;
    return $r->weighted(
        [ 30, 'ARRAY[' . join(', ', map { 1 + $r->int(40) } 0 .. $r->int(5)) . ']::bigint[]' ],
        [ 6, 'ARRAY[' . join(', ', map { $r->chance(0.4) ? 'NULL' : 1 + $r->int(40) } 0 .. $r->int(4)) . ']::bigint[]' ],
        [ 3, q{'{}'::bigint[]} ],
        [ 3, 'NULL::bigint[]' ],
        [ 2, 'ARRAY[[1, 2], [3, 4]]::bigint[]' ],
        [ 1, "ARRAY[$BIG_MIN, $BIG_MAX]::bigint[]" ],
        [ 1, 'ARRAY(SELECT generate_series(1, 300))::bigint[]' ]);
}

# a random JSON text
sub json_text
{
    my ($r, $depth) = @_;
    my $k = $r->int($depth > 2 ? 5 : 7);
    return $r->int(1000) - 500 if $k == 0;
    return $r->pick('"s"', '"it\'s"', "\"q\xc3\xbc\"", '"\\u0001x"', '""', '"a\\"b"')
      if $k == 1;
    return $r->pick('null', 'true', 'false', '1e308', '-0') if $k == 2;
    return '[' . join(',', map { json_text($r, $depth + 1) } 0 .. $r->int(3)) . ']' if $k == 3 || $k == 5;
    return '{' . join(',', map { "\"k$_\":" . json_text($r, $depth + 1) } 0 .. $r->int(3)) . '}';
}

sub jsonb_arg
{
    my ($r, $name) = @_;
    if ($name eq 'headers')
    {
        return $r->weighted(
            [ 20, lit('{"x-pgmq-group": ' . $r->pick('"g1"', '"g2"', '"g3"', '5', 'null', '""', '{"a": 1}') . '}') . '::jsonb' ],
            [ 5, 'NULL::jsonb' ],
            [ 5, lit(json_text($r, 0)) . '::jsonb' ]);
    }
    if ($name eq 'conditional')
    {
        return $r->weighted([ 20, q{'{}'::jsonb} ], [ 10, lit('{"n": ' . $r->int(4) . '}') . '::jsonb' ],
            [ 3, 'NULL::jsonb' ], [ 3, lit(json_text($r, 0)) . '::jsonb' ]);
    }
    return $r->weighted(
        [ 30, lit('{"n": ' . $r->int(4) . '}') . '::jsonb' ],
        [ 20, lit(json_text($r, 0)) . '::jsonb' ],
        [ 3, 'NULL::jsonb' ],
        [ 2, q{'null'::jsonb} ],
        [ 1, q{(repeat('[', 300) || repeat(']', 300))::jsonb} ],
        [ 1, q{jsonb_build_object('big', repeat('b', 200000))} ]);
}

sub jsonb_array_arg
{
    my ($r, $name, $n) = @_;
    $n //= 1 + $r->int(4);
    return $r->weighted(
        [ 30, 'ARRAY[' . join(', ', map { jsonb_arg($r, $name) =~ s/^NULL::jsonb$/'{}'::jsonb/r } 1 .. $n) . ']::jsonb[]' ],
        [ 4, 'ARRAY[' . join(', ', map { $r->chance(0.3) ? 'NULL' : jsonb_arg($r, $name) } 1 .. $n) . ']::jsonb[]' ],
        [ 2, q{'{}'::jsonb[]} ],
        [ 2, 'NULL::jsonb[]' ],
        [ 1, q{ARRAY[['{}'::jsonb], ['{}'::jsonb]]} ],
        [ 1, q{array_fill('{"m": 1}'::jsonb, ARRAY[500])} ]);
}

sub tstz_arg
{
    my ($r) = @_;
    return $r->weighted(
        [ 20, 'now()' ],
        [ 10, "clock_timestamp() + interval '" . $r->int(3) . " s'" ],
        [ 5, "now() - interval '1 hour'" ],
        [ 5, "now() + interval '1 hour'" ],
        [ 2, q{'infinity'::timestamptz} ],
        [ 2, q{'-infinity'::timestamptz} ],
        [ 2, 'NULL::timestamptz' ]);
}

sub arg_value
{
    my ($r, $name, $type, $batch_len) = @_;
    if ($type eq 'text')
    {
        return lit($r->pick(@patterns)) if $name eq 'pattern' && $r->chance(0.95);
        return lit($r->pick(@keys)) if $name eq 'routing_key' && $r->chance(0.95);
        return lit($r->pick('q', 'a', 'Q', '', "x'y")) if $name eq 'prefix' && $r->chance(0.9);
        # grant_queue, revoke_queue
        return $r->pick(lit('fz_role'), lit('fz_role'), lit('nosuch_role'), lit(''), 'NULL')
          if $name eq 'role_name' && $r->chance(0.95);
        return $r->pick(map { lit($_) } 'producer', 'consumer', 'all', 'ALL', 'bogus', '')
          if $name eq 'access' && $r->chance(0.95);
        return queue_name($r);
    }
    return int_arg($r, $name) if $type eq 'integer';
    return bigint_arg($r) if $type eq 'bigint';
    return id_array($r) if $type eq 'bigint[]';
    return jsonb_arg($r, $name) if $type eq 'jsonb';
    return jsonb_array_arg($r, $name, $r->chance(0.85) ? $batch_len : undef) if $type eq 'jsonb[]';
    return tstz_arg($r) if $type eq 'timestamp with time zone';
    return $r->pick('true', 'false', 'NULL') if $type eq 'boolean';
    return 'NULL';
}

my %hot = map { $_ => 1 } qw(send send_batch read read_with_poll pop delete archive set_vt
  read_grouped read_grouped_rr read_grouped_head read_grouped_with_poll
  read_grouped_rr_with_poll read_grouped_head_with_poll send_topic send_batch_topic metrics);
my %lifecycle = map { $_ => 1 } qw(create create_queue create_non_partitioned create_unlogged
  drop_queue purge_queue bind_topic unbind_topic create_fifo_index
  enable_notify_insert disable_notify_insert update_notify_insert);

# One random call of one of the extension's functions.
sub random_call
{
    my ($r) = @_;
    my $f = $r->weighted(map { [ $hot{ $_->{name} } ? 8 : $lifecycle{ $_->{name} } ? 2 : 1, $_ ] } @functions);
    my @args = @{ $f->{args} };
    my $batch_len = 1 + $r->int(4);
    my $named = $r->chance(0.2);
    my $nargs = scalar @args;
    # sometimes leave out arguments that have defaults
    $nargs -= $r->int($f->{ndefaults} + 1) if $f->{ndefaults} > 0 && $r->chance(0.3);
    my @vals;
    for my $i (0 .. $nargs - 1)
    {
        my ($aname, $atype) = @{ $args[$i] };
        my $v = arg_value($r, $aname, $atype, $batch_len);
        $v = "($v)::$atype" unless $r->chance(0.1) && $v !~ /^NULL/;
        push @vals, $named ? "$aname => $v" : $v;
    }
    my $call = "pgmq.\"$f->{name}\"(" . join(', ', @vals) . ')';
    return "CALL $call" if $f->{kind} eq 'p';
    if ($f->{rows})
    {
        return $r->weighted(
            [ 6, "SELECT * FROM $call" ],
            [ 3, "SELECT count(*) FROM $call" ],
            [ 1, "SELECT $call LIMIT 1" ],
            [ 1, "SELECT * FROM $call, LATERAL (SELECT 1) x ORDER BY 1 DESC LIMIT 2" ]);
    }
    return "SELECT $call";
}

# Chaos: lifecycle changes the API does not make.
sub chaos
{
    my ($r) = @_;
    my $q = $r->pick(@churn_names, @valid_names);
    return $r->weighted(
        [ 10, 'SELECT pgmq.create(' . lit($q) . ')' ],
        [ 10, 'SELECT pgmq.drop_queue(' . lit($q) . ')' ],
        [ 4, 'DROP TABLE IF EXISTS pgmq.' . "\"a_\L$q\E\"" ],
        [ 3, 'SELECT pgmq.create_fifo_index(' . lit($q) . ')' ],
        [ 3, 'DROP INDEX IF EXISTS pgmq.' . "\"q_\L$q\E_fifo_idx\"" ],
        [ 2, 'ANALYZE pgmq.' . "\"q_\L$q\E\"" ],
        [ 2, 'VACUUM pgmq.' . "\"q_\L$q\E\"" ],
        [ 3, 'SELECT pgmq.bind_topic(' . lit($r->pick(@patterns[0 .. 9])) . ', ' . lit($q) . ')' ],
        [ 1, 'SELECT pgmq.create_fifo_indexes_all()' ],
        [ 1, 'DROP EXTENSION IF EXISTS pgmq CASCADE' ],
        [ 6, 'CREATE EXTENSION IF NOT EXISTS pgmq' ],
        [ 3, "SET pgmq.wakeup_recheck_ms = " . (10 + $r->int(2000)) ],
        [ 2, "LISTEN \"pgmq.q_\L$q\E.INSERT\"" ],
        [ 1, 'UNLISTEN *' ],
        [ 1, "DISCARD ALL;\nSET statement_timeout = '3s';\nSET lock_timeout = '2s'" ]);
}

# One step: the SQL to run, ending with ";\n" after each statement.
sub random_step
{
    my ($r, $sid, $stepno) = @_;
    my $kind = $r->weighted([ 55, 'single' ], [ 30, 'xact' ], [ 3, 'prepared' ], [ 8, 'chaos' ]);
    return random_call($r) . ";\n" if $kind eq 'single';
    return chaos($r) . ";\n" if $kind eq 'chaos';

    # with ON_ERROR_ROLLBACK psql runs each statement in a savepoint and
    # rolls back to it on error: the transaction goes on after a failure
    my $sql = '\\set ON_ERROR_ROLLBACK ' . $r->pick('on', 'off') . "\n";
    $sql .= 'BEGIN' . $r->weighted([ 6, '' ], [ 2, ' ISOLATION LEVEL REPEATABLE READ' ],
        [ 2, ' ISOLATION LEVEL SERIALIZABLE' ]) . ";\n";
    $sql .= "SET LOCAL statement_timeout = '" . (1 + $r->int(50)) . "ms';\n" if $r->chance(0.15);
    my $savepoint = 0;
    for (0 .. $r->int(4))
    {
        if (!$savepoint && $r->chance(0.2))
        {
            $sql .= "SAVEPOINT s;\n";
            $savepoint = 1;
        }
        $sql .= ($r->chance(0.05) ? chaos($r) : random_call($r)) . ";\n";
        if ($savepoint && $r->chance(0.3))
        {
            $sql .= $r->pick('ROLLBACK TO SAVEPOINT s', 'RELEASE SAVEPOINT s') . ";\n";
            $savepoint = 0;
        }
    }
    if ($kind eq 'prepared')
    {
        my $gid = "fz_${sid}_$stepno";
        $sql .= "PREPARE TRANSACTION '$gid';\n";
        $sql .= $r->pick('COMMIT', 'ROLLBACK') . " PREPARED '$gid';\n";
        return $sql;
    }
    return $sql . $r->weighted([ 3, 'COMMIT' ], [ 1, 'ROLLBACK' ]) . ";\n";
}

# ---------------------------------------------------------------------------
# Sessions: psql processes driven without blocking
# ---------------------------------------------------------------------------
my $logdir = $PostgreSQL::Test::Utils::log_path;
my %errors_by_code;
my @internal_errors;
my @unexpected_losses;
my @hangs;
my ($steps_done, $steps_lost, $terminations, $cancels) = (0, 0, 0, 0);

sub session_start
{
    my ($s) = @_;
    $s->{in} = "SET statement_timeout = '3s';\nSET lock_timeout = '2s';\n"
      . "SET pgmq.wakeup_recheck_ms = " . (50 + $s->{rng}->int(1000)) . ";\n";
    $s->{out} = '';
    $s->{err} = '';
    local %ENV = %ENV;
    $ENV{PGAPPNAME} = "fuzz_$s->{id}";
    $s->{h} = IPC::Run::start(
        [
            $node->installed_command('psql'), '-X', '-q', '-A', '-t',
            '-v', 'ON_ERROR_STOP=0', '-v', 'VERBOSITY=verbose', '-v', 'SHOW_CONTEXT=never',
            '-d', $node->connstr('postgres'), '-f', '-'
        ],
        '<', \$s->{in}, '>', \$s->{out}, '2>', \$s->{err});
    $s->{busy} = 0;
    $s->{terminated} = 0;
}

my @sessions;
for my $i (1 .. $nsessions)
{
    my $s = { id => $i, rng => FuzzRng->new($seed * 31 + $i), stepno => 0 };
    open($s->{log}, '>', "$logdir/090_fuzz_session_$i.sql") or die "cannot open log: $!";
    session_start($s);
    push @sessions, $s;
}
my $admin_rng = FuzzRng->new($seed * 31);

# The driver's own session, used synchronously.
my %admin = (in => '', out => '', err => '', n => 0);
$admin{h} = IPC::Run::start(
    [
        $node->installed_command('psql'), '-X', '-q', '-A', '-t',
        '-v', 'ON_ERROR_STOP=0', '-d', $node->connstr('postgres'), '-f', '-'
    ],
    '<', \$admin{in}, '>', \$admin{out}, '2>', \$admin{err},
    ($admin{t} = IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default)));
$admin{in} = "SET statement_timeout = '5s';\nSET lock_timeout = '1s';\nSET client_min_messages = error;\n";

sub admin_query
{
    my ($sql) = @_;
    my $marker = '__fuzz_admin_' . ++$admin{n} . '__';
    $admin{t}->start($PostgreSQL::Test::Utils::timeout_default);
    $admin{in} .= "$sql;\n\\echo $marker\n";
    $admin{h}->pump until $admin{out} =~ /\Q$marker\E\n/;
    my ($result) = $admin{out} =~ /^(.*?)\Q$marker\E\n/s;
    $admin{out} = '';
    $admin{err} = '';
    chomp $result;
    return $result;
}

# The errors of the step just finished, as comments in the session's log.
sub log_errors
{
    my ($s) = @_;
    for my $line (split /\n/, $s->{err})
    {
        print { $s->{log} } "-- $1\n"
          if $line =~ /((?:ERROR|FATAL|PANIC|WARNING):\s+.*|LOCATION:\s+.*)$/;
    }
}

# Set when a step found the extension dropped: the driver re-creates it.
my $extension_missing = 0;

# Look at what a finished (or lost) step printed on stderr (psql's
# VERBOSITY verbose: "ERROR:  <SQLSTATE>: <message>", then "LOCATION:").
sub collect_errors
{
    my ($s, $text) = @_;
    my $last;
    for my $line (split /\n/, $text)
    {
        if ($line =~ /^LOCATION:\s+(.*)$/ && $last)
        {
            $last->{location} = $1;
            next;
        }
        # (LINE and caret lines may come between an error and its LOCATION)
        next unless $line =~ /\b(ERROR|FATAL|PANIC):\s+([0-9A-Z]{5}):\s*(.*)$/;
        my ($level, $code, $msg) = ($1, $2, $3);
        $last = undef;
        $errors_by_code{$code}++;
        $extension_missing = 1
          if ($code eq '42883' && $msg =~ /^function pgmq\./) || $code eq '3F000';
        next unless $code =~ /^XX/ || $level eq 'PANIC';
        $last = {
            session => $s->{id},
            stepno => $s->{stepno},
            start => $s->{started},
            end => time,
            level => $level,
            code => $code,
            msg => $msg,
            location => '?',
            step => $s->{step},
        };
        push @internal_errors, $last;
    }
}

# Whether an error's LOCATION ("function, file.c:line") is in pgmq's own
# C code (the function is defined in src/<file> of the tree under test).
sub location_in_pgmq
{
    my ($loc) = @_;
    my ($func, $file) = $loc =~ /^(\w+), ([\w.]+):\d+/ or return 1;
    my $path = ($ENV{TESTDIR} // '.') . "/src/$file";
    return 0 unless -f $path;
    return slurp_file($path) =~ /^\Q$func\E\(/m ? 1 : 0;
}

# DROP EXTENSION pgmq drops the functions and types while other sessions
# use them, and PostgreSQL takes no lock that would stop it: a concurrent
# call can then fail in PostgreSQL's own code with "cache lookup failed
# for function/type" or "could not open relation with OID" (e.g. printing
# a pgmq.message_record whose type has just gone, or opening the type's
# relation).  CREATE EXTENSION pgmq runs GRANT ... ON ALL TABLES IN
# SCHEMA pgmq, which updates the queue tables' catalog rows without
# locking them, so it and a concurrent DROP TABLE of a queue table
# (drop_queue, or by hand) can fail with "tuple concurrently updated" /
# "deleted" or "cache lookup failed for relation".  These are
# known core races, not pgmq bugs, when raised outside pgmq's own code
# while a step running DROP or CREATE EXTENSION was in flight; they are
# counted and shown, not failed.
my @extension_ddl_steps;

sub ddl_race
{
    my ($e) = @_;
    return 0 unless $e->{code} eq 'XX000' && $e->{level} eq 'ERROR';
    return 0
      unless $e->{msg} =~ /^(cache lookup failed for (function|type|relation) \d+|could not open relation with OID \d+|tuple concurrently (updated|deleted))$/;
    return 0 if location_in_pgmq($e->{location});
    return scalar grep { $_->{start} <= $e->{end} && ($_->{end} // 9e9) >= $e->{start} } @extension_ddl_steps;
}

sub issue_step
{
    my ($s) = @_;
    $s->{stepno}++;
    $s->{step} = random_step($s->{rng}, $s->{id}, $s->{stepno});
    $s->{marker} = "__fuzz_done_$s->{id}_$s->{stepno}__";
    print { $s->{log} } "-- step $s->{stepno}\n$s->{step}";
    $s->{in} .= $s->{step} . "\\echo $s->{marker}\n\\warn $s->{marker}\n";
    $s->{busy} = 1;
    $s->{started} = time;
    if ($s->{step} =~ /(DROP|CREATE) EXTENSION/)
    {
        $s->{extension_ddl} = { start => $s->{started} };
        push @extension_ddl_steps, $s->{extension_ddl};
    }
}

# The step in flight is over (done, or its connection lost).
sub step_over
{
    my ($s) = @_;
    $s->{extension_ddl}{end} = time if $s->{extension_ddl};
    $s->{extension_ddl} = undef;
    $s->{busy} = 0;
}

# Roll back prepared transactions the steps left behind.
my $orphans_rolled_back = 0;

sub rollback_orphans
{
    my ($cond) = @_;
    my $gids = admin_query("SELECT string_agg(gid, ' ') FROM pg_prepared_xacts WHERE $cond");
    my $n = 0;
    for my $gid (split / /, $gids)
    {
        admin_query("ROLLBACK PREPARED '$gid'");
        $n++;
    }
    return $n;
}

my $t0 = time;
my $deadline = $t0 + $seconds;
my $last_admin = $t0;
my $hang_limit = 45;

while (1)
{
    my $now = time;
    my $issuing = $now < $deadline;
    my $progress = 0;

    for my $s (@sessions)
    {
        eval { $s->{h}->pump_nb; };
        if ($s->{busy}
            && index($s->{out}, $s->{marker}) >= 0
            && index($s->{err}, $s->{marker}) >= 0)
        {
            collect_errors($s, $s->{err});
            log_errors($s);
            $s->{out} = '';
            $s->{err} = '';
            step_over($s);
            $steps_done++;
            $progress = 1;
        }
        elsif (!$s->{h}->pumpable)
        {
            # psql is gone: the connection was lost
            eval { $s->{h}->finish; };
            collect_errors($s, $s->{err});
            log_errors($s);
            my $was_busy = $s->{busy};
            step_over($s) if $was_busy;
            if ($s->{terminated})
            {
                $steps_lost++ if $was_busy;
            }
            else
            {
                push @unexpected_losses,
                  "session $s->{id} step $s->{stepno}: psql exited: $s->{err}\n  in: " . ($s->{step} // '');
            }
            print { $s->{log} } "-- (connection lost; reconnecting)\n";
            session_start($s);
            $progress = 1;
        }
        elsif ($s->{busy} && $now - $s->{started} > $hang_limit)
        {
            push @hangs, "session $s->{id} step $s->{stepno} still running after $hang_limit s:\n  $s->{step}";
            $s->{h}->kill_kill;
            $s->{terminated} = 1;
        }
        if (!$s->{busy} && $issuing)
        {
            issue_step($s);
            $progress = 1;
        }
    }

    # the driver's own interference: cancel, and now and then terminate
    if ($issuing && $now - $last_admin > 0.25)
    {
        $last_admin = $now;
        if ($extension_missing)
        {
            # keep the time without the extension short
            my $ddl = { start => time };
            push @extension_ddl_steps, $ddl;
            admin_query('CREATE EXTENSION IF NOT EXISTS pgmq');
            $ddl->{end} = time;
            $extension_missing = 0;
        }
        my $what = $admin_rng->weighted([ 10, 'none' ], [ 4, 'cancel_waiting' ],
            [ 2, 'cancel_any' ], [ 1, 'terminate' ], [ 1, 'prepared' ]);
        if ($what eq 'cancel_waiting' || $what eq 'cancel_any')
        {
            my $cond = $what eq 'cancel_waiting' ? q{AND wait_event_type = 'Extension'} : q{AND state = 'active'};
            my $n = admin_query(
                qq{SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity
                    WHERE application_name LIKE 'fuzz\\_%' $cond});
            $cancels += $n if defined $n && $n =~ /^\d+$/;
        }
        elsif ($what eq 'prepared')
        {
            # a cancel between PREPARE TRANSACTION and COMMIT PREPARED
            # leaves a prepared transaction behind, holding its locks
            $orphans_rolled_back += rollback_orphans("prepared < now() - interval '1 s'");
        }
        elsif ($what eq 'terminate')
        {
            my $s = $sessions[ $admin_rng->int(scalar @sessions) ];
            my $n = admin_query(
                qq{SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                    WHERE application_name = 'fuzz_$s->{id}'});
            if (defined $n && $n =~ /^[1-9]/)
            {
                $s->{terminated} = 1;
                $terminations++;
                # an idle psql notices only when it sends the next step
            }
        }
    }

    last if !$issuing && !grep { $_->{busy} } @sessions;
    if (!$issuing && $now > $deadline + $hang_limit + 15)
    {
        push @hangs, 'sessions did not finish after the deadline';
        last;
    }
    usleep(2000) unless $progress;
}

for my $s (@sessions)
{
    $s->{in} .= "\\q\n";
    eval { $s->{h}->finish; };
    close($s->{log});
}
$orphans_rolled_back += rollback_orphans('true');
$admin{in} .= "\\q\n";
$admin{t}->start($PostgreSQL::Test::Utils::timeout_default);
$admin{h}->finish;

my $elapsed = time - $t0;
note(sprintf('%d steps in %.1f s (%d lost to terminations), %d backends terminated, %d cancel requests, '
          . '%d prepared transactions left by cancelled steps rolled back',
        $steps_done, $elapsed, $steps_lost, $terminations, $cancels, $orphans_rolled_back));
note('errors by SQLSTATE: '
      . join(', ', map { "$_ x$errors_by_code{$_}" } sort { $errors_by_code{$b} <=> $errors_by_code{$a} } keys %errors_by_code));

cmp_ok($steps_done, '>=', $seconds * 5, "fuzzing ran ($steps_done steps, seed $seed)");
my @races = grep { ddl_race($_) } @internal_errors;
my @internal = grep { !ddl_race($_) } @internal_errors;
note(scalar(@races) . ' internal errors raised by PostgreSQL itself while DROP/CREATE EXTENSION ran: '
      . join('; ', map { "$_->{msg} at $_->{location}" } @races))
  if @races;
is(scalar(@internal), 0, 'no internal errors (SQLSTATE class XX) or PANIC')
  or diag(join("\n",
        map { "session $_->{session} step $_->{stepno}: $_->{level} $_->{code}: $_->{msg}\n"
              . "  LOCATION: $_->{location}\n  in: $_->{step}" }
          @internal[ 0 .. ($#internal < 9 ? $#internal : 9) ]));
is(scalar(@unexpected_losses), 0, 'no connection lost except those the driver terminated')
  or diag(join("\n", @unexpected_losses[ 0 .. ($#unexpected_losses < 4 ? $#unexpected_losses : 4) ]));
is(scalar(@hangs), 0, 'no session hung') or diag(join("\n", @hangs));

# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'),
    $start_time, 'the postmaster never restarted');
my $log = slurp_file($node->logfile);
my @bad_log = grep { /terminated by signal|was terminated by exception|TRAP:|PANIC:/ } split /\n/, $log;
is(scalar(@bad_log), 0, 'no crash, failed assertion or PANIC in the server log')
  or diag(join("\n", @bad_log[ 0 .. ($#bad_log < 9 ? $#bad_log : 9) ]));

# ---------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', q{
    CREATE EXTENSION IF NOT EXISTS pgmq;
    SELECT count(*) FROM (SELECT pg_catalog.pg_cancel_backend(pid) FROM pg_stat_activity
                           WHERE application_name LIKE 'fuzz\_%') c;
});

# every queue table, registered or not
my $violations = $node->safe_psql(
    'postgres', q{
    CREATE FUNCTION pg_temp.queue_violations() RETURNS SETOF text LANGUAGE plpgsql AS $$
    DECLARE
        t record;
        seq regclass;
        n bigint;
        ok boolean;
    BEGIN
        FOR t IN SELECT c.relname, substr(c.relname, 3) AS qname,
                        to_regclass(format('pgmq.%I', 'a_' || substr(c.relname, 3))) AS arch
                   FROM pg_class c
                  WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relkind = 'r'
                    AND c.relname LIKE 'q\_%'
                  ORDER BY 1
        LOOP
            IF t.arch IS NOT NULL THEN
                EXECUTE format('SELECT count(*) FROM pgmq.%I q JOIN %s a USING (msg_id)', t.relname, t.arch)
                   INTO n;
                IF n > 0 THEN
                    RETURN NEXT t.relname || ': ' || n || ' msg_ids both queued and archived';
                END IF;
            END IF;
            seq := pg_get_serial_sequence(format('pgmq.%I', t.relname), 'msg_id');
            IF seq IS NULL THEN
                RETURN NEXT t.relname || ': no msg_id sequence';
                CONTINUE;
            END IF;
            EXECUTE format('SELECT count(*) FROM pgmq.%I WHERE msg_id > (SELECT last_value FROM %s)',
                           t.relname, seq) INTO n;
            IF n > 0 THEN
                RETURN NEXT t.relname || ': ' || n || ' msg_ids beyond the sequence';
            END IF;
            IF t.arch IS NOT NULL THEN
                EXECUTE format('SELECT count(*) FROM %s WHERE msg_id > (SELECT last_value FROM %s)',
                               t.arch, seq) INTO n;
                IF n > 0 THEN
                    RETURN NEXT t.relname || ': ' || n || ' archived msg_ids beyond the sequence';
                END IF;
            END IF;
            EXECUTE format('SELECT m.queue_length = (SELECT count(*) FROM pgmq.%I)
                               AND m.queue_visible_length = (SELECT count(*) FROM pgmq.%I WHERE vt <= now())
                              FROM pgmq.metrics(%L) m', t.relname, t.relname, t.qname) INTO ok;
            IF NOT ok THEN
                RETURN NEXT t.relname || ': metrics disagree with the table';
            END IF;
            EXECUTE format('SELECT count(*) FROM pgmq.%I WHERE read_ct < 0 OR vt IS NULL', t.relname) INTO n;
            IF n > 0 THEN
                RETURN NEXT t.relname || ': ' || n || ' rows with negative read_ct or NULL vt';
            END IF;
        END LOOP;
    END
    $$;
    SELECT * FROM pg_temp.queue_violations();
    -- registrations differing only in case
    SELECT 'case twins: ' || string_agg(queue_name, ', ') FROM pgmq.meta
     GROUP BY lower(queue_name) HAVING count(*) > 1;
    -- registrations without their table
    SELECT 'registered without table: ' || queue_name FROM pgmq.meta
     WHERE to_regclass(format('pgmq.%I', 'q_' || lower(queue_name))) IS NULL;
    -- listings agree with pgmq.meta
    SELECT 'list_queues disagrees with pgmq.meta'
     WHERE (SELECT count(*) FROM pgmq.list_queues()) <> (SELECT count(*) FROM pgmq.meta);
    SELECT 'metrics_all disagrees with pgmq.meta'
     WHERE (SELECT count(*) FROM pgmq.metrics_all()) <> (SELECT count(*) FROM pgmq.meta);
    SELECT 'binding of an unregistered queue: ' || queue_name FROM pgmq.topic_bindings
     WHERE queue_name NOT IN (SELECT queue_name FROM pgmq.meta);
});
is($violations, '', 'queue tables, registrations and metrics are consistent');

my ($rc, $out, $err) = $node->psql('postgres', 'CREATE EXTENSION amcheck');
SKIP:
{
    skip 'amcheck is not available', 1 if $rc != 0;
    my $bad_indexes = $node->safe_psql(
        'postgres', q{
        CREATE FUNCTION pg_temp.check_indexes() RETURNS SETOF text LANGUAGE plpgsql AS $$
        DECLARE
            i regclass;
        BEGIN
            FOR i IN SELECT c.oid FROM pg_class c JOIN pg_am a ON a.oid = c.relam
                      WHERE c.relnamespace = 'pgmq'::regnamespace AND c.relkind = 'i'
                        AND a.amname = 'btree' ORDER BY c.relname
            LOOP
                BEGIN
                    PERFORM bt_index_check(i, true);
                EXCEPTION WHEN OTHERS THEN
                    RETURN NEXT i::text || ': ' || SQLERRM;
                END;
            END LOOP;
        END
        $$;
        SELECT * FROM pg_temp.check_indexes();
    });
    is($bad_indexes, '', 'every btree index of schema pgmq passes bt_index_check');
}

# and a queue still works end to end
is( $node->safe_psql(
        'postgres', q{
        SELECT pgmq.create('fz_final');
        SELECT * FROM pgmq.send('fz_final', '{"last": true}');
        SELECT msg_id, message FROM pgmq.read_with_poll('fz_final', 30, 1, 0);
        SELECT pgmq.archive('fz_final', 1::bigint);
        SELECT queue_length FROM pgmq.metrics('fz_final');
        SELECT pgmq.drop_queue('fz_final');
    }),
    qq{\n1\n1|{"last": true}\nt\n0\nt},
    'a queue still works after the fuzzing');

$node->stop;
done_testing();
