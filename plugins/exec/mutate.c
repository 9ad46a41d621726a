/**
 * @file mutate.c
 * @brief ct_exec and ct_psql: commands and SQL inside a container, as
 *        governed mutations.
 *
 * Each call is planned by the core's pipeline: the plan shows the command
 * (in the ledger only as a fingerprint unless redaction is off), its
 * heuristic risk, the container's node and state, and declares the one
 * effect execute may perform ("EXEC /lxc/<ctid>/exec"); the core refuses a
 * command any other plan did not declare.  The gate (PROXIMO_ENABLE_EXEC,
 * PROXIMO_CT_ALLOWLIST) runs after the core's own gates and before the
 * undo point, so a forbidden CTID never gets an orphan snapshot.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"

/* The CTID of every schema: a Proxmox VMID, as a string (the reference's
 * type) or an integer.  A malformed one is refused before any plan. */
#define CTID_SCHEMA							\
	"\"ctid\":{\"type\":[\"string\",\"integer\"],\"pattern\":\"^[1-9][0-9]{2,8}$\","	\
	"\"minimum\":100,\"maximum\":999999999,"				\
	"\"description\":\"The container's id (CTID), e.g. \\\"101\\\". It must be listed in "	\
	"PROXIMO_CT_ALLOWLIST.\"}"
#define TIMEOUT_SCHEMA							\
	"\"timeout\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":86400,"	\
	"\"description\":\"Seconds the command may run (default PROXIMO_SSH_COMMAND_TIMEOUT, "	\
	"60). At the deadline it is killed on the node, with everything it started.\"}"

static const char exec_schema[] =
    "{\"type\":\"object\",\"properties\":{" CTID_SCHEMA ","
    "\"command\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":4096,"
    "\"items\":{\"type\":\"string\",\"maxLength\":131072},"
    "\"description\":\"The command as an argv array, e.g. [\\\"systemctl\\\", \\\"status\\\", "
    "\\\"nginx\\\"]. Never a shell string: each element reaches the program exactly as given. "
    "For pipes or redirections, run a shell explicitly: [\\\"sh\\\", \\\"-c\\\", \\\"...\\\"].\"},"
    TIMEOUT_SCHEMA "},"
    "\"required\":[\"ctid\",\"command\"],\"additionalProperties\":false}";

static const char psql_schema[] =
    "{\"type\":\"object\",\"properties\":{" CTID_SCHEMA ","
    "\"sql\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":65536,"
    "\"description\":\"The SQL to run (psql -c: several statements run as one "
    "transaction; the first error stops it).\"},"
    "\"db\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z_][A-Za-z0-9_$.-]{0,62}$\","
    "\"default\":\"postgres\",\"description\":\"The database name (a plain name, never a "
    "connection string). Default postgres.\"}," TIMEOUT_SCHEMA "},"
    "\"required\":[\"ctid\",\"sql\"],\"additionalProperties\":false}";

static const char *const risk_names[] = { "none", "low", "medium", "high" };

/* argv from the "command" array: borrowed pointers into args. */
static int
get_argv(const char ***argv, size_t *argc, struct pxm_error *err, const json_t *args)
{
	const json_t *cmd = json_object_get(args, "command"), *v;
	size_t i, n = json_array_size(cmd);

	*argv = NULL;
	*argc = 0;
	if (n == 0)
		return exec_fail(err, PXM_E_INVAL, "argv", "command must be a non-empty array "
		    "of strings (an argv), e.g. [\"ls\", \"-l\", \"/var/log\"]");
	if ((*argv = calloc(n, sizeof **argv)) == NULL)
		return exec_fail(err, PXM_E_NOMEM, "nomem", "out of memory");
	json_array_foreach(cmd, i, v) {
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
			free(*argv);
			*argv = NULL;
			/* Never echo the element: it may be a password. */
			return exec_fail(err, PXM_E_INVAL, "argv", "command[%zu] %s", i,
			    json_is_string(v) ? "contains a NUL character, which no argv can carry" :
			    "is not a string");
		}
		(*argv)[i] = json_string_value(v);
	}
	*argc = n;
	return PXM_OK;
}

static uint32_t
timeout_ms(const json_t *args)
{
	const json_t *t = json_object_get(args, "timeout");

	return json_is_integer(t) ? (uint32_t)json_integer_value(t) * 1000u : 0;
}

