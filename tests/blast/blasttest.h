/**
 * @file blasttest.h
 * @brief The blast-radius suites' harness: proximo-sim started with a
 *        profile built for an op-class, the real proximo binary over stdio
 *        against it, and small finders over the plans it answers.
 */
#ifndef PXM_TESTS_BLASTTEST_H
#define PXM_TESTS_BLASTTEST_H

#include <jansson.h>

#include "pxmtest.h"
#include "sim_harness.h"

struct bt {
	struct pxm_sim		*sim;
	struct pxmtest_proc	proc;
	char			dir[512];
	char			ledger[700];
	int			running;	/* proximo started */
};

/**
 * Start the simulator with contrib/sim/profiles/<profile>.json (or the
 * given extra simulator arguments when profile is NULL), then proximo with
 * the PVE plugin pointed at it; extra_env ("K=V", NULL-terminated) is added.
 */
void	bt_start(struct bt *t, const char *profile, const char *const *sim_args,
	    const char *const *extra_env);
/** Start (another) proximo against the running simulator. */
void	bt_proximo(struct bt *t, const char *const *extra_env);
void	bt_stop(struct bt *t);
/** Stop proximo and fail the test unless it exited 0 (sanitizers report
 *  through the exit status). */
void	bt_finish(struct bt *t);

/** tools/call; returns structuredContent (new).  Fails the test when the
 *  call was a protocol error; tool errors come back as {"isError": true,
 *  "text": ...}. */
json_t	*bt_call(struct bt *t, const char *tool, json_t *args_new);
/** A dry run: bt_call that must answer a plan. */
json_t	*bt_plan(struct bt *t, const char *tool, json_t *args_new);

/** The affected row whose "resource" equals res (borrowed), or NULL. */
json_t	*bt_row(const json_t *plan, const char *res);
/** The n-th affected row whose resource equals res (0-based), or NULL. */
json_t	*bt_row_nth(const json_t *plan, const char *res, int nth);
/** How many affected rows. */
size_t	bt_nrows(const json_t *plan);
/** 1 when some string of plan[key] (an array of strings) contains sub. */
int	bt_has(const json_t *plan, const char *key, const char *sub);
/** 1 when the row's effect contains sub. */
int	bt_effect_has(const json_t *row, const char *sub);
const char *bt_str(const json_t *o, const char *key);

/** Fail with the plan printed when cond is false. */
#define bt_assert(plan, cond) \
	ck_assert_msg((cond), "%s\nplan: %s", #cond, bt_dump(plan))
const char *bt_dump(const json_t *v);

/** No request other than GET reached the simulator since the last clear
 *  (plans never change anything). */
void	bt_assert_only_gets(struct bt *t);

#endif
