/**
 * @file tools_gen.h
 * @brief The curated tool table generated from curated.json and
 *        data/pve.json by gen_tools.c (tools_gen.c is a build product).
 */
#ifndef PVE_TOOLS_GEN_H
#define PVE_TOOLS_GEN_H

#include <stddef.h>
#include <stdint.h>

enum pve_handler {
	PVE_HANDLER_API = 0,	/* one call, run by the core's generic executor */
	PVE_HANDLER_HAND,	/* C code in this plugin */
	PVE_HANDLER_SCOPED,	/* one tool, a path per scope (scoped.c) */
};

struct pve_gen_tool {
	const char	*name;
	const char	*title;
	const char	*description;
	uint32_t	kind;		/* PXM_KIND_* */
	uint32_t	flags;		/* PXM_TOOL_* */
	uint32_t	risk;		/* PXM_RISK_* floor */
	int		handler;	/* enum pve_handler */
	const char	*method;	/* api and hand tools: the operation */
	const char	*path;
	const char	*input_schema;	/* JSON Schema text */
	const char	*target;	/* label templates */
	const char	*change;
	const char	*privileges;
	const char	*scopes;	/* scoped: {"scope": "METHOD path"} JSON */
	const char	*scope_param;	/* scoped: the selecting argument */
	const char	*kind_schemas;	/* {kind} tools: {"lxc": schema, "qemu": schema} */
};

extern const struct pve_gen_tool pve_gen_tools[];
extern const size_t pve_gen_ntools;

#endif
