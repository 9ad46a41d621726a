/**
 * @file dl.h
 * @brief Dynamic loading, wrapped so the choice of libltdl can change in
 *        one file: plugins (libltdl) and the transport's system
 *        libraries (the dynamic linker, dlopen).
 */
#ifndef PXM_PLUGIN_DL_H
#define PXM_PLUGIN_DL_H

#include <stddef.h>

struct pxm_dl;

/** Open a shared object with local symbol binding.  On failure *out is
 *  NULL and errbuf holds the loader's message. */
int	pxm_dl_open(struct pxm_dl **out, const char *path, char *errbuf, size_t errsize);
void	*pxm_dl_sym(struct pxm_dl *h, const char *symbol);
/** Close, except in builds that must keep plugins mapped (sanitizers). */
void	pxm_dl_close(struct pxm_dl *h);
void	pxm_dl_exit(void);

/** A system library opened by its soname, through the dynamic linker's
 *  own search (what a link-time dependency would get), bound now and
 *  locally.  Never closed: it stays for the process's life.  NULL on
 *  failure with the linker's message in errbuf. */
struct pxm_dl_library;
struct pxm_dl_library *pxm_dl_open_library(const char *soname, char *errbuf, size_t errsize);
void	*pxm_dl_library_sym(struct pxm_dl_library *lib, const char *symbol);

#endif
