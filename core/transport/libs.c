/**
 * @file libs.c
 * @brief Opening libcurl and libssh2 on first use (see libs.h).
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "plugin/dl.h"
#include "transport/libs.h"
#include "util/error.h"

#if defined(PXM_HAVE_CURL) || defined(PXM_HAVE_SSH2)
/* One library's load, run once: its result and, on failure, why. */
struct lib_load {
	pthread_once_t	once;
	int		rc;
	char		why[600];
};

static int
load_result(struct lib_load *ll, struct pxm_error *err, void (*open_once)(void))
{
	pthread_once(&ll->once, open_once);
	if (ll->rc != PXM_OK)
		return pxm_error_set(err, ll->rc, "transport_library", "%s", ll->why);
	return PXM_OK;
}

/* One function to resolve: its name and where its pointer goes. */
struct lib_symbol {
	const char	*name;
	size_t		offset;
};

/* Open soname and fill table from symbols; 0 and ll->why on failure. */
static int
open_and_resolve(struct lib_load *ll, const char *soname, const char *what,
    const char *package, const struct lib_symbol *symbols, size_t n, void *table)
{
	struct pxm_dl_library *h;
	char e[400];
	void *p;
	size_t i;

	ll->rc = PXM_E_UNSUPPORTED;
	if ((h = pxm_dl_open_library(soname, e, sizeof e)) == NULL) {
		snprintf(ll->why, sizeof ll->why, "the %s is unavailable: %s could "
		    "not be loaded (%s); install it (Debian: apt-get install %s)",
		    what, soname, e, package);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if ((p = pxm_dl_library_sym(h, symbols[i].name)) == NULL) {
			snprintf(ll->why, sizeof ll->why, "%s has no %s: the library "
			    "is not the one proximo was built for; install it (Debian: "
			    "apt-get install %s)", soname, symbols[i].name, package);
			return 0;
		}
		/* memcpy: ISO C has no cast from void * to a function pointer;
		 * POSIX guarantees they share a representation. */
		memcpy((char *)table + symbols[i].offset, &p, sizeof p);
	}
	return 1;
}
#endif

#ifdef PXM_HAVE_CURL
struct pxm_libcurl pxm_libcurl;
static struct lib_load curl_load = { PTHREAD_ONCE_INIT, PXM_E_INTERNAL, "" };
#define PXM_CURL_SYMBOL(name) { #name, offsetof(struct pxm_libcurl, name) },
static const struct lib_symbol curl_symbols[] = { PXM_LIBCURL_SYMBOLS(PXM_CURL_SYMBOL) };
#undef PXM_CURL_SYMBOL

static void
libcurl_open(void)
{
	const curl_version_info_data *vi;

	if (!open_and_resolve(&curl_load, PXM_LIBCURL_SONAME, "HTTPS transport",
	    "libcurl4", curl_symbols, sizeof curl_symbols / sizeof curl_symbols[0],
	    &pxm_libcurl))
		return;
	/* Features are used as the headers describe them (curl_multi_poll,
	 * CURLOPT_PREREQFUNCTION): an older library than those is refused
	 * rather than misbehaving.  Patch releases do not matter. */
	vi = pxm_libcurl.curl_version_info(CURLVERSION_NOW);
	if (vi == NULL || (vi->version_num & 0xffff00) < (LIBCURL_VERSION_NUM & 0xffff00)) {
		snprintf(curl_load.why, sizeof curl_load.why, "%s is version %s; "
		    "proximo was built with libcurl %s and needs at least that",
		    PXM_LIBCURL_SONAME, vi && vi->version ? vi->version : "unknown",
		    LIBCURL_VERSION);
		return;
	}
	curl_load.rc = PXM_OK;
}

int
pxm_libcurl_load(struct pxm_error *err)
{
	return load_result(&curl_load, err, libcurl_open);
}
#endif

#ifdef PXM_HAVE_SSH2
struct pxm_libssh2 pxm_libssh2;
static struct lib_load ssh2_load = { PTHREAD_ONCE_INIT, PXM_E_INTERNAL, "" };
#define PXM_SSH2_SYMBOL(name) { #name, offsetof(struct pxm_libssh2, name) },
static const struct lib_symbol ssh2_symbols[] = { PXM_LIBSSH2_SYMBOLS(PXM_SSH2_SYMBOL) };
#undef PXM_SSH2_SYMBOL

static void
libssh2_open(void)
{
	if (!open_and_resolve(&ssh2_load, PXM_LIBSSH2_SONAME, "ssh transport",
	    "libssh2-1", ssh2_symbols, sizeof ssh2_symbols / sizeof ssh2_symbols[0],
	    &pxm_libssh2))
		return;
	if (pxm_libssh2.libssh2_version(LIBSSH2_VERSION_NUM & 0xffff00) == NULL) {
		snprintf(ssh2_load.why, sizeof ssh2_load.why, "%s is version %s; "
		    "proximo was built with libssh2 %s and needs at least that",
		    PXM_LIBSSH2_SONAME, pxm_libssh2.libssh2_version(0) ?
		    pxm_libssh2.libssh2_version(0) : "unknown", LIBSSH2_VERSION);
		return;
	}
	ssh2_load.rc = PXM_OK;
}

int
pxm_libssh2_load(struct pxm_error *err)
{
	return load_result(&ssh2_load, err, libssh2_open);
}
#endif
