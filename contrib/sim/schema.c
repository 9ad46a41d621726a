/**
 * @file schema.c
 * @brief proximo-sim: schema loading, routing and parameter validation.
 *
 * Two validation dialects are implemented, each following its product:
 *
 * - PVE and PMG (Perl, PVE::JSONSchema): every parameter arrives as a
 *   string; booleans must be exactly 0 or 1, integers /^[+-]?\d+$/; a
 *   property's checks run in the order format, pattern (matched as
 *   m/^$pattern$/), maxLength, minLength, maximum, minimum, enum; an
 *   unknown parameter is "property is not defined in schema and the schema
 *   does not allow additional properties"; errors are collected per name.
 * - PBS (Rust, proxmox-schema): booleans accept 1/0/true/false/yes/no/on/off,
 *   patterns are the Rust regexes written "/^...$/", the messages are the
 *   Rust ones ("schema does not allow additional properties", "value does
 *   not match the regex pattern", ...).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "formats.h"
#include "schema.h"

struct trie {
	char		*seg;		/* literal segment, or NULL for a parameter */
	char		*pname;		/* parameter name when seg is NULL */
	struct trie	**kids;
	size_t		 nkids;
	struct sim_op	*ops[4];	/* GET POST PUT DELETE */
};

struct rx {
	pcre2_code	*code;
	int		 bad;
};

struct sim_schema {
	enum sim_surface surf;
	json_t		*doc;
	struct sim_op	*ops;
	size_t		 nops;
	struct trie	*root;
	json_t		*rxindex;	/* pattern -> index into rx */
	struct rx	*rx;
	size_t		 nrx, caprx;
	pcre2_match_data *md;
};

static const char *const methods[4] = { "GET", "POST", "PUT", "DELETE" };

static int
method_index(const char *m)
{
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(m, methods[i]) == 0)
			return i;
	return -1;
}

/* ------------------------------------------------------------------ trie */

static struct trie *
trie_child(struct trie *t, const char *seg, int create)
{
	struct trie *k, **n;
	int param = seg[0] == '{';
	size_t i, len = strlen(seg);

	for (i = 0; i < t->nkids; i++) {
		k = t->kids[i];
		if (param && k->seg == NULL && k->pname &&
		    strncmp(k->pname, seg + 1, len - 2) == 0 && k->pname[len - 2] == '\0')
			return k;
		if (!param && k->seg && strcmp(k->seg, seg) == 0)
			return k;
	}
	if (!create)
		return NULL;
	if ((k = calloc(1, sizeof *k)) == NULL)
		return NULL;
	if (param)
		k->pname = strndup(seg + 1, len - 2);
	else
		k->seg = strdup(seg);
	if ((n = realloc(t->kids, (t->nkids + 1) * sizeof *n)) == NULL) {
		free(k->pname);
		free(k->seg);
		free(k);
		return NULL;
	}
	t->kids = n;
	t->kids[t->nkids++] = k;
	return k;
}

static void
trie_free(struct trie *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nkids; i++)
		trie_free(t->kids[i]);
	free(t->kids);
	free(t->seg);
	free(t->pname);
	free(t);
}

/* Walk a template ("/a/{b}") to its node. */
static struct trie *
trie_walk(struct trie *root, const char *tmpl, int create)
{
	struct trie *t = root;
	char seg[256];
	const char *p = tmpl;
	size_t n;

	while (t && *p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		if (n >= sizeof seg)
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		t = trie_child(t, seg, create);
		p += n;
	}
	return t;
}

static int
trie_has_ops(const struct trie *t)
{
	return t && (t->ops[0] || t->ops[1] || t->ops[2] || t->ops[3]);
}

/* Depth-first match: literal children before parameters, as the products'
 * routers prefer fixed path components. */
