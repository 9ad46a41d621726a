/**
 * @file schema.h
 * @brief The JSON Schema subset that tool input schemas use, and its validator.
 *
 * Supported keywords: type (and type arrays), properties, required,
 * additionalProperties (false or a schema), enum, const, minimum, maximum,
 * exclusiveMinimum, exclusiveMaximum, minLength, maxLength (code points),
 * patternProperties, minProperties, maxProperties,
 * pattern (PCRE2, unanchored as JSON Schema says), items, minItems,
 * maxItems, uniqueItems, anyOf, oneOf, allOf.  Annotations (title,
 * description, default, examples, format, $schema, $comment, readOnly,
 * deprecated) are accepted and ignored.  Any other keyword makes the schema
 * invalid: a typo in a schema must not silently turn a check off.
 *
 * Errors name the argument by its path ("disks[2].size") and say what is
 * accepted.
 */
#ifndef PXM_REGISTRY_SCHEMA_H
#define PXM_REGISTRY_SCHEMA_H

#include <jansson.h>

#include "proximo/sdk.h"

/** Check that `schema` is a schema this validator fully understands (and
 *  that its patterns compile).  `what` names it in the error. */
int	pxm_schema_check(struct pxm_error *err, const json_t *schema, const char *what);
/** Validate `instance` against `schema`.  PXM_E_INVAL with a message on
 *  failure; the first problem wins. */
int	pxm_schema_validate(struct pxm_error *err, const json_t *schema,
	    const json_t *instance);
/**
 * A copy of `v` (new reference) in which every real with no fractional part
 * and a magnitude below 2^53 is an integer.  The validator accepts 100.0
 * where a schema says "integer" (JSON Schema does), and tools read integers
 * with json_integer_value(), which gives 0 for a real: the call path hands
 * tools this copy.  NULL on allocation failure.
 */
json_t	*pxm_schema_integral(const json_t *v);
/** Unanchored PCRE2 match with a cached compiled pattern: 1 match, 0 no
 *  match, negative on a bad pattern. */
int	pxm_regex_match(const char *pattern, const char *subject, size_t len);
/** Free the compiled-pattern cache (exit, tests). */
void	pxm_regex_cache_free(void);

#endif
