/**
 * @file pve_node.c
 * @brief proximo-sim: a PVE node's own configuration and actions: time
 *        zone, DNS, /etc/hosts (with its digest), systemd services and
 *        their control tasks, syslog and journal, disks and SMART, APT
 *        (updates, refresh, versions), subscription, RRD history, the TLS
 *        certificate, the bulk actions (startall, stopall, migrateall) and
 *        downloads into a storage.
 *
 * The state lives on the node record (state.pve.nodes.<node>): timezone,
 * dns, hosts, services {name: state}, disks, syslog, apt; defaults are
 * filled by pve_node_defaults() when the profile is normalised.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handlers.h"
#include "pve.h"
#include "schema.h"
#include "state.h"
#include "tasks.h"

#define GiB	(1024LL * 1024 * 1024)
#define DIGEST_MISMATCH "detected modified configuration - file changed by other user? Try again.\n"

/* The services PVE's API knows (GET /nodes/{node}/services/{service}),
 * with their descriptions; all run on a healthy node except the
 * nftables firewall, which is opt-in. */
static const struct {
	const char	*name;
	const char	*desc;
} services[] = {
	{ "chrony", "chrony, an NTP client/server" },
	{ "corosync", "Corosync Cluster Engine" },
	{ "cron", "Regular background program processing daemon" },
	{ "ksmtuned", "Kernel Samepage Merging (KSM) Tuning Daemon" },
	{ "lxcfs", "FUSE filesystem for LXC" },
	{ "postfix", "Postfix Mail Transport Agent (instance -)" },
	{ "proxmox-firewall", "Proxmox nftables firewall" },
	{ "pve-cluster", "The Proxmox VE cluster filesystem" },
	{ "pve-firewall", "Proxmox VE firewall" },
	{ "pve-ha-crm", "PVE Cluster HA Resource Manager Daemon" },
	{ "pve-ha-lrm", "PVE Local HA Resource Manager Daemon" },
	{ "pve-lxc-syscalld", "Proxmox VE LXC Syscall Daemon" },
	{ "pvedaemon", "PVE API Daemon" },
	{ "pvefw-logger", "Proxmox VE firewall logger" },
	{ "pveproxy", "PVE API Proxy Server" },
	{ "pvescheduler", "Proxmox VE scheduler" },
	{ "pvestatd", "PVE Status Daemon" },
	{ "qmeventd", "PVE Qemu Event Daemon" },
	{ "spiceproxy", "PVE SPICE Proxy Server" },
	{ "sshd", "OpenBSD Secure Shell server" },
	{ "syslog", "System Logging Service" },
	{ "systemd-journald", "Journal Service" },
	{ "systemd-timesyncd", "Network Time Synchronization" },
};

#define NSERVICES	(sizeof services / sizeof services[0])

