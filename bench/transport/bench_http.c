/**
 * @file bench_http.c
 * @brief HTTPS transport benchmark against tls_fixture on 127.0.0.1.
 *
 * Reports requests per second and, because absolute numbers depend on the
 * machine, ratios against a baseline measured in the same run:
 *   - sequential GETs reusing the endpoint's connection vs a fresh
 *     connection (new endpoint) per request;
 *   - request_many(1000) vs 1000 sequential GETs, with the server answering
 *     at once and with 5 ms of server-side latency per request (what the
 *     parallel mode is for).
 * Each figure is the median of several rounds.  Output: Markdown on stdout.
 *
 * Usage: bench_http FIXTURE_BINARY [ROUNDS]
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "transport/endpoint.h"
#include "transport/http.h"

#define TOKEN	"bench@pve!bench=00000000-1111-2222-3333-444455556666"

static char dir[] = "/tmp/pxm-bench-XXXXXX";
static pid_t fixture_pid;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_http: %s\n", what);
	if (fixture_pid > 0)
		kill(fixture_pid, SIGKILL);
	exit(1);
}

static void
write_file(const char *name, const char *content)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		die("cannot write a file");
	fputs(content, f);
	fclose(f);
	chmod(path, 0600);
}

static void
start_fixture(const char *binary)
{
	char line[256], tokarg[256], url[128], path[256];
	int p[2], port;
	char fp[65];
	ssize_t n;

	if (mkdtemp(dir) == NULL || pipe(p) != 0)
		die("setup");
	write_file("token", TOKEN);
	snprintf(tokarg, sizeof tokarg, "%s/token", dir);
	if ((fixture_pid = fork()) == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(binary, binary, "--dir", dir, "--token-file", tokarg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if ((n = read(p[0], line, sizeof line - 1)) <= 0)
		die("the fixture did not start");
	line[n] = '\0';
	close(p[0]);
	if (sscanf(line, "port=%d fingerprint=%64s", &port, fp) != 2)
		die("unexpected fixture banner");
	snprintf(url, sizeof url, "https://127.0.0.1:%d/api2/json", port);
	snprintf(path, sizeof path, "%s/token", dir);
	setenv("PROXIMO_API_BASE_URL", url, 1);
	setenv("PROXIMO_TOKEN_PATH", path, 1);
	setenv("PROXIMO_FINGERPRINT", fp, 1);
	setenv("PROXIMO_HTTP_PARALLEL", "8", 1);
}

static struct pxm_endpoint *
endpoint(void)
{
	struct pxm_endpoint *ep;
	struct pxm_error err;

	if (pxm_endpoint_new(&ep, &err, "pve") != PXM_OK)
		die(err.text);
	return ep;
}

static void
get(struct pxm_endpoint *ep, const char *path, const json_t *params)
{
	struct pxm_http_request req = { sizeof req, 0, 0, "GET", path, params };
	struct pxm_http_response resp;
	struct pxm_error err;

	memset(&resp, 0, sizeof resp);
	if (pxm_http_request(&resp, &err, ep, &req) != PXM_OK)
		die(err.text);
	pxm_http_response_clear(&resp);
}

/* Seconds for n sequential GETs on one endpoint (connection reused). */
static double
seq_reuse(int n, const char *path, const json_t *params)
{
	struct pxm_endpoint *ep = endpoint();
	double t0;
	int i;

	get(ep, path, params);	/* connect outside the clock */
	t0 = now_s();
	for (i = 0; i < n; i++)
		get(ep, path, params);
	t0 = now_s() - t0;
	pxm_endpoint_free(ep);
	return t0;
}

/* Seconds for n GETs, each on a new endpoint: a TLS handshake per request. */
static double
seq_fresh(int n)
{
	double t0 = now_s();
	int i;

	for (i = 0; i < n; i++) {
		struct pxm_endpoint *ep = endpoint();
		get(ep, "/version", NULL);
		pxm_endpoint_free(ep);
	}
	return now_s() - t0;
}

