/**
 * @file blast_firewall.c
 * @brief Firewall op-classes: rule reach (6), firewall enable /
 *        policy_in=DROP lockout (8), and beyond the reference: rule removals
 *        and edits re-evaluated for lockout per node, security groups
 *        expanded, IP sets and aliases resolved (breadth of a named source,
 *        the rules that reference a set, the guests whose addresses fall in
 *        it).
 *
 * Management is protected on a node when some enabled inbound ACCEPT rule
 * (datacenter or node level, security groups included) covers TCP 22 or
 * 8006 (an empty port list is every port; ranges, lists, service names
 * and the SSH macro count).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "blast.h"
#include "pve.h"

/* ------------------------------------------------------- addresses */

enum breadth { B_NONE, B_HOST, B_INTERNAL, B_NAMED, B_RANGE, B_ANYWHERE };

static const char *const breadth_names[] = { "none", "a single host", "internal networks",
	"a named set (unresolved)", "a public range", "ANYWHERE" };

struct net {
	int		af;
	unsigned char	a[16];
	int		bits;
};

static int
parse_net(struct net *n, const char *s)
{
	char buf[128], *slash;
	int maxbits;

	bl_copy(buf, sizeof buf, s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	memset(n, 0, sizeof *n);
	if (inet_pton(AF_INET, buf, n->a) == 1) {
		n->af = AF_INET;
		maxbits = 32;
	} else if (inet_pton(AF_INET6, buf, n->a) == 1) {
		n->af = AF_INET6;
		maxbits = 128;
	} else {
		return 0;
	}
	n->bits = slash ? atoi(slash + 1) : maxbits;
	if (n->bits < 0 || n->bits > maxbits)
		return 0;
	return 1;
}

/* Is b inside a? */
static int
net_contains(const struct net *a, const struct net *b)
{
	int i, full, rem;

	if (a->af != b->af || b->bits < a->bits)
		return 0;
	full = a->bits / 8;
	rem = a->bits % 8;
	for (i = 0; i < full; i++)
		if (a->a[i] != b->a[i])
			return 0;
	if (rem && ((a->a[full] ^ b->a[full]) & (0xff << (8 - rem))))
		return 0;
	return 1;
}

static int
is_internal(const struct net *n)
{
	static const char *const priv[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
		"127.0.0.0/8", "169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128", NULL };
	struct net p;
	int i;

	for (i = 0; priv[i]; i++)
		if (parse_net(&p, priv[i]) && net_contains(&p, n))
			return 1;
	return 0;
}

/* The breadth of one address item (no names). */
static enum breadth
addr_breadth(const char *item)
{
	struct net n;
	char lo[128];

	if (strchr(item, '-')) {	/* a range a-b: judge by its start */
		snprintf(lo, sizeof lo, "%.*s", (int)strcspn(item, "-"), item);
		if (!parse_net(&n, lo))
			return B_NAMED;
		return is_internal(&n) ? B_INTERNAL : B_RANGE;
	}
	if (!parse_net(&n, item))
		return B_NAMED;
	if (n.bits == 0)
		return B_ANYWHERE;
	if (is_internal(&n))
		return B_INTERNAL;
	return (n.af == AF_INET && n.bits == 32) || (n.af == AF_INET6 && n.bits == 128) ?
	    B_HOST : B_RANGE;
}

/* Everything the firewall knows by name: cluster IP sets and aliases. */
struct fwnames {
	json_t	*ipsets;	/* name -> [entries {cidr, nomatch}] (only those read) */
	json_t	*aliases;	/* name -> cidr */
};

static const char *
strip_scope(const char *name)
{
	if (strncmp(name, "dc/", 3) == 0)
		return name + 3;
	return name;
}

/* Breadth of a source or dest field: lists, sets and aliases resolved. */
static enum breadth
breadth_of(const char *src, const struct fwnames *fn, char *why, size_t whysz)
{
	json_t *items;
	enum breadth best = B_NONE, b;
	json_t *v, *e;
	size_t i, k;

	if (why)
		why[0] = '\0';
	if (src == NULL || *src == '\0')
		return B_ANYWHERE;
	items = bl_split(src);
	json_array_foreach(items, i, v) {
		const char *it = json_string_value(v);

		if (it[0] == '+') {
			const json_t *set = json_object_get(fn ? fn->ipsets : NULL, strip_scope(it + 1));

			if (set == NULL) {
				b = B_NAMED;
			} else {
				b = B_NONE;
				json_array_foreach(set, k, e) {
					enum breadth eb;

					if (bl_truthy(json_object_get(e, "nomatch")))
						continue;
					eb = addr_breadth(json_string_value(json_object_get(e, "cidr")) ?
					    json_string_value(json_object_get(e, "cidr")) : "");
					if (eb > b)
						b = eb;
				}
				if (b == B_NONE)
					b = B_HOST;	/* empty set: matches nothing */
			}
		} else if ((b = addr_breadth(it)) == B_NAMED) {
			const char *cidr = json_string_value(json_object_get(fn ? fn->aliases : NULL,
			    strip_scope(it)));

			if (cidr)
				b = addr_breadth(cidr);
		}
		if (b > best)
			best = b;
	}
	json_decref(items);
	if (why)
		snprintf(why, whysz, "%s", breadth_names[best]);
	return best;
}

/* ------------------------------------------------------- ports */

static const struct { const char *name; int lo, hi; } services[] = {
	{ "ssh", 22, 22 }, { "telnet", 23, 23 }, { "http", 80, 80 }, { "https", 443, 443 },
	{ "mysql", 3306, 3306 }, { "postgresql", 5432, 5432 }, { "postgres", 5432, 5432 },
	{ "ms-wbt-server", 3389, 3389 }, { "rdp", 3389, 3389 }, { "domain", 53, 53 },
	{ "dns", 53, 53 }, { "smtp", 25, 25 }, { "ldap", 389, 389 }, { "ldaps", 636, 636 },
	{ "microsoft-ds", 445, 445 }, { "netbios-ssn", 139, 139 }, { "sunrpc", 111, 111 },
	{ "redis", 6379, 6379 }, { "ntp", 123, 123 }, { "snmp", 161, 161 },
};

/* Macros (PVE's firewall macros) and the ports they open. */
static const struct { const char *name; const char *ports; const char *proto; } macros[] = {
	{ "SSH", "22", "tcp" }, { "HTTP", "80", "tcp" }, { "HTTPS", "443", "tcp" },
	{ "Web", "80,443", "tcp" }, { "DNS", "53", "" }, { "MySQL", "3306", "tcp" },
	{ "PostgreSQL", "5432", "tcp" }, { "RDP", "3389", "tcp" }, { "Telnet", "23", "tcp" },
	{ "SMB", "139,445", "" }, { "VNC", "5900:5999", "tcp" }, { "Ping", "-", "icmp" },
	{ "SMTP", "25", "tcp" }, { "NTP", "123", "udp" }, { "LDAP", "389", "tcp" },
};

static const int sensitive[] = { 22, 8006, 3389, 23, 3306, 5432, 6379, 27017, 9200, 2375, 2376,
	111, 445, 135, 139, 5985, 5986, 389, 636, 0 };

/* Calls fn for every port range of a spec; returns 0 for an unknown token
 * (after reporting it with lo = hi = -1). */
static int
each_range(const char *spec, int (*fn)(int lo, int hi, void *arg), void *arg)
{
	json_t *items = bl_split(spec), *v;
	size_t i, k;
	int hit = 0;

	json_array_foreach(items, i, v) {
		const char *it = json_string_value(v);
		char *end;
		long lo, hi;

		if (isdigit((unsigned char)it[0])) {
			lo = strtol(it, &end, 10);
			hi = (*end == ':' || *end == '-') ? strtol(end + 1, NULL, 10) : lo;
			hit |= fn((int)lo, (int)hi, arg);
			continue;
		}
		for (k = 0; k < sizeof services / sizeof services[0]; k++)
			if (strcasecmp(services[k].name, it) == 0)
				break;
		if (k < sizeof services / sizeof services[0])
			hit |= fn(services[k].lo, services[k].hi, arg);
		else
			hit |= fn(-1, -1, arg);	/* unknown: assume the worst */
	}
	json_decref(items);
	return hit;
}

static int
range_sensitive(int lo, int hi, void *arg)
{
	int i;

	(void)arg;
	if (lo < 0)
		return 1;
	for (i = 0; sensitive[i]; i++)
		if (sensitive[i] >= lo && sensitive[i] <= hi)
			return 1;
	return hi >= 5900 && lo <= 5999;	/* VNC */
}

static int
range_covers(int lo, int hi, void *arg)
{
	int port = *(int *)arg;

	return lo < 0 || (port >= lo && port <= hi);
}

/* The effective ports and protocol of a rule (macros expanded); ports ""
 * means every port, "-" none (icmp). */
static void
rule_ports(const json_t *rule, char *ports, size_t psz, char *proto, size_t prsz)
{
	const char *m = json_string_value(json_object_get(rule, "macro"));
	size_t k;

	bl_copy(ports, psz, json_string_value(json_object_get(rule, "dport")));
	bl_copy(proto, prsz, json_string_value(json_object_get(rule, "proto")));
	if (m == NULL || *m == '\0')
		return;
	for (k = 0; k < sizeof macros / sizeof macros[0]; k++)
		if (strcasecmp(macros[k].name, m) == 0) {
			bl_copy(ports, psz, macros[k].ports);
			bl_copy(proto, prsz, macros[k].proto);
			return;
		}
	bl_copy(ports, psz, "?");	/* an unknown macro: treat as sensitive */
	proto[0] = '\0';
}

static int
ports_sensitive(const char *ports)
{
	if (*ports == '\0')
		return 1;
	if (strcmp(ports, "-") == 0)
		return 0;
	return each_range(ports, range_sensitive, NULL);
}

static int
ports_cover(const char *ports, int port)
{
	if (*ports == '\0')
		return 1;
	if (strcmp(ports, "-") == 0)
		return 0;
	return each_range(ports, range_covers, &port);
}

static int
rule_enabled(const json_t *r)
{
	return bl_truthy(json_object_get(r, "enable"));
}

static const char *
upper(char *buf, size_t size, const char *s)
{
	size_t i;

	for (i = 0; s && s[i] && i + 1 < size; i++)
		buf[i] = (char)toupper((unsigned char)s[i]);
	buf[i] = '\0';
	return buf;
}

/* Does a rule protect management (22 or 8006)?  Sets *b to its source
 * breadth. */
static int
protects(const json_t *r, const struct fwnames *fn, enum breadth *b)
{
	char ports[256], proto[32], act[32];
	const char *type = json_string_value(json_object_get(r, "type"));

	upper(act, sizeof act, json_string_value(json_object_get(r, "action")));
	if (!rule_enabled(r) || type == NULL || strcmp(type, "in") != 0 || strcmp(act, "ACCEPT") != 0)
		return 0;
	rule_ports(r, ports, sizeof ports, proto, sizeof proto);
	if (proto[0] && strcasecmp(proto, "tcp") != 0 && strcasecmp(proto, "any") != 0 &&
	    strcasecmp(proto, "all") != 0)
		return 0;
	if (!ports_cover(ports, 22) && !ports_cover(ports, 8006))
		return 0;
	*b = breadth_of(json_string_value(json_object_get(r, "source")), fn, NULL, 0);
	return 1;
}

/* ------------------------------------------------------- the firewall state */

struct fwstate {
	json_t		*opts;		/* datacenter options (copy) */
	json_t		*rules;		/* datacenter rules (copy) */
	json_t		*nodes;		/* [names] */
	json_t		*node_rules;	/* node -> [rules]; absent = unreadable */
	json_t		*node_opts;	/* node -> options */
	json_t		*groups;	/* group -> [rules] */
	struct fwnames	names;
	int		ok_dc;		/* datacenter rules were read */
	int		ok_nodes;	/* node list was read */
	char		why[400];	/* first failed read */
};

static void
fw_free(struct fwstate *s)
{
	json_decref(s->opts);
	json_decref(s->rules);
	json_decref(s->nodes);
	json_decref(s->node_rules);
	json_decref(s->node_opts);
	json_decref(s->groups);
	json_decref(s->names.ipsets);
	json_decref(s->names.aliases);
	memset(s, 0, sizeof *s);
}

static json_t *
steal(struct bl_req *r)
{
	json_t *d = r->data;

	r->data = NULL;
	return d;
}

/* Read everything the lockout and reach questions need, in two parallel
 * rounds. */
static void
fw_load(struct fwstate *s, struct pxm_call *call)
{
	enum { F_OPTS, F_RULES, F_NODES, F_ALIASES, F_GROUPS, F_IPSETS, F_N };
	struct bl_req r[F_N], *r2 = NULL;
	size_t i, n = 0, nn, ng, ns, k;
	json_t *v, *d;

	memset(s, 0, sizeof *s);
	memset(r, 0, sizeof r);
	bl_req_path(&r[F_OPTS], "/cluster/firewall/options", NULL);
	bl_req_path(&r[F_RULES], "/cluster/firewall/rules", NULL);
	bl_req_path(&r[F_NODES], "/cluster/resources", NULL);
	r[F_NODES].params = json_pack("{s:s}", "type", "node");
	bl_req_path(&r[F_ALIASES], "/cluster/firewall/aliases", NULL);
	bl_req_path(&r[F_GROUPS], "/cluster/firewall/groups", NULL);
	bl_req_path(&r[F_IPSETS], "/cluster/firewall/ipset", NULL);
	bl_fetch(call, r, F_N);
	s->opts = json_is_object(r[F_OPTS].data) ? steal(&r[F_OPTS]) : json_object();
	s->ok_dc = json_is_array(r[F_RULES].data);
	s->rules = s->ok_dc ? steal(&r[F_RULES]) : json_array();
	if (!s->ok_dc)
		snprintf(s->why, sizeof s->why, "GET /cluster/firewall/rules: %.300s", r[F_RULES].error);
	s->nodes = json_array();
	s->ok_nodes = json_is_array(r[F_NODES].data);
	json_array_foreach(r[F_NODES].data, i, v)
		if (json_string_value(json_object_get(v, "node")))
			bl_add_unique(s->nodes, json_string_value(json_object_get(v, "node")));
	if (!s->ok_nodes && s->why[0] == '\0')
		snprintf(s->why, sizeof s->why, "GET /cluster/resources?type=node: %.300s",
		    r[F_NODES].error);
	s->names.aliases = json_object();
	json_array_foreach(r[F_ALIASES].data, i, v)
		if (json_string_value(json_object_get(v, "name")))
			json_object_set(s->names.aliases, json_string_value(json_object_get(v, "name")),
			    json_object_get(v, "cidr"));
	s->names.ipsets = json_object();
	s->groups = json_object();
	s->node_rules = json_object();
	s->node_opts = json_object();
	nn = json_array_size(s->nodes);
	ng = json_array_size(r[F_GROUPS].data);
	ns = json_array_size(r[F_IPSETS].data);
	r2 = calloc(2 * nn + ng + ns + 1, sizeof *r2);
	if (r2 == NULL)
		goto out;
	json_array_foreach(s->nodes, i, v) {
		bl_req_pathf(&r2[n++], "/nodes/{node}/firewall/rules", "{s:s}", "node",
		    json_string_value(v));
		bl_req_pathf(&r2[n++], "/nodes/{node}/firewall/options", "{s:s}", "node",
		    json_string_value(v));
	}
	json_array_foreach(r[F_GROUPS].data, i, v)
		bl_req_pathf(&r2[n++], "/cluster/firewall/groups/{group}", "{s:s}", "group",
		    json_string_value(json_object_get(v, "group")) ?
		    json_string_value(json_object_get(v, "group")) : "?");
	json_array_foreach(r[F_IPSETS].data, i, v)
		bl_req_pathf(&r2[n++], "/cluster/firewall/ipset/{name}", "{s:s}", "name",
		    json_string_value(json_object_get(v, "name")) ?
		    json_string_value(json_object_get(v, "name")) : "?");
	bl_fetch(call, r2, n);
	k = 0;
	json_array_foreach(s->nodes, i, v) {
		if (json_is_array(r2[k].data))
			json_object_set_new(s->node_rules, json_string_value(v), steal(&r2[k]));
		k++;
		json_object_set_new(s->node_opts, json_string_value(v), json_is_object(r2[k].data) ?
		    steal(&r2[k]) : json_object());
		k++;
	}
	json_array_foreach(r[F_GROUPS].data, i, v) {
		d = steal(&r2[k++]);
		if (json_string_value(json_object_get(v, "group")))
			json_object_set_new(s->groups, json_string_value(json_object_get(v, "group")),
			    json_is_array(d) ? d : json_array());
		else
			json_decref(d);
	}
	json_array_foreach(r[F_IPSETS].data, i, v) {
		d = steal(&r2[k++]);
		if (json_string_value(json_object_get(v, "name")) && json_is_array(d))
			json_object_set_new(s->names.ipsets, json_string_value(json_object_get(v,
			    "name")), d);
		else
			json_decref(d);
	}
	bl_req_free(r2, n);
out:
	free(r2);
	bl_req_free(r, F_N);
}

/* What the evaluation looks at; before and after a change differ in one
 * of these lists. */
struct fwview {
	const json_t	*dc_opts;
	const json_t	*dc_rules;
	const json_t	*node_rules;	/* node -> [rules] */
	const json_t	*node_opts;	/* node -> options */
	const json_t	*groups;	/* group -> [rules] */
};

static void
view_of(struct fwview *v, const struct fwstate *s)
{
	v->dc_opts = s->opts;
	v->dc_rules = s->rules;
	v->node_rules = s->node_rules;
	v->node_opts = s->node_opts;
	v->groups = s->groups;
}

/* The rules a node's host firewall evaluates, security groups expanded. */
static json_t *
host_rules(const struct fwview *v, const char *node)
{
	json_t *out = json_array(), *r, *g;
	const json_t *lists[2] = { v->dc_rules, json_object_get(v->node_rules, node) };
	size_t i, k, l;

	for (l = 0; l < 2; l++) {
		json_array_foreach(lists[l], i, r) {
			const char *type = json_string_value(json_object_get(r, "type"));

			if (type && strcmp(type, "group") == 0) {
				if (!rule_enabled(r))
					continue;
				g = json_object_get(v->groups, json_string_value(json_object_get(r,
				    "action")) ? json_string_value(json_object_get(r, "action")) : "");
				json_array_foreach(g, k, r)
					json_array_append(out, r);
				continue;
			}
			json_array_append(out, r);
		}
	}
	return out;
}

enum verdict { V_OPEN, V_INTERNAL, V_CONDITIONAL, V_LOCKOUT, V_INCOMPLETE };

static const char *const verdict_names[] = { "open", "internal", "conditional", "lockout",
	"incomplete" };

static enum verdict
node_verdict(const struct fwstate *s, const struct fwview *v, const char *node, char *detail,
    size_t dsz)
{
	json_t *all, *r;
	size_t i;
	enum breadth best = B_NONE, b;
	int any = 0;

	if (json_object_get(v->node_rules, node) == NULL) {
		snprintf(detail, dsz, "the node's firewall rules could not be read");
		return V_INCOMPLETE;
	}
	all = host_rules(v, node);
	json_array_foreach(all, i, r)
		if (protects(r, &s->names, &b)) {
			any = 1;
			if (b > best)
				best = b;
		}
	json_decref(all);
	if (!any) {
		snprintf(detail, dsz, "no enabled inbound ACCEPT for SSH(22)/PVE(8006)");
		return V_LOCKOUT;
	}
	if (best == B_ANYWHERE || best == B_INTERNAL) {
		snprintf(detail, dsz, "SSH/8006 accepted from %s", breadth_names[best]);
		return best == B_ANYWHERE ? V_OPEN : V_INTERNAL;
	}
	snprintf(detail, dsz, "SSH/8006 accepted only from %s", breadth_names[best]);
	return V_CONDITIONAL;
}

/* Is the host firewall of node active with a dropping inbound policy? */
static int
host_filtered(const json_t *dc_opts, const json_t *node_opts)
{
	char pol[32];
	const json_t *ne = json_object_get(node_opts, "enable");

	if (!bl_truthy(json_object_get(dc_opts, "enable")))
		return 0;
	if (ne && !bl_truthy(ne))
		return 0;
	upper(pol, sizeof pol, json_string_value(json_object_get(dc_opts, "policy_in")) ?
	    json_string_value(json_object_get(dc_opts, "policy_in")) : "DROP");
	return strcmp(pol, "ACCEPT") != 0;
}

/* Evaluate every node (or one) in the `after` view; with `before`, only
 * nodes this change makes worse are reported.  Rows for nodes at risk. */
static void
lockout_rows(struct pxm_plan *plan, struct bl_tally *t, const struct fwstate *s,
    const struct fwview *before, const struct fwview *after, const char *only, const char *cause,
    int *locks)
{
	json_t *n;
	size_t i;
	char detail[300], bdetail[300], res[200];

	if (!s->ok_nodes || json_array_size(s->nodes) == 0) {
		pve_host->plan_set_incomplete(plan, "could not ENUMERATE the nodes (%s): which node "
		    "you would lock yourself out of is unknown", s->why[0] ? s->why : "empty list");
		return;
	}
	if (!s->ok_dc)
		pve_host->plan_set_incomplete(plan, "could not read the datacenter firewall rules "
		    "(%s): every node's verdict is incomplete", s->why);
	json_array_foreach(s->nodes, i, n) {
		const char *node = json_string_value(n);
		enum verdict v, vb;

		if (only && strcmp(only, node) != 0)
			continue;
		snprintf(res, sizeof res, "node/%s", node);
		if (!s->ok_dc) {
			bl_emit(plan, t, json_pack("{s:s, s:s, s:s, s:s}", "resource", res, "state",
			    "incomplete", "effect", "datacenter rules unreadable: management access "
			    "after the change is unknown", "severity", "unknown"));
			continue;
		}
		if (!host_filtered(after->dc_opts, json_object_get(after->node_opts, node)))
			continue;
		v = node_verdict(s, after, node, detail, sizeof detail);
		if (v == V_INCOMPLETE) {
			pve_host->plan_set_incomplete(plan, "could not read node %s's firewall rules: "
			    "its management access after the change is unknown", node);
			bl_emit(plan, t, json_pack("{s:s, s:s, s:s, s:s}", "resource", res, "state",
			    "incomplete", "effect", detail, "severity", "unknown"));
			continue;
		}
		if (before) {
			vb = host_filtered(before->dc_opts, json_object_get(before->node_opts, node)) ?
			    node_verdict(s, before, node, bdetail, sizeof bdetail) : V_OPEN;
			if (vb == V_INCOMPLETE || v <= vb)
				continue;	/* not made worse by this change */
		}
		if (v != V_LOCKOUT && v != V_CONDITIONAL) {
			pve_host->plan_add_blast(plan, "node %s keeps management access (%s)", node,
			    detail);
			continue;
		}
		if (v == V_LOCKOUT)
			(*locks)++;
		pve_host->plan_add_blast(plan, "%s on node %s: %s — %s%s", v == V_LOCKOUT ?
		    "LOCKOUT" : "CONDITIONAL access", node, detail, cause, v == V_LOCKOUT ? "; you "
		    "lose SSH and the API there (console or physical access to recover)" : "; you "
		    "keep access only from those sources");
		bl_emit_quiet(plan, t, json_pack("{s:s, s:s, s:s, s:s, s:s}", "resource", res, "node", node,
		    "state", verdict_names[v], "effect", v == V_LOCKOUT ? "LOCKOUT: no management "
		    "access once the change applies" : "CONDITIONAL: management access only from "
		    "restricted sources", "severity", "high"));
	}
}

/* ------------------------------------------------------- 8: options */

int
bl_fw_options(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *node = json_string_value(json_object_get(eff->vars, "node"));
	int dc = strncmp(eff->path, "/cluster/", 9) == 0;
	char pol[32];
	struct fwstate s;
	struct bl_tally t = { 0 };
	json_t *opts, *mgmt;
	int locks = 0, enabling, dropping;

	(void)err;
	(void)payload;
	enabling = bl_param_bool(eff->params, "enable", 0) && json_object_get(eff->params, "enable");
	upper(pol, sizeof pol, json_string_value(json_object_get(eff->params, "policy_in")));
	dropping = strcmp(pol, "DROP") == 0 || strcmp(pol, "REJECT") == 0;
	if (!enabling && !dropping)
		return PXM_OK;
	pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "%s", enabling ? "enabling a firewall can "
	    "cut off SSH and the API" : "an inbound DROP/REJECT policy can cut off SSH and the API");
	fw_load(&s, call);
	opts = json_deep_copy(s.opts);
	if (dc) {
		json_t *v;
		const char *k;

		json_object_foreach((json_t *)eff->params, k, v)
			if (strcmp(k, "digest") && strcmp(k, "delete"))
				json_object_set(opts, k, v);
	} else {
		json_t *no = json_deep_copy(json_object_get(s.node_opts, node));

		if (no == NULL)
			no = json_object();
		json_object_set_new(no, "enable", json_integer(1));
		json_object_set_new(s.node_opts, node, no);
		if (!bl_truthy(json_object_get(opts, "enable")))
			pve_host->plan_add_blast(plan, "the datacenter firewall is disabled: enabling "
			    "node %s's firewall has no effect until it is enabled too (evaluated as if it "
			    "were)", node);
		json_object_set_new(opts, "enable", json_integer(1));
	}
	{
		struct fwview after;

		view_of(&after, &s);
		after.dc_opts = opts;
		lockout_rows(plan, &t, &s, NULL, &after, dc ? NULL : node, enabling ?
		    "once the firewall is enabled" : "under policy_in DROP", &locks);
	}
	bl_tally_flush(plan, &t);
	if (t.rows == 0 && s.ok_nodes && s.ok_dc)
		pve_host->plan_add_blast(plan, "every node keeps an inbound ACCEPT for SSH/8006");
	mgmt = json_object_get(s.names.ipsets, "management");
	pve_host->plan_add_note(plan, "Proxmox also admits its built-in 'management' IP set (the "
	    "cluster network is added to it) to SSH/8006; that path is not evaluated here%s.",
	    mgmt ? " (a 'management' set is defined)" : "");
	if (locks)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "LOCKOUT on %d node(s)", locks);
	json_decref(opts);
	fw_free(&s);
	return PXM_OK;
}

