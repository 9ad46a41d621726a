/**
 * @file redact.c
 * @brief Fingerprints that stand in for secrets in the ledger, and intents.
 *
 * With PROXIMO_LEDGER_REDACT on (the default) an exec command or an SQL
 * statement is recorded as {sha256, kind, length}, as the reference does:
 * an operator holding the command can prove it ran (hash it and compare),
 * a reader of the ledger learns nothing of its arguments.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "ledger/canon.h"
#include "ledger/ledger.h"
#include "util/buf.h"

static void
sha256_hex(char *out, const void *p, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char md[32];
	int i;

	if (!EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL))
		memset(md, 0, sizeof md);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hexd[md[i] >> 4];
		out[2 * i + 1] = hexd[md[i] & 15];
	}
	out[64] = '\0';
}

/* Python len() of a UTF-8 string: code points (invalid bytes count one
 * each, as surrogateescape would). */
static size_t
cp_len(const char *s, size_t n)
{
	size_t i = 0, c = 0, k;

	while (i < n) {
		k = pxm_canon_utf8_char((const unsigned char *)s + i, n - i);
		i += k ? k : 1;
		c++;
	}
	return c;
}

/* shlex.quote(): safe words stay bare, others go in single quotes with
 * each ' spelled '"'"'. */
static void
shlex_quote(struct pxm_buf *b, const char *s)
{
	const char *p;
	int safe = *s != '\0';

	for (p = s; *p && safe; p++)
		if (!(isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80)) &&
		    strchr("_@%+=:,./-", *p) == NULL)
			safe = 0;
	if (safe) {
		pxm_buf_puts(b, s);
		return;
	}
	pxm_buf_putc(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '\'')
			pxm_buf_puts(b, "'\"'\"'");
		else
			pxm_buf_putc(b, *p);
	}
	pxm_buf_putc(b, '\'');
}

json_t *
pxm_ledger_fingerprint_command(const char *const *argv, size_t argc)
{
	struct pxm_buf b = PXM_BUF_INIT;
	char hex[65];
	json_t *j;
	size_t i;

	for (i = 0; i < argc; i++) {
		if (i)
			pxm_buf_putc(&b, ' ');
		shlex_quote(&b, argv[i] ? argv[i] : "");
	}
	sha256_hex(hex, b.data ? b.data : "", b.len);
	j = json_pack("{s:s, s:s, s:I}", "cmd_sha256", hex,
	    "cmd_kind", argc && argv[0] && *argv[0] ? argv[0] : "EMPTY",
	    "cmd_len", (json_int_t)cp_len(b.data ? b.data : "", b.len));
	pxm_buf_free_secret(&b);
	return j;
}

json_t *
pxm_ledger_fingerprint_sql(const char *db, const char *sql)
{
	char hex[65], kind[32];
	const char *p = sql ? sql : "";
	size_t n = strlen(p), k = 0;

	sha256_hex(hex, p, n);
	while (*p && isspace((unsigned char)*p))
		p++;
	if (*p == '\0') {
		snprintf(kind, sizeof kind, "EMPTY");
	} else if (isalpha((unsigned char)*p) && !((unsigned char)*p & 0x80)) {
		while (k + 1 < sizeof kind && isalpha((unsigned char)p[k]) &&
		    !((unsigned char)p[k] & 0x80)) {
			kind[k] = (char)toupper((unsigned char)p[k]);
			k++;
		}
		kind[k] = '\0';
	} else {
		snprintf(kind, sizeof kind, "OTHER");
	}
	return json_pack("{s:s, s:s, s:s, s:I}", "db", db ? db : "", "sql_sha256", hex,
	    "sql_kind", kind, "sql_len", (json_int_t)cp_len(sql ? sql : "", n));
}

void
pxm_ledger_intent_id(char *out, const char *action, const char *target)
{
	struct pxm_buf b = PXM_BUF_INIT;
	char hex[65];

	pxm_buf_puts(&b, action ? action : "");
	pxm_buf_putc(&b, '\0');
	pxm_buf_puts(&b, target ? target : "");
	sha256_hex(hex, b.data, b.len);
	memcpy(out, hex, 12);
	out[12] = '\0';
	pxm_buf_free(&b);
}
