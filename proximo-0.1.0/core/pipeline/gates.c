/**
 * @file gates.c
 * @brief CONTAIN, FORBID, CONSENT, RATE.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "pipeline/gates.h"
#include "pipeline/plan.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/log.h"
#include "util/settings.h"

int
pxm_gate_contain(struct pxm_error *err, json_t *detail)
{
	const char *trip = pxm_config_get("PROXIMO_CONTAIN_TRIP_PATH");
	struct stat st;

	if (trip == NULL)
		return PXM_OK;
	if (lstat(trip, &st) != 0 && (errno == ENOENT))
		return PXM_OK;	/* armed, not tripped */
	/* Tripped, or not checkable (permission, a file in the path):
	 * fail closed. */
	json_object_set_new(detail, "contain", json_string("tripped"));
	return pxm_error_set(err, PXM_E_DENIED, "contained",
	    "CONTAIN: the kill switch is tripped (PROXIMO_CONTAIN_TRIP_PATH exists); every "
	    "mutation is refused until an operator removes it. Nothing was changed.");
}

static int
forbid_matches(const char *item, const char *action, const char *target)
{
	const char *colon;

	if (strcmp(item, action) == 0 || strstr(action, item) != NULL)
		return 1;
	/* The sub-action in a target: "lxc/100:stop". */
	if (target && (colon = strrchr(target, ':')) != NULL && strcmp(colon + 1, item) == 0)
		return 1;
	return 0;
}

int
pxm_gate_forbid(struct pxm_error *err, json_t *detail, const char *action, const char *target)
{
	const char *list = pxm_config_get("PROXIMO_FORBID");
	char *copy, *tok, *save = NULL;
	json_t *hit;
	int r = PXM_OK;

	if (list == NULL || (copy = strdup(list)) == NULL)
		return list ? PXM_E_NOMEM : PXM_OK;
	hit = json_array();
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
		if (forbid_matches(tok, action, target))
			json_array_append_new(hit, json_string(tok));
	if (json_array_size(hit)) {
		json_object_set(detail, "forbid", hit);
		r = pxm_error_set(err, PXM_E_DENIED, "blocked:forbidden",
		    "FORBID: '%s' is forbidden on this server by PROXIMO_FORBID; nothing was changed",
		    action);
	}
	json_decref(hit);
	free(copy);
	return r;
}

