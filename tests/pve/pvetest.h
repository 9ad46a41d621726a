/**
 * @file pvetest.h
 * @brief Helpers shared by the PVE plugin's end-to-end suites: one
 *        proximo-sim per test program (started in main, before the forked
 *        tests run), the real `proximo` binary over stdio pointed at it
 *        with the certificate pinned, the request log and state of the
 *        simulator, and the ledger.
 *
 * Every suite runs real processes on 127.0.0.1: nothing here is a stub.
 * $PXM_PROXIMO_WRAPPER (e.g. "valgrind -q --error-exitcode=99
 * --leak-check=full") prefixes proximo the way $PXM_SIM_WRAPPER prefixes
 * the simulator; pvt_finish() then fails the test on a non-zero exit.
 */
#ifndef PXM_TESTS_PVETEST_H
#define PXM_TESTS_PVETEST_H

#include <check.h>
#include <jansson.h>

#include "pxmtest.h"
#include "sim_harness.h"

/* The simulator of this program, and a private directory (ledger, token
 * files) that lives as long as the program. */
extern struct pxm_sim *pvt_sim;
extern char pvt_dir[512];
extern char pvt_ledger_path[600];

/**
 * main() of a PVE suite: start the simulator on tests/pve/estate.json with
 * the given extra arguments, run the suite (TAP on stdout), stop the
 * simulator (its exit status must be clean) and remove the directory.
 */
int	pvt_main(Suite *(*suite_fn)(void), const char *const *sim_args);

#define PVT_MAIN(suite_fn, ...)						\
	int								\
	main(void)							\
	{								\
		const char *const sim_args[] = { __VA_ARGS__, NULL };	\
		return pvt_main(suite_fn, sim_args);			\
	}

/** Spawn proximo against the simulator: the standard environment plus
 *  `extra` ("K=V" overrides, "K=" unsets; NULL-terminated, may be NULL). */
void	pvt_spawn(struct pxmtest_proc *p, const char *const *extra);
/** Close stdin, wait, assert a clean exit, remove the stderr file. */
void	pvt_finish(struct pxmtest_proc *p);

/** tools/call; the CallToolResult (new). */
json_t	*pvt_call(struct pxmtest_proc *p, const char *tool, json_t *args_new);
/** structuredContent of a result (borrowed; NULL when absent). */
json_t	*pvt_sc(const json_t *res);
/** The first text content (borrowed, "" when absent). */
const char *pvt_text(const json_t *res);
int	pvt_is_error(const json_t *res);
/** Assert a read succeeded; returns its structuredContent (borrowed). */
json_t	*pvt_ok(const json_t *res, const char *tool);

/**
 * Dry run of a mutation: assert the answer is a plan with a plan_id and
 * that no request other than GET reached the simulator meanwhile.
 * Returns the plan (new).  args are borrowed.
 */
json_t	*pvt_plan(struct pxmtest_proc *p, const char *tool, const json_t *args);
/** Confirm a plan: args + confirm:true + plan_id (+ wait:true when wait). */
json_t	*pvt_confirm(struct pxmtest_proc *p, const char *tool, const json_t *args,
	    const char *plan_id, int wait);

/** The simulator's request count so far (a mark for pvt_since). */
long long pvt_mark(void);
/** Request log entries after a mark (new array). */
json_t	*pvt_since(long long mark);
/** Only those whose method is not GET (new array). */
json_t	*pvt_sent_since(long long mark);
/** The whole simulator state (new). */
json_t	*pvt_state(void);
/** Reset the simulator to the profile; clear faults. */
void	pvt_reset(void);
/** PUT /state<pointer> (value borrowed). */
void	pvt_state_put(const char *pointer, const json_t *value);

/** RFC 6901 JSON pointer into doc (borrowed result, NULL when absent). */
json_t	*pvt_ptr(const json_t *doc, const char *pointer);
/**
 * 1 when `want` is contained in `got`: objects key by key (recursively),
 * arrays element by element in order (got may be longer), scalars equal;
 * a string "~re:X" matches a string containing X; a one-key object
 * naming an operator tests instead: {"$absent": true}, {"$present": true},
 * {"$ne": v}, {"$len": n}, {"$some": want}.  On a mismatch, *why
 * (if not NULL) says where.
 */
int	pvt_subset(const json_t *want, const json_t *got, char *why, size_t whysize);
/** The same, stealing want (for json_pack() in place). */
int	pvt_subset_new(json_t *want_new, const json_t *got, char *why, size_t whysize);

/** The ledger's entries (new array; checkpoints skipped). */
json_t	*pvt_ledger(void);
/** Outcomes of the ledger entries from index `from` for `action`,
 *  comma-joined (new string). */
char	*pvt_outcomes(size_t from, const char *action);
/** Number of ledger entries (checkpoints skipped). */
size_t	pvt_ledger_size(void);

/** Write a private (0600) file in pvt_dir; returns its path in out. */
void	pvt_private_file(char *out, size_t size, const char *name, const char *content, int mode);

/** A short compact dump of j for messages (static buffer). */
const char *pvt_dump(const json_t *j);

#endif