/* ------------------------------------------------------- 6: rule reach */

struct scope {
	char	kind[16];	/* cluster, node, guest, group, vnet */
	char	node[128];
	char	name[256];	/* group / vnet / "qemu/100" */
};

static void
scope_of(struct scope *sc, const struct pxm_effect *eff)
{
	const json_t *v = eff->vars;

	memset(sc, 0, sizeof *sc);
	bl_copy(sc->node, sizeof sc->node, json_string_value(json_object_get(v, "node")));
	if (strncmp(eff->path, "/cluster/firewall/groups/", 25) == 0) {
		snprintf(sc->kind, sizeof sc->kind, "group");
		bl_copy(sc->name, sizeof sc->name, json_string_value(json_object_get(v, "group")));
	} else if (strncmp(eff->path, "/cluster/sdn/", 13) == 0) {
		snprintf(sc->kind, sizeof sc->kind, "vnet");
		bl_copy(sc->name, sizeof sc->name, json_string_value(json_object_get(v, "vnet")));
	} else if (strncmp(eff->path, "/cluster/", 9) == 0) {
		snprintf(sc->kind, sizeof sc->kind, "cluster");
	} else if (json_object_get(v, "vmid")) {
		snprintf(sc->kind, sizeof sc->kind, "guest");
		snprintf(sc->name, sizeof sc->name, "%s/%s", strstr(eff->path, "/lxc/") ? "lxc" :
		    "qemu", json_string_value(json_object_get(v, "vmid")));
	} else {
		snprintf(sc->kind, sizeof sc->kind, "node");
	}
}

