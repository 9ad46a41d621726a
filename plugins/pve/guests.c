/**
 * @file guests.c
 * @brief Hand-written guest tools: the counted guest list, cluster
 *        resources, config set/revert with per-key diff and digest, power
 *        with a status-aware plan, rollback.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "door.h"
#include "pve.h"

/* ------------------------------------------------------------ reads */

static const char *const lean_fields[] = {
	"vmid", "name", "type", "status", "node", "uptime", "tags", "template", NULL,
};

static json_t *
project(const json_t *row, const char *fields)
{
	json_t *o = json_object();
	const char *p, *e;
	char f[64];
	size_t i;

	if (fields == NULL) {
		for (i = 0; lean_fields[i]; i++)
			if (json_object_get(row, lean_fields[i]))
				json_object_set(o, lean_fields[i], json_object_get(row, lean_fields[i]));
		return o;
	}
	for (p = fields; *p; p = *e ? e + 1 : e) {
		e = strchr(p, ',');
		e = e ? e : p + strlen(p);
		if ((size_t)(e - p) < sizeof f) {
			memcpy(f, p, (size_t)(e - p));
			f[e - p] = '\0';
			if (json_object_get(row, f))
				json_object_set(o, f, json_object_get(row, f));
		}
	}
	return o;
}

static void
count(json_t *by, const char *key)
{
	json_t *c = json_object_get(by, key ? key : "unknown");

	json_object_set_new(by, key ? key : "unknown", json_integer(c ? json_integer_value(c) + 1 : 1));
}

int
pve_list_guests_read(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const json_t *args, void *payload)
{
	const char *node = json_string_value(json_object_get(args, "node"));
	const char *fields = json_string_value(json_object_get(args, "fields"));
	json_t *rows = NULL, *q, *guests, *by, *row;
	size_t i;
	int r;

	(void)payload;
	q = json_pack("{s:s}", "type", "vm");
	r = pve_get(&rows, err, call, "/cluster/resources", NULL, q);
	json_decref(q);
	if (r != PXM_OK)
		return r;
	guests = json_array();
	by = json_object();
	json_array_foreach(rows, i, row) {
		if (node && strcmp(node, json_string_value(json_object_get(row, "node")) ?
		    json_string_value(json_object_get(row, "node")) : "") != 0)
			continue;
		count(by, json_string_value(json_object_get(row, "status")));
		if (fields && strcmp(fields, "all") == 0)
			json_array_append(guests, row);
		else
			json_array_append_new(guests, project(row, fields));
	}
	json_decref(rows);
	*out = json_pack("{s:I, s:o, s:o}", "total", (json_int_t)json_array_size(guests),
	    "by_status", by, "guests", guests);
	return PXM_OK;
}

int
pve_cluster_resources_read(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const json_t *args, void *payload)
{
	json_t *rows = NULL, *q = json_object(), *by, *row;
	size_t i;
	int r;

	(void)payload;
	if (json_object_get(args, "type"))
		json_object_set(q, "type", json_object_get(args, "type"));
	r = pve_get(&rows, err, call, "/cluster/resources", NULL, q);
	json_decref(q);
	if (r != PXM_OK)
		return r;
	by = json_object();
	json_array_foreach(rows, i, row)
		count(by, json_string_value(json_object_get(row, "type")));
	*out = json_pack("{s:I, s:o, s:o}", "total", (json_int_t)json_array_size(rows),
	    "by_type", by, "resources", rows);
	return PXM_OK;
}

/* ------------------------------------------------------------ config */

/* Values never shown in plans or recorded in the ledger. */
static int
secret_key(const char *k)
{
	return strcmp(k, "cipassword") == 0 || strstr(k, "password") || strstr(k, "secret") ||
	    strcmp(k, "sshkeys") == 0;
}

static json_t *
masked(const json_t *config)
{
	json_t *o = json_object(), *v;
	const char *k;

	json_object_foreach((json_t *)config, k, v)
		json_object_set_new(o, k, secret_key(k) ? json_string("<masked>") : json_incref(v));
	return o;
}

