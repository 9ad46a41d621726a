/**
 * @file check_sim_pve.c
 * @brief proximo-sim's PVE estate (demo profile) over real HTTPS: guest
 *        lifecycle, clones and templates, migration, backup and restore,
 *        network pending changes, firewall and the generic collections,
 *        cluster views, and every GET answering with its schema's shape.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>

#include "sim_harness.h"
#include "simtest.h"

static struct pxm_sim *sim;

static void
sim_up(void)
{
	char profile[1024];
	const char *args[] = { "--task-ms", "100", "--profile", profile, NULL };

	st_demo_profile(profile, sizeof profile);
	st_sim_up(&sim, args);
}

static void
sim_down(void)
{
	st_sim_down(&sim);
}

static void
fresh(void)
{
	st_fresh(sim);
}

/* Run a call that answers a UPID and wait for the task; returns the
 * task's exit status (new string). */
static char *
run_task(const char *method, const char *path, const char *form, const char *node)
{
	struct st_resp r;
	json_t *st;
	char *upid, *es;

	st_call(&r, sim, "pve", method, path, form, ST_TOKEN, NULL);
	ck_assert_msg(r.status == 200, "%s %s: %ld %s", method, path, r.status, r.body);
	ck_assert_ptr_nonnull(json_string_value(st_data(&r)));
	upid = strdup(json_string_value(st_data(&r)));
	st_resp_free(&r);
	st = st_wait_task(sim, "pve", node, upid, 20000);
	ck_assert_ptr_nonnull(st);
	es = strdup(st_jstr(st, "exitstatus"));
	json_decref(st);
	free(upid);
	return es;
}

static json_t *
get(const char *path, const char *query)
{
	struct st_resp r;
	json_t *d;

	st_call(&r, sim, "pve", "GET", path, query, ST_TOKEN, NULL);
	ck_assert_msg(r.status == 200, "GET %s: %ld %s", path, r.status, r.body);
	d = json_incref(st_data(&r));
	st_resp_free(&r);
	return d;
}

static long
status_of(const char *method, const char *path, const char *form, char **msg)
{
	struct st_resp r;
	long st;

	st_call(&r, sim, "pve", method, path, form, ST_TOKEN, NULL);
	st = r.status;
	if (msg)
		*msg = strdup(st_jstr(r.json, "message") ? st_jstr(r.json, "message") : "");
	st_resp_free(&r);
	return st;
}

START_TEST(test_linked_clone_of_template)
{
	json_t *cfg;
	char *es, *msg;

	fresh();
	es = run_task("POST", "/nodes/pve1/qemu/9000/clone", "newid=120&name=lab3", "pve1");
	ck_assert_str_eq(es, "OK");
	free(es);
	cfg = get("/nodes/pve1/qemu/120/config", NULL);
	ck_assert_str_eq(st_jstr(cfg, "scsi0"), "local-lvm:base-9000-disk-0/vm-120-disk-0,size=20G");
	ck_assert_str_eq(st_jstr(cfg, "name"), "lab3");
	/* a fresh MAC, not the template's */
	ck_assert_ptr_null(strstr(st_jstr(cfg, "net0"), "BC:24:11:10:90:00"));
	ck_assert_ptr_null(json_object_get(cfg, "template"));
	json_decref(cfg);
	/* the template cannot go while linked clones use it */
	es = run_task("DELETE", "/nodes/pve1/qemu/9000", NULL, "pve1");
	ck_assert_ptr_nonnull(strstr(es, "is still in use by linked clone"));
	free(es);
	/* linked clones need a template */
	ck_assert_int_eq(status_of("POST", "/nodes/pve1/qemu/111/clone", "newid=121&full=0", &msg),
	    500);
	ck_assert_str_eq(msg, "Linked clone feature is not supported for non-template VMs\n");
	free(msg);
	ck_assert_int_eq(status_of("POST", "/nodes/pve1/qemu/9000/clone", "newid=100", &msg), 500);
	ck_assert_str_eq(msg, "unable to create VM 100: config file already exists\n");
	free(msg);
	/* a full clone to another storage */
	es = run_task("POST", "/nodes/pve1/qemu/111/clone", "newid=122&full=1&storage=ceph-vm",
	    "pve1");
	ck_assert_str_eq(es, "OK");
	free(es);
	cfg = get("/nodes/pve1/qemu/122/config", NULL);
	ck_assert_str_eq(st_jstr(cfg, "scsi0"), "ceph-vm:vm-122-disk-0,size=20G");
	json_decref(cfg);
}
END_TEST

