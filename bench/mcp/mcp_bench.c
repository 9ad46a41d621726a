/**
 * @file mcp_bench.c
 * @brief Measure an MCP stdio server: cold start to the first initialize
 *        response, tools/list size, round trips per second for ping and a
 *        trivial tool call (one in flight, then --window in flight), and
 *        peak RSS.  Prints one JSON object.
 *
 * usage: mcp_bench [--starts N] [--pings N] [--calls N] [--tool NAME]
 *                  [--args JSON] [--window N] -- command [args...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

struct child {
	pid_t	pid;
	int	in, out;
	char	buf[1 << 20];
	size_t	len;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
spawn(struct child *c, char **argv)
{
	int in[2], out[2];

	if (pipe(in) || pipe(out))
		exit(1);
	c->pid = fork();
	if (c->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		int devnull = open("/dev/null", 1);
		dup2(devnull, 2);
		close(in[1]);
		close(out[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->in = in[1];
	c->out = out[0];
	c->len = 0;
}

static void
send_line(struct child *c, const char *s)
{
	size_t n = strlen(s);

	if (write(c->in, s, n) != (ssize_t)n || write(c->in, "\n", 1) != 1) {
		perror("write");
		exit(1);
	}
}

/* Read one line (returns a pointer valid until the next call; length in *n). */
static char *
read_line(struct child *c, size_t *n)
{
	static char *line;
	static size_t cap;
	char *nl;
	ssize_t r;

	for (;;) {
		if ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
			*n = (size_t)(nl - c->buf);
			if (*n + 1 > cap) {
				cap = *n + 1;
				line = realloc(line, cap);
			}
			memcpy(line, c->buf, *n);
			line[*n] = '\0';
			memmove(c->buf, nl + 1, c->len - *n - 1);
			c->len -= *n + 1;
			return line;
		}
		if (c->len == sizeof c->buf) {
			/* A very long line (tools/list): count it and skip it. */
			size_t total = c->len;
			c->len = 0;
			for (;;) {
				r = read(c->out, c->buf, sizeof c->buf);
				if (r <= 0)
					exit(1);
				nl = memchr(c->buf, '\n', (size_t)r);
				if (nl) {
					total += (size_t)(nl - c->buf);
					c->len = (size_t)r - (size_t)(nl - c->buf) - 1;
					memmove(c->buf, nl + 1, c->len);
					*n = total;
					return NULL;
				}
				total += (size_t)r;
			}
		}
		r = read(c->out, c->buf + c->len, sizeof c->buf - c->len);
		if (r <= 0) {
			fprintf(stderr, "server closed its output\n");
			exit(1);
		}
		c->len += (size_t)r;
	}
}

/* Wait for the response to id (skipping notifications); returns its length. */
static size_t
await(struct child *c, int id, char **text)
{
	char pat[32], *line;
	size_t n;

	snprintf(pat, sizeof pat, "\"id\":%d", id);
	for (;;) {
		line = read_line(c, &n);
		if (line == NULL || strstr(line, pat)) {
			if (text)
				*text = line ? strdup(line) : NULL;
			return n;
		}
	}
}

/* Round trips with `window` requests in flight: a client that does not wait
 * for each answer before the next question (JSON-RPC allows it; MCP hosts
 * with several tool calls pending do it).  This measures what the server
 * can sustain rather than the pipes' wake-up latency.  Every line with an
 * "id" is an answer; requests are numbered from *id. */
static double
pipelined(struct child *c, int total, int window, int *id, const char *method,
    const char *params)
{
	char msg[1024];
	int sent = 0, answered = 0;
	double t0 = now();
	size_t n;
	char *line;

	while (answered < total) {
		while (sent < total && sent - answered < window) {
			if (params)
				snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
				    "\"%s\",\"params\":%s}", (*id)++, method, params);
			else
				snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
				    "\"%s\"}", (*id)++, method);
			send_line(c, msg);
			sent++;
		}
		line = read_line(c, &n);
		if (line == NULL || strstr(line, "\"id\":") != NULL)
			answered++;
	}
	return total / (now() - t0);
}

static long
finish(struct child *c)
{
	struct rusage ru;
	int status;

	close(c->in);
	if (wait4(c->pid, &status, 0, &ru) < 0)
		return -1;
	close(c->out);
	return ru.ru_maxrss;	/* KiB */
}

