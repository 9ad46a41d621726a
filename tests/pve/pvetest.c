/**
 * @file pvetest.c
 * @brief Helpers of the PVE end-to-end suites (see pvetest.h).
 */
#include "config.h"

#include <check.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pvetest.h"

struct pxm_sim *pvt_sim;
char pvt_dir[512];
char pvt_ledger_path[600];

static char e_url[400], e_token[400], e_pin[200], e_plugdir[700], e_datadir[700];
static char e_ledger[700];

int
pvt_main(Suite *(*suite_fn)(void), const char *const *sim_args)
{
	const char *args[32];
	char profile[700];
	SRunner *sr;
	size_t i, n = 0;
	int failed, rc;

	pxmtest_src_path(profile, sizeof profile, "tests/pve/estate.json");
	args[n++] = "--profile";
	args[n++] = profile;
	for (i = 0; sim_args && sim_args[i] && n < 31; i++)
		args[n++] = sim_args[i];
	args[n] = NULL;
	if (getenv("PXM_SIM") == NULL || getenv("PXM_PROXIMO") == NULL) {
		fprintf(stderr, "PXM_SIM and PXM_PROXIMO must be set (run through make check)\n");
		return 99;
	}
	if (pxm_sim_start(&pvt_sim, args) != 0) {
		fprintf(stderr, "proximo-sim did not start\n");
		return 99;
	}
	snprintf(pvt_dir, sizeof pvt_dir, "%s/pvetest.XXXXXX",
	    getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(pvt_dir) == NULL) {
		pxm_sim_stop(pvt_sim);
		return 99;
	}
	snprintf(pvt_ledger_path, sizeof pvt_ledger_path, "%s/audit.log", pvt_dir);
	snprintf(e_url, sizeof e_url, "PROXIMO_API_BASE_URL=%s", pvt_sim->pve_url);
	snprintf(e_token, sizeof e_token, "PROXIMO_TOKEN_PATH=%s", pvt_sim->token_file);
	snprintf(e_pin, sizeof e_pin, "PROXIMO_FINGERPRINT=%s", pvt_sim->fingerprint);
	snprintf(e_plugdir, sizeof e_plugdir, "PROXIMO_PLUGIN_DIR=%s/plugins/staged",
	    getenv("PXM_TOP_BUILDDIR") ? getenv("PXM_TOP_BUILDDIR") : "..");
	snprintf(e_datadir, sizeof e_datadir, "PROXIMO_DATA_DIR=%s",
	    getenv("PXM_DATADIR") ? getenv("PXM_DATADIR") : "../data");
	snprintf(e_ledger, sizeof e_ledger, "PROXIMO_AUDIT_LOG=%s", pvt_ledger_path);

	sr = srunner_create(suite_fn());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rc = pxm_sim_stop(pvt_sim);
	if (rc != 0) {
		fprintf(stderr, "proximo-sim exited with %d\n", rc);
		failed++;
	}
	pxmtest_rmrf(pvt_dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* A wrapper's first word through $PATH (the spawn uses execv). */
static char *
which(const char *word)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, cand[1024];

	if (strchr(word, '/') || path == NULL)
		return strdup(word);
	copy = strdup(path);
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(cand, sizeof cand, "%s/%s", dir, word);
		if (access(cand, X_OK) == 0) {
			free(copy);
			return strdup(cand);
		}
	}
	free(copy);
	return strdup(word);
}