void
pve_node_defaults(json_t *n, const char *name, const char *cluster)
{
	json_t *sv, *vmbr = json_object_get(json_object_get(n, "network"), "vmbr0");
	const char *ip = json_string_value(json_object_get(n, "ip"));
	const char *gw = json_string_value(json_object_get(vmbr, "gateway"));
	char search[160], hosts[1024];
	size_t i;

	snprintf(search, sizeof search, "%s.lan", cluster && *cluster ? cluster : "pve");
	snprintf(hosts, sizeof hosts, "127.0.0.1 localhost.localdomain localhost\n"
	    "%s %s.%s %s\n\n"
	    "# The following lines are desirable for IPv6 capable hosts\n"
	    "::1     ip6-localhost ip6-loopback\nfe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\n"
	    "ff02::1 ip6-allnodes\nff02::2 ip6-allrouters\nff02::3 ip6-allhosts\n",
	    ip ? ip : "10.0.0.11", name, search, name);
	sim_setdef(n, "timezone", json_string("UTC"));
	sim_setdef(n, "dns", gw ? json_pack("{s:s, s:s}", "search", search, "dns1", gw) :
	    json_pack("{s:s}", "search", search));
	sim_setdef(n, "hosts", json_string(hosts));
	sv = json_object();
	for (i = 0; i < NSERVICES; i++)
		json_object_set_new(sv, services[i].name, json_string(
		    strcmp(services[i].name, "proxmox-firewall") == 0 ? "dead" : "running"));
	sim_setdef(n, "services", sv);
	sim_setdef(n, "disks", json_pack("[{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:i, s:s, s:i},"
	    " {s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:i, s:s, s:i}]",
	    "devpath", "/dev/sda", "model", "SAMSUNG_MZ7L3480HCHQ-00A07", "serial", "S664NE0R812345",
	    "vendor", "ATA", "size", (json_int_t)480000000000LL, "type", "ssd",
	    "health", "PASSED", "wearout", 97, "used", "BIOS boot", "gpt", 1,
	    "devpath", "/dev/nvme0n1", "model", "SAMSUNG MZQL23T8HCLS-00A07", "serial",
	    "S64HNE0T600123", "vendor", "unknown", "size", (json_int_t)3840000000000LL,
	    "type", "nvme", "health", "PASSED", "wearout", 99, "used", "LVM", "gpt", 1));
	sim_setdef(n, "syslog", json_pack("[s,s,s,s]",
	    "systemd[1]: Started pvedaemon.service - PVE API Daemon.",
	    "systemd[1]: Started pveproxy.service - PVE API Proxy Server.",
	    "pvestatd[1422]: status update time (0.512 seconds)",
	    "pmxcfs[1198]: [status] notice: received log"));
	sim_setdef(n, "apt", json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s},"
	    " {s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}], s:i}",
	    "updates",
	    "Package", "pve-manager", "Version", "9.0.5", "OldVersion", "9.0.3", "Arch", "amd64",
	    "Origin", "Proxmox", "Priority", "important", "Section", "admin",
	    "Title", "Proxmox Virtual Environment Management Tools",
	    "Description", "Proxmox Virtual Environment Management Tools",
	    "Package", "openssl", "Version", "3.5.1-1+deb13u1", "OldVersion", "3.5.1-1",
	    "Arch", "amd64", "Origin", "Debian", "Priority", "optional", "Section", "utils",
	    "Title", "Secure Sockets Layer toolkit - cryptographic utility",
	    "Description", "Secure Sockets Layer toolkit - cryptographic utility",
	    "last_update", 0));
}

static json_t *
pve(struct sim_req *rq)
{
	return json_object_get(rq->sim->state, "pve");
}

static json_t *
node_of(struct sim_req *rq)
{
	return st_pve_node(rq->sim, sim_param_str(rq, "node"));
}

/* A line in the node's syslog, stamped like journald's short format. */
static void
syslog_add(struct sim *s, json_t *n, int64_t now_ms, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
syslog_add(struct sim *s, json_t *n, int64_t now_ms, const char *fmt, ...)
{
	char msg[512], stamp[64], line[700];
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;
	va_list ap;

	(void)s;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%b %d %H:%M:%S", &tm);
	snprintf(line, sizeof line, "%s %s", stamp, msg);
	json_array_append_new(sim_arr(n, "syslog"), json_string(line));
}

/* ------------------------------------------------------------ time, DNS */

static void
h_time_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *n = node_of(rq);
	long long now = rq->now_ms / 1000;

	/* The simulator keeps UTC: localtime equals time whatever the zone. */
	sim_ok(rs, json_pack("{s:O, s:I, s:I}", "timezone", json_object_get(n, "timezone"),
	    "time", (json_int_t)now, "localtime", (json_int_t)now));
}

static int
zone_name_ok(const char *tz)
{
	const char *p;

	if (strcmp(tz, "UTC") == 0)
		return 1;
	/* Area/Location[/Sub], as below /usr/share/zoneinfo */
	if (tz[0] < 'A' || tz[0] > 'Z' || strchr(tz, '/') == NULL || strstr(tz, ".."))
		return 0;
	for (p = tz; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '/' || *p == '_' || *p == '-' || *p == '+'))
			return 0;
	return 1;
}

static void
h_time_set(struct sim_req *rq, struct sim_resp *rs)
{
	const char *tz = sim_param_str(rq, "timezone");

	if (!zone_name_ok(tz)) {
		sim_err(rs, 500, "Invalid timezone\n");
		return;
	}
	json_object_set_new(node_of(rq), "timezone", json_string(tz));
	sim_ok(rs, json_null());
}

static void
h_dns_get(struct sim_req *rq, struct sim_resp *rs)
{
	sim_ok(rs, json_deep_copy(json_object_get(node_of(rq), "dns")));
}

/* PUT /nodes/{node}/dns rewrites resolv.conf: servers not given go. */
static void
h_dns_set(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *dns = json_pack("{s:s}", "search", sim_param_str(rq, "search"));
	const char *k[] = { "dns1", "dns2", "dns3" };
	size_t i;

	for (i = 0; i < 3; i++)
		if (sim_param_str(rq, k[i]))
			json_object_set_new(dns, k[i], json_string(sim_param_str(rq, k[i])));
	json_object_set_new(node_of(rq), "dns", dns);
	sim_ok(rs, json_null());
}