/* The human confirming should know how long the command may run. */
static void
note_deadline(struct pxm_plan *plan, const json_t *args)
{
	json_t *d = NULL;
	json_int_t ms = 0;

	if (json_is_integer(json_object_get(args, "timeout")))
		ms = json_integer_value(json_object_get(args, "timeout")) * 1000;
	else if (PXM_HOST_HAS(exec_host, ssh_describe) && exec_host->ssh_describe(&d) == PXM_OK)
		ms = json_integer_value(json_object_get(json_object_get(d, "timeouts_ms"), "command"));
	json_decref(d);
	if (ms > 0)
		exec_host->plan_add_note(plan, "If still running after %lld s, it is killed on the "
		    "node with everything it started.", (long long)(ms / 1000));
}

static const char *
db_of(const json_t *args)
{
	const char *db = json_string_value(json_object_get(args, "db"));

	return db ? db : "postgres";
}

/* psql inside the container, as the database's OS user, without a shell:
 * the SQL is one argv word, so no quoting can break it. */
static void
psql_argv(const char *argv[12], const char *db, const char *sql)
{
	argv[0] = "runuser";
	argv[1] = "-u";
	argv[2] = "postgres";
	argv[3] = "--";
	argv[4] = "psql";
	argv[5] = "-X";
	argv[6] = "-v";
	argv[7] = "ON_ERROR_STOP=1";
	argv[8] = "-d";
	argv[9] = db;
	argv[10] = "-c";
	argv[11] = sql;
}

/*
 * What both tools plan: the change, the risk the classifier found, the
 * container's place and state, the declared effect and the undo target.
 * `subject` (stolen) is what the ledger may know of the command: its
 * fingerprint, or its cleartext with redaction off.
 */
static int
plan_common(struct pxm_error *err, struct pxm_call *call, struct pxm_plan *plan,
    const char *ctid, const char *change, uint32_t risk, json_t *reasons, const char *key,
    json_t *subject, json_t *preview)
{
	const struct pxm_host *h = exec_host;
	struct pxm_error gerr, perr;
	json_t *guest = NULL, *current, *v;
	const char *node = NULL, *status = NULL, *type = NULL;
	char path[64];
	size_t i;
	int r;

	h->plan_set_target(plan, "%s", ctid);
	h->plan_set_change(plan, "%s", change);
	json_array_foreach(reasons, i, v)
		h->plan_raise_risk(plan, risk, "%s", json_string_value(v));
	if (json_array_size(reasons) == 0)
		h->plan_raise_risk(plan, risk, NULL);
	json_decref(reasons);

	current = json_pack("{s:s, s:o}", "ctid", ctid, key, subject);
	memset(&gerr, 0, sizeof gerr);
	r = exec_guest_lookup(&guest, &gerr, call, ctid);
	if (r != PXM_OK) {
		/* The command's risk does not depend on this read; the plan
		 * says what it could not see instead of pretending. */
		json_object_set_new(current, "guest", json_pack("{s:s}", "error",
		    gerr.reason[0] ? gerr.reason : pxm_strerror(r)));
		h->plan_add_note(plan, "The container's state could not be read from the PVE API "
		    "(%s).", gerr.text[0] ? gerr.text : pxm_strerror(r));
	} else if (guest == NULL) {
		json_object_set_new(current, "guest", json_null());
		h->plan_add_note(plan, "CT %s is not in the cluster's resource index: pct will "
		    "refuse an unknown container.", ctid);
	} else {
		node = json_string_value(json_object_get(guest, "node"));
		status = json_string_value(json_object_get(guest, "status"));
		type = json_string_value(json_object_get(guest, "type"));
		json_object_set(current, "guest", guest);
		if (type && strcmp(type, "lxc") != 0)
			h->plan_add_note(plan, "%s is a %s guest, not a container: pct exec will fail.",
			    ctid, type);
		else if (status && strcmp(status, "running") != 0)
			h->plan_add_note(plan, "CT %s is %s: pct exec runs only in a running "
			    "container.", ctid, status);
	}
	if (node == NULL)
		node = exec_default_node();
	h->plan_set_current_new(plan, current);
	h->plan_add_blast(plan, "runs as root inside CT %s (node %s) through `pct exec`: full "
	    "access to the container's files, processes and network", ctid, node ? node : "?");
	snprintf(path, sizeof path, "lxc/%s", ctid);
	h->plan_add_affected_new(plan, json_pack("{s:s, s:s, s:s}", "resource", path,
	    "effect", "a command runs inside the container as root", "severity",
	    risk_names[risk > PXM_RISK_HIGH ? PXM_RISK_HIGH : risk]));

	snprintf(path, sizeof path, "/lxc/%s/exec", ctid);
	if ((r = h->plan_add_effect(plan, NULL, "EXEC", path, NULL)) != PXM_OK) {
		json_decref(guest);
		json_decref(preview);
		return exec_fail(err, r, "plan", "could not declare the command in the plan");
	}
	/* What snapshot=true snapshots; the core asks the PVE plugin's
	 * provider, waits for it, and refuses to run without it. */
	if (node)
		h->plan_set_undo_target_new(plan, json_pack("{s:s, s:s, s:I}", "node", node,
		    "kind", "lxc", "vmid", (json_int_t)strtoll(ctid, NULL, 10)));
	else
		h->plan_add_note(plan, "snapshot=true cannot be honoured: the container's node is "
		    "unknown (no API answer and no PROXIMO_NODE); it would be refused, not run "
		    "unprotected.");
	memset(&perr, 0, sizeof perr);
	if (exec_permitted(&perr, ctid) != PXM_OK)
		h->plan_add_note(plan, "Confirming will be refused (blocked:%s): %s", perr.reason,
		    perr.text);
	h->plan_set_preview_new(plan, preview);
	json_decref(guest);
	return PXM_OK;
}

