/**
 * @file fuzz.h
 * @brief What every fuzz target shares: the libFuzzer entry points and the
 *        property check that turns a broken invariant into a crash.
 *
 * Each target is one C file defining LLVMFuzzerTestOneInput (and, when it
 * needs one-time setup, LLVMFuzzerInitialize).  It is linked twice: with
 * libFuzzer by `make fuzz` (clang), and with replay.c into a plain program
 * that `make check` runs over the target's corpus (any compiler).
 */
#ifndef PXM_FUZZ_H
#define PXM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property that does not hold is a finding: abort() so that libFuzzer
 * saves the input and the replay fails. */
#define FUZZ_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz property violated at %s:%d: %s: ", \
			    __FILE__, __LINE__, #cond);			\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			abort();					\
		}							\
	} while (0)

#endif
