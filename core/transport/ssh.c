/**
 * @file ssh.c
 * @brief The ssh transport: libssh2 in non-blocking mode under our own
 *        deadlines, strict known_hosts checking before authentication,
 *        key or agent authentication, one cached connection per target.
 *
 * Every libssh2 call runs non-blocking and is retried on EAGAIN after a
 * poll() bounded by the deadline of the phase it belongs to, so no phase
 * can outlive its deadline whatever the peer does (accept and never speak,
 * stall mid-handshake, never end a command).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "transport/shellquote.h"
#include "transport/ssh2_api.h"
#include "transport/ssh.h"
#include "transport/ssh_text.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/log.h"
#include "util/secret.h"
#include "util/settings.h"

#define KEY_FILE_MAX		(64 * 1024)
#define READ_CHUNK		(32 * 1024)
/* With a cancel flag to watch, poll() waits at most this long at a time. */
#define CANCEL_SLICE_MS		50

/*
 * Algorithms.  libssh2 drops names it does not implement, so newer, better
 * ones can be listed first.  Ciphers and MACs avoid the constructions the
 * Terrapin attack (CVE-2023-48795) needs (ChaCha20-Poly1305 and EtM MACs)
 * because libssh2 1.10 has no strict key exchange.
 */
static const char kex_pref[] =
    "curve25519-sha256,curve25519-sha256@libssh.org,"
    "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
    "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
    "diffie-hellman-group14-sha256";
static const char cipher_pref[] =
    "aes256-gcm@openssh.com,aes128-gcm@openssh.com,"
    "aes256-ctr,aes192-ctr,aes128-ctr";
static const char mac_pref[] = "hmac-sha2-256,hmac-sha2-512";

/* Host key types we accept, in order of preference. */
static const struct keytype {
	int		hostkey_type;	/* LIBSSH2_HOSTKEY_TYPE_* */
	int		kh_type;	/* LIBSSH2_KNOWNHOST_KEY_* */
	const char	*name;		/* as in known_hosts */
	const char	*scan;		/* ssh-keyscan -t, /etc/ssh/ssh_host_<scan>_key */
	const char	*methods;	/* libssh2 host key algorithms */
} keytypes[] = {
	{ LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519,
	  "ssh-ed25519", "ed25519", "ssh-ed25519" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256,
	  "ecdsa-sha2-nistp256", "ecdsa", "ecdsa-sha2-nistp256" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384,
	  "ecdsa-sha2-nistp384", "ecdsa", "ecdsa-sha2-nistp384" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521,
	  "ecdsa-sha2-nistp521", "ecdsa", "ecdsa-sha2-nistp521" },
	/* SHA-2 signatures first; libssh2 1.10 knows only the SHA-1 one
	 * ("ssh-rsa"), which OpenSSH >= 8.8 no longer offers by default. */
	{ LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA,
	  "ssh-rsa", "rsa", "rsa-sha2-512,rsa-sha2-256,ssh-rsa" },
};
#define NKEYTYPES	(sizeof keytypes / sizeof keytypes[0])

struct pxm_ssh {
	pthread_mutex_t	lock;
	char		*user;
	char		*host;
	uint16_t	port;
	char		port_str[8];
	char		*known_hosts;
	char		*key_path;
	char		*passphrase_path;
	int		use_agent;
	uint32_t	connect_ms;
	uint32_t	handshake_ms;
	uint32_t	command_ms;
	uint32_t	idle_ms;
	size_t		max_output;
	char		*pct;
	char		*pins;		/* ",SHA256:...,SHA256:...," or NULL */

	/* The cached, authenticated connection. */
	int		fd;
	LIBSSH2_SESSION	*sess;
	uint64_t	last_used;

	struct pxm_ssh_hostkey hostkey;	/* as last seen */
	int		hostkey_seen;
	struct pxm_ssh_stats stats;
	int		lib_held;	/* holds a libssh2 reference (lib_ref) */
};

/* A connection being set up. */
struct conn {
	int		fd;
	LIBSSH2_SESSION	*sess;
};

/* What known_hosts says about the target. */
struct known {
	LIBSSH2_KNOWNHOSTS *kh;
	int		missing;	/* the file does not exist */
	unsigned	types;		/* bit i: keytypes[i] is known for the host */
	struct pxm_buf	revoked;	/* " <base64> " per @revoked key */
};

/* ------------------------------------------------------------ library */

static pthread_mutex_t lib_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned lib_users;

static int
lib_ref(struct pxm_error *err)
{
	int r = PXM_OK;

	if ((r = pxm_libssh2_load(err)) != PXM_OK)
		return r;
	pthread_mutex_lock(&lib_lock);
	if (lib_users == 0 && libssh2_init(0) != 0)
		r = pxm_error_set(err, PXM_E_INTERNAL, "ssh_connect",
		    "libssh2 could not be initialised");
	else
		lib_users++;
	pthread_mutex_unlock(&lib_lock);
	return r;
}

static void
lib_unref(void)
{
	pthread_mutex_lock(&lib_lock);
	if (lib_users > 0 && --lib_users == 0)
		libssh2_exit();
	pthread_mutex_unlock(&lib_lock);
}

/* ------------------------------------------------------------ helpers */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wait until fd is ready for `events`, the deadline passes or the cancel
 * flag is raised.  Returns PXM_OK (ready, or a spurious wake-up: callers
 * retry their operation), PXM_E_TIMEOUT or PXM_E_CANCELLED. */
static int
wait_fd(int fd, short events, uint64_t deadline, volatile int *cancel)
{
	struct pollfd pfd;
	uint64_t now;
	int slice, n;

	for (;;) {
		if (cancel != NULL && *cancel)
			return PXM_E_CANCELLED;
		now = now_ms();
		if (now >= deadline)
			return PXM_E_TIMEOUT;
		slice = deadline - now > INT32_MAX ? INT32_MAX : (int)(deadline - now);
		if (cancel != NULL && slice > CANCEL_SLICE_MS)
			slice = CANCEL_SLICE_MS;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, slice);
		if (n > 0)
			return PXM_OK;
		if (n < 0 && errno != EINTR)
			return PXM_OK;	/* let the caller's next call report it */
	}
}

static int
wait_session(const struct conn *c, uint64_t deadline, volatile int *cancel)
{
	int dir = libssh2_session_block_directions(c->sess);
	short events = 0;

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		events |= POLLOUT;
	if (events == 0)
		events = POLLIN;
	return wait_fd(c->fd, events, deadline, cancel);
}

static const char *
last_error(LIBSSH2_SESSION *sess)
{
	char *msg = NULL;

	if (sess == NULL || libssh2_session_last_error(sess, &msg, NULL, 0) == 0 ||
	    msg == NULL || *msg == '\0')
		return "no detail from libssh2";
	return msg;
}

/* Tear a connection down.  A graceful close says goodbye first; a broken
 * one is shut down first so that nothing libssh2 still wants to send can
 * block or hang. */
