/**
 * @file check_canary.c
 * @brief The secrets canary (reliability goal G10): unique high-entropy
 *        secrets go in, and no byte of anything that comes out carries one.
 *
 * The real proximo runs with a canary ledger key, the simulator's PVE API
 * token, a PMG password file and a secret-looking env-file value; it is
 * driven through every core tool, the fixture plugins' tools and the PVE
 * tools against proximo-sim, with debug logging on (to stderr and, through
 * logging/setLevel, to the client), and through the failure paths: a wrong
 * token (401), a wrong certificate pin, an unreachable API, group-readable
 * token and key files, malformed arguments, and a forced abort.  Then every
 * byte of stdout, stderr, the ledger and its archives, anchors, checkpoint
 * files, and any core file is searched for each canary in its raw, hex,
 * base64 (every alignment) and URL encodings and for every piece of it of 8
 * characters or more: zero hits.
 *
 * Extending it (when the PBS/PMG/ssh plugins land): add the secret to
 * canaries[] (add_canary) and the settings that hand it to proximo to the
 * environment; every file under the test directory is scanned already.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "pxmcheck.h"
#include "pxmtest.h"
#ifdef PXM_CANARY_WITH_SIM
#include "sim_harness.h"
#endif

/* ------------------------------------------------------------ canaries */

#define MAX_CANARIES	16
#define MAX_NEEDLES	4096

struct canary {
	const char	*name;
	unsigned char	value[512];
	size_t		len;
};

struct needle {
	const struct canary *from;
	const char	*how;
	unsigned char	*bytes;
	size_t		len;
};

static struct canary canaries[MAX_CANARIES];
static size_t ncanaries;
static struct needle needles[MAX_NEEDLES];
static size_t nneedles;

static void
add_needle(const struct canary *c, const char *how, const void *p, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	for (i = 0; i < nneedles; i++)
		if (needles[i].len == n && memcmp(needles[i].bytes, p, n) == 0)
			return;
	ck_assert_uint_lt(nneedles, MAX_NEEDLES);
	needles[nneedles].from = c;
	needles[nneedles].how = how;
	needles[nneedles].bytes = malloc(n);
	ck_assert_ptr_nonnull(needles[nneedles].bytes);
	memcpy(needles[nneedles].bytes, p, n);
	needles[nneedles].len = n;
	nneedles++;
}

static size_t
hex_of(char *out, const unsigned char *p, size_t n, int upper)
{
	const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	return 2 * n;
}

static size_t
b64_of(char *out, const unsigned char *p, size_t n, int url)
{
	const char *t = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	    : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = t[(v >> 6) & 63];
		out[o++] = t[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned)p[i] << 16;
		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
	} else if (n - i == 2) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = t[(v >> 6) & 63];
	}
	return o;
}

/* Base64 of the value at each of the three alignments it can have inside a
 * longer encoded text: the characters that depend on the value alone. */
static void
add_b64(const struct canary *c, const unsigned char *v, size_t n)
{
	unsigned char buf[600];
	char enc[900];
	size_t k, len, skip;
	int url;

	for (url = 0; url < 2; url++)
		for (k = 0; k < 3; k++) {
			memset(buf, 0, k);
			memcpy(buf + k, v, n);
			len = b64_of(enc, buf, k + n, url);
			skip = k ? 4 : 0;	/* the group that mixes in the prefix */
			if (len > skip + 4)
				add_needle(c, url ? "base64url" : "base64", enc + skip, len - skip - 4);
		}
}

static int
unreserved(unsigned char ch)
{
	return isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~';
}

/* Pieces of 8 characters and more.  A piece made only of lowercase hex
 * digits could match by chance in a ledger full of hashes (1 in 4e9 per
 * position), so such pieces are taken at 16 characters. */
static void
add_pieces(const struct canary *c, const unsigned char *v, size_t n)
{
	size_t i, w, k;
	int plainhex;

	for (w = 8; w <= 16; w += 8)
		for (i = 0; i + w <= n; i++) {
			plainhex = 1;
			for (k = i; k < i + w; k++)
				if (!isdigit(v[k]) && !(v[k] >= 'a' && v[k] <= 'f'))
					plainhex = 0;
			if ((w == 8) == !plainhex)
				add_needle(c, w == 8 ? "8-char piece" : "16-char hex piece", v + i, w);
		}
}

