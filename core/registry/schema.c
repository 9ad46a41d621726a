/**
 * @file schema.c
 * @brief Validation of tool arguments against their JSON Schema.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "registry/schema.h"
#include "util/buf.h"
#include "util/error.h"

/* Keywords we enforce, and annotations we accept and ignore. */
static const char *const enforced[] = {
	"type", "properties", "required", "additionalProperties", "enum",
	"const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
	"minLength", "maxLength", "pattern", "items", "minItems", "maxItems",
	"uniqueItems", "anyOf", "oneOf", "allOf", "patternProperties", "maxProperties",
	"minProperties",
};
static const char *const annotations[] = {
	"title", "description", "default", "examples", "format", "$schema",
	"$comment", "readOnly", "writeOnly", "deprecated", "$id",
};

static int
in_list(const char *k, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(k, list[i]) == 0)
			return 1;
	return 0;
}

#define NELEM(a) (sizeof (a) / sizeof (a)[0])

static int check_node(struct pxm_error *err, const json_t *s, const char *what, int depth);

static int
check_sub_array(struct pxm_error *err, const json_t *a, const char *kw,
    const char *what, int depth)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return pxm_error_set(err, PXM_E_INVAL, "schema",
		    "%s: '%s' must be a non-empty array of schemas", what, kw);
	json_array_foreach(a, i, v)
		if (check_node(err, v, what, depth + 1) != PXM_OK)
			return err->code;
	return PXM_OK;
}

static int
check_node(struct pxm_error *err, const json_t *s, const char *what, int depth)
{
	const char *k;
	json_t *v, *p;
	size_t i;
	const char *kp;
	static const char *const types[] = {
		"string", "integer", "number", "boolean", "object", "array", "null",
	};

	if (depth > 32)
		return pxm_error_set(err, PXM_E_INVAL, "schema", "%s: nested too deeply", what);
	if (json_is_true(s))
		return PXM_OK;
	if (!json_is_object(s))
		return pxm_error_set(err, PXM_E_INVAL, "schema",
		    "%s: a schema must be an object", what);
	json_object_foreach((json_t *)s, k, v) {
		if (in_list(k, annotations, NELEM(annotations)))
			continue;
		if (!in_list(k, enforced, NELEM(enforced)))
			return pxm_error_set(err, PXM_E_INVAL, "schema",
			    "%s: unsupported schema keyword '%s'", what, k);
		if (strcmp(k, "type") == 0) {
			if (json_is_string(v)) {
				if (!in_list(json_string_value(v), types, NELEM(types)))
					goto bad_type;
			} else if (json_is_array(v)) {
				json_array_foreach(v, i, p)
					if (!json_is_string(p) ||
					    !in_list(json_string_value(p), types, NELEM(types)))
						goto bad_type;
			} else {
				goto bad_type;
			}
		} else if (strcmp(k, "properties") == 0 || strcmp(k, "patternProperties") == 0) {
			if (!json_is_object(v))
				return pxm_error_set(err, PXM_E_INVAL, "schema",
				    "%s: '%s' must be an object", what, k);
			json_object_foreach(v, kp, p) {
				if (k[0] == 'p' && k[1] == 'a' && pxm_regex_match(kp, "", 0) < 0)
					return pxm_error_set(err, PXM_E_INVAL, "schema",
					    "%s: patternProperties key '%s' does not compile", what, kp);
				if (check_node(err, p, what, depth + 1) != PXM_OK)
					return err->code;
			}
		} else if (strcmp(k, "required") == 0) {
			if (!json_is_array(v))
				return pxm_error_set(err, PXM_E_INVAL, "schema",
				    "%s: 'required' must be an array of names", what);
			json_array_foreach(v, i, p) {
				if (!json_is_string(p))
					return pxm_error_set(err, PXM_E_INVAL, "schema",
					    "%s: 'required' must be an array of names", what);
				if (!json_object_get(json_object_get(s, "properties"),
				    json_string_value(p)))
					return pxm_error_set(err, PXM_E_INVAL, "schema",
					    "%s: required '%s' is not in properties", what,
					    json_string_value(p));
			}
		} else if (strcmp(k, "additionalProperties") == 0 || strcmp(k, "items") == 0) {
			if (!json_is_boolean(v) && check_node(err, v, what, depth + 1) != PXM_OK)
				return err->code;
		} else if (strcmp(k, "enum") == 0) {
			if (!json_is_array(v) || json_array_size(v) == 0)
				return pxm_error_set(err, PXM_E_INVAL, "schema",
				    "%s: 'enum' must be a non-empty array", what);
		} else if (strcmp(k, "pattern") == 0) {
			if (!json_is_string(v) ||
			    pxm_regex_match(json_string_value(v), "", 0) < 0)
				return pxm_error_set(err, PXM_E_INVAL, "schema",
				    "%s: 'pattern' does not compile", what);
		} else if (strcmp(k, "anyOf") == 0 || strcmp(k, "oneOf") == 0 ||
		    strcmp(k, "allOf") == 0) {
			if (check_sub_array(err, v, k, what, depth) != PXM_OK)
				return err->code;
		} else if (strcmp(k, "uniqueItems") == 0) {
			if (!json_is_boolean(v))
				return pxm_error_set(err, PXM_E_INVAL, "schema",
				    "%s: 'uniqueItems' must be a boolean", what);
		} else if (strcmp(k, "const") != 0 && !json_is_number(v)) {
			return pxm_error_set(err, PXM_E_INVAL, "schema",
			    "%s: '%s' must be a number", what, k);
		}
	}
	return PXM_OK;
bad_type:
	return pxm_error_set(err, PXM_E_INVAL, "schema",
	    "%s: 'type' must be one of string, integer, number, boolean, object, array, null", what);
}

