/**
 * @file main.c
 * @brief proximo-sim: command line, startup contract, shutdown.
 *
 * Startup contract (for tests and scripts): once every daemon listens, one
 * JSON line goes to stdout (and to --ready-file) and stdout is flushed:
 *
 *   {"ready":true,"pid":N,"surfaces":{"pve":{"url":...,"port":N},...},
 *    "control":{"url":"http://127.0.0.1:N","port":N},
 *    "fingerprint":"AB:CD:...","fingerprint_hex":"abcd...",...}
 *
 * Everything else goes to stderr.  SIGTERM or SIGINT stops the daemons and
 * frees everything before exit.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth.h"
#include "faults.h"
#include "handlers.h"
#include "profile.h"
#include "reqlog.h"
#include "schema.h"
#include "server.h"
#include "tasks.h"
#include "tls.h"

#ifndef PXM_PKGDATADIR
#define PXM_PKGDATADIR "/usr/local/share/proximo"
#endif

static void
usage(FILE *f)
{
	fputs(
"Usage: proximo-sim [OPTIONS]\n"
"\n"
"A stateful simulator of the Proxmox VE, Backup Server and Mail Gateway APIs\n"
"over HTTPS on 127.0.0.1, for tests, benchmarks and the Proximo quick start.\n"
"\n"
"Listening:\n"
"  --port N               PVE port (default 8006; 0 picks free ports for every\n"
"                         surface not given its own port)\n"
"  --pbs-port N           PBS port (default: --port + 1)\n"
"  --pmg-port N           PMG port (default: --port + 2)\n"
"  --control-port N       control port, plain HTTP (default: --port + 3)\n"
"  --no-control           do not open the control port\n"
"  --bind ADDR            127.0.0.1 (default) or ::1; only loopback is accepted\n"
"  --surfaces LIST        which APIs to serve: pve,pbs,pmg (default all three)\n"
"  --cert FILE --key FILE serve this certificate (key file must be mode 0600)\n"
"                         instead of a fresh self-signed EC P-256 one\n"
"  --plain-http           serve the APIs without TLS (never the default)\n"
"\n"
"State:\n"
"  --datadir DIR          where pve.json, pbs.json, pmg.json are\n"
"                         (default " PXM_PKGDATADIR ")\n"
"  --profile FILE|NAME    initial state (NAME: DATADIR/sim-profiles/NAME.json;\n"
"                         default: demo)\n"
"  --generate SPEC        generate a scale profile: nodes=N,guests=M[,seed=S]\n"
"  --task-ms N            how long tasks run (default 200)\n"
"\n"
"Credentials (profiles hold no secrets; they are generated at start):\n"
"  --write-token PATH     write the first PVE token as USER@REALM!ID=SECRET (0600)\n"
"  --write-pbs-token PATH write the first PBS token as USER@REALM!ID:SECRET (0600)\n"
"  --write-pmg-password PATH  write PMG root@pam's password (0600)\n"
"\n"
"Observation and faults:\n"
"  --ready-file PATH      also write the ready line to PATH\n"
"  --request-log FILE     append every request as a JSON line\n"
"  --faults JSON          initial faults (see POST /faults on the control port)\n"
"  --latency-ms N         add N ms to every API request\n"
"  --error-rate R         answer a share R (0..1) of requests with --error-status\n"
"  --error-status N       500..599 (default 503)\n"
"  --drop-connections     close every API connection without an answer\n"
"  --expire-tickets       every ticket reads as expired\n"
"  --fail-operation 'METHOD PATH'  make one operation fail (PATH: schema template)\n"
"  --fail-task TYPE       tasks of TYPE (e.g. vzdump, qmsnapshot, *) end in error\n"
"  --task-never-finishes TYPE  tasks of TYPE run until stopped\n"
"  -v, --verbose          log more to stderr\n"
"  -h, --help             this help\n"
"  --version              print the version\n"
"\n"
"Control port (plain HTTP, loopback): GET /requests, POST /requests/clear,\n"
"GET/PUT/DELETE /state[/json-pointer], GET/POST /faults, POST /faults/clear,\n"
"POST /reset.  See proximo-sim(1) and docs/SIMULATOR.md.\n", f);
}

enum {
	OPT_PORT = 256, OPT_PBS_PORT, OPT_PMG_PORT, OPT_CONTROL_PORT, OPT_NO_CONTROL,
	OPT_BIND, OPT_SURFACES, OPT_CERT, OPT_KEY, OPT_PLAIN, OPT_DATADIR, OPT_PROFILE,
	OPT_GENERATE, OPT_TASK_MS, OPT_WRITE_TOKEN, OPT_WRITE_PBS, OPT_WRITE_PMG, OPT_READY,
	OPT_REQLOG, OPT_FAULTS, OPT_LATENCY, OPT_ERROR_RATE, OPT_ERROR_STATUS, OPT_DROP,
	OPT_EXPIRE, OPT_FAIL_OP, OPT_FAIL_TASK, OPT_NEVER, OPT_VERSION
};

static const struct option longopts[] = {
	{ "port", required_argument, NULL, OPT_PORT },
	{ "pbs-port", required_argument, NULL, OPT_PBS_PORT },
	{ "pmg-port", required_argument, NULL, OPT_PMG_PORT },
	{ "control-port", required_argument, NULL, OPT_CONTROL_PORT },
	{ "no-control", no_argument, NULL, OPT_NO_CONTROL },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "surfaces", required_argument, NULL, OPT_SURFACES },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "plain-http", no_argument, NULL, OPT_PLAIN },
	{ "datadir", required_argument, NULL, OPT_DATADIR },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "generate", required_argument, NULL, OPT_GENERATE },
	{ "task-ms", required_argument, NULL, OPT_TASK_MS },
	{ "write-token", required_argument, NULL, OPT_WRITE_TOKEN },
	{ "write-pbs-token", required_argument, NULL, OPT_WRITE_PBS },
	{ "write-pmg-password", required_argument, NULL, OPT_WRITE_PMG },
	{ "ready-file", required_argument, NULL, OPT_READY },
	{ "request-log", required_argument, NULL, OPT_REQLOG },
	{ "faults", required_argument, NULL, OPT_FAULTS },
	{ "latency-ms", required_argument, NULL, OPT_LATENCY },
	{ "error-rate", required_argument, NULL, OPT_ERROR_RATE },
	{ "error-status", required_argument, NULL, OPT_ERROR_STATUS },
	{ "drop-connections", no_argument, NULL, OPT_DROP },
	{ "expire-tickets", no_argument, NULL, OPT_EXPIRE },
	{ "fail-operation", required_argument, NULL, OPT_FAIL_OP },
	{ "fail-task", required_argument, NULL, OPT_FAIL_TASK },
	{ "task-never-finishes", required_argument, NULL, OPT_NEVER },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int
parse_port(const char *opt, const char *v, int *out)
{
	char *end;
	long p = strtol(v, &end, 10);

	if (*v == '\0' || *end || p < 0 || p > 65535) {
		sim_log("%s: '%s' is not a port number (0..65535; 0 picks a free port)", opt, v);
		return -1;
	}
	*out = (int)p;
	return 0;
}

static int
add_fault(json_t *f, const char *key, json_t *v)
{
	if (v == NULL)
		return -1;
	json_object_set_new(f, key, v);
	return 0;
}

static int
parse_args(struct sim *s, int argc, char **argv, int *exit_now)
{
	struct sim_opts *o = &s->opt;
	int c, base_set = 0;
	char *end;
	double d;
	long l;

	*exit_now = 0;
	o->faults = json_object();
	o->task_ms = 200;
	o->port[SIM_PVE] = 8006;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PORT:
			if (parse_port("--port", optarg, &o->port[SIM_PVE]) != 0)
				return -1;
			o->port_set[SIM_PVE] = base_set = 1;
			break;
		case OPT_PBS_PORT:
			if (parse_port("--pbs-port", optarg, &o->port[SIM_PBS]) != 0)
				return -1;
			o->port_set[SIM_PBS] = 1;
			break;
		case OPT_PMG_PORT:
			if (parse_port("--pmg-port", optarg, &o->port[SIM_PMG]) != 0)
				return -1;
			o->port_set[SIM_PMG] = 1;
			break;
		case OPT_CONTROL_PORT:
			if (parse_port("--control-port", optarg, &o->control_port) != 0)
				return -1;
			o->no_control = -1;	/* marks "set" */
			break;
		case OPT_NO_CONTROL:
			o->no_control = 1;
			break;
		case OPT_BIND:
			if (strcmp(optarg, "127.0.0.1") != 0 && strcmp(optarg, "::1") != 0 &&
			    strcmp(optarg, "localhost") != 0) {
				sim_log("--bind: '%s' refused: the simulator serves loopback only "
				    "(127.0.0.1 or ::1); its credentials are not secrets worth a network",
				    optarg);
				return -1;
			}
			o->bind = strcmp(optarg, "localhost") == 0 ? "127.0.0.1" : optarg;
			break;
		case OPT_SURFACES:
			o->surfaces = optarg;
			break;
		case OPT_CERT:
			o->cert_file = optarg;
			break;
		case OPT_KEY:
			o->key_file = optarg;
			break;
		case OPT_PLAIN:
			o->plain_http = 1;
			break;
		case OPT_DATADIR:
			o->datadir = optarg;
			break;
		case OPT_PROFILE:
			o->profile = optarg;
			break;
		case OPT_GENERATE:
			o->generate = optarg;
			break;
		case OPT_TASK_MS:
			l = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || l < 0 || l > 3600000) {
				sim_log("--task-ms: '%s' is not a duration in ms (0..3600000)", optarg);
				return -1;
			}
			o->task_ms = (unsigned)l;
			break;
		case OPT_WRITE_TOKEN:
			o->write_token = optarg;
			break;
		case OPT_WRITE_PBS:
			o->write_pbs_token = optarg;
			break;
		case OPT_WRITE_PMG:
			o->write_pmg_password = optarg;
			break;
		case OPT_READY:
			o->ready_file = optarg;
			break;
		case OPT_REQLOG:
			o->request_log = optarg;
			break;
		case OPT_FAULTS: {
			json_error_t je;
			json_t *j = json_loads(optarg, 0, &je);
			if (!json_is_object(j)) {
				sim_log("--faults: not a JSON object: %s", j ? "wrong type" : je.text);
				json_decref(j);
				return -1;
			}
			json_object_update(o->faults, j);
			json_decref(j);
			break;
		}
		case OPT_LATENCY:
			l = strtol(optarg, &end, 10);
			if (*end || l < 0) {
				sim_log("--latency-ms: '%s' is not a non-negative integer", optarg);
				return -1;
			}
			add_fault(o->faults, "latency_ms", json_integer(l));
			break;
		case OPT_ERROR_RATE:
			d = strtod(optarg, &end);
			if (*end || d < 0 || d > 1) {
				sim_log("--error-rate: '%s' is not a number between 0 and 1", optarg);
				return -1;
			}
			add_fault(o->faults, "error_rate", json_real(d));
			break;
		case OPT_ERROR_STATUS:
			l = strtol(optarg, &end, 10);
			if (*end || l < 500 || l > 599) {
				sim_log("--error-status: '%s' is not 500..599", optarg);
				return -1;
			}
			add_fault(o->faults, "error_status", json_integer(l));
			break;
		case OPT_DROP:
			add_fault(o->faults, "drop_connections", json_true());
			break;
		case OPT_EXPIRE:
			add_fault(o->faults, "expire_tickets", json_true());
			break;
		case OPT_FAIL_OP: {
			const char *sp = strchr(optarg, ' ');
			json_t *list = json_object_get(o->faults, "fail_operation");
			if (sp == NULL) {
				sim_log("--fail-operation: expected 'METHOD PATH', e.g. "
				    "'POST /nodes/{node}/qemu/{vmid}/snapshot'");
				return -1;
			}
			if (!json_is_array(list)) {
				list = json_array();
				json_object_set_new(o->faults, "fail_operation", list);
			}
			json_array_append_new(list, json_pack("{s:s%, s:s}", "method", optarg,
			    (size_t)(sp - optarg), "path", sp + 1));
			break;
		}
		case OPT_FAIL_TASK:
			add_fault(o->faults, "fail_task", json_string(optarg));
			break;
		case OPT_NEVER:
			add_fault(o->faults, "task_never_finishes", json_string(optarg));
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			*exit_now = 1;
			return 0;
		case OPT_VERSION:
			printf("proximo-sim %s\n", PACKAGE_VERSION);
			*exit_now = 1;
			return 0;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		sim_log("unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	if ((o->cert_file == NULL) != (o->key_file == NULL)) {
		sim_log("--cert and --key go together");
		return -1;
	}
	if (o->profile && o->generate) {
		sim_log("--profile and --generate exclude each other");
		return -1;
	}
	/* Derived ports: free ones with --port 0, else consecutive. */
	if (!o->port_set[SIM_PBS])
		o->port[SIM_PBS] = o->port[SIM_PVE] ? o->port[SIM_PVE] + 1 : 0;
	if (!o->port_set[SIM_PMG])
		o->port[SIM_PMG] = o->port[SIM_PVE] ? o->port[SIM_PVE] + 2 : 0;
	if (o->no_control != -1)
		o->control_port = o->port[SIM_PVE] ? o->port[SIM_PVE] + 3 : 0;
	if (o->no_control == -1)
		o->no_control = 0;
	(void)base_set;
	return 0;
}

