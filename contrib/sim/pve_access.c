/**
 * @file pve_access.c
 * @brief proximo-sim: PVE (and PBS) access control objects: permissions,
 *        tickets, users, API tokens, ACLs, groups, roles, realms.
 *
 * These live in state.<product>.access because authentication and the
 * permission checks read them; the generic engine would store them apart.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "profile.h"
#include "reqlog.h"
#include "pve.h"
#include "schema.h"
#include "state.h"

static json_t *
acc(struct sim_req *rq)
{
	return st_access(rq->sim, rq->surf);
}

static json_t *
users(struct sim_req *rq)
{
	return sim_obj(acc(rq), "users");
}

static char *
groups_csv(json_t *u)
{
	json_t *g = json_object_get(u, "groups"), *v;
	size_t i, off = 0, len = 1;
	char *out;

	json_array_foreach(g, i, v)
		len += strlen(json_string_value(v)) + 1;
	if ((out = malloc(len)) == NULL)
		return NULL;
	out[0] = '\0';
	json_array_foreach(g, i, v)
		off += (size_t)snprintf(out + off, len - off, "%s%s", i ? "," : "",
		    json_string_value(v));
	return out;
}

static json_t *
token_info(json_t *t)
{
	json_t *out = json_object();

	json_object_set_new(out, "privsep", json_integer(sim_json_truthy(json_object_get(t,
	    "privsep"))));
	json_object_set_new(out, "expire", json_integer(sim_json_int(json_object_get(t,
	    "expire"), 0)));
	if (json_object_get(t, "comment"))
		json_object_set(out, "comment", json_object_get(t, "comment"));
	return out;
}

static void
user_public(json_t *out, json_t *u)
{
	static const char *const keys[] = { "enable", "expire", "firstname", "lastname",
		"email", "comment", "keys", NULL };
	int i;

	for (i = 0; keys[i]; i++)
		if (json_object_get(u, keys[i]))
			json_object_set(out, keys[i], json_object_get(u, keys[i]));
}

/* ----------------------------------------------------------- permissions */

static void
h_permissions(struct sim_req *rq, struct sim_resp *rs)
{
	const char *who = sim_param_str(rq, "userid"), *path = sim_param_str(rq, "path");

	if (who == NULL)
		who = sim_param_str(rq, "auth-id");	/* PBS */
	json_t *out;

	if (who == NULL)
		who = rq->id.authid;
	else if (strcmp(who, rq->id.authid) != 0 &&
	    !(rq->id.is_token && strcmp(who, rq->id.user) == 0) &&
	    !sim_has_priv(rq->sim, rq->surf, rq->id.authid, "/access", "Sys.Audit")) {
		sim_err(rs, 403, "Permission check failed (/access, Sys.Audit)\n");
		return;
	}
	if (path) {
		out = json_object();
		json_object_set_new(out, path, sim_pve_permissions(rq->sim, rq->surf, who, path));
	} else if (rq->surf == SIM_PVE) {
		out = sim_pve_effective_permissions(rq->sim, who);
	} else {
		out = json_object();
		json_object_set_new(out, "/", sim_pve_permissions(rq->sim, rq->surf, who, "/"));
	}
	sim_ok(rs, out);
}

static void
h_ticket_get(struct sim_req *rq, struct sim_resp *rs)
{
	(void)rq;
	sim_ok(rs, json_null());
}

/* ------------------------------------------------------------------ users */

static json_t *
user_or_404(struct sim_req *rq, struct sim_resp *rs, const char *userid)
{
	json_t *u = json_object_get(users(rq), userid);

	if (u == NULL)
		sim_err(rs, 500, "no such user ('%s')\n", userid);
	return u;
}

