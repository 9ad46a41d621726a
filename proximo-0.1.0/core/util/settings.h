/**
 * @file settings.h
 * @brief PROXIMO_* settings: the process environment plus an optional env file.
 *
 * The env file (PROXIMO_ENV_FILE, default ~/.config/proximo/proximo.env)
 * holds KEY=VALUE lines; only PROXIMO_* keys are taken, and only when the
 * process environment does not already set them (the environment wins).
 * After loading, every setting is read with getenv().
 */
#ifndef PXM_UTIL_SETTINGS_H
#define PXM_UTIL_SETTINGS_H

#include <stdint.h>

#include "proximo/sdk.h"

/** Merge the env file into the environment.  A missing default file is not
 *  an error; a missing explicit PROXIMO_ENV_FILE is.  Reports loaded and
 *  shadowed key names (never values) on stderr. */
int	pxm_config_load_env_file(struct pxm_error *err);
/** The setting, or NULL when unset or empty. */
const char *pxm_config_get(const char *key);
/** Booleans: 1/true/yes/on and 0/false/off/no (any case).  Unset gives def;
 *  anything else is an error naming the key and what is accepted. */
int	pxm_config_bool(int *out, struct pxm_error *err, const char *key, int def);
/** Unsigned integer in [min, max]; unset gives def. */
int	pxm_config_uint(uint64_t *out, struct pxm_error *err, const char *key,
	    uint64_t def, uint64_t min, uint64_t max);
/** $HOME-relative default path joined: "~/.local/state/proximo/audit.log". */
char	*pxm_config_home_path(const char *rel);

#endif