static const struct trie *
trie_match(const struct trie *t, char *const *segs, size_t nsegs, json_t *pathp)
{
	const struct trie *r;
	size_t i;

	if (nsegs == 0)
		return trie_has_ops(t) ? t : NULL;
	for (i = 0; i < t->nkids; i++) {
		if (t->kids[i]->seg && strcmp(t->kids[i]->seg, segs[0]) == 0 &&
		    (r = trie_match(t->kids[i], segs + 1, nsegs - 1, pathp)) != NULL)
			return r;
	}
	if (segs[0][0] == '\0')
		return NULL;
	for (i = 0; i < t->nkids; i++) {
		if (t->kids[i]->seg == NULL &&
		    (r = trie_match(t->kids[i], segs + 1, nsegs - 1, pathp)) != NULL) {
			json_object_set_new(pathp, t->kids[i]->pname, json_string(segs[0]));
			return r;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ load */

/* Non-GET operations answering {"type": "string"} return a task UPID,
 * except these (a URL, a volume ID, a MAC, an object ID...). */
static const char *const not_async[] = {
	"POST /access/openid/auth-url",
	"POST /access/oidc/auth-url",
	"POST /nodes/{node}/storage/{storage}/content",
	"POST /nodes/{node}/wakeonlan",
	"POST /cluster/sdn/lock",
	"POST /nodes/{node}/qemu/{vmid}/monitor",
	"POST /admin/datastore/{store}/namespace",
	"POST /config/tape-encryption-keys",
	"POST /config/fetchmail",
	"PUT /config/customscores",
	"POST /config/ruledb/action/bcc",
	"POST /config/ruledb/action/disclaimer",
	"POST /config/ruledb/action/field",
	"POST /config/ruledb/action/notification",
	"POST /config/ruledb/action/removeattachments",
	NULL,
};

static int
is_async(const struct sim_op *op)
{
	const char *t;
	char key[512];
	int i;

	if (strcmp(op->method, "GET") == 0 || op->returns == NULL)
		return 0;
	t = json_string_value(json_object_get(op->returns, "type"));
	if (t == NULL || strcmp(t, "string") != 0 || json_object_get(op->returns, "format") ||
	    json_object_get(op->returns, "enum") || json_object_get(op->returns, "pattern"))
		return 0;
	snprintf(key, sizeof key, "%s %s", op->method, op->path);
	for (i = 0; not_async[i]; i++)
		if (strcmp(not_async[i], key) == 0)
			return 0;
	return 1;
}

static char *
parent_of(const char *tmpl)
{
	const char *slash = strrchr(tmpl, '/');

	if (slash == NULL || slash == tmpl)
		return strdup("/");
	return strndup(tmpl, (size_t)(slash - tmpl));
}

static const char *
last_param(const char *tmpl)
{
	const char *slash = strrchr(tmpl, '/');

	if (slash && slash[1] == '{')
		return slash + 1;
	return NULL;
}

/* A param child of node t that carries operations (its first one). */
static const struct trie *
param_child(const struct trie *t)
{
	size_t i;

	for (i = 0; t && i < t->nkids; i++)
		if (t->kids[i]->seg == NULL && trie_has_ops(t->kids[i]))
			return t->kids[i];
	return NULL;
}

static void
classify(struct sim_schema *sc, struct sim_op *op)
{
	struct trie *node = trie_walk(sc->root, op->path, 0), *parent;
	const struct trie *child = param_child(node);
	const char *lp = last_param(op->path);
	char *pt;
	int is_item = 0;

	if (lp) {
		pt = parent_of(op->path);
		parent = trie_walk(sc->root, pt, 0);
		/* An item: the parent lists (GET) or creates (POST) children. */
		if (parent && (parent->ops[0] || parent->ops[1])) {
			is_item = 1;
			op->collection = NULL;
		}
		free(pt);
	}
	if ((strcmp(op->method, "GET") == 0 || strcmp(op->method, "POST") == 0) && child) {
		op->kind = SIM_OP_COLLECTION;
		op->idparam = child->pname;
		return;
	}
	if (is_item && strcmp(op->method, "POST") != 0) {
		op->kind = SIM_OP_ITEM;
		node = trie_walk(sc->root, op->path, 0);
		/* the pname of this node is the item key */
		op->idparam = node ? node->pname : NULL;
		return;
	}
	if ((strcmp(op->method, "GET") == 0 || strcmp(op->method, "PUT") == 0) &&
	    node && node->ops[0] && (node->ops[2] || strcmp(op->method, "GET") == 0) &&
	    !op->async) {
		op->kind = SIM_OP_SINGLETON;
		return;
	}
	op->kind = SIM_OP_ACTION;
}

struct sim_schema *
sim_schema_load(const char *file, enum sim_surface surf, char *err, size_t errlen)
{
	struct sim_schema *sc = NULL;
	json_error_t je;
	json_t *ops, *o, *at;
	struct trie *node;
	size_t i;
	int mi;

	if ((sc = calloc(1, sizeof *sc)) == NULL)
		goto oom;
	sc->surf = surf;
	if ((sc->doc = json_load_file(file, JSON_ALLOW_NUL, &je)) == NULL) {
		snprintf(err, errlen, "cannot load schema %s: %s (line %d)", file, je.text, je.line);
		goto fail;
	}
	ops = json_object_get(sc->doc, "operations");
	if (!json_is_array(ops) || json_array_size(ops) == 0) {
		snprintf(err, errlen, "%s: no \"operations\" array (is this a data/*.json schema?)", file);
		goto fail;
	}
	if ((sc->root = calloc(1, sizeof *sc->root)) == NULL ||
	    (sc->ops = calloc(json_array_size(ops), sizeof *sc->ops)) == NULL ||
	    (sc->rxindex = json_object()) == NULL ||
	    (sc->md = pcre2_match_data_create(64, NULL)) == NULL)
		goto oom;
	json_array_foreach(ops, i, o) {
		struct sim_op *op = &sc->ops[sc->nops];
		const char *m = json_string_value(json_object_get(o, "method"));
		const char *p = json_string_value(json_object_get(o, "path"));

		if (m == NULL || p == NULL || (mi = method_index(m)) < 0)
			continue;	/* HTTP/2 protocol pseudo-operations etc. */
		snprintf(op->method, sizeof op->method, "%s", m);
		op->path = p;
		op->def = o;
		op->params = json_object_get(o, "parameters") ? json_object_get(o, "parameters") :
		    json_object_get(o, "params");
		op->returns = json_object_get(o, "returns");
		op->perms = json_object_get(o, "permissions");
		op->proxyto = json_string_value(json_object_get(o, "proxyto"));
		at = json_object_get(o, "allowtoken");
		op->allowtoken = at == NULL || sim_json_truthy(at);
		at = json_object_get(o, "additionalProperties");
		op->additional = at != NULL && sim_json_truthy(at);
		op->async = is_async(op);
		if ((node = trie_walk(sc->root, p, 1)) == NULL)
			goto oom;
		node->ops[mi] = op;
		sc->nops++;
	}
	for (i = 0; i < sc->nops; i++)
		classify(sc, &sc->ops[i]);
	return sc;
oom:
	snprintf(err, errlen, "out of memory loading %s", file);
fail:
	sim_schema_free(sc);
	return NULL;
}

void
sim_schema_free(struct sim_schema *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	trie_free(sc->root);
	for (i = 0; i < sc->nrx; i++)
		pcre2_code_free(sc->rx[i].code);
	free(sc->rx);
	pcre2_match_data_free(sc->md);
	json_decref(sc->rxindex);
	free(sc->ops);
	json_decref(sc->doc);
	free(sc);
}

size_t
sim_schema_nops(const struct sim_schema *sc)
{
	return sc->nops;
}

struct sim_op *
sim_schema_op(struct sim_schema *sc, size_t i)
{
	return i < sc->nops ? &sc->ops[i] : NULL;
}

struct sim_op *
sim_schema_find(struct sim_schema *sc, const char *method, const char *tmpl)
{
	struct trie *t = trie_walk(sc->root, tmpl, 0);
	int mi = method_index(method);

	if (t == NULL || mi < 0)
		return NULL;
	return t->ops[mi];
}

const struct sim_op *
sim_schema_match(const struct sim_schema *sc, const char *method,
    char *const *segs, size_t nsegs, json_t *pathp, int *path_found)
{
	const struct trie *t = trie_match(sc->root, segs, nsegs, pathp);
	int mi = method_index(method);

	*path_found = t != NULL;
	if (t == NULL || mi < 0)
		return NULL;
	return t->ops[mi];
}

/* ------------------------------------------------------------ parameters */

/* Highest index + 1 of PVE's numbered options (net0..net31, ...). */
static int
indexed_max(const char *base)
{
	static const struct { const char *n; int max; } t[] = {
		{ "net", 32 }, { "ide", 4 }, { "sata", 6 }, { "scsi", 31 },
		{ "virtio", 16 }, { "unused", 256 }, { "hostpci", 16 },
		{ "usb", 14 }, { "serial", 4 }, { "parallel", 3 }, { "numa", 8 },
		{ "ipconfig", 32 }, { "virtiofs", 10 }, { "mp", 256 }, { "dev", 256 },
		{ "link", 8 }, { "acmedomain", 6 },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(t[i].n, base) == 0)
			return t[i].max;
	return 256;
}

json_t *
sim_schema_param(const struct sim_op *op, const char *name)
{
	json_t *p;
	char key[128];
	size_t n = strlen(name), d = n;
	long idx;

	if (op->params == NULL)
		return NULL;
	if ((p = json_object_get(op->params, name)) != NULL)
		return p;
	while (d > 0 && isdigit((unsigned char)name[d - 1]))
		d--;
	if (d == n || d == 0 || d + 4 >= sizeof key)
		return NULL;
	/* Canonical numbers only: "net01" is not "net1". */
	if (name[d] == '0' && n - d > 1)
		return NULL;
	idx = strtol(name + d, NULL, 10);
	memcpy(key, name, d);
	key[d] = '\0';
	if (idx >= indexed_max(key))
		return NULL;
	memcpy(key + d, "[n]", 4);
	p = json_object_get(op->params, key);
	return p;
}

/* ---------------------------------------------------------------- regex */

static pcre2_code *
regex_get(struct sim_schema *sc, const char *pat)
{
	json_t *ix = json_object_get(sc->rxindex, pat);
	struct rx *n;
	char *src = NULL;
	size_t len;
	int errc = 0;
	PCRE2_SIZE erro = 0;

	if (ix)
		return sc->rx[json_integer_value(ix)].bad ? NULL :
		    sc->rx[json_integer_value(ix)].code;
	if (sc->nrx == sc->caprx) {
		size_t cap = sc->caprx ? sc->caprx * 2 : 64;
		if ((n = realloc(sc->rx, cap * sizeof *n)) == NULL)
			return NULL;
		sc->rx = n;
		sc->caprx = cap;
	}
	len = strlen(pat);
	if (sc->surf == SIM_PBS && len >= 2 && pat[0] == '/' && pat[len - 1] == '/') {
		/* Rust patterns come as "/^...$/" and are anchored already. */
		src = strndup(pat + 1, len - 2);
	} else {
		/* Perl: m/^$pattern$/, interpolated as is (alternations bind
		 * to the anchors exactly as in Perl). */
		if (asprintf(&src, "^%s$", pat) < 0)
			src = NULL;
	}
	if (src) {
		/* Perl-only classes PCRE2 lacks. */
		char *q;
		while ((q = strstr(src, "\\p{PosixPrint}")) != NULL) {
			memcpy(q, "[[:print:]]   ", 14);
		}
	}
	sc->rx[sc->nrx].code = src ? pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | (sc->surf == SIM_PBS ? PCRE2_DOLLAR_ENDONLY : 0), &errc, &erro,
	    NULL) : NULL;
	sc->rx[sc->nrx].bad = sc->rx[sc->nrx].code == NULL;
	free(src);
	json_object_set_new(sc->rxindex, pat, json_integer((json_int_t)sc->nrx));
	sc->nrx++;
	return sc->rx[sc->nrx - 1].code;
}

/* A pattern as a C string: PBS patterns may hold NUL bytes (control-char
 * ranges); they become "\\x00" escapes that PCRE2 reads back. */
static const char *
pattern_of(const json_t *v, char *buf, size_t bufsz)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v), i, o = 0;

	if (s == NULL)
		return NULL;
	if (memchr(s, '\0', n) == NULL)
		return s;
	for (i = 0; i < n && o + 5 < bufsz; i++) {
		if (s[i] == '\0') {
			memcpy(buf + o, "\\x00", 4);
			o += 4;
		} else {
			buf[o++] = s[i];
		}
	}
	buf[o] = '\0';
	return buf;
}

