/**
 * @file tasks.c
 * @brief Task waits with progress.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mcp/server.h"
#include "pipeline/call.h"
#include "pipeline/tasks.h"
#include "registry/registry.h"
#include "util/error.h"
#include "util/settings.h"

static double
seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

int
pxm_task_wait(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const struct pxm_registry *reg, const struct pxm_tool_def *def, const char *task_id,
    int timeout_s)
{
	const struct pxm_task_provider *prov;
	struct pxm_task_status st;
	struct pxm_error perr;
	struct timespec t0;
	char msg[512];
	uint64_t interval_ms;
	int polls = 0, timed_out = 0, cancelled = 0, saved = call->phase, r = PXM_OK;
	double elapsed;

	*out = NULL;
	if ((prov = pxm_registry_task_provider(reg, def->owner)) == NULL)
		return pxm_error_set(err, PXM_E_UNSUPPORTED, "task",
		    "no task provider serves %s; poll the task yourself", def->name);
	if (pxm_config_uint(&interval_ms, &perr, "PROXIMO_TASK_POLL_MS", 1000, 50, 60000) != PXM_OK)
		interval_ms = 1000;
	memset(&st, 0, sizeof st);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	call->phase = PXM_PHASE_TASK;
	for (;;) {
		memset(&st, 0, sizeof st);
		st.size = sizeof st;
		st.percent = -1;
		pxm_error_clear(&perr);
		r = prov->poll(&st, &perr, call, task_id, prov->payload);
		polls++;
		if (r != PXM_OK) {
			pxm_error_set(err, r, perr.reason[0] ? perr.reason : "task",
			    "cannot read the status of task %s: %s (it may still be running)",
			    task_id, perr.text);
			break;
		}
		elapsed = seconds_since(&t0);
		if (st.finished)
			break;
		snprintf(msg, sizeof msg, "task %s running for %.0f s%s%s", task_id, elapsed,
		    st.last_line[0] ? ": " : "", st.last_line);
		/* progress must increase: elapsed seconds do, percent may not */
		if (st.percent >= 0)
			pxm_call_progress(call, st.percent, 100, msg);
		else
			pxm_call_progress(call, elapsed, 0, msg);
		if (elapsed >= timeout_s) {
			timed_out = 1;
			break;
		}
		/* Wait in small slices so a cancellation is seen promptly. */
		{
			uint64_t waited = 0;

			while (waited < interval_ms) {
				if (call->srv) {
					pxm_mcp_pump(call->srv, 50);
					if (pxm_mcp_cancelled(call->srv)) {
						cancelled = 1;
						break;
					}
				} else {
					struct timespec ts = { 0, 50 * 1000000L };
					nanosleep(&ts, NULL);
				}
				waited += 50;
			}
		}
		if (cancelled)
			break;
	}
	call->phase = saved;
	*out = json_pack("{s:s, s:b, s:b, s:s, s:b, s:b, s:i, s:f}", "task", task_id,
	    "finished", st.finished != 0, "succeeded", st.finished && st.succeeded,
	    "exitstatus", st.exitstatus, "timed_out", timed_out, "cancelled", cancelled,
	    "polls", polls, "elapsed_seconds", seconds_since(&t0));
	if (st.last_line[0])
		json_object_set_new(*out, "last_line", json_string(st.last_line));
	if (!st.finished)
		json_object_set_new(*out, "note", json_string(
		    "the task is still running (the wait ended, the task did not); "
		    "check it again before assuming an outcome"));
	return r;
}
