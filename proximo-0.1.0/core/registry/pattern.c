/**
 * @file pattern.c
 * @brief Matching API paths against patterns.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "registry/pattern.h"
#include "util/buf.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode one segment; NULL when malformed. */
static char *
decode(const char *s, size_t n)
{
	struct pxm_buf b = PXM_BUF_INIT;
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			pxm_buf_putc(&b, (char)(hi * 16 + lo));
			i += 2;
		} else if (s[i] == '%') {
			pxm_buf_free(&b);
			return NULL;
		} else {
			pxm_buf_putc(&b, s[i]);
		}
	}
	return pxm_buf_steal(&b);
}

int
pxm_pattern_match(json_t **vars, const char *pattern, const char *path)
{
	const char *p = pattern, *s = path, *pe, *se, *close;
	char *value;
	json_t *v = json_object();

	*vars = NULL;
	while (*p && *s) {
		if (*p != '/' || *s != '/')
			goto no;
		p++;
		s++;
		pe = strchr(p, '/');
		pe = pe ? pe : p + strlen(p);
		se = strchr(s, '/');
		se = se ? se : s + strlen(s);
		if (*p == '{' && (close = memchr(p, '}', (size_t)(pe - p))) != NULL && close + 1 == pe) {
			if (se == s || (value = decode(s, (size_t)(se - s))) == NULL)
				goto no;
			{
				char name[128];
				size_t nl = (size_t)(close - p - 1);

				if (nl >= sizeof name) {
					free(value);
					goto no;
				}
				memcpy(name, p + 1, nl);
				name[nl] = '\0';
				json_object_set_new(v, name, json_string(value));
			}
			free(value);
		} else if ((size_t)(pe - p) != (size_t)(se - s) || memcmp(p, s, (size_t)(pe - p)) != 0) {
			goto no;
		}
		p = pe;
		s = se;
	}
	if (*p || *s)
		goto no;
	*vars = v;
	return 1;
no:
	json_decref(v);
	return 0;
}
