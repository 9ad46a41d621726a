/**
 * @file profile.h
 * @brief proximo-sim: profiles (load, normalise, generate).
 */
#ifndef PXM_SIM_PROFILE_H
#define PXM_SIM_PROFILE_H

#include <stddef.h>

#include <jansson.h>

#include "sim.h"

/**
 * Load a profile file, normalise it (defaults filled, secrets generated
 * where the profile leaves them out) and return it as the initial state.
 */
int	sim_profile_load(struct sim *s, json_t **out, const char *file, char *err, size_t errlen);

/** A generated estate from "nodes=N,guests=M[,seed=S]". */
int	sim_profile_generate(struct sim *s, json_t **out, const char *spec, char *err,
	    size_t errlen);

/** Normalise a profile in place (also used after PUT /state). */
int	sim_profile_normalize(struct sim *s, json_t *p, char *err, size_t errlen);

/** A random UUID-shaped secret (PVE/PBS token secrets look like this). */
void	sim_random_uuid(char out[37]);

#endif