/* 1 match, 0 no match, -1 pattern unusable (accept). */
static int
regex_match(struct sim_schema *sc, const char *pat, const char *s)
{
	pcre2_code *c = regex_get(sc, pat);
	int rc;

	if (c == NULL)
		return -1;
	rc = pcre2_match(c, (PCRE2_SPTR)s, strlen(s), 0, 0, sc->md, NULL);
	return rc >= 0 ? 1 : (rc == PCRE2_ERROR_NOMATCH ? 0 : -1);
}

/* ---------------------------------------------------------- Perl dialect */

static int
perl_is_integer(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	return *s == '\0' || (*s == '\n' && s[1] == '\0');
}

static int
perl_is_number(const char *s)
{
	int digits = 0;

	if (*s == '+' || *s == '-')
		s++;
	while (isdigit((unsigned char)*s))
		s++, digits++;
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s))
			s++, digits++;
	}
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return *s == '\0' || (*s == '\n' && s[1] == '\0');
}

static void
add_error(json_t *errors, const char *path, const char *msg)
{
	json_t *old = json_object_get(errors, path && *path ? path : "_root");
	char *j;

	if (old && json_is_string(old)) {
		/* PVE joins with a literal backslash-n (single-quoted Perl). */
		if (asprintf(&j, "%s\\n%s", json_string_value(old), msg) >= 0) {
			json_object_set_new(errors, path && *path ? path : "_root", json_string(j));
			free(j);
		}
		return;
	}
	json_object_set_new(errors, path && *path ? path : "_root", json_string(msg));
}

