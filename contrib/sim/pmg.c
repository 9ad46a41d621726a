/**
 * @file pmg.c
 * @brief proximo-sim: the Proxmox Mail Gateway surface.
 *
 * Ticket login only (no API tokens), roles checked against each method's
 * role list, the quarantine (spam, virus, attachment) with deliver, delete,
 * welcomelist/blocklist actions and per-user lists, the message tracker,
 * mail statistics, services as tasks, the rule database, and the generic
 * configuration collections (domains, transports, mynetworks...).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "schema.h"
#include "state.h"
#include "tasks.h"

#define GiB	(1024LL * 1024 * 1024)

static json_t *
pmg(struct sim_req *rq)
{
	return st_surf(rq->sim, SIM_PMG);
}

static const char *
pmg_node(struct sim_req *rq)
{
	const char *n = json_string_value(json_object_get(pmg(rq), "node"));

	return n ? n : "pmg";
}

static void
h_version(struct sim_req *rq, struct sim_resp *rs)
{
	sim_ok(rs, json_deep_copy(json_object_get(pmg(rq), "version")));
}

static void
h_nodes(struct sim_req *rq, struct sim_resp *rs)
{
	sim_ok(rs, json_pack("[{s:s, s:s}]", "node", pmg_node(rq), "name", pmg_node(rq)));
}

static void
h_node_status(struct sim_req *rq, struct sim_resp *rs)
{
	sim_ok(rs, json_pack("{s:I, s:I, s:b, s:f, s:[s,s,s], s:{s:I, s:I, s:I}, s:{s:s, s:s},"
	    " s:{s:s}}", "time", (json_int_t)(rq->now_ms / 1000), "uptime", (json_int_t)1209600,
	    "insync", 1, "cpu", 0.013, "loadavg", "0.05", "0.08", "0.04", "memory", "total",
	    (json_int_t)(8 * GiB), "used", (json_int_t)(3 * GiB), "free", (json_int_t)(5 * GiB),
	    "current-kernel", "sysname", "Linux", "release", "6.14.8-2-pve", "boot-info", "mode",
	    "efi"));
}

/* ------------------------------------------------------------ quarantine */

static json_t *
quarantine(struct sim_req *rq)
{
	return sim_arr(pmg(rq), "quarantine");
}

static int
in_window(struct sim_req *rq, json_t *e)
{
	long long t = sim_json_int(json_object_get(e, "time"), 0), st, et;

	if (sim_param_int(rq, "starttime", &st) && t < st)
		return 0;
	if (sim_param_int(rq, "endtime", &et) && t > et)
		return 0;
	return 1;
}

static void
q_list(struct sim_req *rq, struct sim_resp *rs, const char *type)
{
	json_t *out = json_array(), *e, *x;
	const char *pmail = sim_param_str(rq, "pmail");
	size_t i;

	json_array_foreach(quarantine(rq), i, e) {
		if (strcmp(json_string_value(json_object_get(e, "type")), type) != 0 ||
		    strcmp(json_string_value(json_object_get(e, "state")), "quarantined") != 0 ||
		    !in_window(rq, e))
			continue;
		if (pmail && strcmp(pmail, json_string_value(json_object_get(e, "receiver"))) != 0)
			continue;
		x = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "id",
		    json_object_get(e, "id"), "time", json_object_get(e, "time"), "receiver",
		    json_object_get(e, "receiver"), "from", json_object_get(e, "from"), "sender",
		    json_object_get(e, "sender"), "envelope_sender", json_object_get(e, "sender"),
		    "subject", json_object_get(e, "subject"), "bytes", json_object_get(e, "bytes"));
		if (strcmp(type, "spam") == 0) {
			json_object_set(x, "spamlevel", json_object_get(e, "spamlevel"));
			json_object_set_new(x, "seen", json_integer(sim_json_truthy(json_object_get(e,
			    "seen"))));
		}
		if (strcmp(type, "virus") == 0)
			json_object_set(x, "virusname", json_object_get(e, "virusname"));
		json_array_append_new(out, x);
	}
	sim_ok(rs, out);
}

