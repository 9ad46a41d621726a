/**
 * @file server.c
 * @brief proximo-sim: libmicrohttpd daemons, request assembly, wire format.
 *
 * One thread per connection (MHD_USE_THREAD_PER_CONNECTION), so injected
 * latency delays only the connection it applies to and many keep-alive
 * connections are served in parallel.  The raw request URI is captured with
 * MHD's URI log callback: the path is split before percent-decoding (so an
 * encoded slash stays inside its segment) and the query string is parsed
 * the way each product parses it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "util/buf.h"

#include "handlers.h"
#include "reqlog.h"
#include "server.h"
#include "tasks.h"

#define MAX_BODY	(64 * 1024)	/* pve-http-server's $limit_max_post */
#define CONTROL_MAX_BODY (64 * 1024 * 1024)

struct daemon_ctx {
	struct sim		*s;
	int			 surf;		/* -1: control */
	struct MHD_Daemon	*d;
	int			 port;
};

struct sim_server {
	struct daemon_ctx	api[SIM_NSURF];
	struct daemon_ctx	control;
};

struct conn {
	struct daemon_ctx	*ctx;
	char			*uri;
	struct pxm_buf		 body;
	int			 too_big;
	int			 started;
	int64_t			 t0;
};

static void *
uri_logger(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct conn *cn = calloc(1, sizeof *cn);

	(void)con;
	if (cn == NULL)
		return NULL;
	cn->ctx = cls;
	cn->uri = strdup(uri ? uri : "/");
	cn->t0 = sim_now_ms();
	return cn;
}

static void
completed(void *cls, struct MHD_Connection *con, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)con;
	(void)toe;
	if (cn == NULL)
		return;
	free(cn->uri);
	pxm_buf_free(&cn->body);
	free(cn);
	*con_cls = NULL;
}

static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
	struct sim *s = cls;
	char buf[512];

	if (s == NULL || !s->opt.verbose)
		return;
	vsnprintf(buf, sizeof buf, fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	sim_log("http: %s", buf);
}