static char *num_text(double d);

static void perl_check_prop(struct sim_schema *sc, json_t *value, const json_t *schema,
    const char *path, json_t *errors);

/* parse_property_string + check_object for a property-string format. */
static int
perl_property_string(struct sim_schema *sc, const json_t *fmt, const char *value,
    const char *path, char *msg, size_t msglen)
{
	json_t *res = json_object(), *nested = json_object(), *sch, *ks;
	const char *k, *default_key = NULL;
	char *dup = strdup(value), *part, *save = NULL, *eq, *alias_key;
	int ok = 1;
	void *it;

	if (dup == NULL || res == NULL || nested == NULL) {
		ok = 1;
		goto out;
	}
	for (part = strtok_r(dup, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		char *t = part;
		while (isspace((unsigned char)*t))
			t++;
		if (!*t)
			continue;
		if ((eq = strchr(part, '=')) != NULL && eq != part && eq[1]) {
			*eq = '\0';
			k = part;
			if (json_object_get(res, k)) {
				snprintf(msg, msglen, "duplicate key in comma-separated list property: %s\n", k);
				ok = 0;
				goto out;
			}
			sch = json_object_get(fmt, k);
			if (sch && (alias_key = (char *)json_string_value(json_object_get(sch, "alias")))) {
				const char *ka = json_string_value(json_object_get(sch, "keyAlias"));
				if (ka) {
					if (json_object_get(res, ka)) {
						snprintf(msg, msglen, "key alias '%s' is already defined\n", ka);
						ok = 0;
						goto out;
					}
					json_object_set_new(res, ka, json_string(k));
				}
				k = alias_key;
				sch = json_object_get(fmt, k);
			}
			if (sch == NULL) {
				snprintf(msg, msglen, "invalid key in comma-separated list property: %s\n", k);
				ok = 0;
				goto out;
			}
			{
				const char *ty = json_string_value(json_object_get(sch, "type"));
				const char *v = eq + 1;
				if (ty && strcmp(ty, "boolean") == 0) {
					if (!strcasecmp(v, "1") || !strcasecmp(v, "on") ||
					    !strcasecmp(v, "yes") || !strcasecmp(v, "true"))
						v = "1";
					else if (!strcasecmp(v, "0") || !strcasecmp(v, "off") ||
					    !strcasecmp(v, "no") || !strcasecmp(v, "false"))
						v = "0";
				}
				json_object_set_new(res, k, json_string(v));
			}
		} else if (strchr(part, '=') == NULL) {
			if (default_key) {
				snprintf(msg, msglen, "duplicate key in comma-separated list property: %s\n",
				    default_key);
				ok = 0;
				goto out;
			}
			json_object_foreach((json_t *)fmt, k, ks) {
				if (sim_json_truthy(json_object_get(ks, "default_key"))) {
					default_key = k;
					break;
				}
			}
			if (default_key == NULL) {
				snprintf(msg, msglen, "value without key, but schema does not define a default key\n");
				ok = 0;
				goto out;
			}
			if (json_object_get(res, default_key)) {
				snprintf(msg, msglen, "duplicate key in comma-separated list property: %s\n",
				    default_key);
				ok = 0;
				goto out;
			}
			json_object_set_new(res, default_key, json_string(t));
		} else {
			snprintf(msg, msglen, "missing key in comma-separated list property\n");
			ok = 0;
			goto out;
		}
	}
	/* check_object(path, format, res, additional_properties = 0) */
	json_object_foreach((json_t *)fmt, k, ks) {
		char sub[256];
		if (json_object_get(ks, "alias"))
			continue;
		snprintf(sub, sizeof sub, "%s.%s", path, k);
		perl_check_prop(sc, json_object_get(res, k), ks, sub, nested);
	}
	it = json_object_iter(res);
	while (it) {
		const char *rk = json_object_iter_key(it);
		if (json_object_get(fmt, rk) == NULL) {
			char sub[256];
			snprintf(sub, sizeof sub, "%s.%s", path, rk);
			add_error(nested, sub, "property is not defined in schema and the schema "
			    "does not allow additional properties");
		}
		it = json_object_iter_next(res, it);
	}
	if (json_object_size(nested)) {
		/* raise "format error\n", errors => ...; stringified by
		 * PVE::Exception as the message plus "key: msg\n" lines. */
		size_t off;
		const char *nk;
		json_t *nv;

		off = (size_t)snprintf(msg, msglen, "format error\n");
		json_object_foreach(nested, nk, nv) {
			if (off < msglen)
				off += (size_t)snprintf(msg + off, msglen - off, "%s: %s\n", nk,
				    json_string_value(nv));
		}
		ok = 0;
	}
out:
	free(dup);
	json_decref(res);
	json_decref(nested);
	return ok;
}

static void
perl_check_prop(struct sim_schema *sc, json_t *value, const json_t *schema,
    const char *path, json_t *errors)
{
	const char *type = json_string_value(json_object_get(schema, "type"));
	json_t *fmt, *pat, *en, *v;
	char *tofree = NULL, msg[2048];
	const char *s;
	size_t i;

	if (value == NULL || json_is_null(value)) {
		if (type && strcmp(type, "null") == 0)
			return;
		if (!sim_json_truthy(json_object_get(schema, "optional")) &&
		    json_object_get(schema, "alias") == NULL)
			add_error(errors, path, "property is missing and it is not optional");
		return;
	}
	if (json_is_array(value)) {
		if (type && strcmp(type, "array") != 0) {
			snprintf(msg, sizeof msg, "type check ('%s') failed - got ARRAY", type);
			add_error(errors, path, msg);
			return;
		}
		if ((v = json_object_get(schema, "items")) != NULL) {
			json_t *el;
			json_array_foreach(value, i, el) {
				char sub[256];
				snprintf(sub, sizeof sub, "%s[%zu]", path, i);
				perl_check_prop(sc, el, v, sub, errors);
			}
		}
		return;
	}
	if (json_is_object(value)) {
		if (type && strcmp(type, "object") != 0) {
			snprintf(msg, sizeof msg, "type check ('%s') failed - got HASH", type);
			add_error(errors, path, msg);
		}
		return;
	}
	if (type && strcmp(type, "array") == 0) {
		add_error(errors, path, "type check ('array') failed");
		return;
	}
	if (type && strcmp(type, "object") == 0) {
		add_error(errors, path, "type check ('object') failed");
		return;
	}
	if (json_is_boolean(value) && type && strcmp(type, "boolean") == 0) {
		return;	/* JSON true/false from an application/json body */
	}
	if ((tofree = sim_json_text(value)) == NULL)
		return;
	s = tofree;
	if (type && strcmp(type, "boolean") == 0) {
		if (strcmp(s, "1") != 0 && strcmp(s, "0") != 0) {
			snprintf(msg, sizeof msg, "type check ('boolean') failed - got '%s'", s);
			add_error(errors, path, msg);
			goto out;
		}
	} else if (type && strcmp(type, "integer") == 0) {
		if (!perl_is_integer(s)) {
			snprintf(msg, sizeof msg, "type check ('integer') failed - got '%s'", s);
			add_error(errors, path, msg);
			goto out;
		}
	} else if (type && strcmp(type, "number") == 0) {
		if (!perl_is_number(s)) {
			snprintf(msg, sizeof msg, "type check ('number') failed - got '%s'", s);
			add_error(errors, path, msg);
			goto out;
		}
	}
	if ((fmt = json_object_get(schema, "format")) != NULL) {
		int ok = 1;
		if (json_is_string(fmt)) {
			ok = sim_format_check(json_string_value(fmt), s, msg, sizeof msg);
		} else if (json_is_object(fmt)) {
			ok = perl_property_string(sc, fmt, s, path, msg, sizeof msg);
		}
		if (ok == 0) {
			char full[2200];
			snprintf(full, sizeof full, "invalid format - %s", msg);
			add_error(errors, path, full);
			goto out;
		}
	}
	if ((pat = json_object_get(schema, "pattern")) != NULL && json_is_string(pat)) {
		char pb[8192];
		if (regex_match(sc, pattern_of(pat, pb, sizeof pb), s) == 0) {
			add_error(errors, path, "value does not match the regex pattern");
			goto out;
		}
	}
	if ((v = json_object_get(schema, "maxLength")) != NULL &&
	    (long long)sim_utf8_len(s) > sim_json_int(v, 0)) {
		snprintf(msg, sizeof msg, "value may only be %lld characters long", sim_json_int(v, 0));
		add_error(errors, path, msg);
		goto out;
	}
	if ((v = json_object_get(schema, "minLength")) != NULL &&
	    (long long)sim_utf8_len(s) < sim_json_int(v, 0)) {
		snprintf(msg, sizeof msg, "value must be at least %lld characters long",
		    sim_json_int(v, 0));
		add_error(errors, path, msg);
		goto out;
	}
	if (perl_is_number(s)) {
		double d = strtod(s, NULL);
		if ((v = json_object_get(schema, "maximum")) != NULL && json_is_number(v) &&
		    d > json_number_value(v)) {
			char *t = num_text(json_number_value(v));
			snprintf(msg, sizeof msg, "value must have a maximum value of %s", t ? t : "?");
			free(t);
			add_error(errors, path, msg);
			goto out;
		}
		if ((v = json_object_get(schema, "minimum")) != NULL && json_is_number(v) &&
		    d < json_number_value(v)) {
			char *t = num_text(json_number_value(v));
			snprintf(msg, sizeof msg, "value must have a minimum value of %s", t ? t : "?");
			free(t);
			add_error(errors, path, msg);
			goto out;
		}
	}
	if ((en = json_object_get(schema, "enum")) != NULL && json_is_array(en)) {
		json_t *e;
		int found = 0;
		size_t off = 0;
		char list[1024];

		list[0] = '\0';
		json_array_foreach(en, i, e) {
			char *et = sim_json_text(e);
			if (et && strcmp(et, s) == 0)
				found = 1;
			if (et && off < sizeof list)
				off += (size_t)snprintf(list + off, sizeof list - off, "%s%s",
				    i ? ", " : "", et);
			free(et);
		}
		if (!found) {
			snprintf(msg, sizeof msg,
			    "value '%s' does not have a value in the enumeration '%s'", s, list);
			add_error(errors, path, msg);
		}
	}
out:
	free(tofree);
}

static char *
num_text(double d)
{
	char *out = NULL;

	if (d == (double)(long long)d) {
		if (asprintf(&out, "%lld", (long long)d) < 0)
			return NULL;
	} else if (asprintf(&out, "%g", d) < 0) {
		return NULL;
	}
	return out;
}

/* ---------------------------------------------------------- Rust dialect */

static int
rust_bool(const char *s)
{
	if (!strcasecmp(s, "1") || !strcasecmp(s, "on") || !strcasecmp(s, "yes") ||
	    !strcasecmp(s, "true"))
		return 1;
	if (!strcasecmp(s, "0") || !strcasecmp(s, "off") || !strcasecmp(s, "no") ||
	    !strcasecmp(s, "false"))
		return 0;
	return -1;
}

static char *
rust_check_simple(struct sim_schema *sc, const json_t *schema, json_t *value)
{
	const char *type = json_string_value(json_object_get(schema, "type"));
	char *s = NULL, *out = NULL, *end;
	json_t *v;

	if (type && strcmp(type, "boolean") == 0 && json_is_boolean(value))
		return NULL;
	if ((s = sim_json_text(value)) == NULL)
		return NULL;
	if (type && strcmp(type, "boolean") == 0) {
		if (rust_bool(s) < 0)
			out = strdup("Unable to parse boolean option.");
	} else if (type && strcmp(type, "integer") == 0) {
		long long x;
		if (*s == '\0') {
			out = strdup("cannot parse integer from empty string");
			goto done;
		}
		x = strtoll(s, &end, 10);
		if (*end) {
			out = strdup("invalid digit found in string");
			goto done;
		}
		if ((v = json_object_get(schema, "minimum")) && x < sim_json_int(v, 0)) {
			if (asprintf(&out, "value must have a minimum value of %lld (got %lld)",
			    sim_json_int(v, 0), x) < 0)
				out = NULL;
		} else if ((v = json_object_get(schema, "maximum")) && x > sim_json_int(v, 0)) {
			if (asprintf(&out, "value must have a maximum value of %lld (got %lld)",
			    sim_json_int(v, 0), x) < 0)
				out = NULL;
		}
	} else if (type && strcmp(type, "number") == 0) {
		double d = strtod(s, &end);
		if (*s == '\0' || *end) {
			out = strdup("invalid float literal");
			goto done;
		}
		if ((v = json_object_get(schema, "minimum")) && json_is_number(v) &&
		    d < json_number_value(v)) {
			if (asprintf(&out, "value must have a minimum value of %g (got %g)",
			    json_number_value(v), d) < 0)
				out = NULL;
		} else if ((v = json_object_get(schema, "maximum")) && json_is_number(v) &&
		    d > json_number_value(v)) {
			if (asprintf(&out, "value must have a maximum value of %g (got %g)",
			    json_number_value(v), d) < 0)
				out = NULL;
		}
	} else {
		size_t len = sim_utf8_len(s);
		json_t *en;
		if ((v = json_object_get(schema, "minLength")) && (long long)len < sim_json_int(v, 0)) {
			if (asprintf(&out, "value must be at least %lld characters long",
			    sim_json_int(v, 0)) < 0)
				out = NULL;
			goto done;
		}
		if ((v = json_object_get(schema, "maxLength")) && (long long)len > sim_json_int(v, 0)) {
			if (asprintf(&out, "value may only be %lld characters long",
			    sim_json_int(v, 0)) < 0)
				out = NULL;
			goto done;
		}
		char pb[8192];
		if ((v = json_object_get(schema, "pattern")) && json_is_string(v) &&
		    regex_match(sc, pattern_of(v, pb, sizeof pb), s) == 0) {
			out = strdup("value does not match the regex pattern");
			goto done;
		}
		if ((en = json_object_get(schema, "enum")) && json_is_array(en)) {
			size_t i;
			json_t *e;
			int found = 0;
			json_array_foreach(en, i, e)
				if (json_is_string(e) && strcmp(json_string_value(e), s) == 0)
					found = 1;
			if (!found && asprintf(&out, "value '%s' is not defined in the enumeration.", s) < 0)
				out = NULL;
			if (!found)
				goto done;
		}
		if ((v = json_object_get(schema, "format")) && json_is_object(v)) {
			/* Property string: keys must be known. */
			char *dup = strdup(s), *part, *save = NULL, *eq;
			for (part = dup ? strtok_r(dup, ",", &save) : NULL; part;
			    part = strtok_r(NULL, ",", &save)) {
				if ((eq = strchr(part, '=')) == NULL)
					continue;
				*eq = '\0';
				if (json_object_get(v, part) == NULL) {
					if (asprintf(&out, "parameter verification failed - '%s': schema "
					    "does not allow additional properties", part) < 0)
						out = NULL;
					break;
				}
			}
			free(dup);
		}
	}
done:
	free(s);
	return out;
}

/* ------------------------------------------------------------- validate */

int
sim_schema_validate(struct sim_schema *sc, const struct sim_op *op, json_t *params,
    const json_t *pathp, json_t *errors)
{
	const char *k;
	json_t *v, *ps;
	size_t before = json_object_size(errors);
	void *it;

	it = json_object_iter(params);
	while (it) {
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		ps = sim_schema_param(op, k);
		if (ps == NULL) {
			/* a path parameter the schema does not list is the router's */
			if (!op->additional && json_object_get(pathp, k) == NULL)
				add_error(errors, k, sc->surf == SIM_PBS ?
				    "schema does not allow additional properties" :
				    "property is not defined in schema and the schema does not "
				    "allow additional properties");
			it = json_object_iter_next(params, it);
			continue;
		}
		/* Arrays from forms: PVE joins repeats with NUL, PBS repeats. */
		if (json_is_string(v) && json_is_string(json_object_get(ps, "type")) &&
		    strcmp(json_string_value(json_object_get(ps, "type")), "array") == 0) {
			json_t *arr = json_array();
			const char *sv = json_string_value(v);
			size_t len = json_string_length(v), off = 0;
			while (off <= len) {
				size_t l = strnlen(sv + off, len - off);
				json_array_append_new(arr, json_stringn(sv + off, l));
				off += l + 1;
			}
			json_object_iter_set_new(params, it, arr);
			v = json_object_iter_value(it);
		}
		if (sc->surf == SIM_PBS) {
			char *m = NULL;
			if (json_is_array(v)) {
				size_t i;
				json_t *el, *items = json_object_get(ps, "items");
				json_array_foreach(v, i, el) {
					if (items && (m = rust_check_simple(sc, items, el)) != NULL)
						break;
				}
			} else {
				m = rust_check_simple(sc, ps, v);
			}
			if (m) {
				add_error(errors, k, m);
				free(m);
			}
		} else {
			perl_check_prop(sc, v, ps, k, errors);
		}
		it = json_object_iter_next(params, it);
	}
	if (op->params) {
		json_object_foreach(op->params, k, ps) {
			int optional = sim_json_truthy(json_object_get(ps, "optional"));
			if (optional || sim_json_truthy(json_object_get(ps, "indexed")))
				continue;
			if (json_object_get(params, k) == NULL)
				add_error(errors, k, "property is missing and it is not optional");
		}
	}
	return (int)(json_object_size(errors) - before);
}

char *
sim_schema_check_value(struct sim_schema *sc, const json_t *schema, const char *name,
    json_t *value)
{
	json_t *errors = json_object();
	char *out = NULL;

	if (sc->surf == SIM_PBS) {
		out = rust_check_simple(sc, schema, value);
	} else {
		perl_check_prop(sc, value, schema, name, errors);
		if (json_object_size(errors))
			out = strdup(json_string_value(json_object_iter_value(json_object_iter(errors))));
	}
	json_decref(errors);
	return out;
}

char *
sim_schema_pbs_message(const json_t *errors)
{
	char *out = NULL, *n;
	const char *k;
	json_t *v;
	size_t count = json_object_size(errors);

	if (count == 1) {
		void *it = json_object_iter((json_t *)errors);
		if (asprintf(&out, "parameter verification failed - '%s': %s",
		    json_object_iter_key(it), json_string_value(json_object_iter_value(it))) < 0)
			return NULL;
		return out;
	}
	out = strdup("parameter verification failed:");
	json_object_foreach((json_t *)errors, k, v) {
		if (out == NULL)
			return NULL;
		if (asprintf(&n, "%s\n- '%s': %s", out, k, json_string_value(v)) < 0) {
			free(out);
			return NULL;
		}
		free(out);
		out = n;
	}
	return out;
}

/* ------------------------------------------------------------- defaults */

json_t *
sim_schema_default(const json_t *schema)
{
	const char *type = json_string_value(json_object_get(schema, "type"));
	json_t *props, *p, *out;
	const char *k;

	if (schema == NULL)
		return json_null();
	if (type == NULL)
		type = json_object_get(schema, "properties") ? "object" : "null";
	if (strcmp(type, "array") == 0)
		return json_array();
	if (strcmp(type, "object") == 0) {
		out = json_object();
		props = json_object_get(schema, "properties");
		json_object_foreach(props, k, p) {
			if (sim_json_truthy(json_object_get(p, "optional")))
				continue;
			json_object_set_new(out, k, json_object_get(p, "default") ?
			    json_deep_copy(json_object_get(p, "default")) : sim_schema_default(p));
		}
		return out;
	}
	if (strcmp(type, "string") == 0)
		return json_string("");
	if (strcmp(type, "integer") == 0 || strcmp(type, "boolean") == 0)
		return json_integer(0);
	if (strcmp(type, "number") == 0)
		return json_real(0);
	return json_null();
}

json_t *
sim_schema_typed(const json_t *pschema, json_t *v)
{
	const char *type = json_string_value(json_object_get(pschema, "type"));
	const char *s = json_string_value(v);
	char *end;

	if (type == NULL || s == NULL)
		return json_incref(v);
	if (strcmp(type, "integer") == 0 || strcmp(type, "boolean") == 0) {
		long long x = strtoll(s, &end, 10);
		if (*s && *end == '\0')
			return json_integer(x);
	} else if (strcmp(type, "number") == 0) {
		double d = strtod(s, &end);
		if (*s && *end == '\0')
			return d == (double)(long long)d ? json_integer((long long)d) : json_real(d);
	}
	return json_incref(v);
}
