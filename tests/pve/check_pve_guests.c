/**
 * @file check_pve_guests.c
 * @brief Guest tools through the real binary against proximo-sim, beyond
 *        "each tool once": the counted lean guest list; config plans with
 *        the per-key diff and the digest they read, that digest in the PUT,
 *        drift refused at confirmation and at execution; secrets masked;
 *        status-aware power plans and no-ops; arguments checked against the
 *        chosen guest kind and action; UNDO (a waited-on snapshot first,
 *        fail-closed); task waits with MCP progress.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pvetest.h"

static struct pxmtest_proc proc;

static void
setup(void)
{
	pvt_reset();
	pvt_spawn(&proc, NULL);
}

static void
teardown(void)
{
	pvt_finish(&proc);
}

static json_t *
state_at(const char *pointer)
{
	json_t *st = pvt_state(), *v = json_incref(pvt_ptr(st, pointer));

	json_decref(st);
	return v;
}

static char *
live_digest(int vmid)
{
	json_t *r = pvt_call(&proc, "pve_guest_config_get", json_pack("{s:i}", "vmid", vmid));
	char *d = strdup(json_string_value(json_object_get(pvt_ok(r, "pve_guest_config_get"),
	    "digest")));

	json_decref(r);
	return d;
}

/* A planning failure: refused with `text`, nothing but GETs sent. */
static void
expect_plan_refused(const char *tool, json_t *args_new, const char *text)
{
	long long mark = pvt_mark();
	json_t *r = pvt_call(&proc, tool, args_new), *sent;

	ck_assert_msg(pvt_is_error(r), "%s was not refused: %s", tool, pvt_text(r));
	ck_assert_msg(strstr(pvt_text(r), text) != NULL, "%s: '%s' does not say '%s'", tool,
	    pvt_text(r), text);
	sent = pvt_sent_since(mark);
	ck_assert_msg(json_array_size(sent) == 0, "%s sent %s", tool, pvt_dump(sent));
	json_decref(sent);
	json_decref(r);
}

/* ------------------------------------------------------------- lists */

START_TEST(test_guest_list_is_a_counted_lean_envelope)
{
	static const char *const lean[] = { "vmid", "name", "type", "status", "node", "uptime",
		"tags", "template", NULL };
	json_t *r, *sc, *g, *v;
	const char *k;
	size_t i, j;
	long long sum = 0;

	r = pvt_call(&proc, "pve_list_guests", json_object());
	sc = pvt_ok(r, "pve_list_guests");
	ck_assert_int_eq(json_integer_value(json_object_get(sc, "total")), 14);
	ck_assert_uint_eq(json_array_size(json_object_get(sc, "guests")), 14);
	json_object_foreach(json_object_get(sc, "by_status"), k, v)
		sum += json_integer_value(v);
	ck_assert_int_eq(sum, 14);
	json_array_foreach(json_object_get(sc, "guests"), i, g) {
		json_object_foreach(g, k, v) {
			int ok = 0;

			for (j = 0; lean[j]; j++)
				ok |= strcmp(lean[j], k) == 0;
			ck_assert_msg(ok, "guest row carries '%s' (not a lean field)", k);
		}
		ck_assert_ptr_nonnull(json_object_get(g, "vmid"));
		ck_assert_ptr_nonnull(json_object_get(g, "status"));
	}
	json_decref(r);

	/* raw rows on request, a node filter, chosen fields */
	r = pvt_call(&proc, "pve_list_guests", json_pack("{s:s, s:s}", "fields", "all", "node",
	    "pve3"));
	sc = pvt_ok(r, "pve_list_guests");
	ck_assert_int_eq(json_integer_value(json_object_get(sc, "total")), 3);
	json_array_foreach(json_object_get(sc, "guests"), i, g) {
		ck_assert_str_eq(json_string_value(json_object_get(g, "node")), "pve3");
		ck_assert_ptr_nonnull(json_object_get(g, "maxmem"));
	}
	json_decref(r);
	r = pvt_call(&proc, "pve_list_guests", json_pack("{s:s}", "fields", "vmid,status"));
	sc = pvt_ok(r, "pve_list_guests");
	json_array_foreach(json_object_get(sc, "guests"), i, g)
		ck_assert_uint_eq(json_object_size(g), 2);
	json_decref(r);
}
END_TEST

