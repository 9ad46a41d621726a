/**
 * @file tasks.c
 * @brief proximo-sim: tasks with real-format UPIDs, evaluated lazily.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "tasks.h"

#define TASKS_KEEP	5000	/* finished tasks kept for listings */

struct fx_entry {
	char		*name;
	sim_task_fx	*fn;
};

static struct fx_entry fxs[64];
static size_t nfx;

void
sim_task_register_fx(const char *name, sim_task_fx *fn)
{
	size_t i;

	for (i = 0; i < nfx; i++)
		if (strcmp(fxs[i].name, name) == 0) {
			fxs[i].fn = fn;
			return;
		}
	if (nfx < sizeof fxs / sizeof fxs[0]) {
		fxs[nfx].name = (char *)name;
		fxs[nfx].fn = fn;
		nfx++;
	}
}

static sim_task_fx *
fx_lookup(const char *name)
{
	size_t i;

	for (i = 0; name && i < nfx; i++)
		if (strcmp(fxs[i].name, name) == 0)
			return fxs[i].fn;
	return NULL;
}

/* systemd-escape as PBS does for worker IDs in UPIDs. */
static char *
systemd_escape(const char *in)
{
	size_t n = strlen(in), i, o = 0;
	char *out = malloc(4 * n + 1);

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '/')
			out[o++] = '-';
		else if ((isalnum(c) || c == '_' || (c == '.' && i > 0)))
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
	}
	out[o] = '\0';
	return out;
}

static long long
default_duration(struct sim *s, const char *type)
{
	json_t *simcfg = json_object_get(s->state, "sim");
	json_t *bytype = json_object_get(simcfg, "task_ms_by_type");
	json_t *v;

	if ((v = json_object_get(bytype, type)) != NULL)
		return sim_json_int(v, s->opt.task_ms);
	if ((v = json_object_get(simcfg, "task_ms")) != NULL && s->opt.task_ms == 200)
		return sim_json_int(v, s->opt.task_ms);
	return s->opt.task_ms;
}

static int
fault_matches(const char *want, const char *type)
{
	return want && (strcmp(want, "*") == 0 || strcmp(want, type) == 0);
}

json_t *
sim_task_start(struct sim_req *rq, const char *node, const char *type, const char *id)
{
	struct sim *s = rq->sim;
	char upid[1024], *esc = NULL;
	uint32_t pid, pstart, counter;
	long long start = rq->now_ms / 1000;
	json_t *task, *tasks;
	const char *user = rq->id.authid[0] ? rq->id.authid : "root@pam";

	pid = s->next_pid++;
	pstart = 0x00f00000u + (pid & 0xffff) * 3;
	counter = ++s->task_counter;
	if (rq->surf == SIM_PBS) {
		esc = systemd_escape(id ? id : "");
		snprintf(upid, sizeof upid, "UPID:%s:%08X:%08X:%08X:%08llX:%s:%s:%s:", node, pid,
		    pstart, counter, start, type, esc ? esc : "", user);
	} else {
		snprintf(upid, sizeof upid, "UPID:%s:%08X:%08X:%08llX:%s:%s:%s:", node, pid, pstart,
		    start, type, id ? id : "", user);
	}
	free(esc);
	task = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:I, s:[], s:b, s:i}",
	    "upid", upid, "surface", sim_surface_names[rq->surf], "node", node,
	    "pid", (json_int_t)pid, "pstart", (json_int_t)pstart, "starttime", (json_int_t)start,
	    "start_ms", (json_int_t)rq->now_ms, "type", type, "id", id ? id : "",
	    "user", user, "duration_ms", (json_int_t)default_duration(s, type), "log",
	    "done", 0, "warnings", 0);
	if (task == NULL)
		return NULL;
	if (fault_matches(s->fs.fail_task, type))
		json_object_set_new(task, "error", json_string(s->fs.fail_task_message ?
		    s->fs.fail_task_message : "command failed (fault injected by proximo-sim)"));
	if (fault_matches(s->fs.task_never_finishes, type))
		json_object_set_new(task, "duration_ms", json_integer(-1));
	if (s->fs.task_warnings > 0)
		json_object_set_new(task, "warnings", json_integer(s->fs.task_warnings));
	tasks = sim_arr(s->state, "tasks");
	json_array_append(tasks, task);
	json_array_append(s->active_tasks, task);
	json_object_set(s->task_index, upid, task);
	/* Keep the listing bounded: drop the oldest finished tasks. */
	while (json_array_size(tasks) > TASKS_KEEP) {
		json_t *old = json_array_get(tasks, 0);
		if (!sim_json_truthy(json_object_get(old, "done")))
			break;
		json_object_del(s->task_index, json_string_value(json_object_get(old, "upid")));
		json_array_remove(tasks, 0);
	}
	json_decref(task);
	return task;
}

