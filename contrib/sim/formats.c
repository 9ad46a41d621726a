/**
 * @file formats.c
 * @brief proximo-sim: named formats, with the messages PVE's JSONSchema uses.
 *
 * The formats a client meets daily are implemented exactly (node names,
 * VM IDs, config IDs, storage IDs, user and token IDs, addresses, CIDRs,
 * MAC addresses, sizes...).  "-list" and "-opt" suffixes behave as in
 * PVE::JSONSchema::check_format.  Formats the simulator does not know are
 * reported as unknown and accepted.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"

size_t
sim_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* POSIX extended regex match of the whole string (the formats below are
 * simple enough for ERE; PCRE is kept for the schemas' own patterns). */
static int
ere(const char *re, const char *s)
{
	regex_t rx;
	int ok;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	ok = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

static int
is_ipv4(const char *s)
{
	struct in_addr a;

	/* inet_pton rejects leading zeros and short forms, as PVE's $IPV4RE. */
	return inet_pton(AF_INET, s, &a) == 1;
}

static int
is_ipv6(const char *s)
{
	struct in6_addr a;

	return strchr(s, ':') && inet_pton(AF_INET6, s, &a) == 1;
}

static int
cidr_ok(const char *s, int v6)
{
	char buf[128];
	const char *slash = strchr(s, '/');
	char *end;
	long bits;
	size_t n;

	if (slash == NULL || (n = (size_t)(slash - s)) >= sizeof buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!isdigit((unsigned char)slash[1]))
		return 0;
	bits = strtol(slash + 1, &end, 10);
	if (*end)
		return 0;
	if (v6)
		return is_ipv6(buf) && bits > 7 && bits <= 128;
	return is_ipv4(buf) && bits > 7 && bits <= 32;
}

static int
dns_name(const char *s)
{
	return ere("^(([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)\\.)*"
	    "([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$", s);
}

static int
configid(const char *s)
{
	return ere("^[a-zA-Z][a-zA-Z0-9_-]+$", s);
}

static int
username(const char *s)
{
	size_t n = strlen(s);

	return n >= 3 && n <= 64 &&
	    ere("^[^[:space:]:/]+@[A-Za-z][A-Za-z0-9._-]+$", s);
}

static int
size_ok(const char *s)
{
	return ere("^[0-9]+(\\.[0-9]+)?[KMGT]?$", s);
}

typedef int check_fn(const char *v, char *msg, size_t msglen);

#define FAIL(...) do { snprintf(msg, msglen, __VA_ARGS__); return 0; } while (0)

static int
f_vmid(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[1-9][0-9]{2,8}$", v))
		FAIL("value does not look like a valid VM ID\n");
	return 1;
}

static int
f_node(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$", v))
		FAIL("value does not look like a valid node name\n");
	return 1;
}

static int
f_configid(const char *v, char *msg, size_t msglen)
{
	if (!configid(v))
		FAIL("invalid configuration ID '%s'\n", v);
	return 1;
}

static int
f_storage_id(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[a-zA-Z][a-zA-Z0-9_.-]*[a-zA-Z0-9]$", v))
		FAIL("storage ID '%s' contains illegal characters\n", v);
	return 1;
}

static int
f_bridge_id(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[-_.[:alnum:]]+$", v))
		FAIL("invalid bridge ID '%s'\n", v);
	return 1;
}

static int
f_poolid(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+){0,2}$", v))
		FAIL("pool name '%s' contains invalid characters\n", v);
	return 1;
}

static int
f_groupid(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[A-Za-z0-9._-]+$", v))
		FAIL("group name '%s' contains invalid characters\n", v);
	return 1;
}

static int
f_roleid(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[A-Za-z0-9._-]+$", v))
		FAIL("role name '%s' contains invalid characters\n", v);
	return 1;
}

static int
f_realm(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[A-Za-z][A-Za-z0-9._-]+$", v))
		FAIL("value '%s' does not look like a valid realm\n", v);
	return 1;
}

static int
f_userid(const char *v, char *msg, size_t msglen)
{
	size_t n = strlen(v);

	if (n < 3)
		FAIL("user name '%s' is too short\n", v);
	if (n > 64)
		FAIL("user name '%s' is too long (%zu > 64)\n", v, n);
	if (!username(v))
		FAIL("value '%s' does not look like a valid user name\n", v);
	return 1;
}

static int
f_tokenid(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[A-Za-z][A-Za-z0-9._-]+$", v) &&
	    !ere("^[^[:space:]:/]+@[A-Za-z][A-Za-z0-9._-]+![A-Za-z][A-Za-z0-9._-]+$", v))
		FAIL("invalid token ID '%s'\n", v);
	return 1;
}

static int
f_ip(const char *v, char *msg, size_t msglen)
{
	if (!is_ipv4(v) && !is_ipv6(v))
		FAIL("value does not look like a valid IP address\n");
	return 1;
}