void
pxm_gate_consent_id(char *out, const struct pxm_plan *plan)
{
	unsigned char d[32];
	unsigned int n = 0, i;
	json_t *o;
	char *s;

	o = json_pack("{s:s, s:s, s:s, s:s, s:O}", "action", plan->action,
	    "target", plan->target ? plan->target : "", "change", plan->change ? plan->change : "",
	    "risk", pxm_risk_name(plan->risk), "blast_radius", plan->blast);
	s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	EVP_Digest(s ? s : "", s ? strlen(s) : 0, d, &n, EVP_sha256(), NULL);
	free(s);
	for (i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static uint64_t
consent_ttl(void)
{
	struct pxm_error e;
	uint64_t ttl;

	/* A malformed TTL falls back to the default rather than to "forever". */
	if (pxm_config_uint(&ttl, &e, "PROXIMO_CONSENT_TTL_SECONDS", 900, 1, 86400 * 365) != PXM_OK)
		return 900;
	return ttl;
}

int
pxm_gate_consent(struct pxm_error *err, json_t *detail, const struct pxm_plan *plan)
{
	const char *dir = pxm_config_get("PROXIMO_CONSENT_DIR");
	char id[17], path[4096];
	struct stat st;
	time_t now = time(NULL);
	uint64_t ttl;

	if (dir == NULL)
		return PXM_OK;
	pxm_gate_consent_id(id, plan);
	json_object_set_new(detail, "consent_id", json_string(id));
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return pxm_error_set(err, PXM_E_DENIED, "blocked:consent_error",
		    "CONSENT: PROXIMO_CONSENT_DIR is not a readable directory; refusing (fail closed)");
	snprintf(path, sizeof path, "%s/%s", dir, id);
	if (lstat(path, &st) != 0)
		return pxm_error_set(err, PXM_E_DENIED, "blocked:consent_required",
		    "CONSENT: this change needs an operator's grant. Ask the operator to review the "
		    "plan and create the grant file %s/%s (consent_id %s); then call again. "
		    "Nothing was changed.", dir, id, id);
	ttl = consent_ttl();
	if (!S_ISREG(st.st_mode))
		return pxm_error_set(err, PXM_E_DENIED, "blocked:consent_error",
		    "CONSENT: the grant %s is not a regular file", id);
	if (now - st.st_mtime > (time_t)ttl)
		return pxm_error_set(err, PXM_E_DENIED, "blocked:consent_expired",
		    "CONSENT: the grant for consent_id %s is older than %llu s "
		    "(PROXIMO_CONSENT_TTL_SECONDS); ask for a fresh one", id, (unsigned long long)ttl);
	/* Consume it: one grant, one execution. */
	if (unlink(path) != 0) {
		if (errno == ENOENT)
			return pxm_error_set(err, PXM_E_DENIED, "blocked:consent_race",
			    "CONSENT: the grant for %s vanished while it was being used; refusing", id);
		return pxm_error_set(err, PXM_E_DENIED, "blocked:consent_error",
		    "CONSENT: cannot consume the grant for %s: %s", id, strerror(errno));
	}
	json_object_set_new(detail, "consent", json_string("granted"));
	return PXM_OK;
}

int
pxm_gate_rate(struct pxm_error *err, json_t *detail, const char *state_dir)
{
	const char *max_s = pxm_config_get("PROXIMO_RATE_MAX");
	uint64_t max, window;
	struct pxm_error e;
	char dir[4096], path[4200], line[64];
	time_t now = time(NULL), *stamps = NULL;
	size_t n = 0, cap = 0, i;
	FILE *f = NULL;
	int fd = -1, r = PXM_E_INTERNAL;

	if (max_s == NULL)
		return PXM_OK;
	if (pxm_config_uint(&max, &e, "PROXIMO_RATE_MAX", 0, 0, 1000000) != PXM_OK ||
	    pxm_config_uint(&window, &e, "PROXIMO_RATE_WINDOW", 60, 1, 86400 * 30) != PXM_OK)
		return pxm_error_set(err, PXM_E_DENIED, "blocked:rate_error",
		    "RATE: %s; refusing (fail closed)", e.text);
	snprintf(dir, sizeof dir, "%s/.proximo-rate", state_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		goto io_error;
	snprintf(path, sizeof path, "%s/mutations.rate", dir);
	/* One reservation file for every process sharing this state dir. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0 ||
	    flock(fd, LOCK_EX) != 0 || (f = fdopen(fd, "r+")) == NULL)
		goto io_error;
	while (fgets(line, sizeof line, f)) {
		time_t t = (time_t)strtoll(line, NULL, 10);
		if (t > now - (time_t)window && t <= now) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				stamps = realloc(stamps, cap * sizeof *stamps);
				if (stamps == NULL)
					goto io_error;
			}
			stamps[n++] = t;
		}
	}
	json_object_set_new(detail, "rate", json_pack("{s:I, s:I, s:I}", "used", (json_int_t)n,
	    "max", (json_int_t)max, "window_seconds", (json_int_t)window));
	if (n >= max) {
		r = pxm_error_set(err, PXM_E_DENIED, "blocked:rate_budget",
		    "RATE: %zu mutation(s) in the last %llu s reach PROXIMO_RATE_MAX=%llu; wait and "
		    "try again. Nothing was changed.", n, (unsigned long long)window,
		    (unsigned long long)max);
		goto out;
	}
	/* Rewrite the live stamps plus ours. */
	rewind(f);
	if (ftruncate(fd, 0) != 0)
		goto io_error;
	for (i = 0; i < n; i++)
		fprintf(f, "%lld\n", (long long)stamps[i]);
	fprintf(f, "%lld\n", (long long)now);
	if (fflush(f) != 0)
		goto io_error;
	r = PXM_OK;
	goto out;
io_error:
	r = pxm_error_set(err, PXM_E_DENIED, "blocked:rate_error",
	    "RATE: cannot keep the rate budget in %s: %s; refusing (fail closed)", dir,
	    strerror(errno));
out:
	free(stamps);
	if (f)
		fclose(f);	/* closes fd and drops the lock */
	else if (fd >= 0)
		close(fd);
	return r;
}
