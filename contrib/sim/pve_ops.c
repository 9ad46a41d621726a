/**
 * @file pve_ops.c
 * @brief proximo-sim: PVE guest lifecycle: create, destroy, clone, template,
 *        migrate, disk move/resize, backup (vzdump) and restore.
 *
 * The refusals clients meet are PVE's: an existing VMID, destroying a
 * running or protected guest, a template still used by linked clones, a
 * linked clone of something that is not a template, migrating to the local
 * or an offline node, live migration with local disks, shrinking a disk.
 * Long operations are tasks holding the guest's lock ("create", "clone",
 * "migrate", "backup", "disk") while they run.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "handlers.h"
#include "pve.h"
#include "schema.h"
#include "state.h"
#include "tasks.h"

#define GiB	(1024LL * 1024 * 1024)

static const char *const create_skip[] = { "node", "vmid", "archive", "force", "unique",
	"start", "pool", "storage", "bwlimit", "live-restore", "ha-managed", "ostemplate",
	"password", "ssh-public-keys", "restore", "ignore-unpack-errors", "target", NULL };

static int
in_list(const char *const *list, const char *k)
{
	int i;

	for (i = 0; list[i]; i++)
		if (strcmp(list[i], k) == 0)
			return 1;
	return 0;
}

static int
lxc_req(const struct sim_req *rq)
{
	return strcmp(pve_kind(rq), "lxc") == 0;
}

static json_t *
guests(struct sim_req *rq)
{
	return sim_obj(st_surf(rq->sim, SIM_PVE), "guests");
}

static int
guest_running(json_t *g)
{
	return strcmp(json_string_value(json_object_get(g, "status")), "stopped") != 0;
}

static const char *
gnode(json_t *g)
{
	return json_string_value(json_object_get(g, "node"));
}

static int
is_disk_value(const char *kind, const char *k, json_t *v)
{
	return pve_is_disk_key(kind, k) && strncmp(k, "unused", 6) != 0 && json_is_string(v) &&
	    strstr(json_string_value(v), "media=cdrom") == NULL &&
	    strncmp(json_string_value(v), "none", 4) != 0;
}

static int
storage_shared(struct sim *s, const char *disk)
{
	char *id = pve_disk_storage(disk);
	json_t *st = id ? st_pve_storage(s, id) : NULL;

	free(id);
	return st && sim_json_truthy(json_object_get(st, "shared"));
}

/* The volume part of "local-lvm:vm-100-disk-0,size=32G". */
static char *
volname(const char *disk)
{
	const char *c = strchr(disk, ':');

	if (c == NULL)
		return strdup("");
	return strndup(c + 1, strcspn(c + 1, ","));
}

static void
clear_lock(struct sim *s, const char *vmid)
{
	json_t *g = st_pve_guest(s, vmid);

	if (g)
		json_object_del(json_object_get(g, "config"), "lock");
}

/* ----------------------------------------------------------------- create */

static void
fx_created(struct sim *s, json_t *task, json_t *args, int ok)
{
	const char *vmid = json_string_value(json_object_get(args, "vmid"));
	json_t *g = st_pve_guest(s, vmid);

	if (g == NULL)
		return;
	if (!ok) {
		/* a failed create or restore leaves nothing behind */
		json_object_del(json_object_get(json_object_get(s->state, "pve"), "guests"), vmid);
		return;
	}
	clear_lock(s, vmid);
	if (sim_json_truthy(json_object_get(args, "start"))) {
		json_object_set_new(g, "status", json_string("running"));
		json_object_set_new(g, "started", json_integer(
		    sim_json_int(json_object_get(task, "start_ms"), 0) +
		    sim_json_int(json_object_get(task, "duration_ms"), 0)));
	}
}

static char *
random_mac(struct sim *s)
{
	char *out = NULL;
	uint64_t r = sim_rand(s);

	if (asprintf(&out, "BC:24:11:%02X:%02X:%02X", (unsigned)(r & 0xff),
	    (unsigned)((r >> 8) & 0xff), (unsigned)((r >> 16) & 0xff)) < 0)
		return NULL;
	return out;
}

/* Give every NIC a fresh MAC (unique=1 restores, clones). */
static void
renew_macs(struct sim *s, json_t *cfg, int lxc)
{
	const char *k;
	json_t *v;
	void *it;

	for (it = json_object_iter(cfg); it; it = json_object_iter_next(cfg, it)) {
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (strncmp(k, "net", 3) != 0 || !isdigit((unsigned char)k[3]) || !json_is_string(v))
			continue;
		{
			const char *val = json_string_value(v);
			const char *key = lxc ? "hwaddr=" : "=";
			const char *p = lxc ? strstr(val, key) : strchr(val, '=');
			char *mac = random_mac(s), *nv = NULL;
			if (p == NULL || mac == NULL) {
				free(mac);
				continue;
			}
			p += strlen(key);
			if (asprintf(&nv, "%.*s%s%s", (int)(p - val), val, mac,
			    p + strcspn(p, ",")) >= 0)
				json_object_iter_set_new(cfg, it, json_string(nv));
			free(nv);
			free(mac);
		}
	}
}

static json_t *
find_backup(struct sim_req *rq, const char *volid)
{
	char *storeid = pve_disk_storage(volid);
	json_t *st = storeid ? st_pve_storage(rq->sim, storeid) : NULL, *v;
	size_t i;

	free(storeid);
	json_array_foreach(json_object_get(st, "volumes"), i, v)
		if (json_is_string(json_object_get(v, "volid")) &&
		    strcmp(json_string_value(json_object_get(v, "volid")), volid) == 0)
			return v;
	return NULL;
}

