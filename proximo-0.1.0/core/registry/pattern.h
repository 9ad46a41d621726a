/**
 * @file pattern.h
 * @brief API path patterns ("/nodes/{node}/qemu/{vmid}/config"): the keys
 *        classifiers attach to.
 */
#ifndef PXM_REGISTRY_PATTERN_H
#define PXM_REGISTRY_PATTERN_H

#include <jansson.h>

/**
 * Match an encoded request path against a pattern; each {name} matches one
 * non-empty segment.  On a match returns 1 and *vars = {name: decoded
 * segment} (new); otherwise 0 and *vars = NULL.
 */
int	pxm_pattern_match(json_t **vars, const char *pattern, const char *path);

#endif
