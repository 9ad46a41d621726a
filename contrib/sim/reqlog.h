/**
 * @file reqlog.h
 * @brief proximo-sim: the log of every request that reached "Proxmox".
 *
 * One JSON object per request: ts, surface, method, path, params (values of
 * anything named like a password, secret, token or key masked), identity,
 * status, duration_ms, and the error message when there was one.  Kept in
 * memory for the control port's GET /requests and, with --request-log,
 * appended to a file as JSON lines.
 */
#ifndef PXM_SIM_REQLOG_H
#define PXM_SIM_REQLOG_H

#include <jansson.h>

struct sim_reqlog;

struct sim_reqlog *sim_reqlog_new(const char *file, char *err, size_t errlen);
void	sim_reqlog_free(struct sim_reqlog *l);
/** Append (entry stolen).  Thread-safe. */
void	sim_reqlog_add(struct sim_reqlog *l, json_t *entry);
/** Entries from index since on: {"requests": [...], "total", "dropped"}. */
json_t	*sim_reqlog_get(struct sim_reqlog *l, long long since);
void	sim_reqlog_clear(struct sim_reqlog *l);

/** Copy of params with secret-looking values replaced by "********". */
json_t	*sim_mask_params(const json_t *params);
/** 1 when a parameter name looks secret. */
int	sim_is_secret_name(const char *name);

#endif