static json_t *
guest_vars(struct pxm_error *err, const json_t *args)
{
	const char *node = pve_node(err, args);

	if (node == NULL)
		return NULL;
	return json_pack("{s:s, s:s, s:O}", "node", node, "kind", pve_kind(args), "vmid",
	    json_object_get(args, "vmid"));
}

/* A value as PVE would show it in a config read (strings). */
static json_t *
as_config_value(const json_t *v)
{
	char buf[64];

	if (json_is_string(v))
		return json_incref((json_t *)v);
	if (json_is_true(v))
		return json_string("1");
	if (json_is_false(v))
		return json_string("0");
	if (json_is_integer(v)) {
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
		return json_string(buf);
	}
	if (json_is_real(v)) {
		snprintf(buf, sizeof buf, "%g", json_real_value(v));
		return json_string(buf);
	}
	return NULL;
}

static int
key_matches(const char *k, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(k, prefix, n) != 0)
		return 0;
	if (k[n] == '\0')
		return 1;
	for (k += n; *k; k++)
		if (!isdigit((unsigned char)*k))
			return 0;
	return 1;
}

/* The reference's escalations: a change that reaches past the guest. */
static void
assess_config_change(struct pxm_plan *plan, const char *k, const char *to)
{
	static const char *const reboot_keys[] = {
		"cores", "memory", "swap", "cpulimit", "sockets", "numa", "kvm", "scsihw", "ostype", NULL,
	};
	size_t i;

	for (i = 0; reboot_keys[i]; i++)
		if (strcmp(k, reboot_keys[i]) == 0)
			pve_host->plan_add_note(plan, "'%s' may only take effect after the guest restarts.", k);
	if (to == NULL)
		return;
	if (key_matches(k, "net") && k[3]) {
		if (strstr(to, "bridge="))
			pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "%s attaches the guest to a bridge/VLAN: "
			    "lateral reach onto that network", k);
		if (strstr(to, "firewall=0"))
			pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "%s turns the guest's firewall off", k);
	}
	if ((key_matches(k, "serial") || key_matches(k, "parallel") || key_matches(k, "usb") ||
	    key_matches(k, "hostpci")) && (strstr(to, "host=") || strstr(to, "mapping=") ||
	    strstr(to, "/dev/") || key_matches(k, "hostpci")))
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "%s passes a host device into the guest", k);
	if (strcmp(k, "protection") == 0 && strcmp(to, "0") == 0)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "removes the guest's protection flag "
		    "(it can then be destroyed)");
}

/* Shared by set and revert: read the config, declare the PUT. */
static int
plan_config_put(struct pxm_error *err, struct pxm_call *call, const json_t *args,
    struct pxm_plan *plan, const json_t *set, const json_t *del, json_t *extra_stash)
{
	json_t *vars, *cfg = NULL, *diff, *params, *v, *current;
	char path[512], dl[4096] = "";
	const char *k, *digest;
	size_t i;
	int r;

