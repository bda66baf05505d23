/*-------------------------------------------------------------------------
 *
 * notify.c
 *	  LISTEN/NOTIFY on insert, PGMQ 1.13 compatible: enable_notify_insert,
 *	  disable_notify_insert, update_notify_insert,
 *	  list_notify_insert_throttles and the trigger function
 *	  notify_queue_listeners.
 *
 * enable_notify_insert puts a constraint trigger
 * trigger_notify_queue_insert_listeners (AFTER INSERT, DEFERRABLE
 * INITIALLY IMMEDIATE, FOR EACH ROW) on pgmq.q_<name>, with the queue's
 * registered name as its argument (PGMQ 1.13.1), and a row in
 * pgmq.notify_insert_throttle.  The trigger NOTIFYs channel
 * "pgmq.q_<name>.INSERT" with an empty payload, at most once per
 * throttle_interval_ms per queue.
 *
 * PGMQ's trigger UPDATEs the queue's throttle row for every inserted row,
 * so concurrent producers queue up on that row lock until each commits.
 * Ours never waits for another transaction:
 *
 *	 - It first reads the throttle row without locking it.  A committed
 *	   last_notified_at within the interval means a notification was sent
 *	   recently: nothing to do.  Interval 0 means "notify every
 *	   transaction": NOTIFY without touching the row at all.
 *	 - Otherwise it tries to lock the row with SKIP LOCKED.  If it gets the
 *	   lock (and the interval has still passed) it records the time and
 *	   NOTIFYs.  If another transaction holds the row, that one may yet
 *	   roll back, so we NOTIFY ourselves instead of waiting: under
 *	   contention up to one extra notification per sending backend per
 *	   interval (see the next points), never a lost one, never a wait.
 *	 - A trigger without a throttle row notifies every transaction.  The
 *	   table is UNLOGGED (as in PGMQ), so crash recovery empties it while
 *	   the triggers stay; PGMQ's trigger then falls silent until someone
 *	   re-enables notifications, ours keeps notifying, unthrottled.
 *	 - Under REPEATABLE READ / SERIALIZABLE the row is never written
 *	   (a concurrent update would fail the send with a serialization
 *	   error); the decision is made on the transaction's snapshot.
 *	 - A per-transaction memo records the decision for each queue: once a
 *	   transaction has queued its NOTIFY (PostgreSQL folds duplicates
 *	   anyway), or knows the interval has not passed yet, further rows cost
 *	   a list lookup and no SQL.  The memo follows subtransactions: an
 *	   aborted subtransaction takes its NOTIFY with it, so its decisions
 *	   are forgotten too.
 *	 - A per-backend record of when this backend's own committed
 *	   transactions last notified each queue throttles even when the row
 *	   cannot be written (held by a long transaction, or REPEATABLE READ).
 *	   It is tied to the row version it saw, so a reset of the row
 *	   (enable/update_notify_insert) or another sender's recorded
 *	   notification overrides it.
 *
 * What a LISTENer can rely on: after a committed insert into a queue with
 * notify enabled, at least one notification arrives at or after that
 * commit, unless another one was sent within throttle_interval_ms before
 * the insert -- the same promise PGMQ's row-lock design makes.
 *
 * The trigger's SQL is three kept plans on the fixed table
 * pgmq.notify_insert_throttle, everything schema-qualified; the queue
 * name is always a parameter.  DDL in the admin functions is built per
 * call (not a hot path) from validated, quoted names.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/notify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/tstoreReceiver.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "pgmq.h"

#define NOTIFY_TRIGGER_NAME "trigger_notify_queue_insert_listeners"

/* "pgmq.q_" + name + ".INSERT" */
#define NOTIFY_CHANNEL_PREFIX "pgmq.q_"
#define NOTIFY_CHANNEL_SUFFIX ".INSERT"

/*
 * The trigger's statements.  $1 is the queue name as registered (the
 * trigger argument); queue_name is varchar, so "= $1" is text equality and
 * uses the unique index notify_insert_throttle_queue_name_key.
 */