static void
h_hosts_get(struct sim_req *rq, struct sim_resp *rs)
{
	const char *data = json_string_value(json_object_get(node_of(rq), "hosts"));
	char d[41];

	data = data ? data : "";
	sim_sha1_hex(d, data, strlen(data));
	sim_ok(rs, json_pack("{s:s, s:s}", "data", data, "digest", d));
}

static void
h_hosts_set(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *n = node_of(rq);
	const char *cur = json_string_value(json_object_get(n, "hosts"));
	const char *want = sim_param_str(rq, "digest");
	char d[41];

	cur = cur ? cur : "";
	sim_sha1_hex(d, cur, strlen(cur));
	if (want && strcmp(want, d) != 0) {
		sim_err(rs, 500, DIGEST_MISMATCH);
		return;
	}
	json_object_set_new(n, "hosts", json_string(sim_param_str(rq, "data")));
	sim_ok(rs, json_null());
}

/* ------------------------------------------------------------ services */

static int
service_index(const char *name)
{
	size_t i;

	for (i = 0; name && i < NSERVICES; i++)
		if (strcmp(services[i].name, name) == 0)
			return (int)i;
	return -1;
}

static json_t *
service_entry(json_t *n, size_t i)
{
	const char *st = json_string_value(json_object_get(json_object_get(n, "services"),
	    services[i].name));
	int running = st && strcmp(st, "running") == 0;

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "service", services[i].name, "name",
	    services[i].name, "desc", services[i].desc, "state", running ? "running" : "dead",
	    "active-state", running ? "active" : "inactive", "unit-state",
	    strcmp(services[i].name, "proxmox-firewall") == 0 && !running ? "disabled" : "enabled");
}

static void
h_services(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *n = node_of(rq), *out = json_array();
	size_t i;

	for (i = 0; i < NSERVICES; i++)
		json_array_append_new(out, service_entry(n, i));
	sim_ok(rs, out);
}

static void
h_service_state(struct sim_req *rq, struct sim_resp *rs)
{
	int i = service_index(sim_param_str(rq, "service"));

	if (i < 0) {
		sim_err(rs, 500, "unknown service '%s'\n", sim_param_str(rq, "service"));
		return;
	}
	sim_ok(rs, service_entry(node_of(rq), (size_t)i));
}

static void
fx_service(struct sim *s, json_t *task, json_t *args, int ok)
{
	const char *node = json_string_value(json_object_get(args, "node"));
	const char *svc = json_string_value(json_object_get(args, "service"));
	const char *action = json_string_value(json_object_get(args, "action"));
	json_t *n = st_pve_node(s, node);
	int i = service_index(svc);
	long long end = sim_json_int(json_object_get(task, "start_ms"), 0) +
	    sim_json_int(json_object_get(task, "duration_ms"), 0);

	if (!ok || n == NULL || i < 0 || action == NULL)
		return;
	if (strcmp(action, "stop") == 0) {
		json_object_set_new(sim_obj(n, "services"), svc, json_string("dead"));
		syslog_add(s, n, end, "systemd[1]: Stopped %s.service - %s.", svc, services[i].desc);
	} else {
		json_object_set_new(sim_obj(n, "services"), svc, json_string("running"));
		syslog_add(s, n, end, "systemd[1]: %s %s.service - %s.",
		    strcmp(action, "reload") == 0 ? "Reloaded" : "Started", svc, services[i].desc);
	}
}

