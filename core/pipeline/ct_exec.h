/**
 * @file ct_exec.h
 * @brief The host side of `ct_exec`: the phase policy for commands inside
 *        containers and the process's one ssh transport.
 */
#ifndef PXM_PIPELINE_CT_EXEC_H
#define PXM_PIPELINE_CT_EXEC_H

#include <jansson.h>

#include "proximo/sdk.h"

struct pxm_call;

int	pxm_call_ct_exec(struct pxm_exec_result *out, struct pxm_error *err,
	    struct pxm_call *call, const struct pxm_exec_request *req);
void	pxm_exec_result_clear(struct pxm_exec_result *r);
int	pxm_ssh_describe_host(json_t **out);
/** Close the ssh transport (process exit). */
void	pxm_ct_exec_shutdown(void);

#endif