void
pvt_spawn(struct pxmtest_proc *p, const char *const *extra)
{
	const char *env[64];
	char *argv[32], *wrap = NULL, *w, *save = NULL, *first = NULL;
	size_t n = 0, a = 0, i;

	env[n++] = e_url;
	env[n++] = e_token;
	env[n++] = e_pin;
	env[n++] = "PROXIMO_NODE=pve1";
	env[n++] = e_plugdir;
	env[n++] = e_datadir;
	env[n++] = e_ledger;
	env[n++] = "PROXIMO_ENV_FILE=/dev/null";
	env[n++] = "PROXIMO_PLUGINS=pve";
	env[n++] = "PROXIMO_TASK_POLL_MS=50";
	/* Whatever the developer's shell says, these tests decide. */
	env[n++] = "PROXIMO_CONFIRM=";
	env[n++] = "PROXIMO_FORBID=";
	env[n++] = "PROXIMO_RATE_MAX=";
	env[n++] = "PROXIMO_APPROVAL=";
	env[n++] = "PROXIMO_UNDO_REQUIRED=";
	env[n++] = "PROXIMO_CONSENT_DIR=";
	env[n++] = "PROXIMO_CA_BUNDLE=";
	env[n++] = "PROXIMO_VERIFY_TLS=";
	env[n++] = "PROXIMO_HTTP_PROXY=";
	for (i = 0; extra && extra[i] && n < 63; i++)
		env[n++] = extra[i];
	env[n] = NULL;
	if (getenv("PXM_PROXIMO_WRAPPER") && *getenv("PXM_PROXIMO_WRAPPER")) {
		wrap = strdup(getenv("PXM_PROXIMO_WRAPPER"));
		for (w = strtok_r(wrap, " ", &save); w && a < 30; w = strtok_r(NULL, " ", &save))
			argv[a++] = w;
		if (a > 0)
			argv[0] = first = which(argv[0]);
	}
	argv[a++] = getenv("PXM_PROXIMO");
	argv[a] = NULL;
	pxmtest_spawn(p, argv, env);
	free(first);
	free(wrap);
	json_decref(pxmtest_initialize(p, NULL));
}

void
pvt_finish(struct pxmtest_proc *p)
{
	char dir[sizeof p->errfile];
	int rc = pxmtest_finish(p);

	if (rc != 0) {
		char *err = pxmtest_stderr(p);

		ck_abort_msg("proximo exited with %d; stderr:\n%s", rc, err);
		free(err);
	}
	snprintf(dir, sizeof dir, "%s", p->errfile);
	pxmtest_rmrf(dirname(dir));
}

json_t *
pvt_call(struct pxmtest_proc *p, const char *tool, json_t *args)
{
	return pxmtest_call(p, tool, args);
}

json_t *
pvt_sc(const json_t *res)
{
	return json_object_get(res, "structuredContent");
}

const char *
pvt_text(const json_t *res)
{
	const char *t = json_string_value(json_object_get(json_array_get(json_object_get(res,
	    "content"), 0), "text"));

	return t ? t : "";
}

int
pvt_is_error(const json_t *res)
{
	return json_is_true(json_object_get(res, "isError"));
}

json_t *
pvt_ok(const json_t *res, const char *tool)
{
	ck_assert_msg(!pvt_is_error(res) && pvt_sc(res) != NULL, "%s failed: %s", tool,
	    pvt_text(res));
	return pvt_sc(res);
}

const char *
pvt_dump(const json_t *j)
{
	static char buf[2048];
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	snprintf(buf, sizeof buf, "%s", s ? s : "(null)");
	free(s);
	return buf;
}

long long
pvt_mark(void)
{
	json_t *out = NULL;
	long long n;

	ck_assert_int_eq(pxm_sim_control(&out, pvt_sim, "GET", "/requests?since=999999999999",
	    NULL), 200);
	n = (long long)json_integer_value(json_object_get(out, "total"));
	json_decref(out);
	return n;
}

json_t *
pvt_since(long long mark)
{
	json_t *out = NULL, *r;
	char path[64];

	snprintf(path, sizeof path, "/requests?since=%lld", mark);
	ck_assert_int_eq(pxm_sim_control(&out, pvt_sim, "GET", path, NULL), 200);
	r = json_incref(json_object_get(out, "requests"));
	json_decref(out);
	ck_assert_ptr_nonnull(r);
	return r;
}

json_t *
pvt_sent_since(long long mark)
{
	json_t *all = pvt_since(mark), *out = json_array(), *e;
	size_t i;

	json_array_foreach(all, i, e)
		if (strcmp(json_string_value(json_object_get(e, "method")), "GET") != 0)
			json_array_append(out, e);
	json_decref(all);
	return out;
}