static void
service_action(struct sim_req *rq, struct sim_resp *rs, const char *action)
{
	const char *node = sim_param_str(rq, "node"), *svc = sim_param_str(rq, "service");
	json_t *task;
	char type[32];

	if (service_index(svc) < 0) {
		sim_err(rs, 500, "unknown service '%s'\n", svc);
		return;
	}
	snprintf(type, sizeof type, "srv%s", action);
	task = sim_task_start(rq, node, type, svc);
	sim_task_log(task, "%s %s.service", strcmp(action, "stop") == 0 ? "stopping" :
	    strcmp(action, "reload") == 0 ? "reloading" : strcmp(action, "restart") == 0 ?
	    "restarting" : "starting", svc);
	sim_task_set_fx(task, "pve_service", json_pack("{s:s, s:s, s:s}", "node", node,
	    "service", svc, "action", action));
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void h_srv_start(struct sim_req *rq, struct sim_resp *rs) { service_action(rq, rs, "start"); }
static void h_srv_stop(struct sim_req *rq, struct sim_resp *rs) { service_action(rq, rs, "stop"); }
static void h_srv_restart(struct sim_req *rq, struct sim_resp *rs) { service_action(rq, rs, "restart"); }
static void h_srv_reload(struct sim_req *rq, struct sim_resp *rs) { service_action(rq, rs, "reload"); }

/* ------------------------------------------------------- syslog, journal */

static void
h_syslog(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *lines = json_object_get(node_of(rq), "syslog"), *out = json_array(), *l;
	const char *svc = sim_param_str(rq, "service");
	long long start = 0, limit = 50, n = 0;
	char pat[160];
	size_t i;

	sim_param_int(rq, "start", &start);
	sim_param_int(rq, "limit", &limit);
	snprintf(pat, sizeof pat, " %s[", svc ? svc : "");
	json_array_foreach(lines, i, l) {
		if (svc && strstr(json_string_value(l), pat) == NULL)
			continue;
		if (n >= start && (limit == 0 || n < start + limit))
			json_array_append_new(out, json_pack("{s:I, s:O}", "n", (json_int_t)(n + 1),
			    "t", l));
		n++;
	}
	sim_ok(rs, out);
	rs->attrs = json_pack("{s:I}", "total", (json_int_t)n);
}

static void
h_journal(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *lines = json_object_get(node_of(rq), "syslog"), *out = json_array();
	long long last = 0;
	size_t i, n = json_array_size(lines), from = 0;

	if (sim_param_int(rq, "lastentries", &last) && last >= 0 && (size_t)last < n)
		from = n - (size_t)last;
	for (i = from; i < n; i++)
		json_array_append(out, json_array_get(lines, i));
	sim_ok(rs, out);
}

/* ------------------------------------------------------------ disks */

static void
h_disks_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *d;
	const char *type = sim_param_str(rq, "type");
	int skipsmart = sim_param_bool(rq, "skipsmart", 0);
	size_t i;

	json_array_foreach(json_object_get(node_of(rq), "disks"), i, d) {
		json_t *e;

		if (type && strcmp(type, "unused") == 0 && json_object_get(d, "used"))
			continue;
		if (type && strcmp(type, "journal_disks") == 0 && json_object_get(d, "used") &&
		    strcmp(json_string_value(json_object_get(d, "used")), "LVM") != 0)
			continue;
		e = json_deep_copy(d);
		json_object_set_new(e, "osdid", json_integer(-1));
		json_object_set_new(e, "osdid-list", json_null());
		json_object_set_new(e, "mounted", json_integer(0));
		if (skipsmart)
			json_object_del(e, "health");
		json_array_append_new(out, e);
	}
	sim_ok(rs, out);
}

static void
h_disk_smart(struct sim_req *rq, struct sim_resp *rs)
{
	const char *disk = sim_param_str(rq, "disk");
	json_t *d, *hit = NULL;
	size_t i;

	json_array_foreach(json_object_get(node_of(rq), "disks"), i, d)
		if (strcmp(json_string_value(json_object_get(d, "devpath")), disk) == 0)
			hit = d;
	if (hit == NULL) {
		sim_err(rs, 500, "no such disk '%s'\n", disk);
		return;
	}
	if (sim_param_bool(rq, "healthonly", 0)) {
		sim_ok(rs, json_pack("{s:O}", "health", json_object_get(hit, "health")));
		return;
	}
	if (strcmp(json_string_value(json_object_get(hit, "type")), "nvme") == 0) {
		sim_ok(rs, json_pack("{s:O, s:s, s:s}", "health", json_object_get(hit, "health"),
		    "type", "text", "text", "SMART/Health Information (NVMe Log 0x02)\n"
		    "Critical Warning:                   0x00\nTemperature:                        "
		    "36 Celsius\nAvailable Spare:                    100%\nPercentage Used:        "
		    "            1%\nMedia and Data Integrity Errors:    0\n"));
		return;
	}
	sim_ok(rs, json_pack("{s:O, s:s, s:[{s:i, s:s, s:i, s:i, s:i, s:s, s:s},"
	    " {s:i, s:s, s:i, s:i, s:i, s:s, s:s}, {s:i, s:s, s:i, s:i, s:i, s:s, s:s}]}",
	    "health", json_object_get(hit, "health"), "type", "ata", "attributes",
	    "id", 5, "name", "Reallocated_Sector_Ct", "value", 100, "worst", 100, "threshold", 10,
	    "raw", "0", "flags", "PO--CK",
	    "id", 9, "name", "Power_On_Hours", "value", 98, "worst", 98, "threshold", 0,
	    "raw", "9412", "flags", "-O--CK",
	    "id", 177, "name", "Wear_Leveling_Count", "value", 97, "worst", 97, "threshold", 5,
	    "raw", "31", "flags", "PO--C-"));
}

