/**
 * @file apischema.c
 * @brief The PVE API schema as data, and its conversion to JSON Schema.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apischema.h"

struct pve_apischema {
	json_t	*root;
	json_t	*ops;		/* array */
	json_t	*index;		/* "METHOD path" -> op */
};

struct pve_apischema *
pve_apischema_load(const char *path, char *errbuf, size_t errsize)
{
	struct pve_apischema *s;
	json_error_t jerr;
	json_t *op;
	size_t i;
	char key[1024];

	if ((s = calloc(1, sizeof *s)) == NULL) {
		snprintf(errbuf, errsize, "out of memory");
		return NULL;
	}
	if ((s->root = json_load_file(path, 0, &jerr)) == NULL) {
		snprintf(errbuf, errsize, "cannot load the PVE API schema %s: %s (line %d)", path,
		    jerr.text, jerr.line);
		free(s);
		return NULL;
	}
	s->ops = json_object_get(s->root, "operations");
	s->index = json_object();
	json_array_foreach(s->ops, i, op) {
		snprintf(key, sizeof key, "%s %s", json_string_value(json_object_get(op, "method")),
		    json_string_value(json_object_get(op, "path")));
		json_object_set(s->index, key, op);
	}
	return s;
}

void
pve_apischema_free(struct pve_apischema *s)
{
	if (s == NULL)
		return;
	json_decref(s->index);
	json_decref(s->root);
	free(s);
}

const json_t *
pve_apischema_op(const struct pve_apischema *s, const char *method, const char *path)
{
	char key[1024];

	snprintf(key, sizeof key, "%s %s", method, path);
	return json_object_get(s->index, key);
}

const json_t *
pve_apischema_ops(const struct pve_apischema *s)
{
	return s->ops;
}

/* PVE's named formats, as the patterns its own verifiers implement.  A
 * format not listed here is left to Proxmox to check. */
static const struct {
	const char	*format;
	const char	*pattern;
} formats[] = {
	{ "pve-node", "^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$" },
	/* PVE::JSONSchema's $CONFIGID_RE is qr/[a-z][a-z0-9_-]+/i: snapshot
	 * names, HA rule and backup job ids may hold '-' and capitals. */
	{ "pve-configid", "^[A-Za-z][A-Za-z0-9_-]+$" },
	{ "pve-storage-id", "^[A-Za-z][A-Za-z0-9._-]*[A-Za-z0-9]$" },
	/* nested pools (PVE 8.1+): up to three levels */
	{ "pve-poolid", "^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+){0,2}$" },
	{ "pve-groupid", "^[A-Za-z0-9._-]+$" },
	{ "pve-roleid", "^[A-Za-z0-9._-]+$" },
	{ "pve-realm", "^[A-Za-z][A-Za-z0-9._-]+$" },
	{ "pve-userid", "^[^\\s:/]{1,64}@[A-Za-z][A-Za-z0-9._-]+$" },
	{ "pve-tokenid", "^[A-Za-z][A-Za-z0-9._-]+$" },
	{ "pve-iface", "^[a-zA-Z][a-zA-Z0-9_]{1,20}([:.][0-9]+)?$" },
	{ "pve-volume-id", "^[a-z][a-z0-9._-]*[a-z0-9]:.+$" },
	{ "pve-replication-job-id", "^[1-9][0-9]{2,8}-[0-9]{1,9}$" },
	{ "pve-ha-resource-or-vm-id", "^(([a-z]+):)?[0-9]+$" },
	{ "pve-sdn-zone-id", "^[a-z][a-z0-9]*[a-z0-9]$" },
	{ "pve-sdn-vnet-id", "^[a-z][a-z0-9]*[a-z0-9]$" },
	{ "mac-addr", "^[a-fA-F0-9]{2}(:[a-fA-F0-9]{2}){5}$" },
};

#define DEFAULT_MAX_LENGTH 65536	/* no unbounded strings reach Proxmox */

