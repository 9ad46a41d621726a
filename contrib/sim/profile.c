/**
 * @file profile.c
 * @brief proximo-sim: loading, normalising and generating profiles.
 *
 * A profile is the initial state document (state.h).  Normalisation fills
 * the defaults a real product would have (root@pam, the built-in realms,
 * local storages, a bridge per node), checks references (a guest's node must
 * exist) and generates every secret the profile leaves out, so profiles
 * shipped in the source tree carry no credentials: --write-token and
 * friends hand the generated ones to tests and the quick start.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "profile.h"
#include "pve.h"

#define GiB	(1024LL * 1024 * 1024)

void
sim_random_uuid(char out[37])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof b) != 1)
		memset(b, 0x5a, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	    b[13], b[14], b[15]);
}

static void
random_password(char out[25])
{
	static const char alphabet[] =
	    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
	unsigned char b[24];
	int i;

	if (RAND_bytes(b, sizeof b) != 1)
		memset(b, 7, sizeof b);
	for (i = 0; i < 24; i++)
		out[i] = alphabet[b[i] % (sizeof alphabet - 1)];
	out[24] = '\0';
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Users, tokens, groups, ACL entries of one product's "access". */
static int
norm_access(json_t *surf, int product, char *err, size_t errlen)
{
	json_t *acc = sim_obj(surf, "access"), *users = sim_obj(acc, "users"), *u, *tokens, *t;
	json_t *tl, *acl, *e;
	const char *k, *tk;
	size_t i;
	char secret[37], pw[25];

	if (json_object_get(users, "root@pam") == NULL)
		json_object_set_new(users, "root@pam", json_pack("{s:i}", "enable", 1));
	/* The list form: "tokens": [{"userid", "tokenid", "secret", "privsep"}]. */
	if ((tl = json_object_get(acc, "tokens")) != NULL && json_is_array(tl)) {
		json_array_foreach(tl, i, t) {
			const char *uid = json_string_value(json_object_get(t, "userid"));
			const char *tid = json_string_value(json_object_get(t, "tokenid"));
			json_t *rec;
			if (uid == NULL || tid == NULL)
				return fail(err, errlen, "%saccess.tokens: every entry needs userid and "
				    "tokenid", product == 1 ? "pbs." : "pve.");
			u = json_object_get(users, uid);
			if (u == NULL) {
				u = json_pack("{s:i}", "enable", 1);
				json_object_set_new(users, uid, u);
			}
			rec = json_deep_copy(t);
			json_object_del(rec, "userid");
			json_object_del(rec, "tokenid");
			json_object_set_new(sim_obj(u, "tokens"), tid, rec);
		}
		json_object_del(acc, "tokens");
	}
	json_object_foreach(users, k, u) {
		if (strchr(k, '@') == NULL)
			return fail(err, errlen, "access.users: '%s' is not USER@REALM", k);
		sim_setdef(u, "enable", json_integer(1));
		sim_setdef(u, "expire", json_integer(0));
		if (product == 2) {
			sim_setdef(u, "role", json_string(strcmp(k, "root@pam") == 0 ? "root" : "audit"));
		}
		if (json_object_get(u, "password") == NULL ||
		    json_is_null(json_object_get(u, "password"))) {
			random_password(pw);
			json_object_set_new(u, "password", json_string(pw));
		}
		if (product == 2)
			continue;
		tokens = sim_obj(u, "tokens");
		json_object_foreach(tokens, tk, t) {
			if (json_object_get(t, "secret") == NULL ||
			    json_is_null(json_object_get(t, "secret"))) {
				sim_random_uuid(secret);
				json_object_set_new(t, "secret", json_string(secret));
			}
			/* PVE creates tokens privilege-separated unless told. */
			sim_setdef(t, "privsep", json_integer(1));
			sim_setdef(t, "expire", json_integer(0));
		}
		if (json_is_string(json_object_get(u, "groups")))
			json_object_set_new(u, "groups",
			    sim_split_list(json_string_value(json_object_get(u, "groups"))));
		sim_setdef(u, "groups", json_array());
	}
	if (product == 2)
		return 0;
	sim_obj(acc, "groups");
	sim_obj(acc, "roles");
	acl = sim_arr(acc, "acl");
	json_array_foreach(acl, i, e) {
		const char *ugid = json_string_value(json_object_get(e, "ugid"));
		if (ugid == NULL || json_string_value(json_object_get(e, "path")) == NULL ||
		    json_string_value(json_object_get(e, "roleid")) == NULL)
			return fail(err, errlen, "access.acl: every entry needs path, ugid and roleid");
		if (json_object_get(e, "type") == NULL) {
			if (ugid[0] == '@') {
				json_object_set_new(e, "ugid", json_string(ugid + 1));
				json_object_set_new(e, "type", json_string("group"));
			} else {
				json_object_set_new(e, "type", json_string(strchr(ugid, '!') ?
				    "token" : "user"));
			}
		}
		sim_setdef(e, "propagate", json_integer(1));
	}
	if (product == 0)
		sim_setdef(acc, "domains", json_pack("{s:{s:s,s:s}, s:{s:s,s:s}}",
		    "pam", "type", "pam", "comment", "Linux PAM standard authentication",
		    "pve", "type", "pve", "comment", "Proxmox VE authentication server"));
	else
		sim_setdef(acc, "domains", json_pack("{s:{s:s,s:s}, s:{s:s,s:s}}",
		    "pam", "type", "pam", "comment", "Linux PAM standard authentication",
		    "pbs", "type", "pbs", "comment", "Proxmox Backup authentication server"));
	return 0;
}