/* ------------------------------------------------------------ APT */

static void
h_apt_list(struct sim_req *rq, struct sim_resp *rs)
{
	sim_ok(rs, json_deep_copy(json_object_get(json_object_get(node_of(rq), "apt"), "updates")));
}

static void
fx_apt_update(struct sim *s, json_t *task, json_t *args, int ok)
{
	json_t *n = st_pve_node(s, json_string_value(json_object_get(args, "node")));
	long long end = sim_json_int(json_object_get(task, "start_ms"), 0) +
	    sim_json_int(json_object_get(task, "duration_ms"), 0);

	if (!ok || n == NULL)
		return;
	json_object_set_new(sim_obj(n, "apt"), "last_update", json_integer(end / 1000));
}

static void
h_apt_update(struct sim_req *rq, struct sim_resp *rs)
{
	const char *node = sim_param_str(rq, "node");
	json_t *task = sim_task_start(rq, node, "aptupdate", "");

	sim_task_log(task, "starting apt-get update");
	sim_task_log(task, "Hit:1 http://deb.debian.org/debian trixie InRelease");
	sim_task_log(task, "Reading package lists...");
	sim_task_set_fx(task, "pve_apt_update", json_pack("{s:s}", "node", node));
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void
h_apt_versions(struct sim_req *rq, struct sim_resp *rs)
{
	const char *v = json_string_value(json_object_get(json_object_get(pve(rq), "version"),
	    "version"));
	const char *const pkgs[][2] = {
		{ "proxmox-ve", NULL }, { "pve-manager", NULL }, { "proxmox-kernel-helper", "9.0.3" },
		{ "pve-qemu-kvm", "10.0.2-4" }, { "lxc-pve", "6.0.4-2" }, { "pve-cluster", "9.0.6" },
		{ "libpve-storage-perl", "9.0.13" }, { "proxmox-backup-client", "4.0.14-1" },
	};
	json_t *out = json_array();
	size_t i;

	for (i = 0; i < sizeof pkgs / sizeof pkgs[0]; i++)
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		    "Package", pkgs[i][0], "Version", pkgs[i][1] ? pkgs[i][1] : (v ? v : "9.0.3"),
		    "CurrentState", "Installed", "Arch", "amd64", "Origin", "Proxmox", "Priority",
		    "optional", "Section", "admin", "Title", pkgs[i][0], "Description", pkgs[i][0]));
	sim_ok(rs, out);
}

static void
h_subscription(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *sub = json_object_get(node_of(rq), "subscription");

	if (json_is_object(sub)) {
		sim_ok(rs, json_deep_copy(sub));
		return;
	}
	sim_ok(rs, json_pack("{s:s, s:s, s:s}", "status", "notfound", "message",
	    "There is no subscription key", "url",
	    "https://www.proxmox.com/en/proxmox-virtual-environment/pricing"));
}

/* ------------------------------------------------------- RRD, certificate */

static void
h_rrddata(struct sim_req *rq, struct sim_resp *rs)
{
	const char *tf = sim_param_str(rq, "timeframe");
	json_t *n = node_of(rq), *out = json_array();
	long long step = 60, now = rq->now_ms / 1000, t, i;
	long long maxmem = sim_json_int(json_object_get(n, "maxmem"), 64 * GiB);
	long long mem = sim_json_int(json_object_get(n, "mem"), 8 * GiB);
	double cpu = json_is_number(json_object_get(n, "cpu")) ?
	    json_number_value(json_object_get(n, "cpu")) : 0.05;

	if (strcmp(tf, "day") == 0)
		step = 1800;
	else if (strcmp(tf, "week") == 0)
		step = 10800;
	else if (strcmp(tf, "month") == 0)
		step = 43200;
	else if (strcmp(tf, "year") == 0)
		step = 604800;
	else if (strcmp(tf, "decade") == 0)
		step = 6048000;
	t = now - now % step - 69 * step;
	for (i = 0; i < 70; i++, t += step)
		json_array_append_new(out, json_pack("{s:I, s:f, s:I, s:I, s:I, s:f, s:f, s:f}",
		    "time", (json_int_t)t, "cpu", cpu * (0.8 + 0.4 * (double)(i % 7) / 6.0),
		    "maxcpu", (json_int_t)sim_json_int(json_object_get(n, "maxcpu"), 16),
		    "memtotal", (json_int_t)maxmem, "memused", (json_int_t)(mem + (i % 5) * 1048576),
		    "loadavg", 0.2 + (double)(i % 3) / 10.0, "netin", 12000.0 + (double)(i % 11) * 900,
		    "netout", 8000.0 + (double)(i % 13) * 700));
	sim_ok(rs, out);
}

