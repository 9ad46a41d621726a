/**
 * @file blast_access.c
 * @brief ACL grant/revoke (op-class 5): who gains or loses what, computed
 *        with Proxmox's own inheritance rules (PVE::AccessControl::roles):
 *        along the path, a token entry beats a user entry beats the user's
 *        group entries at the same level; an entry at a deeper level
 *        REPLACES what was inherited from above; NoAccess cancels the rest;
 *        a privilege-separated token gets the intersection with its user,
 *        a token without privsep gets exactly its user's rights.
 *
 * The classic trap this names: granting a narrow role on a specific path
 * SHADOWS a broad inherited one (the principal loses privileges there), and
 * revoking a specific entry WIDENS access back to what was inherited.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blast.h"
#include "pve.h"

struct acl_model {
	const json_t	*acl;		/* [{path, type, ugid, roleid, propagate}] */
	json_t		*user_groups;	/* user -> [groups] */
	json_t		*group_users;	/* group -> [users] */
	json_t		*tokens;	/* "user!tok" -> privsep (integer) */
	json_t		*roles;		/* role -> {priv: true} */
};

static int
entry_is(const json_t *e, const char *path, const char *type, const char *ugid)
{
	const char *p = json_string_value(json_object_get(e, "path"));
	const char *t = json_string_value(json_object_get(e, "type"));
	const char *u = json_string_value(json_object_get(e, "ugid"));

	return p && t && u && strcmp(p, path) == 0 && strcmp(t, type) == 0 && strcmp(u, ugid) == 0;
}

static int
propagates(const json_t *e)
{
	const json_t *p = json_object_get(e, "propagate");

	return p == NULL || bl_truthy(p);
}

static int
in_group(const struct acl_model *m, const char *user, const char *group)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(m->user_groups, user), i, v)
		if (strcmp(json_string_value(v), group) == 0)
			return 1;
	return 0;
}

/* Roles of `who` at one level: entries of one kind, those that apply here. */
static json_t *
level_roles(const json_t *acl, const char *path, const char *type, const char *who, int final,
    const struct acl_model *m)
{
	json_t *out = NULL, *e;
	size_t i;

	json_array_foreach(acl, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		const char *t = json_string_value(json_object_get(e, "type"));
		const char *u = json_string_value(json_object_get(e, "ugid"));
		const char *r = json_string_value(json_object_get(e, "roleid"));

		if (!p || !t || !u || !r || strcmp(p, path) != 0 || strcmp(t, type) != 0)
			continue;
		if (strcmp(type, "group") == 0 ? !in_group(m, who, u) : strcmp(u, who) != 0)
			continue;
		if (!final && !propagates(e))
			continue;
		if (out == NULL)
			out = json_object();
		json_object_set_new(out, r, json_true());
	}
	return out;
}

/* PVE::AccessControl::roles over an explicit acl list: {role: true}. */
static json_t *
roles_at(const struct acl_model *m, const json_t *acl, const char *who, const char *path)
{
	json_t *cur = json_object(), *n;
	char prefix[1024], *copy, *seg, *save = NULL;
	int is_token = strchr(who, '!') != NULL;
	size_t len = 0;
	int final;

	if (strcmp(who, "root@pam") == 0) {
		json_object_set_new(cur, "Administrator", json_true());
		return cur;
	}
	if (is_token) {
		const json_t *ps = json_object_get(m->tokens, who);
		char user[512];

		if (ps == NULL)
			return cur;	/* unknown token: nothing */
		if (!bl_truthy(ps)) {
			snprintf(user, sizeof user, "%.*s", (int)strcspn(who, "!"), who);
			json_decref(cur);
			return roles_at(m, acl, user, path);
		}
	}
	/* Walk "/" then each deeper prefix of path. */
	copy = strdup(path);
	prefix[0] = '/';
	prefix[1] = '\0';
	seg = copy ? strtok_r(copy, "/", &save) : NULL;
	for (;;) {
		final = seg == NULL;
		if ((n = level_roles(acl, prefix, "token", who, final, m)) != NULL ||
		    (!is_token && (n = level_roles(acl, prefix, "user", who, final, m)) != NULL) ||
		    (!is_token && (n = level_roles(acl, prefix, "group", who, final, m)) != NULL)) {
			json_decref(cur);
			cur = n;
		}
		if (seg == NULL)
			break;
		len = strlen(prefix);
		snprintf(prefix + len, sizeof prefix - len, "%s%s", len > 1 ? "/" : "", seg);
		seg = strtok_r(NULL, "/", &save);
	}
	free(copy);
	if (json_object_get(cur, "NoAccess")) {
		json_decref(cur);
		cur = json_pack("{s:b}", "NoAccess", 1);
	}
	return cur;
}

