/**
 * @file auth.c
 * @brief proximo-sim: tokens, tickets, CSRF tokens, ACLs and permission checks.
 *
 * Authentication follows each product's server:
 * - PVE: ticket in the PVEAuthCookie cookie (or the Authorization header),
 *   else "Authorization: PVEAPIToken=USER@REALM!ID=SECRET".  Tickets need a
 *   CSRFPreventionToken header on anything but GET.  A failure is HTTP 401
 *   with an empty body (the reason, e.g. "No ticket", is only in PVE's
 *   status line).
 * - PMG: the same with PMGAuthCookie; no API tokens.
 * - PBS: PBSAuthCookie, or "PBSAPIToken=USER@REALM!ID:SECRET"; failures are
 *   401 with the body "authentication failed - <reason>".
 *
 * Permissions follow PVE::RPCEnvironment (roles from the ACL tree, user
 * entries override group entries, deeper paths override shallower ones,
 * propagate flags, privilege-separated tokens intersect with their user,
 * root@pam can do anything), PBS's CachedUserInfo (tokens always limited by
 * their user) and PMG's role lists.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"
#include "state.h"

#define TICKET_MAX_AGE	7200
#define TICKET_MIN_AGE	(-300)

static const char *const ticket_prefix[SIM_NSURF] = { "PVE", "PBS", "PMG" };
static const char *const cookie_name[SIM_NSURF] = { "PVEAuthCookie", "PBSAuthCookie",
	"PMGAuthCookie" };
static const char *const token_name[SIM_NSURF] = { "PVEAPIToken", "PBSAPIToken",
	"PMGAPIToken" };

json_t *
sim_user_get(struct sim *s, enum sim_surface surf, const char *userid)
{
	return json_object_get(json_object_get(st_access(s, surf), "users"), userid);
}

/* ------------------------------------------------------------- tickets */

static char *
hmac_b64(struct sim *s, const char *what, const char *data)
{
	unsigned char md[EVP_MAX_MD_SIZE], key[32];
	unsigned int n = 0;
	char *out, *p;
	size_t i;

	/* Separate keys for tickets and CSRF tokens, derived from one secret. */
	for (i = 0; i < sizeof key; i++)
		key[i] = (unsigned char)(s->key[i] ^ (unsigned char)what[i % strlen(what)]);
	HMAC(EVP_sha256(), key, sizeof key, (const unsigned char *)data, strlen(data), md, &n);
	OPENSSL_cleanse(key, sizeof key);
	out = sim_base64(md, n);
	if (out && (p = strchr(out, '=')) != NULL)
		*p = '\0';	/* Digest::SHA's *_base64 has no padding */
	return out;
}

char *
sim_ticket_new(struct sim *s, enum sim_surface surf, const char *user, int64_t t)
{
	char plain[512], *sig, *out = NULL;

	snprintf(plain, sizeof plain, "%s:%s:%08llX", ticket_prefix[surf], user,
	    (unsigned long long)(t / 1000));
	if ((sig = hmac_b64(s, "ticket", plain)) == NULL)
		return NULL;
	if (asprintf(&out, "%s::%s", plain, sig) < 0)
		out = NULL;
	free(sig);
	return out;
}

char *
sim_csrf_new(struct sim *s, const char *user, int64_t t)
{
	char plain[512], *sig, *out = NULL;

	snprintf(plain, sizeof plain, "%08llX:%s", (unsigned long long)(t / 1000), user);
	if ((sig = hmac_b64(s, "csrf", plain)) == NULL)
		return NULL;
	if (asprintf(&out, "%08llX:%s", (unsigned long long)(t / 1000), sig) < 0)
		out = NULL;
	free(sig);
	return out;
}

/* Verify a ticket; the user goes to user (size usz).  Returns NULL when
 * valid, else the product's reason. */
static const char *
ticket_verify(struct sim *s, enum sim_surface surf, const char *ticket, int64_t now_ms,
    char *user, size_t usz)
{
	char pfx[8], *copy, *p, *q, *sig, *want;
	unsigned long long t;
	long long age;
	const char *bad = "invalid ticket";
	size_t plen;

	snprintf(pfx, sizeof pfx, "%s:", ticket_prefix[surf]);
	if (strncmp(ticket, pfx, strlen(pfx)) != 0)
		return bad;
	if ((copy = strdup(ticket)) == NULL)
		return bad;
	/* PFX:user:HEX8::sig */
	if ((p = strstr(copy, "::")) == NULL) {
		free(copy);
		return bad;
	}
	*p = '\0';
	sig = p + 2;
	plen = strlen(copy);
	if ((q = strrchr(copy, ':')) == NULL || q < copy + strlen(pfx) ||
	    strlen(q + 1) != 8 || sscanf(q + 1, "%llx", &t) != 1) {
		free(copy);
		return bad;
	}
	want = hmac_b64(s, "ticket", copy);
	if (want == NULL || strlen(want) != strlen(sig) ||
	    CRYPTO_memcmp(want, sig, strlen(sig)) != 0) {
		free(want);
		free(copy);
		return bad;
	}
	free(want);
	(void)plen;
	*q = '\0';
	snprintf(user, usz, "%s", copy + strlen(pfx));
	free(copy);
	age = now_ms / 1000 - (long long)t;
	if (s->fs.expire_tickets || age < TICKET_MIN_AGE || age > TICKET_MAX_AGE)
		return "ticket expired";
	return NULL;
}