static void
h_certificates(struct sim_req *rq, struct sim_resp *rs)
{
	const char *node = sim_param_str(rq, "node");
	long long now = rq->now_ms / 1000;
	char subject[200], san[200];

	snprintf(subject, sizeof subject, "/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=%s.%s",
	    node, "lan");
	snprintf(san, sizeof san, "DNS:%s", node);
	/* pve-ssl.pem is the certificate the simulator serves. */
	sim_ok(rs, json_pack("[{s:s, s:s, s:s, s:s, s:I, s:I, s:[s,s,s], s:s, s:i}]",
	    "filename", "pve-ssl.pem", "fingerprint", rq->sim->fingerprint, "subject", subject,
	    "issuer", "/CN=Proxmox Virtual Environment/OU=proximo-sim/O=PVE Cluster Manager CA",
	    "notbefore", (json_int_t)(now - 86400), "notafter", (json_int_t)(now + 2 * 365 * 86400),
	    "san", "127.0.0.1", "localhost", san, "public-key-type", "rsaEncryption",
	    "public-key-bits", 2048));
}

/* ------------------------------------------------------------ bulk actions */

/* Guests of a node in VMID order, optionally restricted to a "vms" list. */
static json_t *
node_guests(struct sim_req *rq, const char *node)
{
	json_t *out = json_array(), *g, *want = NULL;
	const char *vmid, *vms = sim_param_str(rq, "vms");
	size_t i;

	if (vms)
		want = sim_split_list(vms);
	json_object_foreach(json_object_get(pve(rq), "guests"), vmid, g) {
		int keep = want == NULL;
		json_t *v;

		if (strcmp(json_string_value(json_object_get(g, "node")), node) != 0)
			continue;
		json_array_foreach(want, i, v)
			keep |= strcmp(json_string_value(v), vmid) == 0;
		if (keep)
			json_array_append_new(out, json_string(vmid));
	}
	json_decref(want);
	return out;
}

/* A bulk task ends after the guest tasks it started (PVE's worker waits
 * for them), so its "stopped" means their effects are in place. */
static void
outlast(json_t *bulk, json_t *sub)
{
	long long b = sim_json_int(json_object_get(bulk, "duration_ms"), 0);
	long long d = sim_json_int(json_object_get(sub, "duration_ms"), 0);

	if (d >= b)
		sim_task_duration(bulk, d + 1);
}

/* One guest task the bulk action hands to the guest's own machinery. */
static void
guest_task(struct sim_req *rq, json_t *bulk, const char *vmid, json_t *g, const char *action)
{
	int lxc = strcmp(json_string_value(json_object_get(g, "type")), "lxc") == 0;
	const char *node = json_string_value(json_object_get(g, "node"));
	json_t *t;
	char type[32];

	snprintf(type, sizeof type, "%s%s", lxc ? "vz" : "qm", action);
	t = sim_task_start(rq, node, type, vmid);
	sim_task_set_fx(t, "pve_power", json_pack("{s:s, s:s}", "vmid", vmid, "action", action));
	outlast(bulk, t);
	sim_task_log(bulk, "%s %s %s (%s)", strcmp(action, "start") == 0 ? "Starting" : "Stopping",
	    lxc ? "CT" : "VM", vmid, sim_task_upid(t));
}

static void
h_startall(struct sim_req *rq, struct sim_resp *rs)
{
	const char *node = sim_param_str(rq, "node");
	int force = sim_param_bool(rq, "force", 0) || sim_param_str(rq, "vms") != NULL;
	json_t *list = node_guests(rq, node), *bulk, *v;
	size_t i;

	bulk = sim_task_start(rq, node, "startall", "");
	json_array_foreach(list, i, v) {
		json_t *g = st_pve_guest(rq->sim, json_string_value(v));
		json_t *cfg = json_object_get(g, "config");

		/* onboot guests only, unless forced or named */
		if (strcmp(json_string_value(json_object_get(g, "status")), "stopped") != 0 ||
		    sim_json_truthy(json_object_get(cfg, "template")) ||
		    (!force && !sim_json_truthy(json_object_get(cfg, "onboot"))))
			continue;
		guest_task(rq, bulk, json_string_value(v), g, "start");
	}
	json_decref(list);
	sim_ok(rs, json_string(sim_task_upid(bulk)));
}