/* -------------------------------------------------------------- config */

START_TEST(test_config_plan_diff_and_digest_in_put)
{
	char *digest = live_digest(102), why[1200];
	json_t *args, *plan, *diff, *r, *sent, *put;
	long long mark;

	args = json_pack("{s:i, s:{s:i, s:s, s:n}}", "vmid", 102, "config", "cores", 12, "tags",
	    "prod;db;pg16", "agent");
	plan = pvt_plan(&proc, "pve_guest_config_set", args);
	diff = json_object_get(json_object_get(plan, "current"), "diff");
	ck_assert_uint_eq(json_object_size(diff), 3);
	ck_assert_msg(pvt_subset_new(json_pack("{s:{s:i, s:s}, s:{s:s, s:s}, s:{s:s, s:s}}",
	    "cores", "from", 8, "to", "12", "tags", "from", "prod;db", "to", "prod;db;pg16",
	    "agent", "from", "1", "to", "<deleted>"), diff, why, sizeof why), "%s", why);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(plan, "current"),
	    "digest")), digest);
	/* the declared effect carries the digest the plan read */
	put = json_array_get(json_object_get(plan, "effects"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(put, "params"),
	    "digest")), digest);
	mark = pvt_mark();
	r = pvt_confirm(&proc, "pve_guest_config_set", args, json_string_value(json_object_get(plan,
	    "plan_id")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(pvt_sc(r), "status")), "ok");
	sent = pvt_sent_since(mark);
	ck_assert_uint_eq(json_array_size(sent), 1);
	put = json_array_get(sent, 0);
	ck_assert_str_eq(json_string_value(json_object_get(put, "method")), "PUT");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(put, "params"),
	    "digest")), digest);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(put, "params"),
	    "delete")), "agent");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(put, "params"),
	    "cores")), "12");
	json_decref(sent);
	json_decref(r);
	r = state_at("/pve/guests/102/config");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "cores")), 12);
	ck_assert_ptr_null(json_object_get(r, "agent"));
	json_decref(r);
	json_decref(plan);
	json_decref(args);
	free(digest);
}
END_TEST

START_TEST(test_config_changed_behind_the_plan_is_drift)
{
	json_t *args, *plan, *r, *sc, *sent, *v;
	char *outs, *digest;
	size_t from = pvt_ledger_size();
	long long mark;

	args = json_pack("{s:i, s:{s:s}}", "vmid", 106, "config", "description", "suite");
	plan = pvt_plan(&proc, "pve_guest_config_set", args);
	/* someone else edits the guest */
	v = json_integer(8);
	pvt_state_put("/pve/guests/106/config/cores", v);
	json_decref(v);
	mark = pvt_mark();
	r = pvt_confirm(&proc, "pve_guest_config_set", args, json_string_value(json_object_get(plan,
	    "plan_id")), 0);
	sc = pvt_sc(r);
	ck_assert(pvt_is_error(r));
	ck_assert_str_eq(json_string_value(json_object_get(sc, "status")), "blocked:plan_drift");
	ck_assert_ptr_nonnull(json_object_get(sc, "changed"));
	ck_assert_ptr_nonnull(json_object_get(sc, "new_plan_id"));
	ck_assert_str_ne(json_string_value(json_object_get(sc, "new_plan_id")),
	    json_string_value(json_object_get(plan, "plan_id")));
	sent = pvt_sent_since(mark);
	ck_assert_msg(json_array_size(sent) == 0, "drift sent %s", pvt_dump(sent));
	json_decref(sent);
	outs = pvt_outcomes(from, "pve_guest_config_set");
	ck_assert_str_eq(outs, "planned,planned,blocked:plan_drift");
	free(outs);

	/* the new plan, confirmed, goes out with the new digest */
	digest = live_digest(106);
	mark = pvt_mark();
	json_decref(pvt_confirm(&proc, "pve_guest_config_set", args,
	    json_string_value(json_object_get(sc, "new_plan_id")), 0));
	sent = pvt_sent_since(mark);
	ck_assert_uint_eq(json_array_size(sent), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(sent, 0),
	    "params"), "digest")), digest);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(sent, 0), "status")), 200);
	json_decref(sent);
	free(digest);
	json_decref(r);
	json_decref(plan);
	json_decref(args);
}
END_TEST

