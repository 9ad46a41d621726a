/**
 * @file fuzz_schema.c
 * @brief Fuzz target: the argument validator (core/registry/schema.c).
 *
 * Byte 0 picks the mode:
 *   0 (mod 3)  the rest is JSON arguments, validated against the served
 *              schema of every tool in a real registry (the core's tools
 *              and the fixture plugins' tools, as the server builds it);
 *   1          the rest is [schema, instance]: the schema goes through
 *              pxm_schema_check(), and when it is accepted the instance is
 *              validated against it (plugins' schemas are checked the same
 *              way at registration);
 *   2          the rest is three 64-bit integers lo, hi, v and a flag byte:
 *              {"type":"integer","minimum":lo,"maximum":hi} (or the
 *              exclusive bounds) must accept v exactly when lo <= v <= hi.
 * Properties: no crash, leak or UB; validation is deterministic (same
 * result and text twice); a refusal always says what was wrong; the
 * integer bounds of mode 2 are exact.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "cli/runtime.h"
#include "fuzz.h"
#include "fuzzenv.h"
#include "registry/registry.h"
#include "registry/schema.h"
#include "util/error.h"

static struct pxm_runtime *rt;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct pxm_error err;

	(void)argc;
	(void)argv;
	fuzz_env_setup();
	pxm_error_clear(&err);
	if (pxm_runtime_open(&rt, &err, PXM_RT_PLUGINS) != PXM_OK) {
		fprintf(stderr, "fuzz_schema: cannot build the registry: %s\n", err.text);
		abort();
	}
	FUZZ_CHECK(pxm_registry_find(rt->reg, "good_echo") != NULL &&
	    pxm_registry_find(rt->reg, "pipe_set") != NULL &&
	    pxm_registry_find(rt->reg, "audit_entries") != NULL,
	    "the registry lacks the core or fixture tools");
	return 0;
}

/* Validate twice: same verdict, same words; a refusal says something. */
static int
validate_twice(const json_t *schema, const json_t *v)
{
	struct pxm_error e1, e2;
	int r1, r2;

	pxm_error_clear(&e1);
	pxm_error_clear(&e2);
	r1 = pxm_schema_validate(&e1, schema, v);
	r2 = pxm_schema_validate(&e2, schema, v);
	FUZZ_CHECK(r1 == r2 && strcmp(e1.text, e2.text) == 0, "validation is not deterministic");
	FUZZ_CHECK(r1 == PXM_OK || r1 == PXM_E_INVAL, "unexpected result %d", r1);
	if (r1 != PXM_OK)
		FUZZ_CHECK(e1.text[0] != '\0' && strstr(e1.text, "argument") != NULL,
		    "a refusal that names no argument: '%s'", e1.text);
	return r1;
}

static void
mode_args(const uint8_t *d, size_t n)
{
	json_t *v;
	size_t i;

	if ((v = json_loadb((const char *)d, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    NULL)) == NULL)
		return;
	for (i = 0; i < pxm_registry_count(rt->reg); i++)
		validate_twice(pxm_registry_at(rt->reg, i)->served_schema, v);
	json_decref(v);
}

static void
mode_schema(const uint8_t *d, size_t n)
{
	struct pxm_error err;
	json_t *pair;

	if ((pair = json_loadb((const char *)d, n, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return;
	pxm_error_clear(&err);
	if (json_is_array(pair) && json_array_size(pair) == 2) {
		if (pxm_schema_check(&err, json_array_get(pair, 0), "fuzz") == PXM_OK)
			validate_twice(json_array_get(pair, 0), json_array_get(pair, 1));
		else
			FUZZ_CHECK(err.text[0] != '\0', "a refused schema without a reason");
	}
	json_decref(pair);
	/* Arbitrary patterns would grow the compiled-pattern cache forever. */
	pxm_regex_cache_free();
}

static void
mode_bounds(const uint8_t *d, size_t n)
{
	int64_t lo, hi, v;
	uint8_t flags;
	json_t *schema, *inst;
	int want, got;

	if (n < 25)
		return;
	memcpy(&lo, d, 8);
	memcpy(&hi, d + 8, 8);
	memcpy(&v, d + 16, 8);
	flags = d[24];
	/* Near-equal values are the interesting ones: bit 2 derives v and hi
	 * from lo by small steps. */
	if (flags & 4) {
		/* Unsigned arithmetic: wrapping, never signed overflow. */
		hi = (int64_t)((uint64_t)lo + (uint64_t)(int64_t)(int8_t)d[9]);
		v = (int64_t)((uint64_t)lo + (uint64_t)(int64_t)(int8_t)d[17]);
	}
	if (flags & 1) {
		schema = json_pack("{s:s, s:I, s:I}", "type", "integer",
		    "exclusiveMinimum", (json_int_t)lo, "exclusiveMaximum", (json_int_t)hi);
		want = lo < v && v < hi;
	} else {
		schema = json_pack("{s:s, s:I, s:I}", "type", "integer",
		    "minimum", (json_int_t)lo, "maximum", (json_int_t)hi);
		want = lo <= v && v <= hi;
	}
	inst = json_integer((json_int_t)v);
	got = validate_twice(schema, inst) == PXM_OK;
	FUZZ_CHECK(got == want, "integer bounds not exact: lo=%lld hi=%lld v=%lld %s: %s",
	    (long long)lo, (long long)hi, (long long)v, flags & 1 ? "exclusive" : "inclusive",
	    got ? "accepted" : "refused");
	json_decref(schema);
	json_decref(inst);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		mode_args(data + 1, size - 1);
		break;
	case 1:
		mode_schema(data + 1, size - 1);
		break;
	default:
		mode_bounds(data + 1, size - 1);
	}
	return 0;
}