/* Seconds for one request_many(n). */
static double
many(int n, const char *path, const json_t *params)
{
	struct pxm_http_request *reqs = calloc((size_t)n, sizeof *reqs);
	struct pxm_http_response *out = calloc((size_t)n, sizeof *out);
	struct pxm_error *errs = calloc((size_t)n, sizeof *errs);
	struct pxm_endpoint *ep = endpoint();
	double t0;
	int i;

	if (reqs == NULL || out == NULL || errs == NULL)
		die("out of memory");
	for (i = 0; i < n; i++)
		reqs[i] = (struct pxm_http_request){ sizeof reqs[i], 0, 0, "GET", path,
		    params };
	get(ep, path, params);
	t0 = now_s();
	if (pxm_http_request_many(out, errs, ep, reqs, (size_t)n) != PXM_OK)
		die(errs[0].text);
	t0 = now_s() - t0;
	for (i = 0; i < n; i++)
		pxm_http_response_clear(&out[i]);
	pxm_endpoint_free(ep);
	free(reqs);
	free(out);
	free(errs);
	return t0;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return v[n / 2];
}

int
main(int argc, char **argv)
{
	enum { MAXR = 15 };
	double reuse[MAXR], fresh[MAXR], seq0[MAXR], par0[MAXR], seq5[MAXR], par5[MAXR];
	json_t *slow = json_pack("{s:i}", "ms", 5);
	const int n_reuse = 2000, n_fresh = 300, n_many = 1000, n_slow = 200;
	int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5, r;
	double m_reuse, m_fresh, m_seq0, m_par0, m_seq5, m_par5;

	if (argc < 2)
		die("usage: bench_http FIXTURE_BINARY [ROUNDS]");
	if (rounds < 1 || rounds > MAXR)
		rounds = 5;
	signal(SIGPIPE, SIG_IGN);
	start_fixture(argv[1]);
	for (r = 0; r < rounds; r++) {
		reuse[r] = seq_reuse(n_reuse, "/version", NULL);
		fresh[r] = seq_fresh(n_fresh);
		seq0[r] = seq_reuse(n_many, "/version", NULL);
		par0[r] = many(n_many, "/version", NULL);
		seq5[r] = seq_reuse(n_slow, "/slow", slow);
		par5[r] = many(n_slow, "/slow", slow);
	}
	m_reuse = n_reuse / median(reuse, rounds);
	m_fresh = n_fresh / median(fresh, rounds);
	m_seq0 = n_many / median(seq0, rounds);
	m_par0 = n_many / median(par0, rounds);
	m_seq5 = n_slow / median(seq5, rounds);
	m_par5 = n_slow / median(par5, rounds);

	printf("| measurement | requests/s | ratio to its baseline |\n");
	printf("|---|---:|---:|\n");
	printf("| sequential GET, fresh TLS connection per request (baseline A) | %.0f | 1.00 |\n",
	    m_fresh);
	printf("| sequential GET, connection reused | %.0f | **%.1fx** A |\n",
	    m_reuse, m_reuse / m_fresh);
	printf("| 1000 sequential GETs, instant answers (baseline B) | %.0f | 1.00 |\n",
	    m_seq0);
	printf("| request_many(1000), instant answers | %.0f | **%.1fx** B |\n",
	    m_par0, m_par0 / m_seq0);
	printf("| 200 sequential GETs, 5 ms server latency (baseline C) | %.0f | 1.00 |\n",
	    m_seq5);
	printf("| request_many(200), 5 ms server latency | %.0f | **%.1fx** C |\n",
	    m_par5, m_par5 / m_seq5);
	printf("\nMedian of %d rounds; PROXIMO_HTTP_PARALLEL=8; libcurl %s.\n",
	    rounds, curl_version_info(CURLVERSION_NOW)->version);

	json_decref(slow);
	kill(fixture_pid, SIGKILL);
	waitpid(fixture_pid, NULL, 0);
	{
		static const char *const files[] = { "token", "cert.pem", "events.log",
		    "raw.bin", "plain.bin" };
		char path[256];
		size_t i;
		for (i = 0; i < sizeof files / sizeof files[0]; i++) {
			snprintf(path, sizeof path, "%s/%s", dir, files[i]);
			unlink(path);
		}
		rmdir(dir);
	}
	pxm_http_global_cleanup();
	return 0;
}