#define THROTTLE_ROW \
	"SELECT t.throttle_interval_ms, t.last_notified_at, t.xmin " \
	"FROM pgmq.notify_insert_throttle t " \
	"WHERE t.queue_name OPERATOR(pg_catalog.=) $1"

typedef enum ThrottlePlan
{
	THROTTLE_READ,				/* the row, no lock */
	THROTTLE_LOCK,				/* the row, locked if free, else nothing */
	THROTTLE_TOUCH,				/* record a notification (row lock held) */
	THROTTLE_NUM_PLANS
} ThrottlePlan;

typedef struct ThrottlePlanDef
{
	const char *sql;
	int			nargs;
	Oid			argtypes[2];
} ThrottlePlanDef;

static const ThrottlePlanDef throttle_plan_defs[THROTTLE_NUM_PLANS] = {
	[THROTTLE_READ] = {THROTTLE_ROW, 1, {TEXTOID}},
	[THROTTLE_LOCK] = {THROTTLE_ROW " FOR NO KEY UPDATE OF t SKIP LOCKED", 1, {TEXTOID}},
	[THROTTLE_TOUCH] = {
		"UPDATE pgmq.notify_insert_throttle t SET last_notified_at = $2 "
		"WHERE t.queue_name OPERATOR(pg_catalog.=) $1",
		2, {TEXTOID, TIMESTAMPTZOID}
	},
};

static SPIPlanPtr throttle_plans[THROTTLE_NUM_PLANS];

/* A throttle row as the trigger reads it. */
typedef struct ThrottleRow
{
	int32		interval_ms;
	TimestampTz last_notified_at;
	TransactionId xmin;			/* identifies the row version */
} ThrottleRow;

/*
 * Per backend, per queue: when a transaction of this backend that queued
 * a NOTIFY for the queue last committed (the time it decided to notify,
 * which is no later than the notification was sent), and which version of
 * the throttle row it saw then.  The record only counts while the row is
 * still that version: any write to the row (enable/update resetting
 * last_notified_at, another sender recording its notification) makes the
 * row authoritative again.
 */
typedef struct NotifySent
{
	char		name[NAMEDATALEN];	/* hash key: queue name as registered */
	TimestampTz sent_at;
	TransactionId row_xmin;
} NotifySent;

static HTAB *notify_sent = NULL;

/*
 * Per transaction, per queue: what the trigger already decided.  Lives in
 * TopTransactionContext; reset at transaction end.
 */
typedef struct NotifyMemo
{
	char		name[NAMEDATALEN];
	char		channel[NAMEDATALEN];
	SubTransactionId subid;		/* (sub)transaction of the last decision */
	bool		notified;		/* NOTIFY queued in this transaction */
	TimestampTz decided_at;
	TransactionId row_xmin;		/* throttle row version seen when deciding */
	TimestampTz recheck_at;		/* if not notified: no need to look before */
	NotifySent *sent;			/* this backend's record, for the commit */
} NotifyMemo;

static List *memo = NIL;
static NotifyMemo *memo_last = NULL;
static bool callbacks_registered = false;

static void
memo_reset(void)
{
	memo = NIL;
	memo_last = NULL;
}

/*
 * At commit, remember which queues this backend notified; at any end of
 * the transaction, forget the memo (its memory goes with the transaction).
 * Runs after the commit record: no allocation, no error.
 */
static void
notify_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			foreach(lc, memo)
			{
				NotifyMemo *m = (NotifyMemo *) lfirst(lc);

				if (m->notified && m->sent != NULL)
				{
					m->sent->sent_at = m->decided_at;
					m->sent->row_xmin = m->row_xmin;
				}
			}
			memo_reset();
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			memo_reset();
			break;
		default:
			break;
	}
}

/*
 * A subtransaction that aborts discards the NOTIFYs and row updates it
 * made, so forget what it decided; one that commits hands its decisions
 * to its parent.
 */
