/**
 * @file fuzz_pve_response.c
 * @brief Fuzz target: what Proxmox answers is untrusted input too.  The
 *        real PVE plugin, over the real HTTPS transport, reads fuzzed
 *        answers (task status, cluster resources, guest lists, configs with
 *        property strings, snapshots, storage content) from an in-process
 *        TLS server, through a real MCP session.
 *
 * Input: byte 0 picks the tool call (calls[]); then a sequence of answers,
 * each [status selector: 1 byte][length: 2 bytes, little endian][body], served
 * in order to the requests the call makes (a request past the last answer
 * gets a 500).  Properties: no crash, leak, UB or hang; stdout stays one
 * JSON-RPC message per line, the call is answered (G14).
 *
 * The responder pins nothing and checks nothing: it is the hostile server.
 * The transport pins its certificate's fingerprint (PROXIMO_FINGERPRINT),
 * as it would a real node's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "cli/runtime.h"
#include "fuzz.h"
#include "fuzzenv.h"
#include "ledger/io.h"
#include "mcp/server.h"
#include "pipeline/pipeline.h"
#include "tls.h"	/* contrib/sim/tls.h: a fresh self-signed certificate */
#include "util/error.h"

/* The calls, each with arguments that get past validation so the plugin
 * reaches the network. */
static const char *const calls[] = {
	"{\"name\":\"pve_task_status\",\"arguments\":{\"upid\":\"UPID:pve1:00001234:00005678:"
	    "65000000:qmstart:100:root@pam:\"}}",
	"{\"name\":\"pve_cluster_resources\",\"arguments\":{}}",
	"{\"name\":\"pve_list_guests\",\"arguments\":{}}",
	"{\"name\":\"pve_guest_status\",\"arguments\":{\"vmid\":100}}",
	"{\"name\":\"pve_guest_config_get\",\"arguments\":{\"vmid\":100}}",
	"{\"name\":\"pve_guest_pending\",\"arguments\":{\"vmid\":100}}",
	"{\"name\":\"pve_tasks_list\",\"arguments\":{}}",
	"{\"name\":\"pve_task_log\",\"arguments\":{\"upid\":\"UPID:pve1:00001234:00005678:"
	    "65000000:qmstart:100:root@pam:\"}}",
	"{\"name\":\"pve_snapshot_list\",\"arguments\":{\"vmid\":100}}",
	"{\"name\":\"pve_cluster_status\",\"arguments\":{}}",
	"{\"name\":\"pve_version\",\"arguments\":{}}",
	/* plans read live state: configs with property strings, status */
	"{\"name\":\"pve_guest_config_set\",\"arguments\":{\"vmid\":100,\"config\":"
	    "{\"memory\":4096,\"net0\":\"virtio,bridge=vmbr1\"}}}",
	"{\"name\":\"pve_guest_power\",\"arguments\":{\"vmid\":100,\"action\":\"stop\"}}",
	"{\"name\":\"pve_snapshot_create\",\"arguments\":{\"vmid\":100,\"snapname\":\"s1\"}}",
	"{\"name\":\"pve_rollback\",\"arguments\":{\"vmid\":100,\"snapname\":\"s1\"}}",
	"{\"name\":\"pve_delete_guest\",\"arguments\":{\"vmid\":100}}",
	"{\"name\":\"pve_disk_resize\",\"arguments\":{\"vmid\":100,\"disk\":\"scsi0\","
	    "\"size\":\"+1G\"}}",
	"{\"name\":\"pve_guest_config_revert\",\"arguments\":{\"vmid\":100,\"prior_config\":"
	    "{\"memory\":\"2048\",\"net0\":\"virtio=BC:24:11:6A:10:00,bridge=vmbr0\"}}}",
	"{\"name\":\"pve_storage_content\",\"arguments\":{\"storage\":\"local\"}}",
	"{\"name\":\"pve_backup_list\",\"arguments\":{\"storage\":\"local\",\"vmid\":100}}",
	"{\"name\":\"pve_guest_power\",\"arguments\":{\"vmid\":100,\"action\":\"start\","
	    "\"confirm\":true,\"plan_id\":\"0000000000000000000000000000000000000000000000000000000000000000\"}}",
};

static const int statuses[] = { 200, 200, 200, 200, 200, 200, 400, 401, 403, 404, 500, 501,
	595, 596, 204, 302 };

static char ledger_path[700], state_path[700];
static SSL_CTX *ctx;
static int port;

/* The answers of the current input. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static const uint8_t *ans;
static size_t ans_len, ans_off;

static int
no_sync(int fd)
{
	(void)fd;
	return 0;
}

static struct pxm_ledger_io fast_io;

/* Next answer: status and body (a copy the caller frees: the input it
 * comes from is gone once the input's call returns, and a connection thread
 * may still be writing when it does, e.g. after the client gave up). */