START_TEST(test_config_secrets_masked)
{
	static const char secret[] = "Sup3r-S3cret-Pw";
	json_t *args, *plan, *r, *diff;
	char *ledger, *err, *text;

	args = json_pack("{s:i, s:{s:s, s:s}}", "vmid", 9000, "config", "cipassword", secret,
	    "ciuser", "admin");
	plan = pvt_plan(&proc, "pve_guest_config_set", args);
	diff = json_object_get(json_object_get(plan, "current"), "diff");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(diff, "cipassword"),
	    "to")), "<masked>");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(diff, "ciuser"), "to")),
	    "admin");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(
	    json_object_get(plan, "effects"), 0), "params"), "cipassword")), "<masked>");
	r = pvt_confirm(&proc, "pve_guest_config_set", args, json_string_value(json_object_get(plan,
	    "plan_id")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(pvt_sc(r), "status")), "ok");
	text = json_dumps(r, 0);
	ck_assert(strstr(text, secret) == NULL);
	free(text);
	text = json_dumps(plan, 0);
	ck_assert(strstr(text, secret) == NULL);
	free(text);
	ledger = pxmtest_read_file(pvt_ledger_path);
	ck_assert(strstr(ledger, secret) == NULL);
	free(ledger);
	err = pxmtest_stderr(&proc);
	ck_assert(strstr(err, secret) == NULL);
	free(err);
	json_decref(r);
	/* and yet it reached the guest */
	r = state_at("/pve/guests/9000/config");
	ck_assert_ptr_nonnull(json_object_get(r, "cipassword"));
	ck_assert_str_eq(json_string_value(json_object_get(r, "ciuser")), "admin");
	json_decref(r);
	/* cloud-init now has a pending change */
	r = pvt_call(&proc, "pve_cloudinit_get", json_pack("{s:i}", "vmid", 9000));
	text = json_dumps(pvt_ok(r, "pve_cloudinit_get"), 0);
	ck_assert(strstr(text, secret) == NULL);
	ck_assert(strstr(text, "\"pending\": \"admin\"") != NULL || strstr(text,
	    "\"pending\":\"admin\"") != NULL);
	free(text);
	json_decref(r);
	json_decref(plan);
	json_decref(args);
}
END_TEST

START_TEST(test_config_keys_checked_before_sending)
{
	expect_plan_refused("pve_guest_config_set", json_pack("{s:i, s:{s:i}}", "vmid", 100,
	    "config", "colour", 3), "colour");
	expect_plan_refused("pve_guest_config_set", json_pack("{s:i, s:{s:s}}", "vmid", 100,
	    "config", "digest", "0000"), "managed by proximo");
	/* a container key on a VM */
	expect_plan_refused("pve_guest_config_set", json_pack("{s:i, s:{s:s}}", "vmid", 100,
	    "config", "hostname", "web"), "hostname");
	expect_plan_refused("pve_guest_config_set", json_pack("{s:i, s:{s:s}}", "vmid", 100,
	    "config", "cores", "many"), "cores");
	expect_plan_refused("pve_guest_config_set", json_pack("{s:i, s:{s:i}}", "vmid", 100,
	    "config", "cores", 0), "cores");
	expect_plan_refused("pve_guest_config_set", json_pack("{s:i, s:{s:i}}", "vmid", 4242,
	    "config", "cores", 2), "guest 4242 does not exist");
}
END_TEST