static void
h_users_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *u, *e, *t;
	const char *k, *tk;
	int full = sim_param_bool(rq, "full", 0);
	json_t *enabled = json_object_get(rq->params, "enabled");

	json_object_foreach(users(rq), k, u) {
		char *g;
		if (enabled && sim_json_truthy(enabled) != sim_json_truthy(json_object_get(u, "enable")))
			continue;
		e = json_pack("{s:s}", "userid", k);
		user_public(e, u);
		if ((g = groups_csv(u)) != NULL && *g)
			json_object_set_new(e, "groups", json_string(g));
		free(g);
		json_object_set_new(e, "realm-type", json_string(strstr(k, "@pam") ? "pam" : "pve"));
		if (full) {
			json_t *tl = json_array();
			json_object_foreach(json_object_get(u, "tokens"), tk, t) {
				json_t *ti = token_info(t);
				json_object_set_new(ti, "tokenid", json_string(tk));
				json_array_append_new(tl, ti);
			}
			json_object_set_new(e, "tokens", tl);
		}
		json_array_append_new(out, e);
	}
	sim_ok(rs, out);
}

static void
set_groups(struct sim_req *rq, json_t *u, int append)
{
	const char *gs = sim_param_str(rq, "groups");
	json_t *list, *cur, *v;
	size_t i;

	if (gs == NULL)
		return;
	list = sim_split_list(gs);
	if (!append) {
		json_object_set(u, "groups", list);
	} else {
		cur = sim_arr(u, "groups");
		json_array_foreach(list, i, v)
			json_array_append(cur, v);
	}
	json_decref(list);
}

static void
h_user_create(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "userid"), *k;
	json_t *u, *v;

	if (json_object_get(users(rq), id)) {
		sim_err(rs, 500, "create user failed: user '%s' already exists\n", id);
		return;
	}
	u = json_pack("{s:i, s:i, s:[], s:{}}", "enable", 1, "expire", 0, "groups", "tokens");
	/* stored as PVE shows them: enable=0 is the number 0 */
	json_object_foreach(rq->params, k, v)
		if (strcmp(k, "userid") && strcmp(k, "groups"))
			json_object_set_new(u, k, sim_schema_typed(sim_schema_param(rq->op, k), v));
	set_groups(rq, u, 0);
	json_object_set_new(users(rq), id, u);
	sim_ok(rs, json_null());
}

static void
h_user_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *u = user_or_404(rq, rs, sim_param_str(rq, "userid")), *out, *tokens, *t;
	const char *tk;

	if (u == NULL)
		return;
	out = json_object();
	user_public(out, u);
	json_object_set(out, "groups", json_object_get(u, "groups") ? json_object_get(u, "groups") :
	    json_array());
	tokens = json_object();
	json_object_foreach(json_object_get(u, "tokens"), tk, t)
		json_object_set_new(tokens, tk, token_info(t));
	json_object_set_new(out, "tokens", tokens);
	sim_ok(rs, out);
}

static void
h_user_update(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *u = user_or_404(rq, rs, sim_param_str(rq, "userid")), *v;
	const char *k;

	if (u == NULL)
		return;
	json_object_foreach(rq->params, k, v)
		if (strcmp(k, "userid") && strcmp(k, "groups") && strcmp(k, "append") &&
		    strcmp(k, "delete"))
			json_object_set_new(u, k, sim_schema_typed(sim_schema_param(rq->op, k), v));
	set_groups(rq, u, sim_param_bool(rq, "append", 0));
	sim_ok(rs, json_null());
}

static void
drop_acl_for(struct sim_req *rq, const char *type, const char *ugid, int prefix)
{
	json_t *acl = sim_arr(acc(rq), "acl"), *e;
	size_t i;

	for (i = json_array_size(acl); i-- > 0;) {
		e = json_array_get(acl, i);
		const char *t = json_string_value(json_object_get(e, "type"));
		const char *u = json_string_value(json_object_get(e, "ugid"));
		if (t && u && strcmp(t, type) == 0 &&
		    (prefix ? strncmp(u, ugid, strlen(ugid)) == 0 : strcmp(u, ugid) == 0))
			json_array_remove(acl, i);
	}
}

static void
h_user_delete(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "userid");
	char pfx[300];

	if (user_or_404(rq, rs, id) == NULL)
		return;
	json_object_del(users(rq), id);
	drop_acl_for(rq, "user", id, 0);
	snprintf(pfx, sizeof pfx, "%s!", id);
	drop_acl_for(rq, "token", pfx, 1);
	sim_ok(rs, json_null());
}

static void
h_password(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *u = user_or_404(rq, rs, sim_param_str(rq, "userid"));

	if (u == NULL)
		return;
	json_object_set(u, "password", json_object_get(rq->params, "password"));
	sim_ok(rs, json_null());
}