static void h_spam(struct sim_req *rq, struct sim_resp *rs) { q_list(rq, rs, "spam"); }
static void h_virus(struct sim_req *rq, struct sim_resp *rs) { q_list(rq, rs, "virus"); }
static void h_attachment(struct sim_req *rq, struct sim_resp *rs) { q_list(rq, rs, "attachment"); }

static int
valid_id(const char *id)
{
	const char *p = id;

	if (*p++ != 'C' || !isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != 'R' || !isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != 'T' || !isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0';
}

static json_t *
q_find(struct sim_req *rq, struct sim_resp *rs, const char *id)
{
	json_t *e;
	size_t i;

	if (!valid_id(id)) {
		sim_err(rs, 400, "Parameter verification failed.\n");
		rs->errors = json_pack("{s:s}", "id", "invalid format - invalid quarantine ID\n");
		return NULL;
	}
	json_array_foreach(quarantine(rq), i, e)
		if (strcmp(json_string_value(json_object_get(e, "id")), id) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "state")), "quarantined") == 0)
			return e;
	sim_err(rs, 500, "unable to find mail with id '%s'\n", id);
	return NULL;
}

static void
h_content_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *e = q_find(rq, rs, sim_param_str(rq, "id")), *out;
	char content[1024];

	if (e == NULL)
		return;
	snprintf(content, sizeof content, "Hello,\n\nThis is the quarantined message '%s'.\n",
	    json_string_value(json_object_get(e, "subject")));
	out = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:s, s:s, s:O, s:O?}", "id",
	    json_object_get(e, "id"), "receiver", json_object_get(e, "receiver"), "from",
	    json_object_get(e, "from"), "sender", json_object_get(e, "sender"), "envelope_sender",
	    json_object_get(e, "sender"), "subject", json_object_get(e, "subject"), "header",
	    "Received: from mx.example.net\nSubject: (quarantined)\n", "content", content,
	    "bytes", json_object_get(e, "bytes"), "spamlevel", json_object_get(e, "spamlevel"));
	if (!sim_json_truthy(json_object_get(e, "seen")))
		json_object_set_new(e, "seen", json_integer(1));
	sim_ok(rs, out);
}

static json_t *
user_list(struct sim_req *rq, const char *which, const char *pmail)
{
	return sim_arr(sim_obj(sim_obj(pmg(rq), "userlists"), pmail ? pmail : ""), which);
}

static void
list_add(struct sim_req *rq, const char *which, const char *pmail, const char *addr)
{
	json_t *l = user_list(rq, which, pmail), *v;
	size_t i;

	json_array_foreach(l, i, v)
		if (strcmp(json_string_value(v), addr) == 0)
			return;
	json_array_append_new(l, json_string(addr));
}

static void
fx_tracker_deliver(json_t *pmgstate, json_t *e, int64_t now)
{
	json_array_append_new(sim_arr(pmgstate, "tracker"), json_pack(
	    "{s:s, s:O, s:O, s:s, s:I, s:s, s:O}", "id", json_string_value(json_object_get(e, "id")),
	    "from", json_object_get(e, "sender"), "to", json_object_get(e, "receiver"),
	    "dstatus", "A", "time", (json_int_t)(now / 1000), "relay", "localhost",
	    "size", json_object_get(e, "bytes")));
}

