/**
 * @file tasks.c
 * @brief Tasks (UPIDs): the task provider the core polls, the windowed task
 *        list with outcome buckets, and pve_task_wait.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pve.h"

const char *
pve_upid_node(char *buf, size_t size, const char *upid)
{
	const char *a, *b;

	if (upid == NULL || strncmp(upid, "UPID:", 5) != 0)
		return NULL;
	a = upid + 5;
	if ((b = strchr(a, ':')) == NULL || b == a || (size_t)(b - a) >= size)
		return NULL;
	memcpy(buf, a, (size_t)(b - a));
	buf[b - a] = '\0';
	return buf;
}

/* running | ok | warnings | failed | unknown, as the reference classifies. */
static const char *
task_outcome(const json_t *t)
{
	const char *st = json_string_value(json_object_get(t, "status"));
	const json_t *end = json_object_get(t, "endtime");

	if (end == NULL || json_is_null(end))
		return st && strcmp(st, "running") != 0 && strcmp(st, "stopped") != 0 ? "unknown" : "running";
	if (st == NULL)
		return "unknown";
	if (strcmp(st, "OK") == 0)
		return "ok";
	if (strncmp(st, "WARNINGS", 8) == 0)
		return "warnings";
	return "failed";
}

static int
status_of(json_t **out, struct pxm_error *err, struct pxm_call *call, const char *node,
    const char *upid)
{
	json_t *vars = json_pack("{s:s, s:s}", "node", node, "upid", upid);
	int r = pve_get(out, err, call, "/nodes/{node}/tasks/{upid}/status", vars, NULL);

	json_decref(vars);
	return r;
}

static int
provider_poll(struct pxm_task_status *out, struct pxm_error *err, struct pxm_call *call,
    const char *upid, void *payload)
{
	char node[128];
	json_t *st = NULL, *vars, *log = NULL, *q;
	const char *status, *exitstatus;
	int r;

	(void)payload;
	if (pve_upid_node(node, sizeof node, upid) == NULL)
		return pve_fail(err, PXM_E_INVAL, "invalid_argument", "'%s' is not a UPID", upid);
	if ((r = status_of(&st, err, call, node, upid)) != PXM_OK)
		return r;
	status = json_string_value(json_object_get(st, "status"));
	exitstatus = json_string_value(json_object_get(st, "exitstatus"));
	out->finished = status && strcmp(status, "stopped") == 0;
	/* A stopped task without an exit status is not a success. */
	out->succeeded = out->finished && exitstatus && strcmp(exitstatus, "OK") == 0;
	snprintf(out->exitstatus, sizeof out->exitstatus, "%s", exitstatus ? exitstatus : "");
	/* The last log line says what the task is doing. */
	vars = json_pack("{s:s, s:s}", "node", node, "upid", upid);
	q = json_pack("{s:i, s:i}", "start", 0, "limit", 1000);
	if (pve_get(&log, err, call, "/nodes/{node}/tasks/{upid}/log", vars, q) == PXM_OK &&
	    json_array_size(log))
		snprintf(out->last_line, sizeof out->last_line, "%s", json_string_value(json_object_get(
		    json_array_get(log, json_array_size(log) - 1), "t")) ?: "");
	json_decref(log);
	json_decref(vars);
	json_decref(q);
	json_decref(st);
	return PXM_OK;
}

static int
provider_stop(struct pxm_error *err, struct pxm_call *call, const char *upid, void *payload)
{
	char node[128], path[1024];
	json_t *vars, *data = NULL;
	int r;

	(void)payload;
	if (pve_upid_node(node, sizeof node, upid) == NULL)
		return pve_fail(err, PXM_E_INVAL, "invalid_argument", "'%s' is not a UPID", upid);
	vars = json_pack("{s:s, s:s}", "node", node, "upid", upid);
	r = pve_path(path, sizeof path, err, "/nodes/{node}/tasks/{upid}", vars);
	json_decref(vars);
	if (r == PXM_OK)
		r = pve_send(&data, err, call, "DELETE", path, NULL);
	json_decref(data);
	return r;
}

