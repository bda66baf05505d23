/*-------------------------------------------------------------------------
 *
 * topic.c
 *	  Topic routing (AMQP-style), PGMQ 1.13's topic family: bind_topic,
 *	  unbind_topic, test_routing, send_topic, send_batch_topic,
 *	  list_topic_bindings, validate_routing_key and validate_topic_pattern.
 *
 * A binding is a row (pattern, queue_name, bound_at, compiled_regex) of
 * pgmq.topic_bindings.  compiled_regex is a generated column: '^' + the
 * pattern with the regex metacharacters escaped, '*' turned into '[^.]+'
 * and '#' into '.*', + '$'.  A routing key is delivered to every queue
 * with a binding whose compiled_regex it matches (case-sensitive), exactly
 * as in PGMQ: '*' is one or more characters other than a dot (one whole
 * segment when it stands alone), '#' is any characters at all, dots
 * included, or none.  So "logs.#" does not match "logs", and "#.error"
 * does not match "error".
 *
 * The match itself is done here in C (topic_matches), with exactly the
 * regex's semantics, rather than with "key ~ compiled_regex" in SQL:
 * PostgreSQL keeps only 32 compiled regexes per backend, so beyond 32
 * bindings every send would compile every binding's regex again (16
 * times slower at 63 bindings).  A kept statement streams the bindings
 * into a DestReceiver that keeps the matching ones.
 *
 * Sending checks the routing key and the message(s), finds the distinct
 * matching queues, resolves and locks every one of them (valid name,
 * table present) before the first insert, then inserts the message or
 * batch into each queue in queue_name order through the queue's kept
 * send plans (send.c), in the caller's transaction.  A queue matched by
 * several patterns gets one copy.
 *
 * Error texts are PGMQ's, byte for byte; the SQLSTATEs are specific ones
 * instead of PGMQ's P0001 (22004 for NULL, 22023 for bad values, 42P01
 * for an unregistered queue).
 *
 * Every statement is fixed text, prepared once per backend and kept; it
 * names everything schema-qualified (pgmq.topic_bindings, pgmq.meta,
 * OPERATOR(pg_catalog.=)) and takes values only as parameters, so a
 * hostile search_path cannot redirect it.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/topic.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/tstoreReceiver.h"
#include "executor/tuptable.h"
#include "mb/pg_wchar.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
#include "utils/varlena.h"

#include "pgmq.h"

/* PGMQ's limit for routing keys and patterns, in characters. */
#define TOPIC_MAX_LEN	255

/* The statements topic routing runs, prepared on first use and kept. */
typedef enum TopicPlanKind
{
	TOPIC_PLAN_ROUTE,			/* every binding's queue and pattern */
	TOPIC_PLAN_TEST_ROUTING,	/* every binding, by pattern */
	TOPIC_PLAN_REGISTERED,		/* is the queue in pgmq.meta? */
	TOPIC_PLAN_BIND,
	TOPIC_PLAN_UNBIND,
	TOPIC_PLAN_LIST,
	TOPIC_PLAN_LIST_QUEUE,
	TOPIC_NUM_PLANS
} TopicPlanKind;

typedef struct TopicPlanDef
{
	const char *sql;
	int			nargs;
	Oid			argtypes[2];
} TopicPlanDef;

#define BINDING_COLS "b.pattern, b.queue_name, b.bound_at, b.compiled_regex"