/* ----------------------------------------------------------------- tokens */

static json_t *
token_or_404(struct sim_req *rq, struct sim_resp *rs, json_t **user)
{
	const char *uid = sim_param_str(rq, "userid"), *tid = sim_param_str(rq, "tokenid");
	json_t *u = user_or_404(rq, rs, uid), *t;

	*user = u;
	if (u == NULL)
		return NULL;
	if ((t = json_object_get(json_object_get(u, "tokens"), tid)) == NULL)
		sim_err(rs, 500, "no such token '%s' for user '%s'\n", tid, uid);
	return t;
}

static void
h_tokens_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *u = user_or_404(rq, rs, sim_param_str(rq, "userid")), *out, *t;
	const char *tk;

	if (u == NULL)
		return;
	out = json_array();
	json_object_foreach(json_object_get(u, "tokens"), tk, t) {
		json_t *e = token_info(t);
		json_object_set_new(e, "tokenid", json_string(tk));
		json_array_append_new(out, e);
	}
	sim_ok(rs, out);
}

static void
h_token_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *u, *t = token_or_404(rq, rs, &u);

	if (t)
		sim_ok(rs, token_info(t));
}

static void
h_token_create(struct sim_req *rq, struct sim_resp *rs)
{
	const char *uid = sim_param_str(rq, "userid"), *tid = sim_param_str(rq, "tokenid");
	json_t *u = user_or_404(rq, rs, uid), *t, *tokens;
	char secret[37], full[400];

	if (u == NULL)
		return;
	tokens = sim_obj(u, "tokens");
	if (json_object_get(tokens, tid)) {
		sim_err(rs, 500, "Token already exists.\n");
		return;
	}
	sim_random_uuid(secret);
	t = json_pack("{s:s, s:i, s:I}", "secret", secret, "privsep",
	    sim_param_bool(rq, "privsep", 1), "expire",
	    (json_int_t)sim_json_int(json_object_get(rq->params, "expire"), 0));
	if (sim_param_str(rq, "comment"))
		json_object_set(t, "comment", json_object_get(rq->params, "comment"));
	json_object_set_new(tokens, tid, t);
	snprintf(full, sizeof full, "%s!%s", uid, tid);
	if (rq->surf == SIM_PBS)
		sim_ok(rs, json_pack("{s:s, s:s}", "tokenid", full, "value", secret));
	else
		sim_ok(rs, json_pack("{s:s, s:o, s:s}", "full-tokenid", full, "info", token_info(t),
		    "value", secret));
}

static void
h_token_update(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *u, *t = token_or_404(rq, rs, &u);

	if (t == NULL)
		return;
	if (json_object_get(rq->params, "privsep"))
		json_object_set_new(t, "privsep", json_integer(sim_param_bool(rq, "privsep", 1)));
	if (json_object_get(rq->params, "expire"))
		json_object_set_new(t, "expire", json_integer(sim_json_int(json_object_get(rq->params,
		    "expire"), 0)));
	if (json_object_get(rq->params, "comment"))
		json_object_set(t, "comment", json_object_get(rq->params, "comment"));
	sim_ok(rs, rq->surf == SIM_PBS ? json_null() : token_info(t));
}

static void
h_token_delete(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *u, *t = token_or_404(rq, rs, &u);
	char full[400];

	if (t == NULL)
		return;
	snprintf(full, sizeof full, "%s!%s", sim_param_str(rq, "userid"), sim_param_str(rq,
	    "tokenid"));
	json_object_del(json_object_get(u, "tokens"), sim_param_str(rq, "tokenid"));
	drop_acl_for(rq, "token", full, 0);
	sim_ok(rs, json_null());
}

/* -------------------------------------------------------------------- ACL */

static void
h_acl_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(json_object_get(acc(rq), "acl"), i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		if (strcmp(rq->id.authid, "root@pam") != 0 &&
		    !sim_has_priv(rq->sim, rq->surf, rq->id.authid, p, "Permissions.Modify") &&
		    !sim_has_priv(rq->sim, rq->surf, rq->id.authid, p, "Sys.Audit"))
			continue;
		json_array_append_new(out, json_pack("{s:O, s:O, s:O, s:O, s:i}", "path",
		    json_object_get(e, "path"), "type", json_object_get(e, "type"), "ugid",
		    json_object_get(e, "ugid"), "roleid", json_object_get(e, "roleid"), "propagate",
		    sim_json_truthy(json_object_get(e, "propagate"))));
	}
	sim_ok(rs, out);
}

