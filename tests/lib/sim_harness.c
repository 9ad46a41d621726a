/**
 * @file sim_harness.c
 * @brief Start proximo-sim as a child process and use its control port.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "sim_harness.h"

#define READY_TIMEOUT_MS	60000	/* valgrind-wrapped starts are slow */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sim_harness: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

char *
pxm_sim_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return strdup(buf);
}

static int
has_arg(const char *const *args, const char *name)
{
	size_t i;

	for (i = 0; args && args[i]; i++)
		if (strcmp(args[i], name) == 0)
			return 1;
	return 0;
}

/* Split $PXM_SIM_WRAPPER on spaces (no quoting: it is a test knob). */
static size_t
wrapper_words(char *w, char **out, size_t max)
{
	size_t n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(w, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save))
		out[n++] = t;
	return n;
}

static void
copy_url(char *dst, size_t n, json_t *ready, const char *surf, int *port)
{
	json_t *s = json_object_get(json_object_get(ready, "surfaces"), surf);

	snprintf(dst, n, "%s", json_string_value(json_object_get(s, "url")) ?
	    json_string_value(json_object_get(s, "url")) : "");
	*port = (int)json_integer_value(json_object_get(s, "port"));
}

int
pxm_sim_start(struct pxm_sim **out, const char *const *extra_args)
{
	struct pxm_sim *sim = NULL;
	const char *bin = getenv("PXM_SIM"), *datadir = getenv("PXM_DATADIR");
	const char *srcdir = getenv("PXM_TOP_SRCDIR");
	char *argv[128], *wrap = NULL, profile[1024], line[16384];
	size_t argc = 0, i, len = 0;
	int pfd[2] = { -1, -1 };
	pid_t pid;
	json_error_t je;
	struct timespec t0, t1;

	*out = NULL;
	if (bin == NULL || datadir == NULL || srcdir == NULL) {
		say("PXM_SIM, PXM_DATADIR and PXM_TOP_SRCDIR must be set (make check sets them)");
		return -1;
	}
	if ((sim = calloc(1, sizeof *sim)) == NULL)
		return -1;
	sim->pid = -1;
	snprintf(sim->dir, sizeof sim->dir, "/tmp/pxm-sim-XXXXXX");
	if (mkdtemp(sim->dir) == NULL) {
		say("mkdtemp: %s", strerror(errno));
		free(sim);
		return -1;
	}
	snprintf(sim->token_file, sizeof sim->token_file, "%s/pve-token", sim->dir);
	snprintf(sim->pbs_token_file, sizeof sim->pbs_token_file, "%s/pbs-token", sim->dir);
	snprintf(sim->pmg_password_file, sizeof sim->pmg_password_file, "%s/pmg-password",
	    sim->dir);
	snprintf(profile, sizeof profile, "%s/contrib/sim/profiles/minimal.json", srcdir);

	if (getenv("PXM_SIM_WRAPPER") && *getenv("PXM_SIM_WRAPPER")) {
		wrap = strdup(getenv("PXM_SIM_WRAPPER"));
		argc = wrapper_words(wrap, argv, 32);
	}
	argv[argc++] = (char *)bin;
	argv[argc++] = (char *)"--port";
	argv[argc++] = (char *)"0";
	argv[argc++] = (char *)"--datadir";
	argv[argc++] = (char *)datadir;
	if (!has_arg(extra_args, "--profile") && !has_arg(extra_args, "--generate")) {
		argv[argc++] = (char *)"--profile";
		argv[argc++] = profile;
	}
	argv[argc++] = (char *)"--write-token";
	argv[argc++] = sim->token_file;
	argv[argc++] = (char *)"--write-pbs-token";
	argv[argc++] = sim->pbs_token_file;
	argv[argc++] = (char *)"--write-pmg-password";
	argv[argc++] = sim->pmg_password_file;
	for (i = 0; extra_args && extra_args[i] && argc < 126; i++)
		argv[argc++] = (char *)extra_args[i];
	argv[argc] = NULL;

	if (pipe(pfd) != 0)
		goto fail;
	if ((pid = fork()) < 0)
		goto fail;
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "sim_harness: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	sim->pid = pid;
	close(pfd[1]);
	pfd[1] = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (len < sizeof line - 1) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		long elapsed;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		elapsed = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (elapsed > READY_TIMEOUT_MS) {
			say("no ready line within the timeout");
			goto fail;
		}
		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(pfd[0], line + len, 1);
		if (n <= 0) {
			say("proximo-sim exited before its ready line (see its stderr above)");
			goto fail;
		}
		if (line[len] == '\n')
			break;
		len += (size_t)n;
	}
	line[len] = '\0';
	close(pfd[0]);
	pfd[0] = -1;
	if ((sim->ready = json_loads(line, 0, &je)) == NULL ||
	    !json_is_true(json_object_get(sim->ready, "ready"))) {
		say("bad ready line: %s", line);
		goto fail;
	}
	copy_url(sim->pve_url, sizeof sim->pve_url, sim->ready, "pve", &sim->pve_port);
	copy_url(sim->pbs_url, sizeof sim->pbs_url, sim->ready, "pbs", &sim->pbs_port);
	copy_url(sim->pmg_url, sizeof sim->pmg_url, sim->ready, "pmg", &sim->pmg_port);
	snprintf(sim->control_url, sizeof sim->control_url, "%s",
	    json_string_value(json_object_get(json_object_get(sim->ready, "control"), "url")) ?
	    json_string_value(json_object_get(json_object_get(sim->ready, "control"), "url")) : "");
	sim->control_port = (int)json_integer_value(json_object_get(json_object_get(sim->ready,
	    "control"), "port"));
	snprintf(sim->fingerprint, sizeof sim->fingerprint, "%s",
	    json_string_value(json_object_get(sim->ready, "fingerprint")));
	snprintf(sim->fingerprint_hex, sizeof sim->fingerprint_hex, "%s",
	    json_string_value(json_object_get(sim->ready, "fingerprint_hex")));
	free(wrap);
	*out = sim;
	return 0;
