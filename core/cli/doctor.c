/**
 * @file doctor.c
 * @brief `proximo doctor`: a read-only preflight that never starts the
 *        server.  Reachability and version, TLS mode and pin, the token's
 *        identity, what the token can and cannot do (from the product
 *        plugin's <product>_doctor tool, which maps /access/permissions to
 *        capabilities with the exact grant for each gap), exec and agent
 *        enablement and allowlists, the ledger's state, and a flag for
 *        every unsafe or incomplete setting.  --receipt removes names and
 *        addresses so the output can be pasted publicly.
 *
 * Also here: the token-aware surface (pxm_token_surface_apply), which uses
 * the same plugin tool at server start to mark the tools the configured
 * token cannot use.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "cli/runtime.h"
#include "cli/verbs.h"
#include "ledger/ledger.h"
#include "pipeline/call.h"
#include "registry/registry.h"
#include "transport/endpoint.h"
#ifdef PXM_HAVE_CURL
#include "transport/http.h"
#endif
#include "util/buf.h"
#include "util/error.h"
#include "util/log.h"
#include "util/secret.h"
#include "util/settings.h"

static const char usage_text[] =
    "usage: proximo doctor [--product pve|pbs|pmg] [--json] [--receipt]\n"
    "  Read-only preflight: reachability, TLS, token identity and what it can do,\n"
    "  exec/agent settings, the ledger.  Never starts the server, never changes\n"
    "  anything.  --receipt removes names and addresses (safe to paste publicly).\n"
    "exit: 0 reachable and authenticated, 1 cannot reach or authenticate, 2 usage\n";

/* ------------------------------------------------------------ helpers */

