/**
 * @file sim.h
 * @brief proximo-sim: the types every part of the simulator shares.
 *
 * The simulator is one process holding one JSON state document (the
 * profile after normalisation, then mutated by requests) behind one mutex.
 * Each API surface (PVE, PBS, PMG) is served by its own HTTPS daemon; a
 * request is parsed into a struct sim_req, routed through the product's
 * schema, authenticated, permission-checked, validated, and handed to a
 * handler that fills a struct sim_resp.  The server turns that response into
 * the product's wire format (PVE/PMG JSON envelopes, PBS bare-text errors).
 */
#ifndef PXM_SIM_H
#define PXM_SIM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum sim_surface {
	SIM_PVE = 0,
	SIM_PBS,
	SIM_PMG,
	SIM_NSURF
};

extern const char *const sim_surface_names[SIM_NSURF];

struct sim;
struct sim_req;
struct sim_resp;
struct sim_schema;
struct sim_reqlog;

/** A request handler: reads rq, fills rs.  Runs with the state lock held. */
typedef void sim_handler_fn(struct sim_req *rq, struct sim_resp *rs);

/** Kind of an operation for the generic engine (schema.c decides). */
enum sim_op_kind {
	SIM_OP_ACTION = 0,	/* anything else: a verb, a singleton, a task */
	SIM_OP_COLLECTION,	/* GET lists / POST creates children {id} */
	SIM_OP_ITEM,		/* GET/PUT/DELETE one child of a collection */
	SIM_OP_SINGLETON	/* GET/PUT of one configuration object */
};

/** One (method, path) of a product's API, from data/<product>.json. */
struct sim_op {
	char		 method[8];
	const char	*path;		/* template, "/nodes/{node}/qemu" */
	json_t		*def;		/* borrowed: the schema's operation */
	json_t		*params;	/* borrowed: def.params (may be NULL) */
	json_t		*returns;	/* borrowed: def.returns (may be NULL) */
	json_t		*perms;		/* borrowed: def.permissions (may be NULL) */
	const char	*proxyto;	/* "node" or NULL */
	int		 allowtoken;
	int		 additional;	/* additionalProperties allowed */
	enum sim_op_kind kind;
	const char	*idparam;	/* ITEM: its key; COLLECTION: the children's key */
	const char	*collection;	/* ITEM: the parent path template */
	int		 async;		/* answers with a task UPID */
	sim_handler_fn	*handler;	/* specific handler or the generic engine */
};

/** Who a request is authenticated as. */
struct sim_ident {
	char	authid[320];	/* "root@pam" or "root@pam!proximo" */
	char	user[256];	/* "root@pam" */
	char	tokenid[64];	/* "proximo" or "" */
	int	is_token;
	int	via_ticket;
	char	role[32];	/* PMG role (root, admin, qmanager, audit, helpdesk) */
};

struct sim_req {
	struct sim		*sim;
	enum sim_surface	 surf;
	char			 method[8];
	char			*rel;		/* decoded path below /api2/json */
	char			*rawpath;	/* as received, without the query */
	json_t			*params;	/* query + body + path parameters */
	json_t			*pathp;		/* path parameters alone */
	json_t			*logparams;	/* query + body as received (for the log) */
	const char		*authz;		/* Authorization header */
	const char		*cookie;	/* Cookie header */
	const char		*csrf;		/* CSRFPreventionToken header */
	const char		*ctype;		/* Content-Type header */
	int			 authed;
	struct sim_ident	 id;
	const struct sim_op	*op;
	int64_t			 now_ms;
};

struct sim_resp {
	int	 status;	/* HTTP status; 0 means 200 */
	json_t	*data;		/* success payload (owned); NULL is JSON null */
	char	*msg;		/* error message (owned) */
	json_t	*errors;	/* per-parameter errors (owned) */
	json_t	*attrs;		/* extra top-level keys: total, changes (owned) */
	char	*text;		/* raw body instead of the envelope (owned) */
	int	 empty;		/* send an empty body (PVE auth failures) */
	int	 close;		/* ask the client to close the connection */
};

/** Command line options (main.c fills them). */
struct sim_opts {
	const char	*datadir;
	const char	*profile;
	const char	*generate;	/* "nodes=N,guests=M[,seed=S]" */
	const char	*surfaces;	/* "pve,pbs,pmg" */
	const char	*bind;		/* 127.0.0.1 */
	int		 port[SIM_NSURF];
	int		 port_set[SIM_NSURF];
	int		 control_port;
	int		 no_control;
	int		 plain_http;
	const char	*cert_file;
	const char	*key_file;
	const char	*ready_file;
	const char	*request_log;
	const char	*write_token;
	const char	*write_pbs_token;
	const char	*write_pmg_password;
	unsigned	 task_ms;
	int		 auth_delay_ms;
	int		 verbose;
	int		 check;		/* --check: load and exit */
	json_t		*faults;	/* from --fault flags */
};