static int
role_exists(struct sim_req *rq, const char *role)
{
	json_t *b = sim_roles_builtin(rq->surf);
	int ok = json_object_get(b, role) != NULL ||
	    json_object_get(json_object_get(acc(rq), "roles"), role) != NULL;

	json_decref(b);
	return ok;
}

static void
acl_set(struct sim_req *rq, const char *path, const char *type, const char *ugid,
    const char *role, int propagate, int del)
{
	json_t *acl = sim_arr(acc(rq), "acl"), *e;
	size_t i;

	for (i = json_array_size(acl); i-- > 0;) {
		e = json_array_get(acl, i);
		if (strcmp(json_string_value(json_object_get(e, "path")), path) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "type")), type) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "ugid")), ugid) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "roleid")), role) == 0)
			json_array_remove(acl, i);
	}
	if (!del)
		json_array_append_new(acl, json_pack("{s:s, s:s, s:s, s:s, s:i}", "path", path,
		    "type", type, "ugid", ugid, "roleid", role, "propagate", propagate));
}

static void
h_acl_put(struct sim_req *rq, struct sim_resp *rs)
{
	const char *path = sim_param_str(rq, "path");
	int del = sim_param_bool(rq, "delete", 0), prop = sim_param_bool(rq, "propagate", 1);
	json_t *roles, *v, *r, *who;
	static const char *const kinds[][2] = { { "users", "user" }, { "groups", "group" },
		{ "tokens", "token" }, { "auth-id", "token" } };
	size_t i, j, k;
	const char *rp = sim_param_str(rq, "roles") ? sim_param_str(rq, "roles") :
	    sim_param_str(rq, "role");

	roles = sim_split_list(rp ? rp : "");
	json_array_foreach(roles, i, r) {
		if (!role_exists(rq, json_string_value(r))) {
			sim_err(rs, 500, "role '%s' does not exist\n", json_string_value(r));
			json_decref(roles);
			return;
		}
	}
	for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		const char *list = sim_param_str(rq, kinds[k][0]);
		if (list == NULL)
			continue;
		who = sim_split_list(list);
		json_array_foreach(who, j, v) {
			const char *ugid = json_string_value(v);
			const char *type = kinds[k][1];
			if (strcmp(kinds[k][0], "auth-id") == 0 && strchr(ugid, '!') == NULL)
				type = "user";
			if (strcmp(type, "user") == 0 && !del &&
			    json_object_get(users(rq), ugid) == NULL) {
				sim_err(rs, 500, "user '%s' does not exist\n", ugid);
				goto out;
			}
			if (strcmp(type, "group") == 0 && !del &&
			    json_object_get(json_object_get(acc(rq), "groups"), ugid) == NULL) {
				sim_err(rs, 500, "group '%s' does not exist\n", ugid);
				goto out;
			}
			if (strcmp(type, "token") == 0 && !del) {
				char user[256];
				const char *bang = strchr(ugid, '!');
				snprintf(user, sizeof user, "%.*s", bang ? (int)(bang - ugid) : 0, ugid);
				if (bang == NULL || json_object_get(json_object_get(json_object_get(
				    users(rq), user), "tokens"), bang + 1) == NULL) {
					sim_err(rs, 500, "no such token '%s' for user '%s'\n",
					    bang ? bang + 1 : ugid, user);
					goto out;
				}
			}
			json_array_foreach(roles, i, r)
				acl_set(rq, path, type, ugid, json_string_value(r), prop, del);
		}
		json_decref(who);
		who = NULL;
	}
	json_decref(roles);
	sim_ok(rs, json_null());
	return;
out:
	json_decref(who);
	json_decref(roles);
}

/* ------------------------------------------------------ groups, roles, realms */