START_TEST(test_config_revert_skips_unsafe_keys)
{
	json_t *args, *plan, *r, *sent;

	/* a prior_config that would re-attach a disk and add a hook */
	args = json_pack("{s:i, s:{s:s, s:s, s:s, s:s}}", "vmid", 111, "prior_config", "name",
	    "lab2-old", "scsi1", "local-lvm:vm-111-disk-9,size=1G", "hookscript",
	    "local:snippets/evil.sh", "digest", "0000");
	plan = pvt_plan(&proc, "pve_guest_config_revert", args);
	r = pvt_confirm(&proc, "pve_guest_config_revert", args, json_string_value(json_object_get(
	    plan, "plan_id")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(pvt_sc(r), "status")), "ok");
	ck_assert_msg(pvt_subset_new(json_pack("{s:{s:[s]}}", "result", "reverted_to_keys", "name"),
	    pvt_sc(r), NULL, 0), "%s", pvt_text(r));
	ck_assert_msg(pvt_subset_new(json_pack("{s:{s:[s, s]}}", "result", "skipped_unsettable",
	    "scsi1", "hookscript"), pvt_sc(r), NULL, 0), "%s", pvt_text(r));
	sent = state_at("/pve/guests/111/config");
	ck_assert_str_eq(json_string_value(json_object_get(sent, "name")), "lab2-old");
	ck_assert_ptr_null(json_object_get(sent, "scsi1"));
	ck_assert_ptr_null(json_object_get(sent, "hookscript"));
	json_decref(sent);
	json_decref(r);
	json_decref(plan);
	json_decref(args);
}
END_TEST

/* ---------------------------------------------------------------- power */

START_TEST(test_power_noop_sends_nothing)
{
	json_t *args = json_pack("{s:i, s:s}", "vmid", 100, "action", "start"), *plan, *r, *sent;
	long long mark;

	plan = pvt_plan(&proc, "pve_guest_power", args);
	ck_assert_str_eq(json_string_value(json_object_get(plan, "risk")), "none");
	ck_assert_uint_eq(json_array_size(json_object_get(plan, "effects")), 0);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(plan, "note")), "no-op"));
	mark = pvt_mark();
	r = pvt_confirm(&proc, "pve_guest_power", args, json_string_value(json_object_get(plan,
	    "plan_id")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(pvt_sc(r), "status")), "ok");
	sent = pvt_sent_since(mark);
	ck_assert_uint_eq(json_array_size(sent), 0);
	json_decref(sent);
	json_decref(r);
	json_decref(plan);
	/* stopping a stopped guest: the same */
	json_decref(args);
	args = json_pack("{s:i, s:s}", "vmid", 106, "action", "shutdown");
	plan = pvt_plan(&proc, "pve_guest_power", args);
	ck_assert_uint_eq(json_array_size(json_object_get(plan, "effects")), 0);
	json_decref(plan);
	json_decref(args);
}
END_TEST

START_TEST(test_arguments_checked_against_kind_and_action)
{
	/* a container's start takes no timeout (a VM's does) */
	expect_plan_refused("pve_guest_power", json_pack("{s:i, s:s, s:i}", "vmid", 121, "action",
	    "start", "timeout", 30), "'timeout' does not apply to start of a container");
	expect_plan_refused("pve_guest_power", json_pack("{s:i, s:s, s:i}", "vmid", 111, "action",
	    "suspend", "timeout", 30), "'timeout' does not apply to suspend of a VM");
	/* the disk enum is the union of both kinds; each call gets its own */
	expect_plan_refused("pve_disk_resize", json_pack("{s:i, s:s, s:s}", "vmid", 121, "disk",
	    "scsi0", "size", "+1G"), "for kind lxc");
	expect_plan_refused("pve_disk_resize", json_pack("{s:i, s:s, s:s}", "vmid", 106, "disk",
	    "rootfs", "size", "+1G"), "for kind qemu");
	/* a VM-only tool on a container */
	expect_plan_refused("pve_disk_move", json_pack("{s:i, s:s, s:s}", "vmid", 121, "disk",
	    "scsi0", "storage", "ceph-vm"), "works on virtual machines (qemu) only");
	/* a scope's own parameters: a cluster rule has no vmid */
	expect_plan_refused("pve_firewall_rule_add", json_pack("{s:s, s:s, s:s, s:i}", "scope",
	    "cluster", "type", "in", "action", "ACCEPT", "vmid", 100), "vmid");
	expect_plan_refused("pve_firewall_rule_add", json_pack("{s:s, s:s, s:s}", "scope", "guest",
	    "type", "in", "action", "ACCEPT"), "argument 'vmid' is required for scope 'guest'");
	expect_plan_refused("pve_firewall_options_set", json_pack("{s:s, s:b}", "scope", "cluster",
	    "enable", 1), "enable");
	/* a volume and a storage that disagree */
	expect_plan_refused("pve_storage_content_delete", json_pack("{s:s, s:s}", "volume",
	    "local:iso/debian-12.7.0-amd64-netinst.iso", "storage", "nfs-backup"),
	    "is on storage 'local', not 'nfs-backup'");
}
END_TEST