int
pve_task_provider_register(void)
{
	struct pxm_task_provider p;

	memset(&p, 0, sizeof p);
	p.size = sizeof p;
	p.name = "pve";
	p.poll = provider_poll;
	p.stop = provider_stop;
	return pve_host->register_task_provider(pve_self, &p);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int
pve_task_wait_ok(struct pxm_error *err, struct pxm_call *call, const char *node, const char *upid,
    int timeout_s)
{
	struct pxm_task_status st;
	time_t start = time(NULL);
	int r;

	(void)node;
	for (;;) {
		memset(&st, 0, sizeof st);
		st.size = sizeof st;
		if ((r = provider_poll(&st, err, call, upid, NULL)) != PXM_OK)
			return r;
		if (st.finished) {
			if (st.succeeded)
				return PXM_OK;
			return pve_fail(err, PXM_E_REMOTE, "task_failed", "task %s ended with '%s'",
			    upid, st.exitstatus[0] ? st.exitstatus : "no exit status");
		}
		if (time(NULL) - start >= timeout_s)
			return pve_fail(err, PXM_E_TIMEOUT, "timeout", "task %s still running after %d s",
			    upid, timeout_s);
		if (pve_host->call_cancelled(call))
			return pve_fail(err, PXM_E_CANCELLED, "cancelled", "cancelled while waiting for %s",
			    upid);
		sleep_ms(500);
	}
}

int
pve_tasks_list_read(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    void *payload)
{
	const char *node = pve_node(err, args);
	json_t *vars, *q, *rows = NULL, *by, *t, *lean;
	const char *k;
	json_t *v;
	size_t i;
	int r;

	(void)payload;
	if (node == NULL)
		return err->code;
	vars = json_pack("{s:s}", "node", node);
	q = json_deep_copy(args);
	json_object_del(q, "node");
	if (json_object_get(q, "limit") == NULL)
		json_object_set_new(q, "limit", json_integer(50));
	/* PVE lists finished tasks only unless asked: the running bucket
	 * would always read 0 */
	if (json_object_get(q, "source") == NULL)
		json_object_set_new(q, "source", json_string("all"));
	r = pve_get(&rows, err, call, "/nodes/{node}/tasks", vars, q);
	json_decref(vars);
	json_decref(q);
	if (r != PXM_OK)
		return r;
	by = json_pack("{s:i, s:i, s:i, s:i, s:i}", "running", 0, "ok", 0, "warnings", 0,
	    "failed", 0, "unknown", 0);
	lean = json_array();
	json_array_foreach(rows, i, t) {
		const char *o = task_outcome(t);
		json_t *row = json_object();

		json_object_set_new(by, o, json_integer(json_integer_value(json_object_get(by, o)) + 1));
		json_object_foreach(t, k, v)
			if (strcmp(k, "upid") == 0 || strcmp(k, "type") == 0 || strcmp(k, "id") == 0 ||
			    strcmp(k, "user") == 0 || strcmp(k, "status") == 0 ||
			    strcmp(k, "starttime") == 0 || strcmp(k, "endtime") == 0)
				json_object_set(row, k, v);
		json_object_set_new(row, "outcome", json_string(o));
		json_array_append_new(lean, row);
	}
	/* PVE returns the newest `limit` rows: a window, not a total. */
	*out = json_pack("{s:I, s:o, s:o, s:s}", "returned", (json_int_t)json_array_size(lean),
	    "by_outcome", by, "tasks", lean, "note", "a window of the newest tasks on this node; "
	    "absence here is not proof a task never ran");
	json_decref(rows);
	return PXM_OK;
}

int
pve_task_wait_read(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    void *payload)
{
	const char *upid = json_string_value(json_object_get(args, "upid"));
	const char *node = json_string_value(json_object_get(args, "node"));
	int timeout = json_object_get(args, "timeout") ?
	    (int)json_integer_value(json_object_get(args, "timeout")) : 120;
	struct pxm_task_status st;
	time_t start = time(NULL);
	int polls = 0, timed_out = 0, r;
	char buf[128];

	(void)payload;
	(void)node;
	if (pve_upid_node(buf, sizeof buf, upid) == NULL)
		return pve_fail(err, PXM_E_INVAL, "invalid_argument", "argument 'upid' must be a UPID "
		    "(UPID:node:...)");
	for (;;) {
		memset(&st, 0, sizeof st);
		st.size = sizeof st;
		if ((r = provider_poll(&st, err, call, upid, NULL)) != PXM_OK)
			return r;
		polls++;
		if (st.finished)
			break;
		if (time(NULL) - start >= timeout) {
			timed_out = 1;
			break;
		}
		pve_host->call_progress(call, (double)(time(NULL) - start) + polls * 1e-3, 0,
		    st.last_line[0] ? st.last_line : "waiting for the task");
		if (pve_host->call_cancelled(call))
			return pve_fail(err, PXM_E_CANCELLED, "cancelled", "the wait was cancelled; the "
			    "task may still be running");
		sleep_ms(1000);
	}
	*out = json_pack("{s:s, s:b, s:b, s:s, s:s, s:b, s:i}", "upid", upid, "finished",
	    st.finished != 0, "succeeded", st.succeeded != 0, "status",
	    st.finished ? "stopped" : "running", "exitstatus", st.exitstatus, "timed_out", timed_out,
	    "polls", polls);
	return PXM_OK;
}