static const char *
scope_text(char *buf, size_t size, const struct scope *sc)
{
	if (strcmp(sc->kind, "cluster") == 0)
		snprintf(buf, size, "the datacenter (every node's host firewall)");
	else if (strcmp(sc->kind, "node") == 0)
		snprintf(buf, size, "node %s's host firewall", sc->node);
	else if (strcmp(sc->kind, "guest") == 0)
		snprintf(buf, size, "guest %s", sc->name);
	else if (strcmp(sc->kind, "group") == 0)
		snprintf(buf, size, "security group %s (everywhere it is used)", sc->name);
	else
		snprintf(buf, size, "VNet %s (forwarded traffic)", sc->name);
	return buf;
}

/* The rule's reach, as the reference rates it. */
static void
reach(struct pxm_plan *plan, const json_t *rule, const struct scope *sc, const struct fwnames *fn)
{
	char ports[256], proto[32], act[64], where[400], why[64], text[1400];
	const char *type = json_string_value(json_object_get(rule, "type"));
	const char *src = json_string_value(json_object_get(rule, "source"));
	enum breadth b;
	int sens;
	const char *sev = "low";
	json_t *row;

	rule_ports(rule, ports, sizeof ports, proto, sizeof proto);
	upper(act, sizeof act, json_string_value(json_object_get(rule, "action")));
	scope_text(where, sizeof where, sc);
	b = breadth_of(src, fn, why, sizeof why);
	sens = ports_sensitive(ports);
	if (type && strcmp(type, "group") == 0) {
		snprintf(text, sizeof text, "includes security group %s at %s: every rule of that "
		    "group applies here", json_string_value(json_object_get(rule, "action")) ?
		    json_string_value(json_object_get(rule, "action")) : "?", where);
		sev = "medium";
	} else if (type && strcmp(type, "out") == 0) {
		snprintf(text, sizeof text, "outbound %s to %s%s%s at %s", act,
		    json_string_value(json_object_get(rule, "dest")) ?
		    json_string_value(json_object_get(rule, "dest")) : "anywhere", *ports ? " port " : "",
		    ports, where);
		sev = "low";
	} else if (strcmp(act, "ACCEPT") == 0) {
		sev = b == B_ANYWHERE ? "high" : (b == B_RANGE || b == B_NAMED) ? (sens ? "high" :
		    "medium") : b == B_INTERNAL ? "medium" : (sens ? "medium" : "low");
		snprintf(text, sizeof text, "inbound ACCEPT from %s%s%s%s to %s%s at %s", why,
		    src && *src ? " (" : "", src && *src ? src : "", src && *src ? ")" : "",
		    *ports ? "port(s) " : "ALL ports", ports, where);
		if (sens && b >= B_NAMED)
			strncat(text, " — exposes a sensitive service (SSH/API/database/remote "
			    "desktop) broadly", sizeof text - strlen(text) - 1);
	} else if (strcmp(act, "DROP") == 0 || strcmp(act, "REJECT") == 0) {
		if ((ports_cover(ports, 22) || ports_cover(ports, 8006)) && b >= B_INTERNAL &&
		    strcmp(sc->kind, "guest") != 0 && strcmp(sc->kind, "vnet") != 0) {
			snprintf(text, sizeof text, "LOCKOUT RISK: inbound %s of SSH/8006 from %s at %s — "
			    "you lose SSH/API (console to recover)", act, why, where);
			sev = "high";
		} else {
			snprintf(text, sizeof text, "inbound %s from %s to %s%s at %s", act, why,
			    *ports ? "port(s) " : "ALL ports", ports, where);
			sev = "low";
		}
	} else {
		snprintf(text, sizeof text, "%s %s rule at %s", type ? type : "?", act, where);
	}
	if (!rule_enabled(rule)) {
		strncat(text, " — STAGED, not active (enable is not 1)", sizeof text - strlen(text) - 1);
		if (bl_sev_rank(sev) > bl_sev_rank("low"))
			sev = "low";
	}
	row = json_pack("{s:s, s:s, s:s, s:s, s:s}", "resource", "firewall-rule", "scope", sc->kind,
	    "source", breadth_names[b], "effect", text, "severity", sev);
	pve_host->plan_add_blast(plan, "%s", text);
	pve_host->plan_add_affected_new(plan, row);
	bl_raise_for(plan, sev, text);
	pve_host->plan_add_note(plan, "Firewall reach is judged per rule: rule order, other rules "
	    "and the default policy can narrow or widen what this one does.");
}

