/**
 * @file blast.c
 * @brief The op-class table: which classifier attaches to which API
 *        operation.  Classifiers attach to operations, not to tools, so the
 *        curated tools, the scoped tools and the generic door
 *        (pve_api_call) are classified the same way.
 */
#include "config.h"

#include <string.h>

#include "blast.h"
#include "pve.h"

struct bl_op {
	const char	*name;		/* op-class, shown in plans */
	const char	*method;
	const char	*path;
	pxm_classify_fn	*fn;
};

static const struct bl_op ops[] = {
	/* 1, 2: storage delete / disable / node restriction */
	{ "storage_delete", "DELETE", "/storage/{storage}", bl_storage_delete },
	{ "storage_update", "PUT", "/storage/{storage}", bl_storage_update },
	/* 3: disk move capacity */
	{ "disk_move", "POST", "/nodes/{node}/qemu/{vmid}/move_disk", bl_disk_move },
	{ "disk_move", "POST", "/nodes/{node}/lxc/{vmid}/move_volume", bl_disk_move },
	/* 4: volume / content delete */
	{ "content_delete", "DELETE", "/nodes/{node}/storage/{storage}/content/{volume}",
	    bl_content_delete },
	/* 5: ACL grant / revoke (shadow and widen) */
	{ "acl", "PUT", "/access/acl", bl_acl_modify },
	/* 6: firewall rule reach (every scope), and lockout re-evaluated */
	{ "firewall_rule", "POST", "/cluster/firewall/rules", bl_fw_rule },
	{ "firewall_rule", "PUT", "/cluster/firewall/rules/{pos}", bl_fw_rule },
	{ "firewall_rule", "DELETE", "/cluster/firewall/rules/{pos}", bl_fw_rule_remove },
	{ "firewall_rule", "POST", "/nodes/{node}/firewall/rules", bl_fw_rule },
	{ "firewall_rule", "PUT", "/nodes/{node}/firewall/rules/{pos}", bl_fw_rule },
	{ "firewall_rule", "DELETE", "/nodes/{node}/firewall/rules/{pos}", bl_fw_rule_remove },
	{ "firewall_rule", "POST", "/nodes/{node}/qemu/{vmid}/firewall/rules", bl_fw_rule },
	{ "firewall_rule", "PUT", "/nodes/{node}/qemu/{vmid}/firewall/rules/{pos}", bl_fw_rule },
	{ "firewall_rule", "DELETE", "/nodes/{node}/qemu/{vmid}/firewall/rules/{pos}",
	    bl_fw_rule_remove },
	{ "firewall_rule", "POST", "/nodes/{node}/lxc/{vmid}/firewall/rules", bl_fw_rule },
	{ "firewall_rule", "PUT", "/nodes/{node}/lxc/{vmid}/firewall/rules/{pos}", bl_fw_rule },
	{ "firewall_rule", "DELETE", "/nodes/{node}/lxc/{vmid}/firewall/rules/{pos}",
	    bl_fw_rule_remove },
	{ "firewall_rule", "POST", "/cluster/firewall/groups/{group}", bl_fw_rule },
	{ "firewall_rule", "PUT", "/cluster/firewall/groups/{group}/{pos}", bl_fw_rule },
	{ "firewall_rule", "DELETE", "/cluster/firewall/groups/{group}/{pos}", bl_fw_rule_remove },
	{ "firewall_rule", "POST", "/cluster/sdn/vnets/{vnet}/firewall/rules", bl_fw_rule },
	{ "firewall_rule", "PUT", "/cluster/sdn/vnets/{vnet}/firewall/rules/{pos}", bl_fw_rule },
	{ "firewall_rule", "DELETE", "/cluster/sdn/vnets/{vnet}/firewall/rules/{pos}",
	    bl_fw_rule_remove },
	/* 8: firewall enable / policy_in DROP lockout */
	{ "firewall_lockout", "PUT", "/cluster/firewall/options", bl_fw_options },
	{ "firewall_lockout", "PUT", "/nodes/{node}/firewall/options", bl_fw_options },
	/* beyond the reference: what IP sets, aliases and groups reach */
	{ "firewall_names", "DELETE", "/cluster/firewall/ipset/{name}", bl_fw_set_ref },
	{ "firewall_names", "POST", "/cluster/firewall/ipset/{name}", bl_fw_set_ref },
	{ "firewall_names", "DELETE", "/cluster/firewall/ipset/{name}/{cidr}", bl_fw_set_ref },
	{ "firewall_names", "DELETE", "/cluster/firewall/aliases/{name}", bl_fw_set_ref },
	{ "firewall_names", "PUT", "/cluster/firewall/aliases/{name}", bl_fw_set_ref },
	{ "firewall_names", "DELETE", "/cluster/firewall/groups/{group}", bl_fw_set_ref },
	/* 7: network apply lockout; 9: bridge attachment (staged edits) */
	{ "network_apply", "PUT", "/nodes/{node}/network", bl_net_apply },
	{ "bridge_attachment", "PUT", "/nodes/{node}/network/{iface}", bl_net_iface },
	{ "bridge_attachment", "DELETE", "/nodes/{node}/network/{iface}", bl_net_iface },
	{ "bridge_attachment", "DELETE", "/cluster/sdn/vnets/{vnet}", bl_sdn_vnet_delete },
	/* 10: migrate disk residency */
	{ "migrate", "POST", "/nodes/{node}/qemu/{vmid}/migrate", bl_guest_migrate },
	{ "migrate", "POST", "/nodes/{node}/lxc/{vmid}/migrate", bl_guest_migrate },
	/* 11: guest destroy cascade */
	{ "guest_destroy", "DELETE", "/nodes/{node}/qemu/{vmid}", bl_guest_destroy },
	{ "guest_destroy", "DELETE", "/nodes/{node}/lxc/{vmid}", bl_guest_destroy },

	/* Beyond the reference: node-wide and pool-wide bulk operations. */
	{ "bulk_node", "POST", "/nodes/{node}/startall", bl_bulk_node },
	{ "bulk_node", "POST", "/nodes/{node}/stopall", bl_bulk_node },
	{ "bulk_node", "POST", "/nodes/{node}/migrateall", bl_bulk_node },
	{ "vzdump_selection", "POST", "/nodes/{node}/vzdump", bl_vzdump },
	{ "pool_delete", "DELETE", "/pools", bl_pool_delete },
	{ "pool_delete", "DELETE", "/pools/{poolid}", bl_pool_delete },
	{ "pool_members", "PUT", "/pools", bl_pool_update },
	{ "pool_members", "PUT", "/pools/{poolid}", bl_pool_update },
	/* backup coverage, replication targets, HA placement */
	{ "backup_coverage", "PUT", "/cluster/backup/{id}", bl_backup_job },
	{ "backup_coverage", "DELETE", "/cluster/backup/{id}", bl_backup_job },
	{ "replication_target", "PUT", "/cluster/replication/{id}", bl_replication_job },
	{ "replication_target", "DELETE", "/cluster/replication/{id}", bl_replication_job },
	{ "ha_placement", "POST", "/cluster/ha/rules", bl_ha_rule },
	{ "ha_placement", "PUT", "/cluster/ha/rules/{rule}", bl_ha_rule },
	{ "ha_placement", "DELETE", "/cluster/ha/rules/{rule}", bl_ha_rule },
	{ "ha_placement", "PUT", "/cluster/ha/groups/{group}", bl_ha_group },
	{ "ha_placement", "DELETE", "/cluster/ha/groups/{group}", bl_ha_group },
	{ "ha_membership", "POST", "/cluster/ha/resources", bl_ha_resource },
	{ "ha_membership", "PUT", "/cluster/ha/resources/{sid}", bl_ha_resource },
	{ "ha_membership", "DELETE", "/cluster/ha/resources/{sid}", bl_ha_resource },
};

int
pve_blast_register(void)
{
	struct pxm_classifier c;
	size_t i;
	int r;

	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		memset(&c, 0, sizeof c);
		c.size = sizeof c;
		c.name = ops[i].name;
		c.method = ops[i].method;
		c.path = ops[i].path;
		c.classify = ops[i].fn;
		if ((r = pve_host->register_classifier(pve_self, &c)) != PXM_OK)
			return r;
	}
	return PXM_OK;
}