static void
notify_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (memo == NIL)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		foreach(lc, memo)
		{
			NotifyMemo *m = (NotifyMemo *) lfirst(lc);

			if (m->subid == mySubid)
				memo = foreach_delete_current(memo, lc);
		}
		memo_last = NULL;
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		foreach(lc, memo)
		{
			NotifyMemo *m = (NotifyMemo *) lfirst(lc);

			if (m->subid == mySubid)
				m->subid = parentSubid;
		}
	}
}

static void
notify_register_callbacks(void)
{
	if (callbacks_registered)
		return;
	RegisterXactCallback(notify_xact_callback, NULL);
	RegisterSubXactCallback(notify_subxact_callback, NULL);
	callbacks_registered = true;
}

/*
 * This transaction's memo entry for a queue, or NULL.
 */
static NotifyMemo *
memo_find(const char *name)
{
	ListCell   *lc;

	if (memo_last != NULL && strcmp(memo_last->name, name) == 0)
		return memo_last;
	foreach(lc, memo)
	{
		NotifyMemo *m = (NotifyMemo *) lfirst(lc);

		if (strcmp(m->name, name) == 0)
		{
			memo_last = m;
			return m;
		}
	}
	return NULL;
}

/*
 * A new memo entry for a queue (name already length-checked), with this
 * backend's "last sent" record attached.
 */
static NotifyMemo *
memo_add(const char *name, const char *channel)
{
	MemoryContext oldcxt;
	NotifyMemo *m;
	bool		found;

	if (notify_sent == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = NAMEDATALEN;
		ctl.entrysize = sizeof(NotifySent);
		ctl.hcxt = TopMemoryContext;
		notify_sent = hash_create("pgmq notifications sent", 16, &ctl,
								  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}

	oldcxt = MemoryContextSwitchTo(TopTransactionContext);
	m = palloc0(sizeof(NotifyMemo));
	strlcpy(m->name, name, NAMEDATALEN);
	strlcpy(m->channel, channel, NAMEDATALEN);
	m->subid = GetCurrentSubTransactionId();
	m->recheck_at = DT_NOBEGIN;
	m->sent = hash_search(notify_sent, m->name, HASH_ENTER, &found);
	if (!found)
	{
		m->sent->sent_at = DT_NOBEGIN;
		m->sent->row_xmin = InvalidTransactionId;
	}
	memo = lappend(memo, m);
	MemoryContextSwitchTo(oldcxt);

	memo_last = m;
	return m;
}

/*
 * The kept plan of one of the trigger's statements.  Inside SPI.
 */
static SPIPlanPtr
throttle_plan(ThrottlePlan kind)
{
	SPIPlanPtr	plan;

	if (throttle_plans[kind] != NULL)
		return throttle_plans[kind];
	plan = pgmq_prepare_kept(throttle_plan_defs[kind].sql,
							 throttle_plan_defs[kind].nargs,
							 throttle_plan_defs[kind].argtypes);
	throttle_plans[kind] = plan;
	return plan;
}

/*
 * Run THROTTLE_READ or THROTTLE_LOCK; false if no row came back (no row,
 * or, for THROTTLE_LOCK, the row is held by another transaction).
 */
static bool
throttle_fetch(ThrottlePlan kind, const char *name, ThrottleRow *row)
{
	ParamListInfo params = makeParamList(1);
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;

	pgmq_param(params, 0, TEXTOID, CStringGetTextDatum(name), false);
	if (pgmq_run(throttle_plan(kind), params, 1) == 0)
		return false;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	row->interval_ms = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
	row->last_notified_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 2, &isnull));
	row->xmin = DatumGetTransactionId(SPI_getbinval(tup, desc, 3, &isnull));
	return true;
}

static void
throttle_touch(const char *name, TimestampTz now)
{
	ParamListInfo params = makeParamList(2);

	pgmq_param(params, 0, TEXTOID, CStringGetTextDatum(name), false);
	pgmq_param(params, 1, TIMESTAMPTZOID, TimestampTzGetDatum(now), false);
	(void) pgmq_run(throttle_plan(THROTTLE_TOUCH), params, 0);
}

/*
 * When the interval that started at "since" is over (saturating).
 */
