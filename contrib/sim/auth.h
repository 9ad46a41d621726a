/**
 * @file auth.h
 * @brief proximo-sim: authentication (tokens, tickets, CSRF) and permissions.
 */
#ifndef PXM_SIM_AUTH_H
#define PXM_SIM_AUTH_H

#include <jansson.h>

#include "sim.h"

/** The built-in roles of a product: {role: [privs...]}.  New reference. */
json_t	*sim_roles_builtin(enum sim_surface surf);
/** Free the cached built-in roles (exit). */
void	sim_roles_cleanup(void);
/** Every privilege a product knows.  New reference (array). */
json_t	*sim_privs_all(enum sim_surface surf);

/**
 * Authenticate rq from its headers.  Returns 1 when authenticated (rq->id
 * filled), 0 when not (rs holds the product's 401 answer).  Requests that
 * need no authentication are the caller's business.
 */
int	sim_auth_request(struct sim_req *rq, struct sim_resp *rs);

/** Check the schema permissions of rq->op.  1 allowed, 0 denied (rs set). */
int	sim_auth_permitted(struct sim_req *rq, struct sim_resp *rs);

/** PVE privileges of authid on path: {priv: propagate}.  New reference. */
json_t	*sim_pve_permissions(struct sim *s, enum sim_surface surf, const char *authid,
	    const char *path);
/** PVE's get_effective_permissions: {path: {priv: propagate}}. */
json_t	*sim_pve_effective_permissions(struct sim *s, const char *authid);
/** 1 when authid holds priv on path. */
int	sim_has_priv(struct sim *s, enum sim_surface surf, const char *authid,
	    const char *path, const char *priv);

/** A signed ticket "<PFX>:<user>:<HEX8>::<sig>" and its CSRF token. */
char	*sim_ticket_new(struct sim *s, enum sim_surface surf, const char *user, int64_t t);
char	*sim_csrf_new(struct sim *s, const char *user, int64_t t);

/** POST /access/ticket for all three products (password or ticket). */
void	sim_access_ticket(struct sim_req *rq, struct sim_resp *rs);

/** The user record (PVE/PBS access.users.<user>, PMG users.<user>). */
json_t	*sim_user_get(struct sim *s, enum sim_surface surf, const char *userid);

#endif
