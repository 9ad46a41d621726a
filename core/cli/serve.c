/**
 * @file serve.c
 * @brief `proximo` / `proximo serve`: the MCP server on stdin/stdout.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/runtime.h"
#include "cli/verbs.h"
#include "mcp/server.h"
#include "pipeline/pipeline.h"
#include "registry/registry.h"
#include "util/error.h"
#include "util/log.h"
#include "util/settings.h"

/* What every agent should know before its first call. */
static const char instructions[] =
	"Proximo operates Proxmox VE/PBS/PMG for you, safely. READ-ONLY tools run at once. "
	"Every MUTATION is planned first: call it with confirm=false (the default) to get a "
	"plan (what changes, the live state, the blast radius, the risk, and a plan_id), show "
	"it to the human, then call again with confirm=true and that plan_id. If the live "
	"state changed since the plan, the call is refused (plan_drift) and nothing runs: plan "
	"again. Every plan, refusal and outcome is recorded in a tamper-evident ledger "
	"(audit_verify, audit_entries).";

int
pxm_cli_serve(int argc, char **argv)
{
	struct pxm_runtime *rt = NULL;
	struct pxm_mcp_server *srv = NULL;
	struct pxm_mcp_options opt;
	struct pxm_error err;
	uint64_t page = 100, max_msg = 16u << 20;
	int r, rc = PXM_EXIT_FAIL;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "proximo serve: unexpected argument '%s'\n", argv[1]);
		return PXM_EXIT_USAGE;
	}
	pxm_error_clear(&err);
	if (pxm_config_uint(&page, &err, "PROXIMO_TOOLS_PAGE_SIZE", 100, 1, 10000) != PXM_OK ||
	    pxm_config_uint(&max_msg, &err, "PROXIMO_MAX_MESSAGE_BYTES", 16u << 20, 4096,
	    (uint64_t)1 << 30) != PXM_OK) {
		fprintf(stderr, "proximo: %s\n", err.text);
		return PXM_EXIT_FAIL;
	}
	if ((r = pxm_runtime_open(&rt, &err, PXM_RT_PLUGINS | PXM_RT_LEDGER)) != PXM_OK) {
		fprintf(stderr, "proximo: %s\n", err.text[0] ? err.text : pxm_strerror(r));
		goto out;
	}
	/* Before anything is listed: mark what the configured token cannot use. */
	pxm_token_surface_apply(rt);
	memset(&opt, 0, sizeof opt);
	opt.in_fd = STDIN_FILENO;
	opt.out_fd = STDOUT_FILENO;
	opt.page_size = (size_t)page;
	opt.max_message = (size_t)max_msg;
	opt.instructions = instructions;
	opt.tool_call = pxm_pipeline_tool_call;
	opt.tool_call_payload = rt;
	if ((r = pxm_mcp_server_new(&srv, &err, rt->reg, &opt)) != PXM_OK) {
		fprintf(stderr, "proximo: %s\n", err.text);
		goto out;
	}
	pxm_info("serving %zu tools over stdio", pxm_registry_count(rt->reg));
	rc = pxm_mcp_server_run(srv) == PXM_OK ? PXM_EXIT_OK : PXM_EXIT_FAIL;
out:
	pxm_mcp_server_free(srv);
	pxm_runtime_close(rt);
	return rc;
}