static json_t *
default_network(int idx, const char *ip)
{
	char cidr[64], gw[64];
	const char *dot = strrchr(ip, '.');

	snprintf(cidr, sizeof cidr, "%s/24", ip);
	snprintf(gw, sizeof gw, "%.*s.1", dot ? (int)(dot - ip) : 0, ip);
	(void)idx;
	return json_pack("{s:{s:s,s:s,s:i,s:i,s:[s],s:s}, s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s,"
	    "s:i,s:i,s:s,s:s,s:[s]}}",
	    "eno1", "iface", "eno1", "type", "eth", "active", 1, "autostart", 1,
	    "families", "inet", "method", "manual",
	    "vmbr0", "iface", "vmbr0", "type", "bridge", "bridge_ports", "eno1", "cidr", cidr,
	    "address", ip, "netmask", "24", "gateway", gw, "active", 1, "autostart", 1,
	    "bridge_stp", "off", "method", "static", "families", "inet");
}

static int
norm_pve(json_t *p, int64_t now, char *err, size_t errlen)
{
	json_t *pve = sim_obj(p, "pve"), *nodes, *n, *guests, *g, *cfg, *storage, *st;
	const char *k;
	int i = 0;
	char ip[32], buf[64];

	sim_setdef(pve, "version", json_pack("{s:s,s:s,s:s}", "version", "9.0.3", "release", "9.0",
	    "repoid", "025864202ebb6109"));
	sim_setdef(pve, "cluster", json_pack("{s:s}", "name", "proximo-sim"));
	nodes = json_object_get(pve, "nodes");
	if (!json_is_object(nodes) || json_object_size(nodes) == 0) {
		nodes = json_pack("{s:{}}", "pve");
		json_object_set_new(pve, "nodes", nodes);
	}
	json_object_foreach(nodes, k, n) {
		i++;
		if (!json_is_object(n))
			return fail(err, errlen, "pve.nodes.%s: expected an object", k);
		snprintf(ip, sizeof ip, "10.0.0.%d", 10 + i);
		sim_setdef(n, "status", json_string("online"));
		sim_setdef(n, "nodeid", json_integer(i));
		sim_setdef(n, "ip", json_string(ip));
		sim_setdef(n, "level", json_string(""));
		sim_setdef(n, "maxcpu", json_integer(16));
		sim_setdef(n, "cpu", json_real(0.03 + 0.01 * (i % 5)));
		sim_setdef(n, "maxmem", json_integer(64 * GiB));
		sim_setdef(n, "mem", json_integer(12 * GiB + i * GiB / 3));
		sim_setdef(n, "maxdisk", json_integer(100 * GiB));
		sim_setdef(n, "disk", json_integer(9 * GiB + i * GiB / 7));
		sim_setdef(n, "uptime", json_integer(864000 + i * 3600));
		sim_setdef(n, "network", default_network(i, json_string_value(json_object_get(n, "ip"))));
		sim_setdef(n, "network_pending", json_null());
		pve_node_defaults(n, k, json_string_value(json_object_get(json_object_get(pve,
		    "cluster"), "name")));
		if (sim_json_truthy(json_object_get(n, "online")) ||
		    strcmp(json_string_value(json_object_get(n, "status")), "online") == 0) {
			if (json_object_get(n, "started") == NULL)
				json_object_set_new(n, "started", json_integer(now -
				    sim_json_int(json_object_get(n, "uptime"), 0) * 1000));
		}
	}
	storage = json_object_get(pve, "storage");
	if (!json_is_object(storage)) {
		storage = json_pack("{s:{s:s,s:s,s:s}, s:{s:s,s:s,s:s,s:s}}",
		    "local", "type", "dir", "path", "/var/lib/vz", "content", "iso,vztmpl,backup,import",
		    "local-lvm", "type", "lvmthin", "vgname", "pve", "thinpool", "data",
		    "content", "images,rootdir");
		json_object_set_new(pve, "storage", storage);
	}
	json_object_foreach(storage, k, st) {
		const char *type;
		sim_setdef(st, "type", json_string("dir"));
		type = json_string_value(json_object_get(st, "type"));
		sim_setdef(st, "content", json_string(strcmp(type, "dir") == 0 || strcmp(type, "nfs") == 0 ||
		    strcmp(type, "cifs") == 0 ? "iso,vztmpl,backup" : strcmp(type, "pbs") == 0 ?
		    "backup" : "images,rootdir"));
		sim_setdef(st, "shared", json_integer(strcmp(type, "nfs") == 0 || strcmp(type, "cifs") == 0 ||
		    strcmp(type, "rbd") == 0 || strcmp(type, "cephfs") == 0 ||
		    strcmp(type, "pbs") == 0 || strcmp(type, "iscsi") == 0 ? 1 : 0));
		sim_setdef(st, "total", json_integer(strcmp(type, "dir") == 0 ? 100 * GiB : 1000 * GiB));
		sim_setdef(st, "used", json_integer(strcmp(type, "dir") == 0 ? 23 * GiB : 211 * GiB));
		sim_setdef(st, "volumes", json_array());
		sim_setdef(st, "active", json_integer(1));
		sim_setdef(st, "enabled", json_integer(1));
	}
	guests = sim_obj(pve, "guests");
	json_object_foreach(guests, k, g) {
		const char *node, *type, *status;
		char *end;
		long vmid = strtol(k, &end, 10);

		if (*end || vmid < 100 || vmid > 999999999)
			return fail(err, errlen, "pve.guests: key '%s' is not a VMID (100..999999999)",
			    k);
		if (!json_is_object(g))
			return fail(err, errlen, "pve.guests.%s: expected an object", k);
		json_object_set_new(g, "vmid", json_integer(vmid));
		sim_setdef(g, "type", json_string("qemu"));
		type = json_string_value(json_object_get(g, "type"));
		if (type == NULL || (strcmp(type, "qemu") != 0 && strcmp(type, "lxc") != 0))
			return fail(err, errlen, "pve.guests.%s.type: '%s' is not qemu or lxc", k,
			    type ? type : "?");
		node = json_string_value(json_object_get(g, "node"));
		if (node == NULL)
			return fail(err, errlen, "pve.guests.%s: no \"node\"", k);
		if (json_object_get(nodes, node) == NULL)
			return fail(err, errlen, "pve.guests.%s: node '%s' is not in pve.nodes", k, node);
		cfg = sim_obj(g, "config");
		snprintf(buf, sizeof buf, "%s%s", strcmp(type, "qemu") == 0 ? "vm" : "ct", k);
		if (strcmp(type, "qemu") == 0)
			sim_setdef(cfg, "name", json_string(buf));
		else
			sim_setdef(cfg, "hostname", json_string(buf));
		sim_setdef(cfg, "memory", json_integer(2048));
		sim_setdef(cfg, "cores", json_integer(strcmp(type, "qemu") == 0 ? 2 : 1));
		if (strcmp(type, "qemu") == 0) {
			sim_setdef(cfg, "sockets", json_integer(1));
			sim_setdef(cfg, "ostype", json_string("l26"));
		} else {
			sim_setdef(cfg, "ostype", json_string("debian"));
			sim_setdef(cfg, "arch", json_string("amd64"));
		}
		if (sim_json_truthy(json_object_get(cfg, "template")))
			json_object_set_new(g, "status", json_string("stopped"));
		sim_setdef(g, "status", json_string("stopped"));
		status = json_string_value(json_object_get(g, "status"));
		if (strcmp(status, "running") != 0 && strcmp(status, "stopped") != 0 &&
		    strcmp(status, "paused") != 0)
			return fail(err, errlen, "pve.guests.%s.status: '%s' is not running, stopped "
			    "or paused", k, status);
		if (strcmp(status, "stopped") != 0 && json_object_get(g, "started") == NULL)
			json_object_set_new(g, "started", json_integer(now -
			    sim_json_int(json_object_get(g, "uptime"), 3600) * 1000));
		sim_obj(g, "snapshots");
		sim_obj(g, "pending");
	}
	sim_obj(pve, "pools");
	sim_obj(pve, "config");
	return norm_access(pve, 0, err, errlen);
}

