/**
 * @file apischema_incl.c
 * @brief The PVE plugin's schema converter compiled into check_pve_schema:
 *        the generic door validates every request with what
 *        pve_op_input_schema() makes of an operation, so the test checks
 *        that conversion operation by operation against data/pve.json.
 */
#include "apischema.c"
