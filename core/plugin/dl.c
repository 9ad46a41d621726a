/**
 * @file dl.c
 * @brief libltdl behind pxm_dl_*.
 *
 * libltdl binds lazily; plugins are linked with -z now so that unresolved
 * references fail at load time instead.  Symbols are bound locally: two
 * plugins may both export pxm_plugin_descriptor.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include <ltdl.h>

#include "plugin/dl.h"
#include "proximo/sdk.h"

static int ltdl_ready;

int
pxm_dl_open(struct pxm_dl **out, const char *path, char *errbuf, size_t errsize)
{
	lt_dladvise advise;
	lt_dlhandle h = NULL;
	const char *e;

	*out = NULL;
	if (!ltdl_ready) {
		if (lt_dlinit() != 0) {
			snprintf(errbuf, errsize, "cannot initialise libltdl: %s", lt_dlerror());
			return PXM_E_INTERNAL;
		}
		ltdl_ready = 1;
	}
	if (lt_dladvise_init(&advise) != 0 || lt_dladvise_local(&advise) != 0) {
		snprintf(errbuf, errsize, "libltdl: %s", lt_dlerror());
		lt_dladvise_destroy(&advise);
		return PXM_E_INTERNAL;
	}
	h = lt_dlopenadvise(path, advise);
	lt_dladvise_destroy(&advise);
	if (h == NULL) {
		e = lt_dlerror();
		snprintf(errbuf, errsize, "%s", e ? e : "unknown loader error");
		return PXM_E_INVAL;
	}
	*out = (struct pxm_dl *)h;
	return PXM_OK;
}

void *
pxm_dl_sym(struct pxm_dl *h, const char *symbol)
{
	return lt_dlsym((lt_dlhandle)h, symbol);
}

void
pxm_dl_close(struct pxm_dl *h)
{
#ifndef PXM_NO_DLCLOSE
	if (h)
		lt_dlclose((lt_dlhandle)h);
#else
	/* Sanitizer builds: leaks inside an unmapped plugin cannot be
	 * symbolised, so plugins stay mapped. */
	(void)h;
#endif
}

void
pxm_dl_exit(void)
{
#ifndef PXM_NO_DLCLOSE
	if (ltdl_ready)
		lt_dlexit();
	ltdl_ready = 0;
#endif
}

/* libltdl searches its own path list for a bare name; a system library is
 * found as the dynamic linker finds it at start-up (ld.so.cache, RUNPATH,
 * LD_LIBRARY_PATH), so dlopen() directly. */
struct pxm_dl_library *
pxm_dl_open_library(const char *soname, char *errbuf, size_t errsize)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	const char *e;

	if (h == NULL) {
		e = dlerror();
		snprintf(errbuf, errsize, "%s", e ? e : "unknown loader error");
	}
	return (struct pxm_dl_library *)h;
}

void *
pxm_dl_library_sym(struct pxm_dl_library *lib, const char *symbol)
{
	return dlsym(lib, symbol);
}
