/**
 * @file loader.h
 * @brief Finding, checking and loading plugins.
 *
 * Plugins come from one directory (PROXIMO_PLUGIN_DIR, default the
 * installed plugin directory) and, optionally, an explicit list
 * (PROXIMO_PLUGINS=pve,exec).  Every check that can be made before plugin
 * code runs is made first (file mode, ELF header), then the descriptor's
 * guard fields, then init() runs inside a registration window.  A plugin
 * that fails any step is refused with a message that names the file, what
 * it was built for and what this host provides; the others still load.
 */
#ifndef PXM_PLUGIN_LOADER_H
#define PXM_PLUGIN_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proximo/sdk.h"

struct pxm_registry;
struct pxm_dl;

#define PXM_PLUGIN_REC_MAGIC	0x706c7567u

/** The host's record of one plugin; plugins see it as struct pxm_plugin. */
struct pxm_plugin {
	uint32_t	magic;		/* PXM_PLUGIN_REC_MAGIC */
	char		*name;
	char		*path;
	char		*version;
	char		*description;
	uint16_t	sdk_major;
	uint16_t	sdk_minor;
	int		loaded;		/* init succeeded */
	char		*refusal;	/* why it was refused, or NULL */

	struct pxm_dl	*dl;
	const struct pxm_plugin_descriptor *desc;
	int		in_init;	/* the registration window */
	struct pxm_error reg_error;	/* the first registration failure */
	struct pxm_registry *reg;
	struct pxm_plugin_set *set;
};

struct pxm_plugin_set {
	struct pxm_plugin	**plugins;	/* loaded and refused, in load order */
	size_t			n;
	char			*dir;
	struct pxm_registry	*reg;
	struct pxm_endpoint	*endpoints[3];	/* pve, pbs, pmg: created on first use */
};

/** Load the configured plugins into reg.  Never fails because one plugin
 *  is bad; fails only when the directory or list is unusable. */
int	pxm_loader_load_all(struct pxm_plugin_set **out, struct pxm_error *err,
	    struct pxm_registry *reg);
/** As above with an explicit directory and list (tests). */
int	pxm_loader_load(struct pxm_plugin_set **out, struct pxm_error *err,
	    struct pxm_registry *reg, const char *dir, const char *list);
/** fini() and unload every plugin. */
void	pxm_loader_unload_all(struct pxm_plugin_set *set);
/** [{name, version, sdk, path, status: loaded|refused, reason}] (new). */
json_t	*pxm_loader_describe(const struct pxm_plugin_set *set);

/** The plugin directory in effect. */
const char *pxm_loader_default_dir(void);

#endif