START_TEST(test_template_conversion)
{
	char *es, *msg;
	json_t *cfg;

	fresh();
	ck_assert_int_eq(status_of("POST", "/nodes/pve1/qemu/111/template", NULL, &msg), 500);
	ck_assert_ptr_nonnull(strstr(msg, "is running"));
	free(msg);
	es = run_task("POST", "/nodes/pve2/qemu/106/template", NULL, "pve2");
	ck_assert_str_eq(es, "OK");
	free(es);
	cfg = get("/nodes/pve2/qemu/106/config", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(cfg, "template")), 1);
	ck_assert_str_eq(st_jstr(cfg, "scsi0"), "local-lvm:base-106-disk-0,size=200G");
	json_decref(cfg);
	ck_assert_int_eq(status_of("POST", "/nodes/pve2/qemu/106/status/start", NULL, &msg), 500);
	ck_assert_str_eq(msg, "you can't start a vm if it's a template\n");
	free(msg);
}
END_TEST

START_TEST(test_migration_rules)
{
	char *es, *msg;
	json_t *v;

	fresh();
	ck_assert_int_eq(status_of("POST", "/nodes/pve1/qemu/111/migrate", "target=pve1", NULL), 400);
	ck_assert_int_eq(status_of("POST", "/nodes/pve1/qemu/111/migrate", "target=pve2", &msg), 500);
	ck_assert_str_eq(msg, "can't migrate running VM without --online\n");
	free(msg);
	/* online with a local disk needs with-local-disks */
	ck_assert_int_eq(status_of("POST", "/nodes/pve1/qemu/111/migrate", "target=pve2&online=1",
	    &msg), 500);
	ck_assert_ptr_nonnull(strstr(msg, "with-local-disks"));
	free(msg);
	es = run_task("POST", "/nodes/pve1/qemu/111/migrate", "target=pve2&online=1&"
	    "with-local-disks=1", "pve1");
	ck_assert_str_eq(es, "OK");
	free(es);
	v = get("/nodes/pve2/qemu/111/status/current", NULL);
	ck_assert_str_eq(st_jstr(v, "status"), "running");
	json_decref(v);
	ck_assert_int_eq(status_of("GET", "/nodes/pve1/qemu/111/config", NULL, &msg), 500);
	ck_assert_str_eq(msg, "Configuration file 'nodes/pve1/qemu-server/111.conf' does not exist\n");
	free(msg);
	/* an offline target; proxied calls to it answer 595 */
	v = json_string("offline");
	ck_assert_int_eq(pxm_sim_state_put(sim, "/pve/nodes/pve3/status", v), 0);
	json_decref(v);
	ck_assert_int_eq(status_of("POST", "/nodes/pve2/qemu/106/migrate", "target=pve3", &msg), 500);
	ck_assert_str_eq(msg, "target node 'pve3' is not online\n");
	free(msg);
	ck_assert_int_eq(status_of("GET", "/nodes/pve3/qemu", NULL, NULL), 595);
	v = get("/cluster/status", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(v, 0), "quorate")), 1);
	json_decref(v);
}
END_TEST

START_TEST(test_destroy_rules)
{
	char *es, *msg;

	fresh();
	ck_assert_int_eq(status_of("DELETE", "/nodes/pve1/qemu/100", NULL, &msg), 500);
	ck_assert_str_eq(msg, "VM 100 is running - destroy failed\n");
	free(msg);
	ck_assert_int_eq(status_of("DELETE", "/nodes/pve1/qemu/102", NULL, &msg), 500);
	ck_assert_str_eq(msg, "can't remove VM 102 - protection mode enabled\n");
	free(msg);
	es = run_task("POST", "/nodes/pve1/qemu/100/status/stop", NULL, "pve1");
	free(es);
	ck_assert_int_eq(status_of("DELETE", "/nodes/pve1/qemu/100", NULL, &msg), 500);
	ck_assert_ptr_nonnull(strstr(msg, "used in HA resources and purge parameter not set"));
	free(msg);
	es = run_task("DELETE", "/nodes/pve1/qemu/100", "purge=1", "pve1");
	ck_assert_str_eq(es, "OK");
	free(es);
	ck_assert_int_eq(status_of("GET", "/nodes/pve1/qemu/100/config", NULL, NULL), 500);
	ck_assert_int_eq(status_of("GET", "/cluster/ha/resources/vm:100", NULL, NULL), 500);
}
END_TEST

