/**
 * @file blast_network.c
 * @brief Network op-classes: apply lockout (7) and bridge attachment (9),
 *        and beyond the reference: the dependency chain of the management
 *        interface (a bridge's ports, a bond's slaves, a VLAN's raw device),
 *        bridges an apply removes, and guests attached to an SDN VNet that
 *        is deleted.
 *
 * The management address is the node's cluster address (/cluster/status)
 * and the API's host when PROXIMO_API_BASE_URL names an IP.  Which
 * interfaces an apply changes comes from PVE's own pending diff (the
 * "changes" member of GET /nodes/{node}/network).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blast.h"
#include "pve.h"

/* ------------------------------------------------------- helpers */

static const json_t *
iface(const json_t *list, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (name && json_string_value(json_object_get(v, "iface")) &&
		    strcmp(json_string_value(json_object_get(v, "iface")), name) == 0)
			return v;
	return NULL;
}

/* Does the interface hold the address (address/cidr/address6/cidr6)? */
static int
holds(const json_t *i, const char *ip)
{
	static const char *const keys[] = { "address", "cidr", "address6", "cidr6", NULL };
	size_t n = strlen(ip), k;

	for (k = 0; keys[k]; k++) {
		const char *v = json_string_value(json_object_get(i, keys[k]));

		if (v && strncmp(v, ip, n) == 0 && (v[n] == '\0' || v[n] == '/'))
			return 1;
	}
	return 0;
}

/* The interfaces an interface depends on, recursively (itself included):
 * a bridge's ports, a bond's slaves, a VLAN's raw device. */
static void
closure(const json_t *list, const char *name, json_t *out, int depth)
{
	static const char *const keys[] = { "bridge_ports", "slaves", "vlan-raw-device", NULL };
	const json_t *i = iface(list, name);
	json_t *parts, *p;
	size_t k, j;

	if (name == NULL || depth > 8)
		return;
	bl_add_unique(out, name);
	if (strchr(name, '.')) {	/* eno1.100: a VLAN on eno1 */
		char parent[128];

		snprintf(parent, sizeof parent, "%.*s", (int)strcspn(name, "."), name);
		closure(list, parent, out, depth + 1);
	}
	for (k = 0; keys[k]; k++) {
		parts = bl_split(json_string_value(json_object_get(i, keys[k])));
		json_array_foreach(parts, j, p)
			closure(list, json_string_value(p), out, depth + 1);
		json_decref(parts);
	}
}

/* Bridges that depend on an interface (it is a port, a slave of a port...). */
static void
bridges_over(const json_t *list, const char *name, json_t *out)
{
	json_t *v, *deps;
	size_t i;

	json_array_foreach(list, i, v) {
		const char *t = json_string_value(json_object_get(v, "type"));
		const char *n = json_string_value(json_object_get(v, "iface"));

		if (t == NULL || n == NULL || (strcmp(t, "bridge") != 0 && strcmp(t, "OVSBridge") != 0))
			continue;
		deps = json_array();
		closure(list, n, deps, 0);
		{
			json_t *d;
			size_t k;

			json_array_foreach(deps, k, d)
				if (strcmp(json_string_value(d), name) == 0)
					bl_add_unique(out, n);
		}
		json_decref(deps);
	}
}

/*
 * The interfaces a unified diff of /etc/network/interfaces touches: a
 * changed line belongs to the stanza ("iface X", "auto X") it sits in.
 * Returns 0 when some changed line could not be attributed.
 */
static int
diff_ifaces(const char *diff, json_t *out)
{
	const char *p = diff, *e;
	char line[1024], cur[128] = "", w1[64], w2[128];
	int ok = 1;

	while (p && *p) {
		e = strchr(p, '\n');
		snprintf(line, sizeof line, "%.*s", e ? (int)(e - p) : (int)strlen(p), p);
		p = e ? e + 1 : NULL;
		if (strncmp(line, "---", 3) == 0 || strncmp(line, "+++", 3) == 0)
			continue;
		if (strncmp(line, "@@", 2) == 0) {
			cur[0] = '\0';	/* a new hunk: its stanza is not known yet */
			continue;
		}
		if (line[0] != ' ' && line[0] != '+' && line[0] != '-')
			continue;
		w1[0] = w2[0] = '\0';
		if (sscanf(line + 1, " %63s %127s", w1, w2) < 1) {
			continue;	/* blank line */
		}
		if ((strcmp(w1, "iface") == 0 || strcmp(w1, "auto") == 0 ||
		    strncmp(w1, "allow-", 6) == 0) && w2[0]) {
			bl_copy(cur, sizeof cur, w2);
			if (line[0] != ' ')
				bl_add_unique(out, w2);
			continue;
		}
		if (line[0] == ' ')
			continue;
		if (w1[0] == '#' || strcmp(w1, "source") == 0)
			continue;
		if (cur[0])
			bl_add_unique(out, cur);
		else
			ok = 0;
	}
	return ok;
}