static const TopicPlanDef topic_plan_defs[TOPIC_NUM_PLANS] = {
	/* ROUTE and TEST_ROUTING feed TopicMatchDest: pattern first, then queue */
	[TOPIC_PLAN_ROUTE] = {
		"SELECT b.pattern, b.queue_name FROM pgmq.topic_bindings b",
		0, {InvalidOid}
	},
	[TOPIC_PLAN_TEST_ROUTING] = {
		"SELECT b.pattern, b.queue_name, b.compiled_regex FROM pgmq.topic_bindings b "
		"ORDER BY b.pattern, b.queue_name",
		0, {InvalidOid}
	},
	[TOPIC_PLAN_REGISTERED] = {
		"SELECT 1 FROM pgmq.meta m WHERE m.queue_name OPERATOR(pg_catalog.=) $1",
		1, {TEXTOID}
	},
	[TOPIC_PLAN_BIND] = {
		"INSERT INTO pgmq.topic_bindings (pattern, queue_name) VALUES ($1, $2) "
		"ON CONFLICT ON CONSTRAINT topic_bindings_unique_pattern_queue DO NOTHING",
		2, {TEXTOID, TEXTOID}
	},
	[TOPIC_PLAN_UNBIND] = {
		"DELETE FROM pgmq.topic_bindings b "
		"WHERE b.pattern OPERATOR(pg_catalog.=) $1 "
		"AND b.queue_name OPERATOR(pg_catalog.=) $2",
		2, {TEXTOID, TEXTOID}
	},
	[TOPIC_PLAN_LIST] = {
		"SELECT " BINDING_COLS " FROM pgmq.topic_bindings b "
		"ORDER BY b.bound_at DESC, b.pattern, b.queue_name",
		0, {InvalidOid}
	},
	[TOPIC_PLAN_LIST_QUEUE] = {
		"SELECT " BINDING_COLS " FROM pgmq.topic_bindings b "
		"WHERE b.queue_name OPERATOR(pg_catalog.=) $1 "
		"ORDER BY b.bound_at DESC, b.pattern",
		1, {TEXTOID}
	},
};

static SPIPlanPtr topic_plans[TOPIC_NUM_PLANS];

/*
 * The kept plan of a topic statement, prepared on first use in this
 * backend.  Must be called inside an SPI connection.  The statements name
 * their tables, so the core plan cache re-plans them by itself if the
 * tables change (or are dropped and re-created with the extension).
 */
static SPIPlanPtr
topic_plan(TopicPlanKind kind)
{
	const TopicPlanDef *def = &topic_plan_defs[kind];
	SPIPlanPtr	plan;

	if (topic_plans[kind] != NULL)
		return topic_plans[kind];

	plan = pgmq_prepare_kept(def->sql, def->nargs, def->argtypes);
	topic_plans[kind] = plan;
	return plan;
}

/*
 * Run a topic statement with its rows going to dest.  read_only: for the
 * STABLE functions, which see the calling query's snapshot; otherwise
 * (READ COMMITTED) each run takes a new snapshot.
 */
static void
topic_exec(TopicPlanKind kind, ParamListInfo params, DestReceiver *dest,
		   bool read_only)
{
	SPIExecuteOptions options;
	int			rc;

	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = read_only;
	options.dest = dest;
	rc = SPI_execute_plan_extended(topic_plan(kind), &options);
	if (rc < 0)
		elog(ERROR, "pgmq: SPI_execute_plan_extended failed: %s",
			 SPI_result_code_string(rc));
}

/*
 * Run a read-only topic statement with its rows streamed into the result
 * set.
 */
static void
topic_select_into_srf(ReturnSetInfo *rsinfo, TopicPlanKind kind,
					  ParamListInfo params)
{
	DestReceiver *dest = CreateDestReceiver(DestTuplestore);

	SetTuplestoreDestReceiverParams(dest, rsinfo->setResult,
									rsinfo->econtext->ecxt_per_query_memory,
									false, rsinfo->setDesc,
									gettext_noop("pgmq statement returned rows of an unexpected type"));
	topic_exec(kind, params, dest, true);
	dest->rDestroy(dest);
}

/* ------------------------------------------------------------------------
 * Validation
 * ------------------------------------------------------------------------
 */

