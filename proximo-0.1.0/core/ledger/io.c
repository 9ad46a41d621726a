/**
 * @file io.c
 * @brief The real syscalls behind the ledger's I/O seam.
 */
#include "config.h"

#include <sys/file.h>
#include <stdio.h>
#include <unistd.h>

#include "ledger/io.h"

const struct pxm_ledger_io pxm_ledger_io_real = {
	write, fdatasync, fsync, ftruncate, rename, link, flock,
};

const struct pxm_ledger_io *pxm_ledger_io = &pxm_ledger_io_real;

void
pxm_ledger_io_set(const struct pxm_ledger_io *io)
{
	pxm_ledger_io = io ? io : &pxm_ledger_io_real;
}
