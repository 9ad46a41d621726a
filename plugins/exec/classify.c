/**
 * @file classify.c
 * @brief Heuristic risk of a container command and of SQL: the reference's
 *        classifiers (anchor-proximo.md section 2.4), which are our floor.
 *
 * They are tripwires, not sandboxes.  LOW only ever means "a known
 * read-only form" (a read can still exfiltrate); the absence of HIGH is no
 * safety signal.  The destructive patterns scan the whole command, so an
 * `sh -c "..."` wrapper does not hide what it wraps.
 *
 * The patterns are PCRE2 with Unicode semantics (UTF + UCP + caseless), as
 * Python's re has them for str patterns.  Python's \s also matches the
 * separators U+001C..U+001F and U+0085, which PCRE2's does not: WS and NWS
 * below spell Python's class out.  Python's re.IGNORECASE also takes the
 * dotless i and the long s for i and s, and the SQL backstops search
 * str.upper() of the statement: the text is searched case-folded (fold()),
 * which matches everything Python matches (and a few more, such as the
 * Kelvin sign for k: the safe side).  A pattern that cannot be evaluated
 * (malformed text, match limit) counts as a hit: doubt raises risk.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <pcre2.h>

#include "exec.h"

/* Python's \s and \S (see above). */
#define WS	"[\\s\\x{1c}-\\x{1f}\\x{85}]"
#define NWS	"[^\\s\\x{1c}-\\x{1f}\\x{85}]"

struct pattern {
	const char	*re;
	const char	*label;
	pcre2_code	*code;
};

/* Scanned over the argv joined with spaces.  Curated, not exhaustive. */
static struct pattern destructive[] = {
	{ "\\brm\\b" WS "+(?:-" NWS "+" WS "+)*-" NWS "*r", "rm -rf", NULL },
	{ "\\bdd\\b" WS "+(?:if=|of=)", "dd", NULL },
	{ "\\bmkfs(?:\\.\\w+)?\\b", "mkfs", NULL },
	{ "\\bwipefs\\b", "wipefs", NULL },
	{ "\\b(?:fdisk|parted|sgdisk|mkswap)\\b", "disk partitioning", NULL },
	{ "\\b(?:lvremove|vgremove|pvremove)\\b", "LVM removal", NULL },
	{ "\\bcryptsetup\\b" WS "+(?:luks(?:format|erase)|erase)\\b", "cryptsetup destructive", NULL },
	{ "\\bshred\\b", "shred", NULL },
	{ "\\bfind\\b.*" WS "-(?:delete|exec|execdir|ok|okdir)\\b", "find -delete/-exec", NULL },
	{ ":\\(\\)" WS "*\\{", "fork bomb", NULL },
	{ ">" WS "*/dev/", "redirect to /dev", NULL },
	{ ">" WS "*/etc/", "overwrite under /etc", NULL },
	{ "\\bch(?:mod|own)\\b" WS "+(?:-" NWS "+" WS "+)*-" NWS "*r", "recursive chmod/chown", NULL },
	{ "\\bchmod\\b[^&|;]*(?:\\+s|u\\+s|g\\+s|\\b[0-7]?[4-7][0-7]{3}\\b)", "chmod setuid/setgid",
	  NULL },
	{ "\\b(?:mv|cp|tee)\\b[^&|;]*(?:/etc/|/dev/|\\.ssh/)", "write to sensitive path", NULL },
	{ "\\b(?:iptables|ip6tables)\\b[^&|;]*-[FXZ]\\b", "iptables flush", NULL },
	{ "\\bnft\\b[^&|;]*\\bflush\\b", "nft flush", NULL },
	{ "\\buserdel\\b", "userdel", NULL },
	{ "\\buseradd\\b[^&|;]*-[ou]\\b", "useradd (override/uid)", NULL },
	{ "\\bcrontab\\b[^&|;]*-r\\b", "crontab -r", NULL },
	{ "\\bpasswd\\b", "passwd change", NULL },
	{ "\\bkill\\b" WS "+(?:-" NWS "+" WS "+)*1\\b", "kill PID 1", NULL },
	{ "\\b(?:shutdown|reboot|halt|poweroff)\\b", "host/guest power-off", NULL },
	{ "\\btruncate\\b", "truncate", NULL },
};

