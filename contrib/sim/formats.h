/**
 * @file formats.h
 * @brief proximo-sim: the products' named string formats (pve-node, ip, ...).
 */
#ifndef PXM_SIM_FORMATS_H
#define PXM_SIM_FORMATS_H

#include <stddef.h>

/**
 * Check value against a named format ("pve-vmid", "pve-node-list", ...).
 * Returns 1 when valid, 0 when not (msg holds the product's reason, with
 * its trailing newline), -1 when the format is not known to the simulator
 * (the value is then accepted: the simulator never rejects what it cannot
 * judge).
 */
int	sim_format_check(const char *format, const char *value, char *msg, size_t msglen);

/** Number of UTF-8 code points (what Perl's length() and Rust's chars()
 *  count). */
size_t	sim_utf8_len(const char *s);

#endif