fail:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	free(wrap);
	pxm_sim_stop(sim);
	return -1;
}

int
pxm_sim_stop(struct pxm_sim *sim)
{
	int status = 0, i, rc = -1;
	char path[400];

	if (sim == NULL)
		return -1;
	if (sim->pid > 0) {
		kill(sim->pid, SIGTERM);
		for (i = 0; i < 400; i++) {
			pid_t w = waitpid(sim->pid, &status, WNOHANG);
			if (w == sim->pid)
				break;
			usleep(50000);
		}
		if (i == 400) {
			kill(sim->pid, SIGKILL);
			waitpid(sim->pid, &status, 0);
		}
		sim->exit_status = status;
		rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	unlink(sim->token_file);
	unlink(sim->pbs_token_file);
	unlink(sim->pmg_password_file);
	snprintf(path, sizeof path, "%s", sim->dir);
	if (sim->dir[0])
		rmdir(path);
	json_decref(sim->ready);
	free(sim);
	return rc;
}

struct membuf {
	char	*p;
	size_t	 n;
};

static size_t
collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct membuf *m = ud;
	size_t add = size * nmemb;
	char *np = realloc(m->p, m->n + add + 1);

	if (np == NULL)
		return 0;
	memcpy(np + m->n, ptr, add);
	m->p = np;
	m->n += add;
	m->p[m->n] = '\0';
	return add;
}

int
pxm_sim_control(json_t **out, struct pxm_sim *sim, const char *method, const char *path,
    const json_t *body)
{
	CURL *c = curl_easy_init();
	struct membuf m = { NULL, 0 };
	struct curl_slist *h = NULL;
	char url[600], *b = NULL;
	long status = -1;
	json_error_t je;

	if (out)
		*out = NULL;
	if (c == NULL)
		return -1;
	snprintf(url, sizeof url, "%s%s", sim->control_url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &m);
	if (body) {
		b = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, b ? b : "");
	} else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	}
	if (curl_easy_perform(c) == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (out && m.p)
			*out = json_loads(m.p, JSON_DECODE_ANY, &je);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(b);
	free(m.p);
	return (int)status;
}

int
pxm_sim_requests(json_t **out, struct pxm_sim *sim)
{
	return pxm_sim_control(out, sim, "GET", "/requests", NULL) == 200 ? 0 : -1;
}

int
pxm_sim_requests_clear(struct pxm_sim *sim)
{
	return pxm_sim_control(NULL, sim, "POST", "/requests/clear", NULL) == 200 ? 0 : -1;
}

int
pxm_sim_faults(struct pxm_sim *sim, const json_t *faults)
{
	if (faults == NULL)
		return pxm_sim_control(NULL, sim, "POST", "/faults/clear", NULL) == 200 ? 0 : -1;
	return pxm_sim_control(NULL, sim, "POST", "/faults", faults) == 200 ? 0 : -1;
}

int
pxm_sim_state(json_t **out, struct pxm_sim *sim)
{
	return pxm_sim_control(out, sim, "GET", "/state", NULL) == 200 ? 0 : -1;
}

int
pxm_sim_state_put(struct pxm_sim *sim, const char *pointer, const json_t *value)
{
	char path[600];

	snprintf(path, sizeof path, "/state%s", pointer);
	return pxm_sim_control(NULL, sim, "PUT", path, value) == 200 ? 0 : -1;
}

int
pxm_sim_reset(struct pxm_sim *sim)
{
	return pxm_sim_control(NULL, sim, "POST", "/reset", NULL) == 200 ? 0 : -1;
}
