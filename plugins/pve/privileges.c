/**
 * @file privileges.c
 * @brief What the configured token can do, in capabilities rather than
 *        privilege names: the reference's doctor table (§9.1, plus SDN.Use
 *        and Datastore.AllocateSpace), evaluated against
 *        /access/permissions, with the exact pveum command that grants a
 *        missing capability.  Role hints are checked against the live role
 *        list, so the command given really grants the privilege.
 *
 * pve_doctor (READ-ONLY) is the API half of `proximo doctor`; the core adds
 * the configuration, TLS and ledger halves.  Its "held" list is what the
 * core uses to mark tools the token cannot use.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blast.h"
#include "privileges.h"
#include "pve.h"

const struct pve_capability pve_capabilities[] = {
	{ "Read / inspect — DIAGNOSE, lists, status",
	    { "VM.Audit", "Sys.Audit", "Datastore.Audit", NULL }, "PVEAuditor", "/", PVE_CAP_ANY, "ProximoRead" },
	{ "Power guests — start / stop / reboot",
	    { "VM.PowerMgmt", NULL }, "PVEVMAdmin", "/", PVE_CAP_ALL, "ProximoPower" },
	{ "Snapshots — create restore points",
	    { "VM.Snapshot", NULL }, "PVEVMAdmin", "/", PVE_CAP_ALL, "ProximoSnapshot" },
	{ "Rollback — the UNDO pillar",
	    { "VM.Snapshot.Rollback", NULL }, "PVEVMAdmin", "/", PVE_CAP_ALL, "ProximoRollback" },
	{ "Reconfigure guests — cpu / memory / disk / network",
	    { "VM.Config.Memory", "VM.Config.Disk", "VM.Config.Network", "VM.Config.Options",
	    "VM.Config.CPU", NULL }, "PVEVMAdmin", "/", PVE_CAP_PARTIAL, "ProximoReconfigure" },
	{ "Create / clone / destroy guests",
	    { "VM.Allocate", NULL }, "PVEVMAdmin", "/", PVE_CAP_ALL, "ProximoAllocate" },
	{ "Back up guests",
	    { "VM.Backup", NULL }, "PVEVMAdmin", "/", PVE_CAP_ALL, "ProximoBackup" },
	{ "Use storage — allocate disks and write backups",
	    { "Datastore.AllocateSpace", NULL }, "PVEDatastoreUser", "/storage", PVE_CAP_ALL, "ProximoStorageUse" },
	{ "Define / remove storage",
	    { "Datastore.Allocate", NULL }, "PVEDatastoreAdmin", "/storage", PVE_CAP_ALL, "ProximoStorage" },
	{ "Attach guests to bridges and VNets (SDN)",
	    { "SDN.Use", NULL }, "PVESDNUser", "/sdn", PVE_CAP_ALL, "ProximoSDN" },
	{ "Firewall + node configuration",
	    { "Sys.Modify", NULL }, "PVESysAdmin", "/", PVE_CAP_ALL, "ProximoSysModify" },
	{ "Manage tokens / ACLs",
	    { "Permissions.Modify", NULL }, "PVEUserAdmin", "/access", PVE_CAP_ALL, "ProximoPermissions" },
	{ "Manage users",
	    { "User.Modify", NULL }, "PVEUserAdmin", "/access", PVE_CAP_ALL, "ProximoUsers" },
};
const size_t pve_ncapabilities = sizeof pve_capabilities / sizeof pve_capabilities[0];

/* Paths where the token holds priv. */
static json_t *
where_held(const json_t *perms, const char *priv)
{
	json_t *out = json_array(), *set;
	const char *path;

	json_object_foreach((json_t *)perms, path, set)
		if (json_object_get(set, priv))
			json_array_append_new(out, json_string(path));
	return out;
}

/* The privileges of a role from the /access/roles list ("privs" is a
 * comma list), as an object. */
static json_t *
role_privs(const json_t *roles, const char *role)
{
	json_t *v, *set = NULL, *pl, *p;
	size_t i, k;

	json_array_foreach(roles, i, v) {
		const char *id = json_string_value(json_object_get(v, "roleid"));

		if (id == NULL || strcmp(id, role) != 0)
			continue;
		set = json_object();
		pl = bl_split(json_string_value(json_object_get(v, "privs")));
		json_array_foreach(pl, k, p)
			json_object_set_new(set, json_string_value(p), json_true());
		json_decref(pl);
	}
	return set;
}

static int
role_has_all(const json_t *roles, const char *role, const char *const *privs)
{
	json_t *set = role_privs(roles, role);
	size_t i;
	int ok = set != NULL;

	for (i = 0; ok && privs[i]; i++)
		if (json_object_get(set, privs[i]) == NULL)
			ok = 0;
	json_decref(set);
	return ok;
}

/* The smallest role (fewest privileges) holding all privs, Administrator
 * excluded (it is never the least privilege); NULL when none. */
