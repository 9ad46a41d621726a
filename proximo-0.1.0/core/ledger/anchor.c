/**
 * @file anchor.c
 * @brief Off-box head anchors: the file sink (read + compare-and-swap) and
 *        the write-only syslog sink.
 *
 * A forward walk cannot see that the last k entries were cut off; a pin
 * kept elsewhere can.  The pin is {head, entries, ts, node, ledger_path}.
 * The file sink is updated like a transparency-log witness: under a lock,
 * only from the pin the caller verified against, never backwards, written
 * to a temporary file, fsynced and renamed over the old one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "ledger/internal.h"
#include "ledger/io.h"
#include "util/error.h"
#include "util/log.h"

int
pxm_anchor_kind(int *kind, struct pxm_error *err, const char *sink)
{
	*kind = ANCHOR_NONE;
	if (sink == NULL || *sink == '\0' || strcmp(sink, "none") == 0)
		return PXM_OK;
	if (strcmp(sink, "file") == 0) {
		*kind = ANCHOR_FILE;
		return PXM_OK;
	}
	if (strcmp(sink, "syslog") == 0) {
		*kind = ANCHOR_SYSLOG;
		return PXM_OK;
	}
	return pxm_error_set(err, PXM_E_CONFIG, "anchor",
	    "PROXIMO_AUDIT_ANCHOR_SINK='%s' is not supported; accepted: none, file, "
	    "syslog (http and journal are not built into this version)", sink);
}

static int
parse_pin(struct pxm_anchor_pin *pin, struct pxm_error *err, const char *path,
    const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, 0, NULL), *h, *n, *ts;
	int r = PXM_E_CONFIG;

	memset(pin, 0, sizeof *pin);
	if (j == NULL || !json_is_object(j) || !json_is_string(h = json_object_get(j, "head")) ||
	    !pxm_ledger_looks_like_head(json_string_value(h))) {
		r = pxm_error_set(err, PXM_E_CONFIG, "anchor",
		    "anchor file %s is corrupt: expected a JSON object with a 64-hex "
		    "\"head\"; refusing to start without a trustworthy pin", path);
		goto out;
	}
	n = json_object_get(j, "entries");
	if (n != NULL && (!json_is_integer(n) || json_integer_value(n) < 0)) {
		r = pxm_error_set(err, PXM_E_CONFIG, "anchor",
		    "anchor file %s is corrupt: \"entries\" must be a whole number", path);
		goto out;
	}
	pin->have = 1;
	memcpy(pin->head, json_string_value(h), 65);
	pin->entries = n ? (uint64_t)json_integer_value(n) : 0;
	if (json_is_string(ts = json_object_get(j, "ts")))
		snprintf(pin->ts, sizeof pin->ts, "%s", json_string_value(ts));
	r = PXM_OK;
out:
	json_decref(j);
	return r;
}

int
pxm_anchor_file_read(struct pxm_anchor_pin *pin, struct pxm_error *err, const char *path)
{
	char buf[8192], *copy = NULL;
	struct stat st;
	ssize_t n;
	int fd, r;

	memset(pin, 0, sizeof *pin);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			/* First run, if the directory is there. */
			if ((copy = strdup(path)) == NULL)
				return PXM_E_NOMEM;
			r = stat(dirname(copy), &st) == 0 && S_ISDIR(st.st_mode) ? PXM_OK :
			    pxm_error_set(err, PXM_E_CONFIG, "anchor",
			    "PROXIMO_AUDIT_ANCHOR_FILE_PATH: the directory of %s does not "
			    "exist (anchor unreachable); refusing to start", path);
			free(copy);
			return r;
		}
		return pxm_error_set(err, PXM_E_CONFIG, "anchor",
		    "PROXIMO_AUDIT_ANCHOR_FILE_PATH: cannot read %s: %s (anchor "
		    "unreachable); refusing to start", path, strerror(errno));
	}
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < 0)
		return pxm_error_set(err, PXM_E_CONFIG, "anchor",
		    "PROXIMO_AUDIT_ANCHOR_FILE_PATH: cannot read %s: %s", path, strerror(errno));
	return parse_pin(pin, err, path, buf, (size_t)n);
}

static int
same_pin(const struct pxm_anchor_pin *a, const struct pxm_anchor_pin *b)
{
	if (a->have != b->have)
		return 0;
	return !a->have || (strcmp(a->head, b->head) == 0 && a->entries == b->entries);
}

static char *
pin_json(const struct pxm_anchor_pin *pin, const char *node, const char *ledger_path)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I}", "head", pin->head, "ts", pin->ts,
	    "node", node ? node : "", "ledger_path", ledger_path ? ledger_path : "",
	    "entries", (json_int_t)pin->entries);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return s;
}