/* The task outlives the wait (wait_timeout 1 s): every poll of a running
 * task reports progress, and none of this depends on timing. */
START_TEST(test_wait_reports_progress)
{
	json_t *v = json_pack("{s:i}", "qmstart", 3600000), *notes = json_array(), *res, *sc, *n;
	json_t *args = json_pack("{s:i, s:s}", "vmid", 110, "action", "start"), *plan, *a;
	size_t i, progress = 0;

	pvt_state_put("/sim/task_ms_by_type", v);
	json_decref(v);
	plan = pvt_plan(&proc, "pve_guest_power", args);
	a = json_deep_copy(args);
	json_object_set_new(a, "confirm", json_true());
	json_object_set(a, "plan_id", json_object_get(plan, "plan_id"));
	json_object_set_new(a, "wait", json_true());
	json_object_set_new(a, "wait_timeout", json_integer(1));
	res = pxmtest_request(&proc, "tools/call", json_pack("{s:s, s:o, s:{s:s}}", "name",
	    "pve_guest_power", "arguments", a, "_meta", "progressToken", "power-110"), notes);
	sc = json_object_get(json_object_get(res, "result"), "structuredContent");
	/* the wait ended, the task did not: that is not a failure */
	ck_assert_str_eq(json_string_value(json_object_get(sc, "status")), "running");
	ck_assert(json_is_true(json_object_get(json_object_get(sc, "wait"), "timed_out")));
	ck_assert(!json_is_true(json_object_get(json_object_get(res, "result"), "isError")));
	json_array_foreach(notes, i, n)
		if (strcmp(json_string_value(json_object_get(n, "method")),
		    "notifications/progress") == 0) {
			ck_assert_str_eq(json_string_value(json_object_get(json_object_get(n, "params"),
			    "progressToken")), "power-110");
			ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(n,
			    "params"), "message")), ":qmstart:110:"));
			progress++;
		}
	ck_assert_uint_ge(progress, 1);
	/* stopping the task undoes the start */
	{
		json_t *sa = json_pack("{s:O}", "upid", json_object_get(sc, "task")), *sp, *sr;

		sp = pvt_plan(&proc, "pve_task_stop", sa);
		sr = pvt_confirm(&proc, "pve_task_stop", sa, json_string_value(json_object_get(sp,
		    "plan_id")), 0);
		ck_assert_str_eq(json_string_value(json_object_get(pvt_sc(sr), "status")), "ok");
		json_decref(sr);
		json_decref(sp);
		json_decref(sa);
	}
	v = state_at("/pve/guests/110/status");
	ck_assert_str_eq(json_string_value(v), "stopped");
	json_decref(v);
	json_decref(res);
	json_decref(notes);
	json_decref(plan);
	json_decref(args);
}
END_TEST

START_TEST(test_rollback_plan_names_a_missing_snapshot)
{
	json_t *args = json_pack("{s:i, s:s}", "vmid", 102, "snapname", "nope"), *plan;
	char *t;

	plan = pvt_plan(&proc, "pve_rollback", args);
	t = json_dumps(json_object_get(plan, "blast_radius"), 0);
	ck_assert_msg(strstr(t, "snapshot 'nope' does not exist: the rollback will FAIL") != NULL,
	    "%s", t);
	ck_assert_str_eq(json_string_value(json_object_get(plan, "risk")), "high");
	free(t);
	json_decref(plan);
	json_decref(args);
}
END_TEST

/* ---------------------------------------------------------------- UNDO */

