/**
 * @file check_pve_schema.c
 * @brief Every request the curated PVE tools and the generic door can
 *        build is valid against the official schema (data/pve.json).
 *
 * Independent of the tool generator: the schemas are the ones the real
 * binary serves (tools/list), the operations come from curated.json (what
 * each tool calls) and from a model, written here, of what each
 * hand-written tool sends; data/pve.json is read directly.  For every tool
 * and every operation it can reach:
 *
 *  - the operation exists;
 *  - every argument the tool accepts is a parameter of one of its
 *    operations (indexed ones through their name[n] form), a path
 *    variable, or something the tool consumes itself (the model names it);
 *  - types agree, and the tool never accepts a value the operation
 *    refuses: enums within the operation's, ranges within its range,
 *    lengths within its limit, a pattern where it has one; and where a
 *    tool serves several operations (guest kinds, scopes), every enum
 *    value an operation accepts is accepted by the tool;
 *  - every required parameter and every path variable of the operation is
 *    required by the tool or filled by it (node from the default or the
 *    guest lookup, kind from the lookup, the model's fixed values).
 *
 * The door validates requests with pve_op_input_schema(); the last test
 * checks that conversion against every operation of the schema.  A
 * negative control proves the walk reports broken tools.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apischema.h"
#include "pxmcheck.h"
#include "pxmtest.h"

static json_t *ops;		/* "METHOD /path" -> operation (data/pve.json) */
static json_t *curated;		/* curated tools by name */
static json_t *served;		/* served tools by name (tools/list) */
static json_t *problems;	/* what the walk found */

/* ------------------------------------------------------------ loading */

static json_t *
load_json(const char *rel)
{
	char path[1024];
	json_error_t je;
	json_t *j;

	pxmtest_src_path(path, sizeof path, rel);
	j = json_load_file(path, 0, &je);
	ck_assert_msg(j != NULL, "%s: %s (line %d)", path, je.text, je.line);
	return j;
}

static void
load_ops(void)
{
	json_t *api = load_json("data/pve.json"), *op;
	char key[1024];
	size_t i;

	ops = json_object();
	json_array_foreach(json_object_get(api, "operations"), i, op) {
		snprintf(key, sizeof key, "%s %s", json_string_value(json_object_get(op, "method")),
		    json_string_value(json_object_get(op, "path")));
		json_object_set(ops, key, op);
	}
	json_decref(api);
	ck_assert_uint_gt(json_object_size(ops), 600);
}

static void
load_curated(void)
{
	json_t *c = load_json("plugins/pve/curated.json"), *t;
	size_t i;

	curated = json_object();
	json_array_foreach(json_object_get(c, "tools"), i, t)
		json_object_set(curated, json_string_value(json_object_get(t, "name")), t);
	json_decref(c);
}

/* tools/list of the real binary: no Proxmox is needed to list tools. */
static void
load_served(void)
{
	char dir[512], e_plug[700], e_data[700], e_log[700], *cur = NULL;
	char *argv[] = { getenv("PXM_PROXIMO"), NULL };
	const char *env[] = { e_plug, e_data, e_log, "PROXIMO_PLUGINS=pve",
	    "PROXIMO_ENV_FILE=/dev/null", "PROXIMO_API_BASE_URL=", "PROXIMO_TOKEN_PATH=", NULL };
	struct pxmtest_proc p;
	json_t *res, *t;
	size_t i;

	ck_assert_ptr_nonnull(argv[0]);
	pxmtest_tmpdir(dir, sizeof dir);
	snprintf(e_plug, sizeof e_plug, "PROXIMO_PLUGIN_DIR=%s/plugins/staged",
	    getenv("PXM_TOP_BUILDDIR"));
	snprintf(e_data, sizeof e_data, "PROXIMO_DATA_DIR=%s", getenv("PXM_DATADIR"));
	snprintf(e_log, sizeof e_log, "PROXIMO_AUDIT_LOG=%s/audit.log", dir);
	pxmtest_spawn(&p, argv, env);
	json_decref(pxmtest_initialize(&p, NULL));
	served = json_object();
	for (;;) {
		const char *next;

		res = pxmtest_request(&p, "tools/list", cur ? json_pack("{s:s}", "cursor", cur) :
		    json_object(), NULL);
		json_array_foreach(json_object_get(json_object_get(res, "result"), "tools"), i, t)
			json_object_set(served, json_string_value(json_object_get(t, "name")), t);
		next = json_string_value(json_object_get(json_object_get(res, "result"), "nextCursor"));
		free(cur);
		cur = next ? strdup(next) : NULL;
		json_decref(res);
		if (cur == NULL)
			break;
	}
	ck_assert_int_eq(pxmtest_finish(&p), 0);
	pxmtest_rmrf(dir);
}

