/**
 * @file faults.h
 * @brief proximo-sim: fault injection settings.
 *
 * Faults are one JSON object (settable by flags, or by POST /faults on the
 * control port):
 *
 *   latency_ms         added to every API request
 *   error_rate         0..1: share of API requests answered error_status
 *   error_status       500..599 (default 503)
 *   drop_connections   true: every API connection is closed without answer
 *   drop_rate          0..1: share of connections dropped
 *   expire_tickets     true: every ticket reads as expired (401)
 *   fail_operation     {method, path[, status, message]} or a list of them;
 *                      path is a schema template or a concrete path
 *   fail_task          a task type ("vzdump", "*") or {type, message}
 *   task_never_finishes a task type or "*"
 *   task_warnings      tasks end with "WARNINGS: n"
 */
#ifndef PXM_SIM_FAULTS_H
#define PXM_SIM_FAULTS_H

#include <stddef.h>

#include <jansson.h>

#include "sim.h"

/** Merge settings into s->faults (null values clear).  On error returns -1
 *  with a message naming the key and what is accepted; nothing changes. */
int	sim_faults_merge(struct sim *s, const json_t *settings, char *err, size_t errlen);
void	sim_faults_clear(struct sim *s);
/** The fail_operation entry matching this request, or NULL. */
const json_t *sim_faults_failing_op(struct sim *s, const char *method, const char *tmpl,
	    const char *rel);

#endif