/* The management addresses: this node's cluster address and the API's
 * host when it is an IP literal. */
static void
mgmt_addresses(json_t *out, const json_t *cstatus, const char *node)
{
	const char *base = pve_host->config_get(pve_self, "PROXIMO_API_BASE_URL");
	json_t *v;
	size_t i;
	char host[256];

	json_array_foreach(cstatus, i, v) {
		const char *t = json_string_value(json_object_get(v, "type"));
		const char *n = json_string_value(json_object_get(v, "name"));

		if (t && n && strcmp(t, "node") == 0 && strcmp(n, node) == 0 &&
		    json_string_value(json_object_get(v, "ip")))
			bl_add_unique(out, json_string_value(json_object_get(v, "ip")));
	}
	if (base && strstr(base, "://")) {
		const char *h = strstr(base, "://") + 3;

		if (*h == '[')
			snprintf(host, sizeof host, "%.*s", (int)strcspn(h + 1, "]"), h + 1);
		else
			snprintf(host, sizeof host, "%.*s", (int)strcspn(h, ":/"), h);
		/* only an address can be matched against interfaces */
		if (host[0] && (isdigit((unsigned char)host[0]) || strchr(host, ':')) &&
		    strcmp(host, "127.0.0.1") != 0 && strcmp(host, "::1") != 0)
			bl_add_unique(out, host);
	}
}

