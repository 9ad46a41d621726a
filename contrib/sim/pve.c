/**
 * @file pve.c
 * @brief proximo-sim: the PVE surface's handler table.
 */
#include "config.h"

#include "handlers.h"
#include "pve.h"

void
sim_pve_register_fx(void)
{
	pve_guest_register_fx();
	pve_cluster_register_fx();
	pve_ops_register_fx();
	pve_node_register_fx();
	pve_sdn_register_fx();
}

void
sim_pve_register(struct sim_schema *sc)
{
	pve_cluster_register(sc);
	pve_guest_register(sc);
	pve_access_register(sc);
	pve_ops_register(sc);
	pve_node_register(sc);
	pve_sdn_register(sc);
}