static void
setup(void)
{
	load_ops();
	load_curated();
	load_served();
	problems = json_array();
}

static void
teardown(void)
{
	json_decref(ops);
	json_decref(curated);
	json_decref(served);
	json_decref(problems);
}

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
problem(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_array_append_new(problems, json_string(buf));
}

static void
expect_no_problems(void)
{
	char *all = json_dumps(problems, JSON_INDENT(1));

	/* Check's messages are bounded: the whole list goes to stderr */
	if (json_array_size(problems))
		fprintf(stderr, "%s\n", all);
	ck_assert_msg(json_array_size(problems) == 0, "%zu problem(s):\n%.3000s",
	    json_array_size(problems), all);
	free(all);
}

/* 1 when some recorded problem contains text (a negative control). */
static int
reported(const char *text)
{
	json_t *v;
	size_t i;

	json_array_foreach(problems, i, v)
		if (strstr(json_string_value(v), text))
			return 1;
	return 0;
}

/* -------------------------------------------------------- the hand model */

/*
 * What each hand-written tool does with its arguments, as the plugin's C
 * code does it: the operations it reads first (reads), the one that
 * carries the arguments (main, "{action}" standing for each value of the
 * argument of that name), arguments it consumes itself (local), parameters
 * it adds (fixed), and parameters it sends only where the chosen operation
 * takes them, refusing the call elsewhere (conditional; the refusal is
 * tested in check_pve_guests).
 */
struct hand_model {
	const char	*tool;
	const char	*reads[3];
	const char	*main;
	const char	*local[4];
	const char	*fixed[4];
	const char	*conditional[2];
	int		 sends_rest;	/* every other argument is a parameter of main */
};

static const struct hand_model hand[] = {
	{ "pve_list_guests", { NULL }, "GET /cluster/resources", { "node", "fields", NULL },
	  { "type", NULL }, { NULL }, 0 },
	{ "pve_cluster_resources", { NULL }, "GET /cluster/resources", { NULL }, { NULL },
	  { NULL }, 1 },
	{ "pve_tasks_list", { NULL }, "GET /nodes/{node}/tasks", { NULL }, { "limit", "source", NULL },
	  { NULL }, 1 },
	{ "pve_task_wait", { "GET /nodes/{node}/tasks/{upid}/log", NULL },
	  "GET /nodes/{node}/tasks/{upid}/status", { "timeout", NULL }, { NULL }, { NULL }, 0 },
	{ "pve_storage_content", { NULL }, "GET /nodes/{node}/storage/{storage}/content",
	  { "limit", NULL }, { NULL }, { NULL }, 1 },
	{ "pve_backup_list", { NULL }, "GET /nodes/{node}/storage/{storage}/content",
	  { "limit", NULL }, { "content", NULL }, { NULL }, 1 },
	{ "pve_guest_config_set", { "GET /nodes/{node}/{kind}/{vmid}/config", NULL },
	  "PUT /nodes/{node}/{kind}/{vmid}/config", { "config", NULL }, { "digest", "delete", NULL },
	  { NULL }, 0 },
	{ "pve_guest_config_revert", { "GET /nodes/{node}/{kind}/{vmid}/config", NULL },
	  "PUT /nodes/{node}/{kind}/{vmid}/config", { "prior_config", NULL },
	  { "digest", "delete", NULL }, { NULL }, 0 },
	{ "pve_guest_power", { "GET /nodes/{node}/{kind}/{vmid}/status/current", NULL },
	  "POST /nodes/{node}/{kind}/{vmid}/status/{action}", { "action", NULL }, { NULL },
	  { "timeout", NULL }, 0 },
	{ "pve_rollback", { "GET /nodes/{node}/{kind}/{vmid}/snapshot", NULL },
	  "POST /nodes/{node}/{kind}/{vmid}/snapshot/{snapname}/rollback", { NULL }, { NULL },
	  { NULL }, 1 },
};

/* Path variables an API tool fills itself when they are left out (its
 * prepare hook); check_pve_tools calls them without. */
static const struct {
	const char	*tool;
	const char	*var;
} filled[] = {
	{ "pve_storage_content_delete", "storage" },	/* the volume id's prefix */
};

static int
fills(const char *tool, const char *var)
{
	size_t i;

	for (i = 0; i < sizeof filled / sizeof filled[0]; i++)
		if (strcmp(filled[i].tool, tool) == 0 && strcmp(filled[i].var, var) == 0)
			return 1;
	return 0;
}

