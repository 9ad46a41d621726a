/**
 * @file gates.h
 * @brief The core's gates, in the reference's order: CONTAIN, FORBID,
 *        CONSENT, RATE.  Each is inert unless configured, and each that is
 *        configured fails closed.
 *
 * A gate returns PXM_OK, or PXM_E_DENIED with err->reason set to the ledger
 * outcome ("contained", "blocked:forbidden", ...) and err->text saying why
 * and how to proceed.
 */
#ifndef PXM_PIPELINE_GATES_H
#define PXM_PIPELINE_GATES_H

#include <jansson.h>

#include "proximo/sdk.h"

struct pxm_plan;

/** CONTAIN: PROXIMO_CONTAIN_TRIP_PATH exists (or cannot be checked). */
int	pxm_gate_contain(struct pxm_error *err, json_t *detail);
/** FORBID: PROXIMO_FORBID names the action, a substring of it, or the
 *  target's sub-action ("lxc/100:stop" is forbidden by "stop"). */
int	pxm_gate_forbid(struct pxm_error *err, json_t *detail, const char *action,
	    const char *target);
/** The consent id of a plan: changes with the action, target, change, risk
 *  and blast radius, never with the volatile live state.  17 bytes. */
void	pxm_gate_consent_id(char *out, const struct pxm_plan *plan);
/** CONSENT: with PROXIMO_CONSENT_DIR set, a fresh grant file named by the
 *  consent id must exist; it is consumed. */
int	pxm_gate_consent(struct pxm_error *err, json_t *detail, const struct pxm_plan *plan);
/** RATE: at most PROXIMO_RATE_MAX mutations per PROXIMO_RATE_WINDOW seconds
 *  across every proximo process sharing the ledger directory.  Reserves a
 *  slot on success. */
int	pxm_gate_rate(struct pxm_error *err, json_t *detail, const char *state_dir);

#endif