static void
next_answer(int *status, uint8_t **body, size_t *n)
{
	static const char none[] = "{\"data\":null,\"message\":\"fuzz: no more answers\\n\"}";
	const uint8_t *from;
	size_t len;

	pthread_mutex_lock(&mu);
	if (ans == NULL || ans_len - ans_off < 3) {
		*status = 500;
		from = (const uint8_t *)none;
		len = sizeof none - 1;
	} else {
		*status = statuses[ans[ans_off] % (sizeof statuses / sizeof statuses[0])];
		len = (size_t)ans[ans_off + 1] | (size_t)ans[ans_off + 2] << 8;
		ans_off += 3;
		if (len > ans_len - ans_off)
			len = ans_len - ans_off;
		from = ans + ans_off;
		ans_off += len;
	}
	*body = malloc(len ? len : 1);
	FUZZ_CHECK(*body != NULL, "oom");
	memcpy(*body, from, len);
	*n = len;
	pthread_mutex_unlock(&mu);
}

static int
ssl_write_all(SSL *ssl, const void *p, size_t n)
{
	int w;

	while (n > 0) {
		if ((w = SSL_write(ssl, p, n > 65536 ? 65536 : (int)n)) <= 0)
			return -1;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

/* One connection: requests in, answers out, until the client closes. */
static void
serve(SSL *ssl)
{
	char buf[65536], head[256], *end, *cl;
	size_t have = 0, need, hlen;
	uint8_t *body;
	size_t n;
	int r, status, hn, w;

	for (;;) {
		/* headers */
		while ((end = memmem(buf, have, "\r\n\r\n", 4)) == NULL) {
			if (have == sizeof buf || (r = SSL_read(ssl, buf + have,
			    (int)(sizeof buf - have))) <= 0)
				return;
			have += (size_t)r;
		}
		hlen = (size_t)(end - buf) + 4;
		need = 0;
		buf[hlen - 1] = '\0';
		if ((cl = strcasestr(buf, "\r\ncontent-length:")) != NULL)
			need = strtoul(cl + 17, NULL, 10);
		if (need > sizeof buf - hlen)
			return;
		while (have < hlen + need) {
			if ((r = SSL_read(ssl, buf + have, (int)(sizeof buf - have))) <= 0)
				return;
			have += (size_t)r;
		}
		memmove(buf, buf + hlen + need, have - hlen - need);
		have -= hlen + need;
		next_answer(&status, &body, &n);
		hn = snprintf(head, sizeof head, "HTTP/1.1 %d Fuzz\r\nContent-Type: "
		    "application/json;charset=UTF-8\r\nContent-Length: %zu\r\n\r\n", status, n);
		w = ssl_write_all(ssl, head, (size_t)hn) != 0 ||
		    (n && ssl_write_all(ssl, body, n) != 0);
		free(body);
		if (w)
			return;
	}
}

/* Connections being served.  At exit the runtime closes the transport's
 * connections first (its atexit handler was registered later, so it runs
 * earlier); wait_connections() then lets each serving thread see the close
 * and free its SSL, or valgrind reports them lost. */
static pthread_mutex_t conn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t conn_cv = PTHREAD_COND_INITIALIZER;
static int live_connections;

static void
wait_connections(void)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	pthread_mutex_lock(&conn_mu);
	while (live_connections > 0 &&
	    pthread_cond_timedwait(&conn_cv, &conn_mu, &until) == 0)
		;
	pthread_mutex_unlock(&conn_mu);
}

/* One thread per connection: the transport may hold several at once. */
static void *
connection(void *arg)
{
	int fd = (int)(intptr_t)arg, one = 1;
	SSL *ssl;

	/* No Nagle: a handshake flight or an answer in two writes would wait
	 * for the peer's delayed ACK (40 ms a round). */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if ((ssl = SSL_new(ctx)) != NULL) {
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) == 1)
			serve(ssl);
		SSL_free(ssl);
	}
	close(fd);
	pthread_mutex_lock(&conn_mu);
	live_connections--;
	pthread_cond_signal(&conn_cv);
	pthread_mutex_unlock(&conn_mu);
	return NULL;
}

static void *
responder(void *arg)
{
	int lfd = (int)(intptr_t)arg, fd;
	pthread_t t;

	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		pthread_mutex_lock(&conn_mu);
		live_connections++;
		pthread_mutex_unlock(&conn_mu);
		if (pthread_create(&t, NULL, connection, (void *)(intptr_t)fd) != 0) {
			close(fd);
			pthread_mutex_lock(&conn_mu);
			live_connections--;
			pthread_mutex_unlock(&conn_mu);
		} else {
			pthread_detach(t);
		}
	}
	return NULL;
}