/*
 * PVE patterns are Perl regexes; JSON Schema's are ECMA-262 (and clients
 * compile them with the u flag).  Rewrite the Perl-only spellings:
 * (?^:...), (?^i:...) and atomic (?>...) groups become plain groups,
 * {,n} becomes {0,n}, and identity escapes
 * of characters that need none (\_ \@ \! \- outside a class ...) lose
 * their backslash.  PCRE2, the core's engine, reads the result the same.
 */
char *
pve_pattern_to_ecma(const char *in)
{
	size_t n = strlen(in), i, o = 0;
	char *out = malloc(n + 1);
	int in_class = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		char c = in[i];

		if (c == '\\' && i + 1 < n) {
			char e = in[i + 1];

			if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9') ||
			    strchr("^$\\.*+?()[]{}|/", e) || (e == '-' && in_class)) {
				out[o++] = c;
				out[o++] = e;
			} else {
				out[o++] = e;	/* a needless escape */
			}
			i++;
			continue;
		}
		if (!in_class && c == '(' && strncmp(in + i, "(?^", 3) == 0) {
			/* (?^flags:  ->  (?: */
			size_t j = i + 3;

			while (j < n && in[j] != ':' && in[j] != ')')
				j++;
			if (j < n && in[j] == ':') {
				out[o++] = '(';
				out[o++] = '?';
				out[o++] = ':';
				i = j;
				continue;
			}
		}
		if (!in_class && c == '(' && strncmp(in + i, "(?>", 3) == 0) {
			/* atomic group: same strings accepted here */
			out[o++] = '(';
			out[o++] = '?';
			out[o++] = ':';
			i += 2;
			continue;
		}
		if (!in_class && c == '{' && i + 1 < n && in[i + 1] == ',') {
			/* Perl's {,n} is {0,n} */
			char *grown = realloc(out, n + (o - i) + 2);

			if (grown == NULL) {
				free(out);
				return NULL;
			}
			out = grown;
			out[o++] = '{';
			out[o++] = '0';
			continue;
		}
		if (c == '[' && !in_class)
			in_class = 1;
		else if (c == ']' && in_class)
			in_class = 0;
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

static int
default_fits(const json_t *def, const char *type)
{
	if (strcmp(type, "string") == 0)
		return json_is_string(def);
	if (strcmp(type, "integer") == 0)
		return json_is_integer(def);
	if (strcmp(type, "number") == 0)
		return json_is_number(def);
	if (strcmp(type, "boolean") == 0)
		return json_is_boolean(def);
	return 0;
}

json_t *
pve_param_schema(const json_t *p)
{
	const char *type = json_string_value(json_object_get(p, "type"));
	const json_t *fmt = json_object_get(p, "format"), *v;
	json_t *s = json_object();
	char anchored[4096];
	size_t i;

	if (type == NULL || strcmp(type, "null") == 0)
		type = "string";
	json_object_set_new(s, "type", json_string(type));
	if ((v = json_object_get(p, "enum")) != NULL && json_is_array(v))
		json_object_set(s, "enum", (json_t *)v);
	if ((v = json_object_get(p, "minimum")) != NULL && json_is_number(v))
		json_object_set(s, "minimum", (json_t *)v);
	if ((v = json_object_get(p, "maximum")) != NULL && json_is_number(v))
		json_object_set(s, "maximum", (json_t *)v);
	if (strcmp(type, "string") == 0) {
		v = json_object_get(p, "maxLength");
		json_object_set_new(s, "maxLength", json_is_integer(v) ? json_incref((json_t *)v) :
		    json_integer(DEFAULT_MAX_LENGTH));
		if ((v = json_object_get(p, "pattern")) != NULL && json_is_string(v)) {
			/* PVE matches its patterns anchored. */
			char *ecma = pve_pattern_to_ecma(json_string_value(v));

			snprintf(anchored, sizeof anchored, "^(?:%s)$", ecma ? ecma : "");
			free(ecma);
			json_object_set_new(s, "pattern", json_string(anchored));
		} else if (json_is_string(fmt)) {
			for (i = 0; i < sizeof formats / sizeof formats[0]; i++)
				if (strcmp(formats[i].format, json_string_value(fmt)) == 0)
					json_object_set_new(s, "pattern", json_string(formats[i].pattern));
		}
	}
	if (strcmp(type, "array") == 0) {
		v = json_object_get(p, "items");
		json_object_set_new(s, "items", json_is_object(v) ? pve_param_schema(v) :
		    json_pack("{s:s}", "type", "string"));
	}
	if ((v = json_object_get(p, "default")) != NULL && default_fits(v, type))
		json_object_set(s, "default", (json_t *)v);
	return s;
}

