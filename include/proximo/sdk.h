/**
 * @file sdk.h
 * @brief The Proximo plugin ABI: the one header a plugin includes (with jansson.h).
 *
 * A plugin is a shared object that exports exactly one symbol,
 * `pxm_plugin_descriptor` (a struct pxm_plugin_descriptor).  The host checks
 * the guard fields, then calls init() with a table of host functions.  Inside
 * init() the plugin registers tools, API tools, classifiers and providers.
 * Plugins never link against the core: everything they need from it comes
 * through struct pxm_host.
 *
 * ABI versioning
 * --------------
 * MINOR: something was appended (a struct grew at its end, a host function
 * was added).  MAJOR: anything removed, reordered or changed in meaning.
 * The host loads a plugin iff plugin.major == host.major and
 * plugin.minor <= host.minor.  Every versioned struct carries its own size
 * as its first member; fields beyond a struct's size read as zero.
 *
 * ABI change log
 *   1.0 (2026-11-23)  initial SDK: tools, table-driven API tools, classifiers
 *                     attached to API operations, plans, undo and task
 *                     providers, HTTPS and ssh transports.
 *   1.1 (2026-11-23)  host->call_read_tool: a read tool may run another
 *                     surface's read tool (one report from two plugins).
 *
 * Ownership (Jansson's words)
 * ---------------------------
 *  1. Arguments are borrowed: `const json_t *args` is valid for the duration
 *     of the call only.  To keep it, json_incref() it.
 *  2. Results are new references handed to the host through `json_t **out`.
 *     On failure leave *out NULL and fill *err.
 *  3. Host functions whose name ends in `_new` steal the caller's reference;
 *     every other host function borrows.
 *  4. One Jansson per process: link the shared libjansson; never call
 *     json_set_alloc_funcs().
 *  5. Strings in registration structs must be static or live until fini();
 *     the host copies what it keeps.
 *  6. Plugin state is allocated in init(), reached through the `payload`
 *     pointers given at registration, and freed in fini().
 *  7. Errors cross the boundary by value in struct pxm_error: nothing to free.
 *
 * Risk (zero means worst case)
 * ----------------------------
 * A tool whose kind is not PXM_KIND_READ is a mutation.  Every mutation goes
 * through the core's pipeline: plan -> classifiers -> risk -> ledger
 * "planned" -> confirmation bound to the plan -> gates -> undo point ->
 * ledger "executing" -> execute -> task wait -> ledger outcome.  A plugin's
 * execute function is only ever called from there, and the transports refuse
 * a state-changing request outside an execute phase, or one the plan did not
 * declare as an effect.
 */
#ifndef PROXIMO_SDK_H
#define PROXIMO_SDK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PXM_SDK_VERSION_MAJOR	1
#define PXM_SDK_VERSION_MINOR	1
#define PXM_SDK_AT_LEAST(maj, min)					\
	(PXM_SDK_VERSION_MAJOR > (maj) ||				\
	 (PXM_SDK_VERSION_MAJOR == (maj) && PXM_SDK_VERSION_MINOR >= (min)))
#define PXM_PLUGIN_MAGIC	0x50584d50u	/* "PXMP" */

#if defined(__GNUC__)
#define PXM_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#define PXM_EXPORT		__attribute__((visibility("default")))
#else
#define PXM_PRINTF(f, a)
#define PXM_EXPORT
#endif

/* ------------------------------------------------------------------ errors */

