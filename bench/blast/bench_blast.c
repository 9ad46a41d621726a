/**
 * @file bench_blast.c
 * @brief Scale benchmark of the blast radius: a storage-delete plan on a
 *        generated cluster of 100, 1,000 and 10,000 guests, with the guest
 *        configs read in parallel over the connection pool (the default,
 *        PROXIMO_HTTP_PARALLEL=8) against a sequential baseline measured in
 *        the same run (PROXIMO_HTTP_PARALLEL=1: one request at a time over
 *        one connection), with instant answers and with a simulated server
 *        latency per request.
 *
 *   bench_blast ROUNDS [SIZES...]
 *
 * Environment as the test suites: PXM_PROXIMO, PXM_SIM, PXM_DATADIR,
 * PXM_TOP_BUILDDIR, PXM_TOP_SRCDIR.  Prints a Markdown table.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "pxmtest.h"
#include "sim_harness.h"

/* The test helpers report through Check, so the benchmark runs as one
 * (unforked) Check test. */
static int g_argc;
static char **g_argv;
static int g_rc;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct run {
	struct pxmtest_proc p;
	double	*t;
	size_t	rows;
	int	complete;
	int	ok;
};

/* Start proximo against the simulator with `parallel` connections and
 * warm it up once (TLS handshakes, the plugin's caches). */
static void
start(struct run *r, struct pxm_sim *sim, const char *dir, int parallel, int rounds)
{
	static char e_url[400], e_tok[400], e_fp[200], e_plug[800], e_data[800], e_log[800],
	    e_par[64];
	const char *env[16];
	char *argv[] = { getenv("PXM_PROXIMO"), NULL };
	json_t *init;

	memset(r, 0, sizeof *r);
	r->t = calloc((size_t)rounds, sizeof *r->t);
	snprintf(e_url, sizeof e_url, "PROXIMO_API_BASE_URL=%s", sim->pve_url);
	snprintf(e_tok, sizeof e_tok, "PROXIMO_TOKEN_PATH=%s", sim->token_file);
	snprintf(e_fp, sizeof e_fp, "PROXIMO_FINGERPRINT=%s", sim->fingerprint);
	snprintf(e_plug, sizeof e_plug, "PROXIMO_PLUGIN_DIR=%s/plugins/staged",
	    getenv("PXM_TOP_BUILDDIR"));
	snprintf(e_data, sizeof e_data, "PROXIMO_DATA_DIR=%s", getenv("PXM_DATADIR"));
	snprintf(e_log, sizeof e_log, "PROXIMO_AUDIT_LOG=%s/audit-%d.log", dir, parallel);
	snprintf(e_par, sizeof e_par, "PROXIMO_HTTP_PARALLEL=%d", parallel);
	env[0] = e_url;
	env[1] = e_tok;
	env[2] = e_fp;
	env[3] = e_plug;
	env[4] = e_data;
	env[5] = e_log;
	env[6] = e_par;
	env[7] = "PROXIMO_NODE=pve1";
	env[8] = "PROXIMO_ENV_FILE=/dev/null";
	env[9] = "PROXIMO_PLUGINS=pve";
	env[10] = "PROXIMO_TOKEN_AWARE=0";
	env[11] = NULL;
	pxmtest_spawn(&r->p, argv, env);
	init = pxmtest_initialize(&r->p, NULL);
	json_decref(init);
}

/* One dry run of the storage-delete plan; its wall time, or < 0. */
static double
one(struct run *r)
{
	double t0 = now_ms(), dt;
	json_t *res, *sc;

	res = pxmtest_call(&r->p, "pve_storage_delete", json_pack("{s:s}", "storage", "ceph-vm"));
	dt = now_ms() - t0;
	sc = json_object_get(res, "structuredContent");
	r->rows = json_array_size(json_object_get(sc, "affected"));
	r->complete = json_is_true(json_object_get(sc, "complete"));
	r->ok = json_is_string(json_object_get(sc, "plan_id"));
	json_decref(res);
	return r->ok ? dt : -1;
}