	/* extra_stash is stolen: every way out releases it. */
	if ((vars = guest_vars(err, args)) == NULL) {
		json_decref(extra_stash);
		return err->code;
	}
	r = pve_get(&cfg, err, call, "/nodes/{node}/{kind}/{vmid}/config", vars, NULL);
	if (r == PXM_OK)
		r = pve_path(path, sizeof path, err, "/nodes/{node}/{kind}/{vmid}/config", vars);
	if (r != PXM_OK) {
		json_decref(vars);
		json_decref(cfg);
		json_decref(extra_stash);
		return r;
	}
	digest = json_string_value(json_object_get(cfg, "digest"));
	diff = json_object();
	params = json_object();
	json_object_foreach((json_t *)set, k, v) {
		json_t *old = json_object_get(cfg, k), *nv = as_config_value(v);
		json_t *olds = old ? as_config_value(old) : NULL;

		if (nv == NULL) {
			json_decref(vars); json_decref(cfg); json_decref(diff); json_decref(params);
			json_decref(extra_stash);
			return pve_fail(err, PXM_E_INVAL, "invalid_argument",
			    "config key '%s' must be a string, number or boolean (null deletes it)", k);
		}
		/* compare as PVE stores them: text */
		if (olds == NULL || !json_equal(olds, nv))
			json_object_set_new(diff, k, json_pack("{s:o, s:o}", "from",
			    old ? (secret_key(k) ? json_string("<masked>") : json_incref(old)) :
			    json_string("<unset>"), "to", secret_key(k) ? json_string("<masked>") :
			    json_incref(nv)));
		json_decref(olds);
		assess_config_change(plan, k, json_string_value(nv));
		json_object_set_new(params, k, nv);
	}
	json_array_foreach((json_t *)del, i, v) {
		const char *dk = json_string_value(v);

		if (json_object_get(cfg, dk) == NULL)
			continue;
		json_object_set_new(diff, dk, json_pack("{s:o, s:s}", "from", secret_key(dk) ?
		    json_string("<masked>") : json_incref(json_object_get(cfg, dk)), "to", "<deleted>"));
		assess_config_change(plan, dk, NULL);
		if (strlen(dl) + strlen(dk) + 2 < sizeof dl) {
			if (dl[0])
				strcat(dl, ",");
			strcat(dl, dk);
		}
	}
	if (dl[0])
		json_object_set_new(params, "delete", json_string(dl));
	/* Optimistic locking: the change applies to the config the plan read. */
	if (digest)
		json_object_set_new(params, "digest", json_string(digest));
	pve_host->plan_set_target(plan, "%s/%lld", pve_kind(args),
	    (long long)json_integer_value(json_object_get(args, "vmid")));
	pve_host->plan_set_change(plan, "change %zu key(s) of %s %lld", json_object_size(diff),
	    pve_kind(args), (long long)json_integer_value(json_object_get(args, "vmid")));
	pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "changes a guest's configuration");
	if (json_object_size(diff) == 0)
		pve_host->plan_add_note(plan, "no-op: every key already has that value.");
	current = json_pack("{s:o, s:O, s:s}", "config", masked(cfg), "diff", diff, "digest",
	    digest ? digest : "");
	pve_host->plan_set_current_new(plan, current);
	pve_host->plan_set_undo_target_new(plan, json_pack("{s:s, s:s, s:O}", "node",
	    json_string_value(json_object_get(vars, "node")), "kind", pve_kind(args), "vmid",
	    json_object_get(args, "vmid")));
	r = pve_host->plan_add_effect(plan, pve_ep, "PUT", path, params);
	if (extra_stash == NULL)
		extra_stash = json_object();
	json_object_set_new(extra_stash, "requests", json_pack("[{s:s, s:s, s:O}]", "method", "PUT",
	    "path", path, "params", params));
	json_object_set(extra_stash, "prior_config", cfg);
	json_object_set(extra_stash, "diff", diff);
	pve_host->plan_stash_new(plan, extra_stash);
	json_decref(diff);
	json_decref(params);
	json_decref(vars);
	json_decref(cfg);
	return r;
}

static int
config_set_plan_inner(struct pxm_error *err, struct pxm_call *call, const json_t *args,
    struct pxm_plan *plan, void *payload)
{
	const json_t *config = json_object_get(args, "config");
	json_t *set = json_object(), *del = json_array(), *v, *schema;
	const char *k;
	char tmpl[128];
	int r;