static json_t *
privs_of(const struct acl_model *m, const json_t *roles)
{
	json_t *out = json_object(), *v;
	const char *r, *p;

	json_object_foreach((json_t *)roles, r, v) {
		json_t *set = json_object_get(m->roles, r), *x;

		json_object_foreach(set, p, x)
			json_object_set_new(out, p, json_true());
	}
	return out;
}

/* Effective privileges: a privsep token gets the intersection with its
 * user's (PVE::RPCEnvironment::permissions). */
static json_t *
effective(const struct acl_model *m, const json_t *acl, const char *who, const char *path,
    json_t **roles_out)
{
	json_t *roles = roles_at(m, acl, who, path), *privs = privs_of(m, roles), *v;
	const char *p;
	void *tmp;

	if (strchr(who, '!') && bl_truthy(json_object_get(m->tokens, who))) {
		char user[512];
		json_t *ur = NULL, *up;

		snprintf(user, sizeof user, "%.*s", (int)strcspn(who, "!"), who);
		up = effective(m, acl, user, path, &ur);
		json_decref(ur);
		json_object_foreach_safe(privs, tmp, p, v)
			if (json_object_get(up, p) == NULL)
				json_object_del(privs, p);
		json_decref(up);
	}
	if (roles_out)
		*roles_out = roles;
	else
		json_decref(roles);
	return privs;
}

static json_t *
keys_of(const json_t *o)
{
	json_t *a = json_array(), *v;
	const char *k;

	json_object_foreach((json_t *)o, k, v)
		json_array_append_new(a, json_string(k));
	return a;
}

/* Keys of a not in b. */
static json_t *
minus(const json_t *a, const json_t *b)
{
	json_t *out = json_array(), *v;
	const char *k;

	json_object_foreach((json_t *)a, k, v)
		if (json_object_get(b, k) == NULL)
			json_array_append_new(out, json_string(k));
	return out;
}

/* The acl list after the change. */
static json_t *
apply_change(const json_t *acl, const char *path, const json_t *roles, const json_t *who,
    int del, int propagate)
{
	json_t *out = json_deep_copy(acl), *r, *w, *e;
	size_t i, j, k;

	if (out == NULL)
		out = json_array();
	json_array_foreach(who, i, w) {
		const char *type = json_string_value(json_object_get(w, "type"));
		const char *ugid = json_string_value(json_object_get(w, "ugid"));

		json_array_foreach(roles, j, r) {
			for (k = json_array_size(out); k-- > 0;) {
				e = json_array_get(out, k);
				if (entry_is(e, path, type, ugid) &&
				    strcmp(json_string_value(json_object_get(e, "roleid")) ?
				    json_string_value(json_object_get(e, "roleid")) : "",
				    json_string_value(r)) == 0)
					json_array_remove(out, k);
			}
			if (!del)
				json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:O, s:i}", "path",
				    path, "type", type, "ugid", ugid, "roleid", r, "propagate", propagate));
		}
	}
	return out;
}

/* Did `who` get its roles at path from an entry at path itself (for its
 * kind), or inherit them? */
static int
explicit_at(const json_t *acl, const char *path, const char *who, const struct acl_model *m)
{
	json_t *e;
	size_t i;

	json_array_foreach(acl, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		const char *t = json_string_value(json_object_get(e, "type"));
		const char *u = json_string_value(json_object_get(e, "ugid"));

		if (!p || !t || !u || strcmp(p, path) != 0)
			continue;
		if ((strcmp(t, "group") == 0 && in_group(m, who, u)) || strcmp(u, who) == 0)
			return 1;
	}
	return 0;
}

struct principal {
	char	kind[8];	/* user, group, token */
	char	id[512];
	char	via[600];	/* "direct", "group ops", "user alice@pve" */
};