START_TEST(test_create_guest)
{
	char *es, *msg;
	json_t *cfg;

	fresh();
	es = run_task("POST", "/nodes/pve3/qemu", "vmid=150&name=new1&memory=2048&cores=2&"
	    "scsi0=local-lvm:8&net0=virtio,bridge=vmbr0&start=1", "pve3");
	ck_assert_str_eq(es, "OK");
	free(es);
	cfg = get("/nodes/pve3/qemu/150/config", NULL);
	ck_assert_str_eq(st_jstr(cfg, "scsi0"), "local-lvm:vm-150-disk-0,size=8G");
	ck_assert_int_eq(json_integer_value(json_object_get(cfg, "cores")), 2);
	ck_assert_ptr_null(json_object_get(cfg, "lock"));
	json_decref(cfg);
	cfg = get("/nodes/pve3/qemu/150/status/current", NULL);
	ck_assert_str_eq(st_jstr(cfg, "status"), "running");
	json_decref(cfg);
	ck_assert_int_eq(status_of("POST", "/nodes/pve3/qemu", "vmid=150", &msg), 500);
	ck_assert_str_eq(msg, "VM 150 already exists on node 'pve3'\n");
	free(msg);
	cfg = get("/cluster/nextid", NULL);
	ck_assert_int_eq(json_integer_value(cfg), 108);
	json_decref(cfg);
}
END_TEST

START_TEST(test_backup_and_restore)
{
	char *es, form[1024], *volid;
	json_t *list, *cfg, *st, *snaps;
	size_t n_before;

	fresh();
	ck_assert_int_eq(pxm_sim_state(&st, sim), 0);
	n_before = json_array_size(json_object_get(json_object_get(json_object_get(json_object_get(
	    st, "pbs"), "datastores"), "store1"), "snapshots"));
	json_decref(st);
	es = run_task("POST", "/nodes/pve2/vzdump", "vmid=106&storage=nfs-backup&"
	    "notes-template=nightly", "pve2");
	ck_assert_str_eq(es, "OK");
	free(es);
	list = get("/nodes/pve2/storage/nfs-backup/content", "content=backup");
	ck_assert_int_eq((int)json_array_size(list), 1);
	volid = strdup(st_jstr(json_array_get(list, 0), "volid"));
	ck_assert(strncmp(volid, "nfs-backup:backup/vzdump-qemu-106-", 34) == 0);
	ck_assert_str_eq(st_jstr(json_array_get(list, 0), "subtype"), "qemu");
	ck_assert_ptr_null(json_object_get(json_array_get(list, 0), "config"));
	json_decref(list);
	/* restore as a new guest with a new MAC */
	snprintf(form, sizeof form, "vmid=160&archive=%s&storage=ceph-vm&unique=1", volid);
	es = run_task("POST", "/nodes/pve2/qemu", form, "pve2");
	ck_assert_str_eq(es, "OK");
	free(es);
	cfg = get("/nodes/pve2/qemu/160/config", NULL);
	ck_assert_str_eq(st_jstr(cfg, "name"), "build1");
	ck_assert_str_eq(st_jstr(cfg, "scsi0"), "ceph-vm:vm-160-disk-0,size=200G");
	ck_assert_ptr_null(strstr(st_jstr(cfg, "net0"), "BC:24:11:10:01:06"));
	json_decref(cfg);
	free(volid);
	/* a backup to the PBS storage lands in the simulated PBS datastore */
	es = run_task("POST", "/nodes/pve1/vzdump", "vmid=100&storage=pbs-main", "pve1");
	ck_assert_str_eq(es, "OK");
	free(es);
	ck_assert_int_eq(pxm_sim_state(&st, sim), 0);
	snaps = json_object_get(json_object_get(json_object_get(json_object_get(st, "pbs"),
	    "datastores"), "store1"), "snapshots");
	ck_assert_int_eq((int)json_array_size(snaps), (int)n_before + 1);
	ck_assert_str_eq(st_jstr(json_array_get(snaps, json_array_size(snaps) - 1), "backup-id"), "100");
	json_decref(st);
}
END_TEST

