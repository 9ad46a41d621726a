/**
 * @file privileges.h
 * @brief The privilege -> capability map (the reference's doctor table)
 *        and what the configured token can and cannot do, read from
 *        /access/permissions.
 */
#ifndef PVE_PRIVILEGES_H
#define PVE_PRIVILEGES_H

#include <jansson.h>

#include <proximo/sdk.h>

/* How a capability's privileges combine. */
#define PVE_CAP_ANY	0	/* any one of them */
#define PVE_CAP_ALL	1	/* all of them */
#define PVE_CAP_PARTIAL	2	/* all; some is "partial" */

struct pve_capability {
	const char	*name;		/* "Power guests — start / stop / reboot" */
	const char	*privs[6];	/* NULL-terminated */
	const char	*role;		/* the reference's role hint */
	const char	*path;		/* where to grant it ("/") */
	int		mode;		/* PVE_CAP_* */
	const char	*custom;	/* role name to suggest when no built-in fits */
};

extern const struct pve_capability pve_capabilities[];
extern const size_t pve_ncapabilities;

/**
 * Evaluate the token's permission map ({path: {priv: 0|1}}) against the
 * capability table.  *out = {"can": [...], "cannot": [...], "held":
 * [privs], "paths": n}; roles (the /access/roles list, or NULL when it
 * could not be read) checks each hint: a hinted role that lacks the
 * privilege is replaced by the smallest role that has it, or by a custom
 * role recipe.  token_id names the token in the pveum commands.
 */
json_t	*pve_token_capabilities(const json_t *perms, const json_t *roles, const char *token_id);

/** Register pve_doctor (the API half of `proximo doctor`). */
int	pve_privileges_register(void);

#endif
