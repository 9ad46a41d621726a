/**
 * @file replay.c
 * @brief The corpus replay: a main() for a fuzz target that runs its
 *        LLVMFuzzerTestOneInput once on every corpus file (TAP).
 *
 * `make check` runs it on tests/fuzz/corpus/<target>/, so every input that
 * ever crashed a target, and every seed, is replayed on each build with the
 * ordinary compiler (and under ASan/UBSan or valgrind when the suite is).
 * By hand: fuzz/replay_<target> FILE|DIR... replays just those.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET
#error FUZZ_TARGET (the name of the target) must be defined
#endif

struct list {
	char	**v;
	size_t	n, cap;
};

static void
add(struct list *l, const char *path)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		if ((l->v = realloc(l->v, l->cap * sizeof *l->v)) == NULL) {
			printf("Bail out! out of memory\n");
			exit(1);
		}
	}
	if ((l->v[l->n++] = strdup(path)) == NULL) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or the regular files directly in a directory (sorted, so runs
 * are reproducible). */
static void
collect(struct list *l, const char *path)
{
	struct dirent *de;
	struct stat st;
	char sub[4096];
	size_t first = l->n;
	DIR *d;

	if (stat(path, &st) != 0) {
		printf("Bail out! %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (!S_ISDIR(st.st_mode)) {
		add(l, path);
		return;
	}
	if ((d = opendir(path)) == NULL) {
		printf("Bail out! %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		if (stat(sub, &st) == 0 && S_ISREG(st.st_mode))
			add(l, sub);
	}
	closedir(d);
	qsort(l->v + first, l->n - first, sizeof *l->v, cmp);
}

/* Exactly the file's bytes in an allocation of exactly that size, so that
 * a read past the end is caught. */
static uint8_t *
slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		printf("Bail out! %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if ((buf = malloc(n ? (size_t)n : 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		printf("Bail out! %s: cannot read\n", path);
		exit(1);
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

int
main(int argc, char **argv)
{
	struct list l = { NULL, 0, 0 };
	const char *top = getenv("PXM_TOP_SRCDIR");
	char dir[4096];
	uint8_t *data;
	size_t i, size;
	int k;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1) {
		for (k = 1; k < argc; k++)
			collect(&l, argv[k]);
	} else {
		snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", top ? top : "..", FUZZ_TARGET);
		collect(&l, dir);
	}
	if (l.n == 0) {
		printf("Bail out! the corpus of %s is empty\n", FUZZ_TARGET);
		return 1;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	printf("1..%zu\n", l.n);
	for (i = 0; i < l.n; i++) {
		/* Named before it runs: a crash leaves the culprit in the log. */
		printf("# %s\n", l.v[i]);
		fflush(stdout);
		data = slurp(l.v[i], &size);
		LLVMFuzzerTestOneInput(data, size);
		free(data);
		printf("ok %zu - %s %s (%zu bytes)\n", i + 1, FUZZ_TARGET,
		    strrchr(l.v[i], '/') ? strrchr(l.v[i], '/') + 1 : l.v[i], size);
		free(l.v[i]);
	}
	free(l.v);
	return 0;
}
