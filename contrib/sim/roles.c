/**
 * @file roles.c
 * @brief proximo-sim: the products' built-in roles and privileges.
 *
 * PVE derives its built-in roles from privilege groups (each group has root,
 * admin, user and audit privileges): PVE<Group>Admin gets admin+user+audit,
 * PVE<Group>User user+audit, PVEAuditor every audit privilege, PVEAdmin
 * every admin+user+audit privilege except Mapping.Modify, Administrator
 * everything, NoAccess nothing, PVETemplateUser VM.Clone and VM.Audit.  The
 * table below is PVE 9's; the derivation is PVE's.  PBS roles are fixed
 * privilege sets.
 */
#include "config.h"

#include <string.h>

#include "auth.h"

struct privgroup {
	const char	*name;
	const char	*const *root;
	const char	*const *admin;
	const char	*const *user;
	const char	*const *audit;
};

static const char *const vm_admin[] = { "VM.Config.Disk", "VM.Config.CPU",
	"VM.Config.Memory", "VM.Config.Network", "VM.Config.HWType",
	"VM.Config.Options", "VM.Allocate", "VM.Clone", "VM.GuestAgent.Unrestricted",
	"VM.Migrate", "VM.Replicate", "VM.Snapshot", "VM.Snapshot.Rollback", NULL };
static const char *const vm_user[] = { "VM.Config.CDROM", "VM.Config.Cloudinit",
	"VM.Console", "VM.Backup", "VM.GuestAgent.FileRead",
	"VM.GuestAgent.FileSystemMgmt", "VM.GuestAgent.FileWrite", "VM.PowerMgmt", NULL };
static const char *const vm_audit[] = { "VM.Audit", "VM.GuestAgent.Audit", NULL };
static const char *const sys_root[] = { "Sys.PowerMgmt", "Sys.Modify", "Sys.Incoming",
	"Sys.AccessNetwork", NULL };
static const char *const sys_admin[] = { "Sys.Console", "Sys.Syslog", NULL };
static const char *const sys_audit[] = { "Sys.Audit", NULL };
static const char *const ds_admin[] = { "Datastore.Allocate", "Datastore.AllocateTemplate", NULL };
static const char *const ds_user[] = { "Datastore.AllocateSpace", NULL };
static const char *const ds_audit[] = { "Datastore.Audit", NULL };
static const char *const sdn_admin[] = { "SDN.Allocate", "SDN.Audit", NULL };
static const char *const sdn_user[] = { "SDN.Use", NULL };
static const char *const sdn_audit[] = { "SDN.Audit", NULL };
static const char *const user_root[] = { "Realm.Allocate", NULL };
static const char *const user_admin[] = { "User.Modify", "Group.Allocate",
	"Realm.AllocateUser", NULL };
static const char *const pool_admin[] = { "Pool.Allocate", NULL };
static const char *const pool_user[] = { "Pool.Audit", NULL };
static const char *const pool_audit[] = { "Pool.Audit", NULL };
static const char *const map_admin[] = { "Mapping.Modify", NULL };
static const char *const map_user[] = { "Mapping.Use", NULL };
static const char *const map_audit[] = { "Mapping.Audit", NULL };
static const char *const none[] = { NULL };

static const struct privgroup pve_groups[] = {
	{ "VM", none, vm_admin, vm_user, vm_audit },
	{ "Sys", sys_root, sys_admin, none, sys_audit },
	{ "Datastore", none, ds_admin, ds_user, ds_audit },
	{ "SDN", none, sdn_admin, sdn_user, sdn_audit },
	{ "User", user_root, user_admin, none, none },
	{ "Pool", none, pool_admin, pool_user, pool_audit },
	{ "Mapping", none, map_admin, map_user, map_audit },
};

static void
add_privs(json_t *roles, const char *role, const char *const *privs)
{
	json_t *set = json_object_get(roles, role);
	size_t i;

	if (set == NULL) {
		set = json_object();
		json_object_set_new(roles, role, set);
	}
	for (i = 0; privs[i]; i++)
		json_object_set_new(set, privs[i], json_true());
}

static json_t *
sets_to_lists(json_t *sets)
{
	json_t *out = json_object(), *set, *list, *v;
	const char *role, *priv;

	json_object_foreach(sets, role, set) {
		list = json_array();
		json_object_foreach(set, priv, v)
			json_array_append_new(list, json_string(priv));
		json_object_set_new(out, role, list);
	}
	json_decref(sets);
	return out;
}