/* Guests on node attached to a bridge (exact bridge=<name> token). */
static void
guests_on_bridge(struct pxm_plan *plan, struct bl_tally *t, const struct bl_cluster *c,
    const char *node, const char *bridge, const char *sev, const char *what)
{
	char tok[200], text[600];
	size_t i, n;
	const char *k, *v, *p;
	json_t *x, *via;

	snprintf(tok, sizeof tok, "bridge=%s", bridge);
	n = strlen(tok);
	for (i = 0; i < c->n; i++) {
		const struct bl_guest *g = &c->g[i];
		json_t *row;

		if (g->config == NULL || (node && (g->node == NULL || strcmp(g->node, node) != 0)))
			continue;
		via = json_array();
		json_object_foreach(g->config, k, x) {
			if (strncmp(k, "net", 3) != 0 || !isdigit((unsigned char)k[3]) ||
			    (v = json_string_value(x)) == NULL)
				continue;
			for (p = v; (p = strstr(p, tok)) != NULL; p += n)
				if ((p == v || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
					bl_add_unique(via, k);
		}
		if (json_array_size(via) == 0) {
			json_decref(via);
			continue;
		}
		row = bl_guest_row(g);
		snprintf(text, sizeof text, "%s (%s on %s)%s", what, json_string_value(
		    json_array_get(via, 0)), bridge, g->running ? " — RUNNING" : "");
		json_object_set_new(row, "via", via);
		json_object_set_new(row, "bridge", json_string(bridge));
		json_object_set_new(row, "effect", json_string(text));
		json_object_set_new(row, "severity", json_string(sev));
		bl_emit(plan, t, row);
	}
}

/* ------------------------------------------------------- 7: apply */

int
bl_net_apply(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *node = json_string_value(json_object_get(eff->vars, "node"));
	struct bl_req r[2];
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	const json_t *ans, *list, *changes;
	json_t *mgmt = json_array(), *changed = json_array(), *deps = json_array(), *v;
	const char *mif = NULL, *mip = NULL;
	size_t i, k;
	int attributed = 1, rc;
	char *clist;

	(void)err;
	(void)payload;
	pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "applying network changes reloads the "
	    "node's networking (always HIGH)");
	memset(r, 0, sizeof r);
	bl_req_pathf(&r[0], "/nodes/{node}/network", "{s:s}", "node", node);
	r[0].flags = PXM_HTTP_WHOLE_ANSWER;
	bl_req_path(&r[1], "/cluster/status", NULL);
	bl_fetch(call, r, 2);
	if ((rc = bl_cluster_load(&c, call, 1, node)) != PXM_OK) {
		bl_req_free(r, 2);
		json_decref(mgmt);
		json_decref(changed);
		json_decref(deps);
		return rc;
	}
	ans = r[0].data;
	list = json_object_get(ans, "data");
	changes = json_object_get(ans, "changes");
	if (!json_is_array(list)) {
		pve_host->plan_set_incomplete(plan, "could not read node %s's interfaces and pending "
		    "changes (GET %s): %s — whether this locks you out is unknown", node, r[0].path,
		    ans ? "the answer has no interface list (an older proximo core?)" : r[0].error);
		goto out;
	}
	mgmt_addresses(mgmt, r[1].data, node);
	if (r[1].data == NULL)
		pve_host->plan_add_blast(plan, "the cluster status could not be read (%s): the node's "
		    "cluster address is not known", r[1].error);
	if (json_array_size(mgmt) == 0)
		pve_host->plan_set_incomplete(plan, "the management address of node %s is not known "
		    "(no cluster address, and the API URL names no IP): a lockout cannot be ruled "
		    "out", node);
	/* Which interface holds it after the apply (the list is the pending view). */
	json_array_foreach(mgmt, i, v)
		json_array_foreach(list, k, ans)
			if (holds(ans, json_string_value(v))) {
				mif = json_string_value(json_object_get(ans, "iface"));
				mip = json_string_value(v);
			}
	if (!json_is_string(changes) || *json_string_value(changes) == '\0') {
		pve_host->plan_add_blast(plan, "node %s has no pending network changes: the apply "
		    "reloads the current configuration (HIGH stands: a reload still briefly "
		    "interrupts networking)", node);
		goto out;
	}
	attributed = diff_ifaces(json_string_value(changes), changed);
	clist = bl_join(changed, ", ");
	if (!attributed)
		pve_host->plan_set_incomplete(plan, "some pending changes could not be attributed to "
		    "an interface: treat the management interface as affected");
	if (mif)
		closure(list, mif, deps, 0);
	if (json_array_size(mgmt) && mif == NULL) {
		char *ml = bl_join(mgmt, ", ");

		bl_emit(plan, &t, json_pack("{s:s, s:s, s:s, s:s}", "resource", "node", "node", node,
		    "effect", "LOCKOUT: after this apply no interface holds the management address — "
		    "you will lose SSH/API access; recovery needs console/physical access", "severity",
		    "high"));
		pve_host->plan_add_blast(plan, "management address(es) %s: held by no interface in "
		    "the pending configuration", ml ? ml : "");
		free(ml);
	} else if (mif) {
		const char *hit = NULL;

		json_array_foreach(deps, i, v)
			if (bl_list_has(clist, json_string_value(v)))
				hit = json_string_value(v);
		if (hit || !attributed) {
			char text[800], res[200];

			snprintf(text, sizeof text, "LOCKOUT: this apply changes '%s'%s, which %s the "
			    "management host %s — you will lose SSH/API access; recovery needs "
			    "console/physical access", hit ? hit : "(unattributed lines)", hit &&
			    strcmp(hit, mif) ? " (under the management interface)" : "", hit &&
			    strcmp(hit, mif) ? "carries" : "holds", mip);
			snprintf(res, sizeof res, "node/%s", node);
			bl_emit(plan, &t, json_pack("{s:s, s:s, s:s, s:s}", "resource", res,
			    "iface", mif, "effect", text, "severity", "high"));
		} else {
			pve_host->plan_add_blast(plan, "the management interface %s (holds %s) is not "
			    "among the changed interfaces (%s); HIGH stands: the apply reloads the "
			    "node's networking", mif, mip, clist ? clist : "");
		}
	}
	/* Guests on bridges the apply changes or removes. */
	json_array_foreach(changed, i, v) {
		const char *name = json_string_value(v);
		json_t *brs = json_array(), *b;
		size_t j;

		if (iface(list, name) == NULL) {
			guests_on_bridge(plan, &t, &c, node, name, "high", "bridge REMOVED by this apply: "
			    "the guest loses its network");
			json_decref(brs);
			continue;
		}
		bridges_over(list, name, brs);
		json_array_foreach(brs, j, b)
			guests_on_bridge(plan, &t, &c, node, json_string_value(b), "medium",
			    "networking disrupted now: the apply reloads its bridge");
		json_decref(brs);
	}
	free(clist);
	bl_tally_flush(plan, &t);
	bl_cluster_incomplete(plan, &c);
out:
	bl_cluster_free(&c);
	bl_req_free(r, 2);
	json_decref(mgmt);
	json_decref(changed);
	json_decref(deps);
	return PXM_OK;
}

/* ------------------------------------------------------- 9: iface edits */

int
bl_net_iface(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *node = json_string_value(json_object_get(eff->vars, "node"));
	const char *name = json_string_value(json_object_get(eff->vars, "iface"));
	int del = strcmp(eff->method, "DELETE") == 0, rc;
	struct bl_req r[2];
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	const json_t *list;
	json_t *brs = json_array(), *mgmt = json_array(), *v, *b, *deps;
	size_t i, j;

	(void)err;
	(void)payload;
	memset(r, 0, sizeof r);
	bl_req_pathf(&r[0], "/nodes/{node}/network", "{s:s}", "node", node);
	bl_req_path(&r[1], "/cluster/status", NULL);
	bl_fetch(call, r, 2);
	if ((rc = bl_cluster_load(&c, call, 1, node)) != PXM_OK) {
		bl_req_free(r, 2);
		json_decref(brs);
		json_decref(mgmt);
		return rc;
	}
	list = bl_need(plan, &r[0], "the node's interfaces");
	bl_add_unique(brs, name);
	bridges_over(list, name, brs);
	json_array_foreach(brs, i, b)
		guests_on_bridge(plan, &t, &c, node, json_string_value(b), "medium", del &&
		    strcmp(json_string_value(b), name) == 0 ? "loses its network when this staged "
		    "delete is applied" : "networking disrupted when this staged change is applied");
	/* The management interface's chain: said, never escalated (staged). */
	mgmt_addresses(mgmt, r[1].data, node);
	json_array_foreach(mgmt, i, v)
		json_array_foreach(list, j, b)
			if (holds(b, json_string_value(v))) {
				deps = json_array();
				closure(list, json_string_value(json_object_get(b, "iface")), deps, 0);
				{
					json_t *d;
					size_t q;

					json_array_foreach(deps, q, d)
						if (strcmp(json_string_value(d), name) == 0)
							pve_host->plan_add_blast(plan, "this staged change touches "
							    "the management interface %s (holds %s): the next network "
							    "apply can cut SSH/API access to %s",
							    json_string_value(json_object_get(b, "iface")),
							    json_string_value(v), node);
				}
				json_decref(deps);
			}
	bl_tally_flush(plan, &t);
	if (!bl_cluster_incomplete(plan, &c) && t.rows == 0)
		pve_host->plan_add_blast(plan, "no guest on %s is attached to %s (every guest config "
		    "there was read)", node, name);
	pve_host->plan_add_note(plan, "Interface edits are staged: nothing changes until the "
	    "network is applied (pve_network_apply), whose plan checks for lockout.");
	if (t.medium)
		pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "%zu guest(s) are attached to the "
		    "interface", t.medium);
	bl_cluster_free(&c);
	bl_req_free(r, 2);
	json_decref(brs);
	json_decref(mgmt);
	return PXM_OK;
}

/* ------------------------------------------------------- SDN VNets */

int
bl_sdn_vnet_delete(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *vnet = json_string_value(json_object_get(eff->vars, "vnet"));
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	int rc;

	(void)err;
	(void)payload;
	if ((rc = bl_cluster_load(&c, call, 1, NULL)) != PXM_OK)
		return rc;
	guests_on_bridge(plan, &t, &c, NULL, vnet, "medium", "attached to this VNet: loses its "
	    "network once the SDN configuration is applied");
	bl_tally_flush(plan, &t);
	if (!bl_cluster_incomplete(plan, &c) && t.rows == 0)
		pve_host->plan_add_blast(plan, "no guest is attached to VNet %s (every guest config "
		    "was read)", vnet);
	if (t.medium)
		pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "%zu guest(s) are attached to VNet %s",
		    t.medium, vnet);
	bl_cluster_free(&c);
	return PXM_OK;
}