static int
csrf_verify(struct sim *s, const char *user, const char *token, int64_t now_ms)
{
	unsigned long long t;
	char *want;
	int ok;
	long long age;

	if (token == NULL || strlen(token) < 10 || token[8] != ':' ||
	    sscanf(token, "%8llx", &t) != 1)
		return 0;
	if ((want = sim_csrf_new(s, user, (int64_t)t * 1000)) == NULL)
		return 0;
	ok = strlen(want) == strlen(token) && CRYPTO_memcmp(want, token, strlen(token)) == 0;
	free(want);
	age = now_ms / 1000 - (long long)t;
	return ok && age >= TICKET_MIN_AGE && age <= TICKET_MAX_AGE;
}

/* extract_auth_value: "<key>=<value>" or "<key> <value>" up to ';'. */
static char *
extract(const char *hdr, const char *key)
{
	const char *p = hdr;
	size_t kl = strlen(key), n;

	while (p && (p = strstr(p, key)) != NULL) {
		if ((p == hdr || p[-1] == ' ' || p[-1] == ';' || p[-1] == '\t') &&
		    (p[kl] == '=' || p[kl] == ' ')) {
			p += kl + 1;
			n = strcspn(p, ";");
			while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			return n ? sim_urldecode(p, n, 0) : NULL;
		}
		p += kl;
	}
	return NULL;
}

/* ---------------------------------------------------------- tokens */

static void
fail401(struct sim_req *rq, struct sim_resp *rs, const char *why)
{
	if (rq->surf == SIM_PBS) {
		sim_err(rs, 401, "authentication failed - %s", why);
		free(rs->text);
		rs->text = strdup(rs->msg);
	} else {
		/* PVE/PMG: status line only, empty body. */
		sim_err(rs, 401, "%s", why);
		rs->empty = 1;
	}
}

static int
user_enabled(struct sim *s, enum sim_surface surf, const char *user, const char **why,
    char *buf, size_t bsz, int64_t now_ms)
{
	json_t *u = sim_user_get(s, surf, user), *en;
	long long expire;

	if (u == NULL) {
		snprintf(buf, bsz, "user '%s' does not exist", user);
		*why = buf;
		return 0;
	}
	en = json_object_get(u, "enable");
	if (en && !sim_json_truthy(en)) {
		snprintf(buf, bsz, "user '%s' is disabled", user);
		*why = buf;
		return 0;
	}
	expire = sim_json_int(json_object_get(u, "expire"), 0);
	if (expire > 0 && expire < now_ms / 1000) {
		snprintf(buf, bsz, "account expired");
		*why = buf;
		return 0;
	}
	return 1;
}

/* "user@realm!tok<sep>secret" */
static int
verify_token(struct sim_req *rq, const char *value, char sep, const char **why,
    char *buf, size_t bsz)
{
	struct sim *s = rq->sim;
	const char *bang, *sp;
	char user[256], tok[64];
	json_t *t;
	const char *secret;
	long long expire;
	size_t sl;

	if ((sp = strrchr(value, sep)) == NULL || (bang = strchr(value, '!')) == NULL ||
	    bang > sp || (size_t)(bang - value) >= sizeof user ||
	    (size_t)(sp - bang - 1) >= sizeof tok || sp == bang + 1) {
		*why = sep == '=' ? "no tokenid specified" : "invalid API token";
		return 0;
	}
	memcpy(user, value, (size_t)(bang - value));
	user[bang - value] = '\0';
	memcpy(tok, bang + 1, (size_t)(sp - bang - 1));
	tok[sp - bang - 1] = '\0';
	if (!user_enabled(s, rq->surf, user, why, buf, bsz, rq->now_ms))
		return 0;
	t = json_object_get(json_object_get(sim_user_get(s, rq->surf, user), "tokens"), tok);
	if (t == NULL) {
		snprintf(buf, bsz, "no such token '%s' for user '%s'", tok, user);
		*why = buf;
		return 0;
	}
	expire = sim_json_int(json_object_get(t, "expire"), 0);
	if (expire > 0 && expire < rq->now_ms / 1000) {
		*why = "token expired";
		return 0;
	}
	if (json_is_false(json_object_get(t, "enable")) ||
	    (json_is_integer(json_object_get(t, "enable")) &&
	    json_integer_value(json_object_get(t, "enable")) == 0)) {
		*why = "API token is disabled";
		return 0;
	}
	secret = json_string_value(json_object_get(t, "secret"));
	sl = strlen(sp + 1);
	if (secret == NULL || strlen(secret) != sl ||
	    CRYPTO_memcmp(secret, sp + 1, sl) != 0) {
		*why = sep == '=' ? "invalid token value!" : "invalid API token";
		return 0;
	}
	snprintf(rq->id.user, sizeof rq->id.user, "%s", user);
	snprintf(rq->id.tokenid, sizeof rq->id.tokenid, "%s", tok);
	snprintf(rq->id.authid, sizeof rq->id.authid, "%s!%s", user, tok);
	rq->id.is_token = 1;
	return 1;
}