static const struct hand_model *
hand_of(const char *tool)
{
	size_t i;

	for (i = 0; i < sizeof hand / sizeof hand[0]; i++)
		if (strcmp(hand[i].tool, tool) == 0)
			return &hand[i];
	return NULL;
}

static int
in_list(const char *const *list, const char *s)
{
	size_t i;

	for (i = 0; list && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------ operations */

static char *
subst(const char *s, const char *var, const char *value)
{
	char pat[64], *out;
	const char *at;
	size_t n;

	snprintf(pat, sizeof pat, "{%s}", var);
	if ((at = strstr(s, pat)) == NULL)
		return strdup(s);
	n = strlen(s) - strlen(pat) + strlen(value) + 1;
	out = malloc(n);
	snprintf(out, n, "%.*s%s%s", (int)(at - s), s, value, at + strlen(pat));
	return out;
}

/* The operation for "METHOD /path" (borrowed), or NULL with a problem. */
static const json_t *
op_for(const char *tool, const char *spec)
{
	const json_t *op = json_object_get(ops, spec);

	if (op == NULL)
		problem("%s: %s is not an operation of data/pve.json", tool, spec);
	return op;
}

/* Path variables of an operation's template (new array). */
static json_t *
path_vars(const char *path)
{
	json_t *out = json_array();
	const char *p = path, *e;

	while ((p = strchr(p, '{')) != NULL && (e = strchr(p, '}')) != NULL) {
		json_array_append_new(out, json_stringn(p + 1, (size_t)(e - p - 1)));
		p = e + 1;
	}
	return out;
}

static int
has_var(const json_t *vars, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach((json_t *)vars, i, v)
		if (strcmp(json_string_value(v), name) == 0)
			return 1;
	return 0;
}

/* The parameter of op for a tool argument name: direct, or the name[n]
 * entry an indexed argument (net0) belongs to.  Borrowed or NULL. */
static const json_t *
op_param(const json_t *op, const char *name)
{
	const json_t *params = json_object_get(op, "params"), *p;
	const char *k;

	if ((p = json_object_get(params, name)) != NULL)
		return p;
	json_object_foreach((json_t *)params, k, p) {
		const char *br = strstr(k, "[n]");
		size_t n = br ? (size_t)(br - k) : 0;
		const char *d;

		if (br == NULL || strncmp(name, k, n) != 0 || name[n] == '\0')
			continue;
		for (d = name + n; *d >= '0' && *d <= '9'; d++)
			;
		if (*d == '\0')
			return p;
	}
	return NULL;
}

/* The name[n] parameter a patternProperties key ("^net[0-9]{1,3}$") stands
 * for.  Borrowed or NULL. */
static const json_t *
op_indexed(const json_t *op, const char *pattern)
{
	char name[128];
	const char *br;
	size_t n;

	if (pattern[0] != '^' || (br = strchr(pattern, '[')) == NULL ||
	    (n = (size_t)(br - pattern - 1)) + 4 >= sizeof name)
		return NULL;
	snprintf(name, sizeof name, "%.*s[n]", (int)n, pattern + 1);
	return json_object_get(json_object_get(op, "params"), name);
}

/* ------------------------------------------------------- type agreement */

static const char *
op_type(const json_t *p)
{
	const char *t = json_string_value(json_object_get(p, "type"));

	return t && strcmp(t, "null") != 0 ? t : "string";
}

/* Does one alternative of a tool's schema stay within what the operation's
 * parameter accepts?  NULL, or why not (static text or into buf). */
static const char *
within(char *buf, size_t size, const json_t *ts, const json_t *p)
{
	const char *tt = json_string_value(json_object_get(ts, "type")), *ot = op_type(p);
	const json_t *oe = json_object_get(p, "enum"), *te = json_object_get(ts, "enum"), *v, *e;
	size_t i, j;

	if (tt == NULL)
		return "the tool's schema has no type";
	if (strcmp(tt, ot) != 0 && !(strcmp(tt, "integer") == 0 && strcmp(ot, "number") == 0)) {
		snprintf(buf, size, "type %s, the operation takes %s", tt, ot);
		return buf;
	}
	if (json_is_array(oe)) {
		if (!json_is_array(te))
			return "accepts any value, the operation only its enum";
		json_array_foreach((json_t *)te, i, v) {
			int ok = 0;

			json_array_foreach((json_t *)oe, j, e)
				ok |= json_equal(v, (json_t *)e);
			if (!ok) {
				char *s = json_dumps(v, JSON_ENCODE_ANY);

				snprintf(buf, size, "accepts %s, not in the operation's enum", s ? s : "?");
				free(s);
				return buf;
			}
		}
	}
	return NULL;
}

static const char *
within_limits(char *buf, size_t size, const json_t *ts, const json_t *p)
{
	const json_t *omin = json_object_get(p, "minimum"), *omax = json_object_get(p, "maximum");
	const json_t *tmin = json_object_get(ts, "minimum"), *tmax = json_object_get(ts, "maximum");
	const json_t *oml = json_object_get(p, "maxLength"), *tml = json_object_get(ts, "maxLength");

	if (json_is_number(omin) && (!json_is_number(tmin) ||
	    json_number_value(tmin) < json_number_value(omin))) {
		snprintf(buf, size, "minimum %g, the operation's is %g", json_is_number(tmin) ?
		    json_number_value(tmin) : -1e300, json_number_value(omin));
		return buf;
	}
	if (json_is_number(omax) && (!json_is_number(tmax) ||
	    json_number_value(tmax) > json_number_value(omax))) {
		snprintf(buf, size, "maximum %g, the operation's is %g", json_is_number(tmax) ?
		    json_number_value(tmax) : 1e300, json_number_value(omax));
		return buf;
	}
	if (json_is_integer(oml) && (!json_is_integer(tml) ||
	    json_integer_value(tml) > json_integer_value(oml))) {
		snprintf(buf, size, "maxLength %lld, the operation's is %lld", json_is_integer(tml) ?
		    (long long)json_integer_value(tml) : -1LL, (long long)json_integer_value(oml));
		return buf;
	}
	if (json_is_string(json_object_get(p, "pattern")) &&
	    !json_is_string(json_object_get(ts, "pattern")) && !json_is_array(json_object_get(ts, "enum")))
		return "accepts any text, the operation has a pattern";
	if (strcmp(op_type(p), "array") == 0) {
		const json_t *oi = json_object_get(p, "items"), *ti = json_object_get(ts, "items");
		const char *why;

		if (!json_is_object(ti))
			return "an array of anything, the operation's items are typed";
		if (json_is_object(oi) && ((why = within(buf, size, ti, oi)) != NULL ||
		    (why = within_limits(buf, size, ti, oi)) != NULL))
			return why;
	}
	return NULL;
}

/* Does a JSON Schema type accept this value (as Proxmox lists it)? */
static int
type_takes(const char *type, const json_t *v)
{
	if (type == NULL)
		return 0;
	if (strcmp(type, "string") == 0)
		return json_is_string(v);
	if (strcmp(type, "integer") == 0)
		return json_is_integer(v);
	if (strcmp(type, "number") == 0)
		return json_is_number(v);
	if (strcmp(type, "boolean") == 0)
		return json_is_boolean(v) || json_is_integer(v);
	return 0;
}

/* A tool argument's alternatives (anyOf, or the schema itself); borrowed. */
static json_t *
alternatives(const json_t *ts, json_t **own)
{
	const json_t *any = json_object_get(ts, "anyOf");

	*own = NULL;
	if (json_is_array(any))
		return (json_t *)any;
	*own = json_pack("[O]", ts);
	return *own;
}

/* Argument `name` of `tool` against the operations that take it. */
static void
check_argument(const char *tool, const char *name, const json_t *ts, json_t *takers)
{
	json_t *own, *alts = alternatives(ts, &own), *a, *p, *v, *e;
	char buf[512], first[512];
	size_t i, j, k, l;

	json_array_foreach(alts, i, a) {
		/* An enum is judged value by value: a tool serving several
		 * operations (kinds, scopes) may accept their union, each call
		 * being checked against its own operation. */
		json_t *units = json_array(), *u;
		size_t m;

		if (json_is_array(json_object_get(a, "enum")) && json_array_size(takers) > 1) {
			json_array_foreach(json_object_get(a, "enum"), m, v) {
				u = json_deep_copy(a);
				json_object_set_new(u, "enum", json_pack("[O]", v));
				json_array_append_new(units, u);
			}
		} else {
			json_array_append(units, a);
		}
		json_array_foreach(units, m, u) {
			int fits = 0;

			first[0] = '\0';
			json_array_foreach(takers, j, p) {
				const char *why = within(buf, sizeof buf, u, p);

				if (why == NULL)
					why = within_limits(buf, sizeof buf, u, p);
				if (why == NULL)
					fits = 1;
				else if (!first[0])
					snprintf(first, sizeof first, "%s", why);
			}
			if (!fits)
				problem("%s: argument '%s' %s", tool, name, first);
		}
		json_decref(units);
	}
	/* The other way: no value an operation accepts is refused. */
	json_array_foreach(takers, j, p) {
		const char *ot = op_type(p);
		int typed = 0;

		json_array_foreach(alts, i, a) {
			const char *at = json_string_value(json_object_get(a, "type"));

			typed |= at && (strcmp(at, ot) == 0 || (strcmp(at, "number") == 0 &&
			    strcmp(ot, "integer") == 0));
		}
		if (!typed)
			problem("%s: argument '%s' refuses every %s, which an operation takes", tool,
			    name, ot);
		json_array_foreach(json_object_get(p, "enum"), k, v) {
			int ok = 0;

			json_array_foreach(alts, i, a) {
				const json_t *te = json_object_get(a, "enum");

				if (!json_is_array(te))
					ok |= type_takes(json_string_value(json_object_get(a, "type")), v);
				else
					json_array_foreach((json_t *)te, l, e)
						ok |= json_equal(e, v);
			}
			if (!ok) {
				char *s = json_dumps(v, JSON_ENCODE_ANY);

				problem("%s: argument '%s' refuses %s, which an operation accepts", tool,
				    name, s ? s : "?");
				free(s);
			}
		}
	}
	json_decref(own);
}

/* ------------------------------------------------------------ the walk */

struct reach {
	const json_t	*op;
	json_t		*vars;		/* path variables */
	int		 main;		/* carries the arguments */
};

static int
required_in(const json_t *schema, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(schema, "required"), i, v)
		if (strcmp(json_string_value(v), name) == 0)
			return 1;
	return 0;
}

/* The arguments the pipeline owns, not the tool. */
static int
core_argument(const char *k)
{
	return strcmp(k, "confirm") == 0 || strcmp(k, "plan_id") == 0 || strcmp(k, "wait") == 0 ||
	    strcmp(k, "wait_timeout") == 0 || strcmp(k, "snapshot") == 0;
}

/*
 * Walk one tool.  schema is what the binary serves; ctool its curated.json
 * entry.  Returns the number of operations reached.
 */
static size_t
walk_tool(const char *tool, const json_t *schema, const json_t *ctool)
{
	const char *handler = json_string_value(json_object_get(ctool, "handler"));
	const char *scope_param = json_string_value(json_object_get(ctool, "scope_param"));
	const json_t *props = json_object_get(schema, "properties");
	const json_t *kinds = json_object_get(json_object_get(props, "kind"), "enum");
	const struct hand_model *hm = NULL;
	struct reach r[64];
	size_t nr = 0, i, j;
	json_t *specs = json_array(), *spec, *v, *ps;
	const char *k;
	int scoped = handler && strcmp(handler, "scoped") == 0;

	if (!json_is_object(props)) {
		problem("%s: served schema has no properties", tool);
		json_decref(specs);
		return 0;
	}
	/* The main operation(s): "main" specs, then read-only ones. */
	if (scoped) {
		const char *sk;

		scope_param = scope_param ? scope_param : "scope";
		json_object_foreach(json_object_get(ctool, "scopes"), sk, v)
			json_array_append_new(specs, json_pack("{s:O, s:b}", "spec", v, "main", 1));
		if (!json_is_array(json_object_get(json_object_get(props, scope_param), "enum")) ||
		    json_array_size(json_object_get(json_object_get(props, scope_param), "enum")) !=
		    json_object_size(json_object_get(ctool, "scopes")))
			problem("%s: '%s' does not enumerate the scopes", tool, scope_param);
	} else if (handler && strcmp(handler, "hand") == 0) {
		if ((hm = hand_of(tool)) == NULL) {
			problem("%s: a hand-written tool this test has no model of: add one", tool);
			json_decref(specs);
			return 0;
		}
		json_array_append_new(specs, json_pack("{s:s, s:b}", "spec", hm->main, "main", 1));
		for (i = 0; hm->reads[i]; i++)
			json_array_append_new(specs, json_pack("{s:s, s:b}", "spec", hm->reads[i],
			    "main", 0));
		/* the tool's own operation (curated.json) is one of them */
		if (strcmp(json_string_value(json_object_get(ctool, "op")), hm->main) != 0) {
			int listed = 0;

			for (i = 0; hm->reads[i]; i++)
				listed |= strcmp(hm->reads[i], json_string_value(json_object_get(ctool,
				    "op"))) == 0;
			if (!listed && strstr(hm->main, "{action}") == NULL)
				problem("%s: curated.json names %s, the model does not", tool,
				    json_string_value(json_object_get(ctool, "op")));
		}
	} else {
		json_array_append_new(specs, json_pack("{s:O, s:b}", "spec",
		    json_object_get(ctool, "op"), "main", 1));
	}
	/* Expand {kind} over the kinds the tool serves and {action} over its
	 * enum; resolve every spec to an operation. */
	json_array_foreach(specs, i, spec) {
		const char *s = json_string_value(json_object_get(spec, "spec"));
		json_t *kl = json_array(), *al = json_array(), *kv, *av;
		size_t a, b;

		if (strstr(s, "{kind}")) {
			if (!json_is_array(kinds))
				problem("%s: %s has {kind} but the tool takes no kind", tool, s);
			json_array_foreach((json_t *)kinds, a, kv)
				json_array_append(kl, kv);
		} else {
			json_array_append_new(kl, json_string(""));
		}
		if (strstr(s, "{action}"))
			json_array_foreach(json_object_get(json_object_get(props, "action"), "enum"), a, av)
				json_array_append(al, av);
		else
			json_array_append_new(al, json_string(""));
		json_array_foreach(kl, a, kv) {
			json_array_foreach(al, b, av) {
				char *s1 = subst(s, "kind", json_string_value(kv));
				char *s2 = subst(s1, "action", json_string_value(av));
				const json_t *op = op_for(tool, s2);

				if (op && nr < sizeof r / sizeof r[0]) {
					r[nr].op = op;
					r[nr].vars = path_vars(strchr(s2, ' ') + 1);
					r[nr].main = json_is_true(json_object_get(spec, "main"));
					nr++;
				}
				free(s1);
				free(s2);
			}
		}
		json_decref(kl);
		json_decref(al);
	}
	json_decref(specs);

	/* Every argument: accounted for, and of the right shape. */
	json_object_foreach((json_t *)props, k, ps) {
		json_t *takers = json_array();
		int is_var = 0;

		if (core_argument(k))
			goto next;
		if (strcmp(k, "kind") == 0 && json_is_array(kinds))
			goto next;
		if (scoped && strcmp(k, scope_param) == 0)
			goto next;
		if (hm && in_list(hm->local, k))
			goto next;
		for (i = 0; i < nr; i++) {
			const json_t *p;

			if (has_var(r[i].vars, k)) {
				is_var = 1;
				if ((p = json_object_get(json_object_get(r[i].op, "params"), k)) != NULL)
					json_array_append(takers, (json_t *)p);
				continue;
			}
			if (!r[i].main)
				continue;
			if (hm && !hm->sends_rest && !in_list(hm->conditional, k))
				continue;
			if ((p = op_param(r[i].op, k)) != NULL)
				json_array_append(takers, (json_t *)p);
		}
		if (json_array_size(takers) == 0) {
			if (!is_var)
				problem("%s: argument '%s' is accepted, but no operation of the tool "
				    "takes it", tool, k);
		} else {
			check_argument(tool, k, ps, takers);
		}
next:
		json_decref(takers);
	}
	json_object_foreach(json_object_get(schema, "patternProperties"), k, ps) {
		json_t *takers = json_array();

		for (i = 0; i < nr; i++) {
			const json_t *p;

			if (r[i].main && (p = op_indexed(r[i].op, k)) != NULL)
				json_array_append(takers, (json_t *)p);
		}
		if (json_array_size(takers) == 0)
			problem("%s: arguments matching %s are accepted, but no operation takes "
			    "them", tool, k);
		else
			check_argument(tool, k, ps, takers);
		json_decref(takers);
	}

	/* Every required parameter and path variable is given or filled. */
	for (i = 0; i < nr; i++) {
		const json_t *params = json_object_get(r[i].op, "params"), *p;

		json_array_foreach(r[i].vars, j, v) {
			const char *var = json_string_value(v);

			if (strcmp(var, "node") == 0)
				continue;	/* default node, or the guest's (lookup) */
			if (strcmp(var, "kind") == 0 || strcmp(var, "action") == 0)
				continue;	/* resolved above */
			if (json_object_get(props, var) == NULL) {
				if (!(hm && in_list(hm->fixed, var)))
					problem("%s: path variable {%s} of %s is neither an argument nor "
					    "filled by the tool", tool, var,
					    json_string_value(json_object_get(r[i].op, "path")));
			} else if (!required_in(schema, var) && !scoped && !fills(tool, var)) {
				problem("%s: path variable {%s} of %s is optional in the tool (the "
				    "request cannot be built without it)", tool, var,
				    json_string_value(json_object_get(r[i].op, "path")));
			}
		}
		if (!r[i].main)
			continue;
		json_object_foreach((json_t *)params, k, p) {
			if (json_is_true(json_object_get(p, "optional")) || has_var(r[i].vars, k))
				continue;
			if (hm && in_list(hm->fixed, k))
				continue;
			if (scoped) {
				/* a scope's own requirement is checked per call, by that
				 * scope's schema; one every scope has must be required */
				size_t s;
				int everywhere = 1;

				for (s = 0; s < nr; s++)
					everywhere &= op_param(r[s].op, k) != NULL &&
					    !json_is_true(json_object_get(op_param(r[s].op, k), "optional"));
				if (!everywhere)
					continue;
			}
			if (!required_in(schema, k))
				problem("%s: %s %s requires '%s', which the tool does not require",
				    tool, json_string_value(json_object_get(r[i].op, "method")),
				    json_string_value(json_object_get(r[i].op, "path")), k);
		}
		/* what the tool adds itself must exist too */
		for (j = 0; hm && hm->fixed[j]; j++)
			if (op_param(r[i].op, hm->fixed[j]) == NULL)
				problem("%s: adds '%s', which %s %s does not take", tool, hm->fixed[j],
				    json_string_value(json_object_get(r[i].op, "method")),
				    json_string_value(json_object_get(r[i].op, "path")));
	}
	for (i = 0; i < nr; i++)
		json_decref(r[i].vars);
	return nr;
}

/* ---------------------------------------------------------------- tests */

START_TEST(test_served_is_curated)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach(curated, k, v) {
		ck_assert_msg(json_object_get(served, k) != NULL, "curated tool %s is not served", k);
		n++;
	}
	/* The door and the composite read-only tools (many reads each, with
	 * their own suites: blast/check_diagnose, doctor/check_doctor) are
	 * written by hand; every other pve_ tool comes from curated.json. */
	json_object_foreach(served, k, v)
		if (strncmp(k, "pve_", 4) == 0 && strcmp(k, "pve_api_get") != 0 &&
		    strcmp(k, "pve_api_call") != 0 && strcmp(k, "pve_node_diagnose") != 0 &&
		    strcmp(k, "pve_diagnose") != 0 && strcmp(k, "pve_doctor") != 0)
			ck_assert_msg(json_object_get(curated, k) != NULL, "served %s is not curated", k);
	ck_assert_uint_eq(n, 147);
}
END_TEST