json_t *
pvt_state(void)
{
	json_t *s = NULL;

	ck_assert_int_eq(pxm_sim_state(&s, pvt_sim), 0);
	return s;
}

void
pvt_reset(void)
{
	ck_assert_int_eq(pxm_sim_reset(pvt_sim), 0);
	ck_assert_int_eq(pxm_sim_faults(pvt_sim, NULL), 0);
}

void
pvt_state_put(const char *pointer, const json_t *value)
{
	ck_assert_msg(pxm_sim_state_put(pvt_sim, pointer, value) == 0, "PUT /state%s", pointer);
}

json_t *
pvt_plan(struct pxmtest_proc *p, const char *tool, const json_t *args)
{
	long long mark = pvt_mark();
	json_t *res, *sent, *plan;

	res = pvt_call(p, tool, json_deep_copy(args));
	ck_assert_msg(!pvt_is_error(res), "dry run of %s %s failed: %s", tool, pvt_dump(args),
	    pvt_text(res));
	plan = pvt_sc(res);
	ck_assert_msg(plan && json_is_string(json_object_get(plan, "status")) &&
	    strcmp(json_string_value(json_object_get(plan, "status")), "plan") == 0,
	    "dry run of %s did not answer a plan: %s", tool, pvt_text(res));
	ck_assert_msg(json_string_length(json_object_get(plan, "plan_id")) == 64,
	    "plan of %s has no plan_id", tool);
	sent = pvt_sent_since(mark);
	ck_assert_msg(json_array_size(sent) == 0, "the dry run of %s sent a change: %s", tool,
	    pvt_dump(sent));
	json_decref(sent);
	json_incref(plan);
	json_decref(res);
	return plan;
}

json_t *
pvt_confirm(struct pxmtest_proc *p, const char *tool, const json_t *args, const char *plan_id,
    int wait)
{
	json_t *a = json_deep_copy(args);

	json_object_set_new(a, "confirm", json_true());
	json_object_set_new(a, "plan_id", json_string(plan_id));
	if (wait)
		json_object_set_new(a, "wait", json_true());
	return pvt_call(p, tool, a);
}

json_t *
pvt_ptr(const json_t *doc, const char *pointer)
{
	const json_t *cur = doc;
	char tok[512];
	const char *p = pointer, *e;
	size_t n, i, o;

	if (pointer == NULL || *pointer == '\0')
		return (json_t *)doc;
	if (*p != '/')
		return NULL;
	while (cur && *p == '/') {
		p++;
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n >= sizeof tok)
			return NULL;
		for (i = 0, o = 0; i < n; i++) {
			if (p[i] == '~' && i + 1 < n && p[i + 1] == '1') {
				tok[o++] = '/';
				i++;
			} else if (p[i] == '~' && i + 1 < n && p[i + 1] == '0') {
				tok[o++] = '~';
				i++;
			} else {
				tok[o++] = p[i];
			}
		}
		tok[o] = '\0';
		if (json_is_object(cur)) {
			cur = json_object_get(cur, tok);
		} else if (json_is_array(cur)) {
			char *end;
			long idx = strtol(tok, &end, 10);

			cur = *end || idx < 0 ? NULL : json_array_get(cur, (size_t)idx);
		} else {
			cur = NULL;
		}
		p += n;
	}
	return (json_t *)cur;
}

