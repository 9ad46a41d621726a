/**
 * @file redact.c
 * @brief What the ledger may know of a command or a statement: fingerprints
 *        in the reference's format (docs/LEDGER.md section 7).
 *
 * With PROXIMO_LEDGER_REDACT on (the default) a command is recorded as
 * {cmd_sha256, cmd_kind, cmd_len} over shlex.join(argv), and SQL as
 * {db, sql_sha256, sql_kind, sql_len}: whoever holds the cleartext can prove
 * it ran (hash it and compare); a reader of the ledger learns nothing of its
 * arguments.  The plugin cannot call the core's fingerprint functions (a
 * plugin links no core symbol), so they are computed here, byte for byte
 * the same way.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "exec.h"

static void
sha256_hex(char out[65], const void *p, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int len = 0;
	int i;

	if (!EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) || len != 32)
		memset(md, 0, sizeof md);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hexd[md[i] >> 4];
		out[2 * i + 1] = hexd[md[i] & 15];
	}
	out[64] = '\0';
}

size_t
exec_cp_len(const char *s, size_t n)
{
	size_t i, c = 0;

	/* Every byte that does not continue a character starts one. */
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* shlex.quote(): words of [A-Za-z0-9_@%+=:,./-] stay bare, "" becomes '',
 * anything else goes in single quotes with each ' spelled '"'"'. */
static size_t
quote_into(char *out, const char *s)
{
	static const char safe[] = "_@%+=:,./-";
	size_t o = 0;
	const char *p;
	int bare = *s != '\0';

	for (p = s; *p && bare; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(safe, *p) != NULL))
			bare = 0;
	if (bare) {
		if (out)
			memcpy(out, s, strlen(s));
		return strlen(s);
	}
	if (out)
		out[o] = '\'';
	o++;
	for (p = s; *p; p++) {
		if (*p == '\'') {
			if (out)
				memcpy(out + o, "'\"'\"'", 5);
			o += 5;
		} else {
			if (out)
				out[o] = *p;
			o++;
		}
	}
	if (out)
		out[o] = '\'';
	return o + 1;
}

char *
exec_shlex_join(const char *const *argv, size_t argc)
{
	size_t i, n = 0, o = 0;
	char *s;

	for (i = 0; i < argc; i++)
		n += quote_into(NULL, argv[i]) + 1;
	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < argc; i++) {
		if (i)
			s[o++] = ' ';
		o += quote_into(s + o, argv[i]);
	}
	s[o] = '\0';
	return s;
}

json_t *
exec_fingerprint_command(const char *const *argv, size_t argc)
{
	char hex[65], *joined = exec_shlex_join(argv, argc);
	json_t *j;

	if (joined == NULL)
		return NULL;
	sha256_hex(hex, joined, strlen(joined));
	/* The reference: the executable names the kind; the secrets live in
	 * the arguments. */
	j = json_pack("{s:s, s:s, s:I}", "cmd_sha256", hex,
	    "cmd_kind", argc ? argv[0] : "EMPTY",
	    "cmd_len", (json_int_t)exec_cp_len(joined, strlen(joined)));
	OPENSSL_cleanse(joined, strlen(joined));
	free(joined);
	return j;
}

json_t *
exec_fingerprint_sql(const char *db, const char *sql)
{
	char hex[65], kind[256];

	sha256_hex(hex, sql, strlen(sql));
	exec_sql_kind(kind, sizeof kind, sql);
	return json_pack("{s:s, s:s, s:s, s:I}", "db", db, "sql_sha256", hex, "sql_kind", kind,
	    "sql_len", (json_int_t)exec_cp_len(sql, strlen(sql)));
}

void
exec_redacted_text(char *buf, size_t size, const json_t *fp)
{
	const char *kind = json_string_value(json_object_get(fp, "cmd_kind"));
	const char *sha = json_string_value(json_object_get(fp, "cmd_sha256"));
	json_int_t len = json_integer_value(json_object_get(fp, "cmd_len"));

	if (kind == NULL) {
		kind = json_string_value(json_object_get(fp, "sql_kind"));
		sha = json_string_value(json_object_get(fp, "sql_sha256"));
		len = json_integer_value(json_object_get(fp, "sql_len"));
	}
	snprintf(buf, size, "[redacted %s, %lld chars, sha256:%.12s]", kind ? kind : "?",
	    (long long)len, sha ? sha : "?");
}
