/**
 * @file dl.h
 * @brief Dynamic loading, wrapped so the choice of libltdl can change in
 *        one file.
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

#endif