/* The rules list at the rule's scope after the change (or NULL). */
static json_t *
changed_list(const json_t *cur, const json_t *rule, long pos, const char *how)
{
	json_t *out = json_deep_copy(cur ? cur : json_array());

	if (strcmp(how, "add") == 0) {
		if (pos < 0 || (size_t)pos > json_array_size(out))
			pos = 0;
		json_array_insert(out, (size_t)pos, (json_t *)rule);
	} else if (pos >= 0 && (size_t)pos < json_array_size(out)) {
		if (strcmp(how, "remove") == 0)
			json_array_remove(out, (size_t)pos);
		else
			json_array_set(out, (size_t)pos, (json_t *)rule);
	}
	return out;
}

/* Rule add/update/remove at datacenter, node or group scope: does it make
 * some node's management access worse? */
static void
rule_lockout(struct pxm_plan *plan, const struct scope *sc, const json_t *rule, long pos,
    const char *how, const struct fwstate *s)
{
	struct bl_tally t = { 0 };
	struct fwview before, after;
	json_t *changed = NULL, *copy = NULL;
	int locks = 0;
	char cause[300];

	if (strcmp(sc->kind, "guest") == 0 || strcmp(sc->kind, "vnet") == 0)
		return;
	snprintf(cause, sizeof cause, "after this rule %s", strcmp(how, "add") == 0 ? "is added" :
	    strcmp(how, "remove") == 0 ? "is removed" : "changes");
	view_of(&before, s);
	after = before;
	if (strcmp(sc->kind, "cluster") == 0) {
		changed = changed_list(s->rules, rule, pos, how);
		after.dc_rules = changed;
	} else {
		const json_t *src = strcmp(sc->kind, "node") == 0 ? s->node_rules : s->groups;
		const char *key = strcmp(sc->kind, "node") == 0 ? sc->node : sc->name;

		copy = json_deep_copy(src);
		json_object_set_new(copy, key, changed_list(json_object_get(src, key), rule, pos, how));
		if (strcmp(sc->kind, "node") == 0)
			after.node_rules = copy;
		else
			after.groups = copy;
	}
	lockout_rows(plan, &t, s, &before, &after, strcmp(sc->kind, "node") == 0 ? sc->node : NULL,
	    cause, &locks);
	bl_tally_flush(plan, &t);
	if (locks)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "LOCKOUT on %d node(s) %s", locks, cause);
	json_decref(changed);
	json_decref(copy);
}