static bool
topic_char_ok(unsigned char c, bool pattern)
{
	return (c >= 'a' && c <= 'z') ||
		(c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') ||
		c == '.' || c == '_' || c == '-' ||
		(pattern && (c == '*' || c == '#'));
}

/* Whether the string contains the two characters a and b next to each other. */
static bool
has_pair(const char *s, int len, char a, char b)
{
	int			i;

	for (i = 0; i + 1 < len; i++)
	{
		if (s[i] == a && s[i + 1] == b)
			return true;
	}
	return false;
}

/*
 * Check a routing key (pattern false) or a binding pattern (pattern true)
 * passed as argument argno, with PGMQ's rules, in PGMQ's order, with
 * PGMQ's messages.  Returns the argument.
 */
static text *
topic_check_arg(FunctionCallInfo fcinfo, int argno, bool pattern)
{
	const char *what = pattern ? "pattern" : "routing_key";
	text	   *t;
	const char *s;
	int			len;
	int			nchars;
	int			i;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s cannot be NULL or empty", what)));
	t = PG_GETARG_TEXT_PP(argno);
	s = VARDATA_ANY(t);
	len = VARSIZE_ANY_EXHDR(t);
	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s cannot be NULL or empty", what)));

	nchars = pg_mbstrlen_with_len(s, len);
	if (nchars > TOPIC_MAX_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s length cannot exceed %d characters, got %d characters",
						what, TOPIC_MAX_LEN, nchars)));

	for (i = 0; i < len; i++)
	{
		if (!topic_char_ok((unsigned char) s[i], pattern))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 pattern ?
					 errmsg("pattern contains invalid characters. Only alphanumeric, dots, hyphens, underscores, *, and # are allowed. Got: %s",
							text_to_cstring(t)) :
					 errmsg("routing_key contains invalid characters. Only alphanumeric, dots, hyphens, and underscores are allowed. Got: %s",
							text_to_cstring(t))));
	}

	/* from here on the string is ASCII: bytes are characters */
	if (s[0] == '.')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s cannot start with a dot. Got: %s", what, text_to_cstring(t))));
	if (s[len - 1] == '.')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s cannot end with a dot. Got: %s", what, text_to_cstring(t))));
	if (has_pair(s, len, '.', '.'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s cannot contain consecutive dots. Got: %s", what, text_to_cstring(t))));
	if (!pattern)
		return t;

	if (has_pair(s, len, '*', '*'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pattern cannot contain consecutive stars (**). Use # for multi-segment matching. Got: %s",
						text_to_cstring(t))));
	if (has_pair(s, len, '#', '#'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pattern cannot contain consecutive hashes (##). A single # already matches zero or more segments. Got: %s",
						text_to_cstring(t))));
	if (has_pair(s, len, '*', '#') || has_pair(s, len, '#', '*'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pattern cannot contain adjacent wildcards (*# or #*). Separate wildcards with dots. Got: %s",
						text_to_cstring(t))));
	return t;
}

/*
 * The queue_name argument of bind_topic / unbind_topic: PGMQ only requires
 * it to be neither NULL nor empty (bind_topic then looks it up in
 * pgmq.meta).
 */
static text *
topic_queue_arg(FunctionCallInfo fcinfo, int argno)
{
	text	   *t;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("queue_name cannot be NULL or empty")));
	t = PG_GETARG_TEXT_PP(argno);
	if (VARSIZE_ANY_EXHDR(t) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("queue_name cannot be NULL or empty")));
	return t;
}

/* validate_routing_key(routing_key text) -> boolean: true, or raises */
PG_FUNCTION_INFO_V1(pgmq_validate_routing_key);
Datum
pgmq_validate_routing_key(PG_FUNCTION_ARGS)
{
	(void) topic_check_arg(fcinfo, 0, false);
	PG_RETURN_BOOL(true);
}

/* validate_topic_pattern(pattern text) -> boolean: true, or raises */
PG_FUNCTION_INFO_V1(pgmq_validate_topic_pattern);
Datum
pgmq_validate_topic_pattern(PG_FUNCTION_ARGS)
{
	(void) topic_check_arg(fcinfo, 0, true);
	PG_RETURN_BOOL(true);
}

/* ------------------------------------------------------------------------
 * Matching
 * ------------------------------------------------------------------------
 */

/*
 * Whether a routing key matches a binding's pattern, with the semantics of
 * the binding's compiled_regex: '*' matches one or more characters other
 * than '.', '#' any characters (or none), every other character itself
 * (compiled_regex escapes all the regex metacharacters), anchored at both
 * ends.  The key has been validated: ASCII, at most TOPIC_MAX_LEN bytes, so
 * bytes are characters (a pattern's non-ASCII bytes, possible only in rows
 * inserted by hand, match nothing, as their characters would not).
 *
 * Dynamic programming over the pattern: can[j] says whether the pattern
 * so far matches the first j bytes of the key.  O(pattern x key) time
 * whatever the wildcards, where a backtracking matcher can go exponential.
 */