int
sim_auth_request(struct sim_req *rq, struct sim_resp *rs)
{
	struct sim *s = rq->sim;
	char *ticket = NULL, *token = NULL, buf[512], user[256];
	const char *why = NULL;
	int ok = 0;

	memset(&rq->id, 0, sizeof rq->id);
	ticket = extract(rq->cookie, cookie_name[rq->surf]);
	if (ticket == NULL)
		ticket = extract(rq->authz, cookie_name[rq->surf]);
	if (ticket == NULL)
		token = extract(rq->authz, token_name[rq->surf]);
	if (ticket == NULL && token == NULL) {
		fail401(rq, rs, rq->surf == SIM_PBS ? "no authentication credentials provided." :
		    "No ticket");
		goto out;
	}
	if (token) {
		if (rq->surf == SIM_PMG) {
			fail401(rq, rs, "API tokens not implemented");
			goto out;
		}
		if (!verify_token(rq, token, rq->surf == SIM_PBS ? ':' : '=', &why, buf,
		    sizeof buf)) {
			fail401(rq, rs, why);
			goto out;
		}
	} else {
		if ((why = ticket_verify(s, rq->surf, ticket, rq->now_ms, user, sizeof user)) != NULL) {
			if (rq->surf == SIM_PBS)
				fail401(rq, rs, why);
			else
				fail401(rq, rs, rq->surf == SIM_PMG ?
				    "permission denied - invalid PMG ticket" :
				    "permission denied - invalid PVE ticket");
			goto out;
		}
		if (!user_enabled(s, rq->surf, user, &why, buf, sizeof buf, rq->now_ms)) {
			fail401(rq, rs, why);
			goto out;
		}
		if (strcmp(rq->method, "GET") != 0 && !csrf_verify(s, user, rq->csrf, rq->now_ms)) {
			fail401(rq, rs, rq->surf == SIM_PBS ? "invalid CSRF prevention token" :
			    "Permission denied - invalid csrf token");
			goto out;
		}
		snprintf(rq->id.user, sizeof rq->id.user, "%s", user);
		snprintf(rq->id.authid, sizeof rq->id.authid, "%s", user);
		rq->id.via_ticket = 1;
	}
	if (rq->surf == SIM_PMG) {
		const char *role = json_string_value(json_object_get(
		    sim_user_get(s, SIM_PMG, rq->id.user), "role"));
		snprintf(rq->id.role, sizeof rq->id.role, "%s",
		    strcmp(rq->id.user, "root@pam") == 0 ? "root" : role ? role : "audit");
	}
	rq->authed = 1;
	ok = 1;
out:
	if (ticket)
		OPENSSL_cleanse(ticket, strlen(ticket));
	if (token)
		OPENSSL_cleanse(token, strlen(token));
	free(ticket);
	free(token);
	return ok;
}

/* --------------------------------------------------------------- ACLs */

static char *
normalize_path(const char *in)
{
	char *out = malloc(strlen(in) + 2), *o;
	const char *p;

	if (out == NULL)
		return NULL;
	o = out;
	if (*in != '/')
		*o++ = '/';
	for (p = in; *p; p++) {
		if (*p == '/' && o > out && o[-1] == '/')
			continue;
		*o++ = *p;
	}
	while (o > out + 1 && o[-1] == '/')
		o--;
	*o = '\0';
	if (o == out)
		strcpy(out, "/");
	return out;
}

static json_t *
role_privs(struct sim *s, enum sim_surface surf, const char *role)
{
	json_t *custom = json_object_get(json_object_get(st_access(s, surf), "roles"), role);
	json_t *builtin, *r;

	if (custom)
		return json_incref(custom);
	builtin = sim_roles_builtin(surf);
	r = json_incref(json_object_get(builtin, role));
	json_decref(builtin);
	return r;
}