static TimestampTz
interval_end(TimestampTz since, int32 interval_ms)
{
	int64		us = (int64) interval_ms * 1000;

	if (since >= DT_NOEND - us)
		return DT_NOEND;
	return since + us;
}

/*
 * First row of this transaction for the queue (or the recheck time has
 * come): decide whether to notify, as described at the top of the file.
 */
static void
notify_decide(NotifyMemo *m, TimestampTz now)
{
	ThrottleRow row;
	bool		notify = false;

	/* this (sub)transaction owns the decision: forgotten if it aborts */
	m->subid = GetCurrentSubTransactionId();
	m->decided_at = now;
	row.xmin = InvalidTransactionId;
	pgmq_spi_connect();

	if (!throttle_fetch(THROTTLE_READ, m->name, &row))
		notify = true;			/* no throttle row: see top of file */
	else if (row.interval_ms <= 0)
		notify = true;
	else if (now < interval_end(row.last_notified_at, row.interval_ms))
		m->recheck_at = interval_end(row.last_notified_at, row.interval_ms);
	else if (m->sent->row_xmin == row.xmin &&
			 now < interval_end(m->sent->sent_at, row.interval_ms))
		m->recheck_at = interval_end(m->sent->sent_at, row.interval_ms);
	else if (IsolationUsesXactSnapshot())
		notify = true;			/* never write the row (see top of file) */
	else
	{
		TransactionId seen = row.xmin;

		if (!throttle_fetch(THROTTLE_LOCK, m->name, &row))
		{
			notify = true;		/* another sender holds the row */
			row.xmin = seen;
		}
		else if (row.interval_ms <= 0 ||
				 now >= interval_end(row.last_notified_at, row.interval_ms))
		{
			throttle_touch(m->name, now);
			notify = true;
		}
		else
			m->recheck_at = interval_end(row.last_notified_at, row.interval_ms);
	}
	m->row_xmin = row.xmin;

	pgmq_spi_finish();

	if (notify)
	{
		Async_Notify(m->channel, NULL);
		m->notified = true;
	}
}

/*
 * notify_queue_listeners() -> trigger
 *
 * The queue name is the trigger's argument (PGMQ 1.13.1).  A trigger
 * without arguments (made by PGMQ 1.13.0) gets the name from the table,
 * q_<name>, as 1.13.0 did.
 */
PG_FUNCTION_INFO_V1(pgmq_notify_queue_listeners);
Datum
pgmq_notify_queue_listeners(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *name;
	NotifyMemo *m;
	TimestampTz now;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pgmq.notify_queue_listeners() was not called by the trigger manager")));
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pgmq.notify_queue_listeners() must be fired AFTER INSERT")));

	if (trigdata->tg_trigger->tgnargs > 0)
		name = trigdata->tg_trigger->tgargs[0];
	else
	{
		name = RelationGetRelationName(trigdata->tg_relation);
		if (strncmp(name, "q_", 2) == 0)
			name += 2;
	}

	notify_register_callbacks();
	now = GetCurrentTimestamp();
	m = memo_find(name);
	if (m == NULL)
	{
		char	   *channel = psprintf(NOTIFY_CHANNEL_PREFIX "%s" NOTIFY_CHANNEL_SUFFIX, name);

		if (strlen(channel) >= NAMEDATALEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("queue name \"%s\" is too long for a notification channel", name)));
		m = memo_add(name, channel);
		pfree(channel);
	}
	else if (m->notified || now < m->recheck_at)
		return PointerGetDatum(NULL);

	notify_decide(m, now);
	return PointerGetDatum(NULL);
}

/* ------------------------------------------------------------------------
 * Enabling, changing, disabling, listing
 * ------------------------------------------------------------------------
 */

/*
 * throttle_interval_ms: not NULL, not negative (PGMQ's messages).
 */
static int32
notify_interval_arg(FunctionCallInfo fcinfo, int argno, bool show_value)
{
	int32		v;

	pgmq_require_arg(fcinfo, argno, "throttle_interval_ms");
	v = PG_GETARG_INT32(argno);
	if (v < 0)
	{
		if (show_value)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("throttle_interval_ms must be non-negative, got: %d", v)));
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("throttle_interval_ms must be non-negative")));
	}
	return v;
}

