/**
 * @file endpoint_int.h
 * @brief Inside of struct pxm_endpoint, shared by the transport's files
 * (endpoint.c, http*.c).  Nothing outside core/transport/ includes this.
 */
#ifndef PXM_TRANSPORT_ENDPOINT_INT_H
#define PXM_TRANSPORT_ENDPOINT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "transport/curl_api.h"

#include "proximo/sdk.h"
#include "transport/tls.h"

enum pxm_auth_kind {
	PXM_AUTH_PVE_TOKEN,	/* Authorization: PVEAPIToken=USER@REALM!ID=SECRET */
	PXM_AUTH_PBS_TOKEN,	/* Authorization: PBSAPIToken=USER@REALM!ID:SECRET */
	PXM_AUTH_PMG_TICKET,	/* POST /access/ticket, cookie + CSRF header */
};

struct pxm_product_info {
	const char	*name;		/* "pve" */
	const char	*label;		/* "PVE" */
	const char	*base_var;	/* PROXIMO_API_BASE_URL */
	const char	*cred_var;	/* PROXIMO_TOKEN_PATH */
	const char	*node_var;	/* PROXIMO_NODE, or NULL */
	const char	*node_default;	/* NULL, "localhost", "pmg" */
	const char	*verify_var;
	const char	*ca_var;
	const char	*fp_var;
	enum pxm_auth_kind auth;
	uint32_t	default_timeout_ms;
};

struct pxm_endpoint {
	const struct pxm_product_info *info;
	char		*base_url;	/* https://host:port/api2/json, no trailing '/' */
	char		*host;		/* host[:port], for messages */
	char		*cred_path;	/* token file (pve, pbs) or password file (pmg) */
	char		*username;	/* pmg: PROXIMO_PMG_USERNAME or root@pam */
	char		*node;
	char		*ca_bundle;
	char		*proxy;		/* PROXIMO_HTTP_PROXY, or NULL: no proxy at all */
	struct pxm_tls_policy tls;
	uint32_t	connect_timeout_ms;
	uint32_t	timeout_ms;
	uint32_t	parallel;
	size_t		max_response;
	const char	*missing[4];	/* names of unset required variables */
	size_t		nmissing;
	struct pxm_error config_err;	/* code != PXM_OK: a garbled setting */

	/* The engine: one multi handle (its connection cache is the pool)
	 * and the idle easy handles, reused across calls. */
	CURLM		*multi;
	CURL		**idle;
	size_t		nidle;
	size_t		idle_cap;

	/* PMG session, in memory only; wiped when cleared. */
	char		*ticket;
	char		*csrf;
	time_t		ticket_time;
	unsigned long	logins;		/* for tests and status */
};

#endif