static void
start_responder(struct sim_cert *cert)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	pthread_t t;
	BIO *b;
	X509 *x;
	EVP_PKEY *k;
	int lfd;

	FUZZ_CHECK((ctx = SSL_CTX_new(TLS_server_method())) != NULL, "SSL_CTX_new");
	b = BIO_new_mem_buf(cert->cert_pem, -1);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	b = BIO_new_mem_buf(cert->key_pem, -1);
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	FUZZ_CHECK(x && k && SSL_CTX_use_certificate(ctx, x) == 1 &&
	    SSL_CTX_use_PrivateKey(ctx, k) == 1, "certificate");
	X509_free(x);
	EVP_PKEY_free(k);
	FUZZ_CHECK((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0, "socket");
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FUZZ_CHECK(bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(lfd, 16) == 0 &&
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) == 0, "listen");
	port = ntohs(sa.sin_port);
	FUZZ_CHECK(pthread_create(&t, NULL, responder, (void *)(intptr_t)lfd) == 0, "thread");
	pthread_detach(t);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sim_cert cert;
	const char *dir;
	char p[700], err[512];
	FILE *f;

	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	dir = fuzz_env_setup();
	memset(&cert, 0, sizeof cert);
	FUZZ_CHECK(sim_cert_generate(&cert, err, sizeof err) == 0, "certificate: %s", err);
	start_responder(&cert);
	atexit(wait_connections);
	snprintf(p, sizeof p, "https://127.0.0.1:%d/api2/json", port);
	setenv("PROXIMO_API_BASE_URL", p, 1);
	setenv("PROXIMO_FINGERPRINT", cert.fingerprint, 1);
	sim_cert_free(&cert);
	snprintf(p, sizeof p, "%s/pve.token", dir);
	FUZZ_CHECK((f = fopen(p, "w")) != NULL, "token file");
	fprintf(f, "root@pam!fuzz=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\n");
	fclose(f);
	FUZZ_CHECK(chmod(p, 0600) == 0, "chmod");
	setenv("PROXIMO_TOKEN_PATH", p, 1);
	setenv("PROXIMO_NODE", "pve1", 1);
	/* Waits end fast: a fuzzed task that never finishes must not hang. */
	setenv("PROXIMO_TASK_POLL_MS", "50", 1);
	snprintf(ledger_path, sizeof ledger_path, "%s/audit-resp.log", dir);
	setenv("PROXIMO_AUDIT_LOG", ledger_path, 1);
	setenv("PROXIMO_AUDIT_ANCHOR_SINK", "none", 1);
	setenv("PROXIMO_AUDIT_CHECKPOINTS", "off", 1);
	snprintf(state_path, sizeof state_path, "%s/unused-state.json", dir);
	setenv("PROXIMO_PIPETEST_STATE", state_path, 1);
	setenv("PROXIMO_PLUGINS", "pve", 1);
	fast_io = pxm_ledger_io_real;
	fast_io.fdatasync = no_sync;
	fast_io.fsync = no_sync;
	pxm_ledger_io_set(&fast_io);
	return 0;
}

static int
memfd_of(const char *s, size_t n)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	FUZZ_CHECK(fd >= 0 && (n == 0 || write(fd, s, n) == (ssize_t)n) &&
	    lseek(fd, 0, SEEK_SET) == 0, "memfd");
	return fd;
}

/* G14 again: one JSON-RPC message per line, the call answered. */
static void
check_output(int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *buf, *p, *nl, *end;
	json_t *msg;
	int answered = 0;

	FUZZ_CHECK(size > 0, "no output");
	buf = malloc((size_t)size);
	FUZZ_CHECK(buf && pread(fd, buf, (size_t)size, 0) == size, "read output");
	if (getenv("FUZZ_DUMP"))
		fwrite(buf, 1, (size_t)size, stderr);
	FUZZ_CHECK(buf[size - 1] == '\n', "output does not end with a newline");
	end = buf + size;
	for (p = buf; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		msg = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, NULL);
		FUZZ_CHECK(json_is_object(msg), "stdout line is not a JSON object: %.*s",
		    (int)((nl - p) > 300 ? 300 : (nl - p)), p);
		if (json_integer_value(json_object_get(msg, "id")) == 2 &&
		    (json_object_get(msg, "result") || json_object_get(msg, "error")))
			answered = 1;
		json_decref(msg);
	}
	FUZZ_CHECK(answered, "the tool call was not answered");
	free(buf);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pxm_runtime *rt;
	struct pxm_mcp_server *srv = NULL;
	struct pxm_mcp_options opt;
	struct pxm_error err;
	char session[2048];
	int in, out, n;

	if (size < 1)
		return 0;
	n = snprintf(session, sizeof session,
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
	    "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
	    "\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"1\"}}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":%s}\n",
	    calls[data[0] % (sizeof calls / sizeof calls[0])]);
	pthread_mutex_lock(&mu);
	ans = data + 1;
	ans_len = size - 1;
	ans_off = 0;
	pthread_mutex_unlock(&mu);

	rt = fuzz_shared_runtime(ledger_path);
	in = memfd_of(session, (size_t)n);
	out = memfd_of("", 0);
	memset(&opt, 0, sizeof opt);
	opt.in_fd = in;
	opt.out_fd = out;
	opt.tool_call = pxm_pipeline_tool_call;
	opt.tool_call_payload = rt;
	FUZZ_CHECK(pxm_mcp_server_new(&srv, &err, rt->reg, &opt) == PXM_OK, "server: %s", err.text);
	pxm_mcp_server_run(srv);
	pxm_mcp_server_free(srv);
	check_output(out);
	close(in);
	close(out);
	pthread_mutex_lock(&mu);
	ans = NULL;
	pthread_mutex_unlock(&mu);
	return 0;
}