static int
norm_pbs(json_t *p, int64_t now, char *err, size_t errlen)
{
	json_t *pbs = sim_obj(p, "pbs"), *ds, *d, *snaps, *sn;
	const char *k;
	size_t i;
	char path[512];

	sim_setdef(pbs, "node", json_string("pbs"));
	sim_setdef(pbs, "version", json_pack("{s:s,s:s,s:s}", "version", "4.0.11", "release", "4.0",
	    "repoid", "7f4ab9d3c0e8a1b2"));
	ds = sim_obj(pbs, "datastores");
	json_object_foreach(ds, k, d) {
		snprintf(path, sizeof path, "/mnt/datastore/%s", k);
		sim_setdef(d, "path", json_string(path));
		sim_setdef(d, "total", json_integer(2000 * GiB));
		sim_setdef(d, "used", json_integer(420 * GiB));
		sim_setdef(d, "namespaces", json_array());
		snaps = sim_arr(d, "snapshots");
		json_array_foreach(snaps, i, sn) {
			if (!json_is_string(json_object_get(sn, "backup-type")) ||
			    !json_is_string(json_object_get(sn, "backup-id")))
				return fail(err, errlen, "pbs.datastores.%s.snapshots: every snapshot needs "
				    "backup-type and backup-id", k);
			sim_setdef(sn, "backup-time", json_integer(now / 1000 - 86400 * (long long)(i + 1)));
			sim_setdef(sn, "ns", json_string(""));
			sim_setdef(sn, "owner", json_string("root@pam"));
			sim_setdef(sn, "protected", json_false());
			sim_setdef(sn, "size", json_integer(8 * GiB + (long long)i * 123456789));
			sim_setdef(sn, "comment", json_string(""));
			sim_setdef(sn, "files", json_pack("[{s:s,s:s,s:I},{s:s,s:s,s:I},{s:s}]",
			    "filename", "index.json.blob", "crypt-mode", "none", "size", (json_int_t)512,
			    "filename", strcmp(json_string_value(json_object_get(sn, "backup-type")),
			    "ct") == 0 ? "root.pxar.didx" : "drive-scsi0.img.fidx", "crypt-mode", "none",
			    "size", (json_int_t)(32 * GiB), "filename", "client.log.blob"));
		}
	}
	sim_obj(pbs, "config");
	return norm_access(pbs, 1, err, errlen);
}

