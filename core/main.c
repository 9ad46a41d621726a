/**
 * @file main.c
 * @brief proximo: pick the verb.  Each verb lives in core/cli/.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/audit.h"
#include "cli/verbs.h"
#include "proximo/sdk.h"
#include "util/error.h"
#include "util/secret.h"
#include "util/settings.h"

void
pxm_cli_usage(FILE *f)
{
	fprintf(f,
	    "usage: proximo [serve]              serve MCP over stdin/stdout (the default)\n"
	    "       proximo plugins [--json]     installed plugins: loaded or refused, and why\n"
	    "       proximo tools [--json]       the tools this server serves, with their kinds\n"
	    "       proximo audit verify|log|checkpoint ...   the tamper-evident ledger\n"
	    "       proximo demo [vmid [storage]]  a scripted walk through plan/confirm/undo/ledger\n"
	    "       proximo doctor [--product pve|pbs|pmg] [--json] [--receipt]\n"
	    "                                    read-only preflight: reachability, TLS, what\n"
	    "                                    the token can do, exec, ledger (exit 1: cannot\n"
	    "                                    reach or authenticate)\n"
	    "       proximo --version\n"
	    "       proximo --help\n"
	    "\n"
	    "Configuration is PROXIMO_* environment variables, plus an optional env file\n"
	    "(PROXIMO_ENV_FILE, default ~/.config/proximo/proximo.env; the environment wins).\n"
	    "See docs/CONFIGURATION.md.\n");
}

int
main(int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "serve";
	struct pxm_error err;

	/* A peer that goes away is an error to report, never a signal to die of. */
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(verb, "--version") == 0 || strcmp(verb, "version") == 0) {
		printf("proximo %s (SDK %u.%u)\n", PACKAGE_VERSION, PXM_SDK_VERSION_MAJOR,
		    PXM_SDK_VERSION_MINOR);
		return PXM_EXIT_OK;
	}
	if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
		pxm_cli_usage(stdout);
		return PXM_EXIT_OK;
	}
	/* Every other entry point sees the env file first. */
	pxm_error_clear(&err);
	if (pxm_config_load_env_file(&err) != PXM_OK ||
	    pxm_secret_protect_process(&err) != PXM_OK) {
		fprintf(stderr, "proximo: %s\n", err.text);
		return PXM_EXIT_FAIL;
	}
	if (strcmp(verb, "serve") == 0)
		return pxm_cli_serve(argc > 1 ? argc - 1 : 1, argc > 1 ? argv + 1 : argv);
	if (strcmp(verb, "plugins") == 0)
		return pxm_cli_plugins(argc - 1, argv + 1);
	if (strcmp(verb, "tools") == 0)
		return pxm_cli_tools(argc - 1, argv + 1);
	if (strcmp(verb, "demo") == 0)
		return pxm_cli_demo(argc - 1, argv + 1);
	if (strcmp(verb, "audit") == 0)
		return pxm_cli_audit(argc - 1, argv + 1);
	if (strcmp(verb, "doctor") == 0)
		return pxm_cli_doctor(argc - 1, argv + 1);
	fprintf(stderr, "proximo: unknown command '%s'\n", verb);
	pxm_cli_usage(stderr);
	return PXM_EXIT_USAGE;
}
