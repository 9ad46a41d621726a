/**
 * @file plan_store.h
 * @brief Plans this process issued, so a confirmation can be bound to the
 *        dry run it answers (PROXIMO_PLAN_TTL, default 900 s).
 */
#ifndef PXM_PIPELINE_PLAN_STORE_H
#define PXM_PIPELINE_PLAN_STORE_H

#include <jansson.h>

struct pxm_plan_store;

struct pxm_plan_store *pxm_plan_store_new(void);
void	pxm_plan_store_free(struct pxm_plan_store *s);
/** Remember a rendered plan (borrowed, copied) under its plan_id. */
void	pxm_plan_store_put(struct pxm_plan_store *s, const char *plan_id, const json_t *plan);
/**
 * Look a plan_id up.  Returns the stored plan (borrowed) and its age in
 * seconds, or NULL when this process never issued it.
 */
const json_t *pxm_plan_store_get(struct pxm_plan_store *s, const char *plan_id, long *age);
/** What differs between two rendered plans, for the drift refusal (new). */
json_t	*pxm_plan_diff(const json_t *before, const json_t *after);

#endif
