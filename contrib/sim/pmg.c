/**
 * @file pmg.c
 * @brief proximo-sim: the PMG surface (filled in a later slice).
 */
#include "config.h"

#include "auth.h"
#include "handlers.h"
#include "tasks.h"

void
sim_pmg_register_fx(void)
{
}

void
sim_pmg_register(struct sim_schema *sc)
{
	sim_bind(sc, "POST", "/access/ticket", sim_access_ticket);
	sim_bind(sc, "GET", "/nodes/{node}/tasks", sim_h_tasks_list);
	sim_bind(sc, "GET", "/nodes/{node}/tasks/{upid}", sim_h_task_index);
	sim_bind(sc, "DELETE", "/nodes/{node}/tasks/{upid}", sim_h_task_stop);
	sim_bind(sc, "GET", "/nodes/{node}/tasks/{upid}/status", sim_h_task_status);
	sim_bind(sc, "GET", "/nodes/{node}/tasks/{upid}/log", sim_h_task_log);
}
