/**
 * @file bench-ledger.c
 * @brief Ledger throughput against same-machine baselines (bench/ledger/run.sh).
 *
 *   bench-ledger append DIR N    durable appends/s vs a raw write+fdatasync loop
 *   bench-ledger build FILE N    write an N-entry ledger quickly (one fsync at the end)
 *   bench-ledger verify FILE     verify: MB/s, entries/s, average line length
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ledger/internal.h"
#include "ledger/io.h"
#include "ledger/ledger.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process (user + system): what the verify costs, robust
 * to other load on the machine; `openssl speed` divides by CPU time too. */
static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct pxm_ledger *
open_at(const char *log)
{
	struct pxm_ledger_config cfg;
	struct pxm_ledger *l;
	struct pxm_error err;

	pxm_ledger_config_init(&cfg);
	cfg.path = log;
	cfg.checkpoints = 0;
	if (pxm_ledger_open(&l, &err, &cfg) != PXM_OK) {
		fprintf(stderr, "%s\n", err.text);
		exit(1);
	}
	return l;
}

static int
one(struct pxm_ledger *l, long i)
{
	struct pxm_ledger_entry e = { 0 };
	struct pxm_error err;
	json_t *d = json_pack("{s:s, s:i, s:s, s:{s:s, s:i}}", "intent", "5f1c0a9e2b7d",
	    "i", (int)i, "risk", "high", "current", "status", "running", "cpus", 4);
	char t[32];
	int r;

	snprintf(t, sizeof t, "qemu/%ld:stop", 100 + i % 900);
	e.action = "pve_guest_stop";
	e.target = t;
	e.mutation = 1;
	e.outcome = i % 2 ? "ok" : "executing";
	e.detail = d;
	r = pxm_ledger_append(l, &err, &e, NULL);
	json_decref(d);
	return r;
}

static int
nosync(int fd)
{
	(void)fd;
	return 0;
}

int
main(int argc, char **argv)
{
	char path[4096], line[512];
	struct pxm_ledger *l;
	struct stat st;
	double t0, t, c0, ct;
	long n, i, len;
	int fd;

	if (argc == 4 && strcmp(argv[1], "append") == 0) {
		n = atol(argv[3]);
		snprintf(path, sizeof path, "%s/raw.log", argv[2]);
		/* A line as long as ours, for the raw loop. */
		snprintf(path, sizeof path, "%s/audit.log", argv[2]);
		l = open_at(path);
		one(l, 0);
		stat(path, &st);
		len = (long)st.st_size;
		memset(line, 'x', sizeof line);
		line[len - 1] = '\n';
		t0 = now();
		for (i = 1; i <= n; i++)
			if (one(l, i) != PXM_OK)
				return 1;
		t = now() - t0;
		pxm_ledger_close(l);
		printf("ours %.1f\n", (double)n / t);
		snprintf(path, sizeof path, "%s/raw.log", argv[2]);
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
		t0 = now();
		for (i = 0; i < n; i++)
			if (write(fd, line, (size_t)len) != len || fdatasync(fd) != 0)
				return 1;
		t = now() - t0;
		close(fd);
		printf("raw %.1f\nline %ld\n", (double)n / t, len);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "build") == 0) {
		struct pxm_ledger_io io = pxm_ledger_io_real;

		io.fdatasync = nosync;
		pxm_ledger_io_set(&io);
		l = open_at(argv[2]);
		n = atol(argv[3]);
		for (i = 0; i < n; i++)
			if (one(l, i) != PXM_OK)
				return 1;
		pxm_ledger_close(l);
		/* Written back before anything is timed: verify measures a
		 * ledger at rest, not the kernel flushing 400 MB beside it. */
		if ((fd = open(argv[2], O_RDONLY)) < 0 || fsync(fd) != 0)
			return 1;
		close(fd);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "verify") == 0) {
		struct pxm_ledger_config cfg;
		struct pxm_error err;
		json_t *rep;

		pxm_ledger_config_init(&cfg);
		cfg.path = argv[2];
		cfg.checkpoints = 0;
		cfg.readonly = 1;
		if (pxm_ledger_open(&l, &err, &cfg) != PXM_OK)
			return 1;
		stat(argv[2], &st);
		c0 = cpu_now();
		t0 = now();
		if (pxm_ledger_verify_report(&rep, &err, l, NULL) != PXM_OK)
			return 1;
		t = now() - t0;
		ct = cpu_now() - c0;
		if (!json_is_true(json_object_get(rep, "ok")))
			return 1;
		n = (long)json_integer_value(json_object_get(rep, "entries"));
		printf("mbps %.1f\nentries_per_s %.0f\ncpu_mbps %.1f\ncpu_entries_per_s %.0f\n"
		    "entries %ld\nbytes %lld\navg_line %ld\n",
		    (double)st.st_size / t / 1e6, (double)n / t,
		    (double)st.st_size / ct / 1e6, (double)n / ct, n, (long long)st.st_size,
		    (long)(st.st_size / n));
		json_decref(rep);
		pxm_ledger_close(l);
		return 0;
	}
	fprintf(stderr, "usage: bench-ledger append DIR N | build FILE N | verify FILE\n");
	return 2;
}
