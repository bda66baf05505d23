/*-------------------------------------------------------------------------
 *
 * wait.c
 *	  Instant wake-up of readers waiting for messages.
 *
 * With pgmq in shared_preload_libraries, shared memory holds an array of
 * ConditionVariable "wake slots"; a queue maps to a slot by hashing its
 * database and table OIDs (collisions only cause harmless extra wake-ups).
 *
 * Senders (send, send_batch) set the slot's bit in a backend-local bitmap;
 * at commit the transaction callback broadcasts every marked slot -- after
 * the commit is visible to new snapshots, and only if it committed, so a
 * rolled-back send wakes nobody.  Every other change (read, pop, delete,
 * archive, set_vt) marks the slot for both outcomes: at abort the rows it
 * held are free again; at commit a vt has moved (a waiter must re-learn
 * the earliest vt, or may take a message set_vt made visible) or a FIFO
 * group's in-flight head is gone, so its next message may be taken.
 *
 * A waiter (read_with_poll, wait_for_messages) prepares to sleep on its
 * slot *before* checking the queue, so a broadcast landing between check
 * and sleep is not lost, and sleeps until woken, until the earliest future
 * vt in the queue (a delayed message or an expiring lease becomes visible
 * without any send), or at most pgmq.wakeup_recheck_ms (rows inserted by
 * plain SQL, COMMIT PREPARED), whichever comes first.
 *
 * Without preload there is no shared state and waiting falls back to
 * timed polling every poll_interval_ms, as PGMQ does.
 *
 * The commit callback runs after the commit record is written, with
 * interrupts held: it only does ConditionVariableBroadcast (a spinlock and
 * SetLatch), never allocates and never errors.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/wait.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/condition_variable.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"

#include "compat.h"
#include "pgmq.h"

#define PGMQ_MAX_WAKE_SLOTS 65536

/* wait_for_messages' polling interval when not preloaded (PGMQ's default) */
#define PGMQ_WAIT_POLL_MS 100

typedef struct PgmqWakeState
{
	int			nslots;
	ConditionVariable slots[FLEXIBLE_ARRAY_MEMBER];
} PgmqWakeState;

/* GUCs */
static int	pgmq_wakeup_slots = 1024;
int			pgmq_wakeup_recheck_ms = 10000;

static PgmqWakeState *wake_state = NULL;

/* backend-local: slots to broadcast at commit, and at abort */
static uint64 *wake_on_commit = NULL;
static uint64 *wake_on_abort = NULL;
static bool wake_pending = false;

#ifdef PGMQ_HAVE_SHMEM_REQUEST_HOOK
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static Size
wake_state_size(void)
{
	return add_size(offsetof(PgmqWakeState, slots),
					mul_size(sizeof(ConditionVariable), pgmq_wakeup_slots));
}

static void
pgmq_shmem_request(void)
{
#ifdef PGMQ_HAVE_SHMEM_REQUEST_HOOK
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
#endif
	RequestAddinShmemSpace(wake_state_size());
}

static void
pgmq_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	wake_state = ShmemInitStruct("pgmq wake slots", wake_state_size(), &found);
	if (!found)
	{
		int			i;

		wake_state->nslots = pgmq_wakeup_slots;
		for (i = 0; i < pgmq_wakeup_slots; i++)
			ConditionVariableInit(&wake_state->slots[i]);
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * Broadcast the slots marked for this outcome; forget all marks.
 */
static void
pgmq_xact_callback(XactEvent event, void *arg)
{
	uint64	   *marks = NULL;
	int			nwords;
	int			w;

	if (!wake_pending)
		return;

	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			marks = wake_on_commit;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			marks = wake_on_abort;
			break;
		case XACT_EVENT_PREPARE:
			break;
		default:
			return;				/* pre-commit events: not yet */
	}

	nwords = (wake_state->nslots + 63) / 64;
	if (marks != NULL)
	{
		for (w = 0; w < nwords; w++)
		{
			uint64		bits = marks[w];

			while (bits != 0)
			{
				int			b = pg_rightmost_one_pos64(bits);

				ConditionVariableBroadcast(&wake_state->slots[w * 64 + b]);
				bits &= bits - 1;
			}
		}
	}
	memset(wake_on_commit, 0, nwords * sizeof(uint64));
	memset(wake_on_abort, 0, nwords * sizeof(uint64));
	wake_pending = false;
}