static int
norm_pmg(json_t *p, int64_t now, char *err, size_t errlen)
{
	json_t *pmg = sim_obj(p, "pmg"), *q, *e;
	size_t i;
	char id[64];

	sim_setdef(pmg, "node", json_string("pmg"));
	sim_setdef(pmg, "version", json_pack("{s:s,s:s,s:s}", "version", "9.0.1", "release", "9.0",
	    "repoid", "3c1d8a0e5f6b7c2d"));
	q = sim_arr(pmg, "quarantine");
	json_array_foreach(q, i, e) {
		if (!json_is_object(e))
			return fail(err, errlen, "pmg.quarantine: entries must be objects");
		snprintf(id, sizeof id, "C%zuR%zuT%lld", 1 + i, 7 + i, (long long)(now / 1000) - 3600);
		sim_setdef(e, "id", json_string(id));
		sim_setdef(e, "type", json_string("spam"));
		sim_setdef(e, "time", json_integer(now / 1000 - 3600 * (long long)(i + 1)));
		sim_setdef(e, "receiver", json_string("user@example.com"));
		sim_setdef(e, "from", json_string("sender@example.net"));
		sim_setdef(e, "sender", json_incref(json_object_get(e, "from")));
		sim_setdef(e, "subject", json_string("Quarantined message"));
		sim_setdef(e, "bytes", json_integer(4096));
		if (strcmp(json_string_value(json_object_get(e, "type")), "spam") == 0)
			sim_setdef(e, "spamlevel", json_integer(12));
		if (strcmp(json_string_value(json_object_get(e, "type")), "virus") == 0)
			sim_setdef(e, "virusname", json_string("Eicar-Test-Signature"));
		sim_setdef(e, "state", json_string("quarantined"));
	}
	sim_arr(pmg, "tracker");
	sim_obj(pmg, "statistics");
	sim_obj(pmg, "services");
	sim_obj(pmg, "config");
	return norm_access(pmg, 2, err, errlen);
}