	(void)payload;
	/* Every key must be one the guest kind's config takes. */
	snprintf(tmpl, sizeof tmpl, "/nodes/{node}/%s/{vmid}/config", pve_kind(args));
	if ((schema = pve_door_op_schema(err, "PUT", tmpl)) == NULL) {
		json_decref(set);
		json_decref(del);
		return err->code;
	}
	json_object_foreach((json_t *)config, k, v) {
		const json_t *ps = pve_door_param_schema(schema, k);
		const char *t = json_string_value(json_object_get(ps, "type"));

		if (json_is_null(v))
			json_array_append_new(del, json_string(k));
		else if (t && strcmp(t, "string") == 0 && (json_is_number(v) || json_is_boolean(v)))
			/* PVE takes form values: memory=4096 is the string "4096" */
			json_object_set_new(set, k, as_config_value(v));
		else
			json_object_set(set, k, v);
		if (strcmp(k, "digest") == 0 || strcmp(k, "delete") == 0 || strcmp(k, "node") == 0 ||
		    strcmp(k, "vmid") == 0 || strcmp(k, "revert") == 0) {
			json_decref(set);
			json_decref(del);
			return pve_fail(err, PXM_E_INVAL, "invalid_argument", "config key '%s' is "
			    "managed by proximo (digest and deletions come from the plan)", k);
		}
	}
	{
		json_t *probe = json_deep_copy(set), *dv;
		size_t i;

		json_object_set_new(probe, "node", json_string("probe"));
		json_object_set(probe, "vmid", json_object_get(args, "vmid"));
		json_array_foreach(del, i, dv)
			if (json_object_get(json_object_get(schema, "properties"), json_string_value(dv)) == NULL &&
			    !pve_door_indexed_key(schema, json_string_value(dv))) {
				json_decref(probe);
				json_decref(set);
				json_decref(del);
				return pve_fail(err, PXM_E_INVAL, "invalid_argument",
				    "config: '%s' is not a %s config key", json_string_value(dv), pve_kind(args));
			}
		r = pve_host->schema_validate(err, schema, probe);
		json_decref(probe);
		if (r != PXM_OK) {
			char msg[sizeof err->text];

			snprintf(msg, sizeof msg, "%s", err->text);
			json_decref(set);
			json_decref(del);
			return pve_fail(err, PXM_E_INVAL, "invalid_argument", "config for %s: %s",
			    pve_kind(args), msg);
		}
	}
	r = plan_config_put(err, call, args, plan, set, del, NULL);
	json_decref(set);
	json_decref(del);
	return r;
}

/* The keys a config PUT set and the ones it deleted, from the plan's diff. */
static void
split_diff(const json_t *stash, json_t **applied, json_t **deleted)
{
	const char *k;
	json_t *v;

	*applied = json_array();
	*deleted = json_array();
	json_object_foreach(json_object_get(stash, "diff"), k, v) {
		const char *to = json_string_value(json_object_get(v, "to"));

		json_array_append_new(to && strcmp(to, "<deleted>") == 0 ? *deleted : *applied,
		    json_string(k));
	}
}

/* A config as compared across an undo snapshot: the snapshot moves
 * "parent" (and with it the digest), nothing else. */
static json_t *
comparable(const json_t *cfg)
{
	json_t *c = json_deep_copy(cfg);

	json_object_del(c, "digest");
	json_object_del(c, "parent");
	return c;
}

/*
 * Send the PUT the plan declared, with the digest the plan read.  The one
 * change allowed in between is the core's own undo snapshot (snapshot:
 * true), which moves the digest without touching a key: then the config
 * is read again and, if nothing but that moved, its new digest is sent.
 * Anything else changed the config behind the plan's back: refused.
 */