static int
user_in_group(struct sim *s, enum sim_surface surf, const char *user, const char *group)
{
	json_t *groups = json_object_get(sim_user_get(s, surf, user), "groups"), *g;
	size_t i;

	if (json_is_string(groups)) {
		json_t *l = sim_split_list(json_string_value(groups));
		int in = 0;
		json_array_foreach(l, i, g)
			if (strcmp(json_string_value(g), group) == 0)
				in = 1;
		json_decref(l);
		return in;
	}
	json_array_foreach(groups, i, g)
		if (json_is_string(g) && strcmp(json_string_value(g), group) == 0)
			return 1;
	return 0;
}

static int
strptrcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* PVE::AccessControl::roles: {role: propagate} for who on path. */
static json_t *
acl_roles(struct sim *s, enum sim_surface surf, const char *who, const char *path)
{
	json_t *acl = json_object_get(st_access(s, surf), "acl"), *e, *roles = json_object();
	const char **paths = NULL;
	size_t i, j, np = 0;

	if (!json_is_array(acl) || json_array_size(acl) == 0)
		return roles;
	if ((paths = calloc(json_array_size(acl), sizeof *paths)) == NULL)
		return roles;
	json_array_foreach(acl, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		int dup = 0;
		if (p == NULL)
			continue;
		for (j = 0; j < np; j++)
			if (strcmp(paths[j], p) == 0)
				dup = 1;
		if (!dup)
			paths[np++] = p;
	}
	qsort(paths, np, sizeof *paths, strptrcmp);
	for (j = 0; j < np; j++) {
		const char *p = paths[j];
		size_t pl = strlen(p);
		int final = strcmp(p, path) == 0;
		json_t *new_tok = NULL, *new_user = NULL, *new_group = NULL;

		if (!(strcmp(p, "/") == 0 || final ||
		    (strncmp(path, p, pl) == 0 && path[pl] == '/')))
			continue;
		json_array_foreach(acl, i, e) {
			const char *ep = json_string_value(json_object_get(e, "path"));
			const char *type = json_string_value(json_object_get(e, "type"));
			const char *ugid = json_string_value(json_object_get(e, "ugid"));
			const char *role = json_string_value(json_object_get(e, "roleid"));
			int prop = sim_json_truthy(json_object_get(e, "propagate"));
			json_t **slot = NULL;

			if (ep == NULL || type == NULL || ugid == NULL || role == NULL ||
			    strcmp(ep, p) != 0 || !(final || prop))
				continue;
			if (strcmp(type, "token") == 0 && strcmp(ugid, who) == 0)
				slot = &new_tok;
			else if (strcmp(type, "user") == 0 && strcmp(ugid, who) == 0)
				slot = &new_user;
			else if (strcmp(type, "group") == 0 && !strchr(who, '!') &&
			    user_in_group(s, surf, who, ugid))
				slot = &new_group;
			if (slot == NULL)
				continue;
			if (*slot == NULL)
				*slot = json_object();
			json_object_set_new(*slot, role, json_integer(prop));
		}
		/* Token entries beat user entries beat group entries. */
		if (new_tok || new_user || new_group) {
			json_decref(roles);
			roles = json_incref(new_tok ? new_tok : new_user ? new_user : new_group);
		}
		json_decref(new_tok);
		json_decref(new_user);
		json_decref(new_group);
	}
	free(paths);
	if (json_object_get(roles, "NoAccess")) {
		json_t *na = json_object();
		json_object_set(na, "NoAccess", json_object_get(roles, "NoAccess"));
		json_decref(roles);
		roles = na;
	}
	return roles;
}

static json_t *
privs_of_roles(struct sim *s, enum sim_surface surf, json_t *roles)
{
	json_t *out = json_object(), *prop, *privs, *p;
	const char *role;
	size_t i;

	json_object_foreach(roles, role, prop) {
		privs = role_privs(s, surf, role);
		json_array_foreach(privs, i, p) {
			const char *pn = json_string_value(p);
			json_t *old = json_object_get(out, pn);
			if (pn == NULL)
				continue;
			/* A privilege propagates if any granting role does. */
			if (old == NULL || (!json_integer_value(old) && json_integer_value(prop)))
				json_object_set_new(out, pn, json_integer(json_integer_value(prop)));
		}
		json_decref(privs);
	}
	return out;
}

static json_t *
all_privs(struct sim *s, enum sim_surface surf)
{
	json_t *out = json_object(), *list = sim_privs_all(surf), *p;
	size_t i;

	(void)s;
	json_array_foreach(list, i, p)
		json_object_set_new(out, json_string_value(p), json_integer(1));
	json_decref(list);
	return out;
}