static void
h_groups_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *g, *u;
	const char *k, *uid;

	json_object_foreach(json_object_get(acc(rq), "groups"), k, g) {
		json_t *e = json_pack("{s:s}", "groupid", k), *members = json_array(), *m;
		size_t i, off = 0, len = 1;
		char *csv;
		json_object_foreach(users(rq), uid, u) {
			json_t *gl = json_object_get(u, "groups"), *x;
			json_array_foreach(gl, i, x)
				if (strcmp(json_string_value(x), k) == 0)
					json_array_append_new(members, json_string(uid));
		}
		json_array_foreach(members, i, m)
			len += strlen(json_string_value(m)) + 1;
		if ((csv = calloc(1, len)) != NULL) {
			json_array_foreach(members, i, m)
				off += (size_t)snprintf(csv + off, len - off, "%s%s", i ? "," : "",
				    json_string_value(m));
			json_object_set_new(e, "users", json_string(csv));
			free(csv);
		}
		json_decref(members);
		if (json_object_get(g, "comment"))
			json_object_set(e, "comment", json_object_get(g, "comment"));
		json_array_append_new(out, e);
	}
	sim_ok(rs, out);
}

static void
h_group_get(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "groupid"), *uid;
	json_t *g = json_object_get(json_object_get(acc(rq), "groups"), id), *out, *u, *x;
	size_t i;

	if (g == NULL) {
		sim_err(rs, 500, "group '%s' does not exist\n", id);
		return;
	}
	out = json_pack("{s:[]}", "members");
	json_object_foreach(users(rq), uid, u)
		json_array_foreach(json_object_get(u, "groups"), i, x)
			if (strcmp(json_string_value(x), id) == 0)
				json_array_append_new(json_object_get(out, "members"), json_string(uid));
	if (json_object_get(g, "comment"))
		json_object_set(out, "comment", json_object_get(g, "comment"));
	sim_ok(rs, out);
}

static void
h_group_create(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "groupid");
	json_t *groups = sim_obj(acc(rq), "groups");

	if (json_object_get(groups, id)) {
		sim_err(rs, 500, "create group failed: group '%s' already exists\n", id);
		return;
	}
	json_object_set_new(groups, id, json_object());
	if (sim_param_str(rq, "comment"))
		json_object_set(json_object_get(groups, id), "comment",
		    json_object_get(rq->params, "comment"));
	sim_ok(rs, json_null());
}

static void
h_group_update(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "groupid");
	json_t *g = json_object_get(json_object_get(acc(rq), "groups"), id);

	if (g == NULL) {
		sim_err(rs, 500, "group '%s' does not exist\n", id);
		return;
	}
	if (sim_param_str(rq, "comment"))
		json_object_set(g, "comment", json_object_get(rq->params, "comment"));
	sim_ok(rs, json_null());
}

static void
h_group_delete(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "groupid"), *uid;
	json_t *groups = json_object_get(acc(rq), "groups"), *u, *x;
	size_t i;

	if (json_object_get(groups, id) == NULL) {
		sim_err(rs, 500, "group '%s' does not exist\n", id);
		return;
	}
	json_object_del(groups, id);
	json_object_foreach(users(rq), uid, u) {
		json_t *gl = json_object_get(u, "groups");
		for (i = json_array_size(gl); i-- > 0;) {
			x = json_array_get(gl, i);
			if (strcmp(json_string_value(x), id) == 0)
				json_array_remove(gl, i);
		}
	}
	drop_acl_for(rq, "group", id, 0);
	sim_ok(rs, json_null());
}

static void
h_roles_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *b = sim_roles_builtin(rq->surf), *privs, *p;
	const char *k;
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		json_object_foreach(pass ? json_object_get(acc(rq), "roles") : b, k, privs) {
			size_t off = 0, len = 1;
			char *csv;
			json_array_foreach(privs, i, p)
				len += strlen(json_string_value(p)) + 1;
			if ((csv = calloc(1, len)) == NULL)
				continue;
			json_array_foreach(privs, i, p)
				off += (size_t)snprintf(csv + off, len - off, "%s%s", i ? "," : "",
				    json_string_value(p));
			json_array_append_new(out, json_pack("{s:s, s:s, s:i}", "roleid", k, "privs",
			    csv, "special", !pass));
			free(csv);
		}
	}
	json_decref(b);
	sim_ok(rs, out);
}