/*
 * The spelling under which the queue is registered in pgmq.meta (names
 * are case-insensitive, so "MyQ" is found for "myq"); false if it is not
 * registered.  Inside SPI.
 */
static bool
notify_registered_name(const PgmqName *name, char *out)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		found = false;
	uint64		i;

	args[0] = CStringGetTextDatum(name->lower);
	if (SPI_execute_with_args("SELECT m.queue_name::pg_catalog.text FROM pgmq.meta m "
							  "WHERE pg_catalog.lower(m.queue_name::pg_catalog.text) OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "pgmq: could not read pgmq.meta");
	for (i = 0; i < SPI_processed; i++)
	{
		char	   *reg = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

		if (strcmp(reg, name->name) == 0)
		{
			strlcpy(out, reg, NAMEDATALEN);
			return true;
		}
		/* another spelling; a name we would not accept is no match */
		if (!found && pgmq_name_is_valid(reg, strlen(reg)))
		{
			strlcpy(out, reg, NAMEDATALEN);
			found = true;
		}
	}
	return found;
}

typedef enum NotifyTriggerState
{
	NOTIFY_TRIGGER_MISSING,
	NOTIFY_TRIGGER_OK,			/* exactly what enable_notify_insert makes */
	NOTIFY_TRIGGER_OTHER		/* same name, different definition */
} NotifyTriggerState;

/*
 * Is the queue's notify trigger there, and is it ours for this name
 * (constraint trigger, AFTER INSERT FOR EACH ROW, DEFERRABLE INITIALLY
 * IMMEDIATE, enabled, no WHEN, our function, argument = the name)?
 */
static NotifyTriggerState
notify_trigger_state(Oid relid, const char *registered)
{
	List	   *fname = list_make2(makeString(PGMQ_SCHEMA),
								   makeString("notify_queue_listeners"));
	Oid			funcid = LookupFuncName(fname, 0, NULL, false);
	Relation	tgrel;
	ScanKeyData skey[2];
	SysScanDesc scan;
	HeapTuple	tup;
	NotifyTriggerState state = NOTIFY_TRIGGER_MISSING;

	tgrel = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyInit(&skey[0], Anum_pg_trigger_tgrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&skey[1], Anum_pg_trigger_tgname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum(NOTIFY_TRIGGER_NAME));
	scan = systable_beginscan(tgrel, TriggerRelidNameIndexId, true, NULL, 2, skey);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		Form_pg_trigger t = (Form_pg_trigger) GETSTRUCT(tup);
		Size		arglen = strlen(registered) + 1;

		state = NOTIFY_TRIGGER_OTHER;
		if (t->tgfoid == funcid &&
			t->tgtype == (TRIGGER_TYPE_ROW | TRIGGER_TYPE_INSERT) &&
			OidIsValid(t->tgconstraint) &&
			t->tgdeferrable && !t->tginitdeferred &&
			t->tgenabled == TRIGGER_FIRES_ON_ORIGIN &&
			t->tgnargs == 1 &&
			heap_attisnull(tup, Anum_pg_trigger_tgqual, RelationGetDescr(tgrel)))
		{
			bool		isnull;
			Datum		d = heap_getattr(tup, Anum_pg_trigger_tgargs,
										 RelationGetDescr(tgrel), &isnull);

			if (!isnull)
			{
				bytea	   *args = DatumGetByteaPP(d);

				if (VARSIZE_ANY_EXHDR(args) == arglen &&
					memcmp(VARDATA_ANY(args), registered, arglen) == 0)
					state = NOTIFY_TRIGGER_OK;
			}
		}
	}
	systable_endscan(scan);
	table_close(tgrel, AccessShareLock);
	return state;
}

static void
notify_run_ddl(const char *sql)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "pgmq: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
}

static void
notify_drop_trigger(const PgmqName *name)
{
	notify_run_ddl(psprintf("DROP TRIGGER %s ON %s",
							NOTIFY_TRIGGER_NAME,
							quote_qualified_identifier(PGMQ_SCHEMA, name->qtable)));
}

