/**
 * @file blasttest.c
 * @brief The blast-radius suites' harness (see blasttest.h).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blasttest.h"

void
bt_proximo(struct bt *t, const char *const *extra_env)
{
	static char e_url[400], e_tok[400], e_fp[200], e_plug[800], e_data[800], e_log[800];
	const char *env[40];
	char *argv[] = { getenv("PXM_PROXIMO"), NULL };
	size_t n = 0, i;
	json_t *init;

	ck_assert_ptr_nonnull(argv[0]);
	snprintf(e_url, sizeof e_url, "PROXIMO_API_BASE_URL=%s", t->sim->pve_url);
	snprintf(e_tok, sizeof e_tok, "PROXIMO_TOKEN_PATH=%s", t->sim->token_file);
	snprintf(e_fp, sizeof e_fp, "PROXIMO_FINGERPRINT=%s", t->sim->fingerprint);
	snprintf(e_plug, sizeof e_plug, "PROXIMO_PLUGIN_DIR=%s/plugins/staged",
	    getenv("PXM_TOP_BUILDDIR"));
	snprintf(e_data, sizeof e_data, "PROXIMO_DATA_DIR=%s", getenv("PXM_DATADIR"));
	snprintf(e_log, sizeof e_log, "PROXIMO_AUDIT_LOG=%s", t->ledger);
	env[n++] = e_url;
	env[n++] = e_tok;
	env[n++] = e_fp;
	env[n++] = e_plug;
	env[n++] = e_data;
	env[n++] = e_log;
	env[n++] = "PROXIMO_NODE=pve1";
	env[n++] = "PROXIMO_ENV_FILE=/dev/null";
	env[n++] = "PROXIMO_PLUGINS=";
	for (i = 0; extra_env && extra_env[i] && n < 39; i++)
		env[n++] = extra_env[i];
	env[n] = NULL;
	if (t->running)
		bt_finish(t);
	pxmtest_spawn(&t->proc, argv, env);
	t->running = 1;
	init = pxmtest_initialize(&t->proc, NULL);
	json_decref(init);
}

void
bt_start(struct bt *t, const char *profile, const char *const *sim_args,
    const char *const *extra_env)
{
	const char *args[16];
	char prof[1024];
	size_t n = 0, i;

	memset(t, 0, sizeof *t);
	pxmtest_tmpdir(t->dir, sizeof t->dir);
	snprintf(t->ledger, sizeof t->ledger, "%s/audit.log", t->dir);
	if (profile) {
		snprintf(prof, sizeof prof, "%s/contrib/sim/profiles/%s.json",
		    getenv("PXM_TOP_SRCDIR"), profile);
		args[n++] = "--profile";
		args[n++] = prof;
	}
	for (i = 0; sim_args && sim_args[i] && n < 15; i++)
		args[n++] = sim_args[i];
	args[n] = NULL;
	ck_assert_int_eq(pxm_sim_start(&t->sim, args), 0);
	bt_proximo(t, extra_env);
	ck_assert_int_eq(pxm_sim_requests_clear(t->sim), 0);
}

/* Stop proximo; 0, or its exit status with its stderr in *err (new). */
static int
finish_quiet(struct bt *t, char **err)
{
	int rc;

	*err = NULL;
	if (!t->running)
		return 0;
	t->running = 0;
	if ((rc = pxmtest_finish(&t->proc)) != 0)
		*err = pxmtest_stderr(&t->proc);
	return rc;
}

void
bt_finish(struct bt *t)
{
	char *err;
	int rc = finish_quiet(t, &err);

	/* proximo must leave cleanly: a sanitizer or a crash says otherwise */
	ck_assert_msg(rc == 0, "proximo exited with %d; its stderr:\n%s", rc, err ? err : "");
	free(err);
}

void
bt_stop(struct bt *t)
{
	char *err;
	int rc = finish_quiet(t, &err);

	if (t->sim)
		pxm_sim_stop(t->sim);
	t->sim = NULL;
	pxmtest_rmrf(t->dir);
	ck_assert_msg(rc == 0, "proximo exited with %d; its stderr:\n%s", rc, err ? err : "");
	free(err);
}

json_t *
bt_call(struct bt *t, const char *tool, json_t *args)
{
	json_t *res = pxmtest_call(&t->proc, tool, args), *sc, *out;

	ck_assert_msg(json_object_get(res, "code") == NULL, "%s: protocol error %s", tool,
	    bt_dump(res));
	sc = json_object_get(res, "structuredContent");
	if (sc) {
		out = json_incref(sc);
	} else {
		out = json_pack("{s:b, s:s}", "isError", json_is_true(json_object_get(res, "isError")),
		    "text", json_string_value(json_object_get(json_array_get(json_object_get(res,
		    "content"), 0), "text")) ? json_string_value(json_object_get(json_array_get(
		    json_object_get(res, "content"), 0), "text")) : "");
	}
	if (json_is_true(json_object_get(res, "isError")) && json_is_object(out))
		json_object_set_new(out, "isError", json_true());
	json_decref(res);
	return out;
}

json_t *
bt_plan(struct bt *t, const char *tool, json_t *args)
{
	json_t *p = bt_call(t, tool, args);

	ck_assert_msg(bt_str(p, "status") && strcmp(bt_str(p, "status"), "plan") == 0,
	    "%s did not answer a plan: %s", tool, bt_dump(p));
	return p;
}

json_t *
bt_row_nth(const json_t *plan, const char *res, int nth)
{
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(plan, "affected"), i, row) {
		const char *r = json_string_value(json_object_get(row, "resource"));

		if (r && strcmp(r, res) == 0 && nth-- == 0)
			return row;
	}
	return NULL;
}

json_t *
bt_row(const json_t *plan, const char *res)
{
	return bt_row_nth(plan, res, 0);
}

size_t
bt_nrows(const json_t *plan)
{
	return json_array_size(json_object_get(plan, "affected"));
}

int
bt_has(const json_t *plan, const char *key, const char *sub)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(plan, key), i, v)
		if (json_string_value(v) && strstr(json_string_value(v), sub))
			return 1;
	return 0;
}

int
bt_effect_has(const json_t *row, const char *sub)
{
	const char *e = json_string_value(json_object_get(row, "effect"));

	return e && strstr(e, sub) != NULL;
}

const char *
bt_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

const char *
bt_dump(const json_t *v)
{
	static char *last;

	free(last);
	last = json_dumps(v, JSON_INDENT(1) | JSON_ENCODE_ANY);
	return last ? last : "(null)";
}

void
bt_assert_only_gets(struct bt *t)
{
	json_t *log = NULL, *e;
	size_t i;

	ck_assert_int_eq(pxm_sim_requests(&log, t->sim), 0);
	json_array_foreach(json_object_get(log, "requests"), i, e)
		ck_assert_msg(strcmp(bt_str(e, "method"), "GET") == 0,
		    "a plan sent %s %s", bt_str(e, "method"), bt_str(e, "path"));
	json_decref(log);
}