static void
add_encodings(const struct canary *c, const unsigned char *v, size_t n)
{
	char buf[2048];
	size_t i, o;

	add_needle(c, "raw", v, n);
	add_needle(c, "hex", buf, hex_of(buf, v, n, 0));
	add_needle(c, "HEX", buf, hex_of(buf, v, n, 1));
	add_b64(c, v, n);
	for (i = 0, o = 0; i < n; i++) {
		if (unreserved(v[i]))
			buf[o++] = (char)v[i];
		else
			o += (size_t)snprintf(buf + o, 4, "%%%02X", v[i]);
	}
	add_needle(c, "url-encoded", buf, o);
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower(v[i]);
	add_needle(c, "lowercase", buf, n);
	for (i = 0; i < n; i++)
		buf[i] = (char)toupper(v[i]);
	add_needle(c, "uppercase", buf, n);
	add_pieces(c, v, n);
}

static struct canary *
add_canary(const char *name, const void *v, size_t n)
{
	struct canary *c;

	ck_assert_uint_lt(ncanaries, MAX_CANARIES);
	ck_assert_uint_lt(n, sizeof c->value);
	c = &canaries[ncanaries++];
	c->name = name;
	memcpy(c->value, v, n);
	c->len = n;
	add_encodings(c, c->value, n);
	return c;
}

static void
random_bytes(unsigned char *p, size_t n)
{
	int fd = open("/dev/urandom", O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, p, n), (ssize_t)n);
	close(fd);
}

/* Random bytes, and their uppercase hex (proximo reads key hex in either
 * case), drawn again until every 8-character window of the hex holds a
 * letter: an all-digit piece could match a timestamp by chance. */
static void
random_key(char *hex, unsigned char *raw, size_t bytes)
{
	size_t i, k, digits;
	int ok;

	do {
		random_bytes(raw, bytes);
		hex_of(hex, raw, bytes, 1);
		hex[2 * bytes] = '\0';
		ok = 1;
		for (i = 0; i + 8 <= 2 * bytes && ok; i++) {
			for (k = i, digits = 0; k < i + 8; k++)
				digits += isdigit((unsigned char)hex[k]) != 0;
			ok = digits < 8;
		}
	} while (!ok);
}

/* ------------------------------------------------------------ artefacts */

struct hit {
	char	file[1024];
	char	what[256];
};

static struct hit hits[64];
static size_t nhits;
static size_t files_scanned, bytes_scanned;
static char skip_paths[8][1024];
static size_t nskip;

static void
scan_buffer(const char *label, const unsigned char *data, size_t n)
{
	size_t i;

	bytes_scanned += n;
	for (i = 0; i < nneedles; i++)
		if (n >= needles[i].len && memmem(data, n, needles[i].bytes, needles[i].len)) {
			if (nhits < sizeof hits / sizeof hits[0]) {
				snprintf(hits[nhits].file, sizeof hits[nhits].file, "%s", label);
				snprintf(hits[nhits].what, sizeof hits[nhits].what, "%s (%s)",
				    needles[i].from->name, needles[i].how);
			}
			nhits++;
		}
}

static int
scan_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	unsigned char *buf;
	size_t i;
	FILE *f;

	(void)ftw;
	if (flag != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	for (i = 0; i < nskip; i++)
		if (strcmp(path, skip_paths[i]) == 0)
			return 0;	/* a secret file itself: it holds the secret */
	buf = malloc((size_t)st->st_size + 1);
	ck_assert_ptr_nonnull(buf);
	if ((f = fopen(path, "rb")) != NULL) {
		size_t n = fread(buf, 1, (size_t)st->st_size, f);

		fclose(f);
		scan_buffer(path, buf, n);
		files_scanned++;
	}
	free(buf);
	return 0;
}

/* ------------------------------------------------------------ a client */

struct srv {
	pid_t		pid;
	int		to, from;
	char		outpath[700], errpath[700];
	FILE		*out;		/* every byte of stdout, as read */
	char		*rbuf;
	size_t		rlen, rcap;
	long long	next_id;
};

static char dir[512], secrets[600], state[600], plugdir[600];
static char keypath[700], envpath[700], pmgpath[700], wrongtok[700], opentok[700];
static char ledger[700];
static char env_key[800], env_ledger[800], env_plugdir[800], env_envfile[800];
static char env_pmg[800], env_base[800], env_fp[800], env_tok[800], env_ckpt[800];
static char env_anchor[800], env_pipestate[800], env_datadir[800];
static int sim;		/* the simulator runs: the PVE part is exercised */
static char sim_token_file[600], sim_url[300], sim_fingerprint[200];
#ifdef PXM_CANARY_WITH_SIM
static struct pxm_sim *simp;
#endif
static int nsessions;

static const char *base_env[32];