static void
h_create(struct sim_req *rq, struct sim_resp *rs)
{
	const char *vmid = sim_param_str(rq, "vmid"), *node = sim_param_str(rq, "node");
	const char *archive = sim_param_str(rq, "archive"), *k;
	int lxc = lxc_req(rq), force = sim_param_bool(rq, "force", 0);
	json_t *old = st_pve_guest(rq->sim, vmid), *g, *cfg, *v, *task;
	char type[32];
	void *it;

	if (lxc && archive == NULL)
		archive = sim_param_str(rq, "ostemplate");
	if (old && !(archive && force)) {
		sim_err(rs, 500, "VM %s already exists on node '%s'\n", vmid, gnode(old));
		return;
	}
	if (old && guest_running(old)) {
		sim_err(rs, 500, "unable to restore %s %s - %s is running\n", lxc ? "CT" : "VM", vmid,
		    lxc ? "container" : "VM");
		return;
	}
	cfg = json_object();
	if (archive && !(lxc && strstr(archive, ":vztmpl/"))) {
		json_t *b = find_backup(rq, archive);
		if (b == NULL) {
			json_decref(cfg);
			sim_err(rs, 500, "volume '%s' does not exist\n", archive);
			return;
		}
		if (json_is_object(json_object_get(b, "config")))
			json_object_update(cfg, json_object_get(b, "config"));
		/* Disks land on the requested storage with new names. */
		for (it = json_object_iter(cfg); it; it = json_object_iter_next(cfg, it)) {
			const char *dk = json_object_iter_key(it);
			json_t *dv = json_object_iter_value(it);
			const char *st = sim_param_str(rq, "storage");
			char *nv = NULL, *orig;
			if (!is_disk_value(lxc ? "lxc" : "qemu", dk, dv))
				continue;
			orig = pve_disk_storage(json_string_value(dv));
			if (st == NULL)
				st = orig;
			/* rootfs is disk 0, like scsi0 and mp0 */
			if (asprintf(&nv, "%s:%s-%s-disk-%s,size=%lldG", st ? st : "local-lvm",
			    lxc ? "subvol" : "vm", vmid, dk[strcspn(dk, "0123456789")] ?
			    dk + strcspn(dk, "0123456789") : "0",
			    pve_disk_size(json_string_value(dv)) / GiB) >= 0)
				json_object_iter_set_new(cfg, it, json_string(nv));
			free(nv);
			free(orig);
		}
		if (sim_param_bool(rq, "unique", 0) || !force)
			renew_macs(rq->sim, cfg, lxc);
	}
	json_object_foreach(rq->params, k, v) {
		if (in_list(create_skip, k))
			continue;
		json_object_set_new(cfg, k, sim_schema_typed(sim_schema_param(rq->op, k), v));
	}
	/* "local-lvm:32" allocates a disk */
	for (it = json_object_iter(cfg); it; it = json_object_iter_next(cfg, it)) {
		const char *dk = json_object_iter_key(it), *val;
		json_t *dv = json_object_iter_value(it);
		const char *c;
		char *nv = NULL, sid[128];
		int idx = 0;
		if (!pve_is_disk_key(lxc ? "lxc" : "qemu", dk) || !json_is_string(dv))
			continue;
		val = json_string_value(dv);
		c = strchr(val, ':');
		if (c == NULL || (size_t)(c - val) >= sizeof sid || !isdigit((unsigned char)c[1]) ||
		    strchr(c + 1, ':'))
			continue;
		{
			const char *p = c + 1;
			while (isdigit((unsigned char)*p) || *p == '.')
				p++;
			if (*p && *p != ',')
				continue;
			memcpy(sid, val, (size_t)(c - val));
			sid[c - val] = '\0';
			if (st_pve_storage(rq->sim, sid) == NULL) {
				json_decref(cfg);
				sim_err(rs, 500, "storage '%s' does not exist\n", sid);
				return;
			}
			for (const char *q = dk; *q; q++)
				if (isdigit((unsigned char)*q)) {
					idx = atoi(q);
					break;
				}
			if (asprintf(&nv, "%s:%s-%s-disk-%d%s,size=%lldG", sid, lxc ? "subvol" : "vm",
			    vmid, idx, p, atoll(c + 1) ? atoll(c + 1) : 1) >= 0)
				json_object_iter_set_new(cfg, it, json_string(nv));
			free(nv);
		}
	}
	if (lxc && json_object_get(cfg, "rootfs") == NULL) {
		char *nv = NULL;
		if (asprintf(&nv, "%s:subvol-%s-disk-0,size=8G", sim_param_str(rq, "storage") ?
		    sim_param_str(rq, "storage") : "local-lvm", vmid) >= 0)
			json_object_set_new(cfg, "rootfs", json_string(nv));
		free(nv);
	}
	json_object_set_new(cfg, "lock", json_string("create"));
	g = json_pack("{s:s, s:s, s:s, s:o, s:{}, s:{}}", "type", lxc ? "lxc" : "qemu", "node", node,
	    "status", "stopped", "config", cfg, "snapshots", "pending");
	json_object_set_new(g, "vmid", json_integer(atoll(vmid)));
	if (sim_param_str(rq, "pool"))
		json_object_set(g, "pool", json_object_get(rq->params, "pool"));
	json_object_set_new(guests(rq), vmid, g);
	snprintf(type, sizeof type, "%s%s", lxc ? "vz" : "qm", archive && !(lxc &&
	    strstr(archive, ":vztmpl/")) ? "restore" : "create");
	task = sim_task_start(rq, node, type, vmid);
	if (archive)
		sim_task_log(task, "restore %s backup '%s'", lxc ? "CT" : "VM", archive);
	sim_task_set_fx(task, "pve_created", json_pack("{s:s, s:b}", "vmid", vmid, "start",
	    sim_param_bool(rq, "start", 0)));
	sim_ok(rs, json_string(sim_task_upid(task)));
}

/* ---------------------------------------------------------------- destroy */