static void
flag(json_t *flags, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
flag(json_t *flags, const char *fmt, ...)
{
	struct pxm_buf b = PXM_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	pxm_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (b.data)
		json_array_append_new(flags, json_string(b.data));
	pxm_buf_free(&b);
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* Run a registered read tool outside the MCP server (no client, no ledger). */
static int
run_tool(json_t **out, struct pxm_error *err, const struct pxm_tool_def *def, const json_t *args)
{
	struct pxm_call call;
	int r;

	*out = NULL;
	if (def == NULL || def->read == NULL || def->kind != PXM_KIND_READ)
		return pxm_error_set(err, PXM_E_NOTFOUND, "doctor", "no such read tool");
	pxm_call_init(&call, NULL, def, PXM_PHASE_READ);
	r = def->read(out, err, &call, args, def->payload);
	pxm_call_cleanup(&call);
	if (r != PXM_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return r;
}

/* An allowlist as the reference summarises it. */
static json_t *
allowlist(const char *key)
{
	const char *v = pxm_config_get(key);
	size_t n = 0;
	const char *p;

	if (v == NULL)
		return json_string("none (deny-all)");
	if (strchr(v, '*'))
		return json_string("ALL (*)");
	for (p = v; *p; p++) {
		p += strspn(p, ", \t");
		if (*p == '\0')
			break;
		n++;
		p += strcspn(p, ", \t");
		if (*p == '\0')
			break;
	}
	return n ? json_sprintf("%zu id(s)", n) : json_string("none (deny-all)");
}

static json_t *
exec_section(json_t *flags)
{
	struct pxm_error err;
	int exec = 0, agent = 0;
	json_t *o, *ct, *ag;

	pxm_error_clear(&err);
	if (pxm_config_bool(&exec, &err, "PROXIMO_ENABLE_EXEC", 0) != PXM_OK)
		flag(flags, "%s", err.text);
	pxm_error_clear(&err);
	if (pxm_config_bool(&agent, &err, "PROXIMO_ENABLE_AGENT", 0) != PXM_OK)
		flag(flags, "%s", err.text);
	ct = allowlist("PROXIMO_CT_ALLOWLIST");
	ag = allowlist("PROXIMO_AGENT_ALLOWLIST");
	if (exec && strncmp(json_string_value(ct), "none", 4) == 0)
		flag(flags, "exec is ENABLED but the CT allowlist is empty (deny-all) — no container "
		    "is reachable.");
	if (exec && strncmp(json_string_value(ct), "ALL", 3) == 0)
		flag(flags, "exec is ENABLED for EVERY container (PROXIMO_CT_ALLOWLIST=*): in-guest "
		    "commands reach near-root on the host; list the CTIDs instead");
	if (agent && strncmp(json_string_value(ag), "none", 4) == 0)
		flag(flags, "the guest agent edge is ENABLED but its allowlist is empty (deny-all) — "
		    "no VM is reachable.");
	if (agent && strncmp(json_string_value(ag), "ALL", 3) == 0)
		flag(flags, "the guest agent edge is ENABLED for EVERY VM (PROXIMO_AGENT_ALLOWLIST=*)");
	o = json_pack("{s:b, s:o, s:b, s:o}", "exec_enabled", exec, "ct_allowlist", ct,
	    "agent_enabled", agent, "agent_allowlist", ag);
	if (pxm_config_get("PROXIMO_SSH_TARGET"))
		json_object_set_new(o, "exec_lands_on", json_string(pxm_config_get("PROXIMO_SSH_TARGET")));
	return o;
}

static json_t *
ledger_section(json_t *flags)
{
	struct pxm_ledger *l = NULL;
	struct pxm_error err;
	json_t *rep = NULL, *o;

	{
		/* A box that never served has no ledger yet: that is a state, not a fault. */
		const char *p = pxm_config_get("PROXIMO_AUDIT_LOG");
		char *def = p ? NULL : pxm_config_home_path(".local/state/proximo/audit.log");
		struct stat st;
		int absent = stat(p ? p : def ? def : "", &st) != 0 && errno == ENOENT;

		free(def);
		if (absent)
			return json_pack("{s:s}", "state", "absent (created by the first `proximo` "
			    "serve)");
	}
	pxm_error_clear(&err);
	if (pxm_ledger_open_from_env_readonly(&l, &err) != PXM_OK) {
		flag(flags, "the audit ledger could not be opened read-only: %s", err.text);
		return json_pack("{s:s}", "state", "unreadable");
	}
	if (pxm_ledger_verify_report(&rep, &err, l, NULL) != PXM_OK) {
		flag(flags, "the audit ledger could not be verified: %s", err.text);
		pxm_ledger_close(l);
		return json_pack("{s:s}", "state", "unverifiable");
	}
	o = json_pack("{s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "state",
	    json_is_true(json_object_get(rep, "ok")) ? "verified" : "BROKEN",
	    "path", json_object_get(rep, "ledger_path"), "keyed", json_object_get(rep, "keyed"),
	    "entries", json_object_get(rep, "entries"), "head", json_object_get(rep, "head"),
	    "anchor_sink", json_object_get(rep, "anchor_sink"), "tail_covered",
	    json_object_get(rep, "tail_covered"), "checkpoints", json_object_get(rep, "checkpoints"),
	    "summary", json_object_get(rep, "summary"));
	json_object_set_new(o, "last_verify", json_string("now (this run)"));
	if (!json_is_true(json_object_get(rep, "ok")))
		flag(flags, "the audit ledger does NOT verify: %s", jstr(rep, "summary"));
	if (!json_is_true(json_object_get(rep, "keyed")))
		flag(flags, "the audit ledger is UNKEYED (PROXIMO_AUDIT_KEYED=off): anyone who can "
		    "write the file can rewrite history and re-hash it");
	if (strcmp(jstr(rep, "anchor_sink"), "none") == 0 || !json_is_string(json_object_get(rep,
	    "anchor_sink")))
		flag(flags, "no off-box anchor (PROXIMO_AUDIT_ANCHOR_SINK=none): truncating the "
		    "ledger's tail is undetectable by a walk");
	json_decref(rep);
	pxm_ledger_close(l);
	return o;
}

/* ------------------------------------------------------------ receipt */

static void
redact_str(json_t *v, const json_t *names)
{
	struct pxm_buf b = PXM_BUF_INIT;
	const char *s = json_string_value(v), *p, *hit, *k;
	json_t *label;
	size_t best_len;

	if (s == NULL)
		return;
	p = s;
	while (*p) {
		const char *best = NULL, *best_label = NULL;

		best_len = 0;
		json_object_foreach((json_t *)names, k, label) {
			if ((hit = strstr(p, k)) != NULL && (best == NULL || hit < best ||
			    (hit == best && strlen(k) > best_len))) {
				best = hit;
				best_len = strlen(k);
				best_label = json_string_value(label);
			}
		}
		if (best == NULL) {
			pxm_buf_puts(&b, p);
			break;
		}
		pxm_buf_append(&b, p, (size_t)(best - p));
		pxm_buf_printf(&b, "<%s>", best_label);
		p = best + best_len;
	}
	json_string_set(v, b.data ? b.data : "");
	pxm_buf_free(&b);
}

static void
redact_walk(json_t *v, const json_t *names)
{
	json_t *x;
	const char *k;
	size_t i;

	if (json_is_string(v)) {
		redact_str(v, names);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			redact_walk(x, names);
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, x)
			redact_walk(x, names);
	}
}

static void
add_name(json_t *names, const char *s, const char *label)
{
	if (s && strlen(s) >= 2)
		json_object_set_new(names, s, json_string(label));
}

/* Path lists ("/vms/100", "/nodes/pve1") become counts and a digest. */
static json_t *
digest_list(const json_t *list)
{
	unsigned char md[32];
	unsigned int n = 0, i;
	char hex[13];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	json_t *v;
	size_t k;

	if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1) {
		json_array_foreach(list, k, v)
			EVP_DigestUpdate(c, json_string_value(v) ? json_string_value(v) : "",
			    json_string_value(v) ? strlen(json_string_value(v)) + 1 : 1);
		EVP_DigestFinal_ex(c, md, &n);
	}
	EVP_MD_CTX_free(c);
	for (i = 0; i < 6 && i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[12] = '\0';
	return json_pack("{s:I, s:s}", "paths", (json_int_t)json_array_size(list), "digest",
	    n ? hex : "");
}

static void
receipt(json_t *rep, const json_t *desc)
{
	json_t *names = json_object(), *row;
	const char *tid = jstr(desc, "token_id"), *d;
	size_t i;
	char user[256];

	add_name(names, jstr(desc, "base_url"), "api-url");
	add_name(names, jstr(desc, "host"), "host");
	add_name(names, jstr(desc, "node"), "node");
	add_name(names, jstr(desc, "fingerprint"), "fingerprint");
	add_name(names, jstr(desc, "credential_file"), "token-file");
	add_name(names, jstr(desc, "username"), "user");
	add_name(names, tid, "token-id");
	if (*tid) {
		snprintf(user, sizeof user, "%.*s", (int)strcspn(tid, "!"), tid);
		add_name(names, user, "user");
	}
	add_name(names, jstr(json_object_get(rep, "ledger"), "path"), "ledger-path");
	add_name(names, jstr(json_object_get(rep, "ledger"), "head"), "ledger-head");
	add_name(names, pxm_config_get("PROXIMO_SSH_TARGET"), "ssh-target");
	/* Extra names the operator wants gone (cluster, pools, storages...). */
	if ((d = pxm_config_get("PROXIMO_RECEIPT_DENYLIST")) != NULL) {
		while (*d) {
			size_t n;

			d += strspn(d, ", ");
			n = strcspn(d, ", ");
			if (n) {
				char *w = strndup(d, n);

				add_name(names, w, "name");
				free(w);
			}
			d += n;
		}
	}
	/* Scopes: ids become counts and a digest. */
	json_array_foreach(json_object_get(json_object_get(rep, "token"), "can"), i, row)
		if (json_is_array(json_object_get(row, "scope")))
			json_object_set_new(row, "scope", digest_list(json_object_get(row, "scope")));
	redact_walk(rep, names);
	json_object_set_new(rep, "receipt", json_string("names, addresses, token ids and paths "
	    "were removed; path lists are shown as counts and digests"));
	json_decref(names);
}

/* ------------------------------------------------------------ human output */

static void
out_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
out_line(const char *fmt, ...)
{
	struct pxm_buf b = PXM_BUF_INIT;
	va_list ap;
	char *clean;

	va_start(ap, fmt);
	pxm_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	/* everything printed passes the secret scrubber */
	clean = pxm_secret_scrub(b.data ? b.data : "");
	fputs(clean ? clean : "", stdout);
	free(clean);
	pxm_buf_free(&b);
}

static void
print_human(const json_t *rep)
{
	const json_t *cfg = json_object_get(rep, "config"), *tok = json_object_get(rep, "token");
	const json_t *ver = json_object_get(rep, "version"), *ex = json_object_get(rep, "exec");
	const json_t *led = json_object_get(rep, "ledger"), *row;
	char *s;
	size_t i;

	out_line("proximo doctor — %s%s\n", jstr(rep, "product"), json_is_string(json_object_get(rep,
	    "receipt")) ? " (receipt)" : "");
	out_line("  API         %s  %s%s\n", jstr(cfg, "base_url"),
	    json_is_true(json_object_get(rep, "reachable")) ? "reachable" : "NOT REACHABLE",
	    json_is_true(json_object_get(rep, "authenticated")) ? ", authenticated" :
	    ", NOT authenticated");
	if (json_is_object(ver))
		out_line("  version     %s (release %s)\n", jstr(ver, "version"), jstr(ver, "release"));
	out_line("  TLS         %s%s%s\n", jstr(cfg, "tls"), *jstr(cfg, "fingerprint") ?
	    "  pin " : "", jstr(cfg, "fingerprint"));
	out_line("  token       %s\n", *jstr(cfg, "token_id") ? jstr(cfg, "token_id") :
	    *jstr(cfg, "username") ? jstr(cfg, "username") : "(unknown)");
	json_array_foreach(json_object_get(tok, "can"), i, row) {
		const json_t *sc = json_object_get(row, "scope");

		s = json_dumps(sc, JSON_COMPACT | JSON_ENCODE_ANY);
		out_line("  %-11s %s  [%s]%s%s\n", i ? "" : "can", jstr(row, "capability"),
		    json_is_string(sc) ? json_string_value(sc) : (s ? s : ""),
		    *jstr(row, "partial") ? " " : "", jstr(row, "partial"));
		free(s);
	}
	json_array_foreach(json_object_get(tok, "cannot"), i, row) {
		s = json_dumps(json_object_get(row, "needs"), JSON_COMPACT);
		out_line("  %-11s %s — needs %s\n", i ? "" : "cannot", jstr(row, "capability"),
		    s ? s : "");
		out_line("              → %s\n", jstr(row, "hint"));
		free(s);
	}
	out_line("  exec        %s (CT allowlist: %s)\n", json_is_true(json_object_get(ex,
	    "exec_enabled")) ? "ENABLED" : "disabled (API-only)", jstr(ex, "ct_allowlist"));
	out_line("  agent       %s (VM allowlist: %s)\n", json_is_true(json_object_get(ex,
	    "agent_enabled")) ? "ENABLED" : "disabled", jstr(ex, "agent_allowlist"));
	if (json_object_get(led, "entries"))
		out_line("  ledger      %s — %s, %s, %lld entries, anchor %s\n", jstr(led, "path"),
		    jstr(led, "state"), json_is_true(json_object_get(led, "keyed")) ? "keyed" :
		    "UNKEYED", (long long)json_integer_value(json_object_get(led, "entries")),
		    jstr(led, "anchor_sink"));
	else
		out_line("  ledger      %s\n", jstr(led, "state"));
	out_line("  flags (%zu)\n", json_array_size(json_object_get(rep, "flags")));
	json_array_foreach(json_object_get(rep, "flags"), i, row)
		out_line("    ! %s\n", json_string_value(row));
	out_line("  complete    %s\n", json_is_true(json_object_get(rep, "complete")) ? "yes" :
	    "NO — something could not be evaluated (see flags)");
}

/* ------------------------------------------------------------ the verb */

int
pxm_cli_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "product", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "receipt", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *product = "pve";
	int as_json = 0, as_receipt = 0, c, reachable = 0, authed = 0, complete = 1, rc = PXM_EXIT_FAIL;
	struct pxm_endpoint *ep = NULL;
	struct pxm_runtime *rt = NULL;
	struct pxm_error err;
	json_t *rep = NULL, *flags, *desc = NULL, *cfg, *token = NULL, *v;
	const struct pxm_tool_def *tool;
	char toolname[32];
	size_t i;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			product = optarg;
			break;
		case 'j':
			as_json = 1;
			break;
		case 'r':
			as_receipt = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return PXM_EXIT_OK;
		default:
			fprintf(stderr, "proximo doctor: unknown option '%s'\n", argv[optind - 1]);
			fputs(usage_text, stderr);
			return PXM_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "proximo doctor: unexpected argument '%s'\n", argv[optind]);
		fputs(usage_text, stderr);
		return PXM_EXIT_USAGE;
	}
	if (strcmp(product, "pve") != 0 && strcmp(product, "pbs") != 0 && strcmp(product, "pmg") != 0) {
		fprintf(stderr, "proximo doctor: --product '%s' is not known; accepted: pve, pbs, pmg\n",
		    product);
		return PXM_EXIT_USAGE;
	}
	flags = json_array();
	rep = json_pack("{s:s, s:s, s:o}", "product", product, "note", "Read-only preflight: "
	    "nothing was changed. Flags name every unsafe or incomplete setting found.", "flags",
	    flags);

	/* 1. Configuration and TLS, as the transport sees it. */
