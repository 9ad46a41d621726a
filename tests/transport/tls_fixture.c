/**
 * @file tls_fixture.c
 * @brief A small TLS server on 127.0.0.1 that plays PVE, PBS and PMG for
 * the transport's tests, and records what it received.
 *
 * It generates its certificate at start (self-signed, or signed by a CA it
 * also generates), prints "port=N fingerprint=HEX" on stdout, and writes to
 * --dir:
 *   cert.pem    the leaf certificate (ca.pem too with --ca)
 *   raw.bin     every byte received from the network (TLS records)
 *   plain.bin   every decrypted byte received
 *   events.log  one line per event: "accept C", "tlsok C", "tlsfail C",
 *               "reset C",
 *               "req C METHOD TARGET", "close C", "login ok|fail"
 * so a test can count connections and requests and prove that nothing
 * (no Authorization header, no token) arrived on a refused connection.
 *
 * Connection modes (--mode): normal, blackhole (accept, never answer, not
 * even the handshake), reset (RST right after accept), drip (answers one
 * byte a second), slow-headers (a header line a second, forever), hang
 * (reads the request, never answers).  --reset-first N resets the first N
 * connections at accept; --drop-first N reads the first N requests and then
 * resets without answering.
 *
 * Routes (below an optional /api2/json prefix): /version, /echo...,
 * /err/<case>, /pbs/err/<case>, /big?bytes=N, /notjson, /redirect,
 * /slow?ms=N, POST /access/ticket (PMG login), /pmg/expire.  With
 * --token-file every other request needs "Authorization:
 * PVEAPIToken=<file>" or "PBSAPIToken=<file>" (file re-read each time);
 * with --pmg-password-file it needs the PMG cookie (and CSRF header on
 * non-GET).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

enum mode { M_NORMAL, M_BLACKHOLE, M_RESET, M_DRIP, M_SLOW_HEADERS, M_HANG };

static enum mode mode = M_NORMAL;
static const char *dir;
static const char *token_file;
static const char *pmg_password_file;
static const char *pmg_user = "root@pam";
static int pmg_reject_all;
static int reset_first, drop_first;
static SSL_CTX *ctx;
static int fd_events = -1, fd_raw = -1, fd_plain = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int next_conn_id, nconn_accepted, nreq_seen;
static char pmg_ticket[128], pmg_csrf[128];

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "tls_fixture: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	ERR_print_errors_fp(stderr);
	exit(2);
}

static void
event(const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	/* One write per line on an O_APPEND file: lines never interleave. */
	if (write(fd_events, line, (size_t)n) < 0)
		return;
}

static void
record(int fd, const void *p, size_t n)
{
	pthread_mutex_lock(&lock);
	if (write(fd, p, n) < 0) {
		/* nothing sensible to do in a fixture */
	}
	pthread_mutex_unlock(&lock);
}

static int
open_out(const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
	    0600)) < 0)
		die("cannot open %s: %s", path, strerror(errno));
	return fd;
}

/* ------------------------------------------------------------ certificates */

static void
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ex;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	if ((ex = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		die("extension %d", nid);
	X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
}

static X509 *
make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
    int is_ca)
{
	X509 *x = X509_new();
	X509_NAME *name;
	unsigned char serial[8];
	BIGNUM *bn;

	if (x == NULL)
		die("X509_new");
	X509_set_version(x, 2);
	RAND_bytes(serial, sizeof serial);
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof serial, NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 2);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"Proximo test fixture", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	if (is_ca) {
		add_ext(x, issuer ? issuer : x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, issuer ? issuer : x, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, issuer ? issuer : x, NID_basic_constraints, "CA:FALSE");
		add_ext(x, issuer ? issuer : x, NID_key_usage,
		    "critical,digitalSignature,keyEncipherment");
		add_ext(x, issuer ? issuer : x, NID_ext_key_usage, "serverAuth");
		add_ext(x, issuer ? issuer : x, NID_subject_alt_name,
		    "DNS:localhost,IP:127.0.0.1,IP:::1");
	}
	if (X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) == 0)
		die("X509_sign");
	return x;
}

static void
write_pem(const char *name, X509 *x)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || !PEM_write_X509(f, x))
		die("cannot write %s", path);
	fclose(f);
}