static bool
topic_matches(const char *key, int klen, const char *pat, int plen)
{
	bool		buf1[TOPIC_MAX_LEN + 1];
	bool		buf2[TOPIC_MAX_LEN + 1];
	bool	   *can = buf1;
	bool	   *next = buf2;
	int			i;
	int			j;

	Assert(klen >= 0 && klen <= TOPIC_MAX_LEN);
	memset(can, 0, sizeof(bool) * (klen + 1));
	can[0] = true;
	for (i = 0; i < plen; i++)
	{
		char		c = pat[i];
		bool		run = false;
		bool		alive = false;
		bool	   *swap;

		if (c == '#')
		{
			/* any j' <= j that could be reached */
			for (j = 0; j <= klen; j++)
			{
				run = run || can[j];
				next[j] = run;
			}
		}
		else if (c == '*')
		{
			/* some j' < j reached with key[j'..j-1] free of dots */
			next[0] = false;
			for (j = 1; j <= klen; j++)
			{
				if (key[j - 1] == '.')
					run = false;
				else
					run = run || can[j - 1];
				next[j] = run;
			}
		}
		else
		{
			next[0] = false;
			for (j = 1; j <= klen; j++)
				next[j] = can[j - 1] && key[j - 1] == c;
		}

		for (j = 0; j <= klen && !alive; j++)
			alive = next[j];
		if (!alive)
			return false;
		swap = can;
		can = next;
		next = swap;
	}
	return can[klen];
}

/*
 * A receiver for the bindings a statement returns (pattern first) that
 * keeps those whose pattern the routing key matches: test_routing puts
 * them into its result set (tstore), routing collects their queue names
 * (second column) into names[], allocated in cxt.
 */
typedef struct TopicMatchDest
{
	DestReceiver pub;
	const char *key;
	int			klen;
	Tuplestorestate *tstore;	/* or NULL: collect names */
	MemoryContext cxt;
	text	  **names;
	int			nnames;
	int			maxnames;
} TopicMatchDest;

static bool
topic_match_receive(TupleTableSlot *slot, DestReceiver *self)
{
	TopicMatchDest *dest = (TopicMatchDest *) self;
	bool		isnull;
	Datum		d;
	text	   *pattern;
	MemoryContext oldcxt;

	d = slot_getattr(slot, 1, &isnull);
	if (isnull)
		return true;
	pattern = DatumGetTextPP(d);
	if (!topic_matches(dest->key, dest->klen,
					   VARDATA_ANY(pattern), VARSIZE_ANY_EXHDR(pattern)))
		return true;

	if (dest->tstore != NULL)
	{
		tuplestore_puttupleslot(dest->tstore, slot);
		return true;
	}

	d = slot_getattr(slot, 2, &isnull);
	if (isnull)
		return true;
	oldcxt = MemoryContextSwitchTo(dest->cxt);
	if (dest->nnames == dest->maxnames)
	{
		dest->maxnames = dest->maxnames == 0 ? 8 : dest->maxnames * 2;
		dest->names = dest->names == NULL ?
			palloc(sizeof(text *) * dest->maxnames) :
			repalloc(dest->names, sizeof(text *) * dest->maxnames);
	}
	dest->names[dest->nnames++] = DatumGetTextPCopy(d);
	MemoryContextSwitchTo(oldcxt);
	return true;
}

static void
topic_match_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
topic_match_shutdown(DestReceiver *self)
{
}

static void
topic_match_destroy(DestReceiver *self)
{
}

static void
topic_match_dest_init(TopicMatchDest *dest, text *key, Tuplestorestate *tstore)
{
	memset(dest, 0, sizeof(TopicMatchDest));
	dest->pub.receiveSlot = topic_match_receive;
	dest->pub.rStartup = topic_match_startup;
	dest->pub.rShutdown = topic_match_shutdown;
	dest->pub.rDestroy = topic_match_destroy;
	dest->pub.mydest = DestTuplestore;
	dest->key = VARDATA_ANY(key);
	dest->klen = VARSIZE_ANY_EXHDR(key);
	dest->tstore = tstore;
	dest->cxt = CurrentMemoryContext;
}