START_TEST(test_backup_blocks_on_lock)
{
	char *es;
	json_t *v;

	fresh();
	v = json_string("snapshot");
	ck_assert_int_eq(pxm_sim_state_put(sim, "/pve/guests/105/config/lock", v), 0);
	json_decref(v);
	es = run_task("POST", "/nodes/pve3/vzdump", "vmid=105&storage=nfs-backup", "pve3");
	ck_assert_str_eq(es, "job errors");
	free(es);
}
END_TEST

START_TEST(test_network_pending)
{
	struct st_resp r;
	char *es;
	json_t *list, *i;
	size_t k;
	int seen = 0;

	fresh();
	st_call(&r, sim, "pve", "POST", "/nodes/pve2/network", "iface=vmbr1&type=bridge&autostart=1",
	    ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	st_call(&r, sim, "pve", "GET", "/nodes/pve2/network", NULL, ST_TOKEN, NULL);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r.json, "changes")));
	json_array_foreach(st_data(&r), k, i)
		if (strcmp(st_jstr(i, "iface"), "vmbr1") == 0)
			seen = 1;
	ck_assert(seen);
	st_resp_free(&r);
	es = run_task("PUT", "/nodes/pve2/network", NULL, "pve2");
	ck_assert_str_eq(es, "OK");
	free(es);
	st_call(&r, sim, "pve", "GET", "/nodes/pve2/network", "type=bridge", ST_TOKEN, NULL);
	ck_assert_ptr_null(json_object_get(r.json, "changes"));
	list = st_data(&r);
	ck_assert_int_eq((int)json_array_size(list), 2);
	st_resp_free(&r);
	/* revert drops pending changes */
	ck_assert_int_eq(status_of("DELETE", "/nodes/pve2/network/vmbr1", NULL, NULL), 200);
	ck_assert_int_eq(status_of("DELETE", "/nodes/pve2/network", NULL, NULL), 200);
	list = get("/nodes/pve2/network", "type=bridge");
	ck_assert_int_eq((int)json_array_size(list), 2);
	json_decref(list);
}
END_TEST

START_TEST(test_firewall_positional_rules)
{
	json_t *rules;

	fresh();
	rules = get("/cluster/firewall/rules", NULL);
	ck_assert_int_eq((int)json_array_size(rules), 3);
	json_decref(rules);
	ck_assert_int_eq(status_of("POST", "/cluster/firewall/rules", "type=in&action=DROP&pos=1&"
	    "enable=1&comment=block", NULL), 200);
	rules = get("/cluster/firewall/rules", NULL);
	ck_assert_int_eq((int)json_array_size(rules), 4);
	ck_assert_str_eq(st_jstr(json_array_get(rules, 1), "comment"), "block");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rules, 1), "pos")), 1);
	json_decref(rules);
	ck_assert_int_eq(status_of("PUT", "/cluster/firewall/rules/3", "moveto=0", NULL), 200);
	rules = get("/cluster/firewall/rules/0", NULL);
	ck_assert_str_eq(st_jstr(rules, "macro"), "Ping");
	json_decref(rules);
	ck_assert_int_eq(status_of("DELETE", "/cluster/firewall/rules/0", NULL, NULL), 200);
	ck_assert_int_eq(status_of("GET", "/cluster/firewall/rules/9", NULL, NULL), 500);
	rules = get("/nodes/pve1/qemu/100/firewall/rules", NULL);
	ck_assert_int_eq((int)json_array_size(rules), 2);
	json_decref(rules);
	rules = get("/cluster/firewall/options", NULL);
	ck_assert_str_eq(st_jstr(rules, "policy_in"), "DROP");
	json_decref(rules);
}
END_TEST

