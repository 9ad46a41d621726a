/**
 * @file gen_tools.c
 * @brief Build-time generator: curated.json + data/pve.json -> tools_gen.c.
 *
 * Every curated operation must exist in the official schema and every
 * parameter a tool exposes must belong to it, so no tool can build a
 * request Proxmox would reject for its shape.  The generator fails the
 * build otherwise.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apischema.h"

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gen_tools: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* A C string literal of s. */
static void
emit_str(FILE *out, const char *s)
{
	if (s == NULL) {
		fputs("NULL", out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\%03o", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static char *
substitute(const char *path, const char *var, const char *value)
{
	char pat[64], *out;
	const char *at;
	size_t n;

	snprintf(pat, sizeof pat, "{%s}", var);
	if ((at = strstr(path, pat)) == NULL)
		return strdup(path);
	n = strlen(path) - strlen(pat) + strlen(value) + 1;
	out = malloc(n);
	snprintf(out, n, "%.*s%s%s", (int)(at - path), path, value, at + strlen(pat));
	return out;
}

static const json_t *
find_op(const struct pve_apischema *api, const char *spec, const char *tool, char **method,
    char **path)
{
	const char *sp = strchr(spec, ' ');
	const json_t *op;
	char m[16];

	if (sp == NULL || (size_t)(sp - spec) >= sizeof m)
		die("%s: op '%s' must be 'METHOD /path'", tool, spec);
	memcpy(m, spec, (size_t)(sp - spec));
	m[sp - spec] = '\0';
	if ((op = pve_apischema_op(api, m, sp + 1)) == NULL)
		die("%s: %s is not an operation of the PVE API schema", tool, spec);
	if (method)
		*method = strdup(m);
	if (path)
		*path = strdup(sp + 1);
	return op;
}

/*
 * A parameter several operations share may differ between them (a disk is
 * scsi0 for a VM, rootfs for a container; a firewall's enable is an
 * integer at datacenter scope, a boolean at node and guest scope).  The
 * tool's schema must accept what any of them accepts: enums of one type
 * are united, other differences become anyOf.  The chosen operation's own
 * schema is still enforced per call (kind and scope checks).
 */
static void
merge_property(json_t *props, const char *k, const json_t *add)
{
	json_t *cur = json_object_get(props, k), *alts, *alt, *u, *e;
	size_t i, j;

	if (cur == NULL) {
		json_object_set(props, k, (json_t *)add);
		return;
	}
	if (json_equal(cur, (json_t *)add))
		return;
	if (json_object_get(cur, "enum") && json_object_get(add, "enum") &&
	    json_equal(json_object_get(cur, "type"), json_object_get(add, "type"))) {
		u = json_deep_copy(json_object_get(cur, "enum"));
		json_array_foreach(json_object_get(add, "enum"), i, e) {
			int seen = 0;

			json_array_foreach(u, j, alt)
				seen |= json_equal(alt, e);
			if (!seen)
				json_array_append(u, e);
		}
		cur = json_deep_copy(cur);
		json_object_set_new(cur, "enum", u);
		json_object_set_new(props, k, cur);
		return;
	}
	if ((alts = json_object_get(cur, "anyOf")) == NULL) {
		alts = json_pack("[O]", cur);
		json_object_set_new(props, k, json_pack("{s:o}", "anyOf", alts));
	}
	json_array_foreach(alts, i, alt)
		if (json_equal(alt, (json_t *)add))
			return;
	json_array_append(alts, (json_t *)add);
}

/* Merge one op's converted schema into an accumulating one (union of
 * properties; required only when every op requires it). */
static void
merge_schema(json_t *acc, const json_t *add, int first)
{
	json_t *ap = json_object_get(acc, "properties"), *req = json_object_get(acc, "required");
	const json_t *addreq = json_object_get(add, "required");
	json_t *keep, *v;
	const char *k;
	size_t i, j;

	json_object_foreach(json_object_get(add, "properties"), k, v)
		merge_property(ap, k, v);
	json_object_foreach(json_object_get(add, "patternProperties"), k, v) {
		if (json_object_get(acc, "patternProperties") == NULL)
			json_object_set_new(acc, "patternProperties", json_object());
		json_object_set(json_object_get(acc, "patternProperties"), k, v);
	}
	if (first) {
		if (addreq)
			json_object_set(acc, "required", (json_t *)addreq);
		return;
	}
	keep = json_array();
	json_array_foreach(req, i, v) {
		json_t *w;
		int found = 0;

		json_array_foreach(addreq, j, w)
			found |= json_equal(v, w);
		if (found)
			json_array_append(keep, v);
	}
	json_object_set_new(acc, "required", keep);
}

static void
drop_required(json_t *schema, const char *name)
{
	json_t *req = json_object_get(schema, "required"), *v;
	size_t i;

	json_array_foreach(req, i, v)
		if (strcmp(json_string_value(v), name) == 0) {
			json_array_remove(req, i);
			return;
		}
}

static uint32_t
parse_flags(const json_t *flags, const char *tool)
{
	uint32_t f = 0;
	json_t *v;
	size_t i;

	json_array_foreach(flags, i, v) {
		const char *s = json_string_value(v);
		if (strcmp(s, "idempotent") == 0)
			f |= 1u << 0;
		else if (strcmp(s, "additive") == 0)
			f |= 1u << 2;
		else if (strcmp(s, "undo") == 0)
			f |= 1u << 3;
		else if (strcmp(s, "async") == 0)
			f |= 1u << 4;
		else
			die("%s: unknown flag '%s'", tool, s);
	}
	return f;
}

static uint32_t
parse_risk(const char *r, const char *tool)
{
	if (r == NULL)
		return 2;	/* medium when a mutation says nothing */
	if (strcmp(r, "none") == 0) return 0;
	if (strcmp(r, "low") == 0) return 1;
	if (strcmp(r, "medium") == 0) return 2;
	if (strcmp(r, "high") == 0) return 3;
	die("%s: unknown risk '%s'", tool, r);
	return 3;
}

int
main(int argc, char **argv)
{
	struct pve_apischema *api;
	json_t *cur, *tools, *t, *descs;
	json_error_t jerr;
	char err[512];
	size_t i, n;
	FILE *out = stdout;

	if (argc != 3)
		die("usage: gen_tools curated.json pve.json > tools_gen.c");
	if ((cur = json_load_file(argv[1], JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		die("%s: %s (line %d)", argv[1], jerr.text, jerr.line);
	if ((api = pve_apischema_load(argv[2], err, sizeof err)) == NULL)
		die("%s", err);
	tools = json_object_get(cur, "tools");
	descs = json_object_get(cur, "param_descriptions");
	n = json_array_size(tools);
	fprintf(out, "/* Generated by gen_tools from curated.json and data/pve.json: do not edit. */\n"
	    "#include <stddef.h>\n#include \"tools_gen.h\"\n\n"
	    "const struct pve_gen_tool pve_gen_tools[] = {\n");
	json_array_foreach(tools, i, t) {
		const char *name = json_string_value(json_object_get(t, "name"));
		const char *kind = json_string_value(json_object_get(t, "kind"));
		const char *desc = json_string_value(json_object_get(t, "desc"));
		const char *handler = json_string_value(json_object_get(t, "handler"));
		const json_t *kinds = json_object_get(t, "kinds"), *scopes = json_object_get(t, "scopes");
		const char *scope_param = json_string_value(json_object_get(t, "scope_param"));
		json_t *schema = NULL, *only = json_object_get(t, "params"), *extra, *v, *props;
		json_t *kind_schemas = NULL;
		const char **onlyv = NULL, *k;
		const char *const optional[] = { "node", NULL };
		char *method = NULL, *path = NULL, *privs = NULL, *text;
		int is_read, h;
		size_t j;

		if (name == NULL || kind == NULL || desc == NULL)
			die("tool #%zu needs name, kind and desc", i);
		is_read = strcmp(kind, "read") == 0;
		if (!is_read && strcmp(kind, "mutate") != 0)
			die("%s: kind must be read or mutate", name);
		if (strncmp(desc, is_read ? "READ-ONLY" : "MUTATION", is_read ? 9 : 8) != 0)
			die("%s: the description must start with %s", name, is_read ? "READ-ONLY" : "MUTATION");
		h = handler == NULL || strcmp(handler, "api") == 0 ? 0 :
		    strcmp(handler, "hand") == 0 ? 1 : strcmp(handler, "scoped") == 0 ? 2 : -1;
		if (h < 0)
			die("%s: handler must be api, hand or scoped", name);
		if (only) {
			onlyv = calloc(json_array_size(only) + 1, sizeof *onlyv);
			json_array_foreach(only, j, v)
				onlyv[j] = json_string_value(v);
		}
		if (h == 2) {
			/* One schema over every scope's operation. */
			json_t *sc_enum = json_array();
			int first = 1;

			if (!json_is_object(scopes) || json_object_size(scopes) == 0)
				die("%s: scoped tools need scopes", name);
			schema = json_pack("{s:s, s:{}, s:[], s:b}", "type", "object", "properties",
			    "required", "additionalProperties", 0);
			json_object_foreach((json_t *)scopes, k, v) {
				char *m2, *p2, *pk;
				const json_t *op;
				json_t *conv;

				json_array_append_new(sc_enum, json_string(k));
				pk = substitute(json_string_value(v), "kind", "qemu");
				op = find_op(api, pk, name, &m2, &p2);
				if (strcmp(m2, is_read ? "GET" : m2) != 0 || (!is_read && strcmp(m2, "GET") == 0))
					die("%s: scope %s uses %s, which does not fit its kind", name, k, m2);
				conv = pve_op_input_schema(op, onlyv, optional);
				merge_schema(schema, conv, first);
				first = 0;
				json_decref(conv);
				if (privs == NULL)
					privs = pve_op_privileges(op);
				free(m2);
				free(p2);
				free(pk);
			}
			props = json_object_get(schema, "properties");
			/* path variables of one scope are checked per scope at run time */
			json_object_set_new(props, scope_param ? scope_param : "scope",
			    json_pack("{s:s, s:o, s:s}", "type", "string", "enum", sc_enum,
			    "description", "which object the call applies to"));
			json_array_append_new(json_object_get(schema, "required"),
			    json_string(scope_param ? scope_param : "scope"));
			{
				char *dumped = json_dumps(scopes, 0);

				if (dumped && strstr(dumped, "{kind}"))
					json_object_set_new(props, "kind", json_pack("{s:s, s:[s,s]}",
					    "type", "string", "enum", "lxc", "qemu"));
				free(dumped);
			}
			method = strdup(is_read ? "GET" : "POST");
			path = strdup("");
		} else {
			const char *opspec = json_string_value(json_object_get(t, "op"));
			int first = 1;

			if (opspec == NULL)
				die("%s: needs op", name);
			if (strstr(opspec, "{kind}") && !json_is_array(kinds))
				die("%s: a {kind} path needs kinds", name);
			if (json_is_array(kinds)) {
				/* The tool accepts the union of the kinds' parameters;
				 * each kind's own schema is kept so the plan refuses a
				 * parameter the chosen kind does not take. */
				kind_schemas = json_object();
				json_array_foreach(kinds, j, v) {
					char *spec = substitute(opspec, "kind", json_string_value(v));
					const json_t *op = find_op(api, spec, name, NULL, NULL);
					json_t *conv = pve_op_input_schema(op, onlyv, optional);

					drop_required(conv, "node");
					json_object_set(kind_schemas, json_string_value(v), conv);
					if (first) {
						schema = json_deep_copy(conv);
						privs = pve_op_privileges(op);
					} else {
						merge_schema(schema, conv, 0);
					}
					json_decref(conv);
					first = 0;
					free(spec);
				}
				/* no default: the plugin looks the guest's kind up */
				json_object_set_new(json_object_get(schema, "properties"), "kind",
				    json_pack("{s:s, s:O}", "type", "string", "enum", kinds));
				{
					char *first_kind = substitute(opspec, "kind",
					    json_string_value(json_array_get(kinds, 0)));

					find_op(api, first_kind, name, &method, NULL);
					free(first_kind);
				}
				path = strdup(strchr(opspec, ' ') + 1);
			} else {
				const json_t *op = find_op(api, opspec, name, &method, &path);

				schema = pve_op_input_schema(op, onlyv, optional);
				privs = pve_op_privileges(op);
			}
			if (is_read && strcmp(method, "GET") != 0)
				die("%s: a read tool must use GET, not %s", name, method);
			if (!is_read && h == 0 && strcmp(method, "GET") == 0)
				die("%s: a mutation cannot be a GET", name);
			if (onlyv)
				for (j = 0; onlyv[j]; j++)
					if (json_object_get(json_object_get(schema, "properties"), onlyv[j]) == NULL)
						die("%s: parameter '%s' is not a parameter of %s", name, onlyv[j], opspec);
		}
		props = json_object_get(schema, "properties");
		drop_required(schema, "node");
		json_object_foreach(json_object_get(t, "extra_params"), k, extra)
			json_object_set(props, k, extra);
		json_array_foreach(json_object_get(t, "extra_required"), j, v)
			json_array_append(json_object_get(schema, "required"), v);
		if (json_array_size(json_object_get(schema, "required")) == 0)
			json_object_del(schema, "required");
		/* Our own words for the common parameters. */
		json_object_foreach(props, k, v)
			if (json_object_get(descs, k) && json_object_get(v, "description") == NULL)
				json_object_set(v, "description", json_object_get(descs, k));
		text = json_dumps(schema, JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(out, "\t{ ");
		emit_str(out, name);
		fputs(", ", out);
		emit_str(out, json_string_value(json_object_get(t, "title")));
		fputs(",\n\t  ", out);
		emit_str(out, desc);
		fprintf(out, ",\n\t  %s, %uu, %uu, %d, ", is_read ? "1u" : "0u",
		    parse_flags(json_object_get(t, "flags"), name),
		    is_read ? 0u : parse_risk(json_string_value(json_object_get(t, "risk")), name), h);
		emit_str(out, method);
		fputs(", ", out);
		emit_str(out, path);
		fputs(",\n\t  ", out);
		emit_str(out, text);
		fputs(",\n\t  ", out);
		emit_str(out, json_string_value(json_object_get(t, "target")));
		fputs(", ", out);
		emit_str(out, json_string_value(json_object_get(t, "change")));
		fputs(", ", out);
		emit_str(out, privs);
		fputs(", ", out);
		if (scopes) {
			char *s = json_dumps(scopes, JSON_COMPACT | JSON_SORT_KEYS);
			emit_str(out, s);
			free(s);
		} else {
			fputs("NULL", out);
		}
		fputs(", ", out);
		emit_str(out, h == 2 ? (scope_param ? scope_param : "scope") : NULL);
		fputs(", ", out);
		if (kind_schemas) {
			char *s = json_dumps(kind_schemas, JSON_COMPACT | JSON_SORT_KEYS);
			emit_str(out, s);
			free(s);
		} else {
			fputs("NULL", out);
		}
		fputs(" },\n", out);
		free(text);
		free(method);
		free(path);
		free(privs);
		free(onlyv);
		json_decref(schema);
		json_decref(kind_schemas);
	}
	fprintf(out, "};\n\nconst size_t pve_gen_ntools = %zu;\n", n);
	pve_apischema_free(api);
	json_decref(cur);
	return 0;
}