static const char *
guest_pool(struct sim *s, const char *path)
{
	json_t *g;

	if (strncmp(path, "/vms/", 5) != 0 || strchr(path + 5, '/'))
		return NULL;
	g = st_pve_guest(s, path + 5);
	return json_string_value(json_object_get(g, "pool"));
}

static json_t *
user_perms(struct sim *s, enum sim_surface surf, const char *who, const char *path)
{
	json_t *roles = acl_roles(s, surf, who, path), *out;
	const char *pool;

	out = privs_of_roles(s, surf, roles);
	json_decref(roles);
	if (surf == SIM_PVE && (pool = guest_pool(s, path)) != NULL) {
		char pp[300];
		json_t *pr, *pp_privs, *v;
		const char *k;

		snprintf(pp, sizeof pp, "/pool/%s", pool);
		pr = acl_roles(s, surf, who, pp);
		pp_privs = privs_of_roles(s, surf, pr);
		json_object_foreach(pp_privs, k, v)
			if (json_object_get(out, k) == NULL)
				json_object_set(out, k, v);
		json_decref(pr);
		json_decref(pp_privs);
	}
	return out;
}

json_t *
sim_pve_permissions(struct sim *s, enum sim_surface surf, const char *authid, const char *path)
{
	const char *bang = strchr(authid, '!');
	char user[256], *np;
	json_t *tok, *up, *tp, *out, *v;
	const char *k;

	if (strcmp(authid, "root@pam") == 0)
		return all_privs(s, surf);
	if ((np = normalize_path(path)) == NULL)
		return json_object();
	if (bang == NULL) {
		out = user_perms(s, surf, authid, np);
		free(np);
		return out;
	}
	snprintf(user, sizeof user, "%.*s", (int)(bang - authid), authid);
	tok = json_object_get(json_object_get(sim_user_get(s, surf, user), "tokens"), bang + 1);
	if (tok == NULL) {
		free(np);
		return json_object();
	}
	up = sim_pve_permissions(s, surf, user, np);
	/* PVE: unrestricted tokens (privsep=0) act as their user.  PBS: tokens
	 * are always limited to their own ACLs and their user's. */
	if (surf == SIM_PVE && !sim_json_truthy(json_object_get(tok, "privsep"))) {
		free(np);
		return up;
	}
	tp = user_perms(s, surf, authid, np);
	out = json_object();
	json_object_foreach(tp, k, v)
		if (json_object_get(up, k))
			json_object_set(out, k, v);
	json_decref(up);
	json_decref(tp);
	free(np);
	return out;
}

int
sim_has_priv(struct sim *s, enum sim_surface surf, const char *authid, const char *path,
    const char *priv)
{
	json_t *p = sim_pve_permissions(s, surf, authid, path);
	int has = json_object_get(p, priv) != NULL;

	json_decref(p);
	return has;
}

json_t *
sim_pve_effective_permissions(struct sim *s, const char *authid)
{
	static const char *const base[] = { "/", "/access", "/access/groups", "/nodes",
		"/pool", "/mapping", "/sdn", "/storage", "/vms", NULL };
	json_t *paths = json_object(), *acl, *e, *out = json_object(), *p, *guests, *g;
	const char *k;
	size_t i;

	for (i = 0; base[i]; i++)
		json_object_set_new(paths, base[i], json_true());
	acl = json_object_get(st_access(s, SIM_PVE), "acl");
	json_array_foreach(acl, i, e) {
		const char *ep = json_string_value(json_object_get(e, "path"));
		if (ep)
			json_object_set_new(paths, ep, json_true());
	}
	guests = json_object_get(st_surf(s, SIM_PVE), "guests");
	json_object_foreach(guests, k, g) {
		if (json_object_get(g, "pool")) {
			char vp[64];
			snprintf(vp, sizeof vp, "/vms/%s", k);
			json_object_set_new(paths, vp, json_true());
		}
	}
	json_object_foreach(paths, k, e) {
		p = sim_pve_permissions(s, SIM_PVE, authid, k);
		if (json_object_size(p))
			json_object_set_new(out, k, p);
		else
			json_decref(p);
	}
	json_decref(paths);
	return out;
}

/* ------------------------------------------------------- permission checks */