START_TEST(test_undo_snapshot_first)
{
	json_t *args = json_pack("{s:i, s:{s:s}}", "vmid", 100, "config", "description", "guarded");
	json_t *plan, *r, *sc, *log, *e, *undo, *snaps;
	size_t from = pvt_ledger_size(), i;
	long long mark;
	const char *point;
	char *outs;
	int snap_at = -1, put_at = -1;

	plan = pvt_plan(&proc, "pve_guest_config_set", args);
	json_object_set_new(args, "snapshot", json_true());
	mark = pvt_mark();
	r = pvt_confirm(&proc, "pve_guest_config_set", args, json_string_value(json_object_get(plan,
	    "plan_id")), 0);
	sc = pvt_sc(r);
	ck_assert_msg(!pvt_is_error(r), "%s", pvt_text(r));
	undo = json_object_get(sc, "undo_point");
	point = json_string_value(json_object_get(undo, "point"));
	ck_assert_ptr_nonnull(point);
	ck_assert_int_eq(strncmp(point, "proximo_undo_", 13), 0);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(undo, "revert")),
	    "pve_rollback"));
	/* the snapshot was made, and waited on, before the change */
	log = pvt_since(mark);
	json_array_foreach(log, i, e) {
		const char *m = json_string_value(json_object_get(e, "method"));
		const char *op = json_string_value(json_object_get(e, "operation"));

		if (strcmp(m, "POST") == 0 && strcmp(op, "/nodes/{node}/qemu/{vmid}/snapshot") == 0)
			snap_at = (int)i;
		if (strcmp(m, "PUT") == 0 && strcmp(op, "/nodes/{node}/qemu/{vmid}/config") == 0) {
			put_at = (int)i;
			ck_assert_int_eq(json_integer_value(json_object_get(e, "status")), 200);
		}
	}
	ck_assert_int_ge(snap_at, 0);
	ck_assert_int_gt(put_at, snap_at);
	{
		int waited = 0;

		for (i = (size_t)snap_at + 1; i < (size_t)put_at; i++)
			waited |= strstr(json_string_value(json_object_get(json_array_get(log, i),
			    "operation")), "/tasks/{upid}/status") != NULL;
		ck_assert_msg(waited, "the snapshot task was not waited on");
	}
	json_decref(log);
	snaps = state_at("/pve/guests/100/snapshots");
	ck_assert_ptr_nonnull(json_object_get(snaps, point));
	json_decref(snaps);
	e = state_at("/pve/guests/100/config/description");
	ck_assert_str_eq(json_string_value(e), "guarded");
	json_decref(e);
	outs = pvt_outcomes(from, "pve_guest_config_set");
	ck_assert_str_eq(outs, "planned,planned,undo_point,executing,ok");
	free(outs);
	json_decref(r);
	json_decref(plan);
	json_decref(args);
}
END_TEST

START_TEST(test_undo_fail_closed)
{
	json_t *args = json_pack("{s:i, s:{s:s}}", "vmid", 120, "config", "description", "nope");
	json_t *plan, *r, *sc, *sent, *v;
	size_t from = pvt_ledger_size();
	long long mark;
	char *outs;

	plan = pvt_plan(&proc, "pve_guest_config_set", args);
	json_object_set_new(args, "snapshot", json_true());
	mark = pvt_mark();
	r = pvt_confirm(&proc, "pve_guest_config_set", args, json_string_value(json_object_get(plan,
	    "plan_id")), 0);
	sc = pvt_sc(r);
	ck_assert(pvt_is_error(r));
	ck_assert_str_eq(json_string_value(json_object_get(sc, "status")),
	    "blocked:undo_unavailable");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(sc, "message")),
	    "snapshot feature is not available"));
	sent = pvt_sent_since(mark);
	/* the snapshot was tried; the change never went out */
	ck_assert_uint_eq(json_array_size(sent), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(sent, 0), "method")),
	    "POST");
	json_decref(sent);
	v = state_at("/pve/guests/120/config/description");
	ck_assert_ptr_null(v);
	outs = pvt_outcomes(from, "pve_guest_config_set");
	ck_assert_str_eq(outs, "planned,planned,blocked:undo_unavailable");
	free(outs);
	json_decref(r);
	json_decref(plan);
	json_decref(args);
}
END_TEST

/* While the undo snapshot runs, someone edits the guest: the change the
 * plan described no longer applies, and the executor refuses it. */
struct editor {
	int	done;
	char	why[256];
};

