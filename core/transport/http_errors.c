/**
 * @file http_errors.c
 * @brief HTTP answers mapped to errors an agent can act on.
 *
 * Each text says what happened and what fixes it: which credential file
 * (never its contents), which privilege on which ACL path and which
 * built-in role grants it, which parameter Proxmox rejected and why.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "transport/http_int.h"
#include "util/error.h"
#include "util/secret.h"

void
pxm_http_fail(struct pxm_xfer *x, int code, const char *reason,
    const char *fmt, ...)
{
	char body[sizeof x->err->text];
	va_list ap;

	x->rc = code;
	if (x->err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	pxm_error_set(x->err, code, reason, "%s %s %s: %s",
	    x->ep->info->label, x->method, x->path, body);
	pxm_secret_scrub_buf(x->err->text, sizeof x->err->text);
}

/*
 * The built-in PVE roles (pve-access-control, AccessControl.pm:
 * create_roles), reduced to the smallest role that grants each privilege.
 * *.Audit privileges point at PVEAuditor, the read-only role.  The
 * root-only privileges are granted by Administrator alone.
 */
static const struct {
	const char *priv;
	const char *role;
} pve_roles[] = {
	{ "VM.Audit", "PVEAuditor" },
	{ "VM.Console", "PVEVMUser" },
	{ "VM.Backup", "PVEVMUser" },
	{ "VM.PowerMgmt", "PVEVMUser" },
	{ "VM.Config.CDROM", "PVEVMUser" },
	{ "VM.Config.Cloudinit", "PVEVMUser" },
	{ "VM.Clone", "PVETemplateUser" },
	{ "VM.Allocate", "PVEVMAdmin" },
	{ "VM.Migrate", "PVEVMAdmin" },
	{ "VM.Monitor", "PVEVMAdmin" },
	{ "VM.Snapshot", "PVEVMAdmin" },
	{ "VM.Snapshot.Rollback", "PVEVMAdmin" },
	{ "VM.Config.Disk", "PVEVMAdmin" },
	{ "VM.Config.CPU", "PVEVMAdmin" },
	{ "VM.Config.Memory", "PVEVMAdmin" },
	{ "VM.Config.Network", "PVEVMAdmin" },
	{ "VM.Config.HWType", "PVEVMAdmin" },
	{ "VM.Config.Options", "PVEVMAdmin" },
	{ "Sys.Audit", "PVEAuditor" },
	{ "Sys.Console", "PVESysAdmin" },
	{ "Sys.Syslog", "PVESysAdmin" },
	{ "Sys.PowerMgmt", "Administrator" },
	{ "Sys.Modify", "Administrator" },
	{ "Sys.Incoming", "Administrator" },
	{ "Sys.AccessNetwork", "Administrator" },
	{ "Datastore.Audit", "PVEAuditor" },
	{ "Datastore.AllocateSpace", "PVEDatastoreUser" },
	{ "Datastore.Allocate", "PVEDatastoreAdmin" },
	{ "Datastore.AllocateTemplate", "PVEDatastoreAdmin" },
	{ "SDN.Audit", "PVEAuditor" },
	{ "SDN.Use", "PVESDNUser" },
	{ "SDN.Allocate", "PVESDNAdmin" },
	{ "Pool.Audit", "PVEAuditor" },
	{ "Pool.Allocate", "PVEPoolAdmin" },
	{ "Mapping.Audit", "PVEAuditor" },
	{ "Mapping.Use", "PVEMappingUser" },
	{ "Mapping.Modify", "PVEMappingAdmin" },
	{ "User.Modify", "PVEUserAdmin" },
	{ "Group.Allocate", "PVEUserAdmin" },
	{ "Realm.AllocateUser", "PVEUserAdmin" },
	{ "Realm.Allocate", "Administrator" },
	{ "Permissions.Modify", "Administrator" },
};

/* How many privileges each built-in role holds: among alternatives
 * ("A|B"), the smallest grant is suggested. */