#ifndef PXM_HAVE_CURL
	(void)cfg;
	(void)ep;
	flag(flags, "this proximo was built without the HTTPS transport (configure "
	    "--without-curl): %s cannot be reached", product);
	goto out;
#else
	pxm_error_clear(&err);
	if (pxm_endpoint_new(&ep, &err, product) != PXM_OK) {
		flag(flags, "%s", err.text);
		goto out;
	}
	pxm_endpoint_describe(&desc, ep);
	cfg = json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}",
	    "configured", json_object_get(desc, "configured"), "missing", json_object_get(desc,
	    "missing"), "config_error", json_object_get(desc, "config_error"), "base_url",
	    json_object_get(desc, "base_url"), "node", json_object_get(desc, "node"), "tls",
	    json_object_get(desc, "tls"), "fingerprint", json_object_get(desc, "fingerprint"),
	    "ca_bundle", json_object_get(desc, "ca_bundle"), "auth", json_object_get(desc, "auth"),
	    "token_id", json_object_get(desc, "token_id"), "username", json_object_get(desc,
	    "username"), "token_error", json_object_get(desc, "token_error"));
	json_object_set_new(rep, "config", cfg);
	pxm_error_clear(&err);
	if (pxm_endpoint_configured(ep, &err) != PXM_OK)
		flag(flags, "%s", err.text);
	if (pxm_endpoint_tls_unverified(ep))
		flag(flags, "TLS verification is OFF (PROXIMO_VERIFY_TLS=false, no pin, no CA "
		    "bundle): anyone on the path can impersonate the API — pin the node certificate "
		    "(PROXIMO_FINGERPRINT) or set PROXIMO_CA_BUNDLE");
	if (json_is_string(json_object_get(desc, "token_error")))
		flag(flags, "the token file cannot be used: %s", jstr(desc, "token_error"));