/*
 * enable_notify_insert(queue_name text, throttle_interval_ms integer
 * DEFAULT 250) -> void
 *
 * Errors, in PGMQ's order: negative interval; queue missing.  Then the
 * throttle row is upserted (last_notified_at back to the epoch) and the
 * trigger made.  Unlike PGMQ, a trigger that is already exactly right is
 * left alone: re-enabling (to change the interval) does no DDL and takes
 * no lock on the queue table, and the first enable prints no NOTICE.
 */
PG_FUNCTION_INFO_V1(pgmq_enable_notify_insert);
Datum
pgmq_enable_notify_insert(PG_FUNCTION_ARGS)
{
	PgmqName	name;
	int32		interval_ms;
	Oid			qrelid;
	char		registered[NAMEDATALEN];
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		args[2];

	pgmq_name_from_arg(fcinfo, 0, &name);
	interval_ms = notify_interval_arg(fcinfo, 1, false);

	/* the name lock create and drop_queue take: no race with them */
	pgmq_lock_queue_name(name.lower);
	qrelid = get_relname_relid(name.qtable, pgmq_schema_oid());
	if (!OidIsValid(qrelid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("Queue \"%s\" does not exist. Create it first using pgmq.create()",
						name.name)));

	pgmq_spi_connect();
	if (!notify_registered_name(&name, registered))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("Queue \"%s\" does not exist. Create it first using pgmq.create()",
						name.name),
				 errdetail("Table \"%s.%s\" exists, but the queue is not registered in %s.meta.",
						   PGMQ_SCHEMA, name.qtable, PGMQ_SCHEMA),
				 errhint("pgmq.create('%s') registers it.", name.name)));

	args[0] = CStringGetTextDatum(registered);
	args[1] = Int32GetDatum(interval_ms);
	if (SPI_execute_with_args("INSERT INTO pgmq.notify_insert_throttle AS t "
							  "(queue_name, throttle_interval_ms) VALUES ($1, $2) "
							  "ON CONFLICT ON CONSTRAINT notify_insert_throttle_queue_name_key "
							  "DO UPDATE SET throttle_interval_ms = EXCLUDED.throttle_interval_ms, "
							  "last_notified_at = pg_catalog.to_timestamp(0)",
							  2, argtypes, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "pgmq: could not write pgmq.notify_insert_throttle");

	switch (notify_trigger_state(qrelid, registered))
	{
		case NOTIFY_TRIGGER_OK:
			break;
		case NOTIFY_TRIGGER_OTHER:
			notify_drop_trigger(&name);
			/* FALLTHROUGH */
		case NOTIFY_TRIGGER_MISSING:
			notify_run_ddl(psprintf("CREATE CONSTRAINT TRIGGER %s AFTER INSERT ON %s "
									"DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW "
									"EXECUTE FUNCTION %s.notify_queue_listeners(%s)",
									NOTIFY_TRIGGER_NAME,
									quote_qualified_identifier(PGMQ_SCHEMA, name.qtable),
									PGMQ_SCHEMA,
									quote_literal_cstr(registered)));
			break;
	}
	pgmq_spi_finish();

	memo_reset();
	PG_RETURN_VOID();
}

/*
 * disable_notify_insert(queue_name text) -> void
 *
 * Drops the trigger if there is one and deletes the throttle row.  Never
 * errors for a missing queue (PGMQ's NOTICE); quiet when notify was not
 * enabled (PGMQ prints a NOTICE about the missing trigger).
 */