static int
config_put(json_t **out, struct pxm_error *err, struct pxm_call *call, const struct pxm_plan *plan)
{
	const json_t *st = pve_host->plan_stash(plan);
	const json_t *rq = json_array_get(json_object_get(st, "requests"), 0);
	const json_t *prior = json_object_get(st, "prior_config");
	const char *path = json_string_value(json_object_get(rq, "path"));
	const char *planned = json_string_value(json_object_get(prior, "digest"));
	json_t *live = NULL, *params, *a, *b;
	const char *now;
	int r;

	*out = NULL;
	params = json_deep_copy(json_object_get(rq, "params"));
	if (planned && (r = pve_send(&live, err, call, "GET", path, NULL)) != PXM_OK)
		goto out;
	now = json_string_value(json_object_get(live, "digest"));
	if (planned && now && strcmp(now, planned) != 0) {
		a = comparable(prior);
		b = comparable(live);
		if (!json_equal(a, b)) {
			char keys[512] = "";
			const char *k;
			json_t *v;

			json_object_foreach(b, k, v)
				if (!json_equal(v, json_object_get(a, k)) && strlen(keys) + strlen(k) + 3 <
				    sizeof keys)
					snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s",
					    keys[0] ? ", " : "", k);
			json_object_foreach(a, k, v)
				if (json_object_get(b, k) == NULL && strlen(keys) + strlen(k) + 3 <
				    sizeof keys)
					snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s",
					    keys[0] ? ", " : "", k);
			json_decref(a);
			json_decref(b);
			r = pve_fail(err, PXM_E_DENIED, "plan_drift", "%s changed after the plan was "
			    "confirmed (%s); nothing was changed: make a fresh dry run", path,
			    keys[0] ? keys : "digest");
			goto out;
		}
		json_decref(a);
		json_decref(b);
		json_object_set_new(params, "digest", json_string(now));
	}
	r = pve_send(out, err, call, "PUT", path, params);
out:
	json_decref(live);
	json_decref(params);
	return r;
}

int
pve_config_set_execute(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const json_t *args, const struct pxm_plan *plan, void *payload)
{
	const json_t *st = pve_host->plan_stash(plan);
	json_t *data = NULL, *applied, *deleted;
	int r;

	(void)args;
	(void)payload;
	if ((r = config_put(&data, err, call, plan)) != PXM_OK)
		return r;
	split_diff(st, &applied, &deleted);
	/* prior_config is what revert needs; secrets stay masked in it. */
	*out = json_pack("{s:o, s:o, s:o, s:o}", "prior_config",
	    masked(json_object_get(st, "prior_config")), "applied", applied, "deleted", deleted,
	    "proxmox", data);
	return PXM_OK;
}

/* The reference's allowlist: keys a revert may set.  Disks, and keys that
 * can escape the guest (args, hookscript, ...), are never re-applied. */
static int
revert_safe(const char *k, const char *kind)
{
	static const char *const common[] = { "cores", "memory", "swap", "cpulimit", "cpuunits",
		"onboot", "startup", "description", "tags", "nameserver", "searchdomain",
		"protection", NULL };
	static const char *const lxc[] = { "hostname", "ostype", "timezone", NULL };
	static const char *const qemu[] = { "name", "balloon", "agent", "kvm", "numa", "ostype",
		"scsihw", "boot", "sockets", NULL };
	const char *const *l;
	size_t i;

	for (i = 0; common[i]; i++)
		if (strcmp(k, common[i]) == 0)
			return 1;
	if (key_matches(k, "net") && k[3])
		return 1;
	l = strcmp(kind, "qemu") == 0 ? qemu : lxc;
	for (i = 0; l[i]; i++)
		if (strcmp(k, l[i]) == 0)
			return 1;
	if (strcmp(kind, "qemu") == 0 && ((key_matches(k, "serial") && k[6]) ||
	    (key_matches(k, "parallel") && k[8]) || (key_matches(k, "usb") && k[3])))
		return 1;
	return 0;
}

static int
config_revert_plan_inner(struct pxm_error *err, struct pxm_call *call, const json_t *args,
    struct pxm_plan *plan, void *payload)
{
	const json_t *prior = json_object_get(args, "prior_config");
	json_t *vars, *cfg = NULL, *set = json_object(), *del = json_array(), *skipped = json_array();
	json_t *v, *stash;
	const char *k, *kind = pve_kind(args);
	int r;

