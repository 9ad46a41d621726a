/**
 * @file storage.c
 * @brief Storage content reads with a newest-N limit.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pve.h"

static int
by_ctime_desc(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "ctime"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "ctime"));

	return x < y ? 1 : x > y ? -1 : 0;
}

static int
content(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    const char *force_content)
{
	const char *node = pve_node(err, args);
	json_t *vars, *q, *rows = NULL, **v, *res;
	size_t i, n, limit;
	int r;

	if (node == NULL)
		return err->code;
	vars = json_pack("{s:s, s:O}", "node", node, "storage", json_object_get(args, "storage"));
	q = json_object();
	if (force_content)
		json_object_set_new(q, "content", json_string(force_content));
	else if (json_object_get(args, "content"))
		json_object_set(q, "content", json_object_get(args, "content"));
	if (json_object_get(args, "vmid"))
		json_object_set(q, "vmid", json_object_get(args, "vmid"));
	r = pve_get(&rows, err, call, "/nodes/{node}/storage/{storage}/content", vars, q);
	json_decref(vars);
	json_decref(q);
	if (r != PXM_OK)
		return r;
	n = json_array_size(rows);
	limit = json_object_get(args, "limit") ? (size_t)json_integer_value(json_object_get(args, "limit")) : n;
	v = calloc(n ? n : 1, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = json_array_get(rows, i);
	qsort(v, n, sizeof *v, by_ctime_desc);
	res = json_array();
	for (i = 0; i < n && i < limit; i++)
		json_array_append(res, v[i]);
	free(v);
	*out = json_pack("{s:I, s:I, s:b, s:o}", "total", (json_int_t)n, "returned",
	    (json_int_t)json_array_size(res), "truncated", json_array_size(res) < n, "volumes", res);
	if (json_array_size(res) < n)
		json_object_set_new(*out, "note", json_string("a capped slice (newest first) is never "
		    "evidence of absence"));
	json_decref(rows);
	return PXM_OK;
}

int
pve_storage_content_read(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const json_t *args, void *payload)
{
	(void)payload;
	return content(out, err, call, args, NULL);
}

int
pve_backup_list_read(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const json_t *args, void *payload)
{
	(void)payload;
	return content(out, err, call, args, "backup");
}
