/**
 * @file tasks.h
 * @brief proximo-sim: asynchronous tasks (UPIDs, status, logs, effects).
 *
 * A task is a JSON record in state.tasks.  It "runs" from its start time
 * for duration_ms and then stops with its outcome ("OK", "WARNINGS: n" or
 * an error text).  Nothing runs in the background: before every request the
 * server settles finished tasks (sim_tasks_settle), which applies their
 * completion effect (start a guest, clear a lock, record a snapshot...).
 * Effects are named and registered, so a task record stays plain JSON.
 */
#ifndef PXM_SIM_TASKS_H
#define PXM_SIM_TASKS_H

#include <jansson.h>

#include "sim.h"

/** A completion effect: ok is 1 when the task ended without error. */
typedef void sim_task_fx(struct sim *s, json_t *task, json_t *args, int ok);

void	sim_task_register_fx(const char *name, sim_task_fx *fn);

/**
 * Start a task on node of type ("qmstart") for id ("100"), owned by the
 * request's identity.  Returns the task record (borrowed from the state).
 * Faults (fail_task, task_never_finishes) are applied here.
 */
json_t	*sim_task_start(struct sim_req *rq, const char *node, const char *type,
	    const char *id);
/** Effect to run at completion (args stolen). */
void	sim_task_set_fx(json_t *task, const char *fx, json_t *args);
/** Make the task end with this error (unless it already fails). */
void	sim_task_fail(json_t *task, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	sim_task_warn(json_t *task, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	sim_task_log(json_t *task, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	sim_task_duration(json_t *task, long long ms);
const char *sim_task_upid(const json_t *task);

/** Apply the effects of every task that has finished by now. */
void	sim_tasks_settle(struct sim *s, int64_t now_ms);
/** Find by UPID. */
json_t	*sim_task_find(struct sim *s, const char *upid);
/** Stop a running task (DELETE /nodes/{node}/tasks/{upid}). */
int	sim_task_stop(struct sim *s, json_t *task, int64_t now_ms);
/** The status object of GET .../tasks/{upid}/status. */
json_t	*sim_task_status(struct sim *s, const json_t *task, int64_t now_ms);
/** The list entry of GET .../tasks and /cluster/tasks. */
json_t	*sim_task_entry(struct sim *s, const json_t *task, int64_t now_ms);
/** The log lines [{n, t}] (start/limit as the API). */
json_t	*sim_task_log_lines(struct sim *s, const json_t *task, int64_t now_ms,
	    long long start, long long limit, long long *total);
/** 1 while running. */
int	sim_task_running(const json_t *task, int64_t now_ms);

/** Route handlers for the task endpoints of all three products. */
void	sim_h_tasks_list(struct sim_req *rq, struct sim_resp *rs);
void	sim_h_task_index(struct sim_req *rq, struct sim_resp *rs);
void	sim_h_task_status(struct sim_req *rq, struct sim_resp *rs);
void	sim_h_task_log(struct sim_req *rq, struct sim_resp *rs);
void	sim_h_task_stop(struct sim_req *rq, struct sim_resp *rs);
void	sim_h_cluster_tasks(struct sim_req *rq, struct sim_resp *rs);

/** Forget every task (reset). */
void	sim_tasks_reset(struct sim *s);

#endif
