/**
 * @file state.h
 * @brief proximo-sim: the state document and its accessors.
 *
 * The state is one JSON document in the profile format (docs/SIMULATOR.md):
 *
 *   { "pve": { "cluster", "nodes", "guests", "storage", "pools", "access",
 *              "config": { "<collection path>": { id: item } } },
 *     "pbs": { "node", "datastores", "access", "config" },
 *     "pmg": { "node", "quarantine", "tracker", "statistics", "access", "config" },
 *     "tasks": [ ... ] }
 *
 * Guests are keyed by VMID and nodes by name, so lookups are hash lookups.
 */
#ifndef PXM_SIM_STATE_H
#define PXM_SIM_STATE_H

#include <jansson.h>

#include "sim.h"

json_t	*st_surf(struct sim *s, enum sim_surface surf);
json_t	*st_access(struct sim *s, enum sim_surface surf);
/** Generic collection store for an instantiated collection path. */
json_t	*st_store(struct sim *s, enum sim_surface surf, const char *collpath);
/** Singleton configuration object stored at path (created empty). */
json_t	*st_single(struct sim *s, enum sim_surface surf, const char *path);

json_t	*st_pve_guest(struct sim *s, const char *vmid);
json_t	*st_pve_node(struct sim *s, const char *node);
json_t	*st_pve_storage(struct sim *s, const char *storeid);

/** SHA-1 hex of a config serialised the way PVE writes .conf files. */
void	st_config_digest(char out[41], const json_t *config);
/** SHA-256 hex digest of any JSON object (PBS/PMG style digests). */
void	st_json_digest(char out[65], const json_t *obj);

/** Uptime in seconds of a running guest/node record ("started" ms). */
long long st_uptime(const json_t *rec, int64_t now_ms);

#endif