void
sim_task_set_fx(json_t *task, const char *fx, json_t *args)
{
	json_object_set_new(task, "fx", json_string(fx));
	json_object_set_new(task, "fxargs", args ? args : json_object());
}

void
sim_task_fail(json_t *task, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;

	if (json_object_get(task, "error"))
		return;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (m)
		json_object_set_new(task, "error", json_string(m));
	free(m);
}

void
sim_task_warn(json_t *task, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL, *w = NULL;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (m && asprintf(&w, "WARN: %s", m) >= 0)
		json_array_append_new(sim_arr(task, "log"), json_string(w));
	free(m);
	free(w);
	json_object_set_new(task, "warnings",
	    json_integer(sim_json_int(json_object_get(task, "warnings"), 0) + 1));
}

void
sim_task_log(json_t *task, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (m)
		json_array_append_new(sim_arr(task, "log"), json_string(m));
	free(m);
}

void
sim_task_duration(json_t *task, long long ms)
{
	if (sim_json_int(json_object_get(task, "duration_ms"), 0) >= 0)
		json_object_set_new(task, "duration_ms", json_integer(ms));
}

const char *
sim_task_upid(const json_t *task)
{
	return json_string_value(json_object_get(task, "upid"));
}

int
sim_task_running(const json_t *task, int64_t now_ms)
{
	long long dur = sim_json_int(json_object_get(task, "duration_ms"), 0);
	long long start = sim_json_int(json_object_get(task, "start_ms"), 0);

	if (sim_json_truthy(json_object_get(task, "done")) ||
	    json_object_get(task, "stopped_ms"))
		return 0;
	return dur < 0 || now_ms < start + dur;
}

static long long
end_ms(const json_t *task)
{
	json_t *st = json_object_get(task, "stopped_ms");

	if (st)
		return sim_json_int(st, 0);
	return sim_json_int(json_object_get(task, "start_ms"), 0) +
	    sim_json_int(json_object_get(task, "duration_ms"), 0);
}

/* "OK", "WARNINGS: n" or the error text. */
static char *
exitstatus(const json_t *task)
{
	const char *e = json_string_value(json_object_get(task, "error"));
	long long w = sim_json_int(json_object_get(task, "warnings"), 0);
	char *out = NULL;

	if (e)
		return strdup(e);
	if (w > 0) {
		if (asprintf(&out, "WARNINGS: %lld", w) < 0)
			return NULL;
		return out;
	}
	return strdup("OK");
}

void
sim_tasks_settle(struct sim *s, int64_t now_ms)
{
	json_t *keep = json_array(), *t;
	size_t i;

	/* Effects may start new tasks; work on the current list only. */
	json_t *list = s->active_tasks;

	s->active_tasks = keep;
	json_array_foreach(list, i, t) {
		if (sim_task_running(t, now_ms)) {
			json_array_append(s->active_tasks, t);
			continue;
		}
		json_object_set_new(t, "done", json_true());
		json_object_set_new(t, "endtime", json_integer(end_ms(t) / 1000));
		{
			sim_task_fx *fn = fx_lookup(json_string_value(json_object_get(t, "fx")));
			if (fn)
				fn(s, t, json_object_get(t, "fxargs"),
				    json_object_get(t, "error") == NULL);
		}
	}
	json_decref(list);
}