int
sim_profile_normalize(struct sim *s, json_t *p, char *err, size_t errlen)
{
	int64_t now = sim_now_ms();

	(void)s;
	if (!json_is_object(p))
		return fail(err, errlen, "a profile must be a JSON object");
	sim_obj(p, "sim");
	if (norm_pve(p, now, err, errlen) != 0 || norm_pbs(p, now, err, errlen) != 0 ||
	    norm_pmg(p, now, err, errlen) != 0)
		return -1;
	json_object_set_new(p, "tasks", json_array());
	return 0;
}

int
sim_profile_load(struct sim *s, json_t **out, const char *file, char *err, size_t errlen)
{
	json_error_t je;
	json_t *p = json_load_file(file, 0, &je);

	*out = NULL;
	if (p == NULL) {
		snprintf(err, errlen, "profile %s: %s (line %d, column %d)", file, je.text, je.line,
		    je.column);
		return -1;
	}
	if (sim_profile_normalize(s, p, err, errlen) != 0) {
		char tmp[1024];
		snprintf(tmp, sizeof tmp, "profile %s: %s", file, err);
		snprintf(err, errlen, "%s", tmp);
		json_decref(p);
		return -1;
	}
	*out = p;
	return 0;
}

/* ------------------------------------------------------------ generator */

static uint64_t
gen_rand(uint64_t *st)
{
	uint64_t x = *st;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*st = x;
	return x;
}

static int
parse_spec(const char *spec, long *nodes, long *guests, unsigned long *seed, char *err,
    size_t errlen)
{
	char *copy = strdup(spec), *tok, *save = NULL, *eq, *end;
	long v;
	int r = 0;

	*nodes = 3;
	*guests = 30;
	*seed = 1;
	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(tok, '=')) == NULL) {
			snprintf(err, errlen, "--generate: '%s' is not key=value (accepted: nodes=N, "
			    "guests=M, seed=S)", tok);
			r = -1;
			break;
		}
		*eq = '\0';
		v = strtol(eq + 1, &end, 10);
		if (*end || v < 0) {
			snprintf(err, errlen, "--generate: %s=%s is not a non-negative integer", tok, eq + 1);
			r = -1;
			break;
		}
		if (strcmp(tok, "nodes") == 0 && v >= 1 && v <= 10000)
			*nodes = v;
		else if (strcmp(tok, "guests") == 0 && v <= 1000000)
			*guests = v;
		else if (strcmp(tok, "seed") == 0)
			*seed = (unsigned long)v;
		else {
			snprintf(err, errlen, "--generate: unknown or out-of-range '%s' (accepted: "
			    "nodes=1..10000, guests=0..1000000, seed=S)", tok);
			r = -1;
			break;
		}
	}
	free(copy);
	return r;
}