/* ---------------------------------------------------------------- ct_exec */

static int
exec_plan(struct pxm_error *err, struct pxm_call *call, const json_t *args,
    struct pxm_plan *plan, void *payload)
{
	const char **argv = NULL;
	char ctid[16], shown[160], *clear = NULL, *change = NULL;
	json_t *reasons = NULL, *subject = NULL, *fp = NULL;
	size_t argc, n;
	uint32_t risk;
	int r;

	(void)payload;
	if ((r = exec_ctid(ctid, sizeof ctid, err, args)) != PXM_OK ||
	    (r = get_argv(&argv, &argc, err, args)) != PXM_OK)
		return r;
	r = PXM_E_NOMEM;
	if (exec_classify_command(&risk, &reasons, argv, argc) != PXM_OK ||
	    (clear = exec_shlex_join(argv, argc)) == NULL ||
	    (fp = exec_fingerprint_command(argv, argc)) == NULL)
		goto out;
	if (exec_cfg.redact) {
		exec_redacted_text(shown, sizeof shown, fp);
		subject = json_incref(fp);
	} else {
		subject = json_array();
		for (n = 0; n < argc; n++)
			json_array_append_new(subject, json_string(argv[n]));
	}
	n = strlen(ctid) + strlen(exec_cfg.redact ? shown : clear) + 16;
	if ((change = malloc(n)) == NULL)
		goto out;
	snprintf(change, n, "run in %s: %s", ctid, exec_cfg.redact ? shown : clear);
	r = plan_common(err, call, plan, ctid, change, risk, reasons, "command", subject,
	    json_string(clear));
	reasons = subject = NULL;
	if (r == PXM_OK)
		note_deadline(plan, args);
out:
	if (r == PXM_E_NOMEM && err->code == PXM_OK)
		exec_fail(err, r, "nomem", "out of memory planning the command");
	json_decref(reasons);
	json_decref(subject);
	json_decref(fp);
	free(clear);
	free(change);
	free(argv);
	return r;
}

static int
exec_execute(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    const struct pxm_plan *plan, void *payload)
{
	const char **argv = NULL;
	char ctid[16];
	size_t argc;
	int r;

	(void)plan;
	(void)payload;
	*out = NULL;
	if ((r = exec_ctid(ctid, sizeof ctid, err, args)) != PXM_OK ||
	    (r = get_argv(&argv, &argc, err, args)) != PXM_OK)
		return r;
	r = exec_run(out, err, call, ctid, argv, argc, timeout_ms(args));
	free(argv);
	return r;
}

/* ---------------------------------------------------------------- ct_psql */

static int
psql_plan(struct pxm_error *err, struct pxm_call *call, const json_t *args,
    struct pxm_plan *plan, void *payload)
{
	const char *sql = json_string_value(json_object_get(args, "sql"));
	const char *db = db_of(args);
	char ctid[16], shown[320], *change = NULL;
	json_t *reasons = NULL, *subject = NULL;
	uint32_t risk;
	size_t n;
	int r;