json_t *
sim_task_find(struct sim *s, const char *upid)
{
	return json_object_get(s->task_index, upid);
}

int
sim_task_stop(struct sim *s, json_t *task, int64_t now_ms)
{
	if (!sim_task_running(task, now_ms))
		return 0;
	json_object_set_new(task, "stopped_ms", json_integer(now_ms));
	json_object_del(task, "error");
	json_object_set_new(task, "error", json_string("interrupted by signal"));
	sim_tasks_settle(s, now_ms);
	return 1;
}

static void
user_fields(json_t *out, const json_t *task, int split)
{
	const char *u = json_string_value(json_object_get(task, "user"));
	const char *bang = u ? strchr(u, '!') : NULL;

	if (split && bang) {
		json_object_set_new(out, "user", json_stringn(u, (size_t)(bang - u)));
		json_object_set_new(out, "tokenid", json_string(bang + 1));
	} else {
		json_object_set_new(out, "user", json_string(u ? u : ""));
	}
}

json_t *
sim_task_status(struct sim *s, const json_t *task, int64_t now_ms)
{
	json_t *out = json_object();
	int pbs = strcmp(json_string_value(json_object_get(task, "surface")), "pbs") == 0;
	char *es;

	(void)s;
	json_object_set(out, "upid", json_object_get(task, "upid"));
	json_object_set(out, "node", json_object_get(task, "node"));
	json_object_set(out, "pid", json_object_get(task, "pid"));
	json_object_set(out, "pstart", json_object_get(task, "pstart"));
	json_object_set(out, "starttime", json_object_get(task, "starttime"));
	json_object_set(out, "type", json_object_get(task, "type"));
	json_object_set(out, "id", json_object_get(task, "id"));
	user_fields(out, task, 1);
	if (sim_task_running(task, now_ms)) {
		json_object_set_new(out, "status", json_string("running"));
	} else {
		json_object_set_new(out, "status", json_string("stopped"));
		es = exitstatus(task);
		json_object_set_new(out, "exitstatus", json_string(es ? es : "unexpected status"));
		free(es);
		if (pbs)
			json_object_set_new(out, "endtime", json_integer(end_ms(task) / 1000));
	}
	return out;
}

json_t *
sim_task_entry(struct sim *s, const json_t *task, int64_t now_ms)
{
	json_t *out = json_object();
	int pbs = strcmp(json_string_value(json_object_get(task, "surface")), "pbs") == 0;
	char *es;

	(void)s;
	json_object_set(out, "upid", json_object_get(task, "upid"));
	json_object_set(out, "node", json_object_get(task, "node"));
	json_object_set(out, "pid", json_object_get(task, "pid"));
	json_object_set(out, "pstart", json_object_get(task, "pstart"));
	json_object_set(out, "starttime", json_object_get(task, "starttime"));
	json_object_set(out, pbs ? "worker_type" : "type", json_object_get(task, "type"));
	json_object_set(out, pbs ? "worker_id" : "id", json_object_get(task, "id"));
	user_fields(out, task, pbs);
	if (!sim_task_running(task, now_ms)) {
		es = exitstatus(task);
		json_object_set_new(out, "status", json_string(es ? es : "unexpected status"));
		free(es);
		json_object_set_new(out, "endtime", json_integer(end_ms(task) / 1000));
	}
	return out;
}