/*
 * Module initialisation for the wake-up machinery: GUCs always; shared
 * memory only when loaded through shared_preload_libraries.
 */
void
pgmq_wait_init(void)
{
	/* a PGC_POSTMASTER variable can only be defined while preloading */
	if (process_shared_preload_libraries_in_progress)
		DefineCustomIntVariable("pgmq.wakeup_slots",
								"Number of shared wake-up slots for waiting readers.",
								"Queues share slots by hash; more slots mean fewer spurious wake-ups.",
								&pgmq_wakeup_slots,
								1024, 16, PGMQ_MAX_WAKE_SLOTS,
								PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pgmq.wakeup_recheck_ms",
							"Longest a woken-up waiter sleeps before re-checking its queue.",
							"Covers messages inserted without pgmq.send (plain INSERT, COMMIT PREPARED), which wake nobody.",
							&pgmq_wakeup_recheck_ms,
							10000, 10, 3600 * 1000,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
	MarkGUCPrefixReserved("pgmq");

	if (!process_shared_preload_libraries_in_progress)
		return;

#ifdef PGMQ_HAVE_SHMEM_REQUEST_HOOK
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = pgmq_shmem_request;
#else
	pgmq_shmem_request();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = pgmq_shmem_startup;
}

/*
 * Whether waiting can use wake-ups in this backend.  Sets up the
 * backend-local bitmaps and the transaction callback on first use.
 */
static bool
wake_available(void)
{
	static bool registered = false;

	if (wake_state == NULL)
		return false;
	if (!registered)
	{
		int			nwords = (wake_state->nslots + 63) / 64;

		wake_on_commit = MemoryContextAllocZero(TopMemoryContext, nwords * sizeof(uint64));
		wake_on_abort = MemoryContextAllocZero(TopMemoryContext, nwords * sizeof(uint64));
		RegisterXactCallback(pgmq_xact_callback, NULL);
		registered = true;
	}
	return true;
}

static int
wake_slot(Oid relid)
{
	uint32		h = hash_combine(hash_uint32((uint32) MyDatabaseId),
								 hash_uint32((uint32) relid));

	return (int) (h % (uint32) wake_state->nslots);
}

static void
mark(uint64 *marks, Oid relid)
{
	int			slot = wake_slot(relid);

	marks[slot / 64] |= UINT64CONST(1) << (slot % 64);
	wake_pending = true;
}

/*
 * This transaction made messages of the queue visible: wake its waiters
 * when (and if) it commits.
 */
void
pgmq_wake_on_commit(Oid queue_relid)
{
	if (wake_available())
		mark(wake_on_commit, queue_relid);
}

/*
 * This transaction changed messages of the queue (read, pop, delete,
 * archive, set_vt): wake the waiters at commit, when a vt has moved or a
 * group's head is gone, and at abort, when the rows are free again.
 */
void
pgmq_wake_on_change(Oid queue_relid)
{
	if (wake_available())
	{
		mark(wake_on_commit, queue_relid);
		mark(wake_on_abort, queue_relid);
	}
}

/* "shmem" when wake-ups work in this backend, else "poll" */
PG_FUNCTION_INFO_V1(pgmq_wakeup_mode);
Datum
pgmq_wakeup_mode(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(wake_available() ? "shmem" : "poll"));
}

/*
 * Begin waiting on a queue: returns the wait handle (the slot's CV, or
 * NULL when falling back to polling).  Call before the first check.
 */
ConditionVariable *
pgmq_wait_begin(Oid queue_relid)
{
	ConditionVariable *cv;

	if (!wake_available())
		return NULL;
	cv = &wake_state->slots[wake_slot(queue_relid)];
	ConditionVariablePrepareToSleep(cv);
	return cv;
}

/*
 * Sleep until woken, until next_visible (if not 0), until the recheck
 * interval, or until deadline, whichever is first.  Without wake-ups,
 * sleep poll_interval_ms (or until the deadline).  Interrupts (cancel,
 * statement_timeout, termination) are serviced.
 */
void
pgmq_wait_sleep(ConditionVariable *cv, TimestampTz deadline,
				TimestampTz next_visible, int poll_interval_ms)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz until = deadline;
	long		ms;

	if (cv == NULL)
	{
		until = Min(until, TimestampTzPlusMilliseconds(now, poll_interval_ms));
		ms = Max((long) ((until - now + 999) / 1000), 1);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		return;
	}

	until = Min(until, TimestampTzPlusMilliseconds(now, pgmq_wakeup_recheck_ms));
	if (next_visible != 0 && next_visible < until)
		until = next_visible;
	ms = Max((long) ((until - now + 999) / 1000), 1);
	(void) ConditionVariableTimedSleep(cv, ms, PG_WAIT_EXTENSION);
	CHECK_FOR_INTERRUPTS();
}