/* SQL backstops, searched in every statement whatever it starts with. */
static struct pattern sql_copy_program = { "\\bCOPY\\b[\\s\\S]+\\bPROGRAM\\b", NULL, NULL };
static struct pattern sql_high_fn = { "\\b(?:pg_terminate_backend|pg_drop_replication_slot"
    "|pg_create_(?:physical|logical)_replication_slot|pg_read_file|pg_read_binary_file"
    "|pg_write_file|pg_ls_dir|lo_import|lo_export|lo_unlink|dblink|pg_rotate_logfile)"
    WS "*\\(", NULL, NULL };
static struct pattern sql_med_fn = { "\\b(?:pg_cancel_backend|pg_reload_conf)" WS "*\\(",
    NULL, NULL };
static struct pattern sql_ddl = { "\\b(DROP|TRUNCATE|ALTER|GRANT|REVOKE)\\b", NULL, NULL };
static struct pattern sql_dml = { "\\b(INSERT|UPDATE|DELETE|MERGE)\\b", NULL, NULL };
/* str.isalpha() of a whole word. */
static struct pattern alpha_word = { "^\\p{L}+$", NULL, NULL };

#define NELEM(a) (sizeof (a) / sizeof (a)[0])

static pcre2_compile_context *cctx;
/* C.UTF-8, for the case mappings of characters outside ASCII. */
static locale_t utf8_locale;

static int
compile(struct pattern *p)
{
	int errcode;
	PCRE2_SIZE off;

	p->code = pcre2_compile((PCRE2_SPTR)p->re, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &errcode, &off, cctx);
	if (p->code == NULL) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(errcode, msg, sizeof msg);
		exec_host->log(exec_self, PXM_LOG_ERROR, "classifier pattern '%s' does not "
		    "compile at %zu: %s", p->re, (size_t)off, (const char *)msg);
		return PXM_E_INTERNAL;
	}
	return PXM_OK;
}

int
exec_classify_init(void)
{
	size_t i;
	int r;

	/* Case mappings of characters outside ASCII; without the locale
	 * they are left as they are (ASCII still folds). */
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	/* Python's '.' stops at "\n" only, whatever PCRE2 was built with. */
	if ((cctx = pcre2_compile_context_create(NULL)) == NULL ||
	    pcre2_set_newline(cctx, PCRE2_NEWLINE_LF) != 0)
		return PXM_E_NOMEM;
	for (i = 0; i < NELEM(destructive); i++)
		if ((r = compile(&destructive[i])) != PXM_OK)
			return r;
	if ((r = compile(&sql_copy_program)) != PXM_OK || (r = compile(&sql_high_fn)) != PXM_OK ||
	    (r = compile(&sql_med_fn)) != PXM_OK || (r = compile(&sql_ddl)) != PXM_OK ||
	    (r = compile(&sql_dml)) != PXM_OK || (r = compile(&alpha_word)) != PXM_OK)
		return r;
	return PXM_OK;
}

static void
release(struct pattern *p)
{
	pcre2_code_free(p->code);
	p->code = NULL;
}

void
exec_classify_fini(void)
{
	size_t i;

	for (i = 0; i < NELEM(destructive); i++)
		release(&destructive[i]);
	release(&sql_copy_program);
	release(&sql_high_fn);
	release(&sql_med_fn);
	release(&sql_ddl);
	release(&sql_dml);
	release(&alpha_word);
	pcre2_compile_context_free(cctx);
	cctx = NULL;
	if (utf8_locale != (locale_t)0)
		freelocale(utf8_locale);
	utf8_locale = (locale_t)0;
}

/* 1: found (group 1 copied into grp when asked), 0: not found, -1: the
 * search could not be made (the caller treats that as found). */
