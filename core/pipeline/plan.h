/**
 * @file plan.h
 * @brief The plan of one mutation: what it changes, the live state it read,
 *        its blast radius and risk, the API operations it will perform.
 *
 * Plugins fill a plan through the host's plan_* functions (sdk.h); the
 * core finalises it (risk floor, incompleteness, plan_id) and renders it
 * with the reference's fields.
 */
#ifndef PXM_PIPELINE_PLAN_H
#define PXM_PIPELINE_PLAN_H

#include <stdarg.h>
#include <stdint.h>

#include <jansson.h>

#include "proximo/sdk.h"

#define PXM_PLAN_MAGIC	0x706c616eu

/* The advisory note of every plan (the reference's words). */
#define PXM_PLAN_HEURISTIC_NOTE \
	"heuristic classification — advisory only, not a guarantee. LOW means 'does not " \
	"change state', NOT 'safe' (a read can still exfiltrate). The absence of a HIGH " \
	"flag is not a safety signal. Review the change yourself."

struct pxm_plan_effect {
	char			*method;
	char			*path;
	json_t			*params;	/* object */
	struct pxm_endpoint	*endpoint;
};

struct pxm_plan {
	uint32_t	magic;
	char		*action;	/* the tool's name */
	char		*target;
	char		*change;
	json_t		*current;	/* object */
	uint32_t	risk;		/* PXM_RISK_* */
	int		assessed;	/* someone set a risk */
	json_t		*risk_reasons;	/* [string] */
	json_t		*blast;		/* [string] */
	json_t		*affected;	/* [object] */
	json_t		*notes;		/* [string] */
	int		complete;
	json_t		*incomplete;	/* [string]: which reads failed */
	struct pxm_plan_effect *effects;
	size_t		neffects;
	json_t		*undo_target;	/* object or NULL */
	json_t		*stash;		/* plugin-private, or NULL */
	char		plan_id[65];
	int		sealed;		/* finalised: no more changes */
};

struct pxm_plan *pxm_plan_new(const char *action);
void	pxm_plan_free(struct pxm_plan *plan);

/* The host's plan_* functions (sdk.h), usable by the core too. */
void	pxm_plan_set_target(struct pxm_plan *plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void	pxm_plan_set_change(struct pxm_plan *plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void	pxm_plan_set_current_new(struct pxm_plan *plan, json_t *current);
void	pxm_plan_raise_risk(struct pxm_plan *plan, uint32_t level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void	pxm_plan_raise_riskv(struct pxm_plan *plan, uint32_t level, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
void	pxm_plan_add_blast(struct pxm_plan *plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void	pxm_plan_add_affected_new(struct pxm_plan *plan, json_t *row);
void	pxm_plan_set_incomplete(struct pxm_plan *plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void	pxm_plan_add_note(struct pxm_plan *plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int	pxm_plan_add_effect(struct pxm_plan *plan, struct pxm_endpoint *ep,
	    const char *method, const char *path, const json_t *params);
void	pxm_plan_set_undo_target_new(struct pxm_plan *plan, json_t *target);
void	pxm_plan_stash_new(struct pxm_plan *plan, json_t *state);
const json_t *pxm_plan_stash(const struct pxm_plan *plan);
const json_t *pxm_plan_current(const struct pxm_plan *plan);

/** Is (method, path) one of the plan's declared effects? */
int	pxm_plan_declares(const struct pxm_plan *plan, const char *method, const char *path);

/**
 * Finalise: an unassessed plan is HIGH ("worst case"), an incomplete plan
 * is HIGH with an explicit row, and plan_id is computed over the tool, the
 * canonical tool arguments (the core's own excluded) and the bound live state
 * (current, affected, effects, risk).  No changes after this.
 */
void	pxm_plan_finalize(struct pxm_plan *plan, const json_t *tool_args);

const char *pxm_risk_name(uint32_t risk);
/** -1 when unknown. */
int	pxm_risk_parse(const char *name);

/** The plan as the reference renders it, plus plan_id (new reference). */
json_t	*pxm_plan_to_json(const struct pxm_plan *plan);
/** The ledger detail of a "planned" entry (new reference). */
json_t	*pxm_plan_ledger_detail(const struct pxm_plan *plan);

#endif