static const char *
smallest_role(const json_t *roles, const char *const *privs)
{
	json_t *v;
	size_t i, best_n = (size_t)-1;
	const char *best = NULL;

	json_array_foreach(roles, i, v) {
		const char *id = json_string_value(json_object_get(v, "roleid"));
		json_t *set;

		if (id == NULL || strcmp(id, "Administrator") == 0)
			continue;
		if (!role_has_all(roles, id, privs))
			continue;
		set = role_privs(roles, id);
		if (json_object_size(set) < best_n) {
			best_n = json_object_size(set);
			best = id;
		}
		json_decref(set);
	}
	return best;
}

json_t *
pve_token_capabilities(const json_t *perms, const json_t *roles, const char *token_id)
{
	json_t *can = json_array(), *cannot = json_array(), *held = json_object(), *out, *set, *v;
	const char *path, *priv, *tok = token_id && *token_id ? token_id : "<user@realm!tokenid>";
	size_t c, i;
	char hint[1400];

	json_object_foreach((json_t *)perms, path, set)
		json_object_foreach(set, priv, v)
			json_object_set_new(held, priv, json_true());
	for (c = 0; c < pve_ncapabilities; c++) {
		const struct pve_capability *cap = &pve_capabilities[c];
		json_t *have = json_array(), *miss = json_array(), *paths = json_array(), *w, *x;
		size_t k;
		int at_root = 0, ok;

		for (i = 0; cap->privs[i]; i++) {
			if (json_object_get(held, cap->privs[i]) == NULL) {
				json_array_append_new(miss, json_string(cap->privs[i]));
				continue;
			}
			json_array_append_new(have, json_string(cap->privs[i]));
			w = where_held(perms, cap->privs[i]);
			json_array_foreach(w, k, x) {
				if (strcmp(json_string_value(x), "/") == 0)
					at_root = 1;
				bl_add_unique(paths, json_string_value(x));
			}
			json_decref(w);
		}
		ok = cap->mode == PVE_CAP_ANY ? json_array_size(have) > 0 :
		    cap->mode == PVE_CAP_ALL ? json_array_size(miss) == 0 : json_array_size(have) > 0;
		if (ok) {
			json_t *row = json_pack("{s:s, s:O}", "capability", cap->name, "via", have);

			if (at_root)
				json_object_set_new(row, "scope", json_string("everywhere (/)"));
			else
				json_object_set(row, "scope", paths);
			if (cap->mode == PVE_CAP_PARTIAL && json_array_size(miss)) {
				char *only = bl_join(have, ", ");

				snprintf(hint, sizeof hint, "[partial — only: %s]", only ? only : "");
				free(only);
				json_object_set_new(row, "partial", json_string(hint));
				json_object_set(row, "missing", miss);
			}
			json_array_append_new(can, row);
		}
		if (!ok || (cap->mode == PVE_CAP_PARTIAL && json_array_size(miss))) {
			const char *role = cap->role, *needs_s;
			char *needs = bl_join(miss, cap->mode == PVE_CAP_ANY ? " or " : ", ");
			const char *const *want = cap->privs;
			const char *solo[2] = { NULL, NULL };
			json_t *row;
			int verified = roles != NULL;

			/* For "any", one privilege is enough: hint the first. */
			if (cap->mode == PVE_CAP_ANY) {
				solo[0] = cap->privs[0];
				want = solo;
			}
			needs_s = needs ? needs : "";
			if (roles && !role_has_all(roles, role, want)) {
				role = smallest_role(roles, want);
			}
			if (role)
				snprintf(hint, sizeof hint, "grant %s (or any role containing %s) to your "
				    "token: pveum acl modify %s --tokens '%s' --roles %s (privsep tokens: "
				    "grant the role to the USER too)%s", role, needs_s, cap->path, tok, role,
				    verified ? "" : " [role contents could not be verified]");
			else
				snprintf(hint, sizeof hint, "no built-in role short of Administrator holds "
				    "%s: create one and grant it: pveum role add %s --privs \"%s\" && pveum "
				    "acl modify %s --tokens '%s' --roles %s (privsep tokens: grant the role "
				    "to the USER too)", needs_s, cap->custom, needs_s, cap->path, tok,
				    cap->custom);
			row = json_pack("{s:s, s:O, s:s}", "capability", cap->name, "needs", miss, "hint",
			    hint);
			if (role)
				json_object_set_new(row, "role", json_string(role));
			json_array_append_new(cannot, row);
			free(needs);
		}
		json_decref(have);
		json_decref(miss);
		json_decref(paths);
	}
	out = json_pack("{s:o, s:o, s:o, s:I}", "can", can, "cannot", cannot, "held",
	    json_array(), "paths", (json_int_t)json_object_size(perms));
	json_object_foreach(held, priv, v)
		json_array_append_new(json_object_get(out, "held"), json_string(priv));
	json_decref(held);
	return out;
}

/* ------------------------------------------------------------ pve_doctor */