static int
search(const struct pattern *p, const char *s, size_t n, char *grp, size_t grpsz)
{
	pcre2_match_data *md;
	PCRE2_SIZE *ov;
	int rc;

	if (p->code == NULL)
		return -1;
	if ((md = pcre2_match_data_create_from_pattern(p->code, NULL)) == NULL)
		return -1;
	rc = pcre2_match(p->code, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
	if (rc > 1 && grp) {
		ov = pcre2_get_ovector_pointer(md);
		snprintf(grp, grpsz, "%.*s", (int)(ov[3] - ov[2]), s + ov[2]);
		/* sql_ddl/sql_dml match caselessly; Python searched the
		 * upper-cased text, so it named the keyword in capitals. */
		for (; *grp; grp++)
			if (*grp >= 'a' && *grp <= 'z')
				*grp = (char)(*grp - 'a' + 'A');
	}
	pcre2_match_data_free(md);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return rc > 0 ? 1 : -1;
}

static void
add_reason(json_t *reasons, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appended once: the reference keeps the first of duplicates. */
static void
add_reason(json_t *reasons, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	size_t i;
	json_t *v;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_array_foreach(reasons, i, v)
		if (strcmp(json_string_value(v), buf) == 0)
			return;
	json_array_append_new(reasons, json_string(buf));
}

/* ------------------------------------------------------------------ text */

/* Decode one UTF-8 character (valid input: it came from JSON). */
static unsigned
utf8_char(const unsigned char *s, size_t *len)
{
	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0 && s[1]) {
		*len = 2;
		return ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
	}
	if ((s[0] & 0xf0) == 0xe0 && s[1] && s[2]) {
		*len = 3;
		return ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
	}
	if ((s[0] & 0xf8) == 0xf0 && s[1] && s[2] && s[3]) {
		*len = 4;
		return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) |
		    (s[3] & 0x3fu);
	}
	*len = 1;
	return 0xfffd;
}

/* Python's str.isspace(). */
static int
py_space(unsigned c)
{
	return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202f || c == 0x205f || c == 0x3000;
}

