/**
 * @file audit.h
 * @brief `proximo audit`: verify, list, pin and checkpoint the ledger.
 */
#ifndef PXM_CLI_AUDIT_H
#define PXM_CLI_AUDIT_H

/**
 * argv[0] is the verb ("audit"), argv[1] the subcommand:
 *   verify [--expected-head H] [--json]
 *   log [--limit N] [--target T] [--action A] [--outcome O] [--principal P]
 *       [--mutations-only] [--json]
 *   head [--json]
 *   checkpoint [--out FILE] [--json]
 *   checkpoint-verify --pubkey PEM --message FILE --signature FILE [--no-ledger] [--json]
 *   pubkey
 * Exit codes: 0 ok, 1 verification failed, 2 usage or configuration error.
 */
int	pxm_cli_audit(int argc, char **argv);

#endif
