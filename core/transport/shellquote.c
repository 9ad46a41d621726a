/**
 * @file shellquote.c
 * @brief Single-quote encoding of an argv for the remote shell, and the
 *        `pct exec` command line around it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "transport/shellquote.h"
#include "transport/ssh_text.h"
#include "util/error.h"

/* Check one element before anything is written: NUL and invalid UTF-8. */
static int
check_element(struct pxm_error *err, const char *s, size_t len, size_t index)
{
	const char *nul;
	size_t bad;

	if ((nul = memchr(s, '\0', len)) != NULL)
		return pxm_error_set(err, PXM_E_INVAL, "argv",
		    "argv[%zu] contains a NUL byte (at offset %zu): an argument "
		    "cannot carry NUL; accepted: UTF-8 text without NUL",
		    index, (size_t)(nul - s));
	if ((bad = pxm_utf8_valid_prefix(s, len)) != len)
		return pxm_error_set(err, PXM_E_INVAL, "argv",
		    "argv[%zu] is not valid UTF-8 (byte 0x%02x at offset %zu); "
		    "accepted: UTF-8 text", index,
		    (unsigned)(unsigned char)s[bad], bad);
	return PXM_OK;
}

/* Append one element as '...' with every ' turned into '\''. */
static int
quote_one(struct pxm_buf *b, const char *s, size_t len)
{
	const char *p = s, *q, *end = s + len;
	int r;

	if ((r = pxm_buf_putc(b, '\'')) != PXM_OK)
		return r;
	while ((q = memchr(p, '\'', (size_t)(end - p))) != NULL) {
		if ((r = pxm_buf_append(b, p, (size_t)(q - p))) != PXM_OK ||
		    (r = pxm_buf_append(b, "'\\''", 4)) != PXM_OK)
			return r;
		p = q + 1;
	}
	if ((r = pxm_buf_append(b, p, (size_t)(end - p))) != PXM_OK)
		return r;
	return pxm_buf_putc(b, '\'');
}

/* Quote argv onto tmp (which may hold a prefix already), checking limits. */
static int
quote_argv(struct pxm_buf *tmp, struct pxm_error *err, const char *const *argv,
    const size_t *lens, size_t argc)
{
	size_t i, len;
	int r;

	if (argv == NULL || argc == 0)
		return pxm_error_set(err, PXM_E_INVAL, "argv",
		    "the command is empty; give the program and its arguments "
		    "as an array of strings, e.g. [\"systemctl\", \"status\", \"nginx\"]");
	if (argc > PXM_SHELL_MAX_ARGC)
		return pxm_error_set(err, PXM_E_INVAL, "argv",
		    "the command has %zu elements; at most %u are accepted",
		    argc, PXM_SHELL_MAX_ARGC);
	for (i = 0; i < argc; i++) {
		if (argv[i] == NULL)
			return pxm_error_set(err, PXM_E_INVAL, "argv",
			    "argv[%zu] is missing (NULL); every element must be a string", i);
		len = lens ? lens[i] : strlen(argv[i]);
		if ((r = check_element(err, argv[i], len, i)) != PXM_OK)
			return r;
		/* Cheap early stop: quoting never shrinks an element. */
		if (tmp->len + (tmp->len ? 1 : 0) + len + 2 > PXM_SHELL_MAX_COMMAND)
			goto too_long;
		if (tmp->len > 0 && (r = pxm_buf_putc(tmp, ' ')) != PXM_OK)
			return r;
		if ((r = quote_one(tmp, argv[i], len)) != PXM_OK)
			return r;
		if (tmp->len > PXM_SHELL_MAX_COMMAND)
			goto too_long;
	}
	return PXM_OK;
too_long:
	return pxm_error_set(err, PXM_E_INVAL, "argv",
	    "the command is longer than %u bytes once quoted for the remote "
	    "shell (which receives it as one argument); shorten it or pass "
	    "large data another way", PXM_SHELL_MAX_COMMAND);
}

int
pxm_shell_quote_argv(struct pxm_buf *out, struct pxm_error *err,
    const char *const *argv, const size_t *lens, size_t argc)
{
	struct pxm_buf tmp = PXM_BUF_INIT;
	int r = PXM_E_INTERNAL;

	if ((r = quote_argv(&tmp, err, argv, lens, argc)) != PXM_OK)
		goto out;
	r = pxm_buf_append(out, tmp.data, tmp.len);
out:
	pxm_buf_free(&tmp);
	return r;
}

int
pxm_vmid_valid(const char *s)
{
	size_t n;

	if (s == NULL || s[0] < '1' || s[0] > '9')
		return 0;
	for (n = 1; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9' || n >= 9)
			return 0;
	return n >= 3;
}

int
pxm_pct_command_valid(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || s[0] == '-')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (i >= 255)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '/' ||
		    c == '+' || c == '-'))
			return 0;
	}
	/* A relative path would depend on the remote working directory. */
	if (strchr(s, '/') != NULL && s[0] != '/')
		return 0;
	return 1;
}