static json_t *
rule_from(const json_t *cur, const json_t *params)
{
	json_t *out = cur ? json_deep_copy(cur) : json_object(), *v, *del;
	const char *k;
	size_t i;

	json_object_foreach((json_t *)params, k, v)
		if (strcmp(k, "delete") && strcmp(k, "digest") && strcmp(k, "moveto") &&
		    strcmp(k, "pos"))
			json_object_set(out, k, v);
	del = bl_split(json_string_value(json_object_get(params, "delete")));
	json_array_foreach(del, i, v)
		json_object_del(out, json_string_value(v));
	json_decref(del);
	return out;
}

static long
pos_of(const struct pxm_effect *eff)
{
	const char *p = json_string_value(json_object_get(eff->vars, "pos"));
	char buf[32];

	if (p)
		return strtol(p, NULL, 10);
	bl_param(buf, sizeof buf, eff->params, "pos");
	return buf[0] ? strtol(buf, NULL, 10) : 0;
}

int
bl_fw_rule(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	struct scope sc;
	struct fwstate s;
	json_t *cur = NULL, *rule;
	int add = strcmp(eff->method, "POST") == 0;

	(void)err;
	(void)payload;
	scope_of(&sc, eff);
	if (!add) {
		/* the rule as it is: the effect's own path reads it */
		{
			struct bl_req r;

			memset(&r, 0, sizeof r);
			bl_copy(r.path, sizeof r.path, eff->path);
			bl_fetch(call, &r, 1);
			cur = r.data;
			r.data = NULL;
			if (cur == NULL)
				pve_host->plan_set_incomplete(plan, "could not read the rule being changed "
				    "(GET %s): %s", eff->path, r.error);
			bl_req_free(&r, 1);
		}
		if (json_object_get(eff->params, "moveto") && json_object_size(eff->params) <= 2)
			pve_host->plan_add_blast(plan, "moves the rule to position %s: rule order "
			    "decides which rule matches first", json_string_value(json_object_get(
			    eff->params, "moveto")) ? json_string_value(json_object_get(eff->params,
			    "moveto")) : "?");
	}
	rule = rule_from(cur, eff->params);
	fw_load(&s, call);
	reach(plan, rule, &sc, &s.names);
	rule_lockout(plan, &sc, rule, pos_of(eff), add ? "add" : "update", &s);
	json_decref(rule);
	json_decref(cur);
	fw_free(&s);
	return PXM_OK;
}

