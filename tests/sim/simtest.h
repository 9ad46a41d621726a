/**
 * @file simtest.h
 * @brief Test-side HTTPS client for proximo-sim's API surfaces (libcurl).
 */
#ifndef PXM_TESTS_SIMTEST_H
#define PXM_TESTS_SIMTEST_H

#include <jansson.h>

#include "sim_harness.h"

struct st_resp {
	long	 status;	/* HTTP status; 0 when the connection failed */
	int	 curl_error;	/* CURLcode */
	char	*body;		/* raw body (never NULL after st_call) */
	json_t	*json;		/* parsed body or NULL */
	char	*ctype;		/* Content-Type or NULL */
	int	 conn_close;	/* server sent Connection: close */
};

enum st_auth {
	ST_NOAUTH = 0,
	ST_TOKEN,		/* the product's token from the harness files */
	ST_RAW			/* caller-supplied header in `raw` */
};

/**
 * One request to a surface ("pve", "pbs", "pmg").  path is below
 * /api2/json (or absolute when it starts with "//", for raw paths).  form
 * is "a=1&b=2" (query string for GET/DELETE, body otherwise); json, when
 * not NULL, is sent as an application/json body instead.
 */
int	st_call(struct st_resp *r, struct pxm_sim *sim, const char *surface,
	    const char *method, const char *path, const char *form, enum st_auth auth,
	    const char *raw);
int	st_call_json(struct st_resp *r, struct pxm_sim *sim, const char *surface,
	    const char *method, const char *path, const char *json_body, enum st_auth auth,
	    const char *raw);
/** Extra request headers for the next st_call (NULL-terminated). */
void	st_headers(const char *const *h);
void	st_resp_free(struct st_resp *r);

/** "Authorization: PVEAPIToken=..." etc. (new string). */
char	*st_token_header(struct pxm_sim *sim, const char *surface);

/** Log in with a password: cookie header and CSRF header (new strings). */
int	st_login(struct pxm_sim *sim, const char *surface, const char *user,
	    const char *password, char **cookie, char **csrf);

/** Poll a task until it stops (or timeout_ms); returns its status object. */
json_t	*st_wait_task(struct pxm_sim *sim, const char *surface, const char *node,
	    const char *upid, int timeout_ms);

/** data member of a response (borrowed). */
json_t	*st_data(const struct st_resp *r);

/** A suite's simulator: start it with args (exits the suite on failure),
 *  stop it (exits when it did not exit cleanly: a valgrind error, a crash),
 *  and return it to its profile's state with no faults and no requests
 *  logged, for the next test. */
void	st_sim_up(struct pxm_sim **sim, const char *const *args);
void	st_sim_down(struct pxm_sim **sim);
void	st_fresh(struct pxm_sim *sim);
/** The demo profile's path, for --profile. */
void	st_demo_profile(char *buf, size_t size);
/** A string member (borrowed) or NULL. */
const char *st_jstr(const json_t *o, const char *k);

#endif
