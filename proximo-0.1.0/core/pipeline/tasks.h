/**
 * @file tasks.h
 * @brief Waiting on an asynchronous task (a PVE UPID) with MCP progress and
 *        cancellation.
 */
#ifndef PXM_PIPELINE_TASKS_H
#define PXM_PIPELINE_TASKS_H

#include <jansson.h>

#include "proximo/sdk.h"

struct pxm_call;
struct pxm_registry;
struct pxm_tool_def;

/**
 * Poll the task through the tool owner's task provider until it stops,
 * timeout_s passes or the client cancels.  *out = {task, finished,
 * succeeded, exitstatus, timed_out, cancelled, polls, elapsed_seconds}.
 * Never pretends a task stopped: a timeout or cancel says it still runs.
 */
int	pxm_task_wait(json_t **out, struct pxm_error *err, struct pxm_call *call,
	    const struct pxm_registry *reg, const struct pxm_tool_def *def,
	    const char *task_id, int timeout_s);

#endif