json_t *
sim_task_log_lines(struct sim *s, const json_t *task, int64_t now_ms, long long start,
    long long limit, long long *total)
{
	json_t *out = json_array(), *lines = json_array(), *l;
	size_t i;
	char *es, *fin = NULL;

	(void)s;
	json_array_foreach(json_object_get(task, "log"), i, l)
		json_array_append(lines, l);
	if (!sim_task_running(task, now_ms)) {
		es = exitstatus(task);
		if (es && strcmp(es, "OK") == 0)
			fin = strdup("TASK OK");
		else if (es && strncmp(es, "WARNINGS: ", 10) == 0) {
			if (asprintf(&fin, "TASK %s", es) < 0)
				fin = NULL;
		} else if (asprintf(&fin, "TASK ERROR: %s", es ? es : "unexpected status") < 0) {
			fin = NULL;
		}
		if (fin)
			json_array_append_new(lines, json_string(fin));
		free(fin);
		free(es);
	}
	*total = (long long)json_array_size(lines);
	if (limit <= 0)
		limit = 50;
	for (i = (size_t)(start > 0 ? start : 0); i < json_array_size(lines) &&
	    (long long)json_array_size(out) < limit; i++)
		json_array_append_new(out, json_pack("{s:I, s:O}", "n", (json_int_t)i + 1,
		    "t", json_array_get(lines, i)));
	json_decref(lines);
	return out;
}

void
sim_tasks_reset(struct sim *s)
{
	json_decref(s->active_tasks);
	json_decref(s->task_index);
	s->active_tasks = json_array();
	s->task_index = json_object();
}

/* ------------------------------------------------------------ handlers */

static json_t *
task_for(struct sim_req *rq, struct sim_resp *rs)
{
	const char *upid = sim_param_str(rq, "upid");
	const char *node = sim_param_str(rq, "node");
	json_t *t;

	t = upid ? sim_task_find(rq->sim, upid) : NULL;
	if (t && node && strcmp(node, "localhost") != 0 &&
	    strcmp(json_string_value(json_object_get(t, "node")), node) != 0)
		t = NULL;
	if (t == NULL) {
		if (rq->surf == SIM_PBS) {
			sim_err(rs, 400, "task '%s' does not exist", upid ? upid : "");
			free(rs->text);
			rs->text = strdup(rs->msg);
		} else if (upid == NULL || strncmp(upid, "UPID:", 5) != 0) {
			sim_err(rs, 400, "Parameter verification failed.\n");
			rs->errors = json_pack("{s:s}", "upid", "unable to parse worker upid\n");
		} else {
			sim_err(rs, 400, "Parameter verification failed.\n");
			rs->errors = json_pack("{s:s}", "upid", "no such task\n");
		}
	}
	return t;
}

void
sim_h_task_index(struct sim_req *rq, struct sim_resp *rs)
{
	if (task_for(rq, rs) == NULL)
		return;
	if (rq->surf == SIM_PBS)
		sim_ok(rs, json_null());
	else
		sim_ok(rs, json_pack("[{s:s},{s:s}]", "name", "log", "name", "status"));
}

void
sim_h_task_status(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *t = task_for(rq, rs);

	if (t)
		sim_ok(rs, sim_task_status(rq->sim, t, rq->now_ms));
}

void
sim_h_task_log(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *t = task_for(rq, rs);
	long long start = 0, limit = 50, total = 0;

	if (t == NULL)
		return;
	sim_param_int(rq, "start", &start);
	sim_param_int(rq, "limit", &limit);
	sim_ok(rs, sim_task_log_lines(rq->sim, t, rq->now_ms, start, limit, &total));
	rs->attrs = json_pack("{s:I}", "total", (json_int_t)total);
	if (rq->surf == SIM_PBS)
		json_object_set_new(rs->attrs, "active",
		    json_boolean(sim_task_running(t, rq->now_ms)));
}

void
sim_h_task_stop(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *t = task_for(rq, rs);

	if (t == NULL)
		return;
	sim_task_stop(rq->sim, t, rq->now_ms);
	sim_ok(rs, json_null());
}