START_TEST(test_generic_collections)
{
	json_t *job, *list;
	char *msg, form[256];

	fresh();
	ck_assert_int_eq(status_of("POST", "/cluster/backup", "id=job2&schedule=daily&"
	    "storage=local&vmid=105", NULL), 200);
	ck_assert_int_eq(status_of("POST", "/cluster/backup", "id=job2&schedule=daily&"
	    "storage=local&vmid=105", &msg), 500);
	ck_assert_str_eq(msg, "backup 'job2' already exists\n");
	free(msg);
	job = get("/cluster/backup/job2", NULL);
	ck_assert_str_eq(st_jstr(job, "vmid"), "105");
	json_decref(job);
	ck_assert_int_eq(status_of("PUT", "/cluster/backup/job2", "delete=vmid&all=1", NULL), 200);
	job = get("/cluster/backup/job2", NULL);
	ck_assert_ptr_null(json_object_get(job, "vmid"));
	ck_assert_int_eq(json_integer_value(json_object_get(job, "all")), 1);
	json_decref(job);
	list = get("/cluster/backup", NULL);
	ck_assert_int_eq((int)json_array_size(list), 3);
	json_decref(list);
	ck_assert_int_eq(status_of("DELETE", "/cluster/backup/job2", NULL, NULL), 200);
	ck_assert_int_eq(status_of("GET", "/cluster/backup/job2", NULL, &msg), 500);
	ck_assert_str_eq(msg, "backup 'job2' does not exist\n");
	free(msg);
	/* digests of section-config items */
	job = get("/cluster/firewall/aliases/jumphost", NULL);
	ck_assert_ptr_nonnull(st_jstr(job, "digest"));
	snprintf(form, sizeof form, "cidr=192.168.10.6&digest=%s", st_jstr(job, "digest"));
	json_decref(job);
	ck_assert_int_eq(status_of("PUT", "/cluster/firewall/aliases/jumphost", form, NULL), 200);
	ck_assert_int_eq(status_of("PUT", "/cluster/firewall/aliases/jumphost", form, &msg), 500);
	ck_assert_str_eq(msg, "detected modified configuration - file changed by other user? "
	    "Try again.\n");
	free(msg);
	/* HA: "103" is normalised to "ct:103" */
	ck_assert_int_eq(status_of("POST", "/cluster/ha/resources", "sid=103", NULL), 200);
	job = get("/cluster/ha/resources/ct:103", NULL);
	ck_assert_str_eq(st_jstr(job, "type"), "ct");
	json_decref(job);
	list = get("/cluster/resources", "type=vm");
	{
		size_t i;
		json_t *e;
		int seen = 0;
		json_array_foreach(list, i, e)
			if (json_integer_value(json_object_get(e, "vmid")) == 103) {
				ck_assert_str_eq(st_jstr(e, "hastate"), "started");
				seen = 1;
			}
		ck_assert(seen);
	}
	json_decref(list);
}
END_TEST

START_TEST(test_cluster_views)
{
	json_t *res, *e;
	size_t i;
	int nodes = 0, vms = 0, storage = 0, pools = 0, templ = 0;

	fresh();
	res = get("/cluster/resources", NULL);
	json_array_foreach(res, i, e) {
		const char *t = st_jstr(e, "type");
		if (strcmp(t, "node") == 0)
			nodes++;
		else if (strcmp(t, "qemu") == 0 || strcmp(t, "lxc") == 0) {
			vms++;
			if (json_integer_value(json_object_get(e, "template")) == 1)
				templ++;
			ck_assert_ptr_nonnull(strchr(st_jstr(e, "id"), '/'));
		} else if (strcmp(t, "storage") == 0)
			storage++;
		else if (strcmp(t, "pool") == 0)
			pools++;
	}
	ck_assert_int_eq(nodes, 3);
	ck_assert_int_eq(vms, 12);
	ck_assert_int_eq(templ, 1);
	ck_assert_int_eq(pools, 2);
	ck_assert_int_eq(storage, 15);
	json_decref(res);
	res = get("/pools/prod", NULL);
	ck_assert_int_eq((int)json_array_size(json_object_get(res, "members")), 3 + 3);
	json_decref(res);
	ck_assert_int_eq(status_of("DELETE", "/pools/prod", NULL, NULL), 500);
	res = get("/nodes/pve1/storage", "content=images");
	ck_assert_int_eq((int)json_array_size(res), 2);
	json_decref(res);
	res = get("/nodes/pve1/qemu/102/snapshot", NULL);
	ck_assert_int_eq((int)json_array_size(res), 3);
	json_decref(res);
	res = get("/cluster/backup-info/not-backed-up", NULL);
	ck_assert_int_eq((int)json_array_size(res), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(res, 0), "vmid")), 9000);
	json_decref(res);
}
END_TEST

/* Every GET whose path parameters can be filled from the demo estate
 * answers 200 with the top-level type its "returns" schema describes. */
