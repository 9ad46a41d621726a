/**
 * @file apischema.h
 * @brief The official PVE API schema (data/pve.json) as data: operations
 *        indexed by method and path, and their parameters converted to the
 *        JSON Schema the core validates with.
 *
 * Used at build time by the tool generator and at run time by the generic
 * API door.  Plain Jansson: plugins link nothing of the core.
 */
#ifndef PVE_APISCHEMA_H
#define PVE_APISCHEMA_H

#include <jansson.h>

struct pve_apischema;

/** Load the structural schema file; NULL (and a message in errbuf) on failure. */
struct pve_apischema *pve_apischema_load(const char *path, char *errbuf, size_t errsize);
void	pve_apischema_free(struct pve_apischema *s);
/** The operation object for (method, path template), borrowed, or NULL. */
const json_t *pve_apischema_op(const struct pve_apischema *s, const char *method,
	    const char *path);
/** Every operation, borrowed array. */
const json_t *pve_apischema_ops(const struct pve_apischema *s);

/**
 * JSON Schema (new) for an operation's parameters: properties converted
 * one by one, required from "optional", indexed parameters ("net[n]") as
 * patternProperties, additionalProperties false.  `only`, if not NULL, is
 * a NULL-terminated list of parameter names to keep.  `optional`, if not
 * NULL, names parameters to make optional (e.g. "node", filled by default).
 */
json_t	*pve_op_input_schema(const json_t *op, const char *const *only,
	    const char *const *optional);
/** A Perl pattern rewritten for ECMA-262 (u flag); new string. */
char	*pve_pattern_to_ecma(const char *perl);
/** One parameter's JSON Schema (new). */
json_t	*pve_param_schema(const json_t *param);
/** The privileges an operation's permission check names, comma-joined
 *  (new string, or NULL when none). */
char	*pve_op_privileges(const json_t *op);

#endif