/* "{vmid}" -> the parameter's value. */
static char *
template_replace(const char *tmpl, json_t *params)
{
	char out[1024], name[128], *v;
	size_t o = 0, n;
	const char *p = tmpl, *e;

	while (*p && o < sizeof out - 1) {
		if (*p == '{' && (e = strchr(p, '}')) != NULL && (n = (size_t)(e - p - 1)) < sizeof name) {
			memcpy(name, p + 1, n);
			name[n] = '\0';
			v = sim_json_text(json_object_get(params, name));
			o += (size_t)snprintf(out + o, sizeof out - o, "%s", v ? v : "");
			free(v);
			p = e + 1;
			if (o >= sizeof out)
				o = sizeof out - 1;
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return normalize_path(out);
}

static int
raise_perm(struct sim_resp *rs, int noerr, const char *what)
{
	if (!noerr) {
		if (what && *what)
			sim_err(rs, 403, "Permission check failed (%s)\n", what);
		else
			sim_err(rs, 403, "Permission check failed\n");
	}
	return 0;
}

static int pve_check(struct sim_req *rq, struct sim_resp *rs, json_t *check, int noerr);

static int
pve_check_perm(struct sim_req *rq, struct sim_resp *rs, json_t *check, int noerr)
{
	const char *tmpl = json_string_value(json_array_get(check, 1));
	json_t *privs = json_array_get(check, 2), *p, *perms;
	int any = 0, ok = 1;
	const char *require = NULL;
	char *path, what[1024];
	size_t i, off = 0;

	for (i = 3; i + 1 < json_array_size(check); i += 2) {
		const char *opt = json_string_value(json_array_get(check, i));
		if (opt && strcmp(opt, "any") == 0)
			any = sim_json_truthy(json_array_get(check, i + 1));
		else if (opt && strcmp(opt, "require_param") == 0)
			require = json_string_value(json_array_get(check, i + 1));
	}
	if (require && json_object_get(rq->params, require) == NULL)
		return 0;
	if (tmpl == NULL || (path = template_replace(tmpl, rq->params)) == NULL)
		return raise_perm(rs, noerr, NULL);
	perms = sim_pve_permissions(rq->sim, rq->surf, rq->id.authid, path);
	if (any) {
		ok = 0;
		json_array_foreach(privs, i, p)
			if (json_object_get(perms, json_string_value(p)))
				ok = 1;
		if (!ok) {
			off = (size_t)snprintf(what, sizeof what, "%s, ", path);
			json_array_foreach(privs, i, p)
				if (off < sizeof what)
					off += (size_t)snprintf(what + off, sizeof what - off, "%s%s",
					    i ? "|" : "", json_string_value(p));
			raise_perm(rs, noerr, what);
		}
	} else {
		json_array_foreach(privs, i, p) {
			if (json_object_get(perms, json_string_value(p)) == NULL) {
				snprintf(what, sizeof what, "%s, %s", path, json_string_value(p));
				raise_perm(rs, noerr, what);
				ok = 0;
				break;
			}
		}
	}
	json_decref(perms);
	free(path);
	return ok;
}

static int
pve_check(struct sim_req *rq, struct sim_resp *rs, json_t *check, int noerr)
{
	const char *test = json_string_value(json_array_get(check, 0));
	size_t i;

	if (test == NULL)
		return raise_perm(rs, noerr, NULL);
	if (strcmp(test, "perm") == 0)
		return pve_check_perm(rq, rs, check, noerr);
	if (strcmp(test, "and") == 0) {
		for (i = 1; i < json_array_size(check); i++)
			if (!pve_check(rq, rs, json_array_get(check, i), noerr))
				return 0;
		return 1;
	}
	if (strcmp(test, "or") == 0) {
		for (i = 1; i < json_array_size(check); i++)
			if (pve_check(rq, rs, json_array_get(check, i), 1))
				return 1;
		return 0;
	}
	if (strcmp(test, "userid-param") == 0) {
		const char *uid = sim_param_str(rq, "userid");
		const char *what = json_string_value(json_array_get(check, 1));
		if (uid == NULL)
			return raise_perm(rs, noerr, "missing userid parameter");
		if (what && strcmp(what, "self") == 0) {
			if (strcmp(uid, rq->id.authid) == 0)
				return 1;
			return raise_perm(rs, noerr, "invalid userid parameter");
		}
		if (what) {
			const char *at = strrchr(uid, '@');
			char path[300];
			json_t *perms;
			int ok;
			snprintf(path, sizeof path, "/access/realm/%s", at ? at + 1 : "");
			perms = sim_pve_permissions(rq->sim, rq->surf, rq->id.authid, path);
			ok = json_object_get(perms, what) != NULL;
			json_decref(perms);
			if (!ok) {
				char w[400];
				snprintf(w, sizeof w, "%s, %s", path, what);
				return raise_perm(rs, noerr, w);
			}
			return 1;
		}
		return raise_perm(rs, noerr, NULL);
	}
	if (strcmp(test, "userid-group") == 0) {
		json_t *privs = json_array_get(check, 1), *p, *perms;
		char what[512];
		size_t off;
		int ok = 0;

		perms = sim_pve_permissions(rq->sim, rq->surf, rq->id.authid, "/access/groups");
		json_array_foreach(privs, i, p)
			if (json_object_get(perms, json_string_value(p)))
				ok = 1;
		json_decref(perms);
		if (ok)
			return 1;
		off = (size_t)snprintf(what, sizeof what, "/access/groups, ");
		json_array_foreach(privs, i, p)
			if (off < sizeof what)
				off += (size_t)snprintf(what + off, sizeof what - off, "%s%s",
				    i ? "|" : "", json_string_value(p));
		return raise_perm(rs, noerr, what);
	}
	if (strcmp(test, "perm-modify") == 0) {
		const char *tmpl = json_string_value(json_array_get(check, 1));
		char *path = tmpl ? template_replace(tmpl, rq->params) : NULL;
		json_t *perms;
		int ok;
		char w[1100];

		if (path == NULL)
			return raise_perm(rs, noerr, NULL);
		perms = sim_pve_permissions(rq->sim, rq->surf, rq->id.authid, path);
		ok = json_object_get(perms, "Permissions.Modify") != NULL;
		json_decref(perms);
		snprintf(w, sizeof w, "%s, Permissions.Modify", path);
		free(path);
		return ok ? 1 : raise_perm(rs, noerr, w);
	}
	return raise_perm(rs, noerr, NULL);
}

/* PBS: {"check": {"path": [...], "privs": [...], "partial": b}}, "and",
 * "or", {"userParam": name}, {"user": "all"|"world"}. */
static int
pbs_check(struct sim_req *rq, json_t *perm)
{
	json_t *c, *p, *privs;
	size_t i;
	const char *u;

	if (perm == NULL || json_is_null(perm))
		return strcmp(rq->id.authid, "root@pam") == 0;
	if ((u = json_string_value(json_object_get(perm, "user"))) != NULL)
		return strcmp(u, "all") == 0 || strcmp(u, "world") == 0;
	if ((c = json_object_get(perm, "and")) != NULL) {
		json_array_foreach(c, i, p)
			if (!pbs_check(rq, p))
				return 0;
		return 1;
	}
	if ((c = json_object_get(perm, "or")) != NULL) {
		json_array_foreach(c, i, p)
			if (pbs_check(rq, p))
				return 1;
		return 0;
	}
	if ((u = json_string_value(json_object_get(perm, "userParam"))) != NULL) {
		const char *v = sim_param_str(rq, u);
		return v && (strcmp(v, rq->id.authid) == 0 || strcmp(v, rq->id.user) == 0);
	}
	if ((c = json_object_get(perm, "check")) != NULL) {
		char path[512], *v;
		size_t off = 0;
		json_t *have;
		int partial = sim_json_truthy(json_object_get(c, "partial")), ok, any = 0;

		path[0] = '\0';
		json_array_foreach(json_object_get(c, "path"), i, p) {
			const char *seg = json_string_value(p);
			if (seg == NULL)
				continue;
			if (seg[0] == '{') {
				char name[128];
				snprintf(name, sizeof name, "%.*s", (int)strlen(seg) - 2, seg + 1);
				v = sim_json_text(json_object_get(rq->params, name));
				off += (size_t)snprintf(path + off, sizeof path - off, "/%s", v ? v : "");
				free(v);
			} else {
				off += (size_t)snprintf(path + off, sizeof path - off, "/%s", seg);
			}
			if (off >= sizeof path)
				off = sizeof path - 1;
		}
		if (!path[0])
			strcpy(path, "/");
		have = sim_pve_permissions(rq->sim, SIM_PBS, rq->id.authid, path);
		privs = json_object_get(c, "privs");
		ok = json_array_size(privs) > 0;
		json_array_foreach(privs, i, p) {
			if (json_object_get(have, json_string_value(p)))
				any = 1;
			else
				ok = 0;
		}
		json_decref(have);
		return partial ? any : ok;
	}
	return strcmp(rq->id.authid, "root@pam") == 0;
}

int
sim_auth_permitted(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *perm = rq->op->perms, *check;
	const char *u;

	if (rq->surf == SIM_PBS) {
		if (pbs_check(rq, perm))
			return 1;
		sim_err(rs, 403, "permission check failed");
		free(rs->text);
		rs->text = strdup("permission check failed");
		return 0;
	}
	u = json_string_value(json_object_get(perm, "user"));
	if (u && strcmp(u, "world") == 0)
		return 1;
	if (!rq->authed) {
		sim_err(rs, 403, "Permission check failed (user != null)\n");
		return 0;
	}
	if (strcmp(rq->id.authid, "root@pam") == 0)
		return 1;
	if (perm == NULL || json_is_null(perm)) {
		sim_err(rs, 403, "Permission check failed (user != root@pam)\n");
		return 0;
	}
	if (u && strcmp(u, "all") == 0)
		return 1;
	check = json_object_get(perm, "check");
	if (rq->surf == SIM_PMG) {
		size_t i;
		json_t *r;

		if (strcmp(rq->id.role, "root") == 0)
			return 1;
		json_array_foreach(check, i, r) {
			const char *rn = json_string_value(r);
			if (rn && (strcmp(rn, rq->id.role) == 0 ||
			    (strcmp(rn, "admin") == 0 && strcmp(rq->id.role, "root") == 0)))
				return 1;
		}
		sim_err(rs, 403, "Permission check failed\n");
		return 0;
	}
	if (check == NULL) {
		sim_err(rs, 403, "Permission check failed\n");
		return 0;
	}
	if (pve_check(rq, rs, check, 0))
		return 1;
	if (rs->status != 403)
		sim_err(rs, 403, "Permission check failed\n");
	return 0;
}

/* ------------------------------------------------------- POST /access/ticket */

static json_t *
pve_cap(struct sim *s, const char *user)
{
	static const struct { const char *name, *path; } caps[] = {
		{ "vms", "/vms" }, { "storage", "/storage" }, { "access", "/access/groups" },
		{ "dc", "/" }, { "nodes", "/nodes" }, { "sdn", "/sdn" }, { "mapping", "/mapping" },
	};
	json_t *cap = json_object(), *p, *v, *o;
	const char *k;
	size_t i;

	for (i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		p = sim_pve_permissions(s, SIM_PVE, user, caps[i].path);
		o = json_object();
		json_object_foreach(p, k, v)
			json_object_set_new(o, k, json_integer(1));
		json_object_set_new(cap, caps[i].name, o);
		json_decref(p);
	}
	return cap;
}

void
sim_access_ticket(struct sim_req *rq, struct sim_resp *rs)
{
	struct sim *s = rq->sim;
	const char *username = sim_param_str(rq, "username");
	const char *password = sim_param_str(rq, "password");
	const char *realm = sim_param_str(rq, "realm");
	char user[300], tuser[256], *ticket = NULL, *csrf = NULL;
	const char *pw, *why = NULL;
	char buf[256];
	json_t *u, *out;
	int ok = 0;

	if (username == NULL || password == NULL)
		goto fail;
	if (strchr(username, '@') == NULL)
		snprintf(user, sizeof user, "%s@%s", username,
		    realm ? realm : rq->surf == SIM_PMG ? "quarantine" : "pam");
	else
		snprintf(user, sizeof user, "%s", username);
	if (rq->surf == SIM_PMG && strcmp(user, "root@pmg") == 0)
		snprintf(user, sizeof user, "root@pam");
	u = sim_user_get(s, rq->surf, user);
	if (u == NULL || !user_enabled(s, rq->surf, user, &why, buf, sizeof buf, rq->now_ms))
		goto fail;
	pw = json_string_value(json_object_get(u, "password"));
	if (pw && strlen(pw) == strlen(password) &&
	    CRYPTO_memcmp(pw, password, strlen(pw)) == 0) {
		ok = 1;
	} else if (ticket_verify(s, rq->surf, password, rq->now_ms, tuser, sizeof tuser) == NULL &&
	    strcmp(tuser, user) == 0) {
		ok = 1;	/* ticket renewal: the old ticket as password */
	}
	if (!ok)
		goto fail;
	ticket = sim_ticket_new(s, rq->surf, user, rq->now_ms);
	csrf = sim_csrf_new(s, user, rq->now_ms);
	out = json_pack("{s:s, s:s?, s:s?}", "username", user, "ticket", ticket,
	    "CSRFPreventionToken", csrf);
	if (rq->surf == SIM_PVE) {
		const char *cn = json_string_value(json_object_get(
		    json_object_get(st_surf(s, SIM_PVE), "cluster"), "name"));
		if (cn)
			json_object_set_new(out, "clustername", json_string(cn));
		json_object_set_new(out, "cap", pve_cap(s, user));
	} else if (rq->surf == SIM_PMG) {
		const char *role = json_string_value(json_object_get(u, "role"));
		json_object_set_new(out, "role", json_string(strcmp(user, "root@pam") == 0 ?
		    "root" : role ? role : "audit"));
	}
	snprintf(rq->id.user, sizeof rq->id.user, "%.255s", user);
	snprintf(rq->id.authid, sizeof rq->id.authid, "%.255s", user);
	sim_ok(rs, out);
	if (ticket)
		OPENSSL_cleanse(ticket, strlen(ticket));
	free(ticket);
	free(csrf);
	return;
fail:
	if (rq->surf == SIM_PBS) {
		sim_err(rs, 401, "authentication failure");
		free(rs->text);
		rs->text = strdup("authentication failure");
	} else {
		sim_err(rs, 401, "authentication failure\n");
	}
}