static void
h_content_post(struct sim_req *rq, struct sim_resp *rs)
{
	const char *action = sim_param_str(rq, "action"), *ids = sim_param_str(rq, "id");
	json_t *list = json_array(), *v, *e;
	size_t i;
	const char *p = ids;

	/* several IDs may be given, separated by ';' */
	while (p && *p) {
		size_t n = strcspn(p, ";");
		if (n)
			json_array_append_new(list, json_stringn(p, n));
		p += n;
		if (*p)
			p++;
	}
	json_array_foreach(list, i, v) {
		if ((e = q_find(rq, rs, json_string_value(v))) == NULL) {
			json_decref(list);
			return;
		}
	}
	json_array_foreach(list, i, v) {
		e = q_find(rq, rs, json_string_value(v));
		if (strcmp(action, "deliver") == 0) {
			json_object_set_new(e, "state", json_string("delivered"));
			fx_tracker_deliver(pmg(rq), e, rq->now_ms);
		} else if (strcmp(action, "delete") == 0) {
			json_object_set_new(e, "state", json_string("deleted"));
		} else if (strcmp(action, "welcomelist") == 0 || strcmp(action, "whitelist") == 0) {
			list_add(rq, "welcomelist", json_string_value(json_object_get(e, "receiver")),
			    json_string_value(json_object_get(e, "sender")));
			json_object_set_new(e, "state", json_string("delivered"));
			fx_tracker_deliver(pmg(rq), e, rq->now_ms);
		} else if (strcmp(action, "blocklist") == 0 || strcmp(action, "blacklist") == 0) {
			list_add(rq, "blocklist", json_string_value(json_object_get(e, "receiver")),
			    json_string_value(json_object_get(e, "sender")));
			json_object_set_new(e, "state", json_string("deleted"));
		} else if (strcmp(action, "mark-seen") == 0) {
			json_object_set_new(e, "seen", json_integer(1));
		} else if (strcmp(action, "mark-unseen") == 0) {
			json_object_set_new(e, "seen", json_integer(0));
		}
	}
	json_decref(list);
	sim_ok(rs, json_null());
}

static void
status_of(struct sim_req *rq, struct sim_resp *rs, const char *type)
{
	json_t *e;
	size_t i;
	long long count = 0, bytes = 0, spam = 0;

	json_array_foreach(quarantine(rq), i, e) {
		if (strcmp(json_string_value(json_object_get(e, "type")), type) != 0 ||
		    strcmp(json_string_value(json_object_get(e, "state")), "quarantined") != 0)
			continue;
		count++;
		bytes += sim_json_int(json_object_get(e, "bytes"), 0);
		spam += sim_json_int(json_object_get(e, "spamlevel"), 0);
	}
	if (strcmp(type, "spam") == 0)
		sim_ok(rs, json_pack("{s:I, s:f, s:f, s:f}", "count", (json_int_t)count, "avgbytes",
		    count ? (double)bytes / (double)count : 0.0, "avgspam",
		    count ? (double)spam / (double)count : 0.0, "mbytes",
		    (double)bytes / (1024.0 * 1024.0)));
	else
		sim_ok(rs, json_pack("{s:I, s:f, s:f}", "count", (json_int_t)count, "avgbytes",
		    count ? (double)bytes / (double)count : 0.0, "mbytes",
		    (double)bytes / (1024.0 * 1024.0)));
}

static void h_spamstatus(struct sim_req *rq, struct sim_resp *rs) { status_of(rq, rs, "spam"); }
static void h_virusstatus(struct sim_req *rq, struct sim_resp *rs) { status_of(rq, rs, "virus"); }

static void
h_spamusers(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *seen = json_object(), *out = json_array(), *e;
	const char *qt = sim_param_str(rq, "quarantine-type");
	size_t i;

	json_array_foreach(quarantine(rq), i, e) {
		const char *r = json_string_value(json_object_get(e, "receiver"));
		if (strcmp(json_string_value(json_object_get(e, "type")), qt ? qt : "spam") != 0 ||
		    strcmp(json_string_value(json_object_get(e, "state")), "quarantined") != 0 ||
		    json_object_get(seen, r))
			continue;
		json_object_set_new(seen, r, json_true());
		json_array_append_new(out, json_pack("{s:s}", "mail", r));
	}
	json_decref(seen);
	sim_ok(rs, out);
}