int
bl_fw_rule_remove(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	struct scope sc;
	struct fwstate s;
	struct bl_req r;
	char where[400], act[32], ports[256], proto[32];
	const char *type;
	json_t *cur;

	(void)err;
	(void)payload;
	scope_of(&sc, eff);
	memset(&r, 0, sizeof r);
	bl_copy(r.path, sizeof r.path, eff->path);
	bl_fetch(call, &r, 1);
	cur = r.data;
	r.data = NULL;
	if (cur == NULL) {
		pve_host->plan_set_incomplete(plan, "could not read the rule being removed (GET %s): "
		    "%s", eff->path, r.error);
		bl_req_free(&r, 1);
		return PXM_OK;
	}
	bl_req_free(&r, 1);
	scope_text(where, sizeof where, &sc);
	type = json_string_value(json_object_get(cur, "type"));
	upper(act, sizeof act, json_string_value(json_object_get(cur, "action")));
	rule_ports(cur, ports, sizeof ports, proto, sizeof proto);
	pve_host->plan_add_blast(plan, "removes the %s%s %s rule (%s%s) at %s", rule_enabled(cur) ?
	    "" : "disabled ", type ? type : "?", act, *ports ? "port(s) " : "all ports", ports,
	    where);
	if (rule_enabled(cur) && type && strcmp(type, "in") == 0 &&
	    (strcmp(act, "DROP") == 0 || strcmp(act, "REJECT") == 0))
		pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "removing an inbound %s rule lets "
		    "that traffic through (to the next rule or the policy)", act);
	fw_load(&s, call);
	rule_lockout(plan, &sc, cur, pos_of(eff), "remove", &s);
	json_decref(cur);
	fw_free(&s);
	return PXM_OK;
}