static int
list_match(struct sim_req *rq, const json_t *t, const char *node, const char *source)
{
	const char *v;
	long long vmid;
	int running = sim_task_running(t, rq->now_ms);
	long long since, until;

	if (strcmp(json_string_value(json_object_get(t, "surface")),
	    sim_surface_names[rq->surf]) != 0)
		return 0;
	if (node && strcmp(node, "localhost") != 0 &&
	    strcmp(json_string_value(json_object_get(t, "node")), node) != 0)
		return 0;
	if (source && strcmp(source, "archive") == 0 && running)
		return 0;
	if (source && strcmp(source, "active") == 0 && !running)
		return 0;
	if (rq->surf == SIM_PBS && sim_param_bool(rq, "running", 0) && !running)
		return 0;
	if ((v = sim_param_str(rq, "typefilter")) && *v &&
	    strcmp(json_string_value(json_object_get(t, "type")), v) != 0)
		return 0;
	if ((v = sim_param_str(rq, "userfilter")) && *v &&
	    !strstr(json_string_value(json_object_get(t, "user")), v))
		return 0;
	if (sim_param_int(rq, "vmid", &vmid)) {
		char buf[32];
		snprintf(buf, sizeof buf, "%lld", vmid);
		if (strcmp(json_string_value(json_object_get(t, "id")), buf) != 0)
			return 0;
	}
	if (sim_param_bool(rq, "errors", 0)) {
		if (running || !json_object_get(t, "error"))
			return 0;
	}
	if (sim_param_int(rq, "since", &since) &&
	    sim_json_int(json_object_get(t, "starttime"), 0) < since)
		return 0;
	if (sim_param_int(rq, "until", &until) &&
	    sim_json_int(json_object_get(t, "starttime"), 0) > until)
		return 0;
	if ((v = sim_param_str(rq, "statusfilter")) && *v) {
		const char *e = json_string_value(json_object_get(t, "error"));
		long long w = sim_json_int(json_object_get(t, "warnings"), 0);
		const char *st = running ? "running" : e ? "error" : w ? "warning" : "ok";
		json_t *want = sim_split_list(v), *x;
		size_t i;
		int hit = 0;
		json_array_foreach(want, i, x)
			if (strcasecmp(json_string_value(x), st) == 0 ||
			    (strcasecmp(json_string_value(x), "unknown") == 0 && running))
				hit = 1;
		json_decref(want);
		if (!hit)
			return 0;
	}
	return 1;
}

void
sim_h_tasks_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *tasks = json_object_get(rq->sim->state, "tasks"), *out = json_array(), *t;
	const char *node = sim_param_str(rq, "node");
	const char *source = rq->surf == SIM_PVE ? sim_param_str(rq, "source") : "all";
	long long start = 0, limit = 50, n = 0;
	size_t i;

	if (rq->surf == SIM_PVE && source == NULL)
		source = "archive";
	sim_param_int(rq, "start", &start);
	sim_param_int(rq, "limit", &limit);
	/* Newest first. */
	for (i = json_array_size(tasks); i-- > 0;) {
		t = json_array_get(tasks, i);
		if (!list_match(rq, t, node, source))
			continue;
		n++;
		if (n <= start || (long long)json_array_size(out) >= limit)
			continue;
		json_array_append_new(out, sim_task_entry(rq->sim, t, rq->now_ms));
	}
	sim_ok(rs, out);
	rs->attrs = json_pack("{s:I}", "total", (json_int_t)n);
}

void
sim_h_cluster_tasks(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *tasks = json_object_get(rq->sim->state, "tasks"), *out = json_array(), *t;
	size_t i, n = 0;

	for (i = json_array_size(tasks); i-- > 0 && n < 2000;) {
		t = json_array_get(tasks, i);
		if (strcmp(json_string_value(json_object_get(t, "surface")), "pve") != 0)
			continue;
		json_array_append_new(out, sim_task_entry(rq->sim, t, rq->now_ms));
		n++;
	}
	sim_ok(rs, out);
}