static enum MHD_Result
send_body(struct MHD_Connection *con, int status, char *body, size_t len, const char *ctype,
    int surf, int close_conn)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	if (ctype)
		MHD_add_response_header(r, "Content-Type", ctype);
	if (surf == SIM_PVE || surf == SIM_PMG) {
		MHD_add_response_header(r, "Server", "pve-api-daemon/3.0");
		MHD_add_response_header(r, "Cache-Control", "max-age=0");
		MHD_add_response_header(r, "Pragma", "no-cache");
	}
	if (close_conn)
		MHD_add_response_header(r, "Connection", "close");
	ret = MHD_queue_response(con, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The product's wire format for rs. */
static char *
render(const struct sim_req *rq, struct sim_resp *rs, size_t *len)
{
	json_t *env;
	char *out;
	const char *k;
	json_t *v;

	if (rs->empty) {
		*len = 0;
		return strdup("");
	}
	if (rs->text) {
		*len = strlen(rs->text);
		return strdup(rs->text);
	}
	if (rs->status >= 400) {
		env = json_pack("{s:n, s:s}", "data", "message", rs->msg ? rs->msg : "");
		if (rs->errors && json_object_size(rs->errors))
			json_object_set(env, "errors", rs->errors);
	} else {
		env = json_object();
		json_object_set(env, "data", rs->data ? rs->data : json_null());
		json_object_foreach(rs->attrs, k, v) {
			/* PVE adds total/changes only when true-ish. */
			if (rq->surf != SIM_PBS && (json_is_null(v) ||
			    (json_is_integer(v) && json_integer_value(v) == 0)))
				continue;
			json_object_set(env, k, v);
		}
	}
	out = json_dumps(env, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(env);
	*len = out ? strlen(out) : 0;
	return out ? out : strdup("");
}

static void
log_request(struct sim *s, const struct sim_req *rq, const struct sim_resp *rs, int64_t t0,
    const char *note)
{
	json_t *e = json_object();
	int64_t now = sim_now_ms();

	json_object_set_new(e, "ts", json_real((double)now / 1000.0));
	json_object_set_new(e, "surface", json_string(sim_surface_names[rq->surf]));
	json_object_set_new(e, "method", json_string(rq->method));
	json_object_set_new(e, "path", json_string(rq->rawpath ? rq->rawpath : ""));
	json_object_set_new(e, "params", rq->logparams ? sim_mask_params(rq->logparams) :
	    json_object());
	json_object_set_new(e, "identity", rq->authed || rq->id.authid[0] ?
	    json_string(rq->id.authid) : json_null());
	if (rq->op)
		json_object_set_new(e, "operation", json_string(rq->op->path));
	json_object_set_new(e, "status", json_integer(rs->status));
	json_object_set_new(e, "duration_ms", json_real((double)(now - t0)));
	if (rs->status >= 400 && rs->msg) {
		char *m = strdup(rs->msg);
		size_t n = m ? strlen(m) : 0;
		if (n && m[n - 1] == '\n')
			m[n - 1] = '\0';
		json_object_set_new(e, "error", json_string(m ? m : ""));
		free(m);
	}
	if (note)
		json_object_set_new(e, "fault", json_string(note));
	sim_reqlog_add(s->rlog, e);
}

static char *
header(struct MHD_Connection *con, const char *name)
{
	const char *v = MHD_lookup_connection_value(con, MHD_HEADER_KIND, name);

	return v ? strdup(v) : NULL;
}

static enum MHD_Result
api_request(struct conn *cn, struct MHD_Connection *con, const char *method)
{
	struct sim *s = cn->ctx->s;
	struct sim_req rq;
	struct sim_resp rs;
	char *q, *authz = NULL, *cookie = NULL, *csrf = NULL, *ctype = NULL, *body;
	size_t len;
	int surf = cn->ctx->surf, drop = 0, fail = 0, close_conn = 0;
	enum MHD_Result ret;
	const char *note = NULL;

	memset(&rq, 0, sizeof rq);
	memset(&rs, 0, sizeof rs);
	rq.sim = s;
	rq.surf = (enum sim_surface)surf;
	snprintf(rq.method, sizeof rq.method, "%s", method);
	q = strchr(cn->uri, '?');
	rq.rawpath = q ? strndup(cn->uri, (size_t)(q - cn->uri)) : strdup(cn->uri);
	rq.authz = authz = header(con, "Authorization");
	rq.cookie = cookie = header(con, "Cookie");
	rq.csrf = csrf = header(con, "CSRFPreventionToken");
	rq.ctype = ctype = header(con, "Content-Type");

	/* Faults that happen before "Proxmox" looks at the request. */
	pthread_mutex_lock(&s->lock);
	if (s->fs.drop_rate > 0 && sim_rand01(s) < s->fs.drop_rate)
		drop = 1;
	else if (s->fs.error_rate > 0 && sim_rand01(s) < s->fs.error_rate)
		fail = s->fs.error_status ? s->fs.error_status : 503;
	{
		unsigned lat = s->fs.latency_ms;
		pthread_mutex_unlock(&s->lock);
		if (lat)
			usleep((useconds_t)lat * 1000);
	}

	pthread_mutex_lock(&s->lock);
	rq.now_ms = sim_now_ms();
	sim_tasks_settle(s, rq.now_ms);
	if (drop) {
		note = "dropped";
		rs.status = 0;
		rq.logparams = json_object();
		if (q)
			sim_parse_query(rq.logparams, q + 1, surf != SIM_PBS);
	} else if (fail) {
		note = "error_rate";
		sim_err(&rs, fail, "simulated server error (fault injected by proximo-sim)\n");
		if (surf == SIM_PBS)
			rs.text = strdup("simulated server error (fault injected by proximo-sim)");
		rq.logparams = json_object();
		if (q)
			sim_parse_query(rq.logparams, q + 1, surf != SIM_PBS);
	} else {
		sim_dispatch(&rq, &rs, q ? q + 1 : NULL, cn->body.data, cn->body.len);
	}
	if (rs.status == 0 && !drop)
		rs.status = 200;
	body = drop ? NULL : render(&rq, &rs, &len);
	log_request(s, &rq, &rs, cn->t0, note);
	pthread_mutex_unlock(&s->lock);

	/* pve-http-server closes the connection after every error. */
	close_conn = rs.close || (surf != SIM_PBS && rs.status >= 400);
	if (drop)
		ret = MHD_NO;
	else
		ret = send_body(con, rs.status, body, len, rs.empty ? NULL :
		    "application/json;charset=UTF-8", surf, close_conn);
	if (authz)
		memset(authz, 0, strlen(authz));
	if (cookie)
		memset(cookie, 0, strlen(cookie));
	free(authz);
	free(cookie);
	free(csrf);
	free(ctype);
	free(rq.rawpath);
	free(rq.rel);
	json_decref(rq.params);
	json_decref(rq.pathp);
	json_decref(rq.logparams);
	sim_resp_clear(&rs);
	return ret;
}

static enum MHD_Result
control_request(struct conn *cn, struct MHD_Connection *con, const char *method)
{
	struct sim *s = cn->ctx->s;
	char *q = strchr(cn->uri, '?'), *path, *out = NULL;
	const char *ctype = "application/json";
	int status;

	path = q ? strndup(cn->uri, (size_t)(q - cn->uri)) : strdup(cn->uri);
	status = sim_control_handle(s, method, path ? path : "/", q ? q + 1 : NULL,
	    cn->body.data, cn->body.len, &out, &ctype);
	free(path);
	if (out == NULL)
		out = strdup("");
	return send_body(con, status, out, strlen(out), ctype, -1, 0);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *con, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct conn *cn = *con_cls;
	size_t limit;

	(void)cls;
	(void)url;
	(void)version;
	if (cn == NULL)
		return MHD_NO;
	if (!cn->started) {
		cn->started = 1;
		return MHD_YES;
	}
	limit = cn->ctx->surf < 0 ? CONTROL_MAX_BODY : MAX_BODY;
	if (*upload_data_size) {
		if (cn->body.len + *upload_data_size > limit)
			cn->too_big = 1;
		else
			pxm_buf_append(&cn->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (cn->too_big) {
		const char *msg = cn->ctx->surf == SIM_PBS ? "Request body too large" :
		    "{\"data\":null,\"message\":\"for data too large\"}";
		char *b = strdup(msg);
		return send_body(con, cn->ctx->surf == SIM_PBS ? 400 : 501, b, b ? strlen(b) : 0,
		    "application/json;charset=UTF-8", cn->ctx->surf, 1);
	}
	if (cn->ctx->surf < 0)
		return control_request(cn, con, method);
	return api_request(cn, con, method);
}

static int
start_one(struct daemon_ctx *dc, struct sim *s, int surf, int port, int tls,
    const struct sim_cert *cert, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	struct sockaddr_in6 sa6;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_POLL | MHD_USE_ERROR_LOG;
	int v6 = s->opt.bind && strchr(s->opt.bind, ':') != NULL;

	dc->s = s;
	dc->surf = surf;
	memset(&sa, 0, sizeof sa);
	memset(&sa6, 0, sizeof sa6);
	if (v6) {
		sa6.sin6_family = AF_INET6;
		sa6.sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, s->opt.bind, &sa6.sin6_addr);
		flags |= MHD_USE_IPv6;
	} else {
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, s->opt.bind ? s->opt.bind : "127.0.0.1", &sa.sin_addr);
	}
	if (tls)
		flags |= MHD_USE_TLS;
	if (tls)
		dc->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handler, dc,
		    MHD_OPTION_SOCK_ADDR, v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa,
		    MHD_OPTION_URI_LOG_CALLBACK, uri_logger, dc,
		    MHD_OPTION_NOTIFY_COMPLETED, completed, dc,
		    MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		    MHD_OPTION_HTTPS_MEM_KEY, cert->key_pem,
		    MHD_OPTION_HTTPS_MEM_CERT, cert->cert_pem,
		    MHD_OPTION_END);
	else
		dc->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handler, dc,
		    MHD_OPTION_SOCK_ADDR, v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa,
		    MHD_OPTION_URI_LOG_CALLBACK, uri_logger, dc,
		    MHD_OPTION_NOTIFY_COMPLETED, completed, dc,
		    MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		    MHD_OPTION_END);
	if (dc->d == NULL) {
		snprintf(err, errlen, "cannot listen on %s port %d for %s (in use, or not allowed)",
		    s->opt.bind ? s->opt.bind : "127.0.0.1", port,
		    surf < 0 ? "the control port" : sim_surface_names[surf]);
		return -1;
	}
	info = MHD_get_daemon_info(dc->d, MHD_DAEMON_INFO_BIND_PORT);
	dc->port = info ? info->port : port;
	return 0;
}

