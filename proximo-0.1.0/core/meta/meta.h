/**
 * @file meta.h
 * @brief The core's own "proximo" surface: tools that exist whatever
 *        plugins are installed (proximo_status, the ledger tools).
 */
#ifndef PXM_META_META_H
#define PXM_META_META_H

#include "proximo/sdk.h"

struct pxm_runtime;

/** Register the core tools into rt->reg. */
int	pxm_meta_register(struct pxm_runtime *rt, struct pxm_error *err);
/** audit_verify and audit_entries (meta/audit.c). */
int	pxm_meta_register_audit(struct pxm_runtime *rt, struct pxm_error *err);

#endif
