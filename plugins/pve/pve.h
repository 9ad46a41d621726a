/**
 * @file pve.h
 * @brief The PVE plugin's shared state and helpers.
 */
#ifndef PVE_PVE_H
#define PVE_PVE_H

#include <stdarg.h>
#include <stddef.h>

#include <proximo/sdk.h>

#include "tools_gen.h"

/* What init() was given; read-only afterwards. */
extern const struct pxm_host *pve_host;
extern struct pxm_plugin *pve_self;
extern struct pxm_endpoint *pve_ep;

/** Fill err (code, reason, printf text) and return code. */
int	pve_fail(struct pxm_error *err, int code, const char *reason, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/** The node argument, else the endpoint's default; NULL with err set. */
const char *pve_node(struct pxm_error *err, const json_t *args);
/** args completed with the guest's kind and node from /cluster/resources
 *  when a vmid is given without them (*out new). */
int	pve_guest_complete(json_t **out, struct pxm_error *err, struct pxm_call *call,
	    const json_t *args);
/** The guest kind argument ("lxc" default, or "qemu"). */
const char *pve_kind(const json_t *args);

/**
 * GET pattern (expanded from vars) with query params; *out = data (new).
 * vars and params are borrowed and may be NULL.
 */
int	pve_get(json_t **out, struct pxm_error *err, struct pxm_call *call,
	    const char *pattern, const json_t *vars, const json_t *params);
/** Expand a pattern into buf (validated, encoded). */
int	pve_path(char *buf, size_t size, struct pxm_error *err, const char *pattern,
	    const json_t *vars);
/** Send a state-changing request the plan declared; *out = data (new). */
int	pve_send(json_t **out, struct pxm_error *err, struct pxm_call *call,
	    const char *method, const char *path, const json_t *params);

/** The generated entry of a curated tool, or NULL. */
const struct pve_gen_tool *pve_gen_find(const char *name);

/* Hand-written tools: guests.c, tasks.c, storage.c, cluster.c. */
pxm_read_fn	pve_list_guests_read, pve_cluster_resources_read, pve_tasks_list_read,
		pve_task_wait_read, pve_storage_content_read, pve_backup_list_read;
pxm_plan_fn	pve_config_set_plan, pve_config_revert_plan, pve_power_plan, pve_rollback_plan;
pxm_execute_fn	pve_config_set_execute, pve_config_revert_execute, pve_power_execute,
		pve_send_effects_execute;

/* Plan hook of {kind} API tools: the chosen kind must take every argument. */
pxm_plan_fn	pve_kind_check_plan;
/* Scoped tools (scoped.c). */
pxm_read_fn	pve_scoped_read;
pxm_plan_fn	pve_scoped_plan;
/* The generic door (door.c). */
int	pve_door_register(void);
void	pve_door_fini(void);
/* Providers (tasks.c, undo.c). */
int	pve_task_provider_register(void);
int	pve_undo_provider_register(void);
/** Poll a task to completion or deadline (tasks.c), used by the undo
 *  provider: PXM_OK only when it stopped with exit status OK. */
int	pve_task_wait_ok(struct pxm_error *err, struct pxm_call *call, const char *node,
	    const char *upid, int timeout_s);
/** The node a UPID names ("UPID:node:..."), into buf; NULL if not a UPID. */
const char *pve_upid_node(char *buf, size_t size, const char *upid);

#endif
