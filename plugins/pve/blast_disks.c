/**
 * @file blast_disks.c
 * @brief The guest disk model the blast radius reasons with (the
 *        reference's: disk slots, storage of a volume, boot disk, boot-
 *        critical EFI/TPM state) and the small helpers every op-class uses.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "blast.h"
#include "pve.h"

static const char *const disk_prefixes[] = {
	"efidisk", "tpmstate", "scsi", "sata", "ide", "virtio", "mp", "unused", NULL,
};

int
bl_disk_key(const char *key)
{
	size_t i, n;
	const char *p;

	if (strcmp(key, "rootfs") == 0)
		return 1;
	for (i = 0; disk_prefixes[i]; i++) {
		n = strlen(disk_prefixes[i]);
		if (strncmp(key, disk_prefixes[i], n) != 0 || key[n] == '\0')
			continue;
		for (p = key + n; *p; p++)
			if (!isdigit((unsigned char)*p))
				break;
		if (*p == '\0')
			return 1;
	}
	return 0;
}

/* The value of option `opt` in a drive string ("a,b=c,opt=v"), into buf. */
static int
drive_opt(char *buf, size_t size, const char *value, const char *opt)
{
	size_t n = strlen(opt);
	const char *p = value;

	while ((p = strchr(p, ',')) != NULL) {
		p++;
		if (strncmp(p, opt, n) == 0 && p[n] == '=') {
			snprintf(buf, size, "%.*s", (int)strcspn(p + n + 1, ","), p + n + 1);
			return 1;
		}
	}
	return 0;
}

int
bl_is_cdrom(const char *value)
{
	char m[32];

	return value && drive_opt(m, sizeof m, value, "media") && strcmp(m, "cdrom") == 0;
}

int
bl_disk_storage(char *buf, size_t size, const char *value)
{
	size_t n;

	buf[0] = '\0';
	if (value == NULL || value[0] == '/' || strncmp(value, "none", 4) == 0)
		return 0;
	n = strcspn(value, ":,");
	if (value[n] != ':' || n == 0)
		return 0;
	/* "file=" drive syntax puts the volume after file= */
	if (strncmp(value, "file=", 5) == 0)
		return bl_disk_storage(buf, size, value + 5);
	snprintf(buf, size, "%.*s", (int)n, value);
	return 1;
}

void
bl_disk_volid(char *buf, size_t size, const char *value)
{
	if (value && strncmp(value, "file=", 5) == 0)
		value += 5;
	snprintf(buf, size, "%.*s", value ? (int)strcspn(value, ",") : 0, value ? value : "");
}

long long
bl_parse_size(const char *s)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return -1;
	v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case '\0':	return (long long)v;
	case 'K':	return (long long)(v * 1024.0);
	case 'M':	return (long long)(v * 1024.0 * 1024.0);
	case 'G':	return (long long)(v * 1024.0 * 1024.0 * 1024.0);
	case 'T':	return (long long)(v * 1024.0 * 1024.0 * 1024.0 * 1024.0);
	default:	return -1;
	}
}

long long
bl_disk_size(const char *value)
{
	char s[32];

	if (value == NULL || !drive_opt(s, sizeof s, value, "size"))
		return -1;
	return bl_parse_size(s);
}

const char *
bl_boot_slot(char *buf, size_t size, const json_t *config, const char *kind)
{
	const char *boot, *p, *order;
	size_t n;

	if (strcmp(kind, "lxc") == 0) {
		snprintf(buf, size, "rootfs");
		return json_object_get(config, "rootfs") ? buf : NULL;
	}
	if ((p = json_string_value(json_object_get(config, "bootdisk"))) != NULL &&
	    json_object_get(config, p)) {
		snprintf(buf, size, "%s", p);
		return buf;
	}
	boot = json_string_value(json_object_get(config, "boot"));
	if (boot == NULL || (order = strstr(boot, "order=")) == NULL)
		return NULL;
	/* the first device of the order that is a disk (not net, not cdrom) */
	for (p = order + 6; *p && *p != ','; p += n + (p[n] == ';')) {
		const char *v;

		n = strcspn(p, ";,");
		snprintf(buf, size, "%.*s", (int)n, p);
		if (!bl_disk_key(buf))
			continue;
		v = json_string_value(json_object_get(config, buf));
		if (v && !bl_is_cdrom(v))
			return buf;
		if (n == 0)
			break;
	}
	return NULL;
}

const char *
bl_bytes(char *buf, size_t size, long long bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = 0;

	if (bytes < 0) {
		snprintf(buf, size, "unknown");
		return buf;
	}
	while (v >= 1024.0 && u < 5) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%lld B", bytes);
	else
		snprintf(buf, size, "%.1f %s", v, unit[u]);
	return buf;
}