static int
role_size(const char *role)
{
	static const struct {
		const char *role;
		int size;
	} sizes[] = {
		{ "PVETemplateUser", 2 }, { "PVEDatastoreUser", 2 },
		{ "PVESDNUser", 2 }, { "PVEMappingUser", 2 }, { "PVEPoolAdmin", 2 },
		{ "PVESysAdmin", 3 }, { "PVESDNAdmin", 3 }, { "PVEUserAdmin", 3 },
		{ "PVEMappingAdmin", 3 }, { "PVEDatastoreAdmin", 4 },
		{ "PVEAuditor", 6 }, { "PVEVMUser", 6 }, { "PVEVMAdmin", 18 },
	};
	size_t i;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		if (strcmp(sizes[i].role, role) == 0)
			return sizes[i].size;
	return 1000;	/* Administrator */
}

const char *
pxm_pve_role_for(const char *priv)
{
	size_t i;

	for (i = 0; i < sizeof pve_roles / sizeof pve_roles[0]; i++)
		if (strcmp(pve_roles[i].priv, priv) == 0)
			return pve_roles[i].role;
	return NULL;
}

/* Copy a remote-supplied text for display: control characters become
 * spaces (an answer cannot forge log lines), runs of spaces collapse, and
 * the ends are trimmed. */
