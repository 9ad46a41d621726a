/**
 * @file registry.h
 * @brief The tool registry: every tool the server serves, with its schema,
 *        kind, handlers and owner; the classifiers attached to API
 *        operations; the undo and task providers.
 *
 * The registry copies everything a plugin hands it (strings, parsed
 * schemas), so nothing points into a plugin's memory after registration.
 */
#ifndef PXM_REGISTRY_REGISTRY_H
#define PXM_REGISTRY_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proximo/sdk.h"

/* Arguments the core adds to every mutation's schema; plugins may not
 * declare them. */
#define PXM_ARG_CONFIRM		"confirm"
#define PXM_ARG_PLAN_ID		"plan_id"
#define PXM_ARG_WAIT		"wait"
#define PXM_ARG_WAIT_TIMEOUT	"wait_timeout"
#define PXM_ARG_SNAPSHOT	"snapshot"

struct pxm_tool_def {
	char		*name;
	char		*title;
	char		*description;
	char		*privileges;
	char		*surface;	/* owner's name, "proximo" for the core */
	uint32_t	kind;
	uint32_t	flags;
	uint32_t	risk;		/* api tools: the floor */
	json_t		*served_schema;	/* as tools/list shows it: the plugin's,
					 * plus the core's arguments on mutations */
	json_t		*output_schema;	/* or NULL */
	char		*listing;	/* its tools/list JSON, built on first use */
	size_t		listing_len;

	pxm_read_fn	*read;
	pxm_plan_fn	*plan;
	pxm_execute_fn	*execute;
	pxm_gate_fn	*gate;
	void		*payload;

	/* Table-driven tools (method != NULL): run by the generic executor. */
	char		*method;
	char		*path;
	char		*target_tmpl;
	char		*change_tmpl;
	pxm_prepare_fn	*prepare;
	struct pxm_endpoint *endpoint;

	struct pxm_plugin *owner;	/* NULL for core tools */

	/* Token-aware surface: the privileges the configured token lacks for
	 * this tool (array), or NULL when it is usable or was not checked. */
	json_t		*token_missing;
};

struct pxm_classifier_def {
	char		*name;
	char		*method;
	char		*path;
	pxm_classify_fn	*classify;
	void		*payload;
	struct pxm_plugin *owner;
};

struct pxm_provider_def {
	struct pxm_undo_provider	undo;
	struct pxm_task_provider	task;
	int				is_undo;
	struct pxm_plugin		*owner;
};

struct pxm_registry;

int	pxm_registry_new(struct pxm_registry **out);
void	pxm_registry_free(struct pxm_registry *reg);

/** Add a tool.  `surface` is the owner's name.  Every check failure is
 *  PXM_E_INVAL (or PXM_E_EXISTS for a duplicate name) with a message. */
int	pxm_registry_add_tool(struct pxm_registry *reg, struct pxm_error *err,
	    struct pxm_plugin *owner, const char *surface, const struct pxm_tool *tool);
int	pxm_registry_add_api_tool(struct pxm_registry *reg, struct pxm_error *err,
	    struct pxm_plugin *owner, const char *surface, struct pxm_endpoint *ep,
	    const struct pxm_api_tool *tool);
int	pxm_registry_add_classifier(struct pxm_registry *reg, struct pxm_error *err,
	    struct pxm_plugin *owner, const struct pxm_classifier *c);
int	pxm_registry_add_undo_provider(struct pxm_registry *reg, struct pxm_error *err,
	    struct pxm_plugin *owner, const struct pxm_undo_provider *p);
int	pxm_registry_add_task_provider(struct pxm_registry *reg, struct pxm_error *err,
	    struct pxm_plugin *owner, const struct pxm_task_provider *p);
/** Drop everything an owner registered (a plugin whose init failed). */
void	pxm_registry_remove_owner(struct pxm_registry *reg, struct pxm_plugin *owner);

const struct pxm_tool_def *pxm_registry_find(const struct pxm_registry *reg, const char *name);
/** The tool's tools/list entry (compact JSON, borrowed; built and cached on
 *  first use), or NULL when out of memory. */
const char *pxm_registry_listing(const struct pxm_tool_def *def, size_t *len);
size_t	pxm_registry_count(const struct pxm_registry *reg);
const struct pxm_tool_def *pxm_registry_at(const struct pxm_registry *reg, size_t i);
/** Up to three registered names close to `name`, comma separated, into buf. */
void	pxm_registry_suggest(const struct pxm_registry *reg, const char *name,
	    char *buf, size_t size);

size_t	pxm_registry_classifier_count(const struct pxm_registry *reg);
const struct pxm_classifier_def *pxm_registry_classifier_at(const struct pxm_registry *reg, size_t i);
/** The undo or task provider registered by `owner` (or the first one when
 *  owner is NULL); NULL when none. */
const struct pxm_undo_provider *pxm_registry_undo_provider(const struct pxm_registry *reg,
	    const struct pxm_plugin *owner);
const struct pxm_task_provider *pxm_registry_task_provider(const struct pxm_registry *reg,
	    const struct pxm_plugin *owner);

/** Is `name` one of the arguments the core added to this tool's schema
 *  (confirm, plan_id, and wait/wait_timeout/snapshot where they apply)? */
int	pxm_tool_core_arg(const struct pxm_tool_def *def, const char *name);
/** The arguments without the core's own (new reference). */
json_t	*pxm_tool_plugin_args(const struct pxm_tool_def *def, const json_t *args);

/**
 * Mark a tool the configured API token cannot use (it holds none of the
 * tool's privileges anywhere): its tools/list entry gets a description
 * suffix and a "_meta" annotation ({"proximo/token": {"usable": false,
 * "missing": [...]}}), and its plans say what is missing.  `missing` is
 * borrowed; NULL clears the mark.  Only before a server lists the tools.
 */
int	pxm_registry_mark_token(struct pxm_registry *reg, const char *name, const json_t *missing);

/** Counts per surface: {"proximo": 3, "pve": 120}. New reference. */
json_t	*pxm_registry_counts(const struct pxm_registry *reg);

#endif
