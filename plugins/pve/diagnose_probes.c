/**
 * @file diagnose_probes.c
 * @brief The container evidence battery's contract (diagnose.h): its keys,
 *        their fixed argv, and how a battery result merges into a report.
 *        Pure: Jansson only, so the exec plugin and tests can use it too.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "diagnose.h"

const char *const pve_probe_keys[] = {
	"failed_units", "disk", "recent_errors", "memory", "listening", NULL,
};

static const char *const argv_failed_units[] = { "systemctl", "--failed", "--no-legend",
	"--no-pager", NULL };
static const char *const argv_disk[] = { "df", "-h", NULL };
static const char *const argv_recent_errors[] = { "journalctl", "-p", "err", "-n", "40",
	"--no-pager", NULL };
static const char *const argv_memory[] = { "free", "-m", NULL };
static const char *const argv_listening[] = { "ss", "-tlnp", NULL };

const char *const *
pve_probe_argv(const char *key)
{
	if (key == NULL)
		return NULL;
	if (strcmp(key, "failed_units") == 0)
		return argv_failed_units;
	if (strcmp(key, "disk") == 0)
		return argv_disk;
	if (strcmp(key, "recent_errors") == 0)
		return argv_recent_errors;
	if (strcmp(key, "memory") == 0)
		return argv_memory;
	if (strcmp(key, "listening") == 0)
		return argv_listening;
	return NULL;
}

static void
flag(json_t *report, const char *text)
{
	json_t *flags = json_object_get(report, "flags");

	if (!json_is_array(flags)) {
		flags = json_array();
		json_object_set_new(report, "flags", flags);
	}
	json_array_append_new(flags, json_string(text));
}

void
pve_diagnose_merge_probes(json_t *report, const json_t *probes)
{
	json_t *kept = json_object(), *v;
	const char *k;
	size_t i;
	int failed = 0, unknown = 0;
	char text[300];

	json_object_foreach((json_t *)probes, k, v) {
		if (pve_probe_argv(k) == NULL) {
			unknown++;
			continue;
		}
		json_object_set(kept, k, v);
	}
	for (i = 0; pve_probe_keys[i]; i++) {
		v = json_object_get(kept, pve_probe_keys[i]);
		if (!json_is_object(v) || json_object_get(v, "error") ||
		    !json_is_integer(json_object_get(v, "returncode")) ||
		    json_integer_value(json_object_get(v, "returncode")) != 0) {
			/* systemctl --failed exits 0 even with failed units; others too */
			failed++;
			continue;
		}
	}
	v = json_object_get(kept, "failed_units");
	if (json_is_object(v) && json_integer_value(json_object_get(v, "returncode")) == 0 &&
	    json_string_value(json_object_get(v, "output")) &&
	    *json_string_value(json_object_get(v, "output")))
		flag(report, "systemd reports failed unit(s) — see probes.failed_units (advisory)");
	if (failed) {
		flag(report, "one or more in-container probes failed — diagnosis may be incomplete");
		json_object_set_new(report, "complete", json_false());
	}
	if (unknown) {
		snprintf(text, sizeof text, "%d probe result(s) outside the battery were ignored "
		    "(accepted keys: failed_units, disk, recent_errors, memory, listening)", unknown);
		flag(report, text);
	}
	json_object_set_new(report, "probes", kept);
}

void
pve_diagnose_skip_probes(json_t *report, const char *why)
{
	char text[600];

	json_object_set_new(report, "probes_skipped", json_string(why));
	snprintf(text, sizeof text, "in-container probes skipped — incomplete diagnosis (%s)", why);
	flag(report, text);
	json_object_set_new(report, "complete", json_false());
}
