/**
 * @file schema.h
 * @brief proximo-sim: the products' API schemas as router and validator.
 *
 * data/{pve,pbs,pmg}.json list every (path, method) with its parameters.
 * They are loaded into a trie (literal segments before parameters, as the
 * products' routers do), each operation is classified for the generic engine
 * (collection, item, singleton, action), and every request's parameters are
 * validated the way the product validates them, with the product's messages.
 */
#ifndef PXM_SIM_SCHEMA_H
#define PXM_SIM_SCHEMA_H

#include <stddef.h>

#include <jansson.h>

#include "sim.h"

/** Load and index a schema file.  On error NULL and a message in err. */
struct sim_schema *sim_schema_load(const char *file, enum sim_surface surf,
	    char *err, size_t errlen);
void	sim_schema_free(struct sim_schema *sc);

size_t	sim_schema_nops(const struct sim_schema *sc);
struct sim_op *sim_schema_op(struct sim_schema *sc, size_t i);
/** The operation of exactly this template and method, or NULL. */
struct sim_op *sim_schema_find(struct sim_schema *sc, const char *method,
	    const char *tmpl);

/**
 * Route decoded path segments.  Returns the operation for method, or NULL.
 * *path_found tells whether the path exists with some other method.  The
 * path parameters are set in pathp (strings).
 */
const struct sim_op *sim_schema_match(const struct sim_schema *sc,
	    const char *method, char *const *segs, size_t nsegs, json_t *pathp,
	    int *path_found);

/** The schema of parameter name in op (indexed "net0" finds "net[n]"). */
json_t	*sim_schema_param(const struct sim_op *op, const char *name);

/**
 * Validate params against op.  Errors are added to errors ({name: msg})
 * in the product's wording; returns the number of errors.  Array-typed
 * parameters given as form strings are converted in place.
 */
int	sim_schema_validate(struct sim_schema *sc, const struct sim_op *op,
	    json_t *params, const json_t *pathp, json_t *errors);

/** PBS's one-line rendering of a list of parameter errors. */
char	*sim_schema_pbs_message(const json_t *errors);

/** A value shaped like the schema (for GETs with no state). New ref. */
json_t	*sim_schema_default(const json_t *schema);

/**
 * Check one value against one property schema in the product's dialect.
 * Returns NULL when valid, else a new message string.  Used by handlers for
 * nested values (property strings in configs).
 */
char	*sim_schema_check_value(struct sim_schema *sc, const json_t *schema,
	    const char *name, json_t *value);

/** The value stored the way PVE's JSON shows it: integer, number and
 *  boolean parameters become JSON numbers.  New reference. */
json_t	*sim_schema_typed(const json_t *pschema, json_t *v);

#endif