#endif
	if (pxm_config_get("PROXIMO_CONFIRM") && strcasecmp(pxm_config_get("PROXIMO_CONFIRM"),
	    "oneshot") == 0)
		flag(flags, "PROXIMO_CONFIRM=oneshot: confirm=true runs without a prior dry run (the "
		    "plan binding that catches drift is off)");

	/* 2. Reachability, authentication, version. */
#ifdef PXM_HAVE_CURL
	if (json_is_true(json_object_get(desc, "configured"))) {
		struct pxm_http_request req;
		struct pxm_http_response resp;
		int r;

		memset(&req, 0, sizeof req);
		memset(&resp, 0, sizeof resp);
		req.size = sizeof req;
		req.method = "GET";
		req.path = "/version";
		pxm_error_clear(&err);
		r = pxm_http_request(&resp, &err, ep, &req);
		reachable = r == PXM_OK || resp.status > 0;
		authed = r == PXM_OK;
		if (r == PXM_OK)
			json_object_set(rep, "version", resp.data);
		else
			flag(flags, "cannot reach / authenticate to the %s API — %s (check "
			    "PROXIMO_API_BASE_URL, the token file, and TLS: PROXIMO_FINGERPRINT / "
			    "PROXIMO_CA_BUNDLE). Preflight cannot evaluate permissions until this "
			    "connects.", pxm_endpoint_label(ep), err.text);
		pxm_http_response_clear(&resp);
	}
