/**
 * @file fuzz_sim_request.c
 * @brief Fuzz target: the simulator's request path (contrib/sim: router,
 *        query and body parsing, schema routing and validation, auth and
 *        permission checks, the handlers) with arbitrary requests.
 *
 * proximo-sim is a test tool, but every end-to-end test and the quick
 * start trust what it says: a crash or a wrong verdict there hides bugs
 * here.  The simulator is set up as its main() does (schemas from data/,
 * the minimal profile), and each input is one request handed to
 * sim_dispatch() as the HTTPS daemon would, on a fresh copy of the state.
 *
 * Input: byte 0 = surface (pve, pbs, pmg) and credentials (none, the
 * profile's token or a PMG ticket, or a header from the input); byte 1 =
 * method and body type; then NUL-separated path, query, body and (when
 * asked for) the Authorization header.  Properties: no crash, leak or UB;
 * every answer has an HTTP status from 100 to 599, and an error status
 * carries a message or a body.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "auth.h"
#include "faults.h"
#include "fuzz.h"
#include "handlers.h"
#include "profile.h"
#include "reqlog.h"
#include "schema.h"
#include "sim.h"
#include "tasks.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR ".."
#endif

static struct sim S;
static char pve_token[512], pbs_token[512];

static const char *
token_secret(enum sim_surface surf)
{
	json_t *users = json_object_get(json_object_get(json_object_get(S.profile,
	    sim_surface_names[surf]), "access"), "users");
	json_t *t = json_object_get(json_object_get(json_object_get(users, "root@pam"),
	    "tokens"), "proximo");

	return json_string_value(json_object_get(t, "secret"));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *src = getenv("PXM_TOP_SRCDIR");
	char file[4096], err[1024];
	int i;

	(void)argc;
	(void)argv;
	if (src == NULL || *src == '\0')
		src = FUZZ_SRCDIR;
	memset(&S, 0, sizeof S);
	pthread_mutex_init(&S.lock, NULL);
	S.active_tasks = json_array();
	S.task_index = json_object();
	S.faults = json_object();
	S.fs.error_status = 503;
	S.opt.task_ms = 50;
	/* Fixed keys: runs are reproducible. */
	memset(S.key, 0x5a, sizeof S.key);
	S.rng = 0x9e3779b97f4a7c15ull;
	S.next_pid = 0x1000;
	FUZZ_CHECK((S.rlog = sim_reqlog_new(NULL, err, sizeof err)) != NULL, "reqlog: %s", err);
	for (i = 0; i < SIM_NSURF; i++) {
		S.enabled[i] = 1;
		snprintf(file, sizeof file, "%s/data/%s.json", src, sim_surface_names[i]);
		S.schema[i] = sim_schema_load(file, (enum sim_surface)i, err, sizeof err);
		FUZZ_CHECK(S.schema[i] != NULL, "schema %s: %s", file, err);
	}
	sim_pve_register_fx();
	sim_pbs_register_fx();
	sim_pmg_register_fx();
	sim_bind_all(&S);
	snprintf(file, sizeof file, "%s/contrib/sim/profiles/minimal.json", src);
	FUZZ_CHECK(sim_profile_load(&S, &S.profile, file, err, sizeof err) == 0, "profile: %s", err);
	FUZZ_CHECK(token_secret(SIM_PVE) && token_secret(SIM_PBS), "the profile has no tokens");
	snprintf(pve_token, sizeof pve_token, "PVEAPIToken=root@pam!proximo=%s",
	    token_secret(SIM_PVE));
	snprintf(pbs_token, sizeof pbs_token, "PBSAPIToken=root@pam!proximo:%s",
	    token_secret(SIM_PBS));
	return 0;
}

/* The next NUL-terminated field of the input (a copy), or "" at the end. */
static char *
field(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *z = memchr(*p, '\0', (size_t)(end - *p));
	size_t n = z ? (size_t)(z - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);

	FUZZ_CHECK(s != NULL, "oom");
	memcpy(s, *p, n);
	s[n] = '\0';
	*p = z ? z + 1 : end;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "DELETE" };
	const uint8_t *p = data + 2, *end = data + size;
	struct sim_req rq;
	struct sim_resp rs;
	char *path, *query, *body, *hdr, *ticket = NULL, *csrf = NULL, cookie[1024];
	enum sim_surface surf;
	int auth;

	if (size < 2)
		return 0;
	surf = (enum sim_surface)(data[0] % SIM_NSURF);
	auth = (data[0] / SIM_NSURF) % 4;
	path = field(&p, end);
	/* An HTTP request line always has a target: microhttpd never hands
	 * the simulator an empty one (router.c reads rawpath + 1). */
	if (*path == '\0') {
		free(path);
		path = strdup("/");
		FUZZ_CHECK(path != NULL, "oom");
	}
	query = field(&p, end);
	body = field(&p, end);
	hdr = field(&p, end);

	/* A fresh state for every input. */
	pthread_mutex_lock(&S.lock);
	json_decref(S.state);
	FUZZ_CHECK((S.state = json_deep_copy(S.profile)) != NULL, "state");
	json_array_clear(S.active_tasks);
	json_object_clear(S.task_index);
	S.task_counter = 0;
	S.next_pid = 0x1000;
	S.rng = 0x9e3779b97f4a7c15ull;
	sim_reqlog_clear(S.rlog);

	memset(&rq, 0, sizeof rq);
	memset(&rs, 0, sizeof rs);
	rq.sim = &S;
	rq.surf = surf;
	snprintf(rq.method, sizeof rq.method, "%s", methods[data[1] % 4]);
	rq.rawpath = path;
	rq.ctype = (data[1] & 4) ? "application/json" : "application/x-www-form-urlencoded";
	rq.now_ms = sim_now_ms();
	switch (auth) {
	case 1:
		if (surf == SIM_PMG) {
			ticket = sim_ticket_new(&S, SIM_PMG, "root@pam", rq.now_ms);
			csrf = sim_csrf_new(&S, "root@pam", rq.now_ms);
			snprintf(cookie, sizeof cookie, "PMGAuthCookie=%s", ticket ? ticket : "");
			rq.cookie = cookie;
			rq.csrf = csrf;
		} else {
			rq.authz = surf == SIM_PVE ? pve_token : pbs_token;
		}
		break;
	case 2:
		rq.authz = hdr;
		break;
	case 3:
		rq.cookie = hdr;
		rq.csrf = query;
		break;
	default:
		break;
	}
	sim_tasks_settle(&S, rq.now_ms);
	sim_dispatch(&rq, &rs, *query ? query : NULL, body, strlen(body));
	if (rs.status == 0)
		rs.status = 200;
	/* FUZZ_DUMP=1 fuzz/replay_sim_request FILE shows the verdict. */
	if (getenv("FUZZ_DUMP")) {
		char *d = rs.data ? json_dumps(rs.data, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

		fprintf(stderr, "%s %s -> %d %s %.200s\n", rq.method, path, rs.status,
		    rs.msg ? rs.msg : "", d ? d : "");
		free(d);
	}
	FUZZ_CHECK(rs.status >= 100 && rs.status <= 599, "status %d", rs.status);
	if (rs.status >= 400)
		FUZZ_CHECK(rs.msg || rs.text || rs.empty || rs.errors,
		    "an error %d that says nothing", rs.status);
	pthread_mutex_unlock(&S.lock);

	free(rq.rel);
	json_decref(rq.params);
	json_decref(rq.pathp);
	json_decref(rq.logparams);
	sim_resp_clear(&rs);
	free(ticket);
	free(csrf);
	free(path);
	free(query);
	free(body);
	free(hdr);
	return 0;
}