static const char init_msg[] =
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
	"\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}";

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int starts = 30, pings = 20000, calls = 5000, window = 32, i, k, id;
	double ping_piped = 0, call_piped = 0;
	char call_params[800];
	const char *tool = NULL, *args = "{}";
	static struct child c;
	double *st, t0, t_ping, t_call = 0;
	size_t list_bytes = 0, pages = 0, ntools = 0;
	long rss = 0;
	char msg[4096], *text;
	json_t *out, *j;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--starts") == 0 && i + 1 < argc)
			starts = atoi(argv[++i]);
		else if (strcmp(argv[i], "--pings") == 0 && i + 1 < argc)
			pings = atoi(argv[++i]);
		else if (strcmp(argv[i], "--calls") == 0 && i + 1 < argc)
			calls = atoi(argv[++i]);
		else if (strcmp(argv[i], "--window") == 0 && i + 1 < argc)
			window = atoi(argv[++i]);
		else if (strcmp(argv[i], "--tool") == 0 && i + 1 < argc)
			tool = argv[++i];
		else if (strcmp(argv[i], "--args") == 0 && i + 1 < argc)
			args = argv[++i];
	}
	if (i >= argc - 1) {
		fprintf(stderr, "usage: mcp_bench [options] -- command [args...]\n");
		return 2;
	}
	argv += i + 1;
	signal(SIGPIPE, SIG_IGN);

	/* Cold start: spawn to the initialize response, median of N. */
	st = calloc((size_t)starts, sizeof *st);
	for (k = 0; k < starts; k++) {
		t0 = now();
		spawn(&c, argv);
		send_line(&c, init_msg);
		await(&c, 1, NULL);
		st[k] = now() - t0;
		rss = finish(&c);
	}
	qsort(st, (size_t)starts, sizeof *st, cmp_double);

	spawn(&c, argv);
	send_line(&c, init_msg);
	await(&c, 1, NULL);
	send_line(&c, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	/* tools/list: every page. */
	id = 2;
	{
		char *cursor = NULL;
		do {
			if (cursor)
				snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\","
				    "\"params\":{\"cursor\":\"%s\"}}", id, cursor);
			else
				snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\"}", id);
			send_line(&c, msg);
			list_bytes += await(&c, id, &text) + 1;
			pages++;
			free(cursor);
			cursor = NULL;
			if (text && (j = json_loads(text, 0, NULL)) != NULL) {
				json_t *res = json_object_get(j, "result");
				ntools += json_array_size(json_object_get(res, "tools"));
				if (json_string_value(json_object_get(res, "nextCursor")))
					cursor = strdup(json_string_value(json_object_get(res, "nextCursor")));
				json_decref(j);
			}
			free(text);
			id++;
		} while (cursor);
	}
	/* Round trips: one request in flight at a time. */
	t0 = now();
	for (k = 0; k < pings; k++, id++) {
		snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\"}", id);
		send_line(&c, msg);
		await(&c, id, NULL);
	}
	t_ping = now() - t0;
	if (tool) {
		t0 = now();
		for (k = 0; k < calls; k++, id++) {
			snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\","
			    "\"params\":{\"name\":\"%s\",\"arguments\":%s}}", id, tool, args);
			send_line(&c, msg);
			await(&c, id, NULL);
		}
		t_call = now() - t0;
	}
	ping_piped = pipelined(&c, pings, window, &id, "ping", NULL);
	if (tool) {
		snprintf(call_params, sizeof call_params, "{\"name\":\"%s\",\"arguments\":%s}",
		    tool, args);
		call_piped = pipelined(&c, calls, window, &id, "tools/call", call_params);
	}
	{
		long r2 = finish(&c);
		if (r2 > rss)
			rss = r2;
	}
	out = json_pack("{s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:f, s:f, s:I, s:f, s:f, s:i}",
	    "cold_start_median_ms", st[starts / 2] * 1e3,
	    "cold_start_min_ms", st[0] * 1e3,
	    "cold_start_p90_ms", st[(starts * 9) / 10] * 1e3,
	    "tools", (json_int_t)ntools, "tools_list_bytes", (json_int_t)list_bytes,
	    "tools_list_tokens_est", (json_int_t)(list_bytes / 4),
	    "tools_list_pages", (json_int_t)pages,
	    "ping_rps", pings / t_ping,
	    "call_rps", tool ? calls / t_call : 0.0,
	    "peak_rss_kib", (json_int_t)rss,
	    "ping_rps_pipelined", ping_piped, "call_rps_pipelined", call_piped,
	    "window", window);
	json_dumpf(out, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(out);
	free(st);
	return 0;
}