int
pxm_schema_check(struct pxm_error *err, const json_t *schema, const char *what)
{
	json_t *t;

	if (!json_is_object(schema))
		return pxm_error_set(err, PXM_E_INVAL, "schema",
		    "%s: the schema must be a JSON object", what);
	t = json_object_get(schema, "type");
	if (!json_is_string(t) || strcmp(json_string_value(t), "object") != 0)
		return pxm_error_set(err, PXM_E_INVAL, "schema",
		    "%s: the root of an input schema must have type \"object\"", what);
	return check_node(err, schema, what, 0);
}

/* ---------------------------------------------------------------- validate */

struct vctx {
	struct pxm_error	*err;
	struct pxm_buf		path;	/* "disks[2].size" */
};

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:	return "an object";
	case JSON_ARRAY:	return "an array";
	case JSON_STRING:	return "a string";
	case JSON_INTEGER:	return "an integer";
	case JSON_REAL:		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:	return "a boolean";
	case JSON_NULL:		return "null";
	}
	return "a value";
}

/* A short, safe rendering of a value for error messages: at most ~60
 * characters, control characters escaped. */
static void
render(char *out, size_t size, const json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);
	size_t n;

	if (s == NULL) {
		snprintf(out, size, "(unprintable)");
		return;
	}
	n = strlen(s);
	if (n > 60)
		snprintf(out, size, "%.57s...", s);
	else
		snprintf(out, size, "%s", s);
	free(s);
}

static int
fail(struct vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct vctx *c, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->path.len)
		return pxm_error_set(c->err, PXM_E_INVAL, "invalid_argument",
		    "argument '%s' %s", c->path.data, msg);
	return pxm_error_set(c->err, PXM_E_INVAL, "invalid_argument", "arguments %s", msg);
}

static int
type_matches(const char *t, const json_t *v)
{
	double d;

	if (strcmp(t, "string") == 0)
		return json_is_string(v);
	if (strcmp(t, "integer") == 0) {
		if (json_is_integer(v))
			return 1;
		if (json_is_real(v)) {
			d = json_real_value(v);
			return isfinite(d) && d == floor(d) && fabs(d) < 9007199254740992.0;
		}
		return 0;
	}
	if (strcmp(t, "number") == 0)
		return json_is_number(v);
	if (strcmp(t, "boolean") == 0)
		return json_is_boolean(v);
	if (strcmp(t, "object") == 0)
		return json_is_object(v);
	if (strcmp(t, "array") == 0)
		return json_is_array(v);
	if (strcmp(t, "null") == 0)
		return json_is_null(v);
	return 0;
}

static size_t
utf8_length(const char *s, size_t n)
{
	size_t i, cps = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			cps++;
	return cps;
}