/** Parsed fault settings (faults.c); the JSON form lives in sim->faults. */
struct sim_faultset {
	unsigned	 latency_ms;
	double		 error_rate;
	int		 error_status;
	double		 drop_rate;
	int		 expire_tickets;
	json_t		*fail_operations;	/* [{method, path, status, message}] */
	char		*task_never_finishes;	/* task type or "*" */
	char		*fail_task;		/* task type or "*" */
	char		*fail_task_message;
	int		 task_warnings;		/* tasks end "WARNINGS: n" */
};

struct sim {
	struct sim_opts		 opt;
	pthread_mutex_t		 lock;
	int			 enabled[SIM_NSURF];
	struct sim_schema	*schema[SIM_NSURF];
	json_t			*profile;	/* normalised profile, for /reset */
	json_t			*state;		/* the live state */
	json_t			*active_tasks;	/* tasks not yet settled */
	json_t			*task_index;	/* UPID -> task */
	json_t			*faults;	/* current faults as JSON */
	struct sim_faultset	 fs;
	struct sim_reqlog	*rlog;
	unsigned char		 key[32];	/* HMAC key for tickets and CSRF tokens */
	uint32_t		 next_pid;
	uint32_t		 task_counter;
	uint64_t		 rng;
	char			 fingerprint[128];	/* AA:BB:... */
	char			 fingerprint_hex[72];
};

/* ---- helpers (util.c) ---- */

int64_t	 sim_now_ms(void);
/** xorshift random numbers from sim->rng (call with the lock held). */
uint64_t sim_rand(struct sim *s);
double	 sim_rand01(struct sim *s);

/** Set an error response; msg is printf-formatted.  For PVE/PMG the
 *  message conventionally ends in "\n" (Perl die); callers include it. */
void	 sim_err(struct sim_resp *rs, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/** Set a success response; steals data. */
void	 sim_ok(struct sim_resp *rs, json_t *data);
void	 sim_resp_clear(struct sim_resp *rs);

/** Parameter as string/integer/boolean (form values are strings). */
const char *sim_param_str(const struct sim_req *rq, const char *name);
int	 sim_param_int(const struct sim_req *rq, const char *name, long long *out);
/** 1/0 for true/false, def when absent. */
int	 sim_param_bool(const struct sim_req *rq, const char *name, int def);

/** JSON value as text ("1" for true, numbers printed). New string. */
char	*sim_json_text(const json_t *v);
/** Integer from a JSON integer, real or numeric string; def otherwise. */
long long sim_json_int(const json_t *v, long long def);
/** Truthy: true, non-zero number, "1". */
int	 sim_json_truthy(const json_t *v);
/** A default: o[k] = v unless o has k (then v is released).  Steals v. */
void	 sim_setdef(json_t *o, const char *k, json_t *v);

/** Percent-decode (and '+' to space when form is set).  New string. */
char	*sim_urldecode(const char *s, size_t n, int form);
/** Parse "a=1&b=2" into obj (values are strings; repeated keys: Perl
 *  style "\0"-joined for PVE, arrays otherwise). */
int	 sim_parse_query(json_t *obj, const char *q, int join_repeats);

/** SHA-1 hex (41 bytes). */
void	 sim_sha1_hex(char out[41], const void *p, size_t n);
/** SHA-256 hex (65 bytes). */
void	 sim_sha256_hex(char out[65], const void *p, size_t n);
/** Base64 without newlines; new string. */
char	*sim_base64(const unsigned char *p, size_t n);

/** Split a comma/semicolon/space list into a JSON array of strings. */
json_t	*sim_split_list(const char *s);

/** Case-sensitive suffix/prefix tests. */
int	 sim_startswith(const char *s, const char *prefix);

/** The object at key, created empty when missing.  Borrowed. */
json_t	*sim_obj(json_t *parent, const char *key);
/** The array at key, created empty when missing.  Borrowed. */
json_t	*sim_arr(json_t *parent, const char *key);

/** Logging to stderr, prefixed "proximo-sim: ". */
void	 sim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 sim_debug(const struct sim *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