static void
h_stopall(struct sim_req *rq, struct sim_resp *rs)
{
	const char *node = sim_param_str(rq, "node");
	json_t *list = node_guests(rq, node), *bulk, *v;
	size_t i;

	bulk = sim_task_start(rq, node, "stopall", "");
	json_array_foreach(list, i, v) {
		json_t *g = st_pve_guest(rq->sim, json_string_value(v));

		if (strcmp(json_string_value(json_object_get(g, "status")), "stopped") == 0)
			continue;
		guest_task(rq, bulk, json_string_value(v), g, "stop");
	}
	json_decref(list);
	sim_ok(rs, json_string(sim_task_upid(bulk)));
}

static int
disks_shared(struct sim *s, json_t *g)
{
	const char *kind = json_string_value(json_object_get(g, "type")), *k;
	json_t *v;

	json_object_foreach(json_object_get(g, "config"), k, v) {
		char *sid;
		json_t *st;
		int shared;

		if (!pve_is_disk_key(kind, k) || !json_is_string(v) ||
		    strstr(json_string_value(v), "media=cdrom"))
			continue;
		sid = pve_disk_storage(json_string_value(v));
		st = sid ? st_pve_storage(s, sid) : NULL;
		shared = st && sim_json_truthy(json_object_get(st, "shared"));
		free(sid);
		if (!shared)
			return 0;
	}
	return 1;
}

static void
h_migrateall(struct sim_req *rq, struct sim_resp *rs)
{
	const char *node = sim_param_str(rq, "node"), *target = sim_param_str(rq, "target");
	json_t *list, *bulk, *v, *tn = st_pve_node(rq->sim, target);
	int local_ok = sim_param_bool(rq, "with-local-disks", 0), failed = 0;
	size_t i;

	if (strcmp(node, target) == 0) {
		sim_err(rs, 400, "Parameter verification failed.\n");
		rs->errors = json_pack("{s:s}", "target", "target is local node.");
		return;
	}
	if (tn == NULL || strcmp(json_string_value(json_object_get(tn, "status")), "online") != 0) {
		sim_err(rs, 500, "target node '%s' is not online\n", target);
		return;
	}
	list = node_guests(rq, node);
	bulk = sim_task_start(rq, node, "migrateall", "");
	json_array_foreach(list, i, v) {
		const char *vmid = json_string_value(v);
		json_t *g = st_pve_guest(rq->sim, vmid), *t;
		int lxc = strcmp(json_string_value(json_object_get(g, "type")), "lxc") == 0;

		if (!local_ok && !disks_shared(rq->sim, g)) {
			sim_task_log(bulk, "%s %s has local disks: not migrated (with-local-disks)",
			    lxc ? "CT" : "VM", vmid);
			failed++;
			continue;
		}
		t = sim_task_start(rq, node, lxc ? "vzmigrate" : "qmigrate", vmid);
		sim_task_set_fx(t, "pve_migrated", json_pack("{s:s, s:s}", "vmid", vmid, "target",
		    target));
		outlast(bulk, t);
		sim_task_log(bulk, "Migrating %s %s to %s (%s)", lxc ? "CT" : "VM", vmid, target,
		    sim_task_upid(t));
	}
	if (failed)
		sim_task_warn(bulk, "%d guest(s) could not be migrated", failed);
	json_decref(list);
	sim_ok(rs, json_string(sim_task_upid(bulk)));
}

/* ------------------------------------------------------------ downloads */

static void
fx_download(struct sim *s, json_t *task, json_t *args, int ok)
{
	json_t *st = st_pve_storage(s, json_string_value(json_object_get(args, "storage")));
	long long end = sim_json_int(json_object_get(task, "start_ms"), 0) +
	    sim_json_int(json_object_get(task, "duration_ms"), 0);

	if (!ok || st == NULL)
		return;
	json_array_append_new(sim_arr(st, "volumes"), json_pack("{s:O, s:O, s:O, s:I, s:I}",
	    "volid", json_object_get(args, "volid"), "content", json_object_get(args, "content"),
	    "format", json_object_get(args, "format"), "size", (json_int_t)(512 * 1024 * 1024),
	    "ctime", (json_int_t)(end / 1000)));
}

