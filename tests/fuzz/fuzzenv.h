/**
 * @file fuzzenv.h
 * @brief One-time setup shared by the fuzz targets that need a real
 *        registry: a private directory with the fixture plugins and a
 *        ledger key, and the PROXIMO_* settings pointing at it.
 */
#ifndef PXM_FUZZENV_H
#define PXM_FUZZENV_H

/** Create the directory (once per process), copy tests/fixtures' good.so
 *  and pipetest.so, and the real plugins this build made (pve.so ...), into
 *  <dir>/plugins, write <dir>/audit.key, and set the environment.  Returns
 *  the directory; aborts when anything fails. */
const char *fuzz_env_setup(void);

struct pxm_runtime;

/** The runtime (registry, plugins, ledger, plan store) shared by many
 *  inputs: opening it loads every plugin and registers every tool, which
 *  would be most of the work of an input.  It is replaced every 256 calls
 *  with a fresh ledger at ledger_path, so state stays bounded (a growing
 *  ledger makes audit_verify slower with every input); closed at exit.
 *  Aborts when it cannot be opened. */
struct pxm_runtime *fuzz_shared_runtime(const char *ledger_path);

#endif
