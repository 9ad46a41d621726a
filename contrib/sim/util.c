/**
 * @file util.c
 * @brief proximo-sim: small helpers (responses, parameters, encodings).
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "util/buf.h"

#include "sim.h"

const char *const sim_surface_names[SIM_NSURF] = { "pve", "pbs", "pmg" };

int64_t
sim_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t
sim_rand(struct sim *s)
{
	uint64_t x = s->rng ? s->rng : 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	s->rng = x;
	return x;
}

double
sim_rand01(struct sim *s)
{
	return (double)(sim_rand(s) >> 11) / 9007199254740992.0;
}

void
sim_resp_clear(struct sim_resp *rs)
{
	json_decref(rs->data);
	json_decref(rs->errors);
	json_decref(rs->attrs);
	free(rs->msg);
	free(rs->text);
	memset(rs, 0, sizeof *rs);
}

void
sim_err(struct sim_resp *rs, int status, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;

	json_decref(rs->data);
	rs->data = NULL;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	free(rs->msg);
	rs->msg = m;
	rs->status = status;
}

void
sim_ok(struct sim_resp *rs, json_t *data)
{
	json_decref(rs->data);
	rs->data = data;
	rs->status = 200;
}

const char *
sim_param_str(const struct sim_req *rq, const char *name)
{
	json_t *v = json_object_get(rq->params, name);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int
sim_param_int(const struct sim_req *rq, const char *name, long long *out)
{
	json_t *v = json_object_get(rq->params, name);
	char *end;
	long long x;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 1;
	}
	if (json_is_real(v)) {
		*out = (long long)json_real_value(v);
		return 1;
	}
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 1;
	}
	if (!json_is_string(v))
		return 0;
	x = strtoll(json_string_value(v), &end, 10);
	if (end == json_string_value(v) || *end)
		return 0;
	*out = x;
	return 1;
}

int
sim_param_bool(const struct sim_req *rq, const char *name, int def)
{
	json_t *v = json_object_get(rq->params, name);

	if (v == NULL || json_is_null(v))
		return def;
	return sim_json_truthy(v);
}

void
sim_setdef(json_t *o, const char *k, json_t *v)
{
	if (json_object_get(o, k) == NULL)
		json_object_set_new(o, k, v);
	else
		json_decref(v);
}

int
sim_json_truthy(const json_t *v)
{
	const char *s;

	if (v == NULL)
		return 0;
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_real(v))
		return json_real_value(v) != 0;
	if (json_is_string(v)) {
		s = json_string_value(v);
		return strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0 ||
		    strcasecmp(s, "yes") == 0 || strcasecmp(s, "on") == 0;
	}
	return 0;
}

long long
sim_json_int(const json_t *v, long long def)
{
	char *end;
	long long x;

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_string(v)) {
		x = strtoll(json_string_value(v), &end, 10);
		if (end != json_string_value(v) && *end == '\0')
			return x;
	}
	return def;
}

char *
sim_json_text(const json_t *v)
{
	char *out = NULL;

	if (v == NULL || json_is_null(v))
		return strdup("");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_true(v))
		return strdup("1");
	if (json_is_false(v))
		return strdup("0");
	if (json_is_integer(v)) {
		if (asprintf(&out, "%lld", (long long)json_integer_value(v)) < 0)
			return NULL;
		return out;
	}
	if (json_is_real(v)) {
		if (asprintf(&out, "%.17g", json_real_value(v)) < 0)
			return NULL;
		return out;
	}
	return json_dumps(v, JSON_COMPACT);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
sim_urldecode(const char *s, size_t n, int form)
{
	char *out, *o;
	size_t i;
	int a, b;

	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	o = out;
	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    (a = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (b = hexval((unsigned char)s[i + 2])) >= 0) {
			*o++ = (char)(a * 16 + b);
			i += 2;
		} else if (form && s[i] == '+') {
			*o++ = ' ';
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

int
sim_parse_query(json_t *obj, const char *q, int join_repeats)
{
	const char *p = q, *amp, *eq;
	char *k, *v;
	json_t *old;

	while (p && *p) {
		amp = p + strcspn(p, "&;");
		eq = memchr(p, '=', (size_t)(amp - p));
		if (amp == p) {
			p = *amp ? amp + 1 : amp;
			continue;
		}
		if (eq) {
			k = sim_urldecode(p, (size_t)(eq - p), 1);
			v = sim_urldecode(eq + 1, (size_t)(amp - eq - 1), 1);
		} else {
			k = sim_urldecode(p, (size_t)(amp - p), 1);
			v = strdup("");
		}
		if (k == NULL || v == NULL) {
			free(k);
			free(v);
			return -1;
		}
		old = json_object_get(obj, k);
		if (old && json_is_string(old) && join_repeats) {
			/* PVE's decode_urlencoded joins repeats with "\0". */
			size_t ol = json_string_length(old), vl = strlen(v);
			char *j = malloc(ol + vl + 2);
			if (j) {
				memcpy(j, json_string_value(old), ol);
				j[ol] = '\0';
				memcpy(j + ol + 1, v, vl + 1);
				json_object_set_new(obj, k, json_stringn(j, ol + 1 + vl));
				free(j);
			}
		} else if (old && !join_repeats) {
			if (!json_is_array(old)) {
				json_t *a = json_array();
				json_array_append(a, old);
				json_object_set_new(obj, k, a);
				old = a;
			}
			json_array_append_new(old, json_string(v));
		} else {
			json_object_set_new(obj, k, json_string(v));
		}
		free(k);
		free(v);
		p = *amp ? amp + 1 : amp;
	}
	return 0;
}

void
sim_sha1_hex(char out[41], const void *p, size_t n)
{
	unsigned char md[SHA_DIGEST_LENGTH];
	int i;

	SHA1(p, n, md);
	for (i = 0; i < SHA_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

void
sim_sha256_hex(char out[65], const void *p, size_t n)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	int i;

	SHA256(p, n, md);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

char *
sim_base64(const unsigned char *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	if (out == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

json_t *
sim_split_list(const char *s)
{
	json_t *a = json_array();
	const char *p = s;
	size_t n;

	while (p && *p) {
		p += strspn(p, ",; \t\n\0");
		n = strcspn(p, ",; \t\n");
		if (n)
			json_array_append_new(a, json_stringn(p, n));
		p += n;
	}
	return a;
}

int
sim_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

json_t *
sim_obj(json_t *parent, const char *key)
{
	json_t *o = json_object_get(parent, key);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(parent, key, o);
	}
	return o;
}

json_t *
sim_arr(json_t *parent, const char *key)
{
	json_t *o = json_object_get(parent, key);

	if (!json_is_array(o)) {
		o = json_array();
		json_object_set_new(parent, key, o);
	}
	return o;
}

void
sim_log(const char *fmt, ...)
{
	va_list ap;

	fputs("proximo-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
sim_debug(const struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (s == NULL || !s->opt.verbose)
		return;
	fputs("proximo-sim: debug: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