/* Queue names in queue_name order: the column's (default) collation. */
static int
topic_name_cmp(const void *a, const void *b)
{
	text	   *ta = *(text *const *) a;
	text	   *tb = *(text *const *) b;

	return varstr_cmp(VARDATA_ANY(ta), VARSIZE_ANY_EXHDR(ta),
					  VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(tb),
					  DEFAULT_COLLATION_OID);
}

/* ------------------------------------------------------------------------
 * Bindings
 * ------------------------------------------------------------------------
 */

/*
 * bind_topic(pattern text, queue_name text) -> void
 *
 * The queue must be registered in pgmq.meta under exactly this name (the
 * foreign key needs it).  Binding twice is a no-op; bound_at stays that
 * of the first binding.
 *
 * The queue's lifecycle lock (the advisory lock create and drop_queue
 * take) makes a concurrent drop_queue either wait for this binding to
 * commit and then remove it with the queue, or finish first, in which case
 * the lookup below (a fresh snapshot) no longer finds the queue: the
 * caller gets "does not exist" rather than a foreign key violation.
 */
PG_FUNCTION_INFO_V1(pgmq_bind_topic);
Datum
pgmq_bind_topic(PG_FUNCTION_ARGS)
{
	text	   *pattern = topic_check_arg(fcinfo, 0, true);
	text	   *queue = topic_queue_arg(fcinfo, 1);
	char	   *qname = text_to_cstring(queue);
	char	   *lower = pstrdup(qname);
	ParamListInfo params;
	char	   *p;

	for (p = lower; *p; p++)
		*p = pg_ascii_tolower((unsigned char) *p);
	DirectFunctionCall1(pg_advisory_xact_lock_int8,
						Int64GetDatum(pgmq_name_lock_key(lower)));

	pgmq_spi_connect();
	params = makeParamList(2);
	pgmq_param(params, 0, TEXTOID, PointerGetDatum(queue), false);
	if (pgmq_run(topic_plan(TOPIC_PLAN_REGISTERED), params, 1) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("Queue \"%s\" does not exist. Create the queue first using pgmq.create()",
						qname)));

	pgmq_param(params, 0, TEXTOID, PointerGetDatum(pattern), false);
	pgmq_param(params, 1, TEXTOID, PointerGetDatum(queue), false);
	(void) pgmq_run(topic_plan(TOPIC_PLAN_BIND), params, 0);
	pgmq_spi_finish();

	PG_RETURN_VOID();
}

/*
 * unbind_topic(pattern text, queue_name text) -> boolean: whether a
 * binding was removed.  As in PGMQ, the pattern's syntax is not checked.
 */
PG_FUNCTION_INFO_V1(pgmq_unbind_topic);
Datum
pgmq_unbind_topic(PG_FUNCTION_ARGS)
{
	text	   *pattern;
	text	   *queue;
	ParamListInfo params;
	uint64		removed;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("pattern cannot be NULL or empty")));
	pattern = PG_GETARG_TEXT_PP(0);
	if (VARSIZE_ANY_EXHDR(pattern) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pattern cannot be NULL or empty")));
	queue = topic_queue_arg(fcinfo, 1);

	pgmq_spi_connect();
	params = makeParamList(2);
	pgmq_param(params, 0, TEXTOID, PointerGetDatum(pattern), false);
	pgmq_param(params, 1, TEXTOID, PointerGetDatum(queue), false);
	removed = pgmq_run(topic_plan(TOPIC_PLAN_UNBIND), params, 0);
	pgmq_spi_finish();

	PG_RETURN_BOOL(removed > 0);
}

/*
 * list_topic_bindings() -> TABLE(pattern, queue_name, bound_at,
 * compiled_regex), newest first
 */
PG_FUNCTION_INFO_V1(pgmq_list_topic_bindings);
Datum
pgmq_list_topic_bindings(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = pgmq_srf_init(fcinfo);

	pgmq_spi_connect();
	topic_select_into_srf(rsinfo, TOPIC_PLAN_LIST, NULL);
	pgmq_spi_finish();
	return (Datum) 0;
}