static void
build_env(void)
{
	size_t n = 0;

	base_env[n++] = env_key;
	base_env[n++] = env_ledger;
	base_env[n++] = env_plugdir;
	base_env[n++] = env_envfile;
	base_env[n++] = env_pmg;
	base_env[n++] = env_base;
	base_env[n++] = env_fp;
	base_env[n++] = env_tok;
	base_env[n++] = env_ckpt;
	base_env[n++] = env_anchor;
	base_env[n++] = env_pipestate;
	base_env[n++] = env_datadir;
	base_env[n++] = "PROXIMO_LOG_LEVEL=debug";
	base_env[n++] = "PROXIMO_AUDIT_READS=on";
	base_env[n++] = "PROXIMO_AUDIT_CHECKPOINTS=on";
	base_env[n++] = "PROXIMO_AUDIT_CHECKPOINT_EVERY=5";
	base_env[n++] = "PROXIMO_AUDIT_ANCHOR_SINK=file";
	base_env[n++] = "PROXIMO_NODE=pve1";
	base_env[n++] = "PROXIMO_PLUGINS=";
	base_env[n++] = "PROXIMO_ALLOW_CORE_DUMPS=";
	base_env[n] = NULL;
}

static void
apply(const char *const *env)
{
	char key[256];
	const char *eq;
	size_t i;

	for (i = 0; env && env[i]; i++) {
		if ((eq = strchr(env[i], '=')) == NULL || (size_t)(eq - env[i]) >= sizeof key)
			continue;
		memcpy(key, env[i], (size_t)(eq - env[i]));
		key[eq - env[i]] = '\0';
		if (eq[1] == '\0')
			unsetenv(key);
		else
			setenv(key, eq + 1, 1);
	}
}

/* proximo [args] with the base environment plus `extra`; stdout is kept
 * byte for byte in <dir>/out/session-N.stdout, stderr in .stderr, and the
 * process runs in <dir> (where a core file would land). */