START_TEST(test_every_curated_request_is_valid)
{
	const char *name;
	json_t *ct;
	size_t reached = 0;

	json_object_foreach(curated, name, ct) {
		const json_t *t = json_object_get(served, name);

		ck_assert_ptr_nonnull(t);
		reached += walk_tool(name, json_object_get(t, "inputSchema"), ct);
	}
	expect_no_problems();
	/* every tool reached at least its own operation */
	ck_assert_uint_ge(reached, json_object_size(curated));
}
END_TEST

/* The walk is not a rubber stamp: broken tools are reported. */
START_TEST(test_walk_reports_broken_tools)
{
	json_t *s, *props;
	char *all;

	/* an argument no operation takes, a wrong type, a dropped requirement */
	s = json_deep_copy(json_object_get(json_object_get(served, "pve_pool_create"), "inputSchema"));
	props = json_object_get(s, "properties");
	json_object_set_new(props, "bogus", json_pack("{s:s}", "type", "string"));
	json_object_set_new(props, "comment", json_pack("{s:s}", "type", "integer"));
	json_object_del(s, "required");
	walk_tool("pve_pool_create", s, json_object_get(curated, "pve_pool_create"));
	json_decref(s);
	/* a {kind} tool that refuses what one kind accepts (the resize bug) */
	s = json_deep_copy(json_object_get(json_object_get(served, "pve_disk_resize"), "inputSchema"));
	json_object_set_new(json_object_get(s, "properties"), "disk", json_pack("{s:s, s:[s]}",
	    "type", "string", "enum", "rootfs"));
	walk_tool("pve_disk_resize", s, json_object_get(curated, "pve_disk_resize"));
	json_decref(s);
	/* an enum value the operation does not know; an unbounded number */
	s = json_deep_copy(json_object_get(json_object_get(served, "pve_guest_power"), "inputSchema"));
	json_array_append_new(json_object_get(json_object_get(json_object_get(s, "properties"),
	    "action"), "enum"), json_string("hibernate"));
	json_object_del(json_object_get(json_object_get(s, "properties"), "vmid"), "maximum");
	walk_tool("pve_guest_power", s, json_object_get(curated, "pve_guest_power"));
	json_decref(s);
	all = json_dumps(problems, JSON_INDENT(1));
	fprintf(stderr, "the broken tools drew: %.2000s\n", all);
	free(all);
	ck_assert(reported("pve_pool_create: argument 'bogus' is accepted"));
	ck_assert(reported("pve_pool_create: argument 'comment' type integer"));
	ck_assert(reported("pve_pool_create: POST /pools requires 'poolid'"));
	ck_assert(reported("pve_disk_resize: argument 'disk' refuses \"scsi0\""));
	ck_assert(reported("status/hibernate is not an operation"));
	ck_assert(reported("pve_guest_power: argument 'vmid' maximum"));
	/* a scoped argument typed for one scope only (the firewall enable bug) */
	s = json_deep_copy(json_object_get(json_object_get(served, "pve_firewall_options_set"),
	    "inputSchema"));
	json_object_set_new(json_object_get(s, "properties"), "enable", json_pack("{s:s, s:i, s:i}",
	    "type", "integer", "minimum", 0, "maximum", 1));
	walk_tool("pve_firewall_options_set", s, json_object_get(curated, "pve_firewall_options_set"));
	json_decref(s);
	ck_assert(reported("pve_firewall_options_set: argument 'enable' refuses every boolean"));
	/* a path variable the tool may leave out */
	s = json_deep_copy(json_object_get(json_object_get(served, "pve_snapshot_delete"),
	    "inputSchema"));
	json_object_del(s, "required");
	walk_tool("pve_snapshot_delete", s, json_object_get(curated, "pve_snapshot_delete"));
	json_decref(s);
	ck_assert(reported("pve_snapshot_delete: path variable {snapname}"));
}
END_TEST