/* ------------------------------------------- IP sets, aliases, groups */

/* Does a rule name the set / alias / group? */
static int
rule_names(const json_t *r, const char *kind, const char *name)
{
	static const char *const fields[] = { "source", "dest", NULL };
	int f;

	if (strcmp(kind, "group") == 0) {
		const char *type = json_string_value(json_object_get(r, "type"));

		return type && strcmp(type, "group") == 0 &&
		    json_string_value(json_object_get(r, "action")) &&
		    strcmp(json_string_value(json_object_get(r, "action")), name) == 0;
	}
	for (f = 0; fields[f]; f++) {
		json_t *items = bl_split(json_string_value(json_object_get(r, fields[f]))), *v;
		size_t i;
		int hit = 0;

		json_array_foreach(items, i, v) {
			const char *it = json_string_value(v);

			if (strcmp(kind, "ipset") == 0 && it[0] == '+' &&
			    strcmp(strip_scope(it + 1), name) == 0)
				hit = 1;
			if (strcmp(kind, "alias") == 0 && it[0] != '+' &&
			    strcmp(strip_scope(it), name) == 0)
				hit = 1;
		}
		json_decref(items);
		if (hit)
			return 1;
	}
	return 0;
}

/* A copy of a rules list without the rules naming the object. */
static json_t *
without(const json_t *rules, const char *kind, const char *name)
{
	json_t *out = json_array(), *r;
	size_t i;

	json_array_foreach(rules, i, r)
		if (!rule_names(r, kind, name))
			json_array_append(out, r);
	return out;
}

/* Guest addresses from their configs: lxc netN ip=/ip6=, qemu ipconfigN. */
static void
guest_addrs(const struct bl_guest *g, json_t *out)
{
	const char *k, *v, *p;
	json_t *x;
	char ip[128];

	json_object_foreach(g->config, k, x) {
		if ((v = json_string_value(x)) == NULL)
			continue;
		if (!(strncmp(k, "net", 3) == 0 && strcmp(g->kind, "lxc") == 0) &&
		    strncmp(k, "ipconfig", 8) != 0)
			continue;
		for (p = v; (p = strstr(p, "ip")) != NULL; p += 2) {
			const char *val;

			if (p != v && p[-1] != ',')
				continue;
			if (strncmp(p, "ip=", 3) == 0)
				val = p + 3;
			else if (strncmp(p, "ip6=", 4) == 0)
				val = p + 4;
			else
				continue;
			snprintf(ip, sizeof ip, "%.*s", (int)strcspn(val, ","), val);
			if (strcmp(ip, "dhcp") && strcmp(ip, "manual") && strcmp(ip, "auto"))
				bl_add_unique(out, ip);
		}
	}
}

static int
addr_in(const char *addr, const char *cidr)
{
	struct net a, c;

	if (!parse_net(&a, addr) || !parse_net(&c, cidr))
		return 0;
	/* a guest address "10.0.0.5/24" is the host 10.0.0.5 */
	a.bits = a.af == AF_INET ? 32 : 128;
	return net_contains(&c, &a);
}