/*
 * list_topic_bindings(queue_name text) -> the same, for one queue (exact
 * name; NULL matches nothing, as in PGMQ)
 */
PG_FUNCTION_INFO_V1(pgmq_list_topic_bindings_queue);
Datum
pgmq_list_topic_bindings_queue(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = pgmq_srf_init(fcinfo);
	ParamListInfo params;

	pgmq_spi_connect();
	params = makeParamList(1);
	pgmq_param(params, 0, TEXTOID, PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0),
			   PG_ARGISNULL(0));
	topic_select_into_srf(rsinfo, TOPIC_PLAN_LIST_QUEUE, params);
	pgmq_spi_finish();
	return (Datum) 0;
}

/*
 * test_routing(routing_key text) -> TABLE(pattern, queue_name,
 * compiled_regex): every binding the key matches, by pattern (one row per
 * binding, not per queue).  A dry run: nothing is sent.
 */
PG_FUNCTION_INFO_V1(pgmq_test_routing);
Datum
pgmq_test_routing(PG_FUNCTION_ARGS)
{
	text	   *key = topic_check_arg(fcinfo, 0, false);
	ReturnSetInfo *rsinfo = pgmq_srf_init(fcinfo);
	TopicMatchDest dest;

	pgmq_spi_connect();
	topic_match_dest_init(&dest, key, rsinfo->setResult);
	topic_exec(TOPIC_PLAN_TEST_ROUTING, NULL, (DestReceiver *) &dest, true);
	pgmq_spi_finish();
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * Sending
 * ------------------------------------------------------------------------
 */

/* One queue a routing key is delivered to. */
typedef struct TopicRoute
{
	PgmqName	name;
	PgmqQueue  *queue;
} TopicRoute;

/*
 * The queues a routing key is delivered to, in queue_name order: the
 * distinct queues with a binding the key matches.  Every one is resolved
 * here (its name is valid, its table exists) and its table locked as the
 * insert will lock it, so that a send fails before its first insert
 * rather than half-way.  Two registrations that differ only in case (left
 * by PGMQ, which allowed them) share one table and get one copy, under
 * the first name.
 *
 * A concurrent drop_queue holds its queue's table until it commits.  If
 * waiting for a lock let such a change commit (the table is gone or was
 * re-created), or a table vanished between the lookup and here, the
 * bindings are looked up again with a new snapshot: in READ COMMITTED
 * the dropped queue's bindings are gone by then, and the message goes to
 * the remaining queues.  A bound queue whose table is still missing after
 * that is an error, as in PGMQ.
 *
 * Must be called inside an SPI connection; the result lives in the SPI
 * procedure's memory.
 */
static TopicRoute *
topic_route(text *key, int *nroutes)
{
	Oid			nsp = pgmq_schema_oid();
	TopicRoute *routes;
	int			n;
	int			attempt;

	for (attempt = 0;; attempt++)
	{
		TopicMatchDest dest;
		bool		stable = true;
		int			k;
		int			i;

		topic_match_dest_init(&dest, key, NULL);
		topic_exec(TOPIC_PLAN_ROUTE, NULL, (DestReceiver *) &dest, false);
		if (dest.nnames > 1)
			qsort(dest.names, dest.nnames, sizeof(text *), topic_name_cmp);

		routes = palloc(sizeof(TopicRoute) * Max(dest.nnames, 1));
		n = 0;
		for (k = 0; k < dest.nnames; k++)
		{
			text	   *qname = dest.names[k];
			TopicRoute *r = &routes[n];
			bool		dup = false;

			pgmq_name_init(VARDATA_ANY(qname), VARSIZE_ANY_EXHDR(qname), &r->name);
			/* several patterns of one queue; names differing only in case */
			for (i = n - 1; i >= 0 && !dup; i--)
				dup = strcmp(routes[i].name.lower, r->name.lower) == 0;
			if (dup)
				continue;
			r->queue = pgmq_queue_open(&r->name, false, attempt == 0);
			if (r->queue == NULL)
				stable = false; /* look again, with a new snapshot */
			else
				n++;
		}

		for (i = 0; i < n && stable; i++)
		{
			Oid			relid = pgmq_queue_relid(routes[i].queue);

			/* processes invalidations if we had to wait */
			LockRelationOid(relid, RowExclusiveLock);
			if (get_relname_relid(routes[i].name.qtable, nsp) != relid)
				stable = false;
		}
		if (stable)
			break;
		pfree(routes);
	}
	*nroutes = n;
	return routes;
}

/*
 * send_topic(routing_key, msg [, [headers,] delay]) -> integer: the number
 * of queues the message was sent to (0 when no binding matches).
 *
 * Checks in PGMQ's order: the key, then msg, then delay.  A NULL delay is
 * an error here too (PGMQ fails later, on the NOT NULL vt column, and
 * only if some queue matches).
 */
static Datum
send_topic_common(FunctionCallInfo fcinfo, bool with_headers, bool with_delay)
{
	text	   *key = topic_check_arg(fcinfo, 0, false);
	int			delay_arg = with_headers ? 3 : 2;
	int32		delay = 0;
	bool		headers_null = !with_headers || PG_ARGISNULL(2);
	Datum		headers = headers_null ? (Datum) 0 : PG_GETARG_DATUM(2);
	TimestampTz vt;
	TopicRoute *routes;
	int			nroutes;
	int			i;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("msg cannot be NULL")));
	if (with_delay)
	{
		pgmq_require_arg(fcinfo, delay_arg, "delay");
		delay = PG_GETARG_INT32(delay_arg);
		if (delay < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("delay cannot be negative, got: %d", delay)));
	}
	vt = pgmq_after_seconds(GetCurrentTimestamp(), delay);

	pgmq_spi_connect();
	routes = topic_route(key, &nroutes);
	for (i = 0; i < nroutes; i++)
		(void) pgmq_insert_messages(routes[i].queue, false, vt, PG_GETARG_DATUM(1),
									headers, headers_null, None_Receiver);
	pgmq_spi_finish();

	PG_RETURN_INT32(nroutes);
}