static double
finish(struct run *r, int rounds)
{
	double m;

	pxmtest_finish(&r->p);
	qsort(r->t, (size_t)rounds, sizeof *r->t, cmp_double);
	m = r->t[rounds / 2];
	free(r->t);
	return m;
}

static int
bench(int argc, char **argv)
{
	static const long default_sizes[] = { 100, 1000, 10000 };
	static const int latencies[] = { 0, 2 };
	int rounds = argc > 1 ? atoi(argv[1]) : 5, l;
	long sizes[8];
	size_t nsizes = 0, s;
	char dir[512];

	if (rounds < 1)
		rounds = 1;
	for (s = 2; (int)s < argc && nsizes < 8; s++)
		sizes[nsizes++] = atol(argv[s]);
	if (nsizes == 0)
		for (s = 0; s < 3; s++)
			sizes[nsizes++] = default_sizes[s];
	pxmtest_tmpdir(dir, sizeof dir);
	printf("| guests | server latency | sequential (baseline) | parallel (8 connections) | "
	    "speed-up | affected rows | complete |\n");
	printf("|---:|---:|---:|---:|---:|---:|:---:|\n");
	for (s = 0; s < nsizes; s++) {
		for (l = 0; l < 2; l++) {
			struct pxm_sim *sim;
			struct run seq, par;
			double ms_seq, ms_par;
			int r;
			char spec[64], lat[16];
			const char *args[] = { "--generate", spec, "--latency-ms", lat, NULL };
			long nodes = sizes[s] / 100 < 3 ? 3 : sizes[s] / 100;

			snprintf(spec, sizeof spec, "nodes=%ld,guests=%ld", nodes, sizes[s]);
			snprintf(lat, sizeof lat, "%d", latencies[l]);
			if (pxm_sim_start(&sim, args) != 0) {
				fprintf(stderr, "bench_blast: the simulator did not start\n");
				return 1;
			}
			/* Same simulator, same state; the two take turns, round by
			 * round, so that noise on a shared machine hits both alike. */
			start(&seq, sim, dir, 1, rounds);
			start(&par, sim, dir, 8, rounds);
			if (one(&seq) < 0 || one(&par) < 0) {
				fprintf(stderr, "bench_blast: a plan failed\n");
				pxm_sim_stop(sim);
				return 1;
			}
			for (r = 0; r < rounds; r++) {
				seq.t[r] = one(&seq);
				par.t[r] = one(&par);
			}
			ms_seq = finish(&seq, rounds);
			ms_par = finish(&par, rounds);
			pxm_sim_stop(sim);
			printf("| %ld | %d ms | %.0f ms | %.0f ms | **%.1fx** | %zu | %s |\n", sizes[s],
			    latencies[l], ms_seq, ms_par, ms_seq / ms_par, par.rows,
			    par.complete && seq.complete ? "yes" : "NO");
			fflush(stdout);
		}
	}
	printf("\nMedian of %d dry runs each (after one warm-up run that opens the "
	    "connections), the two modes taking turns; PROXIMO_HTTP_PARALLEL=1 vs 8.\n", rounds);
	pxmtest_rmrf(dir);
	return 0;
}

START_TEST(test_bench)
{
	g_rc = bench(g_argc, g_argv);
}
END_TEST

int
main(int argc, char **argv)
{
	Suite *su = suite_create("bench_blast");
	TCase *tc = tcase_create("bench");
	SRunner *sr;

	g_argc = argc;
	g_argv = argv;
	tcase_add_test(tc, test_bench);
	tcase_set_timeout(tc, 7200);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_SILENT);
	if (srunner_ntests_failed(sr) != 0) {
		TestResult **r = srunner_failures(sr);

		fprintf(stderr, "bench_blast: %s\n", r && r[0] ? tr_msg(r[0]) : "failed");
		free(r);
		g_rc = 1;
	}
	srunner_free(sr);
	return g_rc;
}
