/**
 * @file verbs.h
 * @brief The command-line verbs; main.c only picks one.
 */
#ifndef PXM_CLI_VERBS_H
#define PXM_CLI_VERBS_H

#include <stdio.h>

/* Exit codes: 0 ok, 1 failure, 2 usage. */
#define PXM_EXIT_OK	0
#define PXM_EXIT_FAIL	1
#define PXM_EXIT_USAGE	2

int	pxm_cli_serve(int argc, char **argv);
int	pxm_cli_plugins(int argc, char **argv);
int	pxm_cli_tools(int argc, char **argv);
int	pxm_cli_demo(int argc, char **argv);
/** `proximo doctor` (doctor.c). */
int	pxm_cli_doctor(int argc, char **argv);

struct pxm_runtime;
/** The token-aware surface (doctor.c): at server start, mark the tools the
 *  configured token cannot use (PROXIMO_TOKEN_AWARE, default on). */
void	pxm_token_surface_apply(struct pxm_runtime *rt);
void	pxm_cli_usage(FILE *f);

#endif