#else
	flag(flags, "this proximo was built without the HTTPS transport: nothing can be reached");
#endif
	json_object_set_new(rep, "reachable", json_boolean(reachable));
	json_object_set_new(rep, "authenticated", json_boolean(authed));

	/* 3. What the token can do: the product plugin's map. */
	if (authed) {
		pxm_error_clear(&err);
		if (pxm_runtime_open(&rt, &err, PXM_RT_PLUGINS) != PXM_OK) {
			flag(flags, "plugins could not be loaded (%s): the token's capabilities were not "
			    "evaluated", err.text);
			complete = 0;
		} else {
			snprintf(toolname, sizeof toolname, "%s_doctor", product);
			if ((tool = pxm_registry_find(rt->reg, toolname)) == NULL) {
				flag(flags, "no %s plugin with a capability map is installed: what the token "
				    "can do was not evaluated", product);
				complete = 0;
			} else {
				json_t *args = json_object();

				if (*jstr(desc, "token_id"))
					json_object_set_new(args, "token_id", json_string(jstr(desc,
					    "token_id")));
				pxm_error_clear(&err);
				if (run_tool(&token, &err, tool, args) != PXM_OK) {
					flag(flags, "%s failed: %s", toolname, err.text);
					complete = 0;
				}
				json_decref(args);
			}
		}
		if (token) {
			json_object_set(rep, "token", json_object_get(token, "token"));
			json_array_foreach(json_object_get(token, "flags"), i, v)
				json_array_append(flags, v);
			if (!json_is_true(json_object_get(token, "complete")))
				complete = 0;
			/* the held list is for the server's marks, not for people */
			json_object_del(json_object_get(rep, "token"), "held");
		}
	} else {
		complete = 0;
	}

