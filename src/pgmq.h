/*-------------------------------------------------------------------------
 *
 * pgmq.h
 *	  Declarations shared by the C modules of the pgmq extension: queue
 *	  names, the per-backend cache of prepared statements, and the small
 *	  helpers every SQL-callable function uses to run them.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/pgmq.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGMQ_H
#define PGMQ_H

#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/params.h"
#include "storage/condition_variable.h"
#include "tcop/dest.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#define PGMQ_SCHEMA			"pgmq"

/*
 * Longest queue name in bytes.  The longest identifier derived from a name
 * is "archived_at_idx_<name>" (and pg_partman's "template_pgmq_q_<name>"),
 * 16 bytes of prefix; 16 + 47 = 63 = NAMEDATALEN - 1, so nothing is ever
 * truncated.  For the ASCII names we accept this is PGMQ's 47-character rule.
 */
#define PGMQ_MAX_NAME_LEN	47

/* A validated queue name and the relation names derived from it. */
typedef struct PgmqName
{
	char		name[NAMEDATALEN];	/* as given by the caller */
	char		lower[NAMEDATALEN]; /* ASCII-lowercased: the table key */
	char		qtable[NAMEDATALEN];	/* q_<lower> */
	char		atable[NAMEDATALEN];	/* a_<lower> */
} PgmqName;

/* names.c */
extern void pgmq_name_init(const char *str, int len, PgmqName *out);
extern bool pgmq_name_is_valid(const char *str, int len);
extern void pgmq_name_from_arg(FunctionCallInfo fcinfo, int argno, PgmqName *out);
extern int64 pgmq_name_lock_key(const char *str);

/* The statements every queue has, prepared lazily and kept per backend. */
typedef enum PgmqPlanKind
{
	PGMQ_PLAN_SEND,
	PGMQ_PLAN_SEND_BATCH,
	PGMQ_PLAN_READ,
	PGMQ_PLAN_READ_COND,
	PGMQ_PLAN_POP,
	PGMQ_PLAN_DELETE,
	PGMQ_PLAN_DELETE_BATCH,
	PGMQ_PLAN_ARCHIVE,
	PGMQ_PLAN_ARCHIVE_BATCH,
	PGMQ_PLAN_SET_VT,
	PGMQ_PLAN_SET_VT_BATCH,
	PGMQ_PLAN_METRICS,
	PGMQ_PLAN_NEXT_VT,
	PGMQ_PLAN_GRP_HEADS_IDX,
	PGMQ_PLAN_GRP_RUNS_SCAN,
	PGMQ_PLAN_GRP_LOCK,
	PGMQ_PLAN_GRP_PREFIX,
	PGMQ_PLAN_GRP_LOCK_RUN,
	PGMQ_PLAN_GRP_CLAIM,
	/* the read skip hint (read.c) */
	PGMQ_PLAN_READ_FROM,
	PGMQ_PLAN_READ_COND_FROM,
	PGMQ_PLAN_POP_FROM,
	PGMQ_PLAN_LOWEST_ID,
	PGMQ_PLAN_SKIP_HINT,
	PGMQ_NUM_PLANS
} PgmqPlanKind;

typedef struct PgmqQueue PgmqQueue;

/*
 * A backend's skip hint for one queue (read.c): while the clock is before
 * "until", no message below msg_id "from_id" can be visible unless another
 * session changed it since "made_at", so claims may start at from_id
 * instead of walking a long head of invisible messages.
 */
typedef struct PgmqSkipHint
{
	bool		active;
	int64		from_id;		/* claims start at msg_id >= from_id */
	TimestampTz made_at;		/* clock when it was computed */
	TimestampTz until;			/* valid while the clock is before this */
	TimestampTz last_probe;		/* last look at the queue's lowest msg_id */
	uint64		epoch;			/* aborts since backend start, when made */
} PgmqSkipHint;

/* plancache.c */
extern PgmqQueue *pgmq_queue_open(const PgmqName *name, bool need_archive, bool missing_ok);
extern SPIPlanPtr pgmq_prepare_kept(const char *sql, int nargs, const Oid *argtypes);
extern SPIPlanPtr pgmq_queue_plan(PgmqQueue *queue, PgmqPlanKind kind);
extern Oid	pgmq_queue_relid(PgmqQueue *queue);
extern void pgmq_queue_forget(const PgmqName *name);
extern Oid	pgmq_schema_oid(void);
extern bool pgmq_queue_has_fifo_index(PgmqQueue *queue);
extern void pgmq_fifo_index_name(const char *qtable, char *out);
extern PgmqSkipHint *pgmq_queue_skip_hint(PgmqQueue *queue);
extern const char *pgmq_queue_name(PgmqQueue *queue);