int
sim_server_start(struct sim_server **out, struct sim *s, const struct sim_cert *cert,
    char *err, size_t errlen)
{
	struct sim_server *srv = calloc(1, sizeof *srv);
	int i;

	*out = NULL;
	if (srv == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!s->opt.plain_http && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, errlen, "this libmicrohttpd has no TLS support; use --plain-http "
		    "or install a libmicrohttpd built with GnuTLS");
		free(srv);
		return -1;
	}
	for (i = 0; i < SIM_NSURF; i++) {
		srv->api[i].surf = i;
		if (!s->enabled[i])
			continue;
		if (start_one(&srv->api[i], s, i, s->opt.port[i], !s->opt.plain_http, cert,
		    err, errlen) != 0)
			goto fail;
	}
	srv->control.surf = -1;
	if (!s->opt.no_control && start_one(&srv->control, s, -1, s->opt.control_port, 0, cert,
	    err, errlen) != 0)
		goto fail;
	*out = srv;
	return 0;
fail:
	sim_server_stop(srv);
	return -1;
}

int
sim_server_port(const struct sim_server *srv, enum sim_surface surf)
{
	return srv->api[surf].d ? srv->api[surf].port : 0;
}

int
sim_server_control_port(const struct sim_server *srv)
{
	return srv->control.d ? srv->control.port : 0;
}

void
sim_server_stop(struct sim_server *srv)
{
	int i;

	if (srv == NULL)
		return;
	for (i = 0; i < SIM_NSURF; i++)
		if (srv->api[i].d)
			MHD_stop_daemon(srv->api[i].d);
	if (srv->control.d)
		MHD_stop_daemon(srv->control.d);
	free(srv);
}