	(void)payload;
	if ((vars = guest_vars(err, args)) == NULL) {
		r = err->code;	/* set, del and skipped are already allocated */
		goto out;
	}
	r = pve_get(&cfg, err, call, "/nodes/{node}/{kind}/{vmid}/config", vars, NULL);
	json_decref(vars);
	if (r != PXM_OK)
		goto out;
	json_object_foreach((json_t *)prior, k, v) {
		if (strcmp(k, "digest") == 0 || strcmp(k, "lock") == 0 || strncmp(k, "lxc.", 4) == 0)
			continue;
		if (!revert_safe(k, kind)) {
			json_array_append_new(skipped, json_string(k));
			continue;
		}
		if (json_is_string(v) && strcmp(json_string_value(v), "<masked>") == 0) {
			json_array_append_new(skipped, json_string(k));
			continue;
		}
		if (!json_equal(json_object_get(cfg, k), v))
			json_object_set(set, k, v);
	}
	json_object_foreach(cfg, k, v)
		if (json_object_get(prior, k) == NULL && revert_safe(k, kind))
			json_array_append_new(del, json_string(k));
	stash = json_pack("{s:O}", "skipped_unsettable", skipped);
	pve_host->plan_add_note(plan, "revert re-applies allowlisted keys only; disks and "
	    "escape-prone keys are never re-applied.");
	r = plan_config_put(err, call, args, plan, set, del, stash);
out:
	json_decref(cfg);
	json_decref(set);
	json_decref(del);
	json_decref(skipped);
	return r;
}

int
pve_config_revert_execute(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const json_t *args, const struct pxm_plan *plan, void *payload)
{
	const json_t *st = pve_host->plan_stash(plan);
	json_t *data = NULL, *keys, *deleted;
	int r;

	(void)args;
	(void)payload;
	if ((r = config_put(&data, err, call, plan)) != PXM_OK)
		return r;
	json_decref(data);
	split_diff(st, &keys, &deleted);
	*out = json_pack("{s:o, s:o, s:O}", "reverted_to_keys", keys, "deleted", deleted,
	    "skipped_unsettable", json_object_get(st, "skipped_unsettable"));
	return PXM_OK;
}

/* ------------------------------------------------------------ power */

static const struct {
	const char	*action;
	uint32_t	risk;
	const char	*why;
} power_risks[] = {
	{ "start", PXM_RISK_LOW, "starts a guest" },
	{ "resume", PXM_RISK_LOW, "resumes a suspended guest" },
	{ "shutdown", PXM_RISK_MEDIUM, "asks the guest OS to shut down" },
	{ "suspend", PXM_RISK_MEDIUM, "freezes the guest" },
	{ "stop", PXM_RISK_HIGH, "hard stop (power pull): unsaved data in the guest is lost" },
	{ "reboot", PXM_RISK_HIGH, "reboots the guest: its services go away meanwhile" },
};

static void
fmt_uptime(char *buf, size_t size, long long s)
{
	if (s >= 86400)
		snprintf(buf, size, "%lldd", s / 86400);
	else if (s >= 3600)
		snprintf(buf, size, "%lldh", s / 3600);
	else
		snprintf(buf, size, "%lldm", s / 60);
}

static int
power_plan_inner(struct pxm_error *err, struct pxm_call *call, const json_t *args,
    struct pxm_plan *plan, void *payload)
{
	const char *action = json_string_value(json_object_get(args, "action"));
	const char *kind = pve_kind(args), *status;
	long long vmid = (long long)json_integer_value(json_object_get(args, "vmid"));
	json_t *vars, *st = NULL, *params = json_object(), *reqs = json_array();
	char path[512], pattern[128], up[32];
	size_t i;
	int r, noop = 0;