static void
h_download_url(struct sim_req *rq, struct sim_resp *rs)
{
	const char *node = sim_param_str(rq, "node"), *sid = sim_param_str(rq, "storage");
	const char *content = sim_param_str(rq, "content"), *file = sim_param_str(rq, "filename");
	const char *dir = strcmp(content, "iso") == 0 ? "iso" : strcmp(content, "vztmpl") == 0 ?
	    "vztmpl" : "import", *dot;
	json_t *st = st_pve_storage(rq->sim, sid), *v, *task, *list;
	char volid[600];
	size_t i;
	int has = 0;

	if (st == NULL) {
		sim_err(rs, 500, "storage '%s' does not exist\n", sid);
		return;
	}
	list = sim_split_list(json_string_value(json_object_get(st, "content")));
	json_array_foreach(list, i, v)
		has |= strcmp(json_string_value(v), content) == 0;
	json_decref(list);
	if (!has) {
		sim_err(rs, 500, "storage '%s' is not configured for content-type '%s'\n", sid, content);
		return;
	}
	snprintf(volid, sizeof volid, "%s:%s/%s", sid, dir, file);
	json_array_foreach(json_object_get(st, "volumes"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "volid")), volid) == 0) {
			sim_err(rs, 500, "refusing to override existing file '%s'\n", file);
			return;
		}
	dot = strrchr(file, '.');
	task = sim_task_start(rq, node, "download", file);
	sim_task_log(task, "downloading %s to /var/lib/vz/template/%s/%s",
	    sim_param_str(rq, "url"), dir, file);
	sim_task_log(task, "download of '%s' to '%s' finished", sim_param_str(rq, "url"), volid);
	sim_task_set_fx(task, "pve_download", json_pack("{s:s, s:s, s:s, s:s}", "storage", sid,
	    "volid", volid, "content", content, "format", dot ? dot + 1 : "raw"));
	sim_ok(rs, json_string(sim_task_upid(task)));
}

void
pve_node_register_fx(void)
{
	sim_task_register_fx("pve_service", fx_service);
	sim_task_register_fx("pve_apt_update", fx_apt_update);
	sim_task_register_fx("pve_download", fx_download);
}

void
pve_node_register(struct sim_schema *sc)
{
	sim_bind(sc, "GET", "/nodes/{node}/time", h_time_get);
	sim_bind(sc, "PUT", "/nodes/{node}/time", h_time_set);
	sim_bind(sc, "GET", "/nodes/{node}/dns", h_dns_get);
	sim_bind(sc, "PUT", "/nodes/{node}/dns", h_dns_set);
	sim_bind(sc, "GET", "/nodes/{node}/hosts", h_hosts_get);
	sim_bind(sc, "POST", "/nodes/{node}/hosts", h_hosts_set);
	sim_bind(sc, "GET", "/nodes/{node}/services", h_services);
	sim_bind(sc, "GET", "/nodes/{node}/services/{service}/state", h_service_state);
	sim_bind(sc, "POST", "/nodes/{node}/services/{service}/start", h_srv_start);
	sim_bind(sc, "POST", "/nodes/{node}/services/{service}/stop", h_srv_stop);
	sim_bind(sc, "POST", "/nodes/{node}/services/{service}/restart", h_srv_restart);
	sim_bind(sc, "POST", "/nodes/{node}/services/{service}/reload", h_srv_reload);
	sim_bind(sc, "GET", "/nodes/{node}/syslog", h_syslog);
	sim_bind(sc, "GET", "/nodes/{node}/journal", h_journal);
	sim_bind(sc, "GET", "/nodes/{node}/disks/list", h_disks_list);
	sim_bind(sc, "GET", "/nodes/{node}/disks/smart", h_disk_smart);
	sim_bind(sc, "GET", "/nodes/{node}/apt/update", h_apt_list);
	sim_bind(sc, "POST", "/nodes/{node}/apt/update", h_apt_update);
	sim_bind(sc, "GET", "/nodes/{node}/apt/versions", h_apt_versions);
	sim_bind(sc, "GET", "/nodes/{node}/subscription", h_subscription);
	sim_bind(sc, "GET", "/nodes/{node}/rrddata", h_rrddata);
	sim_bind(sc, "GET", "/nodes/{node}/certificates/info", h_certificates);
	sim_bind(sc, "POST", "/nodes/{node}/startall", h_startall);
	sim_bind(sc, "POST", "/nodes/{node}/stopall", h_stopall);
	sim_bind(sc, "POST", "/nodes/{node}/migrateall", h_migrateall);
	sim_bind(sc, "POST", "/nodes/{node}/storage/{storage}/download-url", h_download_url);
}
