/**
 * @file canon_portable.c
 * @brief canon.c built with its portable (non-SSE2) string scanner, so that
 *        test_canon_portable checks the path other architectures run.
 *
 * Compiled with -DPXM_CANON_PORTABLE; its definitions take the place of the
 * core library's canon.o in that one test program.
 */
#include "ledger/canon.c"