PG_FUNCTION_INFO_V1(pgmq_send_topic);
Datum
pgmq_send_topic(PG_FUNCTION_ARGS)
{
	return send_topic_common(fcinfo, false, false);
}

PG_FUNCTION_INFO_V1(pgmq_send_topic_delay);
Datum
pgmq_send_topic_delay(PG_FUNCTION_ARGS)
{
	return send_topic_common(fcinfo, false, true);
}

PG_FUNCTION_INFO_V1(pgmq_send_topic_headers_delay);
Datum
pgmq_send_topic_headers_delay(PG_FUNCTION_ARGS)
{
	return send_topic_common(fcinfo, true, true);
}

/*
 * A receiver for send_batch_topic: each msg_id a queue's batch insert
 * returns becomes a result row (queue_name, msg_id), written straight
 * into the function's result set.
 */
typedef struct TopicDest
{
	DestReceiver pub;
	Tuplestorestate *tstore;
	TupleDesc	tupdesc;		/* (queue_name text, msg_id bigint) */
	Datum		queue_name;		/* of the queue being sent to */
} TopicDest;

static bool
topic_dest_receive(TupleTableSlot *slot, DestReceiver *self)
{
	TopicDest  *dest = (TopicDest *) self;
	Datum		values[2];
	bool		nulls[2];

	values[0] = dest->queue_name;
	nulls[0] = false;
	values[1] = slot_getattr(slot, 1, &nulls[1]);
	tuplestore_putvalues(dest->tstore, dest->tupdesc, values, nulls);
	return true;
}

static void
topic_dest_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
topic_dest_shutdown(DestReceiver *self)
{
}

static void
topic_dest_destroy(DestReceiver *self)
{
	pfree(self);
}

static TopicDest *
topic_dest_create(ReturnSetInfo *rsinfo)
{
	TopicDest  *dest = palloc0(sizeof(TopicDest));

	dest->pub.receiveSlot = topic_dest_receive;
	dest->pub.rStartup = topic_dest_startup;
	dest->pub.rShutdown = topic_dest_shutdown;
	dest->pub.rDestroy = topic_dest_destroy;
	dest->pub.mydest = DestTuplestore;
	dest->tstore = rsinfo->setResult;
	dest->tupdesc = rsinfo->setDesc;
	return dest;
}