static void
fingerprint(char out[65], X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	X509_digest(x, EVP_sha256(), md, &n);
	for (i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* --------------------------------------------------------------- capture */

static long
raw_cb(BIO *b, int oper, const char *argp, size_t len, int argi, long argl,
    int ret, size_t *processed)
{
	(void)b;
	(void)len;
	(void)argi;
	(void)argl;
	if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed != NULL &&
	    *processed > 0)
		record(fd_raw, argp, *processed);
	return ret;
}

/* ------------------------------------------------------------------ HTTP */

struct conn {
	int	fd;
	int	id;
	SSL	*ssl;
	char	*buf;		/* received, not yet consumed */
	size_t	len, cap;
};

struct req {
	char	method[16];
	char	target[2048];
	char	path[2048];
	char	query[2048];
	char	authorization[1024];
	char	cookie[1024];
	char	csrf[256];
	char	content_type[128];
	int	close;
	char	*body;
	size_t	body_len;
};

static int
fill(struct conn *c)
{
	char tmp[16384];
	int n;

	n = SSL_read(c->ssl, tmp, sizeof tmp);
	if (n <= 0)
		return -1;
	record(fd_plain, tmp, (size_t)n);
	if (c->len + (size_t)n + 1 > c->cap) {
		size_t cap = (c->cap ? c->cap * 2 : 32768) + (size_t)n;
		char *p = realloc(c->buf, cap);
		if (p == NULL)
			return -1;
		c->buf = p;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, tmp, (size_t)n);
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	return n;
}

static void
header_value(char *out, size_t size, const char *head, const char *name)
{
	const char *p = head;
	size_t nl = strlen(name), n;

	out[0] = '\0';
	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ')
				p++;
			n = strcspn(p, "\r\n");
			snprintf(out, size, "%.*s", (int)n, p);
			return;
		}
	}
}

/* Read one request; 0 on success, -1 on EOF or garbage. */
static int
read_request(struct conn *c, struct req *r)
{
	char *end, cl[32];
	size_t head_len, need;

	memset(r, 0, sizeof *r);
	while (c->buf == NULL || (end = strstr(c->buf, "\r\n\r\n")) == NULL)
		if (fill(c) < 0)
			return -1;
	head_len = (size_t)(end - c->buf) + 4;
	*end = '\0';
	if (sscanf(c->buf, "%15s %2047s", r->method, r->target) != 2)
		return -1;
	header_value(r->authorization, sizeof r->authorization, c->buf, "Authorization");
	header_value(r->cookie, sizeof r->cookie, c->buf, "Cookie");
	header_value(r->csrf, sizeof r->csrf, c->buf, "CSRFPreventionToken");
	header_value(r->content_type, sizeof r->content_type, c->buf, "Content-Type");
	header_value(cl, sizeof cl, c->buf, "Connection");
	r->close = strcasecmp(cl, "close") == 0;
	header_value(cl, sizeof cl, c->buf, "Content-Length");
	r->body_len = (size_t)strtoul(cl, NULL, 10);
	*end = '\r';
	need = head_len + r->body_len;
	while (c->len < need)
		if (fill(c) < 0)
			return -1;
	if ((r->body = malloc(r->body_len + 1)) == NULL)
		return -1;
	memcpy(r->body, c->buf + head_len, r->body_len);
	r->body[r->body_len] = '\0';
	memmove(c->buf, c->buf + need, c->len - need);
	c->len -= need;
	c->buf[c->len] = '\0';
	snprintf(r->path, sizeof r->path, "%.*s", (int)strcspn(r->target, "?"),
	    r->target);
	if (strchr(r->target, '?') != NULL)
		snprintf(r->query, sizeof r->query, "%s", strchr(r->target, '?') + 1);
	return 0;
}