static int
used_by_linked_clone(struct sim_req *rq, const char *vmid, char *vol, size_t n)
{
	json_t *g, *v;
	const char *id, *k;
	char pat[64];

	snprintf(pat, sizeof pat, "base-%s-disk-", vmid);
	json_object_foreach(guests(rq), id, g) {
		if (strcmp(id, vmid) == 0)
			continue;
		json_object_foreach(json_object_get(g, "config"), k, v) {
			const char *s = json_string_value(v), *p;
			if (s && (p = strstr(s, pat)) != NULL && strchr(p, '/')) {
				snprintf(vol, n, "%.*s", (int)strcspn(s, "/"), s);
				return 1;
			}
		}
	}
	return 0;
}

static void
fx_destroyed(struct sim *s, json_t *task, json_t *args, int ok)
{
	const char *vmid = json_string_value(json_object_get(args, "vmid"));
	json_t *pve = json_object_get(s->state, "pve"), *cfgs, *store;
	char sid[64];

	(void)task;
	if (!ok) {
		clear_lock(s, vmid);
		return;
	}
	json_object_del(json_object_get(pve, "guests"), vmid);
	cfgs = json_object_get(pve, "config");
	if (sim_json_truthy(json_object_get(args, "purge"))) {
		store = json_object_get(cfgs, "/cluster/ha/resources");
		snprintf(sid, sizeof sid, "vm:%s", vmid);
		json_object_del(store, sid);
		snprintf(sid, sizeof sid, "ct:%s", vmid);
		json_object_del(store, sid);
	}
}

static void
h_destroy(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *cfg, *task;
	const char *vmid = sim_param_str(rq, "vmid"), *lock;
	int lxc = lxc_req(rq);
	char vol[256];

	if (g == NULL)
		return;
	cfg = json_object_get(g, "config");
	if (sim_json_truthy(json_object_get(cfg, "protection"))) {
		sim_err(rs, 500, "can't remove %s %s - protection mode enabled\n", lxc ? "CT" : "VM",
		    vmid);
		return;
	}
	if ((lock = json_string_value(json_object_get(cfg, "lock"))) != NULL &&
	    !sim_param_bool(rq, "skiplock", 0)) {
		sim_err(rs, 500, "%s is locked (%s)\n", lxc ? "CT" : "VM", lock);
		return;
	}
	if (guest_running(g)) {
		sim_err(rs, 500, "%s %s is running - destroy failed\n", lxc ? "CT" : "VM", vmid);
		return;
	}
	if (pve_ha_state(rq->sim, vmid, pve_kind(rq)) && !sim_param_bool(rq, "purge", 0)) {
		sim_err(rs, 500, "unable to remove %s %s - used in HA resources and purge parameter "
		    "not set.\n", lxc ? "CT" : "VM", vmid);
		return;
	}
	task = sim_task_start(rq, gnode(g), lxc ? "vzdestroy" : "qmdestroy", vmid);
	if (used_by_linked_clone(rq, vmid, vol, sizeof vol))
		sim_task_fail(task, "base volume '%s' is still in use by linked cloned", vol);
	else
		json_object_set_new(cfg, "lock", json_string("destroyed"));
	sim_task_set_fx(task, "pve_destroyed", json_pack("{s:s, s:b}", "vmid", vmid, "purge",
	    sim_param_bool(rq, "purge", 0)));
	sim_ok(rs, json_string(sim_task_upid(task)));
}

/* --------------------------------------------------------- template/clone */