static const char doctor_schema[] =
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
	"\"token_id\":{\"type\":\"string\",\"maxLength\":256,"
	"\"pattern\":\"^[^\\\\s!=]+@[^\\\\s!=]+![A-Za-z][A-Za-z0-9._-]*$\","
	"\"description\":\"the token's id (user@realm!name) to put in the pveum commands; the "
	"secret is never needed\"},"
	"\"permissions_only\":{\"type\":\"boolean\",\"default\":false,"
	"\"description\":\"only read the token's privileges, quickly (the server uses this at "
	"start to mark the tools the token cannot use)\"}}}";

static int
doctor_read(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    void *payload)
{
	struct bl_req r[3];
	json_t *flags, *token = NULL, *v;
	const char *tid = json_string_value(json_object_get(args, "token_id"));
	int complete = 1, reachable, quick = json_is_true(json_object_get(args, "permissions_only"));
	size_t i;

	(void)err;
	(void)payload;
	memset(r, 0, sizeof r);
	if (quick) {
		/* At server start: one short read, never a long stall. */
		bl_req_path(&r[1], "/access/permissions", NULL);
		r[1].timeout_ms = 5000;
		bl_fetch(call, &r[1], 1);
		token = json_is_object(r[1].data) ? pve_token_capabilities(r[1].data, NULL, tid) : NULL;
		*out = json_pack("{s:b, s:o, s:s?}", "reachable", r[1].data != NULL, "token", token ?
		    token : json_null(), "error", r[1].data ? NULL : r[1].error);
		bl_req_free(r, 3);
		return *out ? PXM_OK : PXM_E_NOMEM;
	}
	flags = json_array();
	bl_req_path(&r[0], "/version", NULL);
	bl_req_path(&r[1], "/access/permissions", NULL);
	bl_req_path(&r[2], "/access/roles", NULL);
	bl_fetch(call, r, 3);
	reachable = r[0].data != NULL;
	if (!reachable) {
		json_array_append_new(flags, json_sprintf("cannot reach / authenticate to the Proxmox "
		    "API (%s) — check PROXIMO_API_BASE_URL, the token file at PROXIMO_TOKEN_PATH, and "
		    "TLS/CA (PROXIMO_CA_BUNDLE / PROXIMO_FINGERPRINT / PROXIMO_VERIFY_TLS). Preflight "
		    "cannot evaluate permissions until this connects.", r[0].error));
		complete = 0;
	} else if (!json_is_object(r[1].data)) {
		json_array_append_new(flags, json_sprintf("could not read token permissions "
		    "(/access/permissions: %s): what the token can do is unknown", r[1].error));
		complete = 0;
	} else {
		token = pve_token_capabilities(r[1].data, r[2].data, tid);
		if (json_object_size(r[1].data) == 0)
			json_array_append_new(flags, json_string("token authenticates but has NO "
			    "permissions on any path — it can read nothing; grant at least PVEAuditor on "
			    "/ (pveum acl modify / --tokens '<token>' --roles PVEAuditor; privsep tokens: "
			    "the user too)"));
		json_array_foreach(json_object_get(token, "held"), i, v) {
			if (strcmp(json_string_value(v), "Permissions.Modify") == 0)
				json_array_append_new(flags, json_string("the token holds "
				    "Permissions.Modify: it can grant itself any privilege (an agent "
				    "with this token is bounded by nothing)"));
		}
		if (json_object_get(json_object_get(r[1].data, "/"), "Sys.Modify") &&
		    json_object_get(json_object_get(r[1].data, "/"), "Permissions.Modify") &&
		    json_object_get(json_object_get(r[1].data, "/"), "VM.Allocate"))
			json_array_append_new(flags, json_string("the token can do EVERYTHING on / "
			    "(Administrator-like): consider a least-privilege token for the agent"));
		if (r[2].data == NULL)
			json_array_append_new(flags, json_sprintf("could not read the role list "
			    "(/access/roles: %s): role hints are not verified", r[2].error));
	}
	*out = json_pack("{s:s, s:b, s:O?, s:o, s:o, s:b}", "note", "Read-only preflight of the "
	    "token against the API: what it can and cannot do, and the exact grant for what is "
	    "missing. Nothing was changed.", "reachable", reachable, "version", r[0].data,
	    "token", token ? token : json_null(), "flags", flags, "complete", complete);
	bl_req_free(r, 3);
	return *out ? PXM_OK : PXM_E_NOMEM;
}

int
pve_privileges_register(void)
{
	struct pxm_tool t;

	memset(&t, 0, sizeof t);
	t.size = sizeof t;
	t.kind = PXM_KIND_READ;
	t.flags = PXM_TOOL_IDEMPOTENT;
	t.name = "pve_doctor";
	t.title = "PVE token preflight";
	t.description = "READ-ONLY: what the configured API token can and cannot do, in "
	    "capabilities (power, snapshots, rollback, reconfigure, create/destroy, backup, "
	    "storage, SDN, firewall, ACLs, users), from /access/permissions, with the exact pveum "
	    "command that grants each missing one. The CLI `proximo doctor` adds TLS, exec and "
	    "ledger checks.";
	t.input_schema = doctor_schema;
	t.read = doctor_read;
	return pve_host->register_tool(pve_self, &t);
}