static void
assess(struct pxm_plan *plan, struct bl_tally *t, const struct acl_model *m,
    const json_t *before_acl, const json_t *after_acl, const char *path, const struct principal *pr,
    int del, int high_path, int *shadow, int *widen)
{
	json_t *rb = NULL, *ra = NULL, *pb, *pa, *gained, *lost, *row;
	char *rbs, *ras, *gs, *ls, res[600], text[2400];
	const char *change, *sev;
	int inherited_before, inherited_after;

	pb = effective(m, before_acl, pr->id, path, &rb);
	pa = effective(m, after_acl, pr->id, path, &ra);
	gained = minus(pa, pb);
	lost = minus(pb, pa);
	{
		json_t *kb = keys_of(rb), *ka = keys_of(ra);

		rbs = bl_join(kb, ", ");
		ras = bl_join(ka, ", ");
		json_decref(kb);
		json_decref(ka);
	}
	gs = bl_join_max(gained, ", ", 8);
	ls = bl_join_max(lost, ", ", 8);
	inherited_before = json_object_size(rb) > 0 && !explicit_at(before_acl, path, pr->id, m);
	inherited_after = json_object_size(ra) > 0 && !explicit_at(after_acl, path, pr->id, m);
	if (json_array_size(gained) && json_array_size(lost))
		change = "changes";
	else if (json_array_size(gained))
		change = "gains";
	else if (json_array_size(lost))
		change = "loses";
	else
		change = "unchanged";
	sev = "info";
	text[0] = '\0';
	if (!del && json_array_size(lost) && inherited_before) {
		snprintf(text, sizeof text, "SHADOW WARNING: the entry at %s REPLACES the roles %s "
		    "inherited there (%s) — inherited roles will NO LONGER apply at %s and below; it "
		    "loses %s", path, pr->id, rbs ? rbs : "", path, ls ? ls : "");
		sev = "high";
		(*shadow)++;
	} else if (del && json_array_size(gained) && inherited_after) {
		snprintf(text, sizeof text, "WIDEN WARNING: removing the entry at %s RESTORES the "
		    "grants %s inherits from above (%s) — it gains %s", path, pr->id, ras ? ras : "",
		    gs ? gs : "");
		sev = "high";
		(*widen)++;
	} else if (json_array_size(gained)) {
		snprintf(text, sizeof text, "NEW privileges at %s: %s gains %s", path, pr->id,
		    gs ? gs : "");
		sev = high_path || json_object_get(ra, "Administrator") ? "high" : "medium";
	} else if (json_array_size(lost)) {
		snprintf(text, sizeof text, "%s loses %s at %s%s", pr->id, ls ? ls : "", path,
		    json_object_size(pa) == 0 ? " (no access left there)" : "");
		sev = "medium";
	} else {
		snprintf(text, sizeof text, "no change in effective privileges at %s (roles %s)", path,
		    rbs && *rbs ? rbs : "none");
	}
	if (strcmp(change, "unchanged") == 0 && json_object_size(rb) != json_object_size(ra))
		sev = "low";
	snprintf(res, sizeof res, "%s:%s", pr->kind, pr->id);
	row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s}",
	    "resource", res, "principal", pr->id, "kind", pr->kind, "via", pr->via, "change", change,
	    "at", path, "roles_before", keys_of(rb), "roles_after", keys_of(ra),
	    "privileges_gained", gained, "privileges_lost", lost, "severity", sev);
	json_object_set_new(row, "effect", json_string(text));
	bl_emit(plan, t, row);
	free(rbs);
	free(ras);
	free(gs);
	free(ls);
	json_decref(rb);
	json_decref(ra);
	json_decref(pb);
	json_decref(pa);
}

static void
add_principal(json_t *list, const char *kind, const char *id, const char *via)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
			return;
	json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "kind", kind, "id", id, "via", via));
}