/* Append code point c to b as UTF-8. */
static size_t
put_utf8(char *b, unsigned c)
{
	if (c < 0x80) {
		b[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		b[0] = (char)(0xc0 | (c >> 6));
		b[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		b[0] = (char)(0xe0 | (c >> 12));
		b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	b[0] = (char)(0xf0 | (c >> 18));
	b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	b[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* The text case-folded for a caseless search: each character's simple
 * lower case, with Python's re equivalences (dotless i is i, long s is s,
 * the st ligatures are st).  New string of *outlen bytes. */
static char *
fold(const char *s, size_t n, size_t *outlen)
{
	char *out = malloc(n * 2 + 1);
	size_t i = 0, o = 0, k;
	unsigned c;

	if (out == NULL)
		return NULL;
	while (i < n) {
		c = utf8_char((const unsigned char *)s + i, &k);
		i += k;
		if (c == 0x131)
			c = 'i';
		else if (c == 0x17f)
			c = 's';
		else if (c == 0xfb05 || c == 0xfb06) {
			out[o++] = 's';
			c = 't';
		} else if (c >= 0x80 && utf8_locale != (locale_t)0)
			c = (unsigned)towlower_l((wint_t)c, utf8_locale);
		o += put_utf8(out + o, c);
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* str.upper() of a word into buf: simple upper case, and the expansions
 * Latin text meets (sharp s, the ligatures). */
static void
py_upper(char *buf, size_t size, const char *s, size_t n)
{
	static const struct { unsigned c; const char *up; } expand[] = {
		{ 0xdf, "SS" }, { 0xfb00, "FF" }, { 0xfb01, "FI" }, { 0xfb02, "FL" },
		{ 0xfb03, "FFI" }, { 0xfb04, "FFL" }, { 0xfb05, "ST" }, { 0xfb06, "ST" },
		{ 0x149, "\xca\xbcN" },
	};
	size_t i = 0, o = 0, k, e;
	unsigned c;
	char tmp[8];

	while (i < n) {
		c = utf8_char((const unsigned char *)s + i, &k);
		i += k;
		for (e = 0; e < sizeof expand / sizeof expand[0] && expand[e].c != c; e++)
			;
		if (e < sizeof expand / sizeof expand[0]) {
			k = strlen(expand[e].up);
			memcpy(tmp, expand[e].up, k);
		} else {
			if (c < 0x80)
				c = (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
			else if (utf8_locale != (locale_t)0)
				c = (unsigned)towupper_l((wint_t)c, utf8_locale);
			k = put_utf8(tmp, c);
		}
		if (o + k + 1 > size)
			break;
		memcpy(buf + o, tmp, k);
		o += k;
	}
	buf[o] = '\0';
}

/* --------------------------------------------------------------- commands */

static const char *const read_commands[] = {
	"cat", "ls", "grep", "egrep", "fgrep", "journalctl", "ps", "df", "free", "stat", "head",
	"tail", "echo", "pwd", "whoami", "id", "uptime", "date", "hostname", "uname", "printenv",
	"which", "wc", "du", "top", "ss", "netstat", "lsblk", "getent", "dmesg", "lscpu",
};
static const char *const systemctl_read[] = {
	"status", "is-active", "is-enabled", "is-failed", "show", "list-units", "list-unit-files",
	"cat", "get-default",
};
static const char *const systemctl_high[] = { "mask", "unmask", "kill" };
/* Read-only unless an argument names a mutating form; sorted, as the
 * reference reports them sorted. */
static const char *const ip_mutating[] = {
	"add", "append", "change", "del", "delete", "flush", "prepend", "replace", "set",
};
static const char *const find_mutating[] = {
	"-delete", "-exec", "-execdir", "-fls", "-fprint", "-fprint0", "-fprintf", "-ok", "-okdir",
};

static int
in(const char *s, const char *const *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return 1;
	return 0;
}

int
exec_classify_command(uint32_t *risk, json_t **reasons, const char *const *argv, size_t argc)
{
	char *joined = NULL, *folded, *p;
	const char *first, *slash;
	size_t i, len = 0, flen = 0;
	int hit;

	*reasons = json_array();
	if (*reasons == NULL)
		return PXM_E_NOMEM;
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((joined = malloc(len + 1)) == NULL) {
		json_decref(*reasons);
		*reasons = NULL;
		return PXM_E_NOMEM;
	}
	for (p = joined, i = 0; i < argc; i++) {
		if (i)
			*p++ = ' ';
		memcpy(p, argv[i], strlen(argv[i]));
		p += strlen(argv[i]);
	}
	*p = '\0';
	folded = fold(joined, (size_t)(p - joined), &flen);
	*risk = PXM_RISK_HIGH;
	for (i = 0; i < NELEM(destructive); i++) {
		hit = folded ? search(&destructive[i], folded, flen, NULL, 0) : -1;
		if (hit > 0)
			add_reason(*reasons, "matches destructive pattern: %s", destructive[i].label);
		else if (hit < 0)
			add_reason(*reasons, "could not be checked against the pattern '%s' (treated "
			    "as a match)", destructive[i].label);
	}
	free(joined);
	free(folded);
	if (json_array_size(*reasons) > 0)
		return PXM_OK;

	if (argc > 0) {
		slash = strrchr(argv[0], '/');
		first = slash ? slash + 1 : argv[0];
		if (strcmp(first, "systemctl") == 0) {
			const char *sub = argc > 1 ? argv[1] : "";

			if (in(sub, systemctl_high, NELEM(systemctl_high))) {
				add_reason(*reasons, "systemctl %s (disables or kills a service)", sub);
				return PXM_OK;
			}
			if (in(sub, systemctl_read, NELEM(systemctl_read))) {
				*risk = PXM_RISK_LOW;
				add_reason(*reasons, "looks read-only (systemctl query)");
				return PXM_OK;
			}
			*risk = PXM_RISK_MEDIUM;
			add_reason(*reasons, "may modify state (systemctl action)");
			return PXM_OK;
		}
		if (strcmp(first, "mount") == 0) {
			*risk = argc == 1 ? PXM_RISK_LOW : PXM_RISK_MEDIUM;
			add_reason(*reasons, argc == 1 ? "looks read-only (mount listing)" :
			    "may modify state (mount)");
			return PXM_OK;
		}
		if (strcmp(first, "ip") == 0 || strcmp(first, "find") == 0) {
			const char *const *set = first[0] == 'i' ? ip_mutating : find_mutating;
			size_t nset = first[0] == 'i' ? NELEM(ip_mutating) : NELEM(find_mutating), k;
			char muts[256] = "";

			for (k = 0; k < nset; k++) {
				for (i = 1; i < argc && strcmp(argv[i], set[k]) != 0; i++)
					;
				if (i < argc)
					snprintf(muts + strlen(muts), sizeof muts - strlen(muts), "%s%s",
					    muts[0] ? " " : "", set[k]);
			}
			if (muts[0]) {
				*risk = PXM_RISK_MEDIUM;
				add_reason(*reasons, "may modify state (%s %s)", first, muts);
			} else {
				*risk = PXM_RISK_LOW;
				add_reason(*reasons, "looks read-only");
			}
			return PXM_OK;
		}
		if (in(first, read_commands, NELEM(read_commands))) {
			*risk = PXM_RISK_LOW;
			add_reason(*reasons, "looks read-only");
			return PXM_OK;
		}
	}
	*risk = PXM_RISK_MEDIUM;
	add_reason(*reasons, "may modify state (unclassified)");
	return PXM_OK;
}

/* -------------------------------------------------------------------- SQL */

/* Length of the whitespace at s (bytes). */
static size_t
space_run(const char *s, const char *end)
{
	const char *p = s;
	size_t k;

	while (p < end && py_space(utf8_char((const unsigned char *)p, &k)))
		p += k;
	return (size_t)(p - s);
}

/* str.strip(): [*a, *b) narrowed. */
static void
strip(const char **a, const char **b)
{
	const char *p, *last;
	size_t k;

	*a += space_run(*a, *b);
	/* Walk forward remembering where the last non-space ended. */
	for (p = last = *a; p < *b; p += k)
		if (!py_space(utf8_char((const unsigned char *)p, &k)))
			last = p + k;
	*b = last;
}

/* The reference's comment stripping: "--" to the end of the line, then
 * innermost "/" "*" ... "*" "/" blocks (whose body has neither '*' nor '/')
 * until none is left, each replaced by a space.  New string. */
static char *
strip_comments(const char *sql)
{
	size_t n = strlen(sql), i, j, o;
	char *a = malloc(n + 1), *b;
	int changed;

	if (a == NULL)
		return NULL;
	for (i = o = 0; i < n;) {
		if (sql[i] == '-' && sql[i + 1] == '-') {
			while (i < n && sql[i] != '\n')
				i++;
			a[o++] = ' ';
		} else {
			a[o++] = sql[i++];
		}
	}
	a[o] = '\0';
	do {
		changed = 0;
		n = strlen(a);
		if ((b = malloc(n + 1)) == NULL) {
			free(a);
			return NULL;
		}
		for (i = o = 0; i < n;) {
			if (a[i] == '/' && a[i + 1] == '*') {
				for (j = i + 2; j < n && a[j] != '*' && a[j] != '/'; j++)
					;
				if (j + 1 < n && a[j] == '*' && a[j + 1] == '/') {
					b[o++] = ' ';
					i = j + 2;
					changed = 1;
					continue;
				}
			}
			b[o++] = a[i++];
		}
		b[o] = '\0';
		free(a);
		a = b;
	} while (changed);
	return a;
}

void
exec_sql_kind(char *buf, size_t size, const char *sql)
{
	char *clean = strip_comments(sql ? sql : "");
	const char *a, *b, *p;
	size_t k;

	if (clean == NULL) {
		snprintf(buf, size, "OTHER");
		return;
	}
	a = clean;
	b = clean + strlen(clean);
	strip(&a, &b);
	if (a == b) {
		snprintf(buf, size, "EMPTY");
		free(clean);
		return;
	}
	/* The first whitespace-separated word, if it is all letters
	 * (str.isalpha: Unicode category L), upper-cased. */
	for (p = a; p < b && !py_space(utf8_char((const unsigned char *)p, &k)); p += k)
		;
	if (search(&alpha_word, a, (size_t)(p - a), NULL, 0) != 1) {
		snprintf(buf, size, "OTHER");
		free(clean);
		return;
	}
	py_upper(buf, size, a, (size_t)(p - a));
	free(clean);
}

static const char *const sql_read[] = { "SELECT", "EXPLAIN", "SHOW", "VALUES", "TABLE" };
static const char *const sql_dml_words[] = { "INSERT", "UPDATE", "DELETE", "MERGE", "COPY",
    "UPSERT" };
static const char *const sql_ddl_words[] = { "DROP", "TRUNCATE", "ALTER", "CREATE", "GRANT",
    "REVOKE", "RENAME" };

static uint32_t
classify_statement(json_t *reasons, const char *s, size_t n)
{
	char word[64] = "", kw[32], *f;
	const char *p = s + space_run(s, s + n);
	size_t k = 0, fn = 0;
	uint32_t risk;
	int hit, word_ddl, word_dml;

	/* The leading word: ASCII letters after whitespace. */
	while (p + k < s + n && (((p[k] | 0x20) >= 'a' && (p[k] | 0x20) <= 'z')) &&
	    k + 1 < sizeof word) {
		word[k] = (p[k] >= 'a' && p[k] <= 'z') ? (char)(p[k] - 'a' + 'A') : p[k];
		k++;
	}
	word[k] = '\0';
	word_ddl = in(word, sql_ddl_words, NELEM(sql_ddl_words));
	word_dml = in(word, sql_dml_words, NELEM(sql_dml_words));
	if (in(word, sql_read, NELEM(sql_read))) {
		risk = PXM_RISK_LOW;
		add_reason(reasons, "read (%s)", word);
	} else if (word_dml) {
		risk = PXM_RISK_MEDIUM;
		add_reason(reasons, "write/DML (%s)", word);
	} else if (word_ddl) {
		risk = PXM_RISK_HIGH;
		add_reason(reasons, "schema/DDL (%s)", word);
	} else {
		risk = PXM_RISK_MEDIUM;
		add_reason(reasons, "unclassified (%s)", word[0] ? word : "empty");
	}

	/* Backstops: a dangerous token anywhere raises, whatever leads.
	 * Python searched the statement upper-cased; we search it folded. */
	f = fold(s, n, &fn);
	if ((hit = f ? search(&sql_copy_program, f, fn, NULL, 0) : -1) != 0) {
		risk = PXM_RISK_HIGH;
		add_reason(reasons, "COPY ... PROGRAM (command execution)");
	}
	if ((hit = f ? search(&sql_high_fn, f, fn, NULL, 0) : -1) != 0) {
		risk = PXM_RISK_HIGH;
		add_reason(reasons, "dangerous system function");
	}
	if ((hit = f ? search(&sql_ddl, f, fn, kw, sizeof kw) : -1) != 0) {
		risk = PXM_RISK_HIGH;
		if (!word_ddl)
			add_reason(reasons, "contains DDL keyword (%s)", hit > 0 ? kw : "?");
	}
	if ((hit = f ? search(&sql_dml, f, fn, kw, sizeof kw) : -1) != 0) {
		if (risk < PXM_RISK_MEDIUM)
			risk = PXM_RISK_MEDIUM;
		if (!word_dml)
			add_reason(reasons, "contains DML keyword (%s)", hit > 0 ? kw : "?");
	}
	if ((f ? search(&sql_med_fn, f, fn, NULL, 0) : -1) != 0) {
		if (risk < PXM_RISK_MEDIUM)
			risk = PXM_RISK_MEDIUM;
		add_reason(reasons, "intrusive system function");
	}
	free(f);
	return risk;
}

int
exec_classify_sql(uint32_t *risk, json_t **reasons, const char *sql)
{
	char *clean;
	const char *p, *end, *a, *b;
	size_t nstmt = 0;
	uint32_t r;

	*risk = PXM_RISK_NONE;
	if ((*reasons = json_array()) == NULL)
		return PXM_E_NOMEM;
	if ((clean = strip_comments(sql ? sql : "")) == NULL) {
		json_decref(*reasons);
		*reasons = NULL;
		return PXM_E_NOMEM;
	}
	for (p = clean; ; p = end + 1) {
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		a = p;
		b = end;
		strip(&a, &b);
		if (b > a) {
			nstmt++;
			r = classify_statement(*reasons, a, (size_t)(b - a));
			if (r > *risk)
				*risk = r;
		}
		if (*end == '\0')
			break;
	}
	free(clean);
	if (nstmt == 0) {
		*risk = PXM_RISK_LOW;
		add_reason(*reasons, "empty statement");
	} else if (nstmt > 1) {
		json_array_append_new(*reasons, json_string("multiple statements"));
	}
	return PXM_OK;
}