/*
 * A message's FIFO group: its x-pgmq-group header, or the default group.
 * The FIFO index (create_fifo_index) is on exactly this expression.
 */
#define PGMQ_GROUP_EXPR(qual) \
	"COALESCE(" qual "headers OPERATOR(pg_catalog.->>) 'x-pgmq-group'::pg_catalog.text, " \
	"'_default_fifo_group'::pg_catalog.text)"

/* pgmq.c: running statements */
extern ReturnSetInfo *pgmq_srf_init(FunctionCallInfo fcinfo);
extern uint64 pgmq_run_into_srf(ReturnSetInfo *rsinfo, SPIPlanPtr plan,
								ParamListInfo params, bool detoast);
extern uint64 pgmq_run_into_srf_lowest(ReturnSetInfo *rsinfo, SPIPlanPtr plan,
									   ParamListInfo params, bool detoast,
									   int64 *lowest);
extern uint64 pgmq_run(SPIPlanPtr plan, ParamListInfo params, long tcount);
extern void pgmq_spi_connect(void);
extern void pgmq_spi_finish(void);

/* pgmq.c: argument helpers */
extern int32 pgmq_arg_nonneg_int(FunctionCallInfo fcinfo, int argno, const char *what);
extern TimestampTz pgmq_arg_timestamptz(FunctionCallInfo fcinfo, int argno, const char *what);
extern TimestampTz pgmq_after_seconds(TimestampTz base, int32 seconds);
extern void pgmq_require_arg(FunctionCallInfo fcinfo, int argno, const char *what);

/* send.c: inserting messages, shared with topic routing (topic.c) */
extern uint64 pgmq_insert_messages(PgmqQueue *queue, bool batch, TimestampTz vt,
								   Datum msg, Datum headers, bool headers_null,
								   DestReceiver *dest);
extern ArrayType *pgmq_batch_check(FunctionCallInfo fcinfo, int msgs_arg, int headers_arg);

/* wait.c: waking readers that wait for messages */
extern int	pgmq_wakeup_recheck_ms;
extern void pgmq_wait_init(void);
extern void pgmq_wake_on_commit(Oid queue_relid);
extern void pgmq_wake_on_change(Oid queue_relid);
extern ConditionVariable *pgmq_wait_begin(Oid queue_relid);
extern void pgmq_wait_sleep(ConditionVariable *cv, TimestampTz deadline,
							TimestampTz next_visible, int poll_interval_ms);
extern void pgmq_wait_end(ConditionVariable *cv);
extern TimestampTz pgmq_next_visible(PgmqQueue *queue, TimestampTz now);

/* read.c: shared by read, read_with_poll and the grouped reads */
extern int	pgmq_read_skip_window_ms;
extern void pgmq_read_init(void);
extern void pgmq_skip_hint_vt_changed(PgmqQueue *queue, TimestampTz vt);
typedef uint64 (*PgmqReadAttempt) (ReturnSetInfo *rsinfo, PgmqQueue *queue, void *arg);
extern uint64 pgmq_read_once(ReturnSetInfo *rsinfo, PgmqQueue *queue, int32 vt,
							 bool qty_null, int64 qty, Jsonb *conditional);
extern bool pgmq_read_qty(FunctionCallInfo fcinfo, int argno, int64 *qty);
extern void pgmq_poll_args(FunctionCallInfo fcinfo, int argno, const char *fname,
						   int32 *max_poll_seconds, int32 *poll_interval_ms);
extern void pgmq_poll(ReturnSetInfo *rsinfo, PgmqQueue *queue, int32 max_poll_seconds,
					  int32 poll_interval_ms, PgmqReadAttempt attempt, void *arg);

static inline void
pgmq_param(ParamListInfo params, int i, Oid type, Datum value, bool isnull)
{
	params->params[i].ptype = type;
	params->params[i].value = value;
	params->params[i].isnull = isnull;
	params->params[i].pflags = PARAM_FLAG_CONST;
}

#endif							/* PGMQ_H */