int
bl_acl_modify(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	char path[512], buf[4096];
	int del = bl_param_bool(eff->params, "delete", 0);
	int propagate = bl_param_bool(eff->params, "propagate", 1);
	struct bl_req r[3];
	struct acl_model m;
	struct bl_tally t = { 0 };
	json_t *roles, *who = json_array(), *people = json_array(), *after = NULL, *v, *x;
	const json_t *acl, *users, *rl;
	size_t i, k;
	int shadow = 0, widen = 0, high_path, admin = 0, unresolved = 0;
	const char *uid;

	(void)err;
	(void)payload;
	memset(&m, 0, sizeof m);
	bl_param(path, sizeof path, eff->params, "path");
	roles = bl_split(bl_param(buf, sizeof buf, eff->params, "roles"));
	memset(r, 0, sizeof r);
	bl_req_path(&r[0], "/access/acl", NULL);
	bl_req_path(&r[1], "/access/users", NULL);
	r[1].params = json_pack("{s:i}", "full", 1);
	bl_req_path(&r[2], "/access/roles", NULL);
	bl_fetch(call, r, 3);
	acl = r[0].data;
	users = r[1].data;
	rl = r[2].data;
	pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "an ACL change moves who can do what");
	high_path = strcmp(path, "/") == 0 || strcmp(path, "/storage") == 0 ||
	    strcmp(path, "/access") == 0;
	json_array_foreach(roles, i, v)
		if (strcmp(json_string_value(v), "Administrator") == 0)
			admin = 1;
	if (high_path || admin)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "%s%s%s", admin ? "the Administrator "
		    "role" : "", admin && high_path ? " on " : "", high_path ? (admin ? path :
		    "a change at a root of the permission tree (everything below inherits it)") : "");
	if (acl == NULL) {
		pve_host->plan_set_incomplete(plan, "could not read the ACL (GET /access/acl: %s) — "
		    "absence of a shadow/widen warning is NOT a safety signal", r[0].error);
		goto out;
	}
	if (users == NULL)
		pve_host->plan_set_incomplete(plan, "could not read users, groups and tokens (GET "
		    "/access/users: %s): group members and token privsep are unknown", r[1].error);
	if (rl == NULL)
		pve_host->plan_set_incomplete(plan, "could not read the roles (GET /access/roles: %s): "
		    "privileges gained or lost are unknown", r[2].error);
	/* The model: memberships, tokens, role privileges. */
	m.acl = acl;
	m.user_groups = json_object();
	m.group_users = json_object();
	m.tokens = json_object();
	m.roles = json_object();
	json_array_foreach(users, i, v) {
		json_t *gl;

		if ((uid = json_string_value(json_object_get(v, "userid"))) == NULL)
			continue;
		gl = json_is_array(json_object_get(v, "groups")) ?
		    json_incref(json_object_get(v, "groups")) :
		    bl_split(json_string_value(json_object_get(v, "groups")));
		json_object_set_new(m.user_groups, uid, gl);
		json_array_foreach(gl, k, x) {
			json_t *gu = json_object_get(m.group_users, json_string_value(x));

			if (gu == NULL) {
				gu = json_array();
				json_object_set_new(m.group_users, json_string_value(x), gu);
			}
			json_array_append_new(gu, json_string(uid));
		}
		json_array_foreach(json_object_get(v, "tokens"), k, x) {
			char full[600];

			snprintf(full, sizeof full, "%s!%s", uid,
			    json_string_value(json_object_get(x, "tokenid")) ?
			    json_string_value(json_object_get(x, "tokenid")) : "?");
			json_object_set_new(m.tokens, full, json_integer(
			    json_object_get(x, "privsep") ? bl_truthy(json_object_get(x, "privsep")) : 1));
		}
	}
	json_array_foreach(rl, i, v) {
		json_t *set = json_object(), *pl = bl_split(json_string_value(json_object_get(v, "privs")));

		json_array_foreach(pl, k, x)
			json_object_set_new(set, json_string_value(x), json_true());
		json_decref(pl);
		if (json_string_value(json_object_get(v, "roleid")))
			json_object_set_new(m.roles, json_string_value(json_object_get(v, "roleid")), set);
		else
			json_decref(set);
	}
	/* Who the request names, and who that reaches. */
	{
		static const char *const lists[3][2] = { { "users", "user" }, { "groups", "group" },
			{ "tokens", "token" } };
		int l;

		for (l = 0; l < 3; l++) {
			json_t *ids = bl_split(bl_param(buf, sizeof buf, eff->params, lists[l][0]));

			json_array_foreach(ids, i, v) {
				const char *id = json_string_value(v);
				char via[600];

				json_array_append_new(who, json_pack("{s:s, s:s}", "type", lists[l][1],
				    "ugid", id));
				if (strcmp(lists[l][1], "group") == 0) {
					json_t *mem = json_object_get(m.group_users, id);

					if (users && mem == NULL) {
						int known = 0;

						json_array_foreach(acl, k, x)
							if (entry_is(x, json_string_value(json_object_get(x,
							    "path")) ? json_string_value(json_object_get(x, "path")) :
							    "", "group", id))
								known = 1;
						pve_host->plan_add_blast(plan, "UNCERTAINTY: group %s has no "
						    "members that could be resolved%s", id, known ? "" :
						    " (does it exist?)");
						unresolved++;
					}
					snprintf(via, sizeof via, "group %s", id);
					json_array_foreach(mem, k, x)
						add_principal(people, "user", json_string_value(x), via);
					if (users == NULL)
						unresolved++;
				} else if (strcmp(lists[l][1], "token") == 0) {
					const json_t *ps = json_object_get(m.tokens, id);

					if (ps && !bl_truthy(ps))
						pve_host->plan_add_blast(plan, "token %s has privsep=0: it carries "
						    "its user's permissions, so this entry has NO effect on it", id);
					add_principal(people, "token", id, "direct");
				} else {
					add_principal(people, "user", id, "direct");
				}
			}
			json_decref(ids);
		}
	}
	/* Tokens follow their users (privsep=0 entirely, privsep=1 within). */
	{
		json_t *extra = json_array(), *p;
		const char *tok;

		json_array_foreach(people, i, p) {
			const char *id = json_string_value(json_object_get(p, "id"));
			size_t n = strlen(id);

			if (strcmp(json_string_value(json_object_get(p, "kind")), "user") != 0)
				continue;
			json_object_foreach(m.tokens, tok, v)
				if (strncmp(tok, id, n) == 0 && tok[n] == '!') {
					char via[700];

					snprintf(via, sizeof via, "token of %s (privsep=%d)", id, bl_truthy(v));
					json_array_append_new(extra, json_pack("{s:s, s:s, s:s}", "kind",
					    "token", "id", tok, "via", via));
				}
		}
		json_array_foreach(extra, i, p)
			add_principal(people, "token", json_string_value(json_object_get(p, "id")),
			    json_string_value(json_object_get(p, "via")));
		json_decref(extra);
	}
	if (unresolved)
		pve_host->plan_set_incomplete(plan, "UNCERTAINTY: %d group(s) could not be resolved to "
		    "members — who this reaches is not known", unresolved);
	after = apply_change(acl, path, roles, who, del, propagate);
	json_array_foreach(people, i, v) {
		struct principal pr;

		bl_copy(pr.kind, sizeof pr.kind, json_string_value(json_object_get(v, "kind")));
		bl_copy(pr.id, sizeof pr.id, json_string_value(json_object_get(v, "id")));
		bl_copy(pr.via, sizeof pr.via, json_string_value(json_object_get(v, "via")));
		assess(plan, &t, &m, acl, after, path, &pr, del, high_path, &shadow, &widen);
	}
	if (!propagate && !del)
		pve_host->plan_add_blast(plan, "propagate=0: the entry applies at %s only; below it "
		    "the inherited grants still apply", path);
	/* Who else reaches this path (unchanged by this call). */
	{
		json_t *e, *seen = json_object();
		size_t shown = 0, plen;

		json_array_foreach(acl, i, e) {
			const char *p = json_string_value(json_object_get(e, "path"));
			const char *u = json_string_value(json_object_get(e, "ugid"));
			const char *ty = json_string_value(json_object_get(e, "type"));
			char key[700];
			int named = 0;

			if (!p || !u || !ty)
				continue;
			plen = strlen(p);
			if (!(strcmp(p, path) == 0 || strcmp(p, "/") == 0 || (strncmp(path, p, plen) == 0 &&
			    path[plen] == '/' && propagates(e))))
				continue;
			json_array_foreach(who, k, x)
				if (strcmp(json_string_value(json_object_get(x, "ugid")), u) == 0)
					named = 1;
			snprintf(key, sizeof key, "%s:%s", ty, u);
			if (named || json_object_get(seen, key) || shown >= 20)
				continue;
			json_object_set_new(seen, key, json_true());
			shown++;
			bl_emit(plan, &t, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "resource",
			    key, "principal", u, "kind", ty, "via", p, "change", "unchanged", "at", path,
			    "effect", "also reaches this path (not changed by this call)", "severity",
			    "info"));
		}
		json_decref(seen);
	}
	bl_tally_flush(plan, &t);
	if (shadow)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "SHADOW: %d principal(s) lose inherited "
		    "privileges at %s", shadow, path);
	if (widen)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "WIDEN: %d principal(s) regain inherited "
		    "privileges at %s", widen, path);
	if (t.high && !shadow && !widen)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "%zu principal(s) gain broad privileges",
		    t.high);
out:
	json_decref(m.user_groups);
	json_decref(m.group_users);
	json_decref(m.tokens);
	json_decref(m.roles);
	json_decref(after);
	json_decref(roles);
	json_decref(who);
	json_decref(people);
	bl_req_free(r, 3);
	return PXM_OK;
}