void
pgmq_wait_end(ConditionVariable *cv)
{
	if (cv != NULL)
		ConditionVariableCancelSleep();
}

/*
 * The earliest vt at or after now, or 0 if none.  Inside an SPI connection.
 */
TimestampTz
pgmq_next_visible(PgmqQueue *queue, TimestampTz now)
{
	ParamListInfo params = makeParamList(1);
	bool		isnull;
	Datum		d;

	pgmq_param(params, 0, TIMESTAMPTZOID, TimestampTzGetDatum(now), false);
	d = (Datum) 0;
	isnull = true;
	if (pgmq_run(pgmq_queue_plan(queue, PGMQ_PLAN_NEXT_VT), params, 1) == 1)
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	/* a wait loop calls this many times in one SPI connection: free it */
	SPI_freetuptable(SPI_tuptable);
	return isnull ? 0 : DatumGetTimestampTz(d);
}

/*
 * PROCEDURE wait_for_messages(queue_name text, max_wait_seconds integer
 *							   DEFAULT 5, INOUT ready boolean DEFAULT NULL)
 *
 * Wait until the queue has a visible message (ready = true) or
 * max_wait_seconds pass (ready = false), holding no snapshot while it
 * waits: it commits the CALL's transaction first, and again after each
 * check, so the waiting backend does not hold back VACUUM.  Then read
 * with pgmq.read as usual.  Must be CALLed outside an explicit transaction
 * block.  Without preload it polls every PGMQ_WAIT_POLL_MS.
 */
PG_FUNCTION_INFO_V1(pgmq_wait_for_messages);
Datum
pgmq_wait_for_messages(PG_FUNCTION_ARGS)
{
	PgmqName	name;
	PgmqQueue  *queue;
	int32		max_wait;
	TimestampTz deadline;
	ConditionVariable *cv;
	bool		ready = false;
	TupleDesc	tupdesc;
	Datum		values[1];
	bool		nulls[1] = {false};
	MemoryContext loopcxt;
	MemoryContext oldcxt;

	pgmq_name_from_arg(fcinfo, 0, &name);
	max_wait = pgmq_arg_nonneg_int(fcinfo, 1, "max_wait_seconds");
	if (fcinfo->context == NULL || !IsA(fcinfo->context, CallContext) ||
		((CallContext *) fcinfo->context)->atomic)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("wait_for_messages must be called with CALL outside an explicit transaction block"),
				 errhint("Use read_with_poll inside a transaction.")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pgmq: wait_for_messages must return a record");
	tupdesc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
	(void) pgmq_queue_open(&name, false, false);

	/* give up the CALL's transaction and its snapshot */
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "pgmq: SPI_connect_ext failed");
	SPI_commit();

	deadline = pgmq_after_seconds(GetCurrentTimestamp(), max_wait);
	queue = pgmq_queue_open(&name, false, false);
	cv = pgmq_wait_begin(pgmq_queue_relid(queue));
	/* SPI's procedure context survives the commits below; transactions' don't */
	loopcxt = AllocSetContextCreate(CurrentMemoryContext, "pgmq wait_for_messages",
									ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(loopcxt);
	for (;;)
	{
		TimestampTz now = GetCurrentTimestamp();
		TimestampTz next;

		MemoryContextReset(loopcxt);
		queue = pgmq_queue_open(&name, false, false);
		next = pgmq_next_visible(queue, DT_NOBEGIN);	/* earliest vt of all */
		if (next != 0 && next <= now)
		{
			ready = true;
			break;
		}
		if (now >= deadline)
			break;
		/*
		 * Sleep holding no snapshot at all: the check above left SPI's portal
		 * snapshot in place, and only a commit releases it (a read-only
		 * transaction: no xid, no WAL).
		 */
		SPI_commit();
		InvalidateCatalogSnapshot();
		pgmq_wait_sleep(cv, deadline, next, PGMQ_WAIT_POLL_MS);
	}
	MemoryContextSwitchTo(oldcxt);
	pgmq_wait_end(cv);
	SPI_finish();

	values[0] = BoolGetDatum(ready);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