int
bl_guest_uses_storage(const struct bl_guest *g, const char *storage)
{
	size_t n = strlen(storage);
	const char *k, *v;
	json_t *val;

	json_object_foreach(g->config, k, val) {
		if ((v = json_string_value(val)) == NULL || strncmp(v, storage, n) != 0 ||
		    v[n] != ':' || !bl_disk_key(k) || bl_is_cdrom(v))
			continue;
		return 1;
	}
	return 0;
}

json_t *
bl_disk_loss_row(const struct bl_guest *g, bl_disk_pred *pred, void *arg, const char *where,
    int *wont_boot)
{
	char store[128], volid[512], bootbuf[32], list[512];
	const char *k, *boot, *v, *sev;
	json_t *val, *via = json_array(), *row;
	size_t ndata = 0, nhit_data = 0, off = 0;
	int boot_hit = 0, critical = 0, only = 0;
	char effect[1024];

	*wont_boot = 0;
	json_object_foreach(g->config, k, val) {
		if (!bl_disk_key(k) || (v = json_string_value(val)) == NULL || bl_is_cdrom(v))
			continue;
		if (!bl_disk_storage(store, sizeof store, v))
			continue;
		if (strncmp(k, "unused", 6) != 0 && strcmp(k, "efidisk0") != 0 &&
		    strcmp(k, "tpmstate0") != 0)
			ndata++;
		bl_disk_volid(volid, sizeof volid, v);
		if (!pred(k, store, volid, arg))
			continue;
		json_array_append_new(via, json_string(k));
		if (strncmp(k, "unused", 6) != 0 && strcmp(k, "efidisk0") != 0 &&
		    strcmp(k, "tpmstate0") != 0)
			nhit_data++;
		if (strcmp(k, "efidisk0") == 0 || strcmp(k, "tpmstate0") == 0)
			critical = 1;
	}
	if (json_array_size(via) == 0) {
		json_decref(via);
		return NULL;
	}
	{
		size_t i;
		json_t *s;

		list[0] = '\0';
		json_array_foreach(via, i, s)
			off += (size_t)snprintf(list + off, off < sizeof list ? sizeof list - off : 0,
			    "%s%s", i ? ", " : "", json_string_value(s));
	}
	boot = bl_boot_slot(bootbuf, sizeof bootbuf, g->config, g->kind);
	if (boot) {
		size_t i;
		json_t *s;

		json_array_foreach(via, i, s)
			if (strcmp(json_string_value(s), boot) == 0)
				boot_hit = 1;
	}
	only = ndata > 0 && nhit_data == ndata;
	if (only) {
		snprintf(effect, sizeof effect, "will NOT boot — all data disks (%s) are %s", list, where);
		*wont_boot = 1;
	} else if (boot_hit) {
		snprintf(effect, sizeof effect, "will NOT boot — boot disk %s is %s", boot, where);
		*wont_boot = 1;
	} else if (critical) {
		snprintf(effect, sizeof effect, "loses UEFI/TPM state (%s %s) — may NOT boot", list,
		    where);
		*wont_boot = 1;
	} else if (boot == NULL && nhit_data > 0) {
		snprintf(effect, sizeof effect, "may NOT boot — disks %s are %s and its boot disk "
		    "could not be told from the config", list, where);
		*wont_boot = 1;
	} else {
		snprintf(effect, sizeof effect, "degraded — %s %s; its boot disk %s is elsewhere",
		    list, where, boot ? boot : "(none)");
	}
	if (g->running)
		strncat(effect, " — RUNNING: losing the disk live may crash or corrupt the guest",
		    sizeof effect - strlen(effect) - 1);
	sev = *wont_boot ? "high" : "medium";
	row = bl_guest_row(g);
	json_object_set_new(row, "via", via);
	json_object_set_new(row, "effect", json_string(effect));
	json_object_set_new(row, "only_copy", json_boolean(only));
	json_object_set_new(row, "running", json_boolean(g->running));
	json_object_set_new(row, "severity", json_string(sev));
	return row;
}

/* ------------------------------------------------------------ emitting */

void
bl_emit(struct pxm_plan *plan, struct bl_tally *t, json_t *row)
{
	const char *res = json_string_value(json_object_get(row, "resource"));
	const char *name = json_string_value(json_object_get(row, "name"));
	const char *node = json_string_value(json_object_get(row, "node"));
	const char *eff = json_string_value(json_object_get(row, "effect"));
	const char *sev = json_string_value(json_object_get(row, "severity"));
	int rk = bl_sev_rank(sev);

	if (row == NULL) {
		/* never silently drop a victim */
		pve_host->plan_set_incomplete(plan, "internal error: a blast-radius row could not be "
		    "built (out of memory?)");
		return;
	}
	t->rows++;
	if (rk >= 4)
		t->high++;
	else if (rk == 3)
		t->medium++;
	else if (rk == 2)
		t->low++;
	if (t->lines < BL_MAX_LINES) {
		pve_host->plan_add_blast(plan, "%s%s%s%s%s%s: %s", res ? res : "?",
		    name ? " (" : "", name ? name : "", name ? ")" : "", node ? " on " : "",
		    node ? node : "", eff ? eff : "affected");
		t->lines++;
	} else {
		t->hidden++;
	}
	pve_host->plan_add_affected_new(plan, row);
}