	(void)payload;
	if ((r = exec_ctid(ctid, sizeof ctid, err, args)) != PXM_OK)
		return r;
	if (sql == NULL || strlen(sql) != json_string_length(json_object_get(args, "sql")))
		return exec_fail(err, PXM_E_INVAL, "sql", "sql must be a string without NUL "
		    "characters");
	r = PXM_E_NOMEM;
	if (exec_classify_sql(&risk, &reasons, sql) != PXM_OK)
		goto out;
	if (exec_cfg.redact) {
		subject = exec_fingerprint_sql(db, sql);
		exec_redacted_text(shown, sizeof shown, subject);
	} else {
		subject = json_pack("{s:s, s:s}", "db", db, "sql", sql);
	}
	if (subject == NULL)
		goto out;
	n = strlen(ctid) + strlen(db) + (exec_cfg.redact ? strlen(shown) : strlen(sql)) + 32;
	if ((change = malloc(n)) == NULL)
		goto out;
	snprintf(change, n, "psql %s in %s: %s", db, ctid, exec_cfg.redact ? shown : sql);
	r = plan_common(err, call, plan, ctid, change, risk, reasons, "sql", subject,
	    json_string(sql));
	reasons = subject = NULL;
	if (r == PXM_OK)
		note_deadline(plan, args);
out:
	if (r == PXM_E_NOMEM && err->code == PXM_OK)
		exec_fail(err, r, "nomem", "out of memory planning the statement");
	json_decref(reasons);
	json_decref(subject);
	free(change);
	return r;
}

static int
psql_execute(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    const struct pxm_plan *plan, void *payload)
{
	const char *argv[12];
	char ctid[16];
	int r;

	(void)plan;
	(void)payload;
	*out = NULL;
	if ((r = exec_ctid(ctid, sizeof ctid, err, args)) != PXM_OK)
		return r;
	psql_argv(argv, db_of(args), json_string_value(json_object_get(args, "sql")));
	if ((r = exec_run(out, err, call, ctid, argv, 12, timeout_ms(args))) == PXM_OK)
		json_object_set_new(*out, "db", json_string(db_of(args)));
	return r;
}

/* ------------------------------------------------------------------- gate */

static int
gate(struct pxm_error *err, struct pxm_call *call, const json_t *args, void *payload)
{
	char ctid[16];
	int r;

	(void)call;
	(void)payload;
	if ((r = exec_ctid(ctid, sizeof ctid, err, args)) != PXM_OK)
		return r;
	return exec_permitted(err, ctid);
}

int
exec_register_mutations(void)
{
	struct pxm_tool t;
	int r;

	memset(&t, 0, sizeof t);
	t.size = sizeof t;
	t.kind = PXM_KIND_EXEC;
	t.flags = PXM_TOOL_UNDO;
	t.name = "ct_exec";
	t.title = "Run a command inside a container";
	t.description = "MUTATION: run a command inside an LXC container (pct exec on the node, "
	    "over ssh). The command is an argv array, never a shell string. Off unless "
	    "PROXIMO_ENABLE_EXEC=1 and the CTID is in PROXIMO_CT_ALLOWLIST. Call without confirm "
	    "for the plan: the command, its heuristic risk (destructive patterns are HIGH; LOW "
	    "means read-only, not safe) and the container's state; then confirm=true with its "
	    "plan_id. snapshot=true takes a restore point first and refuses to run if it cannot. "
	    "Returns returncode, stdout and stderr (untrusted text from inside the guest).";
	t.input_schema = exec_schema;
	t.plan = exec_plan;
	t.execute = exec_execute;
	t.gate = gate;
	if ((r = exec_host->register_tool(exec_self, &t)) != PXM_OK)
		return r;

	t.name = "ct_psql";
	t.title = "Run SQL with psql inside a container";
	t.description = "MUTATION: run SQL with psql inside an LXC container, as the postgres "
	    "OS user (runuser -u postgres -- psql -X -v ON_ERROR_STOP=1 -d DB -c SQL; no shell). "
	    "Off unless PROXIMO_ENABLE_EXEC=1 and the CTID is in PROXIMO_CT_ALLOWLIST. The plan "
	    "classifies the SQL (SELECT is LOW, DML MEDIUM, DDL and dangerous functions HIGH); "
	    "confirm=true with its plan_id runs it; snapshot=true takes a restore point first. "
	    "Returns returncode, stdout and stderr (untrusted text from inside the guest).";
	t.input_schema = psql_schema;
	t.plan = psql_plan;
	t.execute = psql_execute;
	return exec_host->register_tool(exec_self, &t);
}