	(void)payload;
	if ((vars = guest_vars(err, args)) == NULL)
		goto fail;
	if ((r = pve_get(&st, err, call, "/nodes/{node}/{kind}/{vmid}/status/current", vars, NULL)) != PXM_OK)
		goto fail;
	status = json_string_value(json_object_get(st, "status"));
	status = status ? status : "unknown";
	pve_host->plan_set_target(plan, "%s/%lld:%s", kind, vmid, action);
	pve_host->plan_set_change(plan, "%s %s %lld", action, kind, vmid);
	pve_host->plan_set_current_new(plan, json_pack("{s:s, s:s}", "status", status, "name",
	    json_string_value(json_object_get(st, "name")) ? json_string_value(json_object_get(st, "name")) : ""));
	if (strcmp(action, "start") == 0 && strcmp(status, "running") == 0)
		noop = 1;
	if ((strcmp(action, "stop") == 0 || strcmp(action, "shutdown") == 0 ||
	    strcmp(action, "reboot") == 0 || strcmp(action, "suspend") == 0) &&
	    strcmp(status, "running") != 0)
		noop = 1;
	if (noop) {
		pve_host->plan_raise_risk(plan, PXM_RISK_NONE, "no-op: already %s", status);
		pve_host->plan_add_note(plan, "no-op: the guest is already %s; confirming sends nothing.",
		    status);
	} else {
		for (i = 0; i < sizeof power_risks / sizeof power_risks[0]; i++)
			if (strcmp(power_risks[i].action, action) == 0)
				pve_host->plan_raise_risk(plan, power_risks[i].risk, "%s", power_risks[i].why);
		if (strcmp(status, "running") == 0 && (strcmp(action, "stop") == 0 ||
		    strcmp(action, "shutdown") == 0 || strcmp(action, "reboot") == 0)) {
			fmt_uptime(up, sizeof up, (long long)json_integer_value(json_object_get(st, "uptime")));
			pve_host->plan_add_blast(plan, "1 running guest will halt (uptime %s)", up);
			char res[64];

			snprintf(res, sizeof res, "%s/%lld", kind, vmid);
			pve_host->plan_add_affected_new(plan, json_pack("{s:s, s:I, s:s, s:b, s:s}",
			    "resource", res, "vmid", (json_int_t)vmid, "effect",
			    strcmp(action, "reboot") == 0 ? "restarts" : "halts", "running", 1,
			    "severity", strcmp(action, "shutdown") == 0 ? "medium" : "high"));
		}
		snprintf(pattern, sizeof pattern, "/nodes/{node}/{kind}/{vmid}/status/%s", action);
		if ((r = pve_path(path, sizeof path, err, pattern, vars)) != PXM_OK)
			goto fail;
		if (json_object_get(args, "timeout")) {
			/* Not every action takes one (lxc start, suspend, resume
			 * do not): refuse rather than send what PVE rejects. */
			char tmpl[128];
			json_t *schema;

			snprintf(tmpl, sizeof tmpl, "/nodes/{node}/%s/{vmid}/status/%s", kind, action);
			if ((schema = pve_door_op_schema(err, "POST", tmpl)) == NULL)
				goto fail;
			if (pve_door_param_schema(schema, "timeout") == NULL) {
				pve_fail(err, PXM_E_INVAL, "invalid_argument", "'timeout' does not apply to "
				    "%s of a %s (POST %s takes none); it applies to shutdown and reboot, "
				    "and for VMs also to start and stop", action, strcmp(kind, "lxc") == 0 ?
				    "container" : "VM", tmpl);
				goto fail;
			}
			json_object_set(params, "timeout", json_object_get(args, "timeout"));
		}
		if ((r = pve_host->plan_add_effect(plan, pve_ep, "POST", path, params)) != PXM_OK)
			goto fail;
		json_array_append_new(reqs, json_pack("{s:s, s:s, s:O}", "method", "POST", "path",
		    path, "params", params));
	}
	pve_host->plan_set_undo_target_new(plan, json_pack("{s:O, s:s, s:I}", "node",
	    json_object_get(vars, "node"), "kind", kind, "vmid", (json_int_t)vmid));
	pve_host->plan_stash_new(plan, json_pack("{s:o}", "requests", reqs));
	json_decref(vars);
	json_decref(st);
	json_decref(params);
	return PXM_OK;
fail:
	json_decref(vars);
	json_decref(st);
	json_decref(params);
	json_decref(reqs);
	return err->code ? err->code : PXM_E_INTERNAL;
}