out:
	/* 4. Exec and agent edges, 5. the ledger: local, always checked. */
	json_object_set_new(rep, "exec", exec_section(flags));
	json_object_set_new(rep, "ledger", ledger_section(flags));
	json_object_set_new(rep, "complete", json_boolean(complete && authed));
	if (as_receipt)
		receipt(rep, desc);
	if (as_json) {
		char *s = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER), *clean;

		clean = pxm_secret_scrub(s ? s : "{}");
		printf("%s\n", clean ? clean : "{}");
		free(clean);
		free(s);
	} else {
		print_human(rep);
	}
	fflush(stdout);
	rc = authed ? PXM_EXIT_OK : PXM_EXIT_FAIL;
	json_decref(token);
	json_decref(desc);
	json_decref(rep);
	pxm_runtime_close(rt);
#ifdef PXM_HAVE_CURL
	pxm_endpoint_free(ep);
#endif
	return rc;
}

/* ------------------------------------------------------------ serve start */

void
pxm_token_surface_apply(struct pxm_runtime *rt)
{
	static const char *const products[] = { "pve", "pbs", "pmg", NULL };
	struct pxm_error err;
	int on = 1, p;
	size_t i, marked = 0;

	pxm_error_clear(&err);
	if (pxm_config_bool(&on, &err, "PROXIMO_TOKEN_AWARE", 1) != PXM_OK) {
		pxm_warn("%s; tools are not marked", err.text);
		return;
	}
	if (!on)
		return;
	for (p = 0; products[p]; p++) {
		char name[32];
		const struct pxm_tool_def *tool;
		json_t *out = NULL, *args, *held;

		snprintf(name, sizeof name, "%s_doctor", products[p]);
		if ((tool = pxm_registry_find(rt->reg, name)) == NULL)
			continue;
		args = json_pack("{s:b}", "permissions_only", 1);
		pxm_error_clear(&err);
		if (run_tool(&out, &err, tool, args) != PXM_OK ||
		    !json_is_array(held = json_object_get(json_object_get(out, "token"), "held"))) {
			pxm_info("token-aware surface: the %s token's privileges could not be read (%s); "
			    "tools are not marked", products[p], err.text[0] ? err.text :
			    jstr(out, "error"));
			json_decref(out);
			json_decref(args);
			continue;
		}
		marked = 0;
		for (i = 0; i < pxm_registry_count(rt->reg); i++) {
			const struct pxm_tool_def *d = pxm_registry_at(rt->reg, i);
			json_t *privs, *x, *h;
			size_t k, j;
			int any = 0;

			if (d->privileges == NULL || d->surface == NULL ||
			    strcmp(d->surface, products[p]) != 0)
				continue;
			privs = json_array();
			{
				const char *s = d->privileges;

				while (*s) {
					size_t n = strcspn(s, ",");

					if (n) {
						char *w = strndup(s, n);

						json_array_append_new(privs, json_string(w ? w : ""));
						free(w);
					}
					s += n + (s[n] == ',');
				}
			}
			json_array_foreach(privs, k, x)
				json_array_foreach(held, j, h)
					if (strcmp(json_string_value(x), json_string_value(h)) == 0)
						any = 1;
			if (!any && json_array_size(privs) &&
			    pxm_registry_mark_token(rt->reg, d->name, privs) == PXM_OK)
				marked++;
			json_decref(privs);
		}
		pxm_info("token-aware surface: %zu %s tool(s) marked as unusable with the configured "
		    "token", marked, products[p]);
		json_decref(out);
		json_decref(args);
	}
}