static void
srv_start(struct srv *s, char *const argv[], const char *const *extra)
{
	int in[2], out[2], efd;

	memset(s, 0, sizeof *s);
	nsessions++;
	snprintf(s->outpath, sizeof s->outpath, "%s/out/session-%d.stdout", dir, nsessions);
	snprintf(s->errpath, sizeof s->errpath, "%s/out/session-%d.stderr", dir, nsessions);
	s->out = fopen(s->outpath, "wb");
	ck_assert_ptr_nonnull(s->out);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	efd = open(s->errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(efd, 0);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(efd, 2);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		close(efd);
		if (chdir(dir) != 0)
			_exit(126);
		apply(base_env);
		apply(extra);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(efd);
	s->to = in[1];
	s->from = out[0];
	s->next_id = 1;
}

static void
srv_send(struct srv *s, const char *line)
{
	size_t n = strlen(line);

	ck_assert_int_eq(write(s->to, line, n), (ssize_t)n);
	ck_assert_int_eq(write(s->to, "\n", 1), 1);
}

/* Next stdout line as JSON, or NULL at EOF/timeout. */
static json_t *
srv_recv(struct srv *s, int timeout_ms)
{
	struct pollfd pfd;
	char *nl;
	json_t *msg;
	ssize_t n;
	size_t len;

	for (;;) {
		if (s->rlen && (nl = memchr(s->rbuf, '\n', s->rlen)) != NULL) {
			len = (size_t)(nl - s->rbuf);
			msg = json_loadb(s->rbuf, len, 0, NULL);
			ck_assert_msg(msg != NULL, "stdout line is not JSON: %.*s",
			    (int)(len > 200 ? 200 : len), s->rbuf);
			memmove(s->rbuf, nl + 1, s->rlen - len - 1);
			s->rlen -= len + 1;
			return msg;
		}
		pfd.fd = s->from;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return NULL;
		if (s->rcap - s->rlen < 65536) {
			s->rcap = s->rcap ? s->rcap * 2 : 131072;
			s->rbuf = realloc(s->rbuf, s->rcap);
			ck_assert_ptr_nonnull(s->rbuf);
		}
		if ((n = read(s->from, s->rbuf + s->rlen, s->rcap - s->rlen)) <= 0)
			return NULL;
		fwrite(s->rbuf + s->rlen, 1, (size_t)n, s->out);
		s->rlen += (size_t)n;
	}
}

static json_t *
srv_rpc(struct srv *s, const char *method, json_t *params)
{
	long long id = s->next_id++;
	json_t *req, *msg;
	char *line;

	req = json_pack("{s:s, s:I, s:s}", "jsonrpc", "2.0", "id", (json_int_t)id, "method", method);
	if (params)
		json_object_set_new(req, "params", params);
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	srv_send(s, line);
	free(line);
	for (;;) {
		msg = srv_recv(s, 120000);
		ck_assert_msg(msg != NULL, "no answer to %s", method);
		if (json_object_get(msg, "method") == NULL &&
		    json_integer_value(json_object_get(msg, "id")) == id)
			return msg;
		json_decref(msg);	/* notifications: kept in the stdout file */
	}
}

/* tools/call; returns the result's text (new), or the error message. */
static char *
srv_call(struct srv *s, const char *tool, json_t *args)
{
	json_t *r, *res, *text;
	char *out;

	r = srv_rpc(s, "tools/call", json_pack("{s:s, s:o}", "name", tool,
	    "arguments", args ? args : json_object()));
	res = json_object_get(r, "result");
	if (res)
		text = json_object_get(json_array_get(json_object_get(res, "content"), 0), "text");
	else
		text = json_object_get(json_object_get(r, "error"), "message");
	out = strdup(json_string_value(text) ? json_string_value(text) : "");
	json_decref(r);
	return out;
}

static void
srv_init(struct srv *s)
{
	json_t *r;

	r = srv_rpc(s, "initialize", json_pack("{s:s, s:{s:{}}, s:{s:s, s:s}}",
	    "protocolVersion", "2025-11-25", "capabilities", "elicitation",
	    "clientInfo", "name", "canary", "version", "1"));
	ck_assert_ptr_nonnull(json_object_get(r, "result"));
	json_decref(r);
	srv_send(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	/* Debug log lines to the client as well: they are artefacts too. */
	json_decref(srv_rpc(s, "logging/setLevel", json_pack("{s:s}", "level", "debug")));
}

static int
srv_stop(struct srv *s)
{
	int status = 0;
	long waited = 0;

	close(s->to);
	/* The rest of stdout, whatever it is (the CLI verbs print text). */
	for (;;) {
		struct pollfd pfd = { s->from, POLLIN, 0 };
		char chunk[65536];
		ssize_t n;

		if (poll(&pfd, 1, 60000) <= 0 || (n = read(s->from, chunk, sizeof chunk)) <= 0)
			break;
		fwrite(chunk, 1, (size_t)n, s->out);
	}
	while (waitpid(s->pid, &status, WNOHANG) == 0) {
		if (waited > 60000) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &status, 0);
			break;
		}
		usleep(10000);
		waited += 10;
	}
	close(s->from);
	fclose(s->out);
	free(s->rbuf);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static char *
read_all(const char *path)
{
	char *s = pxmtest_read_file(path);

	return s ? s : strdup("");
}

/* ------------------------------------------------------------ fixture */

static void
write_secret(const char *path, const char *content, int mode)
{
	pxmtest_write_file(path, content, mode);
	ck_assert_uint_lt(nskip, sizeof skip_paths / sizeof skip_paths[0]);
	snprintf(skip_paths[nskip++], sizeof skip_paths[0], "%s", path);
}

static void
install_plugin(const char *rel, const char *name)
{
	char src[1024], dst[1024], *data;
	FILE *f;
	struct stat st;

	pxmtest_build_path(src, sizeof src, rel);
	if (stat(src, &st) != 0)
		return;	/* not built in this configuration */
	snprintf(dst, sizeof dst, "%s/%s.so", plugdir, name);
	data = malloc((size_t)st.st_size);
	ck_assert_ptr_nonnull(data);
	f = fopen(src, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(data, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	f = fopen(dst, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	free(data);
	ck_assert_int_eq(chmod(dst, 0644), 0);
}

/* 1 when proximo-sim runs (its token file, URL and pin are then set). */
static int
start_sim(void)
{
#ifdef PXM_CANARY_WITH_SIM
	if (getenv("PXM_SIM") == NULL || access(getenv("PXM_SIM"), X_OK) != 0)
		return 0;
	ck_assert_int_eq(pxm_sim_start(&simp, NULL), 0);
	snprintf(sim_token_file, sizeof sim_token_file, "%s", simp->token_file);
	snprintf(sim_url, sizeof sim_url, "%s", simp->pve_url);
	snprintf(sim_fingerprint, sizeof sim_fingerprint, "%s", simp->fingerprint);
	return 1;
#else
	return 0;
#endif
}

static void
stop_sim(void)
{
#ifdef PXM_CANARY_WITH_SIM
	if (simp)
		pxm_sim_stop(simp);
	simp = NULL;
#endif
	sim = 0;
}

static void
setup(void)
{
	char keyhex[129], envline[1024], pw[160], wrong[200], *tok;
	unsigned char raw[64];
	const char *eq;

	ncanaries = nneedles = nhits = nskip = 0;
	files_scanned = bytes_scanned = 0;
	nsessions = 0;
	pxmtest_tmpdir(dir, sizeof dir);
	snprintf(secrets, sizeof secrets, "%s/secrets", dir);
	snprintf(state, sizeof state, "%s/state", dir);
	snprintf(plugdir, sizeof plugdir, "%s/plugins", dir);
	ck_assert_int_eq(mkdir(secrets, 0700), 0);
	ck_assert_int_eq(mkdir(state, 0700), 0);
	ck_assert_int_eq(mkdir(plugdir, 0755), 0);
	snprintf(envline, sizeof envline, "%s/out", dir);
	ck_assert_int_eq(mkdir(envline, 0700), 0);

	/* The ledger key: 32 random bytes as uppercase hex. */
	random_key(keyhex, raw, 32);
	snprintf(keypath, sizeof keypath, "%s/audit.key", secrets);
	snprintf(envline, sizeof envline, "%s\n", keyhex);
	write_secret(keypath, envline, 0600);
	add_canary("ledger key (hex text)", keyhex, 64);
	add_canary("ledger key (bytes)", raw, 32);

	/* A secret-looking value in the env file: names are reported, values
	 * never. */
	random_key(keyhex, raw, 24);
	snprintf(envpath, sizeof envpath, "%s/proximo.env", secrets);
	snprintf(envline, sizeof envline, "PROXIMO_CANARY_SETTING=%s\n", keyhex);
	write_secret(envpath, envline, 0600);
	add_canary("env-file value", keyhex, 48);

	/* A PMG password (read by the PMG plugin when it lands). */
	random_key(keyhex, raw, 20);
	snprintf(pw, sizeof pw, "Pw-%s", keyhex);
	snprintf(pmgpath, sizeof pmgpath, "%s/pmg.password", secrets);
	snprintf(envline, sizeof envline, "%s\n", pw);
	write_secret(pmgpath, envline, 0600);
	add_canary("PMG password", pw, strlen(pw));

	/* A wrong PVE token: its secret is as secret as the right one. */
	random_key(keyhex, raw, 18);
	snprintf(wrong, sizeof wrong, "root@pam!proximo=%s", keyhex);
	snprintf(wrongtok, sizeof wrongtok, "%s/wrong.token", secrets);
	snprintf(envline, sizeof envline, "%s\n", wrong);
	write_secret(wrongtok, envline, 0600);
	add_canary("wrong PVE token secret", keyhex, 36);

	/* The simulator, and its generated PVE token. */
	sim = start_sim();
	if (sim) {
		tok = pxmtest_read_file(sim_token_file);
		ck_assert_ptr_nonnull(tok);
		tok[strcspn(tok, "\r\n")] = '\0';
		ck_assert_ptr_nonnull(eq = strchr(tok, '='));
		ck_assert_uint_ge(strlen(eq + 1), 16);
		/* The token id before '=' is not secret (it is logged). */
		add_canary("PVE token secret", eq + 1, strlen(eq + 1));
		ck_assert_uint_lt(nskip, sizeof skip_paths / sizeof skip_paths[0]);
		snprintf(skip_paths[nskip++], sizeof skip_paths[0], "%s", sim_token_file);
		/* A copy with group/world read: must be refused. */
		snprintf(opentok, sizeof opentok, "%s/open.token", secrets);
		snprintf(envline, sizeof envline, "%s\n", tok);
		write_secret(opentok, envline, 0644);
		free(tok);
		snprintf(env_base, sizeof env_base, "PROXIMO_API_BASE_URL=%s", sim_url);
		snprintf(env_fp, sizeof env_fp, "PROXIMO_FINGERPRINT=%s", sim_fingerprint);
		snprintf(env_tok, sizeof env_tok, "PROXIMO_TOKEN_PATH=%s", sim_token_file);
	} else {
		printf("# the simulator is not built: the PVE part of the canary is not run\n");
		snprintf(env_base, sizeof env_base, "PROXIMO_API_BASE_URL=");
		snprintf(env_fp, sizeof env_fp, "PROXIMO_FINGERPRINT=");
		snprintf(env_tok, sizeof env_tok, "PROXIMO_TOKEN_PATH=%s", wrongtok);
	}

	install_plugin("tests/fixtures/.libs/good.so", "good");
	install_plugin("tests/fixtures/.libs/pipetest.so", "pipetest");
	install_plugin("plugins/pve/.libs/pve.so", "pve");
	snprintf(ledger, sizeof ledger, "%s/audit.log", state);
	snprintf(env_key, sizeof env_key, "PROXIMO_AUDIT_KEY_PATH=%s", keypath);
	snprintf(env_ledger, sizeof env_ledger, "PROXIMO_AUDIT_LOG=%s", ledger);
	snprintf(env_plugdir, sizeof env_plugdir, "PROXIMO_PLUGIN_DIR=%s", plugdir);
	snprintf(env_envfile, sizeof env_envfile, "PROXIMO_ENV_FILE=%s", envpath);
	snprintf(env_pmg, sizeof env_pmg, "PROXIMO_PMG_PASSWORD_PATH=%s", pmgpath);
	snprintf(env_ckpt, sizeof env_ckpt, "PROXIMO_AUDIT_CHECKPOINT_KEY_PATH=%s/checkpoint.key",
	    state);
	snprintf(env_anchor, sizeof env_anchor, "PROXIMO_AUDIT_ANCHOR_FILE_PATH=%s/anchor.json",
	    state);
	snprintf(env_pipestate, sizeof env_pipestate, "PROXIMO_PIPETEST_STATE=%s/pipetest.json",
	    state);
	{
		char data[600];

		pxmtest_src_path(data, sizeof data, "data");
		snprintf(env_datadir, sizeof env_datadir, "PROXIMO_DATA_DIR=%s", data);
	}
	build_env();
}

static void
teardown(void)
{
	size_t i;

	stop_sim();
	for (i = 0; i < nneedles; i++)
		free(needles[i].bytes);
	nneedles = 0;
	pxmtest_rmrf(dir);
}

/* ------------------------------------------------------------ the runs */

static char *argv_serve[2];

static void
expect_contains(const char *text, const char *what, const char *context)
{
	ck_assert_msg(strstr(text, what) != NULL, "%s: expected '%s' in: %.400s", context, what,
	    text);
}

/* The happy path, and every tool with good and bad arguments. */
static void
session_main(void)
{
	struct srv s;
	json_t *list;
	char *t, *plan_id = NULL;
	const char *cursor;
	json_t *sc;

	srv_start(&s, argv_serve, NULL);
	srv_init(&s);
	list = srv_rpc(&s, "tools/list", NULL);
	ck_assert_ptr_nonnull(json_object_get(list, "result"));
	while ((cursor = json_string_value(json_object_get(json_object_get(list, "result"),
	    "nextCursor"))) != NULL) {
		json_t *next = srv_rpc(&s, "tools/list", json_pack("{s:s}", "cursor", cursor));
		json_decref(list);
		list = next;
	}
	json_decref(list);
	free(srv_call(&s, "proximo_status", NULL));
	free(srv_call(&s, "audit_verify", NULL));
	free(srv_call(&s, "audit_verify", json_pack("{s:s}", "expected_head", "0123")));
	free(srv_call(&s, "audit_entries", json_pack("{s:i}", "limit", 1000)));
	free(srv_call(&s, "audit_entries", json_pack("{s:s, s:b}", "outcome", "ok",
	    "mutations_only", 1)));
	free(srv_call(&s, "good_echo", json_pack("{s:s}", "text", "hello")));
	free(srv_call(&s, "good_echo", json_pack("{s:s, s:i}", "text", "x", "times", 99)));
	free(srv_call(&s, "good_echo", json_pack("{s:i}", "nope", 1)));
	free(srv_call(&s, "pipe_get", NULL));
	/* a mutation: plan, then confirm with the plan's id */
	t = srv_call(&s, "pipe_set", json_pack("{s:s, s:s}", "key", "abc", "value", "v1"));
	sc = json_loads(t, 0, NULL);
	if (json_string_value(json_object_get(sc, "plan_id")))
		plan_id = strdup(json_string_value(json_object_get(sc, "plan_id")));
	json_decref(sc);
	free(t);
	ck_assert_ptr_nonnull(plan_id);
	free(srv_call(&s, "pipe_set", json_pack("{s:s, s:s, s:b, s:s}", "key", "abc",
	    "value", "v1", "confirm", 1, "plan_id", plan_id)));
	free(plan_id);
	free(srv_call(&s, "pipe_gated", json_pack("{s:s, s:s}", "key", "zzz", "value", "v")));
	free(srv_call(&s, "pipe_set", json_pack("{s:s, s:s, s:b, s:s}", "key", "abc",
	    "value", "v2", "confirm", 1, "plan_id", "not-a-plan")));
	free(srv_call(&s, "no_such_tool", NULL));
	if (sim) {
		t = srv_call(&s, "pve_version", NULL);
		expect_contains(t, "version", "pve_version against the simulator");
		free(t);
		free(srv_call(&s, "pve_list_guests", NULL));
		free(srv_call(&s, "pve_cluster_resources", NULL));
		free(srv_call(&s, "pve_guest_status", json_pack("{s:i}", "vmid", 100)));
		free(srv_call(&s, "pve_guest_config_get", json_pack("{s:i}", "vmid", 100)));
		free(srv_call(&s, "pve_guest_status", json_pack("{s:i}", "vmid", 999)));
		free(srv_call(&s, "pve_task_status", json_pack("{s:s}", "upid", "UPID:bogus")));
		free(srv_call(&s, "pve_tasks_list", NULL));
		t = srv_call(&s, "pve_guest_power", json_pack("{s:i, s:s}", "vmid", 100,
		    "action", "stop"));
		sc = json_loads(t, 0, NULL);
		plan_id = json_string_value(json_object_get(sc, "plan_id")) ?
		    strdup(json_string_value(json_object_get(sc, "plan_id"))) : NULL;
		json_decref(sc);
		free(t);
		if (plan_id) {
			free(srv_call(&s, "pve_guest_power", json_pack("{s:i, s:s, s:b, s:s, s:b}",
			    "vmid", 100, "action", "stop", "confirm", 1, "plan_id", plan_id,
			    "wait", 1)));
			free(plan_id);
		}
	}
	free(srv_call(&s, "audit_entries", json_pack("{s:i}", "limit", 1000)));
	ck_assert_int_eq(srv_stop(&s), 0);
}

/* Failure paths of the PVE credentials and transport. */
static void
session_pve_failures(void)
{
	struct srv s;
	char e1[800], e2[800], *t;
	const char *wrong_tok[] = { e1, NULL };
	const char *wrong_pin[] = { "PROXIMO_FINGERPRINT=AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:"
	    "66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99", NULL };
	const char *unreachable[] = { "PROXIMO_API_BASE_URL=https://127.0.0.1:9/api2/json", NULL };
	const char *open_tok[] = { e2, NULL };

	if (!sim)
		return;
	snprintf(e1, sizeof e1, "PROXIMO_TOKEN_PATH=%s", wrongtok);
	srv_start(&s, argv_serve, wrong_tok);
	srv_init(&s);
	t = srv_call(&s, "pve_version", NULL);
	expect_contains(t, "401", "a wrong token");
	free(t);
	free(srv_call(&s, "pve_guest_power", json_pack("{s:i, s:s}", "vmid", 100, "action", "stop")));
	ck_assert_int_eq(srv_stop(&s), 0);

	srv_start(&s, argv_serve, wrong_pin);
	srv_init(&s);
	t = srv_call(&s, "pve_version", NULL);
	expect_contains(t, "fingerprint", "a wrong pin");
	free(t);
	ck_assert_int_eq(srv_stop(&s), 0);

	srv_start(&s, argv_serve, unreachable);
	srv_init(&s);
	free(srv_call(&s, "pve_list_guests", NULL));
	ck_assert_int_eq(srv_stop(&s), 0);

	/* A token file others can read is refused, and says how to fix it. */
	snprintf(e2, sizeof e2, "PROXIMO_TOKEN_PATH=%s", opentok);
	srv_start(&s, argv_serve, open_tok);
	srv_init(&s);
	t = srv_call(&s, "pve_version", NULL);
	expect_contains(t, "is group/other-accessible (mode 644). Refusing: anything on this "
	    "box could read the secret. Fix: chmod 600 ", "a mode-0644 token file");
	expect_contains(t, opentok, "a mode-0644 token file");
	free(t);
	ck_assert_int_eq(srv_stop(&s), 0);
}

/* A key file others can read: the server refuses to start, and says why. */
static void
session_open_key(void)
{
	struct srv s;
	char *err, expect[2048];

	ck_assert_int_eq(chmod(keypath, 0640), 0);
	srv_start(&s, argv_serve, NULL);
	ck_assert_int_eq(srv_stop(&s), 1);
	err = read_all(s.errpath);
	snprintf(expect, sizeof expect, "PROXIMO_AUDIT_KEY_PATH: %s is group/other-accessible "
	    "(mode 640). Refusing: anything on this box could read the secret. Fix: chmod 600 %s",
	    keypath, keypath);
	expect_contains(err, expect, "a mode-0640 ledger key");
	free(err);
	ck_assert_int_eq(chmod(keypath, 0600), 0);
}

/* The CLI verbs read the same secrets. */
static void
session_cli(void)
{
	char *verify[] = { argv_serve[0], "audit", "verify", NULL };
	char *log[] = { argv_serve[0], "audit", "log", "--json", NULL };
	char *tools[] = { argv_serve[0], "tools", NULL };
	char *plugins[] = { argv_serve[0], "plugins", "--json", NULL };
	char *const *all[] = { verify, log, tools, plugins };
	struct srv s;
	size_t i;

	for (i = 0; i < sizeof all / sizeof all[0]; i++) {
		srv_start(&s, all[i], NULL);
		srv_stop(&s);
	}
}

/* A forced abort in the middle of a session: no core file may appear (the
 * server disables them), and if one did, it would be scanned. */
static void
session_abort(int *cores)
{
	struct rlimit rl, saved;
	struct srv s;
	DIR *d;
	struct dirent *de;
	int status;

	getrlimit(RLIMIT_CORE, &saved);
	rl = saved;
	rl.rlim_cur = rl.rlim_max;	/* as much as we may: the child inherits it */
	setrlimit(RLIMIT_CORE, &rl);
	srv_start(&s, argv_serve, NULL);
	setrlimit(RLIMIT_CORE, &saved);
	srv_init(&s);
	free(srv_call(&s, "audit_verify", NULL));
	if (sim)
		free(srv_call(&s, "pve_version", NULL));
	kill(s.pid, SIGABRT);
	status = srv_stop(&s);
	ck_assert_int_eq(status, 128 + SIGABRT);
	*cores = 0;
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, "core", 4) == 0)
				(*cores)++;
		closedir(d);
	}
}

START_TEST(test_no_canary_anywhere)
{
	size_t i;
	int cores = 0;

	argv_serve[0] = getenv("PXM_PROXIMO");
	ck_assert_ptr_nonnull(argv_serve[0]);
	session_main();
	session_pve_failures();
	session_open_key();
	session_cli();
	session_abort(&cores);

	/* Every artefact: stdout and stderr of every session, the ledger and
	 * whatever sits beside it, any core file. */
	nftw(dir, scan_one, 16, FTW_PHYS);
	printf("# %zu canaries, %zu needles; scanned %zu files, %zu bytes\n", ncanaries,
	    nneedles, files_scanned, bytes_scanned);
	for (i = 0; i < nhits && i < sizeof hits / sizeof hits[0]; i++)
		printf("# HIT: %s in %s\n", hits[i].what, hits[i].file);
	ck_assert_msg(nhits == 0, "%zu canary hits, first: %s in %s", nhits, hits[0].what,
	    hits[0].file);
	ck_assert_msg(cores == 0, "a core file was written after SIGABRT (core dumps must be off)");
	/* The runs produced what they were meant to: a ledger, logs. */
	ck_assert_uint_ge(files_scanned, 10);
	ck_assert_uint_ge(bytes_scanned, 20000);
}
END_TEST

/* The scanner itself: it must find every canary where it is planted, in
 * each encoding, or a clean result means nothing. */
START_TEST(test_scanner_finds_planted_canaries)
{
	char buf[4096];
	size_t i, found = 0, n, k;

	for (i = 0; i < ncanaries; i++) {
		const struct canary *c = &canaries[i];

		nhits = 0;
		n = (size_t)snprintf(buf, sizeof buf, "prefix ");
		n += b64_of(buf + n, c->value, c->len, 0);
		scan_buffer("planted base64", (const unsigned char *)buf, n);
		ck_assert_msg(nhits > 0, "base64 of %s not found", c->name);
		nhits = 0;
		/* 8 characters of it in the middle of other text */
		n = (size_t)snprintf(buf, sizeof buf, "xx");
		memcpy(buf + n, c->value + c->len / 2 - 8, 16);
		n += 16;
		scan_buffer("planted piece", (const unsigned char *)buf, n);
		ck_assert_msg(nhits > 0, "a 16-char piece of %s not found", c->name);
		nhits = 0;
		k = hex_of(buf, c->value, c->len, 0);
		scan_buffer("planted hex", (const unsigned char *)buf, k);
		ck_assert_msg(nhits > 0, "hex of %s not found", c->name);
		found++;
	}
	ck_assert_uint_ge(found, 5);
	/* and it does not cry wolf on ordinary output */
	nhits = 0;
	n = (size_t)snprintf(buf, sizeof buf, "{\"entry_hash\":\"%s\",\"ts\":\"2026-01-01T00:00:00\"}",
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	scan_buffer("ordinary", (const unsigned char *)buf, n);
	ck_assert_uint_eq(nhits, 0);
	nhits = 0;
}
END_TEST

static Suite *
canary_suite(void)
{
	Suite *s = suite_create("canary");
	TCase *tc = tcase_create("secrets");

	tcase_set_timeout(tc, 600);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_scanner_finds_planted_canaries);
	tcase_add_test(tc, test_no_canary_anywhere);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(canary_suite)
