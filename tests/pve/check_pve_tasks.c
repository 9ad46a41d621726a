/**
 * @file check_pve_tasks.c
 * @brief Tasks through the real binary against proximo-sim: a successful,
 *        a failed, a warning and a still-running task; the task list's
 *        outcome buckets and filters; status and log; waits that time out
 *        without reading as failures; stopping a task; a failed task
 *        waited on through the core is an error in the result and the
 *        ledger.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvetest.h"

static struct pxmtest_proc proc;

static void
faults(json_t *f_new)
{
	ck_assert_int_eq(pxm_sim_faults(pvt_sim, NULL), 0);
	if (f_new)
		ck_assert_int_eq(pxm_sim_faults(pvt_sim, f_new), 0);
	json_decref(f_new);
}

/* Plan and confirm a power action; returns the structured result (new). */
static json_t *
power(int vmid, const char *action, int wait)
{
	json_t *args = json_pack("{s:i, s:s}", "vmid", vmid, "action", action), *plan, *r, *sc;

	plan = pvt_plan(&proc, "pve_guest_power", args);
	r = pvt_confirm(&proc, "pve_guest_power", args, json_string_value(json_object_get(plan,
	    "plan_id")), wait);
	sc = json_incref(pvt_sc(r));
	ck_assert_ptr_nonnull(sc);
	json_decref(r);
	json_decref(plan);
	json_decref(args);
	return sc;
}

static json_t *
read_tool(const char *tool, json_t *args_new)
{
	json_t *r = pvt_call(&proc, tool, args_new), *sc = json_incref(pvt_ok(r, tool));

	json_decref(r);
	return sc;
}

static const char *
last_log_line(json_t *log)
{
	json_t *lines = json_object_get(log, "data");

	return json_string_value(json_object_get(json_array_get(lines, json_array_size(lines) - 1),
	    "t"));
}