static json_t *
pve_roles(void)
{
	json_t *roles = json_object();
	char name[64];
	size_t g;
	static const char *const perm_modify[] = { "Permissions.Modify", NULL };

	json_object_set_new(roles, "NoAccess", json_object());
	add_privs(roles, "Administrator", perm_modify);
	for (g = 0; g < sizeof pve_groups / sizeof pve_groups[0]; g++) {
		const struct privgroup *pg = &pve_groups[g];

		add_privs(roles, "Administrator", pg->root);
		add_privs(roles, "Administrator", pg->admin);
		add_privs(roles, "Administrator", pg->user);
		add_privs(roles, "Administrator", pg->audit);
		snprintf(name, sizeof name, "PVE%sAdmin", pg->name);
		add_privs(roles, name, pg->admin);
		add_privs(roles, name, pg->user);
		add_privs(roles, name, pg->audit);
		add_privs(roles, "PVEAdmin", pg->admin);
		add_privs(roles, "PVEAdmin", pg->user);
		add_privs(roles, "PVEAdmin", pg->audit);
		if (pg->user[0]) {
			snprintf(name, sizeof name, "PVE%sUser", pg->name);
			add_privs(roles, name, pg->user);
			add_privs(roles, name, pg->audit);
		}
		add_privs(roles, "PVEAuditor", pg->audit);
	}
	/* Only Administrator and PVEMappingAdmin may modify mappings. */
	json_object_del(json_object_get(roles, "PVEAdmin"), "Mapping.Modify");
	{
		static const char *const tu[] = { "VM.Clone", "VM.Audit", NULL };
		add_privs(roles, "PVETemplateUser", tu);
	}
	return sets_to_lists(roles);
}

static const char *const pbs_all[] = { "Sys.Audit", "Sys.Modify", "Sys.PowerManagement",
	"Sys.Console", "Datastore.Audit", "Datastore.Allocate", "Datastore.Modify",
	"Datastore.Read", "Datastore.Verify", "Datastore.Backup", "Datastore.Prune",
	"Permissions.Modify", "Remote.Audit", "Remote.Modify", "Remote.Read",
	"Remote.DatastoreBackup", "Remote.DatastoreModify", "Remote.DatastorePrune",
	"Tape.Audit", "Tape.Read", "Tape.Write", "Tape.Modify", "Realm.Allocate", NULL };

static json_t *
pbs_roles(void)
{
	json_t *roles = json_object();
	static const char *const audit[] = { "Sys.Audit", "Datastore.Audit", NULL };
	static const char *const ds_adm[] = { "Datastore.Audit", "Datastore.Modify",
		"Datastore.Read", "Datastore.Verify", "Datastore.Backup", "Datastore.Prune", NULL };
	static const char *const ds_reader[] = { "Datastore.Audit", "Datastore.Verify",
		"Datastore.Read", NULL };
	static const char *const ds_backup[] = { "Datastore.Backup", NULL };
	static const char *const ds_power[] = { "Datastore.Prune", "Datastore.Backup", NULL };
	static const char *const ds_audit2[] = { "Datastore.Audit", NULL };
	static const char *const rem_audit[] = { "Remote.Audit", NULL };
	static const char *const rem_admin[] = { "Remote.Audit", "Remote.Modify", "Remote.Read",
		"Remote.DatastoreBackup", "Remote.DatastoreModify", "Remote.DatastorePrune", NULL };
	static const char *const rem_sync[] = { "Remote.Audit", "Remote.Read", NULL };
	static const char *const rem_push[] = { "Remote.Audit", "Remote.DatastoreBackup", NULL };
	static const char *const tape_audit[] = { "Tape.Audit", NULL };
	static const char *const tape_admin[] = { "Tape.Audit", "Tape.Modify", "Tape.Read",
		"Tape.Write", NULL };
	static const char *const tape_op[] = { "Tape.Audit", "Tape.Read", "Tape.Write", NULL };
	static const char *const tape_reader[] = { "Tape.Audit", "Tape.Read", NULL };

	add_privs(roles, "Admin", pbs_all);
	add_privs(roles, "Audit", audit);
	json_object_set_new(roles, "NoAccess", json_object());
	add_privs(roles, "DatastoreAdmin", ds_adm);
	add_privs(roles, "DatastoreReader", ds_reader);
	add_privs(roles, "DatastoreBackup", ds_backup);
	add_privs(roles, "DatastorePowerUser", ds_power);
	add_privs(roles, "DatastoreAudit", ds_audit2);
	add_privs(roles, "RemoteAudit", rem_audit);
	add_privs(roles, "RemoteAdmin", rem_admin);
	add_privs(roles, "RemoteSyncOperator", rem_sync);
	add_privs(roles, "RemoteSyncPushOperator", rem_push);
	add_privs(roles, "TapeAudit", tape_audit);
	add_privs(roles, "TapeAdmin", tape_admin);
	add_privs(roles, "TapeOperator", tape_op);
	add_privs(roles, "TapeReader", tape_reader);
	return sets_to_lists(roles);
}

static json_t *cache[SIM_NSURF];

json_t *
sim_roles_builtin(enum sim_surface surf)
{
	/* Computed once; callers hold the state lock. */
	if (cache[surf] == NULL)
		cache[surf] = surf == SIM_PBS ? pbs_roles() :
		    surf == SIM_PVE ? pve_roles() : json_object();
	return json_incref(cache[surf]);
}

void
sim_roles_cleanup(void)
{
	int i;

	for (i = 0; i < SIM_NSURF; i++) {
		json_decref(cache[i]);
		cache[i] = NULL;
	}
}

json_t *
sim_privs_all(enum sim_surface surf)
{
	json_t *roles = sim_roles_builtin(surf);
	json_t *all = json_incref(json_object_get(roles,
	    surf == SIM_PBS ? "Admin" : "Administrator"));

	json_decref(roles);
	return all ? all : json_array();
}