PG_FUNCTION_INFO_V1(pgmq_disable_notify_insert);
Datum
pgmq_disable_notify_insert(PG_FUNCTION_ARGS)
{
	PgmqName	name;
	Oid			qrelid;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];

	pgmq_name_from_arg(fcinfo, 0, &name);
	/* the name lock create and drop_queue take: no race with them */
	pgmq_lock_queue_name(name.lower);
	qrelid = get_relname_relid(name.qtable, pgmq_schema_oid());

	pgmq_spi_connect();
	if (!OidIsValid(qrelid))
		ereport(NOTICE,
				(errmsg("relation \"%s.%s\" does not exist, skipping",
						PGMQ_SCHEMA, name.qtable)));
	else if (OidIsValid(get_trigger_oid(qrelid, NOTIFY_TRIGGER_NAME, true)))
		notify_drop_trigger(&name);

	args[0] = CStringGetTextDatum(name.lower);
	if (SPI_execute_with_args("DELETE FROM pgmq.notify_insert_throttle t "
							  "WHERE pg_catalog.lower(t.queue_name::pg_catalog.text) OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "pgmq: could not write pgmq.notify_insert_throttle");
	pgmq_spi_finish();

	memo_reset();
	PG_RETURN_VOID();
}

/*
 * update_notify_insert(queue_name text, throttle_interval_ms integer) -> void
 *
 * Errors, in PGMQ's order: negative interval; queue not registered;
 * notify not enabled.  Sets the interval and resets last_notified_at.
 */
PG_FUNCTION_INFO_V1(pgmq_update_notify_insert);
Datum
pgmq_update_notify_insert(PG_FUNCTION_ARGS)
{
	PgmqName	name;
	int32		interval_ms;
	char		registered[NAMEDATALEN];
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		args[2];

	pgmq_name_from_arg(fcinfo, 0, &name);
	interval_ms = notify_interval_arg(fcinfo, 1, true);

	/* the name lock create and drop_queue take: no race with them */
	pgmq_lock_queue_name(name.lower);
	pgmq_spi_connect();
	if (!notify_registered_name(&name, registered))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("Queue \"%s\" does not exist. Create the queue first using pgmq.create()",
						name.name)));

	args[0] = CStringGetTextDatum(registered);
	args[1] = Int32GetDatum(interval_ms);
	if (SPI_execute_with_args("UPDATE pgmq.notify_insert_throttle t "
							  "SET throttle_interval_ms = $2, last_notified_at = pg_catalog.to_timestamp(0) "
							  "WHERE t.queue_name OPERATOR(pg_catalog.=) $1",
							  2, argtypes, args, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "pgmq: could not write pgmq.notify_insert_throttle");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("Queue \"%s\" does not have notify_insert enabled. Enable it first using pgmq.enable_notify_insert()",
						name.name)));
	pgmq_spi_finish();

	memo_reset();
	PG_RETURN_VOID();
}

/*
 * list_notify_insert_throttles() -> TABLE(queue_name text,
 * throttle_interval_ms integer, last_notified_at timestamptz), by name.
 * STABLE: runs on the caller's snapshot.
 */
PG_FUNCTION_INFO_V1(pgmq_list_notify_insert_throttles);
Datum
pgmq_list_notify_insert_throttles(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr plan = NULL;
	ReturnSetInfo *rsinfo = pgmq_srf_init(fcinfo);
	DestReceiver *dest;
	SPIExecuteOptions options;
	int			rc;

	pgmq_spi_connect();
	if (plan == NULL)
		plan = pgmq_prepare_kept("SELECT t.queue_name::pg_catalog.text, t.throttle_interval_ms, "
								 "t.last_notified_at FROM pgmq.notify_insert_throttle t "
								 "ORDER BY t.queue_name",
								 0, NULL);

	dest = CreateDestReceiver(DestTuplestore);
	SetTuplestoreDestReceiverParams(dest, rsinfo->setResult,
									rsinfo->econtext->ecxt_per_query_memory,
									false, rsinfo->setDesc,
									gettext_noop("pgmq statement returned rows of an unexpected type"));
	memset(&options, 0, sizeof(options));
	options.read_only = true;
	options.dest = dest;
	rc = SPI_execute_plan_extended(plan, &options);
	dest->rDestroy(dest);
	if (rc < 0)
		elog(ERROR, "pgmq: SPI_execute_plan_extended failed: %s",
			 SPI_result_code_string(rc));
	pgmq_spi_finish();
	return (Datum) 0;
}
