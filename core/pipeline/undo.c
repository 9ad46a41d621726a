/**
 * @file undo.c
 * @brief UNDO: restore points before mutations.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "pipeline/call.h"
#include "pipeline/plan.h"
#include "pipeline/undo.h"
#include "registry/registry.h"
#include "util/error.h"
#include "util/settings.h"

void
pxm_undo_point_name(char *out, size_t size)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(out, size, "proximo_undo_%04d%02d%02dT%02d%02d%02d%06ldZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec);
}

int
pxm_undo_required(const char *action)
{
	const char *list = pxm_config_get("PROXIMO_UNDO_REQUIRED");
	char *copy, *tok, *save = NULL;
	int hit = 0;

	if (list == NULL || (copy = strdup(list)) == NULL)
		return 0;
	for (tok = strtok_r(copy, ", ", &save); tok && !hit; tok = strtok_r(NULL, ", ", &save))
		hit = strcmp(tok, "*") == 0 || strcmp(tok, action) == 0;
	free(copy);
	return hit;
}

int
pxm_undo_make(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const struct pxm_registry *reg, const struct pxm_tool_def *def, const struct pxm_plan *plan)
{
	const struct pxm_undo_provider *prov;
	struct pxm_error perr;
	char name[48];
	int saved_phase = call->phase, r;

	*out = NULL;
	if (plan->undo_target == NULL)
		return pxm_error_set(err, PXM_E_DENIED, "blocked:undo_unavailable",
		    "UNDO: a restore point was required, but %s cannot name what to snapshot for "
		    "this change; nothing was run", def->name);
	/* The tool's own plugin first; a plugin without one (exec) borrows
	 * the one that can snapshot the same target (the PVE plugin's). */
	if ((prov = pxm_registry_undo_provider(reg, def->owner)) == NULL)
		prov = pxm_registry_undo_provider(reg, NULL);
	if (prov == NULL)
		return pxm_error_set(err, PXM_E_DENIED, "blocked:undo_unavailable",
		    "UNDO: a restore point was required, but no undo provider serves %s; nothing "
		    "was run", def->name);
	pxm_undo_point_name(name, sizeof name);
	pxm_error_clear(&perr);
	call->phase = PXM_PHASE_UNDO;
	r = prov->make_point(out, &perr, call, plan->undo_target, name, prov->payload);
	call->phase = saved_phase;
	if (r != PXM_OK || *out == NULL) {
		json_decref(*out);
		*out = NULL;
		return pxm_error_set(err, PXM_E_DENIED, "blocked:undo_unavailable",
		    "UNDO: the restore point could not be created or completed (%s). The change was "
		    "NOT run (fail-closed). Re-run without snapshot=true to proceed unprotected.",
		    perr.text[0] ? perr.text : pxm_strerror(r));
	}
	if (json_object_get(*out, "point") == NULL)
		json_object_set_new(*out, "point", json_string(name));
	json_object_set_new(*out, "note", json_string("undo points are NOT auto-pruned — they "
	    "accumulate and consume storage; delete them when no longer needed."));
	return PXM_OK;
}