static int
pmail_for(struct sim_req *rq, struct sim_resp *rs, const char **pmail)
{
	*pmail = sim_param_str(rq, "pmail");
	if (*pmail == NULL && strcmp(rq->id.role, "quser") != 0) {
		sim_err(rs, 400, "Parameter verification failed.\n");
		rs->errors = json_pack("{s:s}", "pmail", "parameter 'pmail' is required");
		return 0;
	}
	if (*pmail == NULL)
		*pmail = rq->id.user;
	return 1;
}

static void
ul_get(struct sim_req *rq, struct sim_resp *rs, const char *which)
{
	const char *pmail;
	json_t *out = json_array(), *v;
	size_t i;

	if (!pmail_for(rq, rs, &pmail)) {
		json_decref(out);
		return;
	}
	json_array_foreach(user_list(rq, which, pmail), i, v)
		json_array_append_new(out, json_pack("{s:O}", "address", v));
	sim_ok(rs, out);
}

static void
ul_post(struct sim_req *rq, struct sim_resp *rs, const char *which)
{
	const char *pmail;
	json_t *list;
	size_t i;
	json_t *v;

	if (!pmail_for(rq, rs, &pmail))
		return;
	list = sim_split_list(sim_param_str(rq, "address"));
	json_array_foreach(list, i, v)
		list_add(rq, which, pmail, json_string_value(v));
	json_decref(list);
	sim_ok(rs, json_null());
}

static void
ul_delete(struct sim_req *rq, struct sim_resp *rs, const char *which)
{
	const char *pmail;
	json_t *l, *want, *v, *w;
	size_t i, j;

	if (!pmail_for(rq, rs, &pmail))
		return;
	l = user_list(rq, which, pmail);
	want = sim_split_list(sim_param_str(rq, "address"));
	for (i = json_array_size(l); i-- > 0;) {
		v = json_array_get(l, i);
		json_array_foreach(want, j, w)
			if (strcmp(json_string_value(v), json_string_value(w)) == 0) {
				json_array_remove(l, i);
				break;
			}
	}
	json_decref(want);
	sim_ok(rs, json_null());
}

static void h_wl_get(struct sim_req *rq, struct sim_resp *rs) { ul_get(rq, rs, "welcomelist"); }
static void h_wl_post(struct sim_req *rq, struct sim_resp *rs) { ul_post(rq, rs, "welcomelist"); }
static void h_wl_del(struct sim_req *rq, struct sim_resp *rs) { ul_delete(rq, rs, "welcomelist"); }
static void h_bl_get(struct sim_req *rq, struct sim_resp *rs) { ul_get(rq, rs, "blocklist"); }
static void h_bl_post(struct sim_req *rq, struct sim_resp *rs) { ul_post(rq, rs, "blocklist"); }
static void h_bl_del(struct sim_req *rq, struct sim_resp *rs) { ul_delete(rq, rs, "blocklist"); }

/* --------------------------------------------------------------- tracker */

static void
h_tracker(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *e;
	const char *from = sim_param_str(rq, "from"), *target = sim_param_str(rq, "target");
	long long limit = 2000;
	size_t i;

	sim_param_int(rq, "limit", &limit);
	json_array_foreach(sim_arr(pmg(rq), "tracker"), i, e) {
		if ((long long)json_array_size(out) >= limit)
			break;
		if (!in_window(rq, e))
			continue;
		if (from && !strstr(json_string_value(json_object_get(e, "from")), from))
			continue;
		if (target && !strstr(json_string_value(json_object_get(e, "to")), target))
			continue;
		json_array_append_new(out, json_deep_copy(e));
	}
	sim_ok(rs, out);
}