static int
f_ipv4(const char *v, char *msg, size_t msglen)
{
	if (!is_ipv4(v))
		FAIL("value does not look like a valid IPv4 address\n");
	return 1;
}

static int
f_ipv6(const char *v, char *msg, size_t msglen)
{
	if (!is_ipv6(v))
		FAIL("value does not look like a valid IPv6 address\n");
	return 1;
}

static int
f_cidr(const char *v, char *msg, size_t msglen)
{
	if (!cidr_ok(v, 0) && !cidr_ok(v, 1))
		FAIL("value does not look like a valid CIDR network\n");
	return 1;
}

static int
f_cidrv4(const char *v, char *msg, size_t msglen)
{
	if (!cidr_ok(v, 0))
		FAIL("value does not look like a valid IPv4 CIDR network\n");
	return 1;
}

static int
f_cidrv6(const char *v, char *msg, size_t msglen)
{
	if (!cidr_ok(v, 1))
		FAIL("value does not look like a valid IPv6 CIDR network\n");
	return 1;
}

static int
f_ip_or_cidr(const char *v, char *msg, size_t msglen)
{
	if (!is_ipv4(v) && !is_ipv6(v) && !cidr_ok(v, 0) && !cidr_ok(v, 1))
		FAIL("value does not look like a valid IP address or CIDR network\n");
	return 1;
}

static int
f_ipv4mask(const char *v, char *msg, size_t msglen)
{
	struct in_addr a;
	uint32_t m;

	if (inet_pton(AF_INET, v, &a) != 1)
		FAIL("value does not look like a valid IP netmask\n");
	m = ntohl(a.s_addr);
	if (m != 0 && (~m & (~m + 1)) != 0)
		FAIL("value does not look like a valid IP netmask\n");
	return 1;
}

static int
f_mac(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[a-fA-F0-9][02468aceACE](:[a-fA-F0-9]{2}){5}$", v))
		FAIL("value does not look like a valid unicast MAC address\n");
	return 1;
}

static int
f_dns(const char *v, char *msg, size_t msglen)
{
	if (!dns_name(v))
		FAIL("value does not look like a valid DNS name\n");
	return 1;
}

static int
f_address(const char *v, char *msg, size_t msglen)
{
	if (!is_ipv4(v) && !is_ipv6(v) && !dns_name(v))
		FAIL("value does not look like a valid address: %s\n", v);
	return 1;
}

static int
f_email(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[^[:space:]@]+@[^[:space:]@]+$", v))
		FAIL("value does not look like a valid email address\n");
	return 1;
}

static int
f_email_or_username(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[^[:space:]@]+@[^[:space:]@]+$", v) && !ere("^[^[:space:]:/]+$", v))
		FAIL("value does not look like a valid email address or user name\n");
	return 1;
}

static int
f_iface(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[a-zA-Z][a-zA-Z0-9_]{1,20}([:.][0-9]+)?$", v))
		FAIL("invalid network interface name '%s'\n", v);
	return 1;
}

static int
f_disk_size(const char *v, char *msg, size_t msglen)
{
	if (!size_ok(v))
		FAIL("value does not look like a valid disk size: %s\n", v);
	return 1;
}

static int
f_startup(const char *v, char *msg, size_t msglen)
{
	char *dup = strdup(v), *p, *save = NULL;
	int ok = dup != NULL && *v;

	for (p = dup ? strtok_r(dup, ",", &save) : NULL; p && ok;
	    p = strtok_r(NULL, ",", &save)) {
		if (!ere("^[[:space:]]*$", p) && !ere("^(order=)?[0-9]+$", p) &&
		    !ere("^up=[0-9]+$", p) && !ere("^down=[0-9]+$", p))
			ok = 0;
	}
	free(dup);
	if (!ok)
		FAIL("unable to parse startup options\n");
	return 1;
}

static int
f_tag(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[a-zA-Z0-9_][a-zA-Z0-9_+.-]*$", v))
		FAIL("invalid characters in tag\n");
	return 1;
}