static void
h_template(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *cfg, *v, *task;
	const char *vmid = sim_param_str(rq, "vmid"), *lock;
	int lxc = lxc_req(rq);
	void *it;
	char pat[64], base[64];

	if (g == NULL)
		return;
	cfg = json_object_get(g, "config");
	if (sim_json_truthy(json_object_get(cfg, "template"))) {
		sim_err(rs, 500, "%s %s is already a template\n", lxc ? "CT" : "VM", vmid);
		return;
	}
	if (guest_running(g)) {
		sim_err(rs, 500, "you can't convert a %s to template if %s is running\n",
		    lxc ? "CT" : "VM", lxc ? "CT" : "VM");
		return;
	}
	if ((lock = json_string_value(json_object_get(cfg, "lock"))) != NULL) {
		sim_err(rs, 500, "%s is locked (%s)\n", lxc ? "CT" : "VM", lock);
		return;
	}
	if (json_object_size(json_object_get(g, "snapshots"))) {
		sim_err(rs, 500, "you can't convert a %s to template if %s has snapshots\n",
		    lxc ? "CT" : "VM", lxc ? "CT" : "VM");
		return;
	}
	/* vm-100-disk-0 becomes base-100-disk-0 */
	snprintf(pat, sizeof pat, "%s-%s-disk-", lxc ? "subvol" : "vm", vmid);
	snprintf(base, sizeof base, "base-%s-disk-", vmid);
	for (it = json_object_iter(cfg); it; it = json_object_iter_next(cfg, it)) {
		const char *s;
		char *p, *nv;
		v = json_object_iter_value(it);
		if ((s = json_string_value(v)) == NULL || (p = strstr(s, pat)) == NULL)
			continue;
		if (asprintf(&nv, "%.*s%s%s", (int)(p - s), s, base, p + strlen(pat)) >= 0) {
			json_object_iter_set_new(cfg, it, json_string(nv));
			free(nv);
		}
	}
	json_object_set_new(cfg, "template", json_integer(1));
	if (lxc) {
		sim_ok(rs, json_null());
		return;
	}
	task = sim_task_start(rq, gnode(g), "qmtemplate", vmid);
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void
fx_cloned(struct sim *s, json_t *task, json_t *args, int ok)
{
	const char *src = json_string_value(json_object_get(args, "source"));
	const char *dst = json_string_value(json_object_get(args, "newid"));

	(void)task;
	clear_lock(s, src);
	if (!ok) {
		json_object_del(json_object_get(json_object_get(s->state, "pve"), "guests"), dst);
		return;
	}
	clear_lock(s, dst);
}

static void
h_clone(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *cfg, *ncfg, *ng, *task, *snaps;
	const char *vmid = sim_param_str(rq, "vmid"), *newid = sim_param_str(rq, "newid");
	const char *target = sim_param_str(rq, "target"), *storage = sim_param_str(rq, "storage");
	const char *snapname = sim_param_str(rq, "snapname"), *lock, *k;
	int lxc = lxc_req(rq), tmpl, full;
	json_t *v;
	void *it;
	char disk_n[32];

	if (g == NULL)
		return;
	cfg = json_object_get(g, "config");
	tmpl = sim_json_truthy(json_object_get(cfg, "template"));
	full = json_object_get(rq->params, "full") ? sim_param_bool(rq, "full", 0) : !tmpl;
	if (st_pve_guest(rq->sim, newid)) {
		sim_err(rs, 500, "unable to create %s %s: config file already exists\n",
		    lxc ? "CT" : "VM", newid);
		return;
	}
	if (storage && !full) {
		sim_err(rs, 500, "parameter 'storage' not allowed for linked clones\n");
		return;
	}
	if (snapname && json_object_get(json_object_get(g, "snapshots"), snapname) == NULL) {
		sim_err(rs, 500, "snapshot '%s' does not exist\n", snapname);
		return;
	}
	if (!full && !tmpl) {
		sim_err(rs, 500, "%s\n", lxc ? "linked clone feature for container is only available "
		    "for templates" : "Linked clone feature is not supported for non-template VMs");
		return;
	}
	if ((lock = json_string_value(json_object_get(cfg, "lock"))) != NULL && !tmpl) {
		sim_err(rs, 500, "%s is locked (%s)\n", lxc ? "CT" : "VM", lock);
		return;
	}
	if (target && strcmp(target, gnode(g)) != 0) {
		json_t *tn = st_pve_node(rq->sim, target);
		if (tn == NULL) {
			sim_err(rs, 500, "no such cluster node '%s'\n", target);
			return;
		}
		json_object_foreach(cfg, k, v) {
			if (is_disk_value(lxc ? "lxc" : "qemu", k, v) &&
			    !storage_shared(rq->sim, json_string_value(v)) && !storage) {
				sim_err(rs, 500, "can't clone %s to node '%s' (%s uses local storage)\n",
				    lxc ? "CT" : "VM", target, lxc ? "CT" : "VM");
				return;
			}
		}
	}
	ncfg = json_deep_copy(snapname ? json_object_get(json_object_get(json_object_get(g,
	    "snapshots"), snapname), "config") : cfg);
	json_object_del(ncfg, "template");
	json_object_del(ncfg, "parent");
	json_object_del(ncfg, "lock");
	json_object_del(ncfg, "protection");
	if (sim_param_str(rq, "name"))
		json_object_set(ncfg, lxc ? "hostname" : "name", json_object_get(rq->params,
		    lxc ? "hostname" : "name"));
	else if (!lxc) {
		char nm[64];
		snprintf(nm, sizeof nm, "Copy-of-VM-%s", json_string_value(json_object_get(cfg,
		    "name")) ? json_string_value(json_object_get(cfg, "name")) : vmid);
		json_object_set_new(ncfg, "name", json_string(nm));
	}
	if (lxc && sim_param_str(rq, "hostname"))
		json_object_set(ncfg, "hostname", json_object_get(rq->params, "hostname"));
	if (sim_param_str(rq, "description"))
		json_object_set(ncfg, "description", json_object_get(rq->params, "description"));
	for (it = json_object_iter(ncfg); it; it = json_object_iter_next(ncfg, it)) {
		const char *dk = json_object_iter_key(it);
		char *sid, *vn, *nv = NULL;
		v = json_object_iter_value(it);
		if (strncmp(dk, "unused", 6) == 0) {
			json_object_iter_set_new(ncfg, it, json_null());
			continue;
		}
		if (!is_disk_value(lxc ? "lxc" : "qemu", dk, v))
			continue;
		sid = pve_disk_storage(json_string_value(v));
		vn = volname(json_string_value(v));
		snprintf(disk_n, sizeof disk_n, "%s", dk + strcspn(dk, "0123456789"));
		if (full) {
			if (asprintf(&nv, "%s:%s-%s-disk-%s,size=%lldG", storage ? storage : sid,
			    lxc ? "subvol" : "vm", newid, *disk_n ? disk_n : "0",
			    pve_disk_size(json_string_value(v)) / GiB) < 0)
				nv = NULL;
		} else {
			/* linked clone: base volume / own volume */
			if (asprintf(&nv, "%s:%s/%s-%s-disk-%s,size=%lldG", sid, vn,
			    lxc ? "subvol" : "vm", newid, *disk_n ? disk_n : "0",
			    pve_disk_size(json_string_value(v)) / GiB) < 0)
				nv = NULL;
		}
		if (nv)
			json_object_iter_set_new(ncfg, it, json_string(nv));
		free(nv);
		free(sid);
		free(vn);
	}
	/* drop the nulled unused entries */
	{
		json_t *clean = json_object();
		json_object_foreach(ncfg, k, v)
			if (!json_is_null(v))
				json_object_set(clean, k, v);
		json_decref(ncfg);
		ncfg = clean;
	}
	renew_macs(rq->sim, ncfg, lxc);
	json_object_set_new(ncfg, "lock", json_string("clone"));
	snaps = json_object();
	ng = json_pack("{s:s, s:s, s:s, s:o, s:o, s:{}}", "type", lxc ? "lxc" : "qemu", "node",
	    target ? target : gnode(g), "status", "stopped", "config", ncfg, "snapshots", snaps,
	    "pending");
	json_object_set_new(ng, "vmid", json_integer(atoll(newid)));
	if (sim_param_str(rq, "pool"))
		json_object_set(ng, "pool", json_object_get(rq->params, "pool"));
	json_object_set_new(guests(rq), newid, ng);
	if (!tmpl)
		json_object_set_new(cfg, "lock", json_string("clone"));
	task = sim_task_start(rq, gnode(g), lxc ? "vzclone" : "qmclone", vmid);
	sim_task_log(task, "create %s clone of drive(s) for %s %s", full ? "full" : "linked",
	    lxc ? "CT" : "VM", newid);
	sim_task_set_fx(task, "pve_cloned", json_pack("{s:s, s:s}", "source", vmid, "newid", newid));
	sim_ok(rs, json_string(sim_task_upid(task)));
}

/* --------------------------------------------------------------- migrate */

static void
fx_migrated(struct sim *s, json_t *task, json_t *args, int ok)
{
	const char *vmid = json_string_value(json_object_get(args, "vmid"));
	json_t *g = st_pve_guest(s, vmid);

	(void)task;
	if (g == NULL)
		return;
	clear_lock(s, vmid);
	if (ok)
		json_object_set(g, "node", json_object_get(args, "target"));
}

static void
h_migrate(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *cfg, *tn, *task, *v;
	const char *vmid = sim_param_str(rq, "vmid"), *target = sim_param_str(rq, "target");
	const char *lock, *k, *ha;
	int lxc = lxc_req(rq), online = sim_param_bool(rq, "online", 0) ||
	    sim_param_bool(rq, "restart", 0);
	char type[32];

	if (g == NULL)
		return;
	cfg = json_object_get(g, "config");
	if (strcmp(target, gnode(g)) == 0) {
		sim_err(rs, 400, "Parameter verification failed.\n");
		rs->errors = json_pack("{s:s}", "target", "target is local node.");
		return;
	}
	if ((tn = st_pve_node(rq->sim, target)) == NULL) {
		sim_err(rs, 400, "Parameter verification failed.\n");
		rs->errors = json_pack("{s:s}", "target", "no such cluster node");
		json_object_set_new(rs->errors, "target", json_sprintf("no such cluster node '%s'",
		    target));
		return;
	}
	if (strcmp(json_string_value(json_object_get(tn, "status")), "online") != 0) {
		sim_err(rs, 500, "target node '%s' is not online\n", target);
		return;
	}
	if ((lock = json_string_value(json_object_get(cfg, "lock"))) != NULL) {
		sim_err(rs, 500, "%s is locked (%s)\n", lxc ? "CT" : "VM", lock);
		return;
	}
	if (guest_running(g) && !online) {
		sim_err(rs, 500, lxc ? "CT is running - use online migration ('restart' option)\n" :
		    "can't migrate running VM without --online\n");
		return;
	}
	if (!lxc && guest_running(g) && !sim_param_bool(rq, "with-local-disks", 0)) {
		json_object_foreach(cfg, k, v) {
			if (is_disk_value("qemu", k, v) && !storage_shared(rq->sim, json_string_value(v))) {
				sim_err(rs, 500, "can't live migrate attached local disks without "
				    "with-local-disks option\n");
				return;
			}
		}
	}
	ha = pve_ha_state(rq->sim, vmid, pve_kind(rq));
	snprintf(type, sizeof type, "%s", ha ? "hamigrate" : lxc ? "vzmigrate" : "qmigrate");
	json_object_set_new(cfg, "lock", json_string("migrate"));
	task = sim_task_start(rq, gnode(g), type, vmid);
	sim_task_log(task, "starting migration of %s %s to node '%s'", lxc ? "CT" : "VM", vmid,
	    target);
	sim_task_set_fx(task, "pve_migrated", json_pack("{s:s, s:s}", "vmid", vmid, "target",
	    target));
	sim_ok(rs, json_string(sim_task_upid(task)));
}

/* ------------------------------------------------------- move and resize */

static void
fx_unlock_only(struct sim *s, json_t *task, json_t *args, int ok)
{
	(void)task;
	(void)ok;
	clear_lock(s, json_string_value(json_object_get(args, "vmid")));
}

static void
h_move_disk(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *cfg, *task, *cur;
	int lxc = lxc_req(rq);
	const char *disk = sim_param_str(rq, lxc ? "volume" : "disk");
	const char *storage = sim_param_str(rq, "storage"), *vmid = sim_param_str(rq, "vmid");
	const char *lock;
	char *sid, *nv = NULL, uk[32];
	int i;

	if (g == NULL)
		return;
	cfg = json_object_get(g, "config");
	if (storage == NULL) {
		sim_err(rs, 400, "Parameter verification failed.\n");
		rs->errors = json_pack("{s:s}", "storage", "property is missing and it is not optional");
		return;
	}
	if ((cur = json_object_get(cfg, disk)) == NULL || !json_is_string(cur)) {
		sim_err(rs, 500, "disk '%s' does not exist\n", disk);
		return;
	}
	if (st_pve_storage(rq->sim, storage) == NULL) {
		sim_err(rs, 500, "storage '%s' does not exist\n", storage);
		return;
	}
	if ((lock = json_string_value(json_object_get(cfg, "lock"))) != NULL) {
		sim_err(rs, 500, "%s is locked (%s)\n", lxc ? "CT" : "VM", lock);
		return;
	}
	sid = pve_disk_storage(json_string_value(cur));
	if (sid && strcmp(sid, storage) == 0) {
		free(sid);
		sim_err(rs, 500, "you can't move to the same storage with same format\n");
		return;
	}
	free(sid);
	if (!sim_param_bool(rq, "delete", 0)) {
		for (i = 0; i < 256; i++) {
			snprintf(uk, sizeof uk, "unused%d", i);
			if (json_object_get(cfg, uk) == NULL)
				break;
		}
		json_object_set_new(cfg, uk, json_stringn(json_string_value(cur),
		    strcspn(json_string_value(cur), ",")));
	}
	if (asprintf(&nv, "%s:%s-%s-disk-%d,size=%lldG", storage, lxc ? "subvol" : "vm", vmid,
	    (int)(sim_rand(rq->sim) % 8) + 10, pve_disk_size(json_string_value(cur)) / GiB) >= 0)
		json_object_set_new(cfg, disk, json_string(nv));
	free(nv);
	json_object_set_new(cfg, "lock", json_string("disk"));
	task = sim_task_start(rq, gnode(g), lxc ? "move_volume" : "qmmove", vmid);
	sim_task_set_fx(task, "pve_unlock_only", json_pack("{s:s}", "vmid", vmid));
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void
h_resize(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *cfg, *cur, *task;
	int lxc = lxc_req(rq);
	const char *disk = sim_param_str(rq, "disk"), *size = sim_param_str(rq, "size");
	const char *vmid = sim_param_str(rq, "vmid"), *lock, *val, *sp;
	long long old, want;
	char *end, *nv = NULL;
	double n;

	if (g == NULL)
		return;
	cfg = json_object_get(g, "config");
	if ((cur = json_object_get(cfg, disk)) == NULL || !json_is_string(cur)) {
		sim_err(rs, 500, "disk '%s' does not exist\n", disk);
		return;
	}
	if ((lock = json_string_value(json_object_get(cfg, "lock"))) != NULL &&
	    !sim_param_bool(rq, "skiplock", 0)) {
		sim_err(rs, 500, "%s is locked (%s)\n", lxc ? "CT" : "VM", lock);
		return;
	}
	val = json_string_value(cur);
	old = pve_disk_size(val);
	n = strtod(size[0] == '+' ? size + 1 : size, &end);
	switch (*end) {
	case 'T': n *= 1024.0 * GiB; break;
	case 'G': n *= GiB; break;
	case 'M': n *= 1024.0 * 1024; break;
	case 'K': n *= 1024.0; break;
	default: break;
	}
	want = size[0] == '+' ? old + (long long)n : (long long)n;
	if (want < old) {
		sim_err(rs, 500, "shrinking disks is not supported\n");
		return;
	}
	sp = strstr(val, "size=");
	if (sp) {
		if (asprintf(&nv, "%.*ssize=%lldG%s", (int)(sp - val), val, (want + GiB - 1) / GiB,
		    sp + 5 + strcspn(sp + 5, ",")) < 0)
			nv = NULL;
	} else if (asprintf(&nv, "%s,size=%lldG", val, (want + GiB - 1) / GiB) < 0) {
		nv = NULL;
	}
	if (nv)
		json_object_set_new(cfg, disk, json_string(nv));
	free(nv);
	task = sim_task_start(rq, gnode(g), lxc ? "resize" : "resize", vmid);
	sim_ok(rs, json_string(sim_task_upid(task)));
}

/* ---------------------------------------------------------------- vzdump */

static void
fx_backup(struct sim *s, json_t *task, json_t *args, int ok)
{
	json_t *list = json_object_get(args, "vmids"), *v, *st, *pbs;
	const char *storeid = json_string_value(json_object_get(args, "storage"));
	size_t i;
	long long end = sim_json_int(json_object_get(task, "start_ms"), 0) +
	    sim_json_int(json_object_get(task, "duration_ms"), 0);

	json_array_foreach(list, i, v) {
		const char *vmid = json_string_value(v);
		json_t *g = st_pve_guest(s, vmid);
		int lxc;
		char volid[512], ts[32];
		time_t t = (time_t)(end / 1000);
		struct tm tm;

		clear_lock(s, vmid);
		if (!ok || g == NULL)
			continue;
		lxc = strcmp(json_string_value(json_object_get(g, "type")), "lxc") == 0;
		gmtime_r(&t, &tm);
		st = st_pve_storage(s, storeid);
		if (st == NULL)
			continue;
		if (strcmp(json_string_value(json_object_get(st, "type")), "pbs") == 0) {
			/* A PBS storage: the snapshot lands in the simulated PBS datastore. */
			strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
			snprintf(volid, sizeof volid, "%s:backup/%s/%s/%s", storeid, lxc ? "ct" : "vm",
			    vmid, ts);
			pbs = json_object_get(json_object_get(json_object_get(s->state, "pbs"),
			    "datastores"), json_string_value(json_object_get(st, "datastore")));
			if (pbs)
				json_array_append_new(sim_arr(pbs, "snapshots"), json_pack(
				    "{s:s, s:s, s:I, s:s, s:s, s:b, s:I, s:s, s:[{s:s,s:s,s:I}]}",
				    "backup-type", lxc ? "ct" : "vm", "backup-id", vmid,
				    "backup-time", (json_int_t)t, "ns",
				    json_string_value(json_object_get(st, "namespace")) ?
				    json_string_value(json_object_get(st, "namespace")) : "",
				    "owner", "root@pam!pve", "protected",
				    sim_json_truthy(json_object_get(args, "protected")),
				    "size", (json_int_t)(8 * GiB), "comment",
				    json_string_value(json_object_get(json_object_get(g, "config"),
				    lxc ? "hostname" : "name")) ?: "",
				    "files", "filename", "index.json.blob", "crypt-mode", "none",
				    "size", (json_int_t)512));
		} else {
			strftime(ts, sizeof ts, "%Y_%m_%d-%H_%M_%S", &tm);
			snprintf(volid, sizeof volid, "%s:backup/vzdump-%s-%s-%s.%s", storeid,
			    lxc ? "lxc" : "qemu", vmid, ts, lxc ? "tar.zst" : "vma.zst");
		}
		json_array_append_new(sim_arr(st, "volumes"), json_pack(
		    "{s:s, s:s, s:s, s:I, s:I, s:I, s:O, s:s, s:b}",
		    "volid", volid, "content", "backup", "format", lxc ? "tar.zst" : "vma.zst",
		    "size", (json_int_t)(2 * GiB), "vmid", (json_int_t)atoll(vmid), "ctime",
		    (json_int_t)t, "config", json_object_get(g, "config"), "subtype",
		    lxc ? "lxc" : "qemu", "protected",
		    sim_json_truthy(json_object_get(args, "protected"))));
		if (json_is_string(json_object_get(args, "notes")))
			json_object_set(json_array_get(json_object_get(st, "volumes"),
			    json_array_size(json_object_get(st, "volumes")) - 1), "notes",
			    json_object_get(args, "notes"));
	}
}

static void
h_vzdump(struct sim_req *rq, struct sim_resp *rs)
{
	const char *node = sim_param_str(rq, "node"), *storage = sim_param_str(rq, "storage");
	const char *vmids = sim_param_str(rq, "vmid"), *id;
	json_t *list = json_array(), *v, *g, *st, *task;
	size_t i;
	int all = sim_param_bool(rq, "all", 0);

	if (storage == NULL)
		storage = "local";
	if ((st = st_pve_storage(rq->sim, storage)) == NULL) {
		json_decref(list);
		sim_err(rs, 500, "storage '%s' does not exist\n", storage);
		return;
	}
	if (!strstr(json_string_value(json_object_get(st, "content")), "backup")) {
		json_decref(list);
		sim_err(rs, 500, "storage '%s' does not support backups\n", storage);
		return;
	}
	if (all) {
		json_object_foreach(guests(rq), id, g)
			if (strcmp(gnode(g), node) == 0)
				json_array_append_new(list, json_string(id));
	} else if (vmids) {
		json_t *want = sim_split_list(vmids);
		json_array_foreach(want, i, v) {
			if ((g = st_pve_guest(rq->sim, json_string_value(v))) == NULL) {
				sim_err(rs, 500, "Unable to find VMID '%s'\n", json_string_value(v));
				json_decref(want);
				json_decref(list);
				return;
			}
			json_array_append(list, v);
		}
		json_decref(want);
	} else {
		json_decref(list);
		sim_err(rs, 400, "Parameter verification failed.\n");
		rs->errors = json_pack("{s:s}", "vmid", "property is missing and it is not optional");
		return;
	}
	task = sim_task_start(rq, node, "vzdump", json_array_size(list) == 1 ?
	    json_string_value(json_array_get(list, 0)) : "");
	json_array_foreach(list, i, v) {
		const char *vm = json_string_value(v), *lock;
		json_t *cfg;
		g = st_pve_guest(rq->sim, vm);
		cfg = json_object_get(g, "config");
		if (strcmp(gnode(g), node) != 0) {
			sim_task_warn(task, "skip external VMs: %s", vm);
			continue;
		}
		if ((lock = json_string_value(json_object_get(cfg, "lock"))) != NULL) {
			sim_task_log(task, "ERROR: Backup of VM %s failed - %s is locked (%s)", vm,
			    strcmp(json_string_value(json_object_get(g, "type")), "lxc") == 0 ?
			    "CT" : "VM", lock);
			sim_task_fail(task, "job errors");
			continue;
		}
		sim_task_log(task, "INFO: Starting Backup of VM %s (%s)", vm,
		    json_string_value(json_object_get(g, "type")));
		json_object_set_new(cfg, "lock", json_string("backup"));
	}
	sim_task_log(task, "INFO: Backup job finished%s", "");
	sim_task_set_fx(task, "pve_backup", json_pack("{s:o, s:s, s:b, s:O?}", "vmids", list,
	    "storage", storage, "protected", sim_param_bool(rq, "protected", 0), "notes",
	    json_object_get(rq->params, "notes-template")));
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void
h_not_backed_up(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *jobs = json_object_get(json_object_get(st_surf(rq->sim, SIM_PVE), "config"),
	    "/cluster/backup"), *covered = json_object(), *out = json_array(), *j, *g;
	const char *k, *id;

	json_object_foreach(jobs, k, j) {
		json_t *l;
		size_t i;
		json_t *v;
		if (sim_json_truthy(json_object_get(j, "all"))) {
			json_object_foreach(guests(rq), id, g)
				json_object_set_new(covered, id, json_true());
			continue;
		}
		l = sim_split_list(json_string_value(json_object_get(j, "vmid")));
		json_array_foreach(l, i, v)
			json_object_set_new(covered, json_string_value(v), json_true());
		json_decref(l);
	}
	/* "all" jobs skip their exclude list */
	json_object_foreach(jobs, k, j) {
		json_t *l, *v;
		size_t i;
		if (!sim_json_truthy(json_object_get(j, "all")))
			continue;
		l = sim_split_list(json_string_value(json_object_get(j, "exclude")));
		json_array_foreach(l, i, v) {
			int elsewhere = 0;
			json_t *j2;
			const char *k2;
			json_object_foreach(jobs, k2, j2) {
				json_t *l2 = sim_split_list(json_string_value(json_object_get(j2, "vmid"))), *x;
				size_t q;
				json_array_foreach(l2, q, x)
					if (strcmp(json_string_value(x), json_string_value(v)) == 0)
						elsewhere = 1;
				json_decref(l2);
			}
			if (!elsewhere)
				json_object_del(covered, json_string_value(v));
		}
		json_decref(l);
	}
	json_object_foreach(guests(rq), id, g) {
		if (json_object_get(covered, id))
			continue;
		json_array_append_new(out, json_pack("{s:I, s:s, s:s?}", "vmid", (json_int_t)atoll(id),
		    "type", json_string_value(json_object_get(g, "type")), "name",
		    json_string_value(json_object_get(json_object_get(g, "config"), "name")) ?:
		    json_string_value(json_object_get(json_object_get(g, "config"), "hostname"))));
	}
	json_decref(covered);
	sim_ok(rs, out);
}

static void
h_feature(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *v;
	const char *feature = sim_param_str(rq, "feature"), *k;
	int has = 1;

	if (g == NULL)
		return;
	json_object_foreach(json_object_get(g, "config"), k, v) {
		if (!is_disk_value(pve_kind(rq), k, v))
			continue;
		if (strcmp(feature, "snapshot") == 0 &&
		    !pve_storage_can_snapshot(rq->sim, json_string_value(v)))
			has = 0;
		if (strcmp(feature, "clone") == 0 &&
		    !sim_json_truthy(json_object_get(json_object_get(g, "config"), "template")))
			has = 0;
	}
	sim_ok(rs, json_pack("{s:b, s:[]}", "hasFeature", has, "nodes"));
}

/* ------------------------------------------------------------ cloud-init */

static int
ci_key(const char *k)
{
	static const char *const keys[] = { "cicustom", "cipassword", "citype", "ciupgrade",
		"ciuser", "nameserver", "searchdomain", "sshkeys", NULL };
	size_t i;

	for (i = 0; keys[i]; i++)
		if (strcmp(k, keys[i]) == 0)
			return 1;
	return strncmp(k, "ipconfig", 8) == 0 && k[8] >= '0' && k[8] <= '9';
}

/* What the drive was last generated from (guest.cloudinit), against the
 * configuration now: PVE's cloudinit_pending (passwords masked). */
static void
h_cloudinit_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *cfg, *gen, *out, *v, *e;
	const char *k;

	if (g == NULL)
		return;
	cfg = json_object_get(g, "config");
	gen = json_object_get(g, "cloudinit");
	out = json_array();
	json_object_foreach(gen, k, v) {
		json_t *now = json_object_get(cfg, k);
		int pw = strcmp(k, "cipassword") == 0;

		e = json_pack("{s:s, s:o}", "key", k, "value", pw ? json_string("**********") :
		    json_incref(v));
		if (now == NULL)
			json_object_set_new(e, "delete", json_integer(1));
		else if (!json_equal(now, v))
			json_object_set_new(e, "pending", pw ? json_string("**********") :
			    json_incref(now));
		json_array_append_new(out, e);
	}
	json_object_foreach(cfg, k, v)
		if (ci_key(k) && json_object_get(gen, k) == NULL)
			json_array_append_new(out, json_pack("{s:s, s:o}", "key", k, "pending",
			    strcmp(k, "cipassword") == 0 ? json_string("**********") : json_incref(v)));
	sim_ok(rs, out);
}

static void
h_cloudinit_put(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *cfg, *gen, *v;
	const char *k, *lock;
	int drive = 0;

	if (g == NULL)
		return;
	cfg = json_object_get(g, "config");
	if ((lock = json_string_value(json_object_get(cfg, "lock"))) != NULL) {
		sim_err(rs, 500, "VM is locked (%s)\n", lock);
		return;
	}
	json_object_foreach(cfg, k, v)
		if (json_is_string(v) && strstr(json_string_value(v), "cloudinit") &&
		    pve_is_disk_key("qemu", k))
			drive = 1;
	if (!drive) {
		sim_ok(rs, json_null());	/* PVE: nothing to regenerate */
		return;
	}
	gen = json_object();
	json_object_foreach(cfg, k, v)
		if (ci_key(k))
			json_object_set(gen, k, v);
	json_object_set_new(g, "cloudinit", gen);
	sim_ok(rs, json_null());
}

void
pve_ops_register_fx(void)
{
	sim_task_register_fx("pve_created", fx_created);
	sim_task_register_fx("pve_destroyed", fx_destroyed);
	sim_task_register_fx("pve_cloned", fx_cloned);
	sim_task_register_fx("pve_migrated", fx_migrated);
	sim_task_register_fx("pve_unlock_only", fx_unlock_only);
	sim_task_register_fx("pve_backup", fx_backup);
}

void
pve_ops_register(struct sim_schema *sc)
{
	sim_bind(sc, "POST", "/nodes/{node}/qemu", h_create);
	sim_bind(sc, "POST", "/nodes/{node}/lxc", h_create);
	sim_bind(sc, "DELETE", "/nodes/{node}/qemu/{vmid}", h_destroy);
	sim_bind(sc, "DELETE", "/nodes/{node}/lxc/{vmid}", h_destroy);
	sim_bind(sc, "POST", "/nodes/{node}/qemu/{vmid}/template", h_template);
	sim_bind(sc, "POST", "/nodes/{node}/lxc/{vmid}/template", h_template);
	sim_bind(sc, "POST", "/nodes/{node}/qemu/{vmid}/clone", h_clone);
	sim_bind(sc, "POST", "/nodes/{node}/lxc/{vmid}/clone", h_clone);
	sim_bind(sc, "POST", "/nodes/{node}/qemu/{vmid}/migrate", h_migrate);
	sim_bind(sc, "POST", "/nodes/{node}/lxc/{vmid}/migrate", h_migrate);
	sim_bind(sc, "POST", "/nodes/{node}/qemu/{vmid}/move_disk", h_move_disk);
	sim_bind(sc, "POST", "/nodes/{node}/lxc/{vmid}/move_volume", h_move_disk);
	sim_bind(sc, "PUT", "/nodes/{node}/qemu/{vmid}/resize", h_resize);
	sim_bind(sc, "PUT", "/nodes/{node}/lxc/{vmid}/resize", h_resize);
	sim_bind(sc, "GET", "/nodes/{node}/qemu/{vmid}/feature", h_feature);
	sim_bind(sc, "GET", "/nodes/{node}/lxc/{vmid}/feature", h_feature);
	sim_bind(sc, "POST", "/nodes/{node}/vzdump", h_vzdump);
	sim_bind(sc, "GET", "/cluster/backup-info/not-backed-up", h_not_backed_up);
	sim_bind(sc, "GET", "/nodes/{node}/qemu/{vmid}/cloudinit", h_cloudinit_get);
	sim_bind(sc, "PUT", "/nodes/{node}/qemu/{vmid}/cloudinit", h_cloudinit_put);
}