int
bl_fw_set_ref(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *kind = strstr(eff->path, "/ipset/") ? "ipset" : strstr(eff->path, "/aliases/") ?
	    "alias" : "group";
	const char *name = json_string_value(json_object_get(eff->vars, strcmp(kind, "group") == 0 ?
	    "group" : "name"));
	const char *cidr = json_string_value(json_object_get(eff->vars, "cidr"));
	int del = strcmp(eff->method, "DELETE") == 0, entry_add = 0, gone, r_, locks = 0;
	struct fwstate s;
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	struct bl_req *gr = NULL;
	json_t *cidrs = json_array(), *ref, *v;
	const char *node;
	char ncidr[128], res[600], what[300];
	size_t i, k, n = 0;

	(void)err;
	(void)payload;
	if (name == NULL)
		return PXM_E_DECLINED;
	if (strcmp(kind, "ipset") == 0 && cidr == NULL && !del) {
		/* POST /cluster/firewall/ipset/{name}: an entry is added */
		bl_param(ncidr, sizeof ncidr, eff->params, "cidr");
		cidr = ncidr;
		entry_add = 1;
	}
	/* removing the whole object, or (ipset) its entry */
	gone = del && cidr == NULL;
	snprintf(what, sizeof what, "%s %s%s%s", strcmp(kind, "ipset") == 0 ? "IP set" :
	    strcmp(kind, "alias") == 0 ? "alias" : "security group", name, cidr ? " entry " : "",
	    cidr ? cidr : "");
	fw_load(&s, call);
	if ((r_ = bl_cluster_load(&c, call, 1, NULL)) != PXM_OK) {
		fw_free(&s);
		json_decref(cidrs);
		return r_;
	}
	/* The addresses the object stands for (what stops or starts matching). */
	if (cidr)
		bl_add_unique(cidrs, cidr);
	else if (strcmp(kind, "ipset") == 0)
		json_array_foreach(json_object_get(s.names.ipsets, name), i, v)
			if (json_string_value(json_object_get(v, "cidr")))
				bl_add_unique(cidrs, json_string_value(json_object_get(v, "cidr")));
	if (strcmp(kind, "alias") == 0) {
		const char *ac = json_string_value(json_object_get(s.names.aliases, name));
		char nc[128];

		if (ac)
			bl_add_unique(cidrs, ac);
		if (!del && bl_param(nc, sizeof nc, eff->params, "cidr")[0] && ac && strcmp(nc, ac))
			pve_host->plan_add_blast(plan, "alias %s changes from %s to %s: every rule naming "
			    "it now matches the new address instead", name, ac, nc);
	}
	/* Rules that name it: datacenter, nodes, groups, then every guest. */
	json_array_foreach(s.rules, i, ref)
		if (rule_names(ref, kind, name))
			bl_emit(plan, &t, json_pack("{s:s, s:s, s:I, s:s, s:s}", "resource",
			    "firewall-rule", "scope", "cluster", "pos", (json_int_t)i, "effect",
			    "datacenter rule names it (applies to every node's host firewall)",
			    "severity", gone ? "high" : "medium"));
	json_object_foreach(s.node_rules, node, v)
		json_array_foreach(v, i, ref)
			if (rule_names(ref, kind, node ? name : name)) {
				snprintf(res, sizeof res, "node %s's rule %zu names it", node, i);
				bl_emit(plan, &t, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "resource",
				    "firewall-rule", "scope", "node", "node", node, "pos", (json_int_t)i,
				    "effect", res, "severity", gone ? "high" : "medium"));
			}
	json_object_foreach(s.groups, node, v)
		json_array_foreach(v, i, ref)
			if (rule_names(ref, kind, name)) {
				snprintf(res, sizeof res, "rule %zu of security group %s names it", i, node);
				bl_emit(plan, &t, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "resource",
				    "firewall-rule", "scope", "group", "group", node, "pos", (json_int_t)i,
				    "effect", res, "severity", "medium"));
			}
	if ((gr = calloc(c.n + 1, sizeof *gr)) != NULL) {
		for (i = 0; i < c.n; i++)
			if (c.g[i].node)
				bl_req_pathf(&gr[i], "/nodes/{node}/{kind}/{vmid}/firewall/rules",
				    "{s:s, s:s, s:I}", "node", c.g[i].node, "kind", c.g[i].kind, "vmid",
				    c.g[i].vmid);
		n = c.n;
		if (bl_fetch(call, gr, n) > 0) {
			size_t miss = 0;

			for (i = 0; i < n; i++)
				if (gr[i].data == NULL)
					miss++;
			pve_host->plan_set_incomplete(plan, "could not read the firewall rules of %zu "
			    "guest(s): rules naming the %s there are not known", miss, kind);
		}
		for (i = 0; i < n; i++)
			json_array_foreach(gr[i].data, k, ref)
				if (rule_names(ref, kind, name))
					bl_emit(plan, &t, json_pack("{s:s, s:I, s:s, s:s}", "resource",
					    bl_guest_ref(res, sizeof res, &c.g[i]), "vmid", c.g[i].vmid,
					    "effect", "one of its firewall rules names it", "severity",
					    gone ? "high" : "medium"));
	}
	/* Guests whose addresses the object covers. */
	for (i = 0; i < c.n && json_array_size(cidrs); i++) {
		json_t *addrs = json_array(), *a, *cc;
		size_t j, q;

		if (c.g[i].config == NULL) {
			json_decref(addrs);
			continue;
		}
		guest_addrs(&c.g[i], addrs);
		json_array_foreach(addrs, j, a)
			json_array_foreach(cidrs, q, cc)
				if (addr_in(json_string_value(a), json_string_value(cc))) {
					json_t *row = bl_guest_row(&c.g[i]);
					char text[600];

					snprintf(text, sizeof text, "its address %s is %s %s: rules matching "
					    "through it %s its traffic", json_string_value(a), entry_add ?
					    "now covered by" : "covered by", what, entry_add ? "will apply to" :
					    gone || del ? "no longer apply to" : "apply to");
					json_object_set_new(row, "address", json_incref(a));
					json_object_set_new(row, "effect", json_string(text));
					json_object_set_new(row, "severity", json_string(entry_add ? "low" :
					    "medium"));
					bl_emit(plan, &t, row);
				}
		json_decref(addrs);
	}
	bl_tally_flush(plan, &t);
	/* The whole object goes: rules naming it stop matching anyone. */
	if (gone) {
		struct fwview before, after;
		json_t *dc = without(s.rules, kind, name), *nr = json_object(), *gg = json_object();

		json_object_foreach(s.node_rules, node, v)
			json_object_set_new(nr, node, without(v, kind, name));
		json_object_foreach(s.groups, node, v)
			json_object_set_new(gg, node, strcmp(kind, "group") == 0 &&
			    strcmp(node, name) == 0 ? json_array() : without(v, kind, name));
		view_of(&before, &s);
		after = before;
		after.dc_rules = dc;
		after.node_rules = nr;
		after.groups = gg;
		lockout_rows(plan, &t, &s, &before, &after, NULL, "once the rules naming it stop "
		    "matching", &locks);
		json_decref(dc);
		json_decref(nr);
		json_decref(gg);
		pve_host->plan_add_blast(plan, "rules naming a removed %s no longer match: Proxmox "
		    "skips them (and logs an error) until the name exists again", kind);
	}
	if (!bl_cluster_incomplete(plan, &c) && t.rows == 0)
		pve_host->plan_add_blast(plan, "no rule names %s and no guest address falls in it "
		    "(every guest was read)", what);
	if (locks)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "LOCKOUT on %d node(s)", locks);
	else if (t.high)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "%zu rule(s) that name the %s stop "
		    "matching", t.high, kind);
	else if (t.medium)
		pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "%zu rule(s) or guest(s) are reached "
		    "through the %s", t.medium, kind);
	bl_req_free(gr, n);
	free(gr);
	json_decref(cidrs);
	bl_cluster_free(&c);
	fw_free(&s);
	return PXM_OK;
}
