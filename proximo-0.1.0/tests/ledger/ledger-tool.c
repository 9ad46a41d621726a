/**
 * @file ledger-tool.c
 * @brief Test driver: `proximo audit` without main.c, and an appender.
 *
 *   ledger-tool audit <subcommand> [...]     pxm_cli_audit()
 *   ledger-tool append N [ACKFILE]           open from PROXIMO_* and append N
 *                                            entries; after each acknowledged
 *                                            one, write "<seq> <head>\n" to
 *                                            ACKFILE (N = 0: until killed)
 */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/audit.h"
#include "ledger/ledger.h"

static int
append(int argc, char **argv)
{
	struct pxm_ledger *l = NULL;
	struct pxm_ledger_entry e = { 0 };
	struct pxm_error err;
	char head[65], line[128], target[64];
	unsigned long long n, i;
	json_t *d;
	int ack = -1, len;

	if (argc < 2)
		return 2;
	n = strtoull(argv[1], NULL, 10);
	if (argc > 2 && (ack = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0600)) < 0)
		return 2;
	if (pxm_ledger_open_from_env(&l, &err) != 0) {
		fprintf(stderr, "ledger-tool: %s\n", err.text);
		return 1;
	}
	for (i = 0; n == 0 || i < n; i++) {
		snprintf(target, sizeof target, "qemu/%d:pid%d", (int)(i % 900) + 100, (int)getpid());
		d = json_pack("{s:I, s:s, s:f}", "i", (json_int_t)i, "who", "ledger-tool", "load", 0.5);
		e.action = "pve_guest_start";
		e.target = target;
		e.mutation = 1;
		e.outcome = "ok";
		e.detail = d;
		if (pxm_ledger_append(l, &err, &e, head) != 0) {
			json_decref(d);
			fprintf(stderr, "ledger-tool: %s\n", err.text);
			pxm_ledger_close(l);
			return 1;
		}
		json_decref(d);
		if (ack >= 0) {
			len = snprintf(line, sizeof line, "%d %s\n", (int)getpid(), head);
			if (write(ack, line, (size_t)len) != len)
				return 1;
		}
	}
	pxm_ledger_close(l);
	if (ack >= 0)
		close(ack);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "audit") == 0)
		return pxm_cli_audit(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "append") == 0)
		return append(argc - 1, argv + 1);
	fprintf(stderr, "usage: ledger-tool audit ... | ledger-tool append N [ACKFILE]\n");
	return 2;
}