static int
subset_at(const json_t *want, const json_t *got, char *why, size_t whysize, const char *where)
{
	char sub[512];
	const char *k;
	json_t *v;
	size_t i;

	/* Operators: {"$absent": true}, {"$present": true}, {"$ne": v},
	 * {"$len": n}, {"$some": want} (an element of an array matches). */
	if (json_is_object(want) && json_object_size(want) == 1 &&
	    json_object_iter_key(json_object_iter((json_t *)want))[0] == '$') {
		const char *op = json_object_iter_key(json_object_iter((json_t *)want));
		json_t *arg = json_object_iter_value(json_object_iter((json_t *)want));

		if (strcmp(op, "$absent") == 0) {
			if (got == NULL)
				return 1;
		} else if (strcmp(op, "$present") == 0) {
			if (got != NULL)
				return 1;
		} else if (strcmp(op, "$ne") == 0) {
			if (got != NULL && !json_equal(arg, (json_t *)got))
				return 1;
		} else if (strcmp(op, "$len") == 0) {
			if ((json_is_array(got) && json_array_size(got) == (size_t)json_integer_value(arg)) ||
			    (json_is_object(got) && json_object_size(got) == (size_t)json_integer_value(arg)))
				return 1;
		} else if (strcmp(op, "$some") == 0) {
			if (json_is_array(got))
				json_array_foreach((json_t *)got, i, v)
					if (subset_at(arg, v, NULL, 0, where))
						return 1;
		} else {
			ck_abort_msg("unknown operator %s", op);
		}
		goto bad;
	}
	if (json_is_string(want) && strncmp(json_string_value(want), "~re:", 4) == 0) {
		if (json_is_string(got) && strstr(json_string_value(got), json_string_value(want) + 4))
			return 1;
		goto bad;
	}
	if (json_is_object(want)) {
		if (!json_is_object(got))
			goto bad;
		json_object_foreach((json_t *)want, k, v) {
			snprintf(sub, sizeof sub, "%s/%s", where, k);
			if (!subset_at(v, json_object_get(got, k), why, whysize, sub))
				return 0;
		}
		return 1;
	}
	if (json_is_array(want)) {
		if (!json_is_array(got) || json_array_size(got) < json_array_size(want))
			goto bad;
		json_array_foreach((json_t *)want, i, v) {
			snprintf(sub, sizeof sub, "%s/%zu", where, i);
			if (!subset_at(v, json_array_get(got, i), why, whysize, sub))
				return 0;
		}
		return 1;
	}
	/* Numbers: PVE sends form values, the simulator may keep text. */
	if (json_is_number(want) && json_is_number(got) &&
	    json_number_value(want) == json_number_value(got))
		return 1;
	if (json_equal((json_t *)want, (json_t *)got))
		return 1;
bad:
	if (why) {
		char *w = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
		char *g = got ? json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

		snprintf(why, whysize, "at '%s': want %.300s, got %.600s", where[0] ? where : "/",
		    w ? w : "?", g ? g : "(absent)");
		free(w);
		free(g);
	}
	return 0;
}

int
pvt_subset(const json_t *want, const json_t *got, char *why, size_t whysize)
{
	return subset_at(want, got, why, whysize, "");
}

int
pvt_subset_new(json_t *want, const json_t *got, char *why, size_t whysize)
{
	int r = subset_at(want, got, why, whysize, "");

	json_decref(want);
	return r;
}

json_t *
pvt_ledger(void)
{
	char *text = pxmtest_read_file(pvt_ledger_path), *line, *save = NULL;
	json_t *a = json_array();

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		json_t *e = json_loads(line, 0, NULL);

		ck_assert_msg(e != NULL, "unparseable ledger line: %.200s", line);
		if (strcmp(json_string_value(json_object_get(e, "action")), "audit_checkpoint") == 0)
			json_decref(e);
		else
			json_array_append_new(a, e);
	}
	free(text);
	return a;
}

size_t
pvt_ledger_size(void)
{
	json_t *a = pvt_ledger();
	size_t n = json_array_size(a);

	json_decref(a);
	return n;
}

char *
pvt_outcomes(size_t from, const char *action)
{
	json_t *a = pvt_ledger(), *e;
	char buf[4096] = "";
	size_t i;

	json_array_foreach(a, i, e) {
		if (i < from || (action && strcmp(json_string_value(json_object_get(e, "action")),
		    action) != 0))
			continue;
		if (buf[0])
			strncat(buf, ",", sizeof buf - strlen(buf) - 1);
		strncat(buf, json_string_value(json_object_get(e, "outcome")),
		    sizeof buf - strlen(buf) - 1);
	}
	json_decref(a);
	return strdup(buf);
}

void
pvt_private_file(char *out, size_t size, const char *name, const char *content, int mode)
{
	snprintf(out, size, "%s/%s", pvt_dir, name);
	unlink(out);
	pxmtest_write_file(out, content, mode);
}