int
sim_profile_generate(struct sim *s, json_t **out, const char *spec, char *err, size_t errlen)
{
	long nodes, guests, i;
	unsigned long seed;
	uint64_t st;
	json_t *p, *pve, *nd, *gs, *g, *cfg;
	char name[64], vmid[32], val[256];

	*out = NULL;
	if (parse_spec(spec, &nodes, &guests, &seed, err, errlen) != 0)
		return -1;
	st = 0x2545F4914F6CDD1DULL ^ ((uint64_t)seed * 0x9E3779B97F4A7C15ULL);
	p = json_object();
	pve = sim_obj(p, "pve");
	json_object_set_new(pve, "cluster", json_pack("{s:s}", "name", "generated"));
	nd = sim_obj(pve, "nodes");
	for (i = 0; i < nodes; i++) {
		snprintf(name, sizeof name, "pve%ld", i + 1);
		snprintf(val, sizeof val, "10.%ld.%ld.%ld", (i + 11) / 65536 % 256,
		    (i + 11) / 256 % 256, (i + 11) % 256);
		json_object_set_new(nd, name, json_pack("{s:s, s:I}", "ip", val, "maxcpu",
		    (json_int_t)(16 << (gen_rand(&st) % 3))));
	}
	json_object_set_new(pve, "storage", json_pack("{s:{s:s,s:s,s:s}, s:{s:s,s:s,s:s,s:s},"
	    " s:{s:s,s:s,s:s,s:i,s:I,s:I}}",
	    "local", "type", "dir", "path", "/var/lib/vz", "content", "iso,vztmpl,backup",
	    "local-lvm", "type", "lvmthin", "vgname", "pve", "thinpool", "data",
	    "content", "images,rootdir",
	    "ceph-vm", "type", "rbd", "pool", "vm", "content", "images,rootdir", "shared", 1,
	    "total", (json_int_t)(200000 * GiB), "used", (json_int_t)(41000 * GiB)));
	gs = sim_obj(pve, "guests");
	for (i = 0; i < guests; i++) {
		uint64_t r = gen_rand(&st);
		int lxc = r % 5 == 0;
		int running = (r >> 8) % 10 < 7;
		const char *store = (r >> 16) % 3 == 0 ? "local-lvm" : "ceph-vm";

		snprintf(vmid, sizeof vmid, "%ld", 100 + i);
		snprintf(name, sizeof name, "pve%ld", i % nodes + 1);
		g = json_pack("{s:s, s:s, s:s, s:I}", "type", lxc ? "lxc" : "qemu", "node", name,
		    "status", running ? "running" : "stopped", "uptime",
		    (json_int_t)(running ? 600 + (r >> 20) % 2000000 : 0));
		cfg = sim_obj(g, "config");
		snprintf(val, sizeof val, "%s-%ld", lxc ? "ct" : "vm", 100 + i);
		json_object_set_new(cfg, lxc ? "hostname" : "name", json_string(val));
		json_object_set_new(cfg, "memory", json_integer(512 << ((r >> 24) % 5)));
		json_object_set_new(cfg, "cores", json_integer(1 << ((r >> 28) % 3)));
		if (lxc) {
			snprintf(val, sizeof val, "%s:subvol-%ld-disk-0,size=8G", store, 100 + i);
			json_object_set_new(cfg, "rootfs", json_string(val));
			snprintf(val, sizeof val, "name=eth0,bridge=vmbr0,hwaddr=BC:24:11:%02X:%02X:%02X,"
			    "ip=dhcp,type=veth", (unsigned)((i >> 16) & 0xff), (unsigned)((i >> 8) & 0xff),
			    (unsigned)(i & 0xff));
			json_object_set_new(cfg, "net0", json_string(val));
		} else {
			snprintf(val, sizeof val, "%s:vm-%ld-disk-0,iothread=1,size=32G", store, 100 + i);
			json_object_set_new(cfg, "scsi0", json_string(val));
			json_object_set_new(cfg, "scsihw", json_string("virtio-scsi-single"));
			json_object_set_new(cfg, "boot", json_string("order=scsi0;net0"));
			snprintf(val, sizeof val, "virtio=BC:24:11:%02X:%02X:%02X,bridge=vmbr0,firewall=1",
			    (unsigned)((i >> 16) & 0xff), (unsigned)((i >> 8) & 0xff),
			    (unsigned)(i & 0xff));
			json_object_set_new(cfg, "net0", json_string(val));
			snprintf(val, sizeof val, "uuid=%08lx-0000-4000-8000-%012lx", (unsigned long)r & 0xffffffff,
			    (unsigned long)(100 + i));
			json_object_set_new(cfg, "smbios1", json_string(val));
		}
		json_object_set_new(gs, vmid, g);
	}
	json_object_set_new(pve, "access", json_pack("{s:[{s:s,s:s,s:i}], s:[{s:s,s:s,s:s}]}",
	    "tokens", "userid", "root@pam", "tokenid", "proximo", "privsep", 0,
	    "acl", "path", "/", "ugid", "root@pam!proximo", "roleid", "Administrator"));
	json_object_set_new(p, "pbs", json_pack("{s:{s:{s:[]}}, s:{s:[{s:s,s:s}], s:[{s:s,s:s,s:s}]}}",
	    "datastores", "store1", "snapshots",
	    "access", "tokens", "userid", "root@pam", "tokenid", "proximo",
	    "acl", "path", "/", "ugid", "root@pam!proximo", "roleid", "Admin"));
	if (sim_profile_normalize(s, p, err, errlen) != 0) {
		json_decref(p);
		return -1;
	}
	*out = p;
	return 0;
}
