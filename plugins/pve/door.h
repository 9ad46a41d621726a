/**
 * @file door.h
 * @brief The generic door: every operation of the PVE 9.2 schema, validated
 *        against it (pve_api_get for reads, pve_api_call for the rest).
 */
#ifndef PVE_DOOR_H
#define PVE_DOOR_H

#include <jansson.h>

#include <proximo/sdk.h>

/** The JSON Schema of an operation's parameters (borrowed, cached), or
 *  NULL with err set when the schema file cannot be read or the op does
 *  not exist. */
json_t	*pve_door_op_schema(struct pxm_error *err, const char *method, const char *tmpl);
/** The schema of one parameter (indexed ones too), borrowed, or NULL. */
const json_t *pve_door_param_schema(const json_t *schema, const char *key);
/** 1 when key matches one of the schema's indexed parameter patterns. */
int	pve_door_indexed_key(const json_t *schema, const char *key);

#endif
