/**
 * @file secret.c
 * @brief Secret files and the output scrubber.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util/buf.h"
#include "util/error.h"
#include "util/secret.h"
#include "util/settings.h"

#define SECRET_MAX_BYTES	(64 * 1024)
#define SECRET_MIN_REGISTER	8

static char **secrets;
static size_t nsecrets;

void
pxm_secret_register(const char *s)
{
	char **n;
	size_t i;

	if (s == NULL || strlen(s) < SECRET_MIN_REGISTER)
		return;
	for (i = 0; i < nsecrets; i++)
		if (strcmp(secrets[i], s) == 0)
			return;
	if ((n = realloc(secrets, (nsecrets + 1) * sizeof *n)) == NULL)
		return;
	secrets = n;
	if ((secrets[nsecrets] = strdup(s)) != NULL)
		nsecrets++;
}

void
pxm_secret_forget_all(void)
{
	size_t i;

	for (i = 0; i < nsecrets; i++)
		pxm_secret_free(secrets[i]);
	free(secrets);
	secrets = NULL;
	nsecrets = 0;
}

void
pxm_secret_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

static int
check_stat(struct pxm_error *err, const struct stat *st, const char *path,
    const char *what)
{
	if (!S_ISREG(st->st_mode))
		return pxm_error_set(err, PXM_E_CONFIG, "secret_file",
		    "%s: %s is not a regular file", what, path);
	if (st->st_mode & 077)
		return pxm_error_set(err, PXM_E_CONFIG, "secret_file",
		    "%s: %s is group/other-accessible (mode %03o). Refusing: "
		    "anything on this box could read the secret. Fix: chmod 600 %s",
		    what, path, (unsigned)(st->st_mode & 0777), path);
	if (st->st_uid != geteuid() && st->st_uid != 0)
		return pxm_error_set(err, PXM_E_CONFIG, "secret_file",
		    "%s: %s is owned by uid %u, not by this user (uid %u) or root. "
		    "Refusing a secret another account controls", what, path,
		    (unsigned)st->st_uid, (unsigned)geteuid());
	return PXM_OK;
}

int
pxm_secret_file_check(struct pxm_error *err, const char *path, const char *what)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return pxm_error_set(err, PXM_E_CONFIG, "secret_file",
		    "%s: cannot read %s: %s", what, path, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return pxm_error_set(err, PXM_E_CONFIG, "secret_file",
		    "%s: %s is a symbolic link; point the setting at the file itself",
		    what, path);
	return check_stat(err, &st, path, what);
}

int
pxm_secret_file_read(char **out, struct pxm_error *err, const char *path,
    const char *what)
{
	struct pxm_buf b = PXM_BUF_INIT;
	struct stat st;
	char chunk[4096], *sep;
	ssize_t n;
	int fd = -1, r = PXM_E_INTERNAL;

	*out = NULL;
	if (path == NULL || *path == '\0') {
		r = pxm_error_set(err, PXM_E_CONFIG, "secret_file", "%s is not set", what);
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		r = pxm_error_set(err, PXM_E_CONFIG, "secret_file",
		    "%s: cannot open %s: %s%s", what, path, strerror(errno),
		    errno == ELOOP ? " (symbolic links are refused)" : "");
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		r = pxm_error_set(err, PXM_E_CONFIG, "secret_file",
		    "%s: cannot stat %s: %s", what, path, strerror(errno));
		goto out;
	}
	if ((r = check_stat(err, &st, path, what)) != PXM_OK)
		goto out;
	/* Reserve once so the secret is never copied by a realloc. */
	if ((r = pxm_buf_reserve(&b, SECRET_MAX_BYTES)) != PXM_OK)
		goto out;
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		if (b.len + (size_t)n > SECRET_MAX_BYTES) {
			r = pxm_error_set(err, PXM_E_CONFIG, "secret_file",
			    "%s: %s is larger than %d bytes", what, path, SECRET_MAX_BYTES);
			goto out;
		}
		pxm_buf_append(&b, chunk, (size_t)n);
	}
	OPENSSL_cleanse(chunk, sizeof chunk);
	if (n < 0) {
		r = pxm_error_set(err, PXM_E_CONFIG, "secret_file",
		    "%s: cannot read %s: %s", what, path, strerror(errno));
		goto out;
	}
	while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r' ||
	    b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\t'))
		b.data[--b.len] = '\0';
	if (b.len == 0) {
		r = pxm_error_set(err, PXM_E_CONFIG, "secret_file",
		    "%s: %s is empty", what, path);
		goto out;
	}
	if (memchr(b.data, '\0', b.len) != NULL || strchr(b.data, '\n') != NULL) {
		r = pxm_error_set(err, PXM_E_CONFIG, "secret_file",
		    "%s: %s must hold one line of text", what, path);
		goto out;
	}
	pxm_secret_register(b.data);
	if ((sep = strpbrk(b.data, "=:")) != NULL)
		pxm_secret_register(sep + 1);
	if ((*out = strdup(b.data)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	r = PXM_OK;
out:
	if (fd >= 0)
		close(fd);
	pxm_buf_free_secret(&b);
	return r;
}

/* Credential shapes scrubbed even when the literal was never registered:
 * "<prefix><non-space run>". */
static const char *const shapes[] = {
	"PVEAPIToken=", "PBSAPIToken=", "PDMAPIToken ", "Bearer ",
	"PVEAuthCookie=", "PBSAuthCookie=", "PMGAuthCookie=",
	"CSRFPreventionToken: ",
};

char *
pxm_secret_scrub(const char *in)
{
	struct pxm_buf b = PXM_BUF_INIT;
	const char *p = in;
	size_t i, best_len;
	int best_shape;

	if (pxm_buf_reserve(&b, strlen(in)) != PXM_OK)
		return NULL;
	while (*p) {
		best_len = 0;
		best_shape = 0;
		for (i = 0; i < nsecrets; i++) {
			size_t l = strlen(secrets[i]);
			if (l > best_len && strncmp(p, secrets[i], l) == 0) {
				best_len = l;
				best_shape = 0;
			}
		}
		for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
			size_t l = strlen(shapes[i]);
			if (strncmp(p, shapes[i], l) == 0 && p[l] && p[l] != ' ') {
				size_t e = l;
				while (p[e] && p[e] != ' ' && p[e] != '\n' && p[e] != '"' &&
				    p[e] != '\r' && p[e] != '\t' && p[e] != ';')
					e++;
				if (e > best_len) {
					best_len = e;
					best_shape = (int)i + 1;
				}
			}
		}
		if (best_len) {
			if (best_shape)
				pxm_buf_append(&b, shapes[best_shape - 1],
				    strlen(shapes[best_shape - 1]));
			pxm_buf_puts(&b, "<redacted>");
			p += best_len;
		} else {
			pxm_buf_putc(&b, *p++);
		}
	}
	return pxm_buf_steal(&b);
}

void
pxm_secret_scrub_buf(char *buf, size_t size)
{
	char *clean;

	if (buf == NULL || size == 0 || (clean = pxm_secret_scrub(buf)) == NULL)
		return;
	snprintf(buf, size, "%s", clean);
	free(clean);
}

int
pxm_secret_protect_process(struct pxm_error *err)
{
	struct rlimit rl = { 0, 0 };
	int allow = 0, r;

	if ((r = pxm_config_bool(&allow, err, "PROXIMO_ALLOW_CORE_DUMPS", 0)) != PXM_OK)
		return r;
	if (allow)
		return PXM_OK;
	/* A core file would hold the ledger key and any token in memory. */
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		return pxm_error_set(err, PXM_E_INTERNAL, "secret_protect",
		    "cannot disable core dumps (setrlimit RLIMIT_CORE): %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return pxm_error_set(err, PXM_E_INTERNAL, "secret_protect",
		    "cannot make the process non-dumpable (prctl PR_SET_DUMPABLE): %s",
		    strerror(errno));
	return PXM_OK;
}