START_TEST(test_task_life_cycle)
{
	json_t *ok, *failed, *warned, *running, *sc, *row, *by;
	const char *upid_ok, *upid_failed, *upid_warned, *upid_running;
	size_t from, i;
	char *outs;

	pvt_reset();
	pvt_spawn(&proc, NULL);

	/* a task that succeeds */
	ok = power(110, "start", 1);
	ck_assert_str_eq(json_string_value(json_object_get(ok, "status")), "ok");
	upid_ok = json_string_value(json_object_get(ok, "task"));

	/* one that fails: an error, in the result and in the ledger */
	faults(json_pack("{s:{s:s, s:s}}", "fail_task", "type", "qmstart", "message",
	    "start failed: QEMU exited with code 1"));
	from = pvt_ledger_size();
	failed = power(120, "start", 1);
	ck_assert_str_eq(json_string_value(json_object_get(failed, "status")), "error:task_failed");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(failed,
	    "wait"), "exitstatus")), "QEMU exited with code 1"));
	upid_failed = json_string_value(json_object_get(failed, "task"));
	outs = pvt_outcomes(from, "pve_guest_power");
	ck_assert_str_eq(outs, "planned,planned,executing,submitted,error:task_failed");
	free(outs);

	/* one that ends with warnings */
	faults(json_pack("{s:i}", "task_warnings", 2));
	warned = power(110, "stop", 1);
	upid_warned = json_string_value(json_object_get(warned, "task"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(warned, "wait"),
	    "exitstatus")), "WARNINGS: 2");

	/* and one still running, not waited on */
	faults(json_pack("{s:s}", "task_never_finishes", "qmstart"));
	running = power(110, "start", 0);
	ck_assert_str_eq(json_string_value(json_object_get(running, "status")), "submitted");
	upid_running = json_string_value(json_object_get(running, "task"));
	faults(NULL);

	/* the list: one bucket each, rows with their outcome, a window */
	sc = read_tool("pve_tasks_list", json_pack("{s:i}", "limit", 50));
	by = json_object_get(sc, "by_outcome");
	ck_assert_int_ge(json_integer_value(json_object_get(by, "ok")), 1);
	ck_assert_int_ge(json_integer_value(json_object_get(by, "failed")), 1);
	ck_assert_int_ge(json_integer_value(json_object_get(by, "warnings")), 1);
	ck_assert_int_ge(json_integer_value(json_object_get(by, "running")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(sc, "returned")),
	    (json_int_t)json_array_size(json_object_get(sc, "tasks")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(sc, "note")),
	    "not proof"));
	json_array_foreach(json_object_get(sc, "tasks"), i, row) {
		const char *u = json_string_value(json_object_get(row, "upid"));
		const char *o = json_string_value(json_object_get(row, "outcome"));

		ck_assert_ptr_nonnull(o);
		if (strcmp(u, upid_ok) == 0)
			ck_assert_str_eq(o, "ok");
		else if (strcmp(u, upid_failed) == 0)
			ck_assert_str_eq(o, "failed");
		else if (strcmp(u, upid_warned) == 0)
			ck_assert_str_eq(o, "warnings");
		else if (strcmp(u, upid_running) == 0)
			ck_assert_str_eq(o, "running");
	}
	json_decref(sc);
	/* filters go to Proxmox */
	sc = read_tool("pve_tasks_list", json_pack("{s:b, s:i}", "errors", 1, "vmid", 120));
	ck_assert_int_eq(json_integer_value(json_object_get(sc, "returned")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(sc,
	    "tasks"), 0), "upid")), upid_failed);
	json_decref(sc);
	sc = read_tool("pve_tasks_list", json_pack("{s:s}", "typefilter", "qmstop"));
	ck_assert_int_eq(json_integer_value(json_object_get(sc, "returned")), 1);
	json_decref(sc);

	/* status and log */
	sc = read_tool("pve_task_status", json_pack("{s:s}", "upid", upid_running));
	ck_assert_str_eq(json_string_value(json_object_get(sc, "status")), "running");
	json_decref(sc);
	sc = read_tool("pve_task_log", json_pack("{s:s}", "upid", upid_failed));
	ck_assert_str_eq(last_log_line(sc), "TASK ERROR: start failed: QEMU exited with code 1");
	json_decref(sc);
	sc = read_tool("pve_task_log", json_pack("{s:s}", "upid", upid_warned));
	ck_assert_str_eq(last_log_line(sc), "TASK WARNINGS: 2");
	json_decref(sc);

	/* a wait that runs out is not a failure */
	sc = read_tool("pve_task_wait", json_pack("{s:s, s:i}", "upid", upid_running, "timeout", 1));
	ck_assert(json_is_false(json_object_get(sc, "finished")));
	ck_assert(json_is_true(json_object_get(sc, "timed_out")));
	ck_assert_str_eq(json_string_value(json_object_get(sc, "status")), "running");
	json_decref(sc);
	sc = read_tool("pve_task_wait", json_pack("{s:s}", "upid", upid_failed));
	ck_assert(json_is_true(json_object_get(sc, "finished")));
	ck_assert(json_is_false(json_object_get(sc, "succeeded")));
	ck_assert(json_is_false(json_object_get(sc, "timed_out")));
	json_decref(sc);

	/* stopping the running one: its start is undone */
	{
		json_t *args = json_pack("{s:s}", "upid", upid_running), *plan, *r, *st;
		long long mark;

		plan = pvt_plan(&proc, "pve_task_stop", args);
		mark = pvt_mark();
		r = pvt_confirm(&proc, "pve_task_stop", args, json_string_value(json_object_get(plan,
		    "plan_id")), 0);
		ck_assert_str_eq(json_string_value(json_object_get(pvt_sc(r), "status")), "ok");
		st = pvt_sent_since(mark);
		ck_assert_uint_eq(json_array_size(st), 1);
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(st, 0), "method")),
		    "DELETE");
		json_decref(st);
		json_decref(r);
		json_decref(plan);
		json_decref(args);
		sc = read_tool("pve_task_status", json_pack("{s:s}", "upid", upid_running));
		ck_assert_str_eq(json_string_value(json_object_get(sc, "status")), "stopped");
		ck_assert_str_eq(json_string_value(json_object_get(sc, "exitstatus")),
		    "interrupted by signal");
		json_decref(sc);
		st = pvt_state();
		ck_assert_str_eq(json_string_value(pvt_ptr(st, "/pve/guests/110/status")), "stopped");
		json_decref(st);
	}
	/* a UPID that is not one is refused before anything is sent */
	{
		long long mark = pvt_mark();
		json_t *r = pvt_call(&proc, "pve_task_wait", json_pack("{s:s}", "upid", "pve1:1234"));
		json_t *log = pvt_since(mark);

		ck_assert(pvt_is_error(r));
		ck_assert_ptr_nonnull(strstr(pvt_text(r), "UPID"));
		ck_assert_uint_eq(json_array_size(log), 0);
		json_decref(log);
		json_decref(r);
	}
	json_decref(ok);
	json_decref(failed);
	json_decref(warned);
	json_decref(running);
	pvt_finish(&proc);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("pve_tasks");
	TCase *tc = tcase_create("tasks");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_task_life_cycle);
	suite_add_tcase(s, tc);
	return s;
}

PVT_MAIN(suite, "--task-ms", "20")
