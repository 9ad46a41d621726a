/**
 * @file blast.c
 * @brief The op-class table: which classifier attaches to which API
 *        operation.  Classifiers attach to operations, not to tools, so the
 *        curated tools, the scoped tools and the generic door
 *        (pve_api_call) are classified the same way.
 */
#include "config.h"

#include <string.h>

#include "blast.h"
#include "pve.h"

struct bl_op {
	const char	*name;		/* op-class, shown in plans */
	const char	*method;
	const char	*path;
	pxm_classify_fn	*fn;
};

static const struct bl_op ops[] = {
	/* 1, 2: storage delete / disable / node restriction */
	{ "storage_delete", "DELETE", "/storage/{storage}", bl_storage_delete },
	{ "storage_update", "PUT", "/storage/{storage}", bl_storage_update },
	/* 3: disk move capacity */
	{ "disk_move", "POST", "/nodes/{node}/qemu/{vmid}/move_disk", bl_disk_move },
	{ "disk_move", "POST", "/nodes/{node}/lxc/{vmid}/move_volume", bl_disk_move },
	/* 4: volume / content delete */
	{ "content_delete", "DELETE", "/nodes/{node}/storage/{storage}/content/{volume}",
	    bl_content_delete },
};

int
pve_blast_register(void)
{
	struct pxm_classifier c;
	size_t i;
	int r;

	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		memset(&c, 0, sizeof c);
		c.size = sizeof c;
		c.name = ops[i].name;
		c.method = ops[i].method;
		c.path = ops[i].path;
		c.classify = ops[i].fn;
		if ((r = pve_host->register_classifier(pve_self, &c)) != PXM_OK)
			return r;
	}
	return PXM_OK;
}
