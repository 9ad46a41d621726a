/**
 * @file diagnose.h
 * @brief DIAGNOSE: read-only evidence about a guest or a node, whose flags
 *        each cite the numbers that raised them, and where a probe that did
 *        not run is itself a flag (an empty flag list is "healthy" only when
 *        every probe ran).
 *
 * The container evidence battery
 * ------------------------------
 * In-guest evidence (failed units, disk, recent errors, memory, listening
 * ports) needs a shell in the container, which is the exec plugin's edge,
 * not the API's.  This is the contract both sides keep, so that one report
 * merges the API evidence and the battery:
 *
 *   the battery's keys, with the fixed argv the exec plugin runs for each:
 *     failed_units   systemctl --failed --no-legend --no-pager
 *     disk           df -h
 *     recent_errors  journalctl -p err -n 40 --no-pager
 *     memory         free -m
 *     listening      ss -tlnp
 *   a result is {key: {"returncode": n, "output": text} | {"error": text}}
 *   (callers pass only a key, never a command);
 *   pve_diagnose_merge_probes() puts it under the report's "probes" and adds
 *   the reference's flags; pve_diagnose_skip_probes() records why it did
 *   not run ("probes_skipped") and flags the report incomplete.
 */
#ifndef PVE_DIAGNOSE_H
#define PVE_DIAGNOSE_H

#include <jansson.h>

/** The battery's keys, NULL-terminated, in report order. */
extern const char *const pve_probe_keys[];
/** The argv of one key (NULL-terminated), or NULL for an unknown key. */
const char *const *pve_probe_argv(const char *key);

/**
 * Merge a battery result into a guest report ({"flags": [...], "complete":
 * bool, ...}): report.probes = probes (copied), and the flags: "systemd
 * reports failed unit(s) — see probes.failed_units (advisory)" when that
 * probe exited 0 with output; "one or more in-container probes failed —
 * diagnosis may be incomplete" (and complete=false) when a key is missing
 * or carries an error or a non-zero exit.  Keys outside the battery are
 * refused (not merged, flagged).
 */
void	pve_diagnose_merge_probes(json_t *report, const json_t *probes);
/** No battery: report.probes_skipped = why; flag and complete=false. */
void	pve_diagnose_skip_probes(json_t *report, const char *why);

/** Registration of pve_diagnose, pve_node_diagnose and pve_doctor. */
int	pve_diagnose_register(void);

#endif