#define PXM_OK			0
#define PXM_E_INTERNAL		(-1)	/* a bug or an impossible state */
#define PXM_E_NOMEM		(-2)
#define PXM_E_INVAL		(-3)	/* bad argument from the caller */
#define PXM_E_ABI		(-4)	/* struct too small, version mismatch */
#define PXM_E_STATE		(-5)	/* not allowed now (e.g. registration outside init) */
#define PXM_E_DENIED		(-6)	/* refused by policy (gate, privilege, phase) */
#define PXM_E_TRANSPORT		(-7)	/* could not reach or talk to the remote */
#define PXM_E_TIMEOUT		(-8)	/* a deadline passed */
#define PXM_E_DECLINED		(-9)	/* a classifier has no opinion */
#define PXM_E_NOTFOUND		(-10)
#define PXM_E_REMOTE		(-11)	/* the remote answered with an error */
#define PXM_E_CANCELLED		(-12)	/* the client cancelled the request */
#define PXM_E_EXISTS		(-13)	/* duplicate registration */
#define PXM_E_UNSUPPORTED	(-14)	/* not built into this host */
#define PXM_E_CONFIG		(-15)	/* required configuration missing or invalid */
#define PXM_E_TLS		(-16)	/* certificate verification or pin failed */
#define PXM_E_AUTH		(-17)	/* credentials refused by the remote */

static inline const char *
pxm_strerror(int code)
{
	switch (code) {
	case PXM_OK:		return "success";
	case PXM_E_INTERNAL:	return "internal error";
	case PXM_E_NOMEM:	return "out of memory";
	case PXM_E_INVAL:	return "invalid argument";
	case PXM_E_ABI:		return "ABI mismatch";
	case PXM_E_STATE:	return "not allowed in this state";
	case PXM_E_DENIED:	return "denied";
	case PXM_E_TRANSPORT:	return "transport error";
	case PXM_E_TIMEOUT:	return "timed out";
	case PXM_E_DECLINED:	return "declined";
	case PXM_E_NOTFOUND:	return "not found";
	case PXM_E_REMOTE:	return "remote error";
	case PXM_E_CANCELLED:	return "cancelled";
	case PXM_E_EXISTS:	return "already exists";
	case PXM_E_UNSUPPORTED:	return "unsupported";
	case PXM_E_CONFIG:	return "configuration error";
	case PXM_E_TLS:		return "TLS verification failed";
	case PXM_E_AUTH:	return "authentication failed";
	default:		return "unknown error";
	}
}

/**
 * Caller-owned, fixed-size error.  `reason` is a short machine-readable word
 * (e.g. "allowlist", "exec_disabled", "http_403") that the core turns into
 * ledger outcomes such as "blocked:allowlist"; `text` is for the agent.
 */
struct pxm_error {
	int32_t	code;			/* PXM_E_* */
	char	reason[48];
	char	text[1024];
};

/** Fill err (code, reason, printf-style text); returns code, so callers can
 *  `return pxm_error_setf(err, ...)`.  err may be NULL. */
static inline int
pxm_error_vsetf(struct pxm_error *err, int code, const char *reason, const char *fmt,
    va_list ap) PXM_PRINTF(4, 0);

static inline int
pxm_error_vsetf(struct pxm_error *err, int code, const char *reason, const char *fmt,
    va_list ap)
{
	if (err == NULL)
		return code;
	err->code = code;
	snprintf(err->reason, sizeof err->reason, "%s", reason ? reason : "");
	vsnprintf(err->text, sizeof err->text, fmt, ap);
	return code;
}

static inline int
pxm_error_setf(struct pxm_error *err, int code, const char *reason, const char *fmt, ...)
    PXM_PRINTF(4, 5);

static inline int
pxm_error_setf(struct pxm_error *err, int code, const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = pxm_error_vsetf(err, code, reason, fmt, ap);
	va_end(ap);
	return code;
}

/* ----------------------------------------------------------- opaque types */

struct pxm_host;
struct pxm_plugin;	/* one per loaded plugin, host-owned */
struct pxm_call;	/* one per tool call, host-owned, valid during the call */
struct pxm_plan;	/* the plan being built for one mutation, host-owned */
struct pxm_endpoint;	/* a configured remote (PVE, PBS, PMG), host-owned */

/* ------------------------------------------------------------- descriptor */

/**
 * The only exported symbol of a plugin.  The guard fields come first: they
 * protect the rest.  Use PXM_PLUGIN_DEFINE() rather than filling it by hand.
 */
