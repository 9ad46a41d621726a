/**
 * @file plan_store.c
 * @brief Plans issued by this process.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/plan_store.h"

#define STORE_MAX	512	/* oldest plans are forgotten first */

struct stored_plan {
	char		id[65];
	time_t		at;
	json_t		*plan;
};

struct pxm_plan_store {
	struct stored_plan	slots[STORE_MAX];
	size_t			next;
};

struct pxm_plan_store *
pxm_plan_store_new(void)
{
	return calloc(1, sizeof (struct pxm_plan_store));
}

void
pxm_plan_store_free(struct pxm_plan_store *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < STORE_MAX; i++)
		json_decref(s->slots[i].plan);
	free(s);
}

void
pxm_plan_store_put(struct pxm_plan_store *s, const char *plan_id, const json_t *plan)
{
	struct stored_plan *slot = NULL;
	size_t i;

	for (i = 0; i < STORE_MAX; i++)
		if (strcmp(s->slots[i].id, plan_id) == 0)
			slot = &s->slots[i];
	if (slot == NULL) {
		slot = &s->slots[s->next];
		s->next = (s->next + 1) % STORE_MAX;
	}
	json_decref(slot->plan);
	snprintf(slot->id, sizeof slot->id, "%s", plan_id);
	slot->at = time(NULL);
	slot->plan = json_deep_copy(plan);
}

const json_t *
pxm_plan_store_get(struct pxm_plan_store *s, const char *plan_id, long *age)
{
	size_t i;

	for (i = 0; plan_id && i < STORE_MAX; i++)
		if (s->slots[i].plan && strcmp(s->slots[i].id, plan_id) == 0) {
			*age = (long)(time(NULL) - s->slots[i].at);
			return s->slots[i].plan;
		}
	return NULL;
}

/* Compare the parts of a plan bound into plan_id. */
json_t *
pxm_plan_diff(const json_t *before, const json_t *after)
{
	static const char *const keys[] = { "target", "change", "risk", "current", "affected", "effects" };
	json_t *d = json_object(), *a, *b, *ca, *cb;
	const char *k;
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		b = json_object_get(before, keys[i]);
		a = json_object_get(after, keys[i]);
		if (json_equal(a, b) || (a == NULL && b == NULL))
			continue;
		if (strcmp(keys[i], "current") == 0 && json_is_object(a) && json_is_object(b)) {
			json_t *fields = json_object();

			/* Field by field: say exactly what moved. */
			json_object_foreach(b, k, cb) {
				ca = json_object_get(a, k);
				if (ca == NULL || !json_equal(ca, cb))
					json_object_set_new(fields, k, json_pack("{s:O, s:O}", "planned",
					    cb, "now", ca ? ca : json_null()));
			}
			json_object_foreach(a, k, ca)
				if (json_object_get(b, k) == NULL)
					json_object_set_new(fields, k, json_pack("{s:n, s:O}", "planned",
					    "now", ca));
			json_object_set_new(d, "current", fields);
			continue;
		}
		json_object_set_new(d, keys[i], json_pack("{s:O, s:O}", "planned",
		    b ? b : json_null(), "now", a ? a : json_null()));
	}
	return d;
}
