/**
 * @file regex_cache.c
 * @brief Compiled PCRE2 patterns, cached by their text.
 *
 * Tool schemas and the Proxmox API schemas reuse a small set of patterns;
 * compiling each once keeps argument validation cheap.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "registry/schema.h"

struct regex_slot {
	char		*pattern;
	pcre2_code	*code;		/* NULL: the pattern does not compile */
};

static struct regex_slot *slots;
static size_t nslots, capslots;
static pcre2_match_data *match_data;

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static struct regex_slot *
lookup(const char *pattern)
{
	size_t i, mask;
	struct regex_slot *n;
	int errcode;
	PCRE2_SIZE erroff;

	if (nslots * 2 >= capslots) {
		size_t ncap = capslots ? capslots * 2 : 64, j;

		if ((n = calloc(ncap, sizeof *n)) == NULL)
			return NULL;
		for (j = 0; j < capslots; j++) {
			if (slots[j].pattern == NULL)
				continue;
			i = hash_str(slots[j].pattern) & (ncap - 1);
			while (n[i].pattern)
				i = (i + 1) & (ncap - 1);
			n[i] = slots[j];
		}
		free(slots);
		slots = n;
		capslots = ncap;
	}
	mask = capslots - 1;
	i = hash_str(pattern) & mask;
	while (slots[i].pattern) {
		if (strcmp(slots[i].pattern, pattern) == 0)
			return &slots[i];
		i = (i + 1) & mask;
	}
	if ((slots[i].pattern = strdup(pattern)) == NULL)
		return NULL;
	/* DOLLAR_ENDONLY: '$' is the end of the value, as in ECMA-262.  PCRE's
	 * default lets '$' match before a final newline, so "^[a-z]+$" would
	 * pass "abc\n" (a newline smuggled into a config value or a name). */
	slots[i].code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &errcode, &erroff, NULL);
	/* No JIT: argument patterns are short and matched against short
	 * values, and a process holding root-equivalent tokens should not
	 * write executable memory at run time (valgrind also cannot see into
	 * JIT code, and reports its reads as uninitialised).  The
	 * interpreter's match limit bounds backtracking. */
	nslots++;
	return &slots[i];
}

int
pxm_regex_match(const char *pattern, const char *subject, size_t len)
{
	struct regex_slot *slot = lookup(pattern);
	int rc;

	if (slot == NULL || slot->code == NULL)
		return -1;
	if (match_data == NULL &&
	    (match_data = pcre2_match_data_create(16, NULL)) == NULL)
		return -1;
	rc = pcre2_match(slot->code, (PCRE2_SPTR)subject, len, 0, 0, match_data, NULL);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return -1;
}

void
pxm_regex_cache_free(void)
{
	size_t i;

	for (i = 0; i < capslots; i++) {
		free(slots[i].pattern);
		pcre2_code_free(slots[i].code);
	}
	free(slots);
	slots = NULL;
	nslots = capslots = 0;
	pcre2_match_data_free(match_data);
	match_data = NULL;
}
