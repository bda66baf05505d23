/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  Every PostgreSQL version difference pgmq has to care about, in one
 *	  place.  The .c files contain no PG_VERSION_NUM tests at all: they use
 *	  the names defined here.  Supported: PostgreSQL 14 to 18.
 *
 * Copyright (c) 2026, the pgmq authors
 *
 * IDENTIFICATION
 *	  src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGMQ_COMPAT_H
#define PGMQ_COMPAT_H

#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/tuplestore.h"

#if PG_VERSION_NUM < 140000
#error "pgmq requires PostgreSQL 14 or later"
#endif

/* PG18 adds PG_MODULE_MAGIC_EXT(.name, .version); older servers take the plain one. */
#if PG_VERSION_NUM < 180000
#define PG_MODULE_MAGIC_EXT(...) PG_MODULE_MAGIC
#endif

/*
 * PG15 added InitMaterializedSRF().  On PG14 provide the same behaviour for
 * the one flag combination we use (MAT_SRF_USE_EXPECTED_DESC).
 */
#if PG_VERSION_NUM < 150000
#define MAT_SRF_USE_EXPECTED_DESC	0x01
#define MAT_SRF_BLESS				0x02

static inline void
pgmq_compat_init_materialized_srf(FunctionCallInfo fcinfo, bits32 flags)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcxt;
	TupleDesc	tupdesc;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (!(rsinfo->allowedModes & SFRM_Materialize) || rsinfo->expectedDesc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("materialize mode required, but it is not allowed in this context")));

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = CreateTupleDescCopy(rsinfo->expectedDesc);
	if (flags & MAT_SRF_BLESS)
		BlessTupleDesc(tupdesc);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = tupdesc;
	MemoryContextSwitchTo(oldcxt);
}
#define InitMaterializedSRF(fcinfo, flags) \
	pgmq_compat_init_materialized_srf((fcinfo), (flags))
#endif

/*
 * PG15 added shmem_request_hook; before it, RequestAddinShmemSpace() is
 * called directly from _PG_init.
 */
#if PG_VERSION_NUM >= 150000
#define PGMQ_HAVE_SHMEM_REQUEST_HOOK 1
#endif

/*
 * PG15 added unlogged sequences: the identity sequence of an UNLOGGED table
 * is unlogged too, so crash recovery would reset it and reuse msg_ids.
 * Before PG15 every sequence is logged and nothing needs doing.
 */
#if PG_VERSION_NUM >= 150000
#define PGMQ_HAVE_UNLOGGED_SEQUENCES 1
#endif

/* PG15 renamed EmitWarningsOnPlaceholders to MarkGUCPrefixReserved. */
#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

#endif							/* PGMQ_COMPAT_H */