static void *
edit_during_snapshot(void *arg)
{
	struct editor *ed = arg;
	time_t deadline = time(NULL) + 60;

	while (time(NULL) < deadline) {
		json_t *tasks = NULL, *t;
		size_t i;

		if (pxm_sim_control(&tasks, pvt_sim, "GET", "/state/tasks", NULL) != 200) {
			snprintf(ed->why, sizeof ed->why, "GET /state/tasks failed");
			return NULL;
		}
		json_array_foreach(tasks, i, t) {
			char ptr[64];
			json_t *v;

			if (strcmp(json_string_value(json_object_get(t, "type")), "qmsnapshot") != 0 ||
			    json_is_true(json_object_get(t, "done")))
				continue;
			v = json_integer(6);
			pxm_sim_state_put(pvt_sim, "/pve/guests/100/config/cores", v);
			json_decref(v);
			/* then let the snapshot finish */
			snprintf(ptr, sizeof ptr, "/tasks/%zu/duration_ms", i);
			v = json_integer(0);
			pxm_sim_state_put(pvt_sim, ptr, v);
			json_decref(v);
			ed->done = 1;
			json_decref(tasks);
			return NULL;
		}
		json_decref(tasks);
		usleep(20000);
	}
	snprintf(ed->why, sizeof ed->why, "no snapshot task appeared");
	return NULL;
}

START_TEST(test_change_during_undo_is_refused)
{
	json_t *args = json_pack("{s:i, s:{s:s}}", "vmid", 100, "config", "description", "late");
	json_t *v = json_pack("{s:i}", "qmsnapshot", 3600000), *plan, *r, *sc, *sent;
	struct editor ed = { 0, "" };
	size_t from = pvt_ledger_size();
	pthread_t th;
	long long mark;
	char *outs;

	pvt_state_put("/sim/task_ms_by_type", v);
	json_decref(v);
	plan = pvt_plan(&proc, "pve_guest_config_set", args);
	json_object_set_new(args, "snapshot", json_true());
	ck_assert_int_eq(pthread_create(&th, NULL, edit_during_snapshot, &ed), 0);
	mark = pvt_mark();
	r = pvt_confirm(&proc, "pve_guest_config_set", args, json_string_value(json_object_get(plan,
	    "plan_id")), 0);
	pthread_join(th, NULL);
	ck_assert_msg(ed.done, "%s", ed.why);
	sc = pvt_sc(r);
	ck_assert(pvt_is_error(r));
	ck_assert_str_eq(json_string_value(json_object_get(sc, "status")), "error");
	ck_assert_msg(strstr(json_string_value(json_object_get(sc, "message")),
	    "changed after the plan was confirmed (cores)") != NULL, "%s", pvt_text(r));
	sent = pvt_sent_since(mark);
	ck_assert_uint_eq(json_array_size(sent), 1);	/* the snapshot only */
	json_decref(sent);
	v = state_at("/pve/guests/100/config/description");
	ck_assert_ptr_null(v);
	outs = pvt_outcomes(from, "pve_guest_config_set");
	ck_assert_str_eq(outs, "planned,planned,undo_point,executing,error");
	free(outs);
	json_decref(r);
	json_decref(plan);
	json_decref(args);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("pve_guests");
	TCase *tc = tcase_create("guests");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_guest_list_is_a_counted_lean_envelope);
	tcase_add_test(tc, test_config_plan_diff_and_digest_in_put);
	tcase_add_test(tc, test_config_changed_behind_the_plan_is_drift);
	tcase_add_test(tc, test_config_secrets_masked);
	tcase_add_test(tc, test_config_keys_checked_before_sending);
	tcase_add_test(tc, test_config_revert_skips_unsafe_keys);
	tcase_add_test(tc, test_power_noop_sends_nothing);
	tcase_add_test(tc, test_arguments_checked_against_kind_and_action);
	tcase_add_test(tc, test_wait_reports_progress);
	tcase_add_test(tc, test_rollback_plan_names_a_missing_snapshot);
	tcase_add_test(tc, test_undo_snapshot_first);
	tcase_add_test(tc, test_undo_fail_closed);
	tcase_add_test(tc, test_change_during_undo_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

PVT_MAIN(suite, "--task-ms", "20")
