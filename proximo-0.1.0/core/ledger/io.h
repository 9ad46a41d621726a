/**
 * @file io.h
 * @brief The ledger's I/O seam: every syscall on the append/rotate path.
 *
 * Tests replace the table to inject EIO, ENOSPC or short writes at the Nth
 * call (reliability goal G4); production uses the real calls.  Only the
 * durability-relevant calls go through here; reads do not.
 */
#ifndef PXM_LEDGER_IO_H
#define PXM_LEDGER_IO_H

#include <sys/types.h>

struct pxm_ledger_io {
	ssize_t	(*write)(int fd, const void *buf, size_t n);
	int	(*fdatasync)(int fd);
	int	(*fsync)(int fd);
	int	(*ftruncate)(int fd, off_t len);
	int	(*rename)(const char *from, const char *to);
	int	(*link)(const char *from, const char *to);
	int	(*flock)(int fd, int op);
};

/** The table in use (never NULL). */
extern const struct pxm_ledger_io *pxm_ledger_io;
/** Replace the table; NULL restores the real calls.  Not thread-safe:
 *  tests set it before any ledger is opened. */
void	pxm_ledger_io_set(const struct pxm_ledger_io *io);
/** The real calls, for shims that wrap them. */
extern const struct pxm_ledger_io pxm_ledger_io_real;

#endif