static void
h_tracker_item(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "id");
	json_t *e, *out;
	size_t i;

	json_array_foreach(sim_arr(pmg(rq), "tracker"), i, e) {
		if (strcmp(json_string_value(json_object_get(e, "id")), id) == 0) {
			out = json_deep_copy(e);
			json_object_set_new(out, "logs", json_pack("{s:[{s:I, s:s}]}", "0",
			    "linenr", (json_int_t)1, "text", "postfix/smtpd[1234]: connect from"
			    " mx.example.net"));
			sim_ok(rs, out);
			return;
		}
	}
	sim_err(rs, 500, "unable to find entry '%s'\n", id);
}

static void
h_stat_mail(struct sim_req *rq, struct sim_resp *rs)
{
	static const char *const keys[] = { "count", "count_in", "count_out", "spamcount_in",
		"spamcount_out", "viruscount_in", "viruscount_out", "bounces_in", "bounces_out",
		"bytes_in", "bytes_out", "glcount", "junk_in", "junk_out", "pregreet_rejects",
		"rbl_rejects", "spfcount", "avptime", NULL };
	json_t *st = json_object_get(pmg(rq), "statistics"), *out = json_object();
	int i;

	for (i = 0; keys[i]; i++) {
		json_t *v = json_object_get(st, keys[i]);
		json_object_set_new(out, keys[i], v ? json_incref(v) : json_integer(0));
	}
	sim_ok(rs, out);
}

/* -------------------------------------------------------------- services */

static const char *const default_services[] = { "pmgproxy", "pmgdaemon", "pmgmirror",
	"pmgtunnel", "pmg-smtp-filter", "pmgpolicy", "postfix", "clamav-daemon", "freshclam",
	"chrony", "sshd", "syslog", "cron", NULL };

static json_t *
services(struct sim_req *rq)
{
	json_t *s = sim_obj(pmg(rq), "services");
	int i;

	for (i = 0; default_services[i]; i++)
		if (json_object_get(s, default_services[i]) == NULL)
			json_object_set_new(s, default_services[i], json_pack("{s:s}", "state",
			    "running"));
	return s;
}

static json_t *
service_entry(const char *name, json_t *sv)
{
	return json_pack("{s:s, s:s, s:s, s:O, s:s, s:s}", "service", name, "name", name,
	    "desc", name, "state", json_object_get(sv, "state"), "active-state",
	    strcmp(json_string_value(json_object_get(sv, "state")), "running") == 0 ? "active" :
	    "inactive", "unit-state", "enabled");
}

static void
h_services(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *sv;
	const char *k;

	json_object_foreach(services(rq), k, sv)
		json_array_append_new(out, service_entry(k, sv));
	sim_ok(rs, out);
}

static json_t *
service_for(struct sim_req *rq, struct sim_resp *rs)
{
	const char *name = sim_param_str(rq, "service");
	json_t *sv = json_object_get(services(rq), name);

	if (sv == NULL)
		sim_err(rs, 500, "unknown service '%s'\n", name);
	return sv;
}

static void
h_service_state(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *sv = service_for(rq, rs);

	if (sv)
		sim_ok(rs, service_entry(sim_param_str(rq, "service"), sv));
}

static void
fx_service(struct sim *s, json_t *task, json_t *args, int ok)
{
	json_t *sv = json_object_get(json_object_get(json_object_get(s->state, "pmg"), "services"),
	    json_string_value(json_object_get(args, "service")));

	(void)task;
	if (ok && sv)
		json_object_set(sv, "state", json_object_get(args, "state"));
}

