/**
 * @file inventory.c
 * @brief `proximo plugins` and `proximo tools`: what is installed, loaded
 *        or refused, and what is served.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/runtime.h"
#include "cli/verbs.h"
#include "plugin/loader.h"
#include "registry/registry.h"
#include "util/error.h"

static int
parse_json_flag(int argc, char **argv, const char *verb, int *json)
{
	int i;

	*json = 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			*json = 1;
			continue;
		}
		fprintf(stderr, "proximo %s: unknown option '%s'\nusage: proximo %s [--json]\n",
		    verb, argv[i], verb);
		return PXM_EXIT_USAGE;
	}
	return PXM_EXIT_OK;
}

static int
open_runtime(struct pxm_runtime **rt)
{
	struct pxm_error err;
	int r;

	pxm_error_clear(&err);
	if ((r = pxm_runtime_open(rt, &err, PXM_RT_PLUGINS)) != PXM_OK) {
		fprintf(stderr, "proximo: %s\n", err.text[0] ? err.text : pxm_strerror(r));
		return PXM_EXIT_FAIL;
	}
	return PXM_EXIT_OK;
}

int
pxm_cli_plugins(int argc, char **argv)
{
	struct pxm_runtime *rt = NULL;
	json_t *list, *p;
	size_t i;
	int json, rc;

	if ((rc = parse_json_flag(argc, argv, "plugins", &json)) != PXM_EXIT_OK)
		return rc;
	if ((rc = open_runtime(&rt)) != PXM_EXIT_OK)
		return rc;
	list = pxm_loader_describe(rt->plugins);
	if (json) {
		json_t *o = json_pack("{s:s, s:o}", "directory", rt->plugins->dir, "plugins", list);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		printf("plugin directory: %s\n", rt->plugins->dir);
		if (json_array_size(list) == 0)
			printf("no plugins found\n");
		json_array_foreach(list, i, p) {
			const char *st = json_string_value(json_object_get(p, "status"));
			printf("%-8s %-8s %-10s %s\n", json_string_value(json_object_get(p, "name")),
			    st, json_string_value(json_object_get(p, "version")) ?
			    json_string_value(json_object_get(p, "version")) : "-",
			    strcmp(st, "loaded") == 0 ?
			    (json_string_value(json_object_get(p, "description")) ?
			    json_string_value(json_object_get(p, "description")) : "") :
			    json_string_value(json_object_get(p, "reason")));
		}
		json_decref(list);
	}
	pxm_runtime_close(rt);
	return PXM_EXIT_OK;
}

static const char *
kind_name(uint32_t kind)
{
	switch (kind) {
	case PXM_KIND_READ:	return "read";
	case PXM_KIND_EXEC:	return "exec";
	default:		return "mutate";
	}
}

int
pxm_cli_tools(int argc, char **argv)
{
	struct pxm_runtime *rt = NULL;
	const struct pxm_tool_def *d;
	json_t *arr, *o;
	size_t i, n;
	int json, rc;

	if ((rc = parse_json_flag(argc, argv, "tools", &json)) != PXM_EXIT_OK)
		return rc;
	if ((rc = open_runtime(&rt)) != PXM_EXIT_OK)
		return rc;
	n = pxm_registry_count(rt->reg);
	if (json) {
		arr = json_array();
		for (i = 0; i < n; i++) {
			d = pxm_registry_at(rt->reg, i);
			o = json_pack("{s:s, s:s, s:s, s:s}", "name", d->name, "surface", d->surface,
			    "kind", kind_name(d->kind), "description", d->description);
			if (d->method)
				json_object_set_new(o, "operation",
				    json_pack("{s:s, s:s}", "method", d->method, "path", d->path));
			json_array_append_new(arr, o);
		}
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(arr);
	} else {
		for (i = 0; i < n; i++) {
			d = pxm_registry_at(rt->reg, i);
			printf("%-40s %-8s %-6s\n", d->name, d->surface, kind_name(d->kind));
		}
		printf("%zu tools\n", n);
	}
	pxm_runtime_close(rt);
	return PXM_EXIT_OK;
}
