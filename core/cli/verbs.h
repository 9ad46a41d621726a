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
void	pxm_cli_usage(FILE *f);

#endif