static int
f_urlencoded(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[-%a-zA-Z0-9_.!~*'()]*$", v))
		FAIL("invalid urlencoded string: %s\n", v);
	return 1;
}

static int
f_volume_id(const char *v, char *msg, size_t msglen)
{
	if (!ere("^([a-zA-Z][a-zA-Z0-9_.-]*[a-zA-Z0-9]):(.+)$", v))
		FAIL("unable to parse volume ID '%s'\n", v);
	return 1;
}

static int
f_vlan(const char *v, char *msg, size_t msglen)
{
	long a, b = 0;
	char *end;

	if (!ere("^[0-9]+(-[0-9]+)?$", v))
		FAIL("invalid VLAN configuration '%s'\n", v);
	a = strtol(v, &end, 10);
	if (*end == '-')
		b = strtol(end + 1, NULL, 10);
	if (a < 2 || a > 4094)
		FAIL("invalid VLAN tag '%ld'\n", a);
	if (*end == '-' && (b < 2 || b > 4094))
		FAIL("invalid VLAN tag '%ld'\n", b);
	if (*end == '-' && a >= b)
		FAIL("VLAN range must go from lower to higher tag '%s'\n", v);
	return 1;
}

static int
f_content(const char *v, char *msg, size_t msglen)
{
	static const char *const ok[] = { "images", "rootdir", "vztmpl", "iso",
	    "backup", "snippets", "import", "none", NULL };
	int i;

	for (i = 0; ok[i]; i++)
		if (strcmp(v, ok[i]) == 0)
			return 1;
	FAIL("invalid content type '%s'\n", v);
}

static int
f_task_status(const char *v, char *msg, size_t msglen)
{
	if (!ere("^(ok|error|warning|unknown|OK|ERROR|WARNING|UNKNOWN)$", v))
		FAIL("invalid status '%s'\n", v);
	return 1;
}

static int
f_pmg_userid(const char *v, char *msg, size_t msglen)
{
	if (!ere("^[^[:space:]:/@]{1,32}@(pam|pmg|quarantine|[A-Za-z][A-Za-z0-9._-]+)$", v))
		FAIL("value '%s' does not look like a valid user name\n", v);
	return 1;
}

static int
f_transport_domain(const char *v, char *msg, size_t msglen)
{
	if (!ere("^(\\*\\.)?([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\\.)*"
	    "[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$", v) && !is_ipv4(v))
		FAIL("value does not look like a valid transport domain\n");
	return 1;
}

static int
f_any(const char *v, char *msg, size_t msglen)
{
	(void)v;
	(void)msg;
	(void)msglen;
	return 1;
}

static const struct {
	const char	*name;
	check_fn	*fn;
} formats[] = {
	{ "pve-vmid", f_vmid },
	{ "pve-node", f_node },
	{ "pve-configid", f_configid },
	{ "pve-storage-id", f_storage_id },
	{ "pve-bridge-id", f_bridge_id },
	{ "pve-poolid", f_poolid },
	{ "pve-groupid", f_groupid },
	{ "pve-roleid", f_roleid },
	{ "pve-realm", f_realm },
	{ "pmg-realm", f_realm },
	{ "pve-userid", f_userid },
	{ "pve-tokenid", f_tokenid },
	{ "ip", f_ip },
	{ "ipv4", f_ipv4 },
	{ "ipv6", f_ipv6 },
	{ "CIDR", f_cidr },
	{ "CIDRv4", f_cidrv4 },
	{ "CIDRv6", f_cidrv6 },
	{ "IPorCIDR", f_ip_or_cidr },
	{ "ipv4mask", f_ipv4mask },
	{ "mac-addr", f_mac },
	{ "dns-name", f_dns },
	{ "address", f_address },
	{ "email", f_email },
	{ "email-or-username", f_email_or_username },
	{ "pve-iface", f_iface },
	{ "disk-size", f_disk_size },
	{ "pve-startup-order", f_startup },
	{ "pve-tag", f_tag },
	{ "urlencoded", f_urlencoded },
	{ "pve-volume-id", f_volume_id },
	{ "pve-vlan-id-or-range", f_vlan },
	{ "pve-storage-content", f_content },
	{ "pve-task-status-type", f_task_status },
	{ "pmg-userid", f_pmg_userid },
	{ "transport-domain", f_transport_domain },
	{ "string", f_any },
	{ "pve-calendar-event", f_any },
};

int
sim_format_check(const char *format, const char *value, char *msg, size_t msglen)
{
	char base[64];
	const char *suffix = NULL;
	size_t n = strlen(format), i;
	check_fn *fn = NULL;

	msg[0] = '\0';
	if (n > 5 && strcmp(format + n - 5, "-list") == 0)
		suffix = "list", n -= 5;
	else if (n > 4 && strcmp(format + n - 4, "-opt") == 0)
		suffix = "opt", n -= 4;
	if (n >= sizeof base)
		return -1;
	memcpy(base, format, n);
	base[n] = '\0';
	for (i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (strcmp(formats[i].name, base) == 0)
			fn = formats[i].fn;
	if (fn == NULL) {
		/* "pve-storage-content-list" style names are registered whole. */
		for (i = 0; i < sizeof formats / sizeof formats[0]; i++)
			if (strcmp(formats[i].name, format) == 0)
				return formats[i].fn(value, msg, msglen);
		return -1;
	}
	if (suffix && strcmp(suffix, "opt") == 0)
		return *value ? fn(value, msg, msglen) : 1;
	if (suffix) {
		/* split_list: commas, semicolons, whitespace and NULs. */
		const char *p = value;
		char item[512];
		size_t k;

		while (*p) {
			p += strspn(p, ",; \t\r\n");
			k = strcspn(p, ",; \t\r\n");
			if (k == 0)
				break;
			if (k >= sizeof item)
				k = sizeof item - 1;
			memcpy(item, p, k);
			item[k] = '\0';
			if (!fn(item, msg, msglen))
				return 0;
			p += k;
		}
		return 1;
	}
	return fn(value, msg, msglen);
}