static int
ssl_write_all(SSL *ssl, const char *p, size_t n)
{
	int w;

	while (n > 0) {
		if ((w = SSL_write(ssl, p, (int)n)) <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
respond(struct conn *c, int status, const char *reason, const char *ctype,
    const char *extra, const char *body)
{
	char head[2048];
	size_t blen = strlen(body), i;
	int n;

	n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nServer: tls_fixture\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n%s\r\n", status, reason,
	    ctype, blen, extra ? extra : "");
	if (mode == M_DRIP) {
		/* One byte a second, headers included. */
		for (i = 0; i < (size_t)n; i++) {
			if (ssl_write_all(c->ssl, head + i, 1) < 0)
				return;
			sleep(1);
		}
		for (i = 0; i < blen; i++) {
			if (ssl_write_all(c->ssl, body + i, 1) < 0)
				return;
			sleep(1);
		}
		return;
	}
	/* One record for head and body, as a real server would. */
	{
		char *all = malloc((size_t)n + blen);
		if (all == NULL)
			return;
		memcpy(all, head, (size_t)n);
		memcpy(all + n, body, blen);
		ssl_write_all(c->ssl, all, (size_t)n + blen);
		free(all);
	}
}

static void
json_escape(char *out, size_t size, const char *in)
{
	size_t o = 0;

	for (; *in && o + 7 < size; in++) {
		unsigned char ch = (unsigned char)*in;
		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch < 0x20) {
			o += (size_t)snprintf(out + o, size - o, "\\u%04x", ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o] = '\0';
}

static void
random_hex(char *out, size_t bytes)
{
	unsigned char r[64];
	size_t i;

	RAND_bytes(r, (int)bytes);
	for (i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02X", r[i]);
}

static char *
slurp_trim(const char *path)
{
	char buf[4096];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return strdup(buf);
}

static const char *
query_param(const struct req *r, const char *name, char *out, size_t size)
{
	const char *p = r->query;
	size_t nl = strlen(name);

	while (p && *p) {
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			snprintf(out, size, "%.*s", (int)strcspn(p + nl + 1, "&"), p + nl + 1);
			return out;
		}
		p = strchr(p, '&');
		if (p)
			p++;
	}
	return NULL;
}

/* Form field from an urlencoded body (no decoding needed for the tests'
 * plain values except %40 for '@'). */
static void
form_field(const char *body, const char *name, char *out, size_t size)
{
	const char *p = body;
	size_t nl = strlen(name), o = 0, i, n;

	out[0] = '\0';
	while (p && *p) {
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			p += nl + 1;
			n = strcspn(p, "&");
			for (i = 0; i < n && o + 1 < size; i++) {
				if (p[i] == '%' && i + 2 < n) {
					char hx[3] = { p[i + 1], p[i + 2], 0 };
					out[o++] = (char)strtol(hx, NULL, 16);
					i += 2;
				} else {
					out[o++] = p[i];
				}
			}
			out[o] = '\0';
			return;
		}
		p = strchr(p, '&');
		if (p)
			p++;
	}
}

static void
new_pmg_session(void)
{
	char r1[65], r2[65];

	random_hex(r1, 16);
	random_hex(r2, 16);
	pthread_mutex_lock(&lock);
	snprintf(pmg_ticket, sizeof pmg_ticket, "PMG:%s:%08lX::%s", pmg_user,
	    (unsigned long)time(NULL), r1);
	snprintf(pmg_csrf, sizeof pmg_csrf, "%08lX:%s", (unsigned long)time(NULL), r2);
	pthread_mutex_unlock(&lock);
}

/* 1 when the request carries valid credentials. */
static int
authorized(struct conn *c, const struct req *r, const char *path)
{
	char want[1200], cookie[300];
	char *tok;
	int ok;

	if (pmg_password_file != NULL) {
		if (strcmp(path, "/access/ticket") == 0)
			return 1;
		pthread_mutex_lock(&lock);
		snprintf(cookie, sizeof cookie, "PMGAuthCookie=%s", pmg_ticket);
		ok = !pmg_reject_all && pmg_ticket[0] && strcmp(r->cookie, cookie) == 0 &&
		    (strcmp(r->method, "GET") == 0 || strcmp(r->csrf, pmg_csrf) == 0);
		pthread_mutex_unlock(&lock);
		if (!ok)
			respond(c, 401, "No ticket", "application/json", NULL,
			    "{\"data\":null,\"message\":\"No ticket\\n\"}");
		return ok;
	}
	if (token_file == NULL)
		return 1;
	if ((tok = slurp_trim(token_file)) == NULL)
		die("cannot read %s", token_file);
	snprintf(want, sizeof want, "PVEAPIToken=%s", tok);
	ok = strcmp(r->authorization, want) == 0;
	snprintf(want, sizeof want, "PBSAPIToken=%s", tok);
	ok |= strcmp(r->authorization, want) == 0;
	free(tok);
	if (!ok)
		respond(c, 401, "invalid token value!", "application/json", NULL,
		    "{\"data\":null,\"message\":\"invalid token value!\\n\"}");
	return ok;
}

static void
pmg_login(struct conn *c, const struct req *r)
{
	char user[256], pass[1024], body[1024];
	char *want = pmg_password_file ? slurp_trim(pmg_password_file) : NULL;

	form_field(r->body, "username", user, sizeof user);
	form_field(r->body, "password", pass, sizeof pass);
	if (want == NULL || strcmp(r->method, "POST") != 0 ||
	    strcmp(user, pmg_user) != 0 || strcmp(pass, want) != 0) {
		event("login fail");
		respond(c, 401, "authentication failure", "application/json", NULL,
		    "{\"data\":null,\"message\":\"authentication failure\\n\"}");
		free(want);
		return;
	}
	free(want);
	new_pmg_session();
	event("login ok");
	pthread_mutex_lock(&lock);
	snprintf(body, sizeof body, "{\"data\":{\"username\":\"%s\",\"ticket\":\"%s\","
	    "\"CSRFPreventionToken\":\"%s\",\"role\":\"root\"}}", pmg_user,
	    pmg_ticket, pmg_csrf);
	pthread_mutex_unlock(&lock);
	respond(c, 200, "OK", "application/json", NULL, body);
}

static void
route(struct conn *c, struct req *r)
{
	char path[2048], qv[64] = "", *big;
	char e1[2048], e2[2048], e3[8192], e4[256], *resp;
	const char *p = r->path;
	size_t n, i;

	if (strncmp(p, "/api2/json", 10) == 0)
		p += 10;
	snprintf(path, sizeof path, "%s", *p ? p : "/");
	if (strcmp(path, "/access/ticket") == 0 && pmg_password_file != NULL) {
		pmg_login(c, r);
		return;
	}
	if (!authorized(c, r, path))
		return;
	if (strcmp(path, "/version") == 0) {
		respond(c, 200, "OK", "application/json", NULL,
		    "{\"data\":{\"version\":\"8.2.4\",\"release\":\"8.2\","
		    "\"repoid\":\"fixture\"}}");
	} else if (strncmp(path, "/echo", 5) == 0) {
		json_escape(e1, sizeof e1, r->path);
		json_escape(e2, sizeof e2, r->query);
		json_escape(e3, sizeof e3, r->body);
		json_escape(e4, sizeof e4, r->content_type);
		n = strlen(e1) + strlen(e2) + strlen(e3) + strlen(e4) + 256;
		if ((resp = malloc(n)) == NULL)
			return;
		snprintf(resp, n, "{\"data\":{\"method\":\"%s\",\"path\":\"%s\","
		    "\"query\":\"%s\",\"body\":\"%s\",\"content_type\":\"%s\"}}",
		    r->method, e1, e2, e3, e4);
		respond(c, 200, "OK", "application/json", NULL, resp);
		free(resp);
	} else if (strcmp(path, "/err/401") == 0) {
		respond(c, 401, "invalid token value!", "application/json", NULL,
		    "{\"data\":null,\"message\":\"invalid token value!\\n\"}");
	} else if (strcmp(path, "/err/403") == 0) {
		respond(c, 403, "Permission check failed (/vms/100, VM.PowerMgmt)",
		    "application/json", NULL, "{\"data\":null,\"message\":"
		    "\"Permission check failed (/vms/100, VM.PowerMgmt)\\n\"}");
	} else if (strcmp(path, "/err/403-reason-only") == 0) {
		respond(c, 403, "Permission check failed (/storage/local, Datastore.AllocateSpace)",
		    "application/json", NULL, "{\"data\":null}");
	} else if (strcmp(path, "/err/403-sys") == 0) {
		respond(c, 403, "Permission check failed (/nodes/pve1, Sys.Modify)",
		    "application/json", NULL, "{\"data\":null,\"message\":"
		    "\"Permission check failed (/nodes/pve1, Sys.Modify)\\n\"}");
	} else if (strcmp(path, "/err/403-any") == 0) {
		respond(c, 403, "Permission check failed",
		    "application/json", NULL, "{\"data\":null,\"message\":"
		    "\"Permission check failed (/vms/100, VM.Config.Disk|VM.Config.CDROM)\\n\"}");
	} else if (strcmp(path, "/err/403-user") == 0) {
		respond(c, 403, "Permission check failed (user != root@pam)",
		    "application/json", NULL, "{\"data\":null}");
	} else if (strcmp(path, "/err/400") == 0) {
		respond(c, 400, "Parameter verification failed.", "application/json", NULL,
		    "{\"data\":null,\"errors\":{\"vmid\":\"value must be at least 100\\n\","
		    "\"cores\":\"type check ('integer') failed - got 'abc'\\n\"},"
		    "\"message\":\"Parameter verification failed.\\n\"}");
	} else if (strcmp(path, "/err/404") == 0) {
		respond(c, 404, "Not Found", "application/json", NULL,
		    "{\"data\":null,\"message\":\"no such resource\\n\"}");
	} else if (strcmp(path, "/err/500") == 0) {
		respond(c, 500, "VM 100 is locked (backup)", "application/json", NULL,
		    "{\"data\":null,\"message\":\"VM 100 is locked (backup)\\n\"}");
	} else if (strcmp(path, "/err/501") == 0) {
		respond(c, 501, "Method 'GET /err/501' not implemented", "application/json",
		    NULL, "{\"data\":null}");
	} else if (strcmp(path, "/err/503") == 0) {
		respond(c, 503, "Service Unavailable", "text/html", NULL,
		    "<html>service unavailable</html>");
	} else if (strcmp(path, "/pbs/err/403") == 0) {
		respond(c, 403, "Forbidden", "text/plain", NULL,
		    "permission check failed\n");
	} else if (strcmp(path, "/pbs/err/400") == 0) {
		respond(c, 400, "Bad Request", "text/plain", NULL,
		    "parameter verification errors\n\nparameter 'store': schema does "
		    "not match\n");
	} else if (strcmp(path, "/pbs/err/500") == 0) {
		respond(c, 500, "Internal Server Error", "text/plain", NULL,
		    "unable to open chunk store 'store1'\n");
	} else if (strcmp(path, "/big") == 0) {
		n = query_param(r, "bytes", qv, sizeof qv) ? strtoul(qv, NULL, 10) : 1000;
		if ((big = malloc(n + 32)) == NULL)
			return;
		memcpy(big, "{\"data\":\"", 9);
		for (i = 0; i < n; i++)
			big[9 + i] = 'x';
		memcpy(big + 9 + n, "\"}", 3);
		respond(c, 200, "OK", "application/json", NULL, big);
		free(big);
	} else if (strcmp(path, "/notjson") == 0) {
		respond(c, 200, "OK", "text/html", NULL, "<html>hello</html>");
	} else if (strcmp(path, "/redirect") == 0) {
		respond(c, 302, "Found", "text/html",
		    "Location: https://127.0.0.1:1/elsewhere\r\n", "");
	} else if (strcmp(path, "/slow") == 0) {
		/* ms from the query (GET) or the form body (POST). */
		if (!query_param(r, "ms", qv, sizeof qv))
			form_field(r->body, "ms", qv, sizeof qv);
		n = qv[0] ? strtoul(qv, NULL, 10) : 100;
		usleep((useconds_t)n * 1000);
		snprintf(e4, sizeof e4, "{\"data\":{\"slept\":%zu}}", n);
		respond(c, 200, "OK", "application/json", NULL, e4);
	} else if (strcmp(path, "/pmg/expire") == 0) {
		new_pmg_session();
		respond(c, 200, "OK", "application/json", NULL, "{\"data\":null}");
	} else {
		respond(c, 501, "Method not implemented", "application/json", NULL,
		    "{\"data\":null}");
	}
}

static void
rst_close(int fd)
{
	struct linger lg = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
}

static void *
conn_main(void *arg)
{
	struct conn *c = arg;
	struct req r;
	char tmp[4096], line[64];
	ssize_t n;
	BIO *bio;
	int do_reset = 0, do_drop = 0, k;

	event("accept %d", c->id);
	pthread_mutex_lock(&lock);
	nconn_accepted++;
	if (reset_first > 0) {
		reset_first--;
		do_reset = 1;
	}
	pthread_mutex_unlock(&lock);
	if (mode == M_RESET || do_reset) {
		event("reset %d", c->id);
		rst_close(c->fd);
		c->fd = -1;
		goto done;
	}
	if (mode == M_BLACKHOLE) {
		while ((n = read(c->fd, tmp, sizeof tmp)) > 0)
			record(fd_raw, tmp, (size_t)n);
		goto done;
	}
	if ((c->ssl = SSL_new(ctx)) == NULL ||
	    (bio = BIO_new_socket(c->fd, BIO_NOCLOSE)) == NULL)
		goto done;
	BIO_set_callback_ex(bio, raw_cb);
	SSL_set_bio(c->ssl, bio, bio);
	if (SSL_accept(c->ssl) != 1) {
		event("tlsfail %d", c->id);
		ERR_clear_error();
		goto done;
	}
	event("tlsok %d", c->id);
	while (read_request(c, &r) == 0) {
		event("req %d %s %s", c->id, r.method, r.target);
		pthread_mutex_lock(&lock);
		nreq_seen++;
		if (drop_first > 0) {
			drop_first--;
			do_drop = 1;
		}
		pthread_mutex_unlock(&lock);
		if (do_drop) {
			free(r.body);
			event("reset %d", c->id);
			rst_close(c->fd);
			c->fd = -1;
			goto done;
		}
		if (mode == M_HANG) {
			free(r.body);
			while (SSL_read(c->ssl, tmp, sizeof tmp) > 0)
				;
			goto done;
		}
		if (mode == M_SLOW_HEADERS) {
			free(r.body);
			if (ssl_write_all(c->ssl, "HTTP/1.1 200 OK\r\n", 17) < 0)
				goto done;
			for (k = 0; ; k++) {
				sleep(1);
				snprintf(line, sizeof line, "X-Slow-%d: yes\r\n", k);
				if (ssl_write_all(c->ssl, line, strlen(line)) < 0)
					goto done;
			}
		}
		route(c, &r);
		free(r.body);
		if (r.close)
			break;
	}
done:
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	event("close %d", c->id);
	free(c->buf);
	free(c);
	return NULL;
}

static void
usage(void)
{
	fprintf(stderr, "usage: tls_fixture --dir DIR [--mode normal|blackhole|"
	    "reset|drip|slow-headers|hang] [--reset-first N] [--drop-first N] "
	    "[--ca] [--token-file F] [--pmg-password-file F] [--pmg-user U] "
	    "[--pmg-reject-all]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	socklen_t slen = sizeof sa;
	EVP_PKEY *key, *ca_key = NULL;
	X509 *cert, *ca = NULL;
	char fp[65] = "";
	int lfd, one = 1, i, use_ca = 0;
	pthread_t th;
	pthread_attr_t attr;
	pid_t parent = getppid();

	/* Never outlive the test that started us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return 0;
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
			const char *m = argv[++i];
			if (strcmp(m, "normal") == 0) mode = M_NORMAL;
			else if (strcmp(m, "blackhole") == 0) mode = M_BLACKHOLE;
			else if (strcmp(m, "reset") == 0) mode = M_RESET;
			else if (strcmp(m, "drip") == 0) mode = M_DRIP;
			else if (strcmp(m, "slow-headers") == 0) mode = M_SLOW_HEADERS;
			else if (strcmp(m, "hang") == 0) mode = M_HANG;
			else usage();
		} else if (strcmp(argv[i], "--reset-first") == 0 && i + 1 < argc)
			reset_first = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--drop-first") == 0 && i + 1 < argc)
			drop_first = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--ca") == 0)
			use_ca = 1;
		else if (strcmp(argv[i], "--token-file") == 0 && i + 1 < argc)
			token_file = argv[++i];
		else if (strcmp(argv[i], "--pmg-password-file") == 0 && i + 1 < argc)
			pmg_password_file = argv[++i];
		else if (strcmp(argv[i], "--pmg-user") == 0 && i + 1 < argc)
			pmg_user = argv[++i];
		else if (strcmp(argv[i], "--pmg-reject-all") == 0)
			pmg_reject_all = 1;
		else
			usage();
	}
	if (dir == NULL)
		usage();
	fd_events = open_out("events.log");
	fd_raw = open_out("raw.bin");
	fd_plain = open_out("plain.bin");

	if ((key = EVP_EC_gen("P-256")) == NULL)
		die("key generation");
	if (use_ca) {
		if ((ca_key = EVP_EC_gen("P-256")) == NULL)
			die("CA key generation");
		ca = make_cert(ca_key, "Proximo fixture CA", NULL, NULL, 1);
		cert = make_cert(key, "localhost", ca, ca_key, 0);
		write_pem("ca.pem", ca);
	} else {
		cert = make_cert(key, "localhost", NULL, NULL, 0);
	}
	write_pem("cert.pem", cert);
	fingerprint(fp, cert);

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		die("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1)
		die("certificate/key");
	if (ca != NULL && SSL_CTX_add1_chain_cert(ctx, ca) != 1)
		die("chain");

	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 512) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &slen) != 0)
		die("listen: %s", strerror(errno));
	printf("port=%d fingerprint=%s\n", ntohs(sa.sin_port), fp);
	fflush(stdout);

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (;;) {
		struct conn *c;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept: %s", strerror(errno));
		}
		if ((c = calloc(1, sizeof *c)) == NULL) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c->fd = fd;
		c->id = ++next_conn_id;
		if (pthread_create(&th, &attr, conn_main, c) != 0) {
			close(fd);
			free(c);
		}
	}
}