int
pxm_pct_exec_command(struct pxm_buf *out, struct pxm_error *err,
    const char *pct, const char *ctid, const char *const *argv,
    const size_t *lens, size_t argc, uint32_t timeout_ms)
{
	struct pxm_buf tmp = PXM_BUF_INIT;
	char shown[80], secs[32];
	int r = PXM_E_INTERNAL;

	if (!pxm_vmid_valid(ctid)) {
		pxm_text_sanitize(shown, sizeof shown, ctid ? ctid : "(none)", 32);
		r = pxm_error_set(err, PXM_E_INVAL, "vmid",
		    "'%s' is not a container id; accepted: 100 to 999999999, "
		    "ASCII digits only, no sign, spaces or leading zero", shown);
		goto out;
	}
	if (!pxm_pct_command_valid(pct)) {
		pxm_text_sanitize(shown, sizeof shown, pct ? pct : "(none)", 64);
		r = pxm_error_set(err, PXM_E_CONFIG, "config",
		    "PROXIMO_PCT_COMMAND '%s' is not usable; accepted: a program "
		    "name or an absolute path of letters, digits and _ . / + -", shown);
		goto out;
	}
	if (timeout_ms == 0 || timeout_ms > PXM_PCT_MAX_TIMEOUT_MS) {
		r = pxm_error_set(err, PXM_E_INVAL, "timeout",
		    "a command deadline of %u ms is not accepted; accepted: "
		    "1 to %u ms", timeout_ms, PXM_PCT_MAX_TIMEOUT_MS);
		goto out;
	}
	snprintf(secs, sizeof secs, "%u.%03us", timeout_ms / 1000u, timeout_ms % 1000u);
	{
		/* Every fixed word is quoted too: nothing reaches the remote
		 * shell unquoted. */
		const char *head[] = { "timeout", "-s", "KILL", secs, pct, "exec",
		    ctid, "--" };

		if ((r = quote_argv(&tmp, err, head, NULL, sizeof head / sizeof head[0])) != PXM_OK)
			goto out;
	}
	if ((r = pxm_buf_putc(&tmp, ' ')) != PXM_OK)
		goto out;
	{
		/* The user's argv on its own, so its limits and its element
		 * numbers in errors are the user's; then the total. */
		size_t prefix = tmp.len;
		struct pxm_buf args = PXM_BUF_INIT;

		r = quote_argv(&args, err, argv, lens, argc);
		if (r == PXM_OK && prefix + args.len > PXM_SHELL_MAX_COMMAND)
			r = pxm_error_set(err, PXM_E_INVAL, "argv",
			    "the command is longer than %u bytes once quoted for "
			    "the remote shell (which receives it as one argument); "
			    "shorten it or pass large data another way",
			    PXM_SHELL_MAX_COMMAND);
		if (r == PXM_OK)
			r = pxm_buf_append(&tmp, args.data, args.len);
		pxm_buf_free(&args);
		if (r != PXM_OK)
			goto out;
	}
	r = pxm_buf_append(out, tmp.data, tmp.len);
out:
	pxm_buf_free(&tmp);
	return r;
}

void
pxm_argv_free(char **argv, size_t *lens, size_t argc)
{
	size_t i;

	if (argv != NULL)
		for (i = 0; i < argc; i++)
			free(argv[i]);
	free(argv);
	free(lens);
}

int
pxm_argv_from_json(char ***argv_out, size_t **lens_out, size_t *argc_out,
    struct pxm_error *err, const json_t *array)
{
	char **argv = NULL;
	size_t *lens = NULL, n = 0, i;
	int r = PXM_E_INTERNAL;

	*argv_out = NULL;
	*lens_out = NULL;
	*argc_out = 0;
	if (!json_is_array(array)) {
		r = pxm_error_set(err, PXM_E_INVAL, "argv",
		    "the command must be an array of strings (argv), not a "
		    "shell string; e.g. [\"ls\", \"-l\", \"/etc\"]");
		goto out;
	}
	n = json_array_size(array);
	if (n == 0 || n > PXM_SHELL_MAX_ARGC) {
		r = pxm_error_set(err, PXM_E_INVAL, "argv",
		    "the command has %zu elements; accepted: 1 to %u", n,
		    PXM_SHELL_MAX_ARGC);
		goto out;
	}
	if ((argv = calloc(n + 1, sizeof *argv)) == NULL ||
	    (lens = calloc(n, sizeof *lens)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const json_t *v = json_array_get(array, i);

		if (!json_is_string(v)) {
			r = pxm_error_set(err, PXM_E_INVAL, "argv",
			    "command[%zu] is not a string; every element of the "
			    "command must be a string", i);
			goto out;
		}
		lens[i] = json_string_length(v);
		if ((argv[i] = malloc(lens[i] + 1)) == NULL) {
			r = PXM_E_NOMEM;
			goto out;
		}
		memcpy(argv[i], json_string_value(v), lens[i] + 1);
	}
	*argv_out = argv;
	*lens_out = lens;
	*argc_out = n;
	argv = NULL;
	lens = NULL;
	r = PXM_OK;
out:
	pxm_argv_free(argv, lens, n);
	return r;
}