int
pxm_anchor_file_cas(struct pxm_error *err, const char *path,
    const struct pxm_anchor_pin *old, const struct pxm_anchor_pin *pin,
    const char *node, const char *ledger_path)
{
	struct pxm_anchor_pin cur;
	char *lock = NULL, *tmp = NULL, *dir = NULL, *copy = NULL, *text = NULL;
	size_t n = strlen(path) + 32, tl;
	int lfd = -1, fd = -1, r = PXM_E_INTERNAL;

	if ((lock = malloc(n)) == NULL || (tmp = malloc(n)) == NULL ||
	    (copy = strdup(path)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	dir = dirname(copy);
	snprintf(lock, n, "%s.lock", path);
	snprintf(tmp, n, "%s/.proximo-anchor-XXXXXX", dir);
	if ((lfd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 ||
	    pxm_ledger_io->flock(lfd, LOCK_EX) != 0) {
		r = pxm_error_set(err, PXM_E_STATE, "anchor",
		    "cannot lock the anchor %s: %s", lock, strerror(errno));
		goto out;
	}
	/* Compare... */
	if ((r = pxm_anchor_file_read(&cur, err, path)) != PXM_OK)
		goto out;
	if (!same_pin(&cur, old)) {
		r = pxm_error_set(err, PXM_E_STATE, "anchor_moved",
		    "the anchor %s moved since it was read (now %.16s… at %" PRIu64
		    " entries); not re-pinned", path, cur.have ? cur.head : "none",
		    cur.entries);
		goto out;
	}
	if (cur.have && (pin->entries < cur.entries ||
	    (pin->entries == cur.entries && strcmp(pin->head, cur.head) != 0))) {
		r = pxm_error_set(err, PXM_E_STATE, "anchor_backwards",
		    "refusing to move the anchor %s backwards or sideways (%" PRIu64
		    " -> %" PRIu64 " entries)", path, cur.entries, pin->entries);
		goto out;
	}
	/* ...and swap. */
	if ((text = pin_json(pin, node, ledger_path)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	tl = strlen(text);
	if ((fd = mkstemp(tmp)) < 0 || fchmod(fd, 0600) != 0 ||
	    pxm_ledger_io->write(fd, text, tl) != (ssize_t)tl ||
	    pxm_ledger_io->write(fd, "\n", 1) != 1 || pxm_ledger_io->fsync(fd) != 0 ||
	    pxm_ledger_io->rename(tmp, path) != 0) {
		r = pxm_error_set(err, PXM_E_STATE, "anchor",
		    "cannot publish the anchor %s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		goto out;
	}
	{
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			pxm_ledger_io->fsync(dfd);
			close(dfd);
		}
	}
	r = PXM_OK;
out:
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);	/* releases the lock */
	free(text);
	free(lock);
	free(tmp);
	free(copy);
	return r;
}

/* RFC 5424 header tokens: printable, no spaces, at most 48 chars. */
static void
token(char *out, size_t size, const char *in, const char *extra)
{
	size_t o = 0;

	for (; in && *in && o + 1 < size && o < 48; in++) {
		char c = *in;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
		    strchr(extra, c) != NULL)
			out[o++] = c;
	}
	if (o == 0)
		out[o++] = '-';
	out[o] = '\0';
}

static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
pxm_anchor_syslog_send(struct pxm_error *err, const char *address,
    const struct pxm_anchor_pin *pin, const char *node, const char *ledger_path)
{
	struct pxm_buf frame = PXM_BUF_INIT;
	struct sockaddr_un sun;
	struct addrinfo hints, *ai = NULL, *a;
	char ts[64], nd[64], host[256], *json = NULL, *colon;
	int fd = -1, r = PXM_E_INTERNAL, types[2] = { SOCK_DGRAM, SOCK_STREAM }, i;

	if ((json = pin_json(pin, node, ledger_path)) == NULL)
		return PXM_E_NOMEM;
	token(ts, sizeof ts, pin->ts, ":+");
	token(nd, sizeof nd, node, "");
	pxm_buf_printf(&frame, "<134>1 %s %s proximo-anchor - AUDITHEAD - %s\n", ts, nd, json);
	if (frame.data == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	if (address[0] == '/') {
		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		if (strlen(address) >= sizeof sun.sun_path) {
			r = pxm_error_set(err, PXM_E_CONFIG, "anchor",
			    "PROXIMO_AUDIT_ANCHOR_SYSLOG_ADDRESS: socket path too long");
			goto out;
		}
		memcpy(sun.sun_path, address, strlen(address) + 1);
		/* Datagram first (as /dev/log), then stream. */
		for (i = 0; i < 2; i++) {
			if ((fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0)) < 0)
				continue;
			if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0 &&
			    send_all(fd, frame.data, frame.len) == 0) {
				r = PXM_OK;
				goto out;
			}
			close(fd);
			fd = -1;
		}
		r = pxm_error_set(err, PXM_E_TRANSPORT, "anchor",
		    "cannot send the head to syslog socket %s: %s", address, strerror(errno));
		goto out;
	}
	snprintf(host, sizeof host, "%s", address);
	if ((colon = strrchr(host, ':')) == NULL || colon[1] == '\0') {
		r = pxm_error_set(err, PXM_E_CONFIG, "anchor",
		    "PROXIMO_AUDIT_ANCHOR_SYSLOG_ADDRESS='%s'; accepted: a unix socket "
		    "path (/dev/log) or host:port (TCP)", address);
		goto out;
	}
	*colon = '\0';
	if (host[0] == '[' && colon > host && colon[-1] == ']')
		colon[-1] = '\0';	/* [v6]:port */
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host[0] == '[' ? host + 1 : host, colon + 1, &hints, &ai) != 0) {
		r = pxm_error_set(err, PXM_E_TRANSPORT, "anchor",
		    "cannot resolve syslog host %s", host);
		goto out;
	}
	for (a = ai; a; a = a->ai_next) {
		if ((fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0)) < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 &&
		    send_all(fd, frame.data, frame.len) == 0) {
			r = PXM_OK;
			goto out;
		}
		close(fd);
		fd = -1;
	}
	r = pxm_error_set(err, PXM_E_TRANSPORT, "anchor",
	    "cannot send the head to syslog %s: %s", address, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	pxm_buf_free(&frame);
	free(json);
	return r;
}