static void
h_role_get(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "roleid");
	json_t *b = sim_roles_builtin(rq->surf), *privs, *out, *p;
	size_t i;

	privs = json_object_get(json_object_get(acc(rq), "roles"), id);
	if (privs == NULL)
		privs = json_object_get(b, id);
	if (privs == NULL) {
		sim_err(rs, 500, "role '%s' does not exist\n", id);
		json_decref(b);
		return;
	}
	out = json_object();
	json_array_foreach(privs, i, p)
		json_object_set_new(out, json_string_value(p), json_integer(1));
	json_decref(b);
	sim_ok(rs, out);
}

static int
privs_valid(struct sim_req *rq, struct sim_resp *rs, json_t *list)
{
	json_t *all = sim_privs_all(rq->surf), *p, *a;
	size_t i, j;
	int ok;

	json_array_foreach(list, i, p) {
		ok = 0;
		json_array_foreach(all, j, a)
			if (strcmp(json_string_value(a), json_string_value(p)) == 0)
				ok = 1;
		if (!ok) {
			sim_err(rs, 500, "invalid privilege '%s'\n", json_string_value(p));
			json_decref(all);
			return 0;
		}
	}
	json_decref(all);
	return 1;
}

static void
h_role_create(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "roleid");
	json_t *roles = sim_obj(acc(rq), "roles"), *privs;

	if (role_exists(rq, id)) {
		sim_err(rs, 500, "create role failed: role '%s' already exists\n", id);
		return;
	}
	privs = sim_split_list(sim_param_str(rq, "privs") ? sim_param_str(rq, "privs") : "");
	if (!privs_valid(rq, rs, privs)) {
		json_decref(privs);
		return;
	}
	json_object_set_new(roles, id, privs);
	sim_ok(rs, json_null());
}

static void
h_role_update(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "roleid");
	json_t *roles = sim_obj(acc(rq), "roles"), *privs, *cur;

	if ((cur = json_object_get(roles, id)) == NULL) {
		sim_err(rs, 500, role_exists(rq, id) ? "cannot modify special role '%s'\n" :
		    "role '%s' does not exist\n", id);
		return;
	}
	privs = sim_split_list(sim_param_str(rq, "privs") ? sim_param_str(rq, "privs") : "");
	if (!privs_valid(rq, rs, privs)) {
		json_decref(privs);
		return;
	}
	if (sim_param_bool(rq, "append", 0))
		json_array_extend(cur, privs);
	else
		json_object_set(roles, id, privs);
	json_decref(privs);
	sim_ok(rs, json_null());
}

static void
h_role_delete(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "roleid");
	json_t *roles = sim_obj(acc(rq), "roles");

	if (json_object_get(roles, id) == NULL) {
		sim_err(rs, 500, role_exists(rq, id) ? "cannot delete special role '%s'\n" :
		    "role '%s' does not exist\n", id);
		return;
	}
	json_object_del(roles, id);
	sim_ok(rs, json_null());
}

static void
h_domains_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *d, *e;
	const char *k;

	json_object_foreach(json_object_get(acc(rq), "domains"), k, d) {
		e = json_deep_copy(d);
		json_object_set_new(e, "realm", json_string(k));
		json_array_append_new(out, e);
	}
	sim_ok(rs, out);
}

static void
h_domain_get(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "realm");
	json_t *d = json_object_get(json_object_get(acc(rq), "domains"), id);

	if (d == NULL) {
		sim_err(rs, 500, "domain '%s' does not exist\n", id);
		return;
	}
	sim_ok(rs, json_deep_copy(d));
}

static void
h_domain_create(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "realm"), *k;
	json_t *domains = sim_obj(acc(rq), "domains"), *d, *v;

	if (json_object_get(domains, id)) {
		sim_err(rs, 500, "create auth server failed: domain '%s' already defined\n", id);
		return;
	}
	d = json_object();
	json_object_foreach(rq->params, k, v)
		if (strcmp(k, "realm") && !sim_is_secret_name(k))
			json_object_set(d, k, v);
	json_object_set_new(domains, id, d);
	sim_ok(rs, json_null());
}