static int validate(struct vctx *c, const json_t *s, const json_t *v);

static int
validate_object(struct vctx *c, const json_t *s, const json_t *v)
{
	const json_t *props = json_object_get(s, "properties");
	const json_t *req = json_object_get(s, "required");
	const json_t *addl = json_object_get(s, "additionalProperties");
	const json_t *pprops = json_object_get(s, "patternProperties");
	struct pxm_buf accepted = PXM_BUF_INIT;
	const char *k;
	const json_t *sub;
	json_t *x;
	size_t i, mark = c->path.len;
	int r = PXM_OK;

	x = (json_t *)json_object_get(s, "maxProperties");
	if (x && (double)json_object_size(v) > json_number_value(x))
		return fail(c, "has %zu members; at most %.0f accepted", json_object_size(v),
		    json_number_value(x));
	x = (json_t *)json_object_get(s, "minProperties");
	if (x && (double)json_object_size(v) < json_number_value(x))
		return fail(c, "has %zu members; at least %.0f required", json_object_size(v),
		    json_number_value(x));
	json_array_foreach(req, i, x) {
		if (json_object_get(v, json_string_value(x)) == NULL) {
			if (c->path.len)
				pxm_buf_putc(&c->path, '.');
			pxm_buf_puts(&c->path, json_string_value(x));
			r = pxm_error_set(c->err, PXM_E_INVAL, "invalid_argument",
			    "missing required argument '%s'", c->path.data);
			goto out;
		}
	}
	json_object_foreach((json_t *)v, k, x) {
		sub = props ? json_object_get(props, k) : NULL;
		if (sub == NULL && pprops) {
			const char *pk;
			json_t *pv;

			json_object_foreach((json_t *)pprops, pk, pv)
				if (pxm_regex_match(pk, k, strlen(k)) == 1) {
					sub = pv;
					break;
				}
		}
		if (sub == NULL) {
			if (json_is_false(addl)) {
				const char *pk;
				json_t *pv;

				json_object_foreach((json_t *)props, pk, pv)
					pxm_buf_printf(&accepted, "%s%s", accepted.len ? ", " : "", pk);
				json_object_foreach((json_t *)pprops, pk, pv)
					pxm_buf_printf(&accepted, "%snames matching %s",
					    accepted.len ? ", " : "", pk);
				if (c->path.len)
					pxm_buf_putc(&c->path, '.');
				pxm_buf_puts(&c->path, k);
				r = pxm_error_set(c->err, PXM_E_INVAL, "invalid_argument",
				    "unknown argument '%s'; accepted: %s", c->path.data,
				    accepted.len ? accepted.data : "(none)");
				goto out;
			}
			sub = json_is_object(addl) ? addl : NULL;
		}
		if (sub == NULL)
			continue;
		if (c->path.len)
			pxm_buf_putc(&c->path, '.');
		pxm_buf_puts(&c->path, k);
		if ((r = validate(c, sub, x)) != PXM_OK)
			goto out;
		c->path.len = mark;
		if (c->path.data)
			c->path.data[mark] = '\0';
	}
out:
	pxm_buf_free(&accepted);
	return r;
}

static int
validate_array(struct vctx *c, const json_t *s, const json_t *v)
{
	const json_t *items = json_object_get(s, "items"), *mn, *mx, *uq;
	size_t i, j, mark = c->path.len, n = json_array_size(v);
	json_t *x;
	int r;

	mn = json_object_get(s, "minItems");
	mx = json_object_get(s, "maxItems");
	uq = json_object_get(s, "uniqueItems");
	if (mn && (double)n < json_number_value(mn))
		return fail(c, "has %zu item(s); at least %.0f required", n, json_number_value(mn));
	if (mx && (double)n > json_number_value(mx))
		return fail(c, "has %zu item(s); at most %.0f accepted", n, json_number_value(mx));
	if (json_is_true(uq))
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				if (json_equal(json_array_get(v, i), json_array_get(v, j)))
					return fail(c, "has a repeated item at %zu; items must be unique", j);
	if (!json_is_object(items))
		return PXM_OK;
	json_array_foreach((json_t *)v, i, x) {
		pxm_buf_printf(&c->path, "[%zu]", i);
		if ((r = validate(c, items, x)) != PXM_OK)
			return r;
		c->path.len = mark;
		c->path.data[mark] = '\0';
	}
	return PXM_OK;
}