static int
in_list(const char *name, const char *const *list)
{
	size_t i;

	for (i = 0; list && list[i]; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

json_t *
pve_op_input_schema(const json_t *op, const char *const *only, const char *const *optional)
{
	json_t *schema, *props, *pattern_props, *req, *p;
	const json_t *params = json_object_get(op, "params");
	const char *name, *bracket;
	char base[128], re[160];

	props = json_object();
	pattern_props = json_object();
	req = json_array();
	json_object_foreach((json_t *)params, name, p) {
		if (only && !in_list(name, only))
			continue;
		if ((bracket = strstr(name, "[n]")) != NULL || json_is_true(json_object_get(p, "indexed"))) {
			/* "net[n]" stands for net0, net1, ... */
			size_t n = bracket ? (size_t)(bracket - name) : strcspn(name, "[");

			if (n >= sizeof base)
				continue;
			memcpy(base, name, n);
			base[n] = '\0';
			snprintf(re, sizeof re, "^%s[0-9]{1,3}$", base);
			json_object_set_new(pattern_props, re, pve_param_schema(p));
			continue;
		}
		json_object_set_new(props, name, pve_param_schema(p));
		if (!json_is_true(json_object_get(p, "optional")) && !in_list(name, optional))
			json_array_append_new(req, json_string(name));
	}
	schema = json_pack("{s:s, s:o, s:b}", "type", "object", "properties", props,
	    "additionalProperties", 0);
	if (json_object_size(pattern_props))
		json_object_set_new(schema, "patternProperties", pattern_props);
	else
		json_decref(pattern_props);
	if (json_array_size(req))
		json_object_set_new(schema, "required", req);
	else
		json_decref(req);
	return schema;
}

/* Collect privilege names from a permissions check (["perm", path, [privs],
 * ...] and nested and/or forms). */
static void
collect_privs(const json_t *check, json_t *seen)
{
	const json_t *x;
	size_t i;

	if (!json_is_array(check) || json_array_size(check) == 0)
		return;
	if (json_is_string(json_array_get(check, 0)) &&
	    strcmp(json_string_value(json_array_get(check, 0)), "perm") == 0) {
		json_array_foreach(json_array_get(check, 2), i, x)
			if (json_is_string(x))
				json_object_set_new(seen, json_string_value(x), json_true());
		return;
	}
	json_array_foreach(check, i, x)
		collect_privs(x, seen);
}

char *
pve_op_privileges(const json_t *op)
{
	json_t *seen = json_object(), *v;
	const char *k;
	size_t len = 0;
	char *out;

	collect_privs(json_object_get(json_object_get(op, "permissions"), "check"), seen);
	json_object_foreach(seen, k, v)
		len += strlen(k) + 1;
	if (len == 0) {
		json_decref(seen);
		return NULL;
	}
	out = calloc(1, len + 1);
	json_object_foreach(seen, k, v) {
		if (*out)
			strcat(out, ",");
		strcat(out, k);
	}
	json_decref(seen);
	return out;
}