static void
h_domain_update(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "realm"), *k;
	json_t *d = json_object_get(json_object_get(acc(rq), "domains"), id), *v;

	if (d == NULL) {
		sim_err(rs, 500, "domain '%s' does not exist\n", id);
		return;
	}
	json_object_foreach(rq->params, k, v)
		if (strcmp(k, "realm") && strcmp(k, "digest") && strcmp(k, "delete") &&
		    !sim_is_secret_name(k))
			json_object_set(d, k, v);
	sim_ok(rs, json_null());
}

static void
h_domain_delete(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "realm");
	json_t *domains = json_object_get(acc(rq), "domains");

	if (json_object_get(domains, id) == NULL) {
		sim_err(rs, 500, "domain '%s' does not exist\n", id);
		return;
	}
	if (strcmp(id, "pam") == 0 || strcmp(id, "pve") == 0 || strcmp(id, "pbs") == 0) {
		sim_err(rs, 500, "can't remove realm '%s'\n", id);
		return;
	}
	json_object_del(domains, id);
	sim_ok(rs, json_null());
}

void
sim_access_bind_users(struct sim_schema *sc)
{
	if (sim_schema_find(sc, "GET", "/access/permissions"))	/* not in PMG */
		sim_bind(sc, "GET", "/access/permissions", h_permissions);
	sim_bind(sc, "POST", "/access/users", h_user_create);
	sim_bind(sc, "GET", "/access/users/{userid}", h_user_get);
	sim_bind(sc, "PUT", "/access/users/{userid}", h_user_update);
	sim_bind(sc, "DELETE", "/access/users/{userid}", h_user_delete);
}

void
pve_access_register(struct sim_schema *sc)
{
	sim_bind(sc, "GET", "/access/permissions", h_permissions);
	sim_bind(sc, "POST", "/access/ticket", sim_access_ticket);
	sim_bind(sc, "GET", "/access/ticket", h_ticket_get);
	sim_bind(sc, "PUT", "/access/password", h_password);
	sim_bind(sc, "GET", "/access/users", h_users_list);
	sim_bind(sc, "POST", "/access/users", h_user_create);
	sim_bind(sc, "GET", "/access/users/{userid}", h_user_get);
	sim_bind(sc, "PUT", "/access/users/{userid}", h_user_update);
	sim_bind(sc, "DELETE", "/access/users/{userid}", h_user_delete);
	sim_bind(sc, "GET", "/access/users/{userid}/token", h_tokens_list);
	sim_bind(sc, "GET", "/access/users/{userid}/token/{tokenid}", h_token_get);
	sim_bind(sc, "POST", "/access/users/{userid}/token/{tokenid}", h_token_create);
	sim_bind(sc, "PUT", "/access/users/{userid}/token/{tokenid}", h_token_update);
	sim_bind(sc, "DELETE", "/access/users/{userid}/token/{tokenid}", h_token_delete);
	sim_bind(sc, "GET", "/access/acl", h_acl_get);
	sim_bind(sc, "PUT", "/access/acl", h_acl_put);
	sim_bind(sc, "GET", "/access/groups", h_groups_list);
	sim_bind(sc, "POST", "/access/groups", h_group_create);
	sim_bind(sc, "GET", "/access/groups/{groupid}", h_group_get);
	sim_bind(sc, "PUT", "/access/groups/{groupid}", h_group_update);
	sim_bind(sc, "DELETE", "/access/groups/{groupid}", h_group_delete);
	sim_bind(sc, "GET", "/access/roles", h_roles_list);
	sim_bind(sc, "POST", "/access/roles", h_role_create);
	sim_bind(sc, "GET", "/access/roles/{roleid}", h_role_get);
	sim_bind(sc, "PUT", "/access/roles/{roleid}", h_role_update);
	sim_bind(sc, "DELETE", "/access/roles/{roleid}", h_role_delete);
	sim_bind(sc, "GET", "/access/domains", h_domains_list);
	sim_bind(sc, "POST", "/access/domains", h_domain_create);
	sim_bind(sc, "GET", "/access/domains/{realm}", h_domain_get);
	sim_bind(sc, "PUT", "/access/domains/{realm}", h_domain_update);
	sim_bind(sc, "DELETE", "/access/domains/{realm}", h_domain_delete);
}
