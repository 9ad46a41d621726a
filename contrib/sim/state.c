/**
 * @file state.c
 * @brief proximo-sim: state accessors and digests.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#include "state.h"

json_t *
st_surf(struct sim *s, enum sim_surface surf)
{
	return sim_obj(s->state, sim_surface_names[surf]);
}

json_t *
st_access(struct sim *s, enum sim_surface surf)
{
	return sim_obj(st_surf(s, surf), "access");
}

json_t *
st_store(struct sim *s, enum sim_surface surf, const char *collpath)
{
	return sim_obj(sim_obj(st_surf(s, surf), "config"), collpath);
}

json_t *
st_single(struct sim *s, enum sim_surface surf, const char *path)
{
	return sim_obj(sim_obj(st_surf(s, surf), "config"), path);
}

json_t *
st_pve_guest(struct sim *s, const char *vmid)
{
	return json_object_get(json_object_get(st_surf(s, SIM_PVE), "guests"), vmid);
}

json_t *
st_pve_node(struct sim *s, const char *node)
{
	return json_object_get(json_object_get(st_surf(s, SIM_PVE), "nodes"), node);
}

json_t *
st_pve_storage(struct sim *s, const char *storeid)
{
	return json_object_get(json_object_get(st_surf(s, SIM_PVE), "storage"), storeid);
}

static int
keycmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
serialize(struct pxm_buf *b, const json_t *config)
{
	const char **keys;
	const char *k;
	json_t *v;
	size_t n = 0, i;

	if ((keys = calloc(json_object_size(config) + 1, sizeof *keys)) == NULL)
		return;
	json_object_foreach((json_t *)config, k, v) {
		if (strcmp(k, "digest") == 0 || strcmp(k, "description") == 0)
			continue;
		keys[n++] = k;
	}
	qsort(keys, n, sizeof *keys, keycmp);
	/* The description is written first, as comment lines. */
	if ((v = json_object_get(config, "description")) && json_is_string(v)) {
		const char *d = json_string_value(v), *nl;
		while (*d) {
			nl = strchr(d, '\n');
			pxm_buf_puts(b, "#");
			pxm_buf_append(b, d, nl ? (size_t)(nl - d) : strlen(d));
			pxm_buf_puts(b, "\n");
			if (nl == NULL)
				break;
			d = nl + 1;
		}
	}
	for (i = 0; i < n; i++) {
		char *t = sim_json_text(json_object_get(config, keys[i]));
		pxm_buf_printf(b, "%s: %s\n", keys[i], t ? t : "");
		free(t);
	}
	free(keys);
}

void
st_config_digest(char out[41], const json_t *config)
{
	struct pxm_buf b = PXM_BUF_INIT;

	serialize(&b, config);
	sim_sha1_hex(out, b.data ? b.data : "", b.len);
	pxm_buf_free(&b);
}

void
st_json_digest(char out[65], const json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);

	sim_sha256_hex(out, s ? s : "", s ? strlen(s) : 0);
	free(s);
}

long long
st_uptime(const json_t *rec, int64_t now_ms)
{
	long long started = sim_json_int(json_object_get(rec, "started"), 0);

	if (started <= 0 || now_ms < started)
		return sim_json_int(json_object_get(rec, "uptime"), 0);
	return (now_ms - started) / 1000;
}