static void
service_action(struct sim_req *rq, struct sim_resp *rs, const char *action)
{
	json_t *sv = service_for(rq, rs), *task;
	char type[32];

	if (sv == NULL)
		return;
	snprintf(type, sizeof type, "srv%s", action);
	task = sim_task_start(rq, pmg_node(rq), type, sim_param_str(rq, "service"));
	sim_task_set_fx(task, "pmg_service", json_pack("{s:s, s:s}", "service",
	    sim_param_str(rq, "service"), "state", strcmp(action, "stop") == 0 ? "stopped" :
	    "running"));
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void h_svc_start(struct sim_req *rq, struct sim_resp *rs) { service_action(rq, rs, "start"); }
static void h_svc_stop(struct sim_req *rq, struct sim_resp *rs) { service_action(rq, rs, "stop"); }
static void h_svc_restart(struct sim_req *rq, struct sim_resp *rs) { service_action(rq, rs, "restart"); }
static void h_svc_reload(struct sim_req *rq, struct sim_resp *rs) { service_action(rq, rs, "reload"); }

/* ---------------------------------------------------------------- ruledb */

static json_t *
rules(struct sim_req *rq)
{
	return sim_obj(sim_obj(pmg(rq), "ruledb"), "rules");
}

static void
h_rules_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *r;
	const char *k;

	json_object_foreach(rules(rq), k, r)
		json_array_append_new(out, json_deep_copy(r));
	sim_ok(rs, out);
}

static void
h_rule_create(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *r = json_object(), *v;
	const char *k;
	long long id = (long long)json_object_size(rules(rq)) + 1;
	char key[32];

	do {
		snprintf(key, sizeof key, "%lld", id++);
	} while (json_object_get(rules(rq), key));
	json_object_foreach(rq->params, k, v)
		json_object_set_new(r, k, sim_schema_typed(sim_schema_param(rq->op, k), v));
	json_object_set_new(r, "id", json_integer(atoll(key)));
	if (json_object_get(r, "active") == NULL)
		json_object_set_new(r, "active", json_integer(0));
	if (json_object_get(r, "direction") == NULL)
		json_object_set_new(r, "direction", json_integer(2));
	json_object_set_new(rules(rq), key, r);
	sim_ok(rs, json_integer(atoll(key)));
}

static json_t *
rule_for(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "id");
	json_t *r = json_object_get(rules(rq), id);

	if (r == NULL)
		sim_err(rs, 500, "rule '%s' does not exist\n", id);
	return r;
}

static void
h_rule_index(struct sim_req *rq, struct sim_resp *rs)
{
	if (rule_for(rq, rs))
		sim_ok(rs, json_pack("[{s:s},{s:s},{s:s},{s:s},{s:s},{s:s}]", "subdir", "config",
		    "subdir", "from", "subdir", "to", "subdir", "when", "subdir", "what",
		    "subdir", "action"));
}

static void
h_rule_config_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *r = rule_for(rq, rs);

	if (r)
		sim_ok(rs, json_deep_copy(r));
}

static void
h_rule_config_put(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *r = rule_for(rq, rs), *v;
	const char *k;

	if (r == NULL)
		return;
	json_object_foreach(rq->params, k, v)
		if (strcmp(k, "id") != 0)
			json_object_set_new(r, k, sim_schema_typed(sim_schema_param(rq->op, k), v));
	sim_ok(rs, json_null());
}

static void
h_rule_delete(struct sim_req *rq, struct sim_resp *rs)
{
	if (rule_for(rq, rs) == NULL)
		return;
	json_object_del(rules(rq), sim_param_str(rq, "id"));
	sim_ok(rs, json_null());
}

static void
h_users_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *u;
	const char *k;

	json_object_foreach(json_object_get(st_access(rq->sim, SIM_PMG), "users"), k, u)
		json_array_append_new(out, json_pack("{s:s, s:O, s:i, s:O?}", "userid", k, "role",
		    json_object_get(u, "role"), "enable", sim_json_truthy(json_object_get(u,
		    "enable")), "comment", json_object_get(u, "comment")));
	sim_ok(rs, out);
}

void
sim_pmg_register_fx(void)
{
	sim_task_register_fx("pmg_service", fx_service);
}