struct pxm_plugin_descriptor {
	uint32_t	magic;		/* PXM_PLUGIN_MAGIC */
	uint16_t	sdk_major;	/* PXM_SDK_VERSION_MAJOR at build time */
	uint16_t	sdk_minor;	/* PXM_SDK_VERSION_MINOR at build time */
	uint32_t	size;		/* sizeof (struct pxm_plugin_descriptor) */
	uint32_t	flags;		/* must be 0 in 1.x */

	const char	*name;		/* [a-z0-9_]+, equals the file's basename */
	const char	*version;	/* the plugin's own version */
	const char	*license;
	const char	*description;	/* one line, shown by `proximo plugins` */
	int		(*init)(const struct pxm_host *host, struct pxm_plugin *self);
	void		(*fini)(struct pxm_plugin *self);
	/* 1.1+: append here only */
};

#define PXM_PLUGIN_DEFINE(nm, ver, lic, desc, initfn, finifn)		\
	PXM_EXPORT const struct pxm_plugin_descriptor			\
	    pxm_plugin_descriptor = {					\
		PXM_PLUGIN_MAGIC, PXM_SDK_VERSION_MAJOR,		\
		PXM_SDK_VERSION_MINOR,					\
		(uint32_t)sizeof (struct pxm_plugin_descriptor), 0,	\
		#nm, (ver), (lic), (desc), (initfn), (finifn) }

/* ------------------------------------------------------------------ tools */

/* Tool kinds.  Zero is a mutation: a tool that does not claim to be
 * read-only is planned, confirmed and recorded. */
#define PXM_KIND_MUTATE		0u
#define PXM_KIND_READ		1u
#define PXM_KIND_EXEC		2u	/* runs commands inside a guest */

/* Tool flags (hints; they never weaken the pipeline). */
#define PXM_TOOL_IDEMPOTENT	(1u << 0)	/* repeating has no extra effect */
#define PXM_TOOL_CLOSED_WORLD	(1u << 1)	/* touches nothing outside proximo */
#define PXM_TOOL_ADDITIVE	(1u << 2)	/* mutation that only adds: destructiveHint false */
#define PXM_TOOL_UNDO		(1u << 3)	/* accepts snapshot:true (plan must set an undo target) */
#define PXM_TOOL_ASYNC		(1u << 4)	/* may start a task: accepts wait:true */

/* Risk levels, ordered.  A plan nobody assessed is treated as HIGH. */
#define PXM_RISK_NONE		0u
#define PXM_RISK_LOW		1u
#define PXM_RISK_MEDIUM		2u
#define PXM_RISK_HIGH		3u

/** Read tool: fill *out with a new reference. */
typedef int pxm_read_fn(json_t **out, struct pxm_error *err,
    struct pxm_call *call, const json_t *args, void *payload);

/** Mutation, first half: read live state and describe the change in
 *  `plan` through the host's plan_* functions.  Only GET requests are
 *  allowed here. */
typedef int pxm_plan_fn(struct pxm_error *err, struct pxm_call *call,
    const json_t *args, struct pxm_plan *plan, void *payload);

/** Mutation, second half: perform the change the plan described.  Called
 *  only by the core pipeline, after the plan was recorded and confirmed. */
typedef int pxm_execute_fn(json_t **out, struct pxm_error *err,
    struct pxm_call *call, const json_t *args, const struct pxm_plan *plan,
    void *payload);

/** Optional argument preparation for API tools: fill what the caller may
 *  leave out (a guest's node and kind, looked up from its id) before the
 *  request is built.  *out is a new object (a copy of args, completed).
 *  Runs before every read, plan and execute of the tool; GET only. */
typedef int pxm_prepare_fn(json_t **out, struct pxm_error *err,
    struct pxm_call *call, const json_t *args, void *payload);

/** Optional per-tool gate (enable flags, allowlists).  Return PXM_OK to let
 *  the call pass, PXM_E_DENIED with err->reason (e.g. "allowlist") to refuse;
 *  the core records "blocked:<reason>".  Runs after the core's own gates. */
typedef int pxm_gate_fn(struct pxm_error *err, struct pxm_call *call,
    const json_t *args, void *payload);

struct pxm_tool {
	uint32_t	size;		/* sizeof (struct pxm_tool) */
	uint32_t	kind;		/* PXM_KIND_*; 0 = mutation */
	uint32_t	flags;		/* PXM_TOOL_* */
	uint32_t	reserved;	/* 0 */
	const char	*name;		/* [a-z][a-z0-9_]{0,63}, unique in the process */
	const char	*title;
	const char	*description;	/* first word READ-ONLY or MUTATION */
	const char	*input_schema;	/* JSON Schema text, root type object */
	const char	*output_schema;	/* JSON Schema text or NULL */
	const char	*privileges;	/* Proxmox privileges needed, comma list, or NULL */
	pxm_read_fn	*read;		/* PXM_KIND_READ */
	pxm_plan_fn	*plan;		/* mutations */
	pxm_execute_fn	*execute;	/* mutations */
	pxm_gate_fn	*gate;		/* optional, mutations */
	void		*payload;	/* handed back to every handler */
};

/**
 * A tool that is one API call, described as data and run by the core's
 * generic executor.  Arguments named like a path variable fill the path
 * (validated and URL-encoded); the others become the query (GET, DELETE) or
 * the form body (POST, PUT).  A missing path variable takes, in order,
 * what `prepare` filled in, the schema's default, and for {node} the
 * endpoint's default node.  A mutation's plan is the change, the target and the risk floor
 * below, raised by the classifiers attached to the operation and by the
 * optional `plan` hook.
 */
struct pxm_api_tool {
	uint32_t	size;		/* sizeof (struct pxm_api_tool) */
	uint32_t	kind;		/* PXM_KIND_*; 0 = mutation */
	uint32_t	flags;		/* PXM_TOOL_* */
	uint32_t	risk;		/* mutations: PXM_RISK_* floor */
	const char	*name;
	const char	*title;
	const char	*description;
	const char	*method;	/* GET, POST, PUT, DELETE */
	const char	*path;		/* "/nodes/{node}/qemu/{vmid}/status/start" */
	const char	*input_schema;	/* JSON Schema text for the arguments */
	const char	*output_schema;	/* JSON Schema text or NULL */
	const char	*target;	/* target label template, "qemu/{vmid}:start" */
	const char	*change;	/* change text template, "start qemu {vmid}" */
	const char	*privileges;
	pxm_plan_fn	*plan;		/* optional extra live reads for the plan */
	void		*payload;
	pxm_prepare_fn	*prepare;	/* optional: complete the arguments */
};

/* ------------------------------------------------------------ classifiers */

/** One API operation a mutation will perform. */
struct pxm_effect {
	uint32_t	size;
	const char	*method;	/* POST, PUT, DELETE */
	const char	*path;		/* encoded path below the endpoint's base */
	const json_t	*params;	/* query/body parameters (object, may be empty) */
	const json_t	*vars;		/* path variables decoded from the pattern */
	struct pxm_endpoint *endpoint;
};

/**
 * Blast-radius classifier, attached to API operations (method + path
 * pattern), so a dangerous call is classified the same whichever tool
 * reaches it.  It may read (GET) and may only raise the plan's risk.  If it
 * returns an error the core marks the plan incomplete and forces HIGH.
 */
typedef int pxm_classify_fn(struct pxm_error *err, struct pxm_call *call,
    const struct pxm_effect *effect, struct pxm_plan *plan, void *payload);

struct pxm_classifier {
	uint32_t	size;
	const char	*name;		/* op-class name, shown in plans */
	const char	*method;	/* "DELETE", "PUT", "POST" or "*" */
	const char	*path;		/* "/storage/{storage}": {x} matches one segment */
	pxm_classify_fn	*classify;
	void		*payload;
};

/* ------------------------------------------------------------- providers */

/**
 * UNDO: make a restore point for a target (the JSON object the plan set
 * with plan_set_undo_target_new) and wait for it to exist; revert to one.
 * make_point fills *out with {"point": name, "revert": "how to revert"}.
 */
struct pxm_undo_provider {
	uint32_t	size;
	const char	*name;
	int		(*make_point)(json_t **out, struct pxm_error *err,
			    struct pxm_call *call, const json_t *target,
			    const char *point_name, void *payload);
	int		(*revert)(struct pxm_error *err, struct pxm_call *call,
			    const json_t *target, const char *point_name,
			    void *payload);
	void		*payload;
};

struct pxm_task_status {
	uint32_t	size;
	int32_t		finished;	/* 1 once the task stopped */
	int32_t		succeeded;	/* finished and exit status OK */
	double		percent;	/* 0..100, or < 0 when unknown */
	char		exitstatus[256];
	char		last_line[256];
};

/** Tasks (PVE UPIDs): how the core polls and stops what execute started. */
struct pxm_task_provider {
	uint32_t	size;
	const char	*name;
	int		(*poll)(struct pxm_task_status *out, struct pxm_error *err,
			    struct pxm_call *call, const char *task_id, void *payload);
	int		(*stop)(struct pxm_error *err, struct pxm_call *call,
			    const char *task_id, void *payload);
	void		*payload;
};

/* ------------------------------------------------------------- transports */

#define PXM_HTTP_NO_RETRY	(1u << 0)	/* GETs are retried once on a connection failure */
/* data is the whole answer object ({"data": ..., "changes": ...}), for
 * the few PVE reads whose extra members matter (a network list's pending
 * "changes" diff).  A host that predates the flag ignores it: check that
 * the answer has a "data" member before relying on it. */
#define PXM_HTTP_WHOLE_ANSWER	(1u << 1)

struct pxm_http_request {
	uint32_t	size;
	uint32_t	flags;
	uint32_t	timeout_ms;	/* 0: the endpoint's default */
	const char	*method;	/* GET, POST, PUT, DELETE */
	const char	*path;		/* encoded, below the base URL (use path_expand) */
	const json_t	*params;	/* object or NULL: query (GET/DELETE) or form body */
};

struct pxm_http_response {
	uint32_t	size;
	long		status;		/* HTTP status, 0 when none arrived */
	json_t		*data;		/* NEW: the body's "data" member (or the body) */
	json_t		*errors;	/* NEW: per-parameter errors on 400, or NULL */
	char		message[512];	/* the product's message on an error */
};

/** A command inside a container: `pct exec <ctid> -- argv...` on the node
 *  the ssh transport reaches (PROXIMO_SSH_TARGET).  Every word is quoted
 *  for the remote shell by the core; the plugin never builds a command
 *  line.  lens may be NULL (then every argv[i] is NUL-terminated). */
struct pxm_exec_request {
	uint32_t		size;
	uint32_t		timeout_ms;	/* 0: PROXIMO_SSH_COMMAND_TIMEOUT */
	const char		*ctid;		/* ^[1-9][0-9]{2,8}$ */
	const char *const	*argv;
	const size_t		*lens;
	size_t			argc;
};

/** Output is UTF-8 with invalid bytes escaped as \xNN, capped per stream. */
struct pxm_exec_result {
	uint32_t	size;
	int32_t		exit_status;	/* -1 when unknown or killed */
	int32_t		timed_out;	/* the deadline passed; the command was killed */
	int32_t		started;	/* the command was sent: it may have run */
	int32_t		out_truncated;
	int32_t		err_truncated;
	char		*out;		/* host-owned; freed by exec_result_clear */
	size_t		out_len;
	char		*err;
	size_t		err_len;
	uint64_t	duration_ms;
	char		exit_signal[32];
};

/* Log levels (RFC 5424 order, as MCP's logging). */
#define PXM_LOG_DEBUG		0
#define PXM_LOG_INFO		1
#define PXM_LOG_NOTICE		2
#define PXM_LOG_WARNING		3
#define PXM_LOG_ERROR		4

/* --------------------------------------------------------- host functions */

/**
 * Host function table, append-only.  Check a member with PXM_HOST_HAS before
 * using anything newer than 1.0.
 */
struct pxm_host {
	uint32_t	size;
	uint16_t	sdk_major;
	uint16_t	sdk_minor;

	/* -- logging and configuration */
	/** Log to stderr (never stdout) with the plugin's name as prefix. */
	void		(*log)(struct pxm_plugin *self, int level, const char *fmt, ...)
			    PXM_PRINTF(3, 4);
	/** A PROXIMO_* setting (environment, then env file); borrowed, or NULL. */
	const char	*(*config_get)(struct pxm_plugin *self, const char *key);

	/* -- registration: only inside init(), PXM_E_STATE otherwise */
	int		(*register_tool)(struct pxm_plugin *self, const struct pxm_tool *tool);
	int		(*register_api_tool)(struct pxm_plugin *self,
			    struct pxm_endpoint *ep, const struct pxm_api_tool *tool);
	int		(*register_classifier)(struct pxm_plugin *self,
			    const struct pxm_classifier *classifier);
	int		(*register_undo_provider)(struct pxm_plugin *self,
			    const struct pxm_undo_provider *provider);
	int		(*register_task_provider)(struct pxm_plugin *self,
			    const struct pxm_task_provider *provider);

	/* -- endpoints */
	/** The configured remote for a product ("pve", "pbs", "pmg"); never
	 *  NULL.  Missing configuration surfaces as PXM_E_CONFIG at call time. */
	struct pxm_endpoint *(*endpoint)(struct pxm_plugin *self, const char *product);
	/** The endpoint's default node (PROXIMO_NODE for PVE); borrowed or NULL. */
	const char	*(*endpoint_node)(struct pxm_endpoint *ep);

	/* -- plans (inside a plan or classify function) */
	void		(*plan_set_target)(struct pxm_plan *plan, const char *fmt, ...) PXM_PRINTF(2, 3);
	void		(*plan_set_change)(struct pxm_plan *plan, const char *fmt, ...) PXM_PRINTF(2, 3);
	/** The live state the plan read; shown, recorded and bound into plan_id.
	 *  Keep volatile values (uptime, load) out of it. */
	void		(*plan_set_current_new)(struct pxm_plan *plan, json_t *current);
	/** Raise the risk to at least `level`, with a reason; never lowers it. */
	void		(*plan_raise_risk)(struct pxm_plan *plan, uint32_t level,
			    const char *fmt, ...) PXM_PRINTF(3, 4);
	void		(*plan_add_blast)(struct pxm_plan *plan, const char *fmt, ...) PXM_PRINTF(2, 3);
	/** An affected-resource row {resource, effect, severity, ...}; bound
	 *  into plan_id. */
	void		(*plan_add_affected_new)(struct pxm_plan *plan, json_t *row);
	/** A read behind the plan failed: complete=false, risk HIGH, and an
	 *  explicit "enumeration incomplete" row. */
	void		(*plan_set_incomplete)(struct pxm_plan *plan, const char *fmt, ...) PXM_PRINTF(2, 3);
	void		(*plan_add_note)(struct pxm_plan *plan, const char *fmt, ...) PXM_PRINTF(2, 3);
	/** Declare an API operation execute will perform.  Classifiers run on
	 *  it, and at execute time the transport refuses undeclared ones. */
	int		(*plan_add_effect)(struct pxm_plan *plan, struct pxm_endpoint *ep,
			    const char *method, const char *path, const json_t *params);
	/** What snapshot:true snapshots, e.g. {"node","kind","vmid"}. */
	void		(*plan_set_undo_target_new)(struct pxm_plan *plan, json_t *target);
	/** Private state for execute (e.g. the config digest read); not shown. */
	void		(*plan_stash_new)(struct pxm_plan *plan, json_t *state);
	const json_t	*(*plan_stash)(const struct pxm_plan *plan);
	const json_t	*(*plan_current)(const struct pxm_plan *plan);

	/* -- per call */
	/** Tell the core that execute started an asynchronous task. */
	void		(*call_set_task)(struct pxm_call *call, const char *task_id);
	/** 1 once the client cancelled this request. */
	int		(*call_cancelled)(struct pxm_call *call);
	/** Send a progress notification if the client asked for them. */
	void		(*call_progress)(struct pxm_call *call, double progress,
			    double total, const char *message);

	/* -- HTTPS transport */
	/** Expand "/nodes/{node}/qemu/{vmid}" from `vars`: every value is
	 *  checked (non-empty, no '/', no control characters, no "." or "..")
	 *  and URL-encoded.  Writes into buf. */
	int		(*path_expand)(char *buf, size_t bufsz, struct pxm_error *err,
			    const char *pattern, const json_t *vars);
	int		(*http_request)(struct pxm_http_response *out, struct pxm_error *err,
			    struct pxm_call *call, struct pxm_endpoint *ep,
			    const struct pxm_http_request *req);
	/** n requests in parallel over the endpoint's pool; out[] and errs[]
	 *  have n elements.  Returns PXM_OK when every request got a 2xx. */
	int		(*http_request_many)(struct pxm_http_response *out,
			    struct pxm_error *errs, struct pxm_call *call,
			    struct pxm_endpoint *ep, const struct pxm_http_request *reqs,
			    size_t n);
	void		(*http_response_clear)(struct pxm_http_response *resp);

	/* -- the core's JSON Schema validator and API path patterns */
	/** Validate an instance against a JSON Schema with the same validator
	 *  (and messages) the core applies to tool arguments. */
	int		(*schema_validate)(struct pxm_error *err, const json_t *schema,
			    const json_t *instance);
	/** Match an encoded path against a pattern ("/nodes/{node}"): 1 and
	 *  *vars = {name: decoded value} (new), or 0. */
	int		(*path_match)(json_t **vars, const char *pattern, const char *path);

	/* -- plans: what only the caller sees */
	/** A preview shown in the dry run's result (e.g. the cleartext of a
	 *  command the ledger records only as a fingerprint); never written to
	 *  the ledger. */
	void		(*plan_set_preview_new)(struct pxm_plan *plan, json_t *preview);

	/* -- the ssh transport: commands inside containers */
	/** Run `pct exec <ctid> -- argv` on the node.  Allowed while executing
	 *  a plan that declared the effect ("EXEC", "/lxc/<ctid>/exec"), or in a
	 *  read tool (fixed probes; the plugin gates them).  PXM_E_UNSUPPORTED
	 *  without the ssh transport. */
	int		(*ct_exec)(struct pxm_exec_result *out, struct pxm_error *err,
			    struct pxm_call *call, const struct pxm_exec_request *req);
	void		(*exec_result_clear)(struct pxm_exec_result *res);
	/** Target, known_hosts, key source (never the key) of the ssh
	 *  transport; *out new. */
	int		(*ssh_describe)(json_t **out);

	/* -- 1.1: composite reads */
	/** From inside a read tool, run another registered read tool by name
	 *  (e.g. pve_diagnose merging exec's ct_diagnose battery): `args` are
	 *  checked against that tool's schema as if an agent had sent them,
	 *  and the tool keeps its own gates.  One level only: a tool called
	 *  this way cannot call another.  PXM_E_NOTFOUND when no such read
	 *  tool is registered (its plugin is not installed); *out new.
	 *  Test with PXM_HOST_HAS(host, call_read_tool). */
	int		(*call_read_tool)(json_t **out, struct pxm_error *err,
			    struct pxm_call *call, const char *name, const json_t *args);
	/* 1.2+: append here only */
};

#define PXM_HOST_HAS(h, m)						\
	((h)->size >= offsetof(struct pxm_host, m) + sizeof ((h)->m) &&	\
	 (h)->m != NULL)

#ifdef __cplusplus
}
#endif

#endif /* PROXIMO_SDK_H */
