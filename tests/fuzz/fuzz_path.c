/**
 * @file fuzz_path.c
 * @brief Fuzz target: the HTTPS transport's path boundary
 *        (core/transport/path.c), where every agent-supplied path variable
 *        is expanded and every path is checked before it is sent.
 *
 * Input: byte 0 picks a pattern (patterns[]) and byte 1 how many of its
 * variables come from the input; the rest is NUL-separated values (and, at
 * the end, a raw path for pxm_path_check/pxm_path_match alone).
 * Properties:
 *  - what pxm_path_expand() produces always passes pxm_path_check();
 *  - it matches its own pattern, and each variable decodes back to the
 *    value given (a value never leaks into a neighbouring segment);
 *  - a refused value gets an error naming the variable;
 *  - pxm_path_check() and pxm_path_match() take any bytes without harm.
 * (match() accepting what check() refuses would be a stronger property;
 * it does not hold today: "/nodes/%2E%2E/..." matches with node ".." where
 * path.h promises PXM_E_INVAL.  Harmless, since check() stops such a path
 * before it is sent, and reported in docs/HARDENING.md.)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "transport/path.h"
#include "util/error.h"

static const struct {
	const char	*pattern;
	const char	*vars[3];
} patterns[] = {
	{ "/nodes/{node}/qemu/{vmid}/config", { "node", "vmid", NULL } },
	{ "/nodes/{node}/tasks/{upid}/status", { "node", "upid", NULL } },
	{ "/nodes/{node}/qemu/{vmid}/snapshot/{snapname}", { "node", "vmid", "snapname" } },
	{ "/access/users/{userid}/token/{tokenid}", { "userid", "tokenid", NULL } },
	{ "/nodes/{node}/storage/{storage}/content/{volume}", { "node", "storage", "volume" } },
	{ "/cluster/resources", { NULL, NULL, NULL } },
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static char *
next_field(const uint8_t **p, const uint8_t *end, size_t *len)
{
	const uint8_t *z = memchr(*p, '\0', (size_t)(end - *p));
	size_t n = z ? (size_t)(z - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);

	FUZZ_CHECK(s != NULL, "oom");
	memcpy(s, *p, n);
	s[n] = '\0';
	*len = n;
	*p = z ? z + 1 : end;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p, *end = data + size;
	struct pxm_error err;
	json_t *vars, *back = NULL;
	char buf[4096], *v, *raw;
	size_t i, n, len, k;
	int r;

	if (size < 2)
		return 0;
	i = data[0] % (sizeof patterns / sizeof patterns[0]);
	n = data[1] % 4;
	p = data + 2;
	vars = json_object();
	for (k = 0; k < 3 && patterns[i].vars[k]; k++) {
		if (k < n && p < end) {
			v = next_field(&p, end, &len);
			/* Values that are not UTF-8 cannot be JSON strings; numbers
			 * travel as integers. */
			if (len > 0 && len < 12 && strspn(v, "0123456789") == len && v[0] != '0')
				json_object_set_new(vars, patterns[i].vars[k], json_integer(strtoll(v, NULL, 10)));
			else
				json_object_set_new(vars, patterns[i].vars[k], json_stringn(v, len));
			free(v);
		} else {
			json_object_set_new(vars, patterns[i].vars[k], json_string("pve1"));
		}
	}
	pxm_error_clear(&err);
	r = pxm_path_expand(buf, sizeof buf, &err, patterns[i].pattern, vars);
	if (r == PXM_OK) {
		const char *name;
		json_t *val, *got;

		pxm_error_clear(&err);
		FUZZ_CHECK(pxm_path_check(&err, buf) == PXM_OK,
		    "an expanded path fails the check: '%s': %s", buf, err.text);
		FUZZ_CHECK(pxm_path_match(&back, patterns[i].pattern, buf) == PXM_OK,
		    "an expanded path does not match its pattern: '%s'", buf);
		json_object_foreach(vars, name, val) {
			got = json_object_get(back, name);
			FUZZ_CHECK(got != NULL, "variable %s lost in '%s'", name, buf);
			if (json_is_string(val))
				FUZZ_CHECK(json_is_string(got) && json_string_length(got) ==
				    json_string_length(val) && memcmp(json_string_value(got),
				    json_string_value(val), json_string_length(val)) == 0,
				    "variable %s did not round-trip through '%s'", name, buf);
		}
		json_decref(back);
		back = NULL;
	} else {
		FUZZ_CHECK(r == PXM_E_INVAL && err.text[0], "refusal %d without a reason", r);
	}
	json_decref(vars);

	/* Whatever is left is a raw path. */
	if (p < end) {
		raw = next_field(&p, end, &len);
		pxm_error_clear(&err);
		r = pxm_path_check(&err, raw);
		FUZZ_CHECK(r == PXM_OK || err.text[0], "check refused without a reason");
		if (pxm_path_match(&back, patterns[i].pattern, raw) == PXM_OK)
			FUZZ_CHECK(json_is_object(back), "a match without variables");
		json_decref(back);
		free(raw);
	}
	return 0;
}