/* ------------------------------------------------------------ rollback */

static int
rollback_plan_inner(struct pxm_error *err, struct pxm_call *call, const json_t *args,
    struct pxm_plan *plan, void *payload)
{
	const char *kind = pve_kind(args), *snap = json_string_value(json_object_get(args, "snapname"));
	long long vmid = (long long)json_integer_value(json_object_get(args, "vmid"));
	json_t *vars, *snaps = NULL, *found = NULL, *s, *params = json_object();
	char path[512];
	size_t i;
	int r;

	(void)payload;
	if ((vars = guest_vars(err, args)) == NULL)
		goto fail;
	json_object_set_new(vars, "snapname", json_string(snap));
	if ((r = pve_get(&snaps, err, call, "/nodes/{node}/{kind}/{vmid}/snapshot", vars, NULL)) != PXM_OK)
		goto fail;
	json_array_foreach(snaps, i, s)
		if (json_is_string(json_object_get(s, "name")) &&
		    strcmp(json_string_value(json_object_get(s, "name")), snap) == 0)
			found = s;
	pve_host->plan_set_target(plan, "%s/%lld:%s", kind, vmid, snap);
	pve_host->plan_set_change(plan, "roll %s %lld back to snapshot '%s'", kind, vmid, snap);
	pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "a rollback discards every change since the snapshot");
	pve_host->plan_add_blast(plan, "DISCARDS all changes to %s/%lld since snapshot '%s'", kind, vmid, snap);
	pve_host->plan_add_note(plan, "Proxmox does not snapshot the description or tags: those stay as they are now.");
	if (found == NULL)
		pve_host->plan_add_blast(plan, "snapshot '%s' does not exist: the rollback will FAIL", snap);
	pve_host->plan_set_current_new(plan, json_pack("{s:O}", "snapshot", found ? found : json_null()));
	if ((r = pve_path(path, sizeof path, err, "/nodes/{node}/{kind}/{vmid}/snapshot/{snapname}/rollback",
	    vars)) != PXM_OK)
		goto fail;
	if (json_object_get(args, "start"))
		json_object_set(params, "start", json_object_get(args, "start"));
	if ((r = pve_host->plan_add_effect(plan, pve_ep, "POST", path, params)) != PXM_OK)
		goto fail;
	pve_host->plan_stash_new(plan, json_pack("{s:[{s:s, s:s, s:O}]}", "requests", "method", "POST",
	    "path", path, "params", params));
	json_decref(vars);
	json_decref(snaps);
	json_decref(params);
	return PXM_OK;
fail:
	json_decref(vars);
	json_decref(snaps);
	json_decref(params);
	return err->code ? err->code : PXM_E_INTERNAL;
}

/* Guest plans work on the arguments completed with the guest's kind and
 * node (looked up from its id when the caller left them out). */
#define GUEST_PLAN(name, inner)							\
int									\
name(struct pxm_error *err, struct pxm_call *call, const json_t *args,	\
    struct pxm_plan *plan, void *payload)				\
{									\
	json_t *full = NULL;						\
	int r;								\
									\
	if ((r = pve_guest_complete(&full, err, call, args)) != PXM_OK)	\
		return r;						\
	r = inner(err, call, full, plan, payload);			\
	json_decref(full);						\
	return r;							\
}

GUEST_PLAN(pve_config_set_plan, config_set_plan_inner)
GUEST_PLAN(pve_config_revert_plan, config_revert_plan_inner)
GUEST_PLAN(pve_power_plan, power_plan_inner)
GUEST_PLAN(pve_rollback_plan, rollback_plan_inner)
