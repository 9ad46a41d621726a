/**
 * @file pve.h
 * @brief proximo-sim: helpers shared by the PVE handler files.
 */
#ifndef PXM_SIM_PVE_H
#define PXM_SIM_PVE_H

#include <jansson.h>

#include "sim.h"

struct sim_schema;

/** "qemu" or "lxc" for the request's path ("/nodes/{node}/qemu/..."). */
const char *pve_kind(const struct sim_req *rq);
/** The guest of rq's {vmid} on rq's {node} of rq's kind, or NULL with the
 *  product's 500 "Configuration file ... does not exist" in rs. */
json_t	*pve_guest_for(struct sim_req *rq, struct sim_resp *rs);
/** Bytes of a disk value's size= ("32G"); 0 when absent. */
long long pve_disk_size(const char *value);
/** Is key a disk key of that guest kind (scsi0, rootfs, mp1, efidisk0...). */
int	pve_is_disk_key(const char *kind, const char *key);
/** The storage ID of a disk value ("local-lvm:vm-100-disk-0,..."), new string. */
char	*pve_disk_storage(const char *value);
/** The summary record a guest shows in lists and status/current. */
json_t	*pve_guest_summary(struct sim *s, const char *vmid, json_t *g, int64_t now, int full);
/** The guest's largest disk in bytes (what PVE reports as maxdisk). */
long long pve_guest_maxdisk(const json_t *g);
/** Guest's memory in MiB (handles "current=N" property strings). */
long long pve_guest_memory_mb(const json_t *cfg);
/** A storage can snapshot this disk (type and format). */
int	pve_storage_can_snapshot(struct sim *s, const char *diskvalue);
/** Next free VMID (starting at 100). */
long	pve_next_vmid(struct sim *s);
/** The HA state of a guest ("started", ...) or NULL. */
const char *pve_ha_state(struct sim *s, const char *vmid, const char *type);

void	pve_guest_register(struct sim_schema *sc);
void	pve_guest_register_fx(void);
void	pve_cluster_register(struct sim_schema *sc);
void	pve_cluster_register_fx(void);
void	pve_access_register(struct sim_schema *sc);
void	pve_ops_register(struct sim_schema *sc);
void	pve_ops_register_fx(void);
void	pve_node_register(struct sim_schema *sc);
void	pve_node_register_fx(void);
void	pve_sdn_register(struct sim_schema *sc);
void	pve_sdn_register_fx(void);
/** Fill a node record's own configuration (time zone, DNS, hosts,
 *  services, disks, syslog, APT) where the profile left it out. */
void	pve_node_defaults(json_t *node, const char *name, const char *cluster);

#endif
