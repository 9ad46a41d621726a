/**
 * @file http_encode.c
 * @brief Parameters as a query string or form body (see http.h).
 *
 * Proxmox reads parameters as strings; the JSON types an agent sends are
 * flattened the way its own clients do it: booleans 1/0, null dropped
 * (the parameter is simply absent), arrays as repeated keys.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/http.h"
#include "transport/path.h"
#include "util/error.h"

/* Shortest decimal that reads back as the same double. */
static void
format_real(char *buf, size_t size, double d)
{
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

static int
put_pair(struct pxm_buf *out, const char *key, const char *val, size_t vlen)
{
	int r;

	if (out->len > 0 && (r = pxm_buf_putc(out, '&')) != PXM_OK)
		return r;
	if ((r = pxm_path_encode(out, key, strlen(key))) != PXM_OK ||
	    (r = pxm_buf_putc(out, '=')) != PXM_OK)
		return r;
	return pxm_path_encode(out, val, vlen);
}

/* Encode one scalar (null: nothing). */
static int
scalar(struct pxm_buf *out, struct pxm_error *err, const char *key,
    const json_t *v, int in_array)
{
	char num[64];

	switch (json_typeof(v)) {
	case JSON_NULL:
		return PXM_OK;
	case JSON_TRUE:
		return put_pair(out, key, "1", 1);
	case JSON_FALSE:
		return put_pair(out, key, "0", 1);
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return put_pair(out, key, num, strlen(num));
	case JSON_REAL:
		if (!isfinite(json_real_value(v)))
			return pxm_error_set(err, PXM_E_INVAL, "bad_param",
			    "parameter '%s' is not a finite number", key);
		format_real(num, sizeof num, json_real_value(v));
		return put_pair(out, key, num, strlen(num));
	case JSON_STRING:
		if (memchr(json_string_value(v), '\0', json_string_length(v)) != NULL)
			return pxm_error_set(err, PXM_E_INVAL, "bad_param",
			    "parameter '%s' contains a NUL byte; accepted: text "
			    "without NUL", key);
		return put_pair(out, key, json_string_value(v), json_string_length(v));
	case JSON_ARRAY:
	case JSON_OBJECT:
	default:
		return pxm_error_set(err, PXM_E_INVAL, "bad_param",
		    "parameter '%s'%s is a nested %s, which a form cannot carry; "
		    "accepted: a string, number, boolean, null, or an array of those "
		    "(sent as repeated keys)", key, in_array ? " holds an array that" : "",
		    json_is_array(v) ? "array" : "object");
	}
}

int
pxm_http_form_encode(struct pxm_buf *out, struct pxm_error *err,
    const json_t *params)
{
	const char *key, *k;
	const json_t *v, *e;
	size_t i;
	int r;

	if (params == NULL)
		return PXM_OK;
	if (!json_is_object(params))
		return pxm_error_set(err, PXM_E_INVAL, "bad_param",
		    "request parameters must be a JSON object");
	json_object_foreach((json_t *)params, key, v) {
		if (key[0] == '\0')
			return pxm_error_set(err, PXM_E_INVAL, "bad_param",
			    "a parameter has an empty name");
		for (k = key; *k; k++)
			if ((unsigned char)*k < 0x20 || *k == 0x7f)
				return pxm_error_set(err, PXM_E_INVAL, "bad_param",
				    "a parameter name contains a control character");
		if (!pxm_utf8_valid(key, strlen(key)))
			return pxm_error_set(err, PXM_E_INVAL, "bad_param",
			    "a parameter name is not valid UTF-8");
		if (json_is_array(v)) {
			json_array_foreach(v, i, e)
				if ((r = scalar(out, err, key, e, 1)) != PXM_OK)
					return r;
			continue;
		}
		if ((r = scalar(out, err, key, v, 0)) != PXM_OK)
			return r;
	}
	return PXM_OK;
}
