/**
 * @file handlers.h
 * @brief proximo-sim: request dispatch and the per-product handler tables.
 */
#ifndef PXM_SIM_HANDLERS_H
#define PXM_SIM_HANDLERS_H

#include "sim.h"

struct sim_schema;

/**
 * Handle one API request end to end (route, authenticate, check
 * permissions, validate, call the handler).  Called with the state lock
 * held; rq->rawpath, method, headers and the raw query/body must be set.
 */
void	sim_dispatch(struct sim_req *rq, struct sim_resp *rs, const char *query,
	    const char *body, size_t bodylen);

/** Bind a specific handler; returns -1 (and logs) if the schema lacks the
 *  operation, so a schema update that drops a path is noticed. */
int	sim_bind(struct sim_schema *sc, const char *method, const char *tmpl,
	    sim_handler_fn *fn);

/** Bind every operation of a schema: specific handlers first, the generic
 *  engine for the rest. */
void	sim_bind_all(struct sim *s);

/* The generic schema-driven engine (crud.c). */
void	sim_generic(struct sim_req *rq, struct sim_resp *rs);
/** Instantiated collection path of an item request ("/cluster/backup"). */
char	*sim_collection_path(const struct sim_req *rq);

/* Per-product specific handlers. */
void	sim_pve_register(struct sim_schema *sc);
void	sim_pbs_register(struct sim_schema *sc);
void	sim_pmg_register(struct sim_schema *sc);
/** User CRUD and /access/permissions (PVE and PBS share them). */
void	sim_access_bind_users(struct sim_schema *sc);
/** Register task completion effects. */
void	sim_pve_register_fx(void);
void	sim_pbs_register_fx(void);
void	sim_pmg_register_fx(void);

#endif