/* The door validates with pve_op_input_schema(): it must be the schema,
 * operation by operation (names, requirement, types, enums, ranges,
 * lengths, patterns, indexed names, nothing else). */
START_TEST(test_door_validator_is_the_schema)
{
	const char *key, *name;
	json_t *op, *p, *conv, *cp, *props, *pprops;
	char buf[512];
	size_t n = 0;

	json_object_foreach(ops, key, op) {
		conv = pve_op_input_schema(op, NULL, NULL);
		props = json_object_get(conv, "properties");
		pprops = json_object_get(conv, "patternProperties");
		if (!json_is_false(json_object_get(conv, "additionalProperties")))
			problem("door %s: additional properties allowed", key);
		json_object_foreach(json_object_get(op, "params"), name, p) {
			const char *why;
			int indexed = strstr(name, "[n]") != NULL;

			if (indexed) {
				char re[160];

				snprintf(re, sizeof re, "^%.*s[0-9]{1,3}$", (int)(strstr(name, "[n]") - name),
				    name);
				cp = json_object_get(pprops, re);
			} else {
				cp = json_object_get(props, name);
			}
			if (cp == NULL) {
				problem("door %s: parameter '%s' is not accepted", key, name);
				continue;
			}
			if ((why = within(buf, sizeof buf, cp, p)) != NULL ||
			    (why = within_limits(buf, sizeof buf, cp, p)) != NULL)
				problem("door %s: '%s' %s", key, name, why);
			if (json_is_array(json_object_get(p, "enum")) &&
			    !json_equal(json_object_get(p, "enum"), json_object_get(cp, "enum")))
				problem("door %s: '%s' enum differs", key, name);
			if (json_is_number(json_object_get(p, "minimum")) &&
			    !json_equal(json_object_get(p, "minimum"), json_object_get(cp, "minimum")))
				problem("door %s: '%s' minimum differs", key, name);
			if (json_is_number(json_object_get(p, "maximum")) &&
			    !json_equal(json_object_get(p, "maximum"), json_object_get(cp, "maximum")))
				problem("door %s: '%s' maximum differs", key, name);
			if (!indexed && (!json_is_true(json_object_get(p, "optional"))) !=
			    required_in(conv, name))
				problem("door %s: '%s' required %s, the schema says %s", key, name,
				    required_in(conv, name) ? "yes" : "no",
				    json_is_true(json_object_get(p, "optional")) ? "optional" : "required");
			n++;
		}
		json_object_foreach(props, name, cp)
			if (json_object_get(json_object_get(op, "params"), name) == NULL)
				problem("door %s: accepts '%s', not a parameter", key, name);
		json_object_foreach(pprops, name, cp)
			if (op_indexed(op, name) == NULL)
				problem("door %s: accepts %s, not an indexed parameter", key, name);
		json_decref(conv);
	}
	expect_no_problems();
	ck_assert_uint_gt(n, 3000);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("pve_schema");
	TCase *tc = tcase_create("requests against data/pve.json");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_served_is_curated);
	tcase_add_test(tc, test_every_curated_request_is_valid);
	tcase_add_test(tc, test_walk_reports_broken_tools);
	tcase_add_test(tc, test_door_validator_is_the_schema);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(suite)
