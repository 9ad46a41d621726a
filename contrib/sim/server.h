/**
 * @file server.h
 * @brief proximo-sim: the HTTPS API daemons and the plain-HTTP control daemon.
 */
#ifndef PXM_SIM_SERVER_H
#define PXM_SIM_SERVER_H

#include <stddef.h>

#include "sim.h"
#include "tls.h"

struct sim_server;

/** Start one daemon per enabled surface and the control daemon. */
int	sim_server_start(struct sim_server **out, struct sim *s, const struct sim_cert *cert,
	    char *err, size_t errlen);
int	sim_server_port(const struct sim_server *srv, enum sim_surface surf);
int	sim_server_control_port(const struct sim_server *srv);
void	sim_server_stop(struct sim_server *srv);

/**
 * The control port's request handler (control.c).  Returns the HTTP status
 * and sets *body (new string) and *ctype.
 */
int	sim_control_handle(struct sim *s, const char *method, const char *path,
	    const char *query, const char *body, size_t bodylen, char **out, const char **ctype);

#endif
