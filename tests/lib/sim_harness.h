/**
 * @file sim_harness.h
 * @brief Start and stop proximo-sim from a test, and talk to its control port.
 *
 * Typical use:
 *
 *   struct pxm_sim *sim;
 *   const char *args[] = { "--task-ms", "50", NULL };
 *   if (pxm_sim_start(&sim, args) != 0) fail;
 *   ... talk HTTPS to sim->pve_url with the token in sim->token_file,
 *       pinning sim->fingerprint_hex ...
 *   json_t *log; pxm_sim_requests(&log, sim);   // what reached "Proxmox"
 *   pxm_sim_stop(sim);
 *
 * The simulator is $PXM_SIM, run with --port 0 (free ports), --datadir
 * $PXM_DATADIR and, unless the extra arguments name --profile or
 * --generate, $PXM_TOP_SRCDIR/contrib/sim/profiles/minimal.json.  Credential
 * files (mode 0600) are written to a private temporary directory that
 * pxm_sim_stop removes.  $PXM_SIM_WRAPPER (e.g. "valgrind --error-exitcode=99
 * --leak-check=full") prefixes the command.
 */
#ifndef PXM_TESTS_SIM_HARNESS_H
#define PXM_TESTS_SIM_HARNESS_H

#include <sys/types.h>

#include <jansson.h>

struct pxm_sim {
	pid_t	 pid;
	json_t	*ready;			/* the ready line */
	char	 pve_url[256];		/* https://127.0.0.1:PORT/api2/json */
	char	 pbs_url[256];
	char	 pmg_url[256];
	char	 control_url[256];	/* http://127.0.0.1:PORT */
	int	 pve_port, pbs_port, pmg_port, control_port;
	char	 fingerprint[128];	/* AB:CD:... */
	char	 fingerprint_hex[72];	/* abcd... */
	char	 dir[256];		/* private temporary directory */
	char	 token_file[300];	/* USER@REALM!ID=SECRET (PVE) */
	char	 pbs_token_file[300];	/* USER@REALM!ID:SECRET (PBS) */
	char	 pmg_password_file[300];/* root@pam's PMG password */
	int	 exit_status;		/* after pxm_sim_stop: the wait status */
};

/** Start the simulator; extra_args (NULL-terminated, may be NULL) are
 *  appended.  0 on success; -1 with a diagnostic on stderr. */
int	pxm_sim_start(struct pxm_sim **out, const char *const *extra_args);
/** SIGTERM, wait (SIGKILL after 20 s), clean up.  Returns the exit code
 *  (0 clean; 99 when a valgrind wrapper found errors), -1 on signal. */
int	pxm_sim_stop(struct pxm_sim *sim);

/** A control-port call; *out gets the parsed JSON answer.  Returns the HTTP
 *  status or -1. */
int	pxm_sim_control(json_t **out, struct pxm_sim *sim, const char *method,
	    const char *path, const json_t *body);
/** GET /requests: the request log ({"requests": [...], ...}). */
int	pxm_sim_requests(json_t **out, struct pxm_sim *sim);
/** POST /requests/clear. */
int	pxm_sim_requests_clear(struct pxm_sim *sim);
/** POST /faults (merge); POST /faults/clear when faults is NULL. */
int	pxm_sim_faults(struct pxm_sim *sim, const json_t *faults);
/** GET /state. */
int	pxm_sim_state(json_t **out, struct pxm_sim *sim);
/** PUT /state/<pointer> = value. */
int	pxm_sim_state_put(struct pxm_sim *sim, const char *pointer, const json_t *value);
/** POST /reset. */
int	pxm_sim_reset(struct pxm_sim *sim);
/** Read a credential file into a new string (trailing newline stripped). */
char	*pxm_sim_read_file(const char *path);

#endif