/* How a send_batch_topic overload expresses the delay. */
typedef enum TopicDelay
{
	TOPIC_NOW,					/* no delay argument */
	TOPIC_DELAY_SECONDS,		/* delay integer */
	TOPIC_AT					/* delay timestamp with time zone */
} TopicDelay;

/*
 * send_batch_topic(routing_key, msgs [, headers] [, delay])
 *   -> TABLE(queue_name text, msg_id bigint)
 *
 * Checks the key, then the arrays exactly as send_batch does, then the
 * delay as send_batch does (NULL or negative seconds are errors); then
 * the whole batch goes to each matching queue in queue_name order, ids in
 * array order, one vt for all.
 */
static Datum
send_batch_topic_common(FunctionCallInfo fcinfo, bool with_headers, TopicDelay how)
{
	text	   *key = topic_check_arg(fcinfo, 0, false);
	int			delay_arg = with_headers ? 3 : 2;
	bool		headers_null = !with_headers || PG_ARGISNULL(2);
	ArrayType  *msgs;
	TimestampTz vt;
	ReturnSetInfo *rsinfo;
	TopicDest  *dest;
	TopicRoute *routes;
	int			nroutes;
	int			i;

	msgs = pgmq_batch_check(fcinfo, 1, with_headers ? 2 : -1);
	switch (how)
	{
		case TOPIC_DELAY_SECONDS:
			vt = pgmq_after_seconds(GetCurrentTimestamp(),
									pgmq_arg_nonneg_int(fcinfo, delay_arg, "delay"));
			break;
		case TOPIC_AT:
			vt = pgmq_arg_timestamptz(fcinfo, delay_arg, "delay");
			break;
		case TOPIC_NOW:
		default:
			vt = GetCurrentTimestamp();
			break;
	}

	rsinfo = pgmq_srf_init(fcinfo);
	pgmq_spi_connect();
	routes = topic_route(key, &nroutes);
	dest = topic_dest_create(rsinfo);
	for (i = 0; i < nroutes; i++)
	{
		dest->queue_name = CStringGetTextDatum(routes[i].name.name);
		(void) pgmq_insert_messages(routes[i].queue, true, vt, PointerGetDatum(msgs),
									headers_null ? (Datum) 0 : PG_GETARG_DATUM(2),
									headers_null, (DestReceiver *) dest);
	}
	dest->pub.rDestroy((DestReceiver *) dest);
	pgmq_spi_finish();

	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(pgmq_send_batch_topic);
Datum
pgmq_send_batch_topic(PG_FUNCTION_ARGS)
{
	return send_batch_topic_common(fcinfo, false, TOPIC_NOW);
}

PG_FUNCTION_INFO_V1(pgmq_send_batch_topic_delay);
Datum
pgmq_send_batch_topic_delay(PG_FUNCTION_ARGS)
{
	return send_batch_topic_common(fcinfo, false, TOPIC_DELAY_SECONDS);
}

PG_FUNCTION_INFO_V1(pgmq_send_batch_topic_at);
Datum
pgmq_send_batch_topic_at(PG_FUNCTION_ARGS)
{
	return send_batch_topic_common(fcinfo, false, TOPIC_AT);
}

PG_FUNCTION_INFO_V1(pgmq_send_batch_topic_headers);
Datum
pgmq_send_batch_topic_headers(PG_FUNCTION_ARGS)
{
	return send_batch_topic_common(fcinfo, true, TOPIC_NOW);
}

PG_FUNCTION_INFO_V1(pgmq_send_batch_topic_headers_delay);
Datum
pgmq_send_batch_topic_headers_delay(PG_FUNCTION_ARGS)
{
	return send_batch_topic_common(fcinfo, true, TOPIC_DELAY_SECONDS);
}

PG_FUNCTION_INFO_V1(pgmq_send_batch_topic_headers_at);
Datum
pgmq_send_batch_topic_headers_at(PG_FUNCTION_ARGS)
{
	return send_batch_topic_common(fcinfo, true, TOPIC_AT);
}