START_TEST(test_every_get_has_its_shape)
{
	char file[1024];
	json_t *schema, *ops, *o;
	size_t i, checked = 0;

	fresh();
	snprintf(file, sizeof file, "%s/pve.json", getenv("PXM_DATADIR"));
	schema = json_load_file(file, 0, NULL);
	ck_assert_ptr_nonnull(schema);
	ops = json_object_get(schema, "operations");
	json_array_foreach(ops, i, o) {
		const char *path = st_jstr(o, "path"), *type;
		char url[1024];
		size_t u = 0;
		const char *p;
		struct st_resp r;
		json_t *params = json_object_get(o, "params"), *pv;
		const char *pk;
		int required_other = 0;

		if (strcmp(st_jstr(o, "method"), "GET") != 0)
			continue;
		json_object_foreach(params, pk, pv) {
			char brace[128];
			snprintf(brace, sizeof brace, "{%s}", pk);
			if (!json_is_true(json_object_get(pv, "optional")) && !strstr(path, brace))
				required_other = 1;
		}
		if (required_other)
			continue;
		for (p = path; *p && u < sizeof url - 32;) {
			if (*p == '{') {
				const char *e = strchr(p, '}');
				size_t n = (size_t)(e - p - 1);
				const char *v = NULL;
				if (n == 4 && strncmp(p + 1, "node", 4) == 0)
					v = "pve1";
				else if (n == 4 && strncmp(p + 1, "vmid", 4) == 0)
					v = strstr(path, "/lxc/") ? "103" : "100";
				else if (n == 7 && strncmp(p + 1, "storage", 7) == 0)
					v = "local";
				if (v == NULL)
					break;
				u += (size_t)snprintf(url + u, sizeof url - u, "%s", v);
				p = e + 1;
				continue;
			}
			url[u++] = *p++;
		}
		if (*p)
			continue;	/* a parameter we cannot fill meaningfully */
		url[u] = '\0';
		if (strstr(path, "/lxc/") && strstr(path, "{node}"))
			memcpy(strstr(url, "/pve1/"), "/pve2/", 6);
		st_call(&r, sim, "pve", "GET", url, NULL, ST_TOKEN, NULL);
		type = json_string_value(json_object_get(json_object_get(o, "returns"), "type"));
		/* some calls need hardware or services the simulator does not
		 * pretend to have (ceph, disks): they may refuse, never crash */
		/* (no "permissions" means root@pam only: a token gets 403) */
		ck_assert_msg(r.status == 200 || (r.status == 500 && r.json &&
		    json_is_string(json_object_get(r.json, "message"))) ||
		    (r.status == 403 && json_object_get(o, "permissions") == NULL),
		    "GET %s: %ld %s", url, r.status, r.body);
		if (r.status == 200 && type) {
			json_t *d = st_data(&r);
			if (strcmp(type, "array") == 0)
				ck_assert_msg(json_is_array(d), "GET %s: not an array: %s", url, r.body);
			else if (strcmp(type, "object") == 0)
				ck_assert_msg(json_is_object(d), "GET %s: not an object: %s", url, r.body);
		}
		st_resp_free(&r);
		checked++;
	}
	ck_assert_int_gt((int)checked, 200);
	json_decref(schema);
}
END_TEST

static Suite *
pve_suite(void)
{
	Suite *s = suite_create("proximo-sim-pve");
	TCase *tc;

	tc = tcase_create("lifecycle");
	tcase_add_unchecked_fixture(tc, sim_up, sim_down);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_linked_clone_of_template);
	tcase_add_test(tc, test_template_conversion);
	tcase_add_test(tc, test_migration_rules);
	tcase_add_test(tc, test_destroy_rules);
	tcase_add_test(tc, test_create_guest);
	tcase_add_test(tc, test_backup_and_restore);
	tcase_add_test(tc, test_backup_blocks_on_lock);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_unchecked_fixture(tc, sim_up, sim_down);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_network_pending);
	tcase_add_test(tc, test_firewall_positional_rules);
	tcase_add_test(tc, test_generic_collections);
	tcase_add_test(tc, test_cluster_views);
	tcase_add_test(tc, test_every_get_has_its_shape);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (getenv("PXM_SIM") == NULL || access(getenv("PXM_SIM"), X_OK) != 0) {
		printf("1..0 # SKIP proximo-sim not built (PXM_SIM)\n");
		return 77;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	sr = srunner_create(pve_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? 1 : 0;
}