static void
clean(char *out, size_t size, const char *in)
{
	size_t o = 0;
	int space = 1;

	for (; in != NULL && *in && o + 1 < size; in++) {
		unsigned char c = (unsigned char)*in;
		if (c < 0x20 || c == 0x7f || c == ' ') {
			if (!space)
				out[o++] = ' ';
			space = 1;
		} else {
			out[o++] = (char)c;
			space = 0;
		}
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static const char *
user_of(char *buf, size_t size, const char *token_id)
{
	char *bang;

	snprintf(buf, size, "%s", token_id);
	if ((bang = strchr(buf, '!')) != NULL)
		*bang = '\0';
	return buf;
}

/* "Permission check failed (/vms/100, VM.PowerMgmt)" -> path, privilege. */
static int
parse_perm(const char *msg, char *path, size_t psize, char *priv, size_t vsize)
{
	const char *p, *comma, *end;
	size_t n;

	if ((p = strstr(msg, "ermission check failed (")) == NULL)
		return 0;
	p += strlen("ermission check failed (");
	if (*p != '/' || (comma = strstr(p, ", ")) == NULL ||
	    (end = strchr(comma, ')')) == NULL)
		return 0;
	n = (size_t)(comma - p);
	if (n == 0 || n >= psize)
		return 0;
	memcpy(path, p, n);
	path[n] = '\0';
	p = comma + 2;
	n = (size_t)(end - p);
	if (n == 0 || n >= vsize)
		return 0;
	memcpy(priv, p, n);
	priv[n] = '\0';
	return strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789/._-") == strlen(path);
}

static void
map_403(struct pxm_xfer *x, const char *msg, const struct pxm_http_auth *auth)
{
	const struct pxm_endpoint *ep = x->ep;
	const char *tid = auth && auth->token_id[0] ? auth->token_id
	    : "USER@REALM!TOKENID";
	char path[256], privs[256], first[128], user[256];
	const char *role = NULL;
	size_t n;

	if (ep->info->auth == PXM_AUTH_PVE_TOKEN &&
	    parse_perm(msg, path, sizeof path, privs, sizeof privs)) {
		/* "A|B" means any of them would do: suggest the smallest
		 * built-in role that grants one of them. */
		const char *p = privs, *cand;
		char one[128];
		while (*p) {
			n = strcspn(p, "|, ");
			snprintf(one, sizeof one, "%.*s", (int)n, p);
			cand = pxm_pve_role_for(one);
			if (cand != NULL && (role == NULL ||
			    role_size(cand) < role_size(role))) {
				role = cand;
				snprintf(first, sizeof first, "%s", one);
			}
			p += n;
			p += strspn(p, "|, ");
		}
		if (role != NULL && strcmp(role, "Administrator") == 0) {
			pxm_http_fail(x, PXM_E_REMOTE, "http_403",
			    "PVE denied it (HTTP 403: %s). The token %s lacks %s on %s, "
			    "which among the built-in roles only Administrator grants. "
			    "Prefer a custom role with just that privilege: pveum role "
			    "add Proximo-%s --privs %s; pveum acl modify %s --tokens '%s' "
			    "--roles Proximo-%s. A token with privilege separation also "
			    "needs its user (%s) to hold it.", msg, tid, first, path,
			    first, first, path, tid, first,
			    user_of(user, sizeof user, tid));
		} else if (role != NULL) {
			pxm_http_fail(x, PXM_E_REMOTE, "http_403",
			    "PVE denied it (HTTP 403: %s). The token %s lacks %s%s on "
			    "%s. The built-in role %s grants %s: pveum acl modify %s "
			    "--tokens '%s' --roles %s. A token with privilege "
			    "separation also needs its user (%s) to hold it.",
			    msg, tid, privs, strchr(privs, '|') ? " (any one would do)"
			    : "", path, role, first, path, tid, role,
			    user_of(user, sizeof user, tid));
		} else {
			pxm_http_fail(x, PXM_E_REMOTE, "http_403",
			    "PVE denied it (HTTP 403: %s). The token %s lacks %s on %s; "
			    "no built-in role is known to grant it, so create one: "
			    "pveum role add Proximo-Extra --privs '%s'; pveum acl modify "
			    "%s --tokens '%s' --roles Proximo-Extra.", msg, tid, privs,
			    path, privs, path, tid);
		}
		return;
	}
	switch (ep->info->auth) {
	case PXM_AUTH_PVE_TOKEN:
		pxm_http_fail(x, PXM_E_REMOTE, "http_403",
		    "PVE denied it (HTTP 403: %s). The token %s lacks a privilege "
		    "this call needs; see what it holds with: pveum user token "
		    "permissions %s %s", msg, tid, user_of(user, sizeof user, tid),
		    strchr(tid, '!') ? strchr(tid, '!') + 1 : "TOKENID");
		break;
	case PXM_AUTH_PBS_TOKEN:
		pxm_http_fail(x, PXM_E_REMOTE, "http_403",
		    "PBS denied it (HTTP 403: %s). The token %s lacks a privilege "
		    "on this object. Grant a role on the ACL path: "
		    "proxmox-backup-manager acl update <path> <Role> --auth-id '%s' "
		    "(e.g. /datastore/<store> with DatastoreReader for reads, "
		    "DatastoreBackup or DatastoreAdmin for changes, Audit for "
		    "status).", msg, tid, tid);
		break;
	case PXM_AUTH_PMG_TICKET:
		pxm_http_fail(x, PXM_E_REMOTE, "http_403",
		    "PMG denied it (HTTP 403: %s). The user %s lacks the role this "
		    "call needs (PMG roles: root, admin, helpdesk, qmanager, audit); "
		    "give it a role that allows it or set PROXIMO_PMG_USERNAME to a "
		    "user that has one.", msg, ep->username);
		break;
	}
}

static void
map_401(struct pxm_xfer *x, const char *msg, const struct pxm_http_auth *auth)
{
	const struct pxm_endpoint *ep = x->ep;
	const char *tid = auth && auth->token_id[0] ? auth->token_id : NULL;
	char user[256];

	switch (ep->info->auth) {
	case PXM_AUTH_PVE_TOKEN:
		pxm_http_fail(x, PXM_E_AUTH, "http_401",
		    "PVE refused the API token (HTTP 401: %s). The token%s%s in the "
		    "file named by %s is wrong, expired or deleted, or its user is "
		    "disabled. The file must hold exactly USER@REALM!TOKENID=SECRET "
		    "on one line; list the user's tokens with: pveum user token "
		    "list %s", msg, tid ? " " : "", tid ? tid : "", ep->info->cred_var,
		    tid ? user_of(user, sizeof user, tid) : "USER@REALM");
		break;
	case PXM_AUTH_PBS_TOKEN:
		pxm_http_fail(x, PXM_E_AUTH, "http_401",
		    "PBS refused the API token (HTTP 401: %s). The token%s%s in the "
		    "file named by %s is wrong, expired or deleted, or its user is "
		    "disabled. The file must hold exactly USER@REALM!TOKENID:SECRET "
		    "on one line; list the user's tokens with: proxmox-backup-manager "
		    "user list-tokens %s", msg, tid ? " " : "", tid ? tid : "",
		    ep->info->cred_var,
		    tid ? user_of(user, sizeof user, tid) : "USER@REALM");
		break;
	case PXM_AUTH_PMG_TICKET:
		if (x->login)
			pxm_http_fail(x, PXM_E_AUTH, "http_401",
			    "PMG refused the login of %s (HTTP 401: %s): check the "
			    "password in the file named by PROXIMO_PMG_PASSWORD_PATH and "
			    "the user in PROXIMO_PMG_USERNAME (default root@pam)",
			    ep->username, msg);
		else
			pxm_http_fail(x, PXM_E_AUTH, "http_401",
			    "PMG refused the session of %s (HTTP 401: %s) even after "
			    "logging in again; check that the user is enabled and "
			    "that PMG's clock is right (tickets are time-limited)",
			    ep->username, msg);
		break;
	}
}

static void
map_400(struct pxm_xfer *x, const char *msg)
{
	const struct pxm_http_response *resp = x->resp;
	char list[768], v[256];
	const char *key;
	json_t *val;
	size_t n = 0;

	list[0] = '\0';
	if (json_is_object(resp->errors)) {
		json_object_foreach(resp->errors, key, val) {
			if (n >= sizeof list - 1)
				break;
			if (json_is_string(val))
				clean(v, sizeof v, json_string_value(val));
			else
				snprintf(v, sizeof v, "rejected");
			n += (size_t)snprintf(list + n, sizeof list - n, "%s%s: %s",
			    n ? "; " : "", key, v);
		}
	}
	if (list[0] != '\0')
		pxm_http_fail(x, PXM_E_REMOTE, "http_400",
		    "%s rejected the parameters (HTTP 400: %s): %s. Fix the named "
		    "parameters and retry.", x->ep->info->label, msg, list);
	else
		pxm_http_fail(x, PXM_E_REMOTE, "http_400",
		    "%s rejected the request (HTTP 400: %s).", x->ep->info->label, msg);
}

void
pxm_http_map_status(struct pxm_xfer *x, const struct pxm_http_auth *auth)
{
	const struct pxm_http_response *resp = x->resp;
	const char *label = x->ep->info->label;
	long st = resp->status;
	char msg[sizeof resp->message];
	char reason[32];

	clean(msg, sizeof msg, resp->message[0] ? resp->message : "no message");
	if (st == 401) {
		map_401(x, msg, auth);
	} else if (st == 403) {
		map_403(x, msg, auth);
	} else if (st == 400) {
		map_400(x, msg);
	} else if (st == 501) {
		pxm_http_fail(x, PXM_E_REMOTE, "http_5xx",
		    "%s does not implement it (HTTP 501: %s): this path or method "
		    "does not exist on this %s version.", label, msg, label);
	} else if (st == 502 || st == 503 || st == 504) {
		pxm_http_fail(x, PXM_E_REMOTE, "http_5xx",
		    "%s is not answering behind its proxy (HTTP %ld: %s); the API "
		    "daemon may be restarting, retry in a moment.", label, st, msg);
	} else if (st >= 500) {
		pxm_http_fail(x, PXM_E_REMOTE, "http_5xx",
		    "%s failed (HTTP %ld: %s).", label, st, msg);
	} else if (st >= 300 && st < 400) {
		pxm_http_fail(x, PXM_E_REMOTE, "http_3xx",
		    "%s answered with a redirect (HTTP %ld), which is not followed; "
		    "check %s (it should be https://HOST:PORT/api2/json).", label, st,
		    x->ep->info->base_var);
	} else {
		snprintf(reason, sizeof reason, "http_%ld", st);
		pxm_http_fail(x, PXM_E_REMOTE, reason, "%s answered HTTP %ld: %s.",
		    label, st, msg);
	}
}