void
sim_pmg_register(struct sim_schema *sc)
{
	sim_bind(sc, "POST", "/access/ticket", sim_access_ticket);
	sim_bind(sc, "GET", "/version", h_version);
	sim_bind(sc, "GET", "/nodes", h_nodes);
	sim_bind(sc, "GET", "/nodes/{node}/status", h_node_status);
	sim_bind(sc, "GET", "/nodes/{node}/tasks", sim_h_tasks_list);
	sim_bind(sc, "GET", "/nodes/{node}/tasks/{upid}", sim_h_task_index);
	sim_bind(sc, "DELETE", "/nodes/{node}/tasks/{upid}", sim_h_task_stop);
	sim_bind(sc, "GET", "/nodes/{node}/tasks/{upid}/status", sim_h_task_status);
	sim_bind(sc, "GET", "/nodes/{node}/tasks/{upid}/log", sim_h_task_log);
	sim_bind(sc, "GET", "/quarantine/spam", h_spam);
	sim_bind(sc, "GET", "/quarantine/virus", h_virus);
	sim_bind(sc, "GET", "/quarantine/attachment", h_attachment);
	sim_bind(sc, "GET", "/quarantine/content", h_content_get);
	sim_bind(sc, "POST", "/quarantine/content", h_content_post);
	sim_bind(sc, "GET", "/quarantine/spamstatus", h_spamstatus);
	sim_bind(sc, "GET", "/quarantine/virusstatus", h_virusstatus);
	sim_bind(sc, "GET", "/quarantine/spamusers", h_spamusers);
	sim_bind(sc, "GET", "/quarantine/welcomelist", h_wl_get);
	sim_bind(sc, "POST", "/quarantine/welcomelist", h_wl_post);
	sim_bind(sc, "DELETE", "/quarantine/welcomelist", h_wl_del);
	sim_bind(sc, "GET", "/quarantine/whitelist", h_wl_get);
	sim_bind(sc, "POST", "/quarantine/whitelist", h_wl_post);
	sim_bind(sc, "DELETE", "/quarantine/whitelist", h_wl_del);
	sim_bind(sc, "GET", "/quarantine/blocklist", h_bl_get);
	sim_bind(sc, "POST", "/quarantine/blocklist", h_bl_post);
	sim_bind(sc, "DELETE", "/quarantine/blocklist", h_bl_del);
	sim_bind(sc, "GET", "/quarantine/blacklist", h_bl_get);
	sim_bind(sc, "POST", "/quarantine/blacklist", h_bl_post);
	sim_bind(sc, "DELETE", "/quarantine/blacklist", h_bl_del);
	sim_bind(sc, "GET", "/nodes/{node}/tracker", h_tracker);
	sim_bind(sc, "GET", "/nodes/{node}/tracker/{id}", h_tracker_item);
	sim_bind(sc, "GET", "/statistics/mail", h_stat_mail);
	sim_bind(sc, "GET", "/nodes/{node}/services", h_services);
	sim_bind(sc, "GET", "/nodes/{node}/services/{service}/state", h_service_state);
	sim_bind(sc, "POST", "/nodes/{node}/services/{service}/start", h_svc_start);
	sim_bind(sc, "POST", "/nodes/{node}/services/{service}/stop", h_svc_stop);
	sim_bind(sc, "POST", "/nodes/{node}/services/{service}/restart", h_svc_restart);
	sim_bind(sc, "POST", "/nodes/{node}/services/{service}/reload", h_svc_reload);
	sim_bind(sc, "GET", "/config/ruledb/rules", h_rules_list);
	sim_bind(sc, "POST", "/config/ruledb/rules", h_rule_create);
	sim_bind(sc, "GET", "/config/ruledb/rules/{id}", h_rule_index);
	sim_bind(sc, "DELETE", "/config/ruledb/rules/{id}", h_rule_delete);
	sim_bind(sc, "GET", "/config/ruledb/rules/{id}/config", h_rule_config_get);
	sim_bind(sc, "PUT", "/config/ruledb/rules/{id}/config", h_rule_config_put);
	sim_bind(sc, "GET", "/access/users", h_users_list);
	sim_access_bind_users(sc);
}