static void
conn_drop(struct conn *c, int graceful)
{
	if (c->sess != NULL) {
		if (graceful)
			(void)libssh2_session_disconnect(c->sess, "closing");
		if (c->fd >= 0)
			(void)shutdown(c->fd, SHUT_RDWR);
		libssh2_session_set_blocking(c->sess, 1);
		(void)libssh2_session_free(c->sess);
		c->sess = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

static void
close_cached(struct pxm_ssh *s, int graceful)
{
	struct conn c = { s->fd, s->sess };

	conn_drop(&c, graceful);
	s->fd = -1;
	s->sess = NULL;
}

static const char *
lookup_name(const struct pxm_ssh *s, char *buf, size_t size)
{
	/* OpenSSH's known_hosts convention: the bare host on port 22,
	 * "[host]:port" on any other. */
	if (s->port == 22)
		snprintf(buf, size, "%s", s->host);
	else
		snprintf(buf, size, "[%s]:%u", s->host, (unsigned)s->port);
	return buf;
}

/* ------------------------------------------------------------ settings */

static int
valid_user(const char *u)
{
	size_t i;

	if (u[0] == '\0' || u[0] == '-' || strlen(u) > 64)
		return 0;
	for (i = 0; u[i]; i++)
		if (!((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' && u[i] <= 'Z') ||
		    (u[i] >= '0' && u[i] <= '9') || u[i] == '_' || u[i] == '.' ||
		    u[i] == '-'))
			return 0;
	return 1;
}

static int
valid_host(const char *h, int bracketed)
{
	size_t i;

	if (h[0] == '\0' || h[0] == '-' || strlen(h) > 253)
		return 0;
	for (i = 0; h[i]; i++) {
		char c = h[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')
			continue;
		if (bracketed && (c == ':' || c == '%'))
			continue;
		return 0;
	}
	return 1;
}

static int
parse_target(struct pxm_ssh *s, struct pxm_error *err, const char *target)
{
	char shown[160], *copy = NULL, *at, *hostpart, *portpart = NULL, *end;
	unsigned long port = 22;
	int bracketed = 0, r = PXM_E_INTERNAL;

	pxm_text_sanitize(shown, sizeof shown, target, 120);
	if ((copy = strdup(target)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	hostpart = copy;
	if ((at = strchr(copy, '@')) != NULL) {
		*at = '\0';
		hostpart = at + 1;
		if (!valid_user(copy))
			goto bad;
	}
	if (strchr(hostpart, '@') != NULL)
		goto bad;
	if (hostpart[0] == '[') {
		if ((end = strchr(hostpart, ']')) == NULL)
			goto bad;
		*end = '\0';
		if (end[1] == ':')
			portpart = end + 2;
		else if (end[1] != '\0')
			goto bad;
		hostpart++;
		bracketed = 1;
	} else if ((end = strchr(hostpart, ':')) != NULL) {
		if (strchr(end + 1, ':') != NULL) {
			r = pxm_error_set(err, PXM_E_CONFIG, "config",
			    "PROXIMO_SSH_TARGET='%s': an IPv6 address goes in "
			    "brackets, e.g. root@[2001:db8::1]:22", shown);
			goto out;
		}
		*end = '\0';
		portpart = end + 1;
	}
	if (!valid_host(hostpart, bracketed))
		goto bad;
	if (portpart != NULL) {
		if (*portpart < '0' || *portpart > '9')
			goto bad;
		errno = 0;
		port = strtoul(portpart, &end, 10);
		if (errno || *end != '\0' || port < 1 || port > 65535)
			goto bad;
	}
	if ((s->user = strdup(at ? copy : "root")) == NULL ||
	    (s->host = strdup(hostpart)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	s->port = (uint16_t)port;
	snprintf(s->port_str, sizeof s->port_str, "%u", (unsigned)port);
	r = PXM_OK;
	goto out;
bad:
	r = pxm_error_set(err, PXM_E_CONFIG, "config",
	    "PROXIMO_SSH_TARGET='%s' is not usable; accepted: [user@]host[:port] "
	    "(user root by default, port 22 by default, IPv6 in brackets), "
	    "e.g. root@pve1.example.com or root@[2001:db8::1]:2222", shown);
out:
	free(copy);
	return r;
}

/* A duration setting in seconds, decimals allowed ("10", "0.25"). */
static int
config_seconds(uint32_t *out_ms, struct pxm_error *err, const char *key,
    uint32_t def_ms, uint32_t max_s)
{
	const char *v = pxm_config_get(key), *p;
	uint64_t ms = 0, scale = 1000;
	char shown[64];
	int digits = 0;

	*out_ms = def_ms;
	if (v == NULL)
		return PXM_OK;
	for (p = v; *p >= '0' && *p <= '9'; p++, digits++) {
		ms = ms * 10 + (uint64_t)(*p - '0');
		if (ms > max_s)
			goto bad;
	}
	ms *= 1000;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			scale /= 10;
			if (scale == 0)
				goto bad;	/* finer than a millisecond */
			ms += (uint64_t)(*p - '0') * scale;
			digits++;
		}
	}
	if (*p != '\0' || digits == 0 || ms == 0 || ms > (uint64_t)max_s * 1000)
		goto bad;
	*out_ms = (uint32_t)ms;
	return PXM_OK;
bad:
	pxm_text_sanitize(shown, sizeof shown, v, 32);
	return pxm_error_set(err, PXM_E_CONFIG, "config",
	    "%s='%s' is not a duration; accepted: seconds from 0.001 to %u, "
	    "decimals allowed (e.g. 10 or 0.5)", key, shown, max_s);
}

/* known_hosts is not secret, but whoever can write it decides which hosts
 * we trust. */
static int
check_known_hosts_file(struct pxm_error *err, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return PXM_OK;	/* every host is unknown: refused at connect */
		return pxm_error_set(err, PXM_E_CONFIG, "config",
		    "PROXIMO_SSH_KNOWN_HOSTS: cannot read %s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return pxm_error_set(err, PXM_E_CONFIG, "config",
		    "PROXIMO_SSH_KNOWN_HOSTS: %s is not a regular file", path);
	if (st.st_mode & 022)
		return pxm_error_set(err, PXM_E_CONFIG, "config",
		    "PROXIMO_SSH_KNOWN_HOSTS: %s is writable by group or others "
		    "(mode %03o): whoever can write it decides which hosts are "
		    "trusted. Fix: chmod go-w %s", path,
		    (unsigned)(st.st_mode & 0777), path);
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return pxm_error_set(err, PXM_E_CONFIG, "config",
		    "PROXIMO_SSH_KNOWN_HOSTS: %s is owned by uid %u, not by this "
		    "user (uid %u) or root", path, (unsigned)st.st_uid,
		    (unsigned)geteuid());
	return PXM_OK;
}

static int
key_file_check(struct pxm_error *err, const char *path, const char *what)
{
	int r;

	if ((r = pxm_secret_file_check(err, path, what)) != PXM_OK && err != NULL)
		snprintf(err->reason, sizeof err->reason, "ssh_key_file");
	return r;
}

/* "SHA256:<43 base64 chars>"[,...] into ",fp,fp," for a strstr() check. */
static int
parse_pins(char **out, struct pxm_error *err, const char *v)
{
	struct pxm_buf b = PXM_BUF_INIT;
	const char *p = v, *end;
	char shown[120];
	size_t len, i;

	*out = NULL;
	pxm_buf_putc(&b, ',');
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len != 7 + 43 || strncmp(p, "SHA256:", 7) != 0)
			goto bad;
		for (i = 7; i < len; i++)
			if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
			    (p[i] >= '0' && p[i] <= '9') || p[i] == '+' || p[i] == '/'))
				goto bad;
		pxm_buf_append(&b, p, len);
		pxm_buf_putc(&b, ',');
		p = end ? end + 1 : p + strlen(p);
	}
	if (b.len < 2)
		goto bad;
	*out = pxm_buf_steal(&b);
	return *out ? PXM_OK : PXM_E_NOMEM;
bad:
	pxm_buf_free(&b);
	pxm_text_sanitize(shown, sizeof shown, v, 100);
	return pxm_error_set(err, PXM_E_CONFIG, "config",
	    "PROXIMO_SSH_HOST_KEY_SHA256='%s' is not usable; accepted: one or more "
	    "comma-separated fingerprints as OpenSSH prints them (ssh-keygen -lf "
	    "/etc/ssh/ssh_host_ed25519_key.pub), e.g. SHA256:<43 base64 characters>",
	    shown);
}

int
pxm_ssh_new(struct pxm_ssh **out, struct pxm_error *err,
    const struct pxm_ssh_options *opt)
{
	struct pxm_ssh *s = NULL;
	int r = PXM_E_INTERNAL;

	*out = NULL;
	if (opt == NULL || opt->target == NULL || *opt->target == '\0') {
		r = pxm_error_set(err, PXM_E_CONFIG, "config",
		    "PROXIMO_SSH_TARGET is not set; accepted: [user@]host[:port], "
		    "e.g. root@pve1.example.com");
		goto out;
	}
	if ((s = calloc(1, sizeof *s)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	s->fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	if ((r = parse_target(s, err, opt->target)) != PXM_OK)
		goto out;
	if (opt->key_path != NULL && *opt->key_path != '\0') {
		if ((r = key_file_check(err, opt->key_path, "PROXIMO_SSH_KEY_PATH")) != PXM_OK)
			goto out;
		if ((s->key_path = strdup(opt->key_path)) == NULL)
			goto nomem;
	} else if (opt->use_agent) {
		if (pxm_config_get("SSH_AUTH_SOCK") == NULL) {
			r = pxm_error_set(err, PXM_E_CONFIG, "config",
			    "PROXIMO_SSH_USE_AGENT is on but SSH_AUTH_SOCK is not "
			    "set: start an ssh-agent or set PROXIMO_SSH_KEY_PATH");
			goto out;
		}
		s->use_agent = 1;
	} else {
		r = pxm_error_set(err, PXM_E_CONFIG, "config",
		    "no ssh credentials: set PROXIMO_SSH_KEY_PATH (a private key "
		    "file, mode 600) or PROXIMO_SSH_USE_AGENT=1 (ssh-agent)");
		goto out;
	}
	if (opt->passphrase_path != NULL && *opt->passphrase_path != '\0') {
		if ((r = key_file_check(err, opt->passphrase_path,
		    "PROXIMO_SSH_KEY_PASSPHRASE_PATH")) != PXM_OK)
			goto out;
		if ((s->passphrase_path = strdup(opt->passphrase_path)) == NULL)
			goto nomem;
	}
	s->known_hosts = (opt->known_hosts != NULL && *opt->known_hosts != '\0')
	    ? strdup(opt->known_hosts) : pxm_config_home_path(".ssh/known_hosts");
	if (s->known_hosts == NULL)
		goto nomem;
	if ((r = check_known_hosts_file(err, s->known_hosts)) != PXM_OK)
		goto out;
	if (opt->pct_command != NULL && !pxm_pct_command_valid(opt->pct_command)) {
		char shown[80];

		pxm_text_sanitize(shown, sizeof shown, opt->pct_command, 64);
		r = pxm_error_set(err, PXM_E_CONFIG, "config",
		    "PROXIMO_PCT_COMMAND='%s' is not usable; accepted: a program "
		    "name or an absolute path of letters, digits and _ . / + -", shown);
		goto out;
	}
	if ((s->pct = strdup(opt->pct_command ? opt->pct_command : "pct")) == NULL)
		goto nomem;
	if (opt->host_key_pins != NULL && *opt->host_key_pins != '\0' &&
	    (r = parse_pins(&s->pins, err, opt->host_key_pins)) != PXM_OK)
		goto out;
	s->connect_ms = opt->connect_timeout_ms ? opt->connect_timeout_ms : PXM_SSH_DEFAULT_CONNECT_MS;
	s->handshake_ms = opt->handshake_timeout_ms ? opt->handshake_timeout_ms : PXM_SSH_DEFAULT_HANDSHAKE_MS;
	s->command_ms = opt->command_timeout_ms ? opt->command_timeout_ms : PXM_SSH_DEFAULT_COMMAND_MS;
	s->idle_ms = opt->idle_timeout_ms ? opt->idle_timeout_ms : PXM_SSH_DEFAULT_IDLE_MS;
	s->max_output = opt->max_output ? opt->max_output : PXM_SSH_DEFAULT_MAX_OUTPUT;
	if (s->command_ms > PXM_PCT_MAX_TIMEOUT_MS)
		s->command_ms = PXM_PCT_MAX_TIMEOUT_MS;
	*out = s;
	s = NULL;
	r = PXM_OK;
	goto out;
nomem:
	r = pxm_error_set(err, PXM_E_NOMEM, "config", "out of memory");
out:
	if (s != NULL) {
		pthread_mutex_destroy(&s->lock);
		free(s->user);
		free(s->host);
		free(s->known_hosts);
		free(s->key_path);
		free(s->passphrase_path);
		free(s->pct);
		free(s->pins);
		free(s);
	}
	return r;
}

int
pxm_ssh_new_from_env(struct pxm_ssh **out, struct pxm_error *err)
{
	struct pxm_ssh_options o;
	uint64_t max_output;
	int r;

	memset(&o, 0, sizeof o);
	*out = NULL;
	o.target = pxm_config_get("PROXIMO_SSH_TARGET");
	o.key_path = pxm_config_get("PROXIMO_SSH_KEY_PATH");
	o.passphrase_path = pxm_config_get("PROXIMO_SSH_KEY_PASSPHRASE_PATH");
	o.known_hosts = pxm_config_get("PROXIMO_SSH_KNOWN_HOSTS");
	o.pct_command = pxm_config_get("PROXIMO_PCT_COMMAND");
	o.host_key_pins = pxm_config_get("PROXIMO_SSH_HOST_KEY_SHA256");
	if ((r = pxm_config_bool(&o.use_agent, err, "PROXIMO_SSH_USE_AGENT", 0)) != PXM_OK ||
	    (r = config_seconds(&o.connect_timeout_ms, err, "PROXIMO_SSH_CONNECT_TIMEOUT",
	    PXM_SSH_DEFAULT_CONNECT_MS, 3600)) != PXM_OK ||
	    (r = config_seconds(&o.handshake_timeout_ms, err, "PROXIMO_SSH_HANDSHAKE_TIMEOUT",
	    PXM_SSH_DEFAULT_HANDSHAKE_MS, 3600)) != PXM_OK ||
	    (r = config_seconds(&o.command_timeout_ms, err, "PROXIMO_SSH_COMMAND_TIMEOUT",
	    PXM_SSH_DEFAULT_COMMAND_MS, PXM_PCT_MAX_TIMEOUT_MS / 1000)) != PXM_OK ||
	    (r = config_seconds(&o.idle_timeout_ms, err, "PROXIMO_SSH_IDLE_TIMEOUT",
	    PXM_SSH_DEFAULT_IDLE_MS, 86400)) != PXM_OK ||
	    (r = pxm_config_uint(&max_output, err, "PROXIMO_SSH_MAX_OUTPUT",
	    PXM_SSH_DEFAULT_MAX_OUTPUT, 1, 256u * 1024u * 1024u)) != PXM_OK)
		return r;
	o.max_output = (size_t)max_output;
	return pxm_ssh_new(out, err, &o);
}

void
pxm_ssh_close(struct pxm_ssh *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	close_cached(s, 1);
	pthread_mutex_unlock(&s->lock);
}

void
pxm_ssh_free(struct pxm_ssh *s)
{
	if (s == NULL)
		return;
	close_cached(s, 1);
	pthread_mutex_destroy(&s->lock);
	free(s->user);
	free(s->host);
	free(s->known_hosts);
	free(s->key_path);
	free(s->passphrase_path);
	free(s->pct);
	free(s->pins);
	if (s->lib_held)
		lib_unref();
	free(s);
}

/* ------------------------------------------------------------ known_hosts */

/* The list lives in its session's allocator: free it before the session. */
static void
known_free(struct known *k)
{
	if (k->kh != NULL)
		libssh2_knownhost_free(k->kh);
	k->kh = NULL;
	pxm_buf_free(&k->revoked);
}

/* "@revoked <hosts> <type> <base64> [comment]": remember the key, for
 * every host (stricter than scoping it to the patterns). */
static void
note_revoked(struct known *k, const char *line)
{
	char marker[32], hosts[1024], type[64], key[8192];

	if (sscanf(line, "%31s %1023s %63s %8191s", marker, hosts, type, key) == 4 &&
	    strcmp(marker, "@revoked") == 0)
		pxm_buf_printf(&k->revoked, " %s ", key);
}

/* Read known_hosts line by line, so one line libssh2 cannot parse (an
 * unsupported key type, a marker) costs that line only: a skipped line can
 * only make a host unknown, never trusted. */
static int
known_load(struct known *k, struct pxm_error *err, LIBSSH2_SESSION *sess,
    const struct pxm_ssh *s)
{
	char name[300], *line = NULL;
	size_t cap = 0, i;
	ssize_t n;
	FILE *f = NULL;
	int r = PXM_E_INTERNAL, lineno = 0, skipped = 0;

	memset(k, 0, sizeof *k);
	if ((k->kh = libssh2_knownhost_init(sess)) == NULL) {
		r = pxm_error_set(err, PXM_E_NOMEM, "ssh_connect",
		    "cannot set up the known hosts list");
		goto out;
	}
	if ((f = fopen(s->known_hosts, "re")) == NULL) {
		if (errno == ENOENT) {
			k->missing = 1;
			r = PXM_OK;
			goto out;
		}
		r = pxm_error_set(err, PXM_E_CONFIG, "config",
		    "PROXIMO_SSH_KNOWN_HOSTS: cannot read %s: %s", s->known_hosts,
		    strerror(errno));
		goto out;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		const char *p = line;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '@') {
			note_revoked(k, p);
			continue;	/* @cert-authority: certificates are not used */
		}
		if (libssh2_knownhost_readline(k->kh, line, (size_t)n,
		    LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
			skipped++;
	}
	if (skipped)
		pxm_debug("ssh: %s: %d line(s) libssh2 cannot use were skipped",
		    s->known_hosts, skipped);
	/* Which key types are on record for this host: a dummy key gives
	 * MISMATCH exactly when an entry of that type exists. */
	lookup_name(s, name, sizeof name);
	for (i = 0; i < NKEYTYPES; i++)
		if (libssh2_knownhost_checkp(k->kh, name, -1, "probe", 5,
		    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
		    keytypes[i].kh_type, NULL) == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
			k->types |= 1u << i;
	r = PXM_OK;
out:
	if (f != NULL)
		fclose(f);
	free(line);
	return r;
}

/* ------------------------------------------------------------ connecting */

static int
tcp_connect(struct conn *c, struct pxm_error *err, const struct pxm_ssh *s,
    uint64_t deadline, volatile int *cancel)
{
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, e, r = PXM_E_INTERNAL, last = 0, one = 1;
	socklen_t len;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((e = getaddrinfo(s->host, s->port_str, &hints, &res)) != 0) {
		r = pxm_error_set(err, PXM_E_TRANSPORT, "ssh_connect",
		    "cannot resolve %s: %s", s->host, gai_strerror(e));
		goto out;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			goto connected;
		if (errno != EINPROGRESS) {
			last = errno;
			close(fd);
			fd = -1;
			continue;
		}
		if ((r = wait_fd(fd, POLLOUT, deadline, cancel)) != PXM_OK) {
			if (r == PXM_E_TIMEOUT)
				r = pxm_error_set(err, PXM_E_TIMEOUT, "timeout_connect",
				    "could not connect to %s port %u within %u ms "
				    "(PROXIMO_SSH_CONNECT_TIMEOUT)", s->host,
				    (unsigned)s->port, s->connect_ms);
			else
				r = pxm_error_set(err, PXM_E_CANCELLED, "cancelled",
				    "cancelled while connecting to %s", s->host);
			goto out;
		}
		len = sizeof e;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == 0 && e == 0)
			goto connected;
		last = e ? e : errno;
		close(fd);
		fd = -1;
	}
	r = pxm_error_set(err, PXM_E_TRANSPORT, "ssh_connect",
	    "cannot connect to %s port %u: %s", s->host, (unsigned)s->port,
	    last ? strerror(last) : "no address");
	goto out;
connected:
	/* Small request/response packets: do not wait for Nagle. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->fd = fd;
	fd = -1;
	r = PXM_OK;
out:
	if (fd >= 0)
		close(fd);
	if (res != NULL)
		freeaddrinfo(res);
	return r;
}

/* Keep the names of `pref` that this libssh2 implements, in our order.
 * Handing libssh2 1.10 an unknown name makes it strip the name with an
 * overlapping memcpy (undefined behaviour, caught by ASan), so it only
 * ever sees names it listed itself. */
static int
supported_only(struct pxm_buf *out, LIBSSH2_SESSION *sess, int method,
    const char *pref)
{
	const char **algs = NULL;
	const char *p = pref, *end;
	int n, i, r = PXM_OK;

	if ((n = libssh2_session_supported_algs(sess, method, &algs)) <= 0)
		return PXM_E_INTERNAL;
	while (*p != '\0') {
		size_t len;

		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		for (i = 0; i < n; i++)
			if (strlen(algs[i]) == len && strncmp(algs[i], p, len) == 0) {
				if (out->len > 0 && (r = pxm_buf_putc(out, ',')) != PXM_OK)
					goto out;
				if ((r = pxm_buf_append(out, p, len)) != PXM_OK)
					goto out;
				break;
			}
		p += len;
		if (*p == ',')
			p++;
	}
	r = out->len > 0 ? PXM_OK : PXM_E_UNSUPPORTED;
out:
	libssh2_free(sess, algs);
	return r;
}

static int
set_prefs(struct pxm_error *err, LIBSSH2_SESSION *sess, unsigned types)
{
	static const struct { int method; const char *what; } order[] = {
		{ LIBSSH2_METHOD_KEX, "key exchange" },
		{ LIBSSH2_METHOD_CRYPT_CS, "cipher" },
		{ LIBSSH2_METHOD_CRYPT_SC, "cipher" },
		{ LIBSSH2_METHOD_MAC_CS, "MAC" },
		{ LIBSSH2_METHOD_MAC_SC, "MAC" },
		{ LIBSSH2_METHOD_HOSTKEY, "host key algorithm" },
	};
	struct pxm_buf hk = PXM_BUF_INIT, list = PXM_BUF_INIT;
	const char *want;
	size_t i;
	int r = PXM_E_INTERNAL;

	for (i = 0; i < NKEYTYPES; i++)
		if (types == 0 || (types & (1u << i)))
			pxm_buf_printf(&hk, "%s%s", hk.len ? "," : "", keytypes[i].methods);
	if (hk.data == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		switch (order[i].method) {
		case LIBSSH2_METHOD_KEX:	want = kex_pref; break;
		case LIBSSH2_METHOD_CRYPT_CS:
		case LIBSSH2_METHOD_CRYPT_SC:	want = cipher_pref; break;
		case LIBSSH2_METHOD_MAC_CS:
		case LIBSSH2_METHOD_MAC_SC:	want = mac_pref; break;
		default:			want = hk.data; break;
		}
		pxm_buf_reset(&list);
		if (supported_only(&list, sess, order[i].method, want) != PXM_OK ||
		    libssh2_session_method_pref(sess, order[i].method, list.data) != 0) {
			r = pxm_error_set(err, PXM_E_UNSUPPORTED, "ssh_connect",
			    "this libssh2 supports no acceptable %s (wanted one of %s)",
			    order[i].what, want);
			goto out;
		}
	}
	r = PXM_OK;
out:
	pxm_buf_free(&hk);
	pxm_buf_free(&list);
	return r;
}

/* TCP connect, then key exchange, with host key algorithms limited to
 * `types` (0: all we accept). */
static int
transport_open(struct conn *c, int *kex_failed, struct pxm_error *err,
    const struct pxm_ssh *s, struct known *k, int restrict_types,
    volatile int *cancel)
{
	uint64_t deadline;
	int rc, r = PXM_E_INTERNAL;

	*kex_failed = 0;
	c->fd = -1;
	c->sess = NULL;
	if ((r = tcp_connect(c, err, s, now_ms() + s->connect_ms, cancel)) != PXM_OK)
		goto out;
	deadline = now_ms() + s->handshake_ms;
	if ((c->sess = libssh2_session_init_ex(NULL, NULL, NULL, NULL)) == NULL) {
		r = pxm_error_set(err, PXM_E_NOMEM, "ssh_connect",
		    "cannot create an ssh session");
		goto out;
	}
	libssh2_session_set_blocking(c->sess, 0);
	if ((r = known_load(k, err, c->sess, s)) != PXM_OK)
		goto out;
	if ((r = set_prefs(err, c->sess, restrict_types ? k->types : 0)) != PXM_OK)
		goto out;
	while ((rc = libssh2_session_handshake(c->sess, c->fd)) == LIBSSH2_ERROR_EAGAIN) {
		if ((r = wait_session(c, deadline, cancel)) != PXM_OK)
			break;
	}
	if (rc == LIBSSH2_ERROR_EAGAIN) {
		if (r == PXM_E_TIMEOUT)
			r = pxm_error_set(err, PXM_E_TIMEOUT, "timeout_handshake",
			    "%s port %u accepted the connection but the ssh handshake "
			    "did not finish within %u ms (PROXIMO_SSH_HANDSHAKE_TIMEOUT)",
			    s->host, (unsigned)s->port, s->handshake_ms);
		else
			r = pxm_error_set(err, PXM_E_CANCELLED, "cancelled",
			    "cancelled during the ssh handshake with %s", s->host);
		goto out;
	}
	if (rc != 0) {
		r = pxm_error_set(err, PXM_E_TRANSPORT, "ssh_connect",
		    "ssh handshake with %s port %u failed: %s", s->host,
		    (unsigned)s->port, last_error(c->sess));
		*kex_failed = rc == LIBSSH2_ERROR_KEX_FAILURE;
		goto out;
	}
	r = PXM_OK;
out:
	return r;
}

static void
fingerprint(char *out, size_t size, LIBSSH2_SESSION *sess)
{
	const unsigned char *h;
	unsigned char b64[64];
	int n;

	out[0] = '\0';
	if ((h = (const unsigned char *)libssh2_hostkey_hash(sess,
	    LIBSSH2_HOSTKEY_HASH_SHA256)) == NULL)
		return;
	n = EVP_EncodeBlock(b64, h, 32);
	while (n > 0 && b64[n - 1] == '=')
		n--;	/* OpenSSH prints it without padding */
	snprintf(out, size, "SHA256:%.*s", n, (const char *)b64);
}

/* The host key check.  Only an exact known_hosts match returns PXM_OK. */
static int
check_host_key(struct pxm_ssh_hostkey *hk, struct pxm_error *err,
    const struct pxm_ssh *s, const struct conn *c, const struct known *k)
{
	const struct keytype *kt = NULL;
	const char *key;
	char name[300], *b64 = NULL, *needle = NULL;
	size_t keylen, i;
	int type, rc, r = PXM_E_INTERNAL;

	memset(hk, 0, sizeof *hk);
	hk->verdict = PXM_SSH_HOSTKEY_UNKNOWN;
	lookup_name(s, name, sizeof name);
	if ((key = libssh2_session_hostkey(c->sess, &keylen, &type)) == NULL) {
		r = pxm_error_set(err, PXM_E_TRANSPORT, "ssh_hostkey_unknown",
		    "%s sent no host key", s->host);
		goto out;
	}
	for (i = 0; i < NKEYTYPES; i++)
		if (keytypes[i].hostkey_type == type)
			kt = &keytypes[i];
	fingerprint(hk->fingerprint, sizeof hk->fingerprint, c->sess);
	if (kt == NULL) {
		snprintf(hk->type, sizeof hk->type, "unsupported");
		r = pxm_error_set(err, PXM_E_DENIED, "ssh_hostkey_unknown",
		    "%s presents a host key of a type this client does not accept "
		    "(%s); refusing before authentication", s->host, hk->fingerprint);
		goto out;
	}
	snprintf(hk->type, sizeof hk->type, "%s", kt->name);
	/* A revoked key is refused whatever else the file says. */
	if ((b64 = malloc(((keylen + 2) / 3) * 4 + 1)) == NULL ||
	    (needle = malloc(((keylen + 2) / 3) * 4 + 3)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)key, (int)keylen);
	snprintf(needle, ((keylen + 2) / 3) * 4 + 3, " %s ", b64);
	if (k->revoked.data != NULL && strstr(k->revoked.data, needle) != NULL) {
		hk->verdict = PXM_SSH_HOSTKEY_REVOKED;
		r = pxm_error_set(err, PXM_E_DENIED, "ssh_hostkey_revoked",
		    "%s presents host key %s %s, which %s marks @revoked. "
		    "Refusing before authentication.", s->host, kt->name,
		    hk->fingerprint, s->known_hosts);
		goto out;
	}
	rc = libssh2_knownhost_checkp(k->kh, name, -1, key, keylen,
	    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kt->kh_type,
	    NULL);
	if (rc == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
		char pin[80];

		snprintf(pin, sizeof pin, ",%s,", hk->fingerprint);
		if (s->pins != NULL && strstr(s->pins, pin) == NULL) {
			hk->verdict = PXM_SSH_HOSTKEY_UNPINNED;
			r = pxm_error_set(err, PXM_E_DENIED, "ssh_hostkey_pin",
			    "the host key of %s (%s %s) is in %s but is not one of "
			    "PROXIMO_SSH_HOST_KEY_SHA256. Refusing before authentication. "
			    "If the node's key was rotated, check this fingerprint on the "
			    "node (ssh-keygen -lf /etc/ssh/ssh_host_%s_key.pub) and add it "
			    "to the pin", name, kt->name, hk->fingerprint, s->known_hosts,
			    kt->scan);
			goto out;
		}
		hk->verdict = PXM_SSH_HOSTKEY_MATCH;
		r = PXM_OK;
		goto out;
	}
	if (rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH ||
	    (rc == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND && k->types != 0)) {
		struct pxm_buf known = PXM_BUF_INIT;

		hk->verdict = PXM_SSH_HOSTKEY_CHANGED;
		for (i = 0; i < NKEYTYPES; i++)
			if (k->types & (1u << i))
				pxm_buf_printf(&known, "%s%s", known.len ? ", " : "",
				    keytypes[i].name);
		r = pxm_error_set(err, PXM_E_DENIED, "ssh_hostkey_changed",
		    "HOST KEY CHANGED: %s is in %s with another key (%s), and now "
		    "presents %s %s. This may be a man-in-the-middle attack, or a "
		    "reinstalled node. Refusing before authentication. If the change "
		    "is expected and this fingerprint checks out on the node "
		    "(ssh-keygen -lf /etc/ssh/ssh_host_%s_key.pub), replace the old "
		    "entry: ssh-keygen -R '%s' -f %s && ssh-keyscan -p %u -t %s %s >> %s",
		    name, s->known_hosts, known.data ? known.data : "?", kt->name,
		    hk->fingerprint, kt->scan, name, s->known_hosts,
		    (unsigned)s->port, kt->scan, s->host, s->known_hosts);
		pxm_buf_free(&known);
		goto out;
	}
	if (rc == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND) {
		r = pxm_error_set(err, PXM_E_DENIED, "ssh_hostkey_unknown",
		    "UNKNOWN HOST KEY: %s is not in %s%s; it presents %s %s. "
		    "Refusing before authentication. Check this fingerprint out of "
		    "band (on the node: ssh-keygen -lf /etc/ssh/ssh_host_%s_key.pub), "
		    "then accept it with: ssh-keyscan -p %u -t %s %s >> %s",
		    name, s->known_hosts, k->missing ? " (the file does not exist)" : "",
		    kt->name, hk->fingerprint, kt->scan, (unsigned)s->port, kt->scan,
		    s->host, s->known_hosts);
		goto out;
	}
	r = pxm_error_set(err, PXM_E_DENIED, "ssh_hostkey_unknown",
	    "the host key of %s (%s %s) could not be checked against %s; refusing",
	    name, kt->name, hk->fingerprint, s->known_hosts);
out:
	free(b64);
	free(needle);
	return r;
}

/* Read a private key file into memory, refusing group/world access (on the
 * descriptor actually read, not just the path). */
static int
read_key_file(struct pxm_buf *key, struct pxm_error *err, const char *path)
{
	struct stat st;
	char chunk[4096];
	ssize_t n;
	int fd = -1, r = PXM_E_INTERNAL;

	if ((r = key_file_check(err, path, "PROXIMO_SSH_KEY_PATH")) != PXM_OK)
		goto out;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) != 0) {
		r = pxm_error_set(err, PXM_E_CONFIG, "ssh_key_file",
		    "PROXIMO_SSH_KEY_PATH: cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) || st.st_size > KEY_FILE_MAX) {
		r = pxm_error_set(err, PXM_E_CONFIG, "ssh_key_file",
		    "PROXIMO_SSH_KEY_PATH: %s changed under us or is not a private "
		    "key file (mode must be 600, size under %d bytes)", path,
		    KEY_FILE_MAX);
		goto out;
	}
	/* One allocation up front: the key is never copied by a realloc. */
	if ((r = pxm_buf_reserve(key, KEY_FILE_MAX)) != PXM_OK)
		goto out;
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		if (key->len + (size_t)n > KEY_FILE_MAX) {
			r = pxm_error_set(err, PXM_E_CONFIG, "ssh_key_file",
			    "PROXIMO_SSH_KEY_PATH: %s is larger than %d bytes", path,
			    KEY_FILE_MAX);
			goto out;
		}
		pxm_buf_append(key, chunk, (size_t)n);
	}
	if (n < 0) {
		r = pxm_error_set(err, PXM_E_CONFIG, "ssh_key_file",
		    "PROXIMO_SSH_KEY_PATH: cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	r = PXM_OK;
out:
	OPENSSL_cleanse(chunk, sizeof chunk);
	if (fd >= 0)
		close(fd);
	return r;
}

static int
auth_timeout(struct pxm_error *err, const struct pxm_ssh *s, int w)
{
	if (w == PXM_E_CANCELLED)
		return pxm_error_set(err, PXM_E_CANCELLED, "cancelled",
		    "cancelled while authenticating to %s", s->host);
	return pxm_error_set(err, PXM_E_TIMEOUT, "timeout_handshake",
	    "authentication to %s did not finish within %u ms "
	    "(PROXIMO_SSH_HANDSHAKE_TIMEOUT)", s->host, s->handshake_ms);
}

static int
auth_key_file(struct conn *c, struct pxm_error *err, const struct pxm_ssh *s,
    uint64_t deadline, volatile int *cancel)
{
	struct pxm_buf key = PXM_BUF_INIT;
	char *pass = NULL;
	int rc, w = PXM_OK, r = PXM_E_INTERNAL;

	if ((r = read_key_file(&key, err, s->key_path)) != PXM_OK)
		goto out;
	if (s->passphrase_path != NULL &&
	    (r = pxm_secret_file_read(&pass, err, s->passphrase_path,
	    "PROXIMO_SSH_KEY_PASSPHRASE_PATH")) != PXM_OK) {
		if (err != NULL)
			snprintf(err->reason, sizeof err->reason, "ssh_key_file");
		goto out;
	}
	while ((rc = libssh2_userauth_publickey_frommemory(c->sess, s->user,
	    strlen(s->user), NULL, 0, key.data, key.len, pass)) == LIBSSH2_ERROR_EAGAIN) {
		if ((w = wait_session(c, deadline, cancel)) != PXM_OK)
			break;
	}
	if (rc == LIBSSH2_ERROR_EAGAIN) {
		r = auth_timeout(err, s, w);
		goto out;
	}
	switch (rc) {
	case 0:
		r = PXM_OK;
		break;
	case LIBSSH2_ERROR_FILE:
	case LIBSSH2_ERROR_KEYFILE_AUTH_FAILED:
	case LIBSSH2_ERROR_METHOD_NOT_SUPPORTED:
		r = pxm_error_set(err, PXM_E_CONFIG, "ssh_key_file",
		    "cannot use the private key %s: %s. Check the passphrase "
		    "(PROXIMO_SSH_KEY_PASSPHRASE_PATH%s) and the format (OpenSSH "
		    "or PEM; Ed25519, ECDSA or RSA)", s->key_path, last_error(c->sess),
		    s->passphrase_path ? "" : " is not set");
		break;
	case LIBSSH2_ERROR_AUTHENTICATION_FAILED:
	case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
		r = pxm_error_set(err, PXM_E_AUTH, "ssh_auth",
		    "%s refused the key %s for user %s (is its public key in "
		    "~%s/.ssh/authorized_keys on the node?)", s->host, s->key_path,
		    s->user, s->user);
		break;
	default:
		r = pxm_error_set(err, PXM_E_TRANSPORT, "ssh_connect",
		    "authentication to %s failed: %s", s->host, last_error(c->sess));
		break;
	}
out:
	pxm_secret_free(pass);
	pxm_buf_free_secret(&key);
	return r;
}

static int
auth_agent(struct conn *c, struct pxm_error *err, const struct pxm_ssh *s,
    uint64_t deadline, volatile int *cancel)
{
	LIBSSH2_AGENT *agent = NULL;
	struct libssh2_agent_publickey *id = NULL, *prev = NULL;
	int rc, w = PXM_OK, tried = 0, connected = 0, r = PXM_E_INTERNAL;

	if ((agent = libssh2_agent_init(c->sess)) == NULL) {
		r = pxm_error_set(err, PXM_E_NOMEM, "ssh_auth", "cannot set up ssh-agent use");
		goto out;
	}
	if (libssh2_agent_connect(agent) != 0) {
		r = pxm_error_set(err, PXM_E_AUTH, "ssh_auth",
		    "cannot reach the ssh-agent at SSH_AUTH_SOCK: %s", last_error(c->sess));
		goto out;
	}
	connected = 1;
	if (libssh2_agent_list_identities(agent) != 0) {
		r = pxm_error_set(err, PXM_E_AUTH, "ssh_auth",
		    "cannot list the ssh-agent's keys: %s", last_error(c->sess));
		goto out;
	}
	while ((rc = libssh2_agent_get_identity(agent, &id, prev)) == 0) {
		tried++;
		while ((rc = libssh2_agent_userauth(agent, s->user, id)) == LIBSSH2_ERROR_EAGAIN) {
			if ((w = wait_session(c, deadline, cancel)) != PXM_OK)
				break;
		}
		if (rc == LIBSSH2_ERROR_EAGAIN) {
			r = auth_timeout(err, s, w);
			goto out;
		}
		if (rc == 0) {
			r = PXM_OK;
			goto out;
		}
		if (rc != LIBSSH2_ERROR_AUTHENTICATION_FAILED &&
		    rc != LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED &&
		    rc != LIBSSH2_ERROR_AGENT_PROTOCOL) {
			r = pxm_error_set(err, PXM_E_TRANSPORT, "ssh_connect",
			    "authentication to %s failed: %s", s->host, last_error(c->sess));
			goto out;
		}
		prev = id;
	}
	r = pxm_error_set(err, PXM_E_AUTH, "ssh_auth",
	    "%s accepted none of the ssh-agent's %d key(s) for user %s",
	    s->host, tried, s->user);
out:
	if (agent != NULL) {
		if (connected)
			libssh2_agent_disconnect(agent);
		libssh2_agent_free(agent);
	}
	return r;
}

/*
 * Open a connection to the target: TCP, key exchange, host key check and,
 * when `authenticate`, user authentication.  The host key check comes
 * before any authentication message is sent; its verdict lands in *hk.
 */
static int
session_open(struct conn *c, struct pxm_ssh_hostkey *hk, struct pxm_error *err,
    struct pxm_ssh *s, int authenticate, volatile int *cancel)
{
	struct known k;
	uint64_t deadline;
	int r = PXM_E_INTERNAL, kex_failed = 0;

	memset(&k, 0, sizeof k);
	memset(hk, 0, sizeof *hk);
	hk->verdict = -1;
	r = transport_open(c, &kex_failed, err, s, &k, 1, cancel);
	if (r != PXM_OK && kex_failed && k.types != 0) {
		/* The host is known, but offers none of the key types on
		 * record.  Connect again without the restriction only to
		 * show which key it presents; check_host_key() refuses it. */
		known_free(&k);	/* before its session */
		conn_drop(c, 0);
		r = transport_open(c, &kex_failed, err, s, &k, 0, cancel);
	}
	if (r != PXM_OK)
		goto out;
	deadline = now_ms() + s->handshake_ms;
	r = check_host_key(hk, err, s, c, &k);
	if (hk->type[0] != '\0') {
		s->hostkey = *hk;
		s->hostkey_seen = 1;
	}
	if (r != PXM_OK) {
		pxm_log(PXM_LOG_WARNING, "ssh: %s", err ? err->text : "host key refused");
		goto out;
	}
	if (!authenticate)
		goto out;
	r = s->key_path != NULL ? auth_key_file(c, err, s, deadline, cancel)
	    : auth_agent(c, err, s, deadline, cancel);
out:
	known_free(&k);
	if (r != PXM_OK)
		conn_drop(c, 0);
	return r;
}

/* ------------------------------------------------------------ commands */

struct capture {
	struct pxm_buf	raw;
	size_t		max;
	uint64_t	total;
	int		truncated;
};

static int
capture_add(struct capture *cap, const char *p, size_t n)
{
	size_t take = 0;

	cap->total += n;
	if (cap->raw.len < cap->max)
		take = n < cap->max - cap->raw.len ? n : cap->max - cap->raw.len;
	if (take < n)
		cap->truncated = 1;	/* the rest is read and dropped */
	return take ? pxm_buf_append(&cap->raw, p, take) : PXM_OK;
}

/* Raw bytes to escaped UTF-8 text. */
static int
capture_finish(char **text, size_t *len, int *truncated, uint64_t *total,
    struct capture *cap)
{
	struct pxm_buf b = PXM_BUF_INIT;
	size_t n = cap->raw.len;
	int r;

	if (cap->truncated)
		n = pxm_utf8_trim_partial(cap->raw.data, n);
	if ((r = pxm_utf8_escape(&b, cap->raw.data ? cap->raw.data : "", n)) != PXM_OK) {
		pxm_buf_free(&b);
		return r;
	}
	*len = b.len;
	*text = pxm_buf_steal(&b);
	*truncated = cap->truncated;
	*total = cap->total;
	return *text ? PXM_OK : PXM_E_NOMEM;
}

void
pxm_ssh_result_clear(struct pxm_ssh_result *res)
{
	if (res == NULL)
		return;
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof *res);
	res->exit_status = -1;
}

static int
open_channel(LIBSSH2_CHANNEL **out, struct pxm_error *err, struct pxm_ssh *s,
    const struct conn *c, volatile int *cancel)
{
	uint64_t deadline = now_ms() + s->handshake_ms;
	LIBSSH2_CHANNEL *ch;
	int w;

	*out = NULL;
	for (;;) {
		if ((ch = libssh2_channel_open_session(c->sess)) != NULL) {
			*out = ch;
			return PXM_OK;
		}
		if (libssh2_session_last_errno(c->sess) != LIBSSH2_ERROR_EAGAIN)
			return pxm_error_set(err, PXM_E_TRANSPORT, "ssh_connect",
			    "cannot open an ssh session channel on %s: %s", s->host,
			    last_error(c->sess));
		if ((w = wait_session(c, deadline, cancel)) != PXM_OK) {
			if (w == PXM_E_CANCELLED)
				return pxm_error_set(err, PXM_E_CANCELLED, "cancelled",
				    "cancelled while opening a channel on %s", s->host);
			return pxm_error_set(err, PXM_E_TIMEOUT, "timeout_handshake",
			    "%s did not open a session channel within %u ms",
			    s->host, s->handshake_ms);
		}
	}
}

/* Make sure a cached, authenticated connection exists. */
/* libssh2 is opened by the first connection, not by pxm_ssh_new: a server
 * that never runs a command never maps it (see libs.h).  Under s->lock. */
static int
hold_library(struct pxm_ssh *s, struct pxm_error *err)
{
	int r;

	if (s->lib_held)
		return PXM_OK;
	if ((r = lib_ref(err)) != PXM_OK)
		return r;
	s->lib_held = 1;
	return PXM_OK;
}

static int
ensure_connected(struct pxm_ssh *s, struct pxm_error *err, volatile int *cancel,
    int *fresh)
{
	struct pxm_ssh_hostkey hk;
	struct conn c = { -1, NULL };
	uint64_t t0;
	int r;

	*fresh = 0;
	if (s->sess != NULL && now_ms() - s->last_used > s->idle_ms) {
		pxm_debug("ssh: connection to %s idle for more than %u ms; closing it",
		    s->host, s->idle_ms);
		close_cached(s, 1);
	}
	if (s->sess != NULL)
		return PXM_OK;
	if ((r = hold_library(s, err)) != PXM_OK)
		return r;
	t0 = now_ms();
	if ((r = session_open(&c, &hk, err, s, 1, cancel)) != PXM_OK)
		return r;
	s->fd = c.fd;
	s->sess = c.sess;
	s->last_used = now_ms();
	s->stats.connects++;
	*fresh = 1;
	pxm_debug("ssh: connected to %s@%s port %u (%s %s) in %llu ms", s->user,
	    s->host, (unsigned)s->port, hk.type, hk.fingerprint,
	    (unsigned long long)(now_ms() - t0));
	return PXM_OK;
}

int
pxm_ssh_exec(struct pxm_ssh_result *out, struct pxm_error *err,
    struct pxm_ssh *s, const char *command, uint32_t timeout_ms,
    volatile int *cancel)
{
	struct capture cout, cerr;
	LIBSSH2_CHANNEL *ch = NULL;
	struct conn c = { -1, NULL };
	char *buf = NULL, *sig = NULL;
	uint64_t t0 = now_ms(), tc, texec = 0, hard = 0;
	size_t siglen = 0;
	ssize_t n1, n2;
	int rc, w = PXM_OK, fresh = 0, attempt, drop = 0, locked = 0;
	int r = PXM_E_INTERNAL;

	memset(out, 0, sizeof *out);
	out->exit_status = -1;
	memset(&cout, 0, sizeof cout);
	memset(&cerr, 0, sizeof cerr);
	if (s == NULL || command == NULL || *command == '\0') {
		r = pxm_error_set(err, PXM_E_INVAL, "argv", "no command to run");
		goto out;
	}
	if (timeout_ms == 0)
		timeout_ms = s->command_ms;
	cout.max = cerr.max = s->max_output;
	if ((buf = malloc(READ_CHUNK)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	pthread_mutex_lock(&s->lock);
	locked = 1;

	/* A cached connection the server dropped is replaced once, and only
	 * while nothing was sent for this command. */
	for (attempt = 0;; attempt++) {
		tc = now_ms();
		if ((r = ensure_connected(s, err, cancel, &fresh)) != PXM_OK)
			goto out;
		if (fresh)
			out->connect_ms = now_ms() - tc;
		c.fd = s->fd;
		c.sess = s->sess;
		if ((r = open_channel(&ch, err, s, &c, cancel)) == PXM_OK)
			break;
		close_cached(s, 0);
		if (fresh || attempt > 0 || r == PXM_E_CANCELLED)
			goto out;
		pxm_debug("ssh: the cached connection to %s is gone (%s); reconnecting",
		    s->host, err ? err->text : "");
	}
	if (!fresh)
		s->stats.reused++;

	texec = now_ms();
	hard = texec + timeout_ms + PXM_SSH_KILL_GRACE_MS;
	out->started = 1;
	s->stats.commands++;
	while ((rc = libssh2_channel_exec(ch, command)) == LIBSSH2_ERROR_EAGAIN) {
		if ((w = wait_session(&c, hard, cancel)) != PXM_OK)
			break;
	}
	if (rc == LIBSSH2_ERROR_EAGAIN)
		goto deadline;
	if (rc != 0) {
		if (rc == LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED)
			out->started = 0;	/* sshd said no: nothing ran */
		r = pxm_error_set(err, PXM_E_TRANSPORT, "ssh_connect",
		    "%s did not start the command: %s", s->host, last_error(c.sess));
		drop = 1;
		goto out;
	}
	/* The command gets an empty stdin, so it never waits for input. */
	while ((rc = libssh2_channel_send_eof(ch)) == LIBSSH2_ERROR_EAGAIN) {
		if ((w = wait_session(&c, hard, cancel)) != PXM_OK)
			break;
	}
	if (rc == LIBSSH2_ERROR_EAGAIN)
		goto deadline;

	for (;;) {
		n1 = libssh2_channel_read_ex(ch, 0, buf, READ_CHUNK);
		if (n1 > 0 && (r = capture_add(&cout, buf, (size_t)n1)) != PXM_OK)
			goto out;
		n2 = libssh2_channel_read_ex(ch, SSH_EXTENDED_DATA_STDERR, buf, READ_CHUNK);
		if (n2 > 0 && (r = capture_add(&cerr, buf, (size_t)n2)) != PXM_OK)
			goto out;
		if ((n1 < 0 && n1 != LIBSSH2_ERROR_EAGAIN) ||
		    (n2 < 0 && n2 != LIBSSH2_ERROR_EAGAIN)) {
			r = pxm_error_set(err, PXM_E_TRANSPORT, "ssh_connect",
			    "reading the command's output from %s failed: %s",
			    s->host, last_error(c.sess));
			drop = 1;
			goto out;
		}
		if (n1 > 0 || n2 > 0)
			continue;
		if (libssh2_channel_eof(ch))
			break;
		if ((w = wait_session(&c, hard, cancel)) != PXM_OK)
			goto deadline;
	}
	/* After EOF the exit status follows; the command may also keep
	 * running with its output closed, so this wait has the deadline too. */
	while ((rc = libssh2_channel_close(ch)) == LIBSSH2_ERROR_EAGAIN) {
		if ((w = wait_session(&c, hard, cancel)) != PXM_OK)
			break;
	}
	if (rc == LIBSSH2_ERROR_EAGAIN)
		goto deadline;
	while ((rc = libssh2_channel_wait_closed(ch)) == LIBSSH2_ERROR_EAGAIN) {
		if ((w = wait_session(&c, hard, cancel)) != PXM_OK)
			break;
	}
	if (rc == LIBSSH2_ERROR_EAGAIN)
		goto deadline;
	out->exit_status = libssh2_channel_get_exit_status(ch);
	if (libssh2_channel_get_exit_signal(ch, &sig, &siglen, NULL, NULL, NULL,
	    NULL) == 0 && sig != NULL && siglen > 0) {
		pxm_text_sanitize(out->exit_signal, sizeof out->exit_signal, sig, 16);
		out->exit_status = -1;
	}
	while ((rc = libssh2_channel_free(ch)) == LIBSSH2_ERROR_EAGAIN) {
		if ((w = wait_session(&c, now_ms() + s->handshake_ms, cancel)) != PXM_OK)
			break;
	}
	if (rc == LIBSSH2_ERROR_EAGAIN)
		drop = 1;	/* libssh2 still owns it; the session frees it */
	ch = NULL;
	s->last_used = now_ms();
	/* Killed by the node's `timeout` wrapper at the deadline. */
	if ((strcmp(out->exit_signal, "KILL") == 0 || out->exit_status == 128 + 9) &&
	    now_ms() - texec >= timeout_ms) {
		out->timed_out = 1;
		s->stats.timeouts++;
		r = pxm_error_set(err, PXM_E_TIMEOUT, "timeout_command",
		    "the command exceeded its %u ms deadline and was killed on the "
		    "node (SIGKILL to its process group); it ran, and what it did "
		    "before that stays done", timeout_ms);
		goto out;
	}
	r = PXM_OK;
	goto out;

deadline:
	drop = 1;
	if (w == PXM_E_CANCELLED) {
		r = pxm_error_set(err, PXM_E_CANCELLED, "cancelled",
		    "cancelled while the command was running; it is killed on the "
		    "node at its deadline at the latest (%u ms after it started)",
		    timeout_ms);
		goto out;
	}
	out->timed_out = 1;
	s->stats.timeouts++;
	r = pxm_error_set(err, PXM_E_TIMEOUT, "timeout_command",
	    "the command exceeded its %u ms deadline; the connection was dropped "
	    "and the node kills the command at its deadline if it was wrapped "
	    "(pct exec always is). It may have run: verify the guest's state "
	    "before retrying", timeout_ms);
out:
	if (sig != NULL && s != NULL && s->sess != NULL)
		libssh2_free(s->sess, sig);
	if (locked) {
		if (drop)
			close_cached(s, 0);	/* frees a channel still open */
		else if (ch != NULL)
			(void)libssh2_channel_free(ch);
		pthread_mutex_unlock(&s->lock);
	}
	if (capture_finish(&out->out, &out->out_len, &out->out_truncated,
	    &out->out_total, &cout) != PXM_OK ||
	    capture_finish(&out->err, &out->err_len, &out->err_truncated,
	    &out->err_total, &cerr) != PXM_OK)
		r = pxm_error_set(err, PXM_E_NOMEM, "ssh_connect", "out of memory");
	pxm_buf_free(&cout.raw);
	pxm_buf_free(&cerr.raw);
	free(buf);
	out->duration_ms = now_ms() - t0;
	if (r != PXM_OK && err != NULL)
		pxm_secret_scrub_buf(err->text, sizeof err->text);
	return r;
}

int
pxm_ssh_pct_exec(struct pxm_ssh_result *out, struct pxm_error *err,
    struct pxm_ssh *s, const char *ctid, const char *const *argv,
    const size_t *lens, size_t argc, uint32_t timeout_ms,
    volatile int *cancel)
{
	struct pxm_buf cmd = PXM_BUF_INIT;
	int r;

	memset(out, 0, sizeof *out);
	out->exit_status = -1;
	if (s == NULL)
		return pxm_error_set(err, PXM_E_INVAL, "config", "no ssh target");
	if (timeout_ms == 0)
		timeout_ms = s->command_ms;
	if ((r = pxm_pct_exec_command(&cmd, err, s->pct, ctid, argv, lens, argc,
	    timeout_ms)) != PXM_OK)
		goto out;
	r = pxm_ssh_exec(out, err, s, cmd.data, timeout_ms, cancel);
out:
	pxm_buf_free(&cmd);
	return r;
}

/* ------------------------------------------------------------ doctor */

int
pxm_ssh_probe_host_key(struct pxm_ssh_hostkey *out, struct pxm_error *err,
    struct pxm_ssh *s)
{
	struct pxm_error local;
	struct conn c = { -1, NULL };
	int r;

	memset(out, 0, sizeof *out);
	out->verdict = -1;
	pthread_mutex_lock(&s->lock);
	if ((r = hold_library(s, &local)) == PXM_OK)
		r = session_open(&c, out, &local, s, 0, NULL);
	pthread_mutex_unlock(&s->lock);
	conn_drop(&c, 1);
	if (out->type[0] != '\0')
		return PXM_OK;	/* the key was seen: the verdict says the rest */
	if (err != NULL)
		*err = local;
	return r != PXM_OK ? r : PXM_E_INTERNAL;
}

int
pxm_ssh_describe(json_t **out, const struct pxm_ssh *cs)
{
	struct pxm_ssh *s = (struct pxm_ssh *)cs;	/* for the lock */
	char target[400];
	json_t *o = NULL;
	int r = PXM_E_NOMEM;

	*out = NULL;
	pthread_mutex_lock(&s->lock);
	if (strchr(s->host, ':') != NULL)
		snprintf(target, sizeof target, "%s@[%s]:%u", s->user, s->host, (unsigned)s->port);
	else
		snprintf(target, sizeof target, "%s@%s:%u", s->user, s->host, (unsigned)s->port);
	o = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:o, s:s, s:s, "
	    "s:{s:I, s:I, s:I, s:I}, s:I, s:b, s:I, s:I}",
	    "target", target, "user", s->user, "host", s->host, "port", (int)s->port,
	    "known_hosts", s->known_hosts,
	    "auth", s->key_path ? "key_file" : "agent",
	    "key_path", s->key_path ? json_string(s->key_path) : json_null(),
	    "passphrase", s->passphrase_path ? "file" : "none",
	    "pct_command", s->pct,
	    "timeouts_ms", "connect", (json_int_t)s->connect_ms,
	    "handshake", (json_int_t)s->handshake_ms,
	    "command", (json_int_t)s->command_ms, "idle", (json_int_t)s->idle_ms,
	    "max_output", (json_int_t)s->max_output,
	    "connected", s->sess != NULL,
	    "connections", (json_int_t)s->stats.connects,
	    "commands", (json_int_t)s->stats.commands);
	if (o == NULL)
		goto out;
	if (s->pins != NULL) {
		json_t *a = json_array();
		const char *p = s->pins + 1, *end;

		while (a != NULL && (end = strchr(p, ',')) != NULL) {
			json_array_append_new(a, json_stringn(p, (size_t)(end - p)));
			p = end + 1;
		}
		if (a == NULL || json_object_set_new(o, "host_key_pins", a) != 0)
			goto out;
	}
	if (s->hostkey_seen) {
		static const char *const verdicts[] = { "match", "unknown", "changed",
		    "revoked", "not pinned" };
		int v = s->hostkey.verdict;

		if (json_object_set_new(o, "host_key", json_pack("{s:s, s:s, s:s}",
		    "type", s->hostkey.type, "fingerprint", s->hostkey.fingerprint,
		    "verdict", v >= 0 && v <= 4 ? verdicts[v] : "unchecked")) != 0)
			goto out;
	}
	*out = o;
	o = NULL;
	r = PXM_OK;
out:
	pthread_mutex_unlock(&s->lock);
	json_decref(o);
	return r;
}

void
pxm_ssh_get_stats(struct pxm_ssh_stats *out, struct pxm_ssh *s)
{
	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->lock);
}