static int
validate_string(struct vctx *c, const json_t *s, const json_t *v)
{
	const char *str = json_string_value(v);
	size_t bytes = json_string_length(v), cps;
	const json_t *mn = json_object_get(s, "minLength");
	const json_t *mx = json_object_get(s, "maxLength");
	const json_t *pat = json_object_get(s, "pattern");
	char shown[96];

	if (mn || mx) {
		cps = utf8_length(str, bytes);
		if (mn && (double)cps < json_number_value(mn))
			return fail(c, "is %zu character(s) long; at least %.0f required",
			    cps, json_number_value(mn));
		if (mx && (double)cps > json_number_value(mx))
			return fail(c, "is %zu characters long; at most %.0f accepted",
			    cps, json_number_value(mx));
	}
	if (json_is_string(pat)) {
		if (memchr(str, '\0', bytes) != NULL)
			return fail(c, "contains a NUL character");
		if (pxm_regex_match(json_string_value(pat), str, bytes) != 1) {
			render(shown, sizeof shown, v);
			return fail(c, "does not match the pattern %s (got %s)",
			    json_string_value(pat), shown);
		}
	}
	return PXM_OK;
}

/* a <=> b as -1, 0, 1; exact when both are integers (a double holds
 * integers exactly only up to 2^53). */
static int
num_cmp(const json_t *a, const json_t *b)
{
	json_int_t i, j;
	double x, y;

	if (json_is_integer(a) && json_is_integer(b)) {
		i = json_integer_value(a);
		j = json_integer_value(b);
		return (i > j) - (i < j);
	}
	x = json_number_value(a);
	y = json_number_value(b);
	return (x > y) - (x < y);
}

static int
validate_number(struct vctx *c, const json_t *s, const json_t *v)
{
	double d = json_number_value(v);
	const json_t *mn = json_object_get(s, "minimum");
	const json_t *mx = json_object_get(s, "maximum");
	const json_t *xmn = json_object_get(s, "exclusiveMinimum");
	const json_t *xmx = json_object_get(s, "exclusiveMaximum");
	char shown[96];

	if (!isfinite(d))
		return fail(c, "must be a finite number");
	render(shown, sizeof shown, v);
	if ((mn && num_cmp(v, mn) < 0) || (mx && num_cmp(v, mx) > 0)) {
		if (mn && mx)
			return fail(c, "must be from %.17g to %.17g (got %s)",
			    json_number_value(mn), json_number_value(mx), shown);
		if (mn)
			return fail(c, "must be at least %.17g (got %s)", json_number_value(mn), shown);
		return fail(c, "must be at most %.17g (got %s)", json_number_value(mx), shown);
	}
	if (xmn && num_cmp(v, xmn) <= 0)
		return fail(c, "must be greater than %.17g (got %s)", json_number_value(xmn), shown);
	if (xmx && num_cmp(v, xmx) >= 0)
		return fail(c, "must be less than %.17g (got %s)", json_number_value(xmx), shown);
	return PXM_OK;
}

static int
validate_combinator(struct vctx *c, const json_t *s, const json_t *v)
{
	const json_t *any = json_object_get(s, "anyOf");
	const json_t *one = json_object_get(s, "oneOf");
	const json_t *all = json_object_get(s, "allOf");
	struct pxm_error first, scratch;
	struct pxm_error *saved = c->err;
	size_t i, mark = c->path.len, matched;
	json_t *sub;
	int r;

	json_array_foreach(all, i, sub)
		if ((r = validate(c, sub, v)) != PXM_OK)
			return r;
	if (any == NULL && one == NULL)
		return PXM_OK;
	pxm_error_clear(&first);
	matched = 0;
	json_array_foreach(any ? any : one, i, sub) {
		c->err = matched || first.code ? &scratch : &first;
		r = validate(c, sub, v);
		c->path.len = mark;
		if (c->path.data)
			c->path.data[mark] = '\0';
		if (r == PXM_OK)
			matched++;
	}
	c->err = saved;
	if (any && matched)
		return PXM_OK;
	if (one && matched == 1)
		return PXM_OK;
	if (one && matched > 1)
		return fail(c, "matches more than one of the accepted forms");
	/* Report the first alternative's complaint: usually the main form. */
	if (first.code) {
		*c->err = first;
		return first.code;
	}
	return fail(c, "matches none of the accepted forms");
}