void
bl_emit_quiet(struct pxm_plan *plan, struct bl_tally *t, json_t *row)
{
	int rk = bl_sev_rank(json_string_value(json_object_get(row, "severity")));

	if (row == NULL) {
		pve_host->plan_set_incomplete(plan, "internal error: a blast-radius row could not be "
		    "built (out of memory?)");
		return;
	}
	t->rows++;
	if (rk >= 4)
		t->high++;
	else if (rk == 3)
		t->medium++;
	else if (rk == 2)
		t->low++;
	pve_host->plan_add_affected_new(plan, row);
}

void
bl_tally_flush(struct pxm_plan *plan, struct bl_tally *t)
{
	if (t->hidden)
		pve_host->plan_add_blast(plan, "... and %zu more (every one is listed in "
		    "\"affected\")", t->hidden);
	t->hidden = 0;
}

/* ------------------------------------------------------------ helpers */

int
bl_sev_rank(const char *sev)
{
	if (sev == NULL)
		return 4;
	if (strcmp(sev, "none") == 0)
		return 0;
	if (strcmp(sev, "info") == 0)
		return 1;
	if (strcmp(sev, "low") == 0)
		return 2;
	if (strcmp(sev, "medium") == 0)
		return 3;
	return 4;	/* high, unknown */
}

void
bl_raise_for(struct pxm_plan *plan, const char *sev, const char *why)
{
	int rk = bl_sev_rank(sev);
	uint32_t lvl = rk >= 4 ? PXM_RISK_HIGH : rk == 3 ? PXM_RISK_MEDIUM :
	    rk == 2 ? PXM_RISK_LOW : PXM_RISK_NONE;

	pve_host->plan_raise_risk(plan, lvl, "%s", why);
}

void
bl_copy(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (size == 0)
		return;
	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

json_t *
bl_split(const char *list)
{
	json_t *out = json_array();
	const char *p = list;
	size_t n;

	while (p && *p) {
		p += strspn(p, ",; \t");
		n = strcspn(p, ",; \t");
		if (n > 0) {
			char *w = strndup(p, n);

			if (w)
				json_array_append_new(out, json_string(w));
			free(w);
		}
		p += n;
	}
	return out;
}

int
bl_list_has(const char *list, const char *word)
{
	json_t *a = bl_split(list), *v;
	size_t i;
	int hit = 0;

	json_array_foreach(a, i, v)
		if (strcmp(json_string_value(v), word) == 0)
			hit = 1;
	json_decref(a);
	return hit;
}

const char *
bl_param(char *buf, size_t size, const json_t *params, const char *key)
{
	const json_t *v = json_object_get(params, key);

	buf[0] = '\0';
	if (json_is_string(v))
		snprintf(buf, size, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, size, "%d", json_is_true(v));
	else if (json_is_real(v))
		snprintf(buf, size, "%g", json_real_value(v));
	return buf;
}

int
bl_truthy(const json_t *v)
{
	const char *s;

	if (json_is_true(v))
		return 1;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if ((s = json_string_value(v)) != NULL)
		return strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0 ||
		    strcasecmp(s, "yes") == 0 || strcasecmp(s, "on") == 0;
	return 0;
}

int
bl_param_bool(const json_t *params, const char *key, int dflt)
{
	const json_t *v = json_object_get(params, key);

	return v ? bl_truthy(v) : dflt;
}

void
bl_add_unique(json_t *arr, const char *s)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return;
	json_array_append_new(arr, json_string(s));
}

char *
bl_join(const json_t *arr, const char *sep)
{
	size_t i, len = 1;
	json_t *v;
	char *out;

	json_array_foreach(arr, i, v)
		len += strlen(json_string_value(v) ? json_string_value(v) : "") + strlen(sep);
	if ((out = calloc(1, len)) == NULL)
		return NULL;
	json_array_foreach(arr, i, v) {
		if (i)
			strcat(out, sep);
		strcat(out, json_string_value(v) ? json_string_value(v) : "");
	}
	return out;
}

char *
bl_join_max(const json_t *arr, const char *sep, size_t max)
{
	json_t *head = json_array();
	size_t i, n = json_array_size(arr);
	char *s, *out;
	size_t len;

	for (i = 0; i < n && i < max; i++)
		json_array_append(head, json_array_get(arr, i));
	s = bl_join(head, sep);
	json_decref(head);
	if (s == NULL || n <= max)
		return s;
	len = strlen(s) + 32;
	if ((out = malloc(len)) != NULL)
		snprintf(out, len, "%s (+%zu more)", s, n - max);
	free(s);
	return out;
}