static int
parse_surfaces(struct sim *s)
{
	json_t *list;
	size_t i;
	json_t *v;
	int k, any = 0;

	if (s->opt.surfaces == NULL) {
		for (k = 0; k < SIM_NSURF; k++)
			s->enabled[k] = 1;
		return 0;
	}
	list = sim_split_list(s->opt.surfaces);
	json_array_foreach(list, i, v) {
		int found = 0;
		for (k = 0; k < SIM_NSURF; k++)
			if (strcmp(json_string_value(v), sim_surface_names[k]) == 0)
				s->enabled[k] = found = any = 1;
		if (!found) {
			sim_log("--surfaces: '%s' is not pve, pbs or pmg", json_string_value(v));
			json_decref(list);
			return -1;
		}
	}
	json_decref(list);
	if (!any) {
		sim_log("--surfaces: name at least one of pve, pbs, pmg");
		return -1;
	}
	return 0;
}

static int
write_secret(const char *path, const char *content, const char *what)
{
	int fd;
	size_t n = strlen(content);
	ssize_t w;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		sim_log("%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	w = write(fd, content, n);
	if (w != (ssize_t)n || write(fd, "\n", 1) != 1) {
		sim_log("%s %s: short write", what, path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The first token of a product (root@pam's first, else any user's). */
static int
first_token(struct sim *s, enum sim_surface surf, char *out, size_t n)
{
	json_t *users = json_object_get(json_object_get(json_object_get(s->state,
	    sim_surface_names[surf]), "access"), "users"), *u, *t;
	const char *uid, *tid;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		json_object_foreach(users, uid, u) {
			if (pass == 0 && strcmp(uid, "root@pam") != 0)
				continue;
			json_object_foreach(json_object_get(u, "tokens"), tid, t) {
				const char *sec = json_string_value(json_object_get(t, "secret"));
				if (sec == NULL)
					continue;
				snprintf(out, n, "%s!%s%c%s", uid, tid, surf == SIM_PBS ? ':' : '=', sec);
				return 0;
			}
		}
	}
	return -1;
}

static int
write_credentials(struct sim *s)
{
	char buf[1024];
	int r = 0;

	if (s->opt.write_token) {
		if (first_token(s, SIM_PVE, buf, sizeof buf) != 0) {
			sim_log("--write-token: the profile has no PVE API token (add one under "
			    "pve.access.users.<user>.tokens)");
			return -1;
		}
		r |= write_secret(s->opt.write_token, buf, "--write-token");
	}
	if (s->opt.write_pbs_token) {
		if (first_token(s, SIM_PBS, buf, sizeof buf) != 0) {
			sim_log("--write-pbs-token: the profile has no PBS API token (add one under "
			    "pbs.access.users.<user>.tokens)");
			return -1;
		}
		r |= write_secret(s->opt.write_pbs_token, buf, "--write-pbs-token");
	}
	if (s->opt.write_pmg_password) {
		const char *pw = json_string_value(json_object_get(json_object_get(json_object_get(
		    json_object_get(json_object_get(s->state, "pmg"), "access"), "users"),
		    "root@pam"), "password"));
		if (pw == NULL) {
			sim_log("--write-pmg-password: PMG root@pam has no password");
			return -1;
		}
		r |= write_secret(s->opt.write_pmg_password, pw, "--write-pmg-password");
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return r ? -1 : 0;
}

static char *
profile_path(const struct sim *s)
{
	const char *p = s->opt.profile ? s->opt.profile : "demo";
	char *out = NULL;

	if (strchr(p, '/') || (strlen(p) > 5 && strcmp(p + strlen(p) - 5, ".json") == 0))
		return strdup(p);
	if (asprintf(&out, "%s/sim-profiles/%s.json", s->opt.datadir, p) < 0)
		return NULL;
	return out;
}

static int
load_schemas(struct sim *s)
{
	char file[4096], err[1024];
	int i;

	for (i = 0; i < SIM_NSURF; i++) {
		if (!s->enabled[i])
			continue;
		snprintf(file, sizeof file, "%s/%s.json", s->opt.datadir, sim_surface_names[i]);
		if ((s->schema[i] = sim_schema_load(file, (enum sim_surface)i, err, sizeof err)) == NULL) {
			sim_log("%s (set --datadir to the directory holding pve.json, pbs.json "
			    "and pmg.json)", err);
			return -1;
		}
	}
	return 0;
}

static char *
ready_line(struct sim *s, struct sim_server *srv, long long startup_ms)
{
	json_t *r, *surfs = json_object();
	char url[256], *out;
	const char *host = s->opt.bind && strchr(s->opt.bind, ':') ? "[::1]" : "127.0.0.1";
	int i;

	for (i = 0; i < SIM_NSURF; i++) {
		if (!s->enabled[i])
			continue;
		snprintf(url, sizeof url, "%s://%s:%d/api2/json", s->opt.plain_http ? "http" : "https",
		    host, sim_server_port(srv, (enum sim_surface)i));
		json_object_set_new(surfs, sim_surface_names[i], json_pack("{s:s, s:i}", "url", url,
		    "port", sim_server_port(srv, (enum sim_surface)i)));
	}
	r = json_pack("{s:b, s:i, s:o, s:s, s:s, s:b, s:I, s:I}", "ready", 1, "pid", (int)getpid(),
	    "surfaces", surfs, "fingerprint", s->fingerprint, "fingerprint_hex",
	    s->fingerprint_hex, "tls", !s->opt.plain_http, "guests",
	    (json_int_t)json_object_size(json_object_get(json_object_get(s->state, "pve"), "guests")),
	    "startup_ms", (json_int_t)startup_ms);
	if (sim_server_control_port(srv)) {
		snprintf(url, sizeof url, "http://%s:%d", host, sim_server_control_port(srv));
		json_object_set_new(r, "control", json_pack("{s:s, s:i}", "url", url, "port",
		    sim_server_control_port(srv)));
	}
	if (s->opt.write_token)
		json_object_set_new(r, "token_file", json_string(s->opt.write_token));
	if (s->opt.write_pbs_token)
		json_object_set_new(r, "pbs_token_file", json_string(s->opt.write_pbs_token));
	if (s->opt.write_pmg_password)
		json_object_set_new(r, "pmg_password_file", json_string(s->opt.write_pmg_password));
	out = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	return out;
}

static void
sim_free(struct sim *s)
{
	int i;

	for (i = 0; i < SIM_NSURF; i++)
		sim_schema_free(s->schema[i]);
	json_decref(s->state);
	json_decref(s->profile);
	json_decref(s->active_tasks);
	json_decref(s->task_index);
	json_decref(s->faults);
	json_decref(s->fs.fail_operations);
	free(s->fs.task_never_finishes);
	free(s->fs.fail_task);
	free(s->fs.fail_task_message);
	json_decref(s->opt.faults);
	sim_reqlog_free(s->rlog);
	sim_roles_cleanup();
	OPENSSL_cleanse(s->key, sizeof s->key);
	pthread_mutex_destroy(&s->lock);
}

int
main(int argc, char **argv)
{
	struct sim s;
	struct sim_cert cert;
	struct sim_server *srv = NULL;
	sigset_t set;
	char err[2048], *line = NULL, *pfile = NULL;
	int exit_now = 0, sig = 0, rc = 1;
	int64_t t0 = sim_now_ms();

	memset(&s, 0, sizeof s);
	memset(&cert, 0, sizeof cert);
	pthread_mutex_init(&s.lock, NULL);
	s.active_tasks = json_array();
	s.task_index = json_object();
	s.faults = json_object();
	s.fs.error_status = 503;
	if (parse_args(&s, argc, argv, &exit_now) != 0)
		goto out;
	if (exit_now) {
		rc = 0;
		goto out;
	}
	if (s.opt.datadir == NULL)
		s.opt.datadir = PXM_PKGDATADIR;
	if (parse_surfaces(&s) != 0)
		goto out;
	if (RAND_bytes(s.key, sizeof s.key) != 1 ||
	    RAND_bytes((unsigned char *)&s.rng, sizeof s.rng) != 1) {
		sim_log("cannot get random bytes");
		goto out;
	}
	s.next_pid = 0x1000 + (uint32_t)(s.rng % 0x8000);
	if (sim_faults_merge(&s, s.opt.faults, err, sizeof err) != 0) {
		sim_log("%s", err);
		goto out;
	}
	if ((s.rlog = sim_reqlog_new(s.opt.request_log, err, sizeof err)) == NULL) {
		sim_log("%s", err);
		goto out;
	}
	if (load_schemas(&s) != 0)
		goto out;
	sim_pve_register_fx();
	sim_pbs_register_fx();
	sim_pmg_register_fx();
	sim_bind_all(&s);
	if (s.opt.generate) {
		if (sim_profile_generate(&s, &s.profile, s.opt.generate, err, sizeof err) != 0) {
			sim_log("%s", err);
			goto out;
		}
	} else {
		if ((pfile = profile_path(&s)) == NULL ||
		    sim_profile_load(&s, &s.profile, pfile, err, sizeof err) != 0) {
			sim_log("%s", pfile ? err : "out of memory");
			goto out;
		}
	}
	if ((s.state = json_deep_copy(s.profile)) == NULL) {
		sim_log("out of memory copying the profile");
		goto out;
	}
	if (write_credentials(&s) != 0)
		goto out;
	if (s.opt.cert_file) {
		if (sim_cert_load(&cert, s.opt.cert_file, s.opt.key_file, err, sizeof err) != 0) {
			sim_log("%s", err);
			goto out;
		}
	} else if (sim_cert_generate(&cert, err, sizeof err) != 0) {
		sim_log("%s", err);
		goto out;
	}
	snprintf(s.fingerprint, sizeof s.fingerprint, "%s", cert.fingerprint);
	snprintf(s.fingerprint_hex, sizeof s.fingerprint_hex, "%s", cert.fingerprint_hex);

	/* Signals are taken by sigwait below; every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (sim_server_start(&srv, &s, &cert, err, sizeof err) != 0) {
		sim_log("%s", err);
		goto out;
	}
	/* The key is in the daemons now; the process copy is not needed. */
	sim_cert_free(&cert);
	if ((line = ready_line(&s, srv, sim_now_ms() - t0)) == NULL) {
		sim_log("out of memory");
		goto out;
	}
	if (s.opt.ready_file) {
		char tmp[4096];
		FILE *f;
		snprintf(tmp, sizeof tmp, "%s.tmp", s.opt.ready_file);
		if ((f = fopen(tmp, "w")) == NULL || fprintf(f, "%s\n", line) < 0 || fclose(f) != 0 ||
		    rename(tmp, s.opt.ready_file) != 0) {
			sim_log("--ready-file %s: %s", s.opt.ready_file, strerror(errno));
			goto out;
		}
	}
	printf("%s\n", line);
	fflush(stdout);
	sim_log("ready: %s", line);

	if (sigwait(&set, &sig) == 0)
		sim_log("signal %d: shutting down", sig);
	rc = 0;
out:
	sim_server_stop(srv);
	sim_cert_free(&cert);
	free(line);
	free(pfile);
	sim_free(&s);
	return rc;
}