static int
validate(struct vctx *c, const json_t *s, const json_t *v)
{
	const json_t *t, *e, *x;
	char shown[96];
	size_t i;
	int ok, r;

	if (json_is_true(s) || !json_is_object(s))
		return PXM_OK;
	if ((t = json_object_get(s, "type")) != NULL) {
		if (json_is_string(t))
			ok = type_matches(json_string_value(t), v);
		else {
			ok = 0;
			json_array_foreach(t, i, x)
				ok |= type_matches(json_string_value(x), v);
		}
		if (!ok) {
			if (json_is_string(t))
				return fail(c, "must be %s%s, got %s",
				    strcmp(json_string_value(t), "integer") == 0 ? "an " :
				    strcmp(json_string_value(t), "array") == 0 ? "an " :
				    strcmp(json_string_value(t), "object") == 0 ? "an " :
				    strcmp(json_string_value(t), "null") == 0 ? "" : "a ",
				    json_string_value(t), type_name(v));
			return fail(c, "has the wrong type (%s)", type_name(v));
		}
	}
	if ((e = json_object_get(s, "const")) != NULL && !json_equal(e, (json_t *)v)) {
		render(shown, sizeof shown, e);
		return fail(c, "must be %s", shown);
	}
	if ((e = json_object_get(s, "enum")) != NULL) {
		ok = 0;
		json_array_foreach(e, i, x)
			if (json_equal(x, (json_t *)v) ||
			    (json_is_number(x) && json_is_number(v) && num_cmp(x, v) == 0))
				ok = 1;
		if (!ok) {
			struct pxm_buf list = PXM_BUF_INIT;
			char item[96];

			json_array_foreach(e, i, x) {
				if (json_is_string(x))
					pxm_buf_printf(&list, "%s%s", i ? ", " : "", json_string_value(x));
				else {
					render(item, sizeof item, x);
					pxm_buf_printf(&list, "%s%s", i ? ", " : "", item);
				}
			}
			render(shown, sizeof shown, v);
			r = fail(c, "must be one of: %s (got %s)", list.data ? list.data : "", shown);
			pxm_buf_free(&list);
			return r;
		}
	}
	if (json_is_object(v) && (r = validate_object(c, s, v)) != PXM_OK)
		return r;
	if (json_is_array(v) && (r = validate_array(c, s, v)) != PXM_OK)
		return r;
	if (json_is_string(v) && (r = validate_string(c, s, v)) != PXM_OK)
		return r;
	if (json_is_number(v) && (r = validate_number(c, s, v)) != PXM_OK)
		return r;
	return validate_combinator(c, s, v);
}

int
pxm_schema_validate(struct pxm_error *err, const json_t *schema, const json_t *instance)
{
	struct vctx c = { err, PXM_BUF_INIT };
	int r;

	r = validate(&c, schema, instance);
	pxm_buf_free(&c.path);
	return r;
}

json_t *
pxm_schema_integral(const json_t *v)
{
	json_t *out, *x, *c;
	const char *k;
	size_t i;
	double d;

	switch (json_typeof(v)) {
	case JSON_REAL:
		d = json_real_value(v);
		if (isfinite(d) && d == floor(d) && fabs(d) < 9007199254740992.0)
			return json_integer((json_int_t)d);
		return json_incref((json_t *)v);
	case JSON_OBJECT:
		if ((out = json_object()) == NULL)
			return NULL;
		json_object_foreach((json_t *)v, k, x) {
			if ((c = pxm_schema_integral(x)) == NULL ||
			    json_object_set_new(out, k, c) != 0) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	case JSON_ARRAY:
		if ((out = json_array()) == NULL)
			return NULL;
		json_array_foreach(v, i, x) {
			if ((c = pxm_schema_integral(x)) == NULL ||
			    json_array_append_new(out, c) != 0) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	default:
		return json_incref((json_t *)v);
	}
}
