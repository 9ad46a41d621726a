/**
 * @file audit.c
 * @brief `proximo audit`: the operator's side of PROVE.
 *
 * Read-only subcommands (verify, log, head, checkpoint-verify, pubkey) open
 * the ledger read-only: they work on a box with no Proxmox configured, on a
 * corrupt ledger (to report it), and never create or repair anything.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/audit.h"
#include "ledger/internal.h"
#include "ledger/ledger.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/secret.h"
#include "util/settings.h"

#define EX_OK		0
#define EX_FAIL		1
#define EX_USAGE	2

static const char usage_text[] =
    "usage: proximo audit verify [--expected-head H] [--json]\n"
    "       proximo audit log [--limit N] [--target T] [--action A] [--outcome O]\n"
    "                         [--principal P] [--mutations-only] [--json]\n"
    "       proximo audit head [--json]\n"
    "       proximo audit checkpoint [--out FILE] [--json]\n"
    "       proximo audit checkpoint-verify --pubkey PEM --message FILE\n"
    "                         --signature FILE [--no-ledger] [--json]\n"
    "       proximo audit pubkey\n"
    "exit: 0 ok, 1 verification failed, 2 usage or configuration error\n";

static int
usage(const char *why)
{
	if (why)
		fprintf(stderr, "proximo audit: %s\n", why);
	fputs(usage_text, stderr);
	return EX_USAGE;
}

static int
fail_err(const struct pxm_error *err)
{
	char text[sizeof err->text];

	snprintf(text, sizeof text, "%s", err->text);
	pxm_secret_scrub_buf(text, sizeof text);
	fprintf(stderr, "proximo audit: %s\n", text);
	return EX_USAGE;
}

/* Everything printed passes the secret scrubber: a key typed where a head
 * was expected must not be echoed back. */
static void
emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
emit(const char *fmt, ...)
{
	struct pxm_buf b = PXM_BUF_INIT;
	va_list ap;
	char *clean;

	va_start(ap, fmt);
	pxm_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (b.data && (clean = pxm_secret_scrub(b.data)) != NULL) {
		fputs(clean, stdout);
		free(clean);
	}
	pxm_buf_free(&b);
}

static void
print_json(const json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s) {
		emit("%s\n", s);
		free(s);
	}
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static int
cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "expected-head", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pxm_ledger *l = NULL;
	struct pxm_error err;
	const char *expected = NULL;
	json_t *rep = NULL, *ck;
	int c, as_json = 0, rc = EX_USAGE;

	while ((c = getopt_long(argc, argv, "e:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'e': expected = optarg; break;
		case 'j': as_json = 1; break;
		case 'h': fputs(usage_text, stdout); return EX_OK;
		default: return usage(NULL);
		}
	}
	if (optind != argc)
		return usage("verify takes no positional arguments");
	if (pxm_ledger_open_from_env_readonly(&l, &err) != PXM_OK)
		return fail_err(&err);
	if (pxm_ledger_verify_report(&rep, &err, l, expected) != PXM_OK) {
		rc = fail_err(&err);
		goto out;
	}
	rc = json_is_true(json_object_get(rep, "ok")) ? EX_OK : EX_FAIL;
	if (as_json) {
		print_json(rep);
		goto out;
	}
	emit("ledger:   %s (%s)\n", jstr(rep, "ledger_path"),
	    json_is_true(json_object_get(rep, "keyed")) ? "keyed, HMAC-SHA256" :
	    "UNKEYED, bare SHA-256");
	emit("result:   %s\n", jstr(rep, "summary"));
	emit("entries:  %" JSON_INTEGER_FORMAT "\n",
	    json_integer_value(json_object_get(rep, "entries")));
	emit("head:     %s\n", jstr(rep, "head"));
	if (json_is_string(json_object_get(rep, "expected_head")))
		emit("expected: %s\n", jstr(rep, "expected_head"));
	if (json_is_string(json_object_get(rep, "hint")))
		emit("hint:     %s\n", jstr(rep, "hint"));
	if (json_is_string(json_object_get(rep, "pin_hint")))
		emit("pin:      %s\n", jstr(rep, "pin_hint"));
	if (json_is_string(json_object_get(rep, "anchor_hint")))
		emit("anchor:   %s\n", jstr(rep, "anchor_hint"));
	if (json_is_string(json_object_get(rep, "rotation_hint")))
		emit("rotation: %s\n", jstr(rep, "rotation_hint"));
	ck = json_object_get(rep, "checkpoints");
	if (json_integer_value(json_object_get(ck, "count")) > 0)
		emit("checkpoints: %" JSON_INTEGER_FORMAT " (%" JSON_INTEGER_FORMAT
		    " signatures verified)\n", json_integer_value(json_object_get(ck, "count")),
		    json_integer_value(json_object_get(ck, "signatures_verified")));
out:
	json_decref(rep);
	pxm_ledger_close(l);
	return rc;
}

static int
cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "target", required_argument, NULL, 't' },
		{ "action", required_argument, NULL, 'a' },
		{ "outcome", required_argument, NULL, 'o' },
		{ "principal", required_argument, NULL, 'p' },
		{ "mutations-only", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct pxm_ledger *l = NULL;
	struct pxm_error err;
	json_t *f = json_object(), *rep = NULL, *e;
	char *end;
	long n;
	size_t i;
	int c, as_json = 0, rc = EX_USAGE;

	while ((c = getopt_long(argc, argv, "n:t:a:o:p:mj", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || *end || n < 1 || n > 1000) {
				json_decref(f);
				return usage("--limit must be a whole number from 1 to 1000");
			}
			json_object_set_new(f, "limit", json_integer(n));
			break;
		case 't': json_object_set_new(f, "target", json_string(optarg)); break;
		case 'a': json_object_set_new(f, "action", json_string(optarg)); break;
		case 'o': json_object_set_new(f, "outcome", json_string(optarg)); break;
		case 'p': json_object_set_new(f, "principal", json_string(optarg)); break;
		case 'm': json_object_set_new(f, "mutations_only", json_true()); break;
		case 'j': as_json = 1; break;
		default: json_decref(f); return usage(NULL);
		}
	}
	if (optind != argc) {
		json_decref(f);
		return usage("log takes no positional arguments");
	}
	if (pxm_ledger_open_from_env_readonly(&l, &err) != PXM_OK) {
		json_decref(f);
		return fail_err(&err);
	}
	if (pxm_ledger_entries_report(&rep, &err, l, f) != PXM_OK) {
		rc = fail_err(&err);
		goto out;
	}
	rc = EX_OK;
	if (as_json) {
		print_json(rep);
		goto out;
	}
	json_array_foreach(json_object_get(rep, "entries"), i, e)
		emit("%s  %-28s %-24s %-10s %s\n", jstr(e, "ts"), jstr(e, "action"),
		    jstr(e, "outcome"), json_is_true(json_object_get(e, "mutation")) ?
		    "mutation" : "read", jstr(e, "target"));
	emit("-- %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT " entries matched%s\n",
	    json_integer_value(json_object_get(rep, "matched")),
	    json_integer_value(json_object_get(rep, "total")),
	    json_is_true(json_object_get(rep, "truncated")) ? " (newest shown)" : "");
	json_array_foreach(json_object_get(rep, "in_flight"), i, e)
		emit("IN FLIGHT (no outcome recorded): %s %s %s\n", jstr(e, "ts"),
		    jstr(e, "action"), jstr(e, "target"));
out:
	json_decref(f);
	json_decref(rep);
	pxm_ledger_close(l);
	return rc;
}

static int
cmd_head(int argc, char **argv)
{
	struct pxm_ledger *l = NULL;
	struct pxm_error err;
	json_t *rep = NULL;
	int rc, as_json = argc > 1 && strcmp(argv[1], "--json") == 0;

	if (argc > 2 || (argc == 2 && !as_json))
		return usage("head takes only --json");
	if (pxm_ledger_open_from_env_readonly(&l, &err) != PXM_OK)
		return fail_err(&err);
	/* The head of a chain that verifies, never of a broken one. */
	if (pxm_ledger_verify_report(&rep, &err, l, NULL) != PXM_OK) {
		rc = fail_err(&err);
		goto out;
	}
	if (json_is_false(json_object_get(rep, "ok")) &&
	    json_is_integer(json_object_get(rep, "broken_at_line"))) {
		fprintf(stderr, "proximo audit: not printing a head: %s\n", jstr(rep, "summary"));
		rc = EX_FAIL;
		goto out;
	}
	if (as_json)
		emit("{\"head\":\"%s\",\"entries\":%" JSON_INTEGER_FORMAT "}\n",
		    jstr(rep, "head"), json_integer_value(json_object_get(rep, "entries")));
	else
		emit("%s %" JSON_INTEGER_FORMAT "\n", jstr(rep, "head"),
		    json_integer_value(json_object_get(rep, "entries")));
	rc = EX_OK;
out:
	json_decref(rep);
	pxm_ledger_close(l);
	return rc;
}

static int
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "we");
	int ok;

	if (f == NULL)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

static int
cmd_checkpoint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct pxm_ledger *l = NULL;
	struct pxm_error err;
	const char *outp = NULL, *sig;
	unsigned char raw[96];
	char *sigpath = NULL;
	json_t *rep = NULL;
	size_t n;
	int c, as_json = 0, rc = EX_USAGE;

	while ((c = getopt_long(argc, argv, "o:j", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outp = optarg; break;
		case 'j': as_json = 1; break;
		default: return usage(NULL);
		}
	}
	if (optind != argc)
		return usage("checkpoint takes no positional arguments");
	if (pxm_ledger_open_from_env(&l, &err) != PXM_OK)
		return fail_err(&err);
	if (pxm_ledger_checkpoint(&rep, &err, l) != PXM_OK) {
		rc = fail_err(&err);
		goto out;
	}
	if (outp) {
		sig = jstr(rep, "signature");
		n = strlen(outp) + 8;
		if ((sigpath = malloc(n)) == NULL)
			goto out;
		snprintf(sigpath, n, "%s.sig", outp);
		if (strlen(sig) != 88 || EVP_DecodeBlock(raw, (const unsigned char *)sig, 88) != 66 ||
		    write_file(outp, jstr(rep, "message"), strlen(jstr(rep, "message"))) != 0 ||
		    write_file(sigpath, raw, 64) != 0) {
			fprintf(stderr, "proximo audit: cannot write %s / %s: %s\n", outp,
			    sigpath, strerror(errno));
			goto out;
		}
	}
	rc = EX_OK;
	if (as_json) {
		print_json(rep);
		goto out;
	}
	emit("checkpoint: %" JSON_INTEGER_FORMAT " entries, head %s\n",
	    json_integer_value(json_object_get(rep, "entries")), jstr(rep, "head"));
	emit("signed with Ed25519 key sha256:%s\n", jstr(rep, "pubkey_sha256"));
	if (outp)
		emit("message: %s\nsignature: %s\nverify offline with:\n"
		    "  openssl pkeyutl -verify -pubin -inkey PUBKEY.pem -rawin -in %s -sigfile %s\n",
		    outp, sigpath, outp, sigpath);
out:
	free(sigpath);
	json_decref(rep);
	pxm_ledger_close(l);
	return rc;
}

static int
read_file(const char *path, unsigned char **out, size_t *len, size_t max)
{
	FILE *f = fopen(path, "re");
	unsigned char *b;
	size_t n;

	if (f == NULL)
		return -1;
	if ((b = malloc(max + 1)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(b, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		free(b);
		errno = EFBIG;
		return -1;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

static int
cmd_checkpoint_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pubkey", required_argument, NULL, 'k' },
		{ "message", required_argument, NULL, 'm' },
		{ "signature", required_argument, NULL, 's' },
		{ "no-ledger", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pub = NULL, *msgp = NULL, *sigp = NULL;
	unsigned char *msg = NULL, *sig = NULL;
	size_t ml = 0, sl = 0;
	struct pxm_ledger *l = NULL;
	struct pxm_ledger_walk w;
	struct pxm_error err;
	char lid[65], head[65], ts[64];
	uint64_t entries = 0;
	int c, no_ledger = 0, as_json = 0, rc = EX_USAGE, walked = 0, fd;
	const char *verdict = NULL;

	memset(&w, 0, sizeof w);
	while ((c = getopt_long(argc, argv, "k:m:s:nj", opts, NULL)) != -1) {
		switch (c) {
		case 'k': pub = optarg; break;
		case 'm': msgp = optarg; break;
		case 's': sigp = optarg; break;
		case 'n': no_ledger = 1; break;
		case 'j': as_json = 1; break;
		default: return usage(NULL);
		}
	}
	if (!pub || !msgp || !sigp || optind != argc)
		return usage("checkpoint-verify needs --pubkey, --message and --signature");
	if (read_file(msgp, &msg, &ml, 4096) != 0 || read_file(sigp, &sig, &sl, 256) != 0) {
		fprintf(stderr, "proximo audit: cannot read %s / %s: %s\n", msgp, sigp,
		    strerror(errno));
		goto out;
	}
	if (sscanf((const char *)msg, "proximo-ledger-checkpoint-v1\nledger %64s\nentries %"
	    SCNu64 "\nhead %64s\ntime %63s\n", lid, &entries, head, ts) != 4 ||
	    !pxm_ledger_looks_like_head(head)) {
		fprintf(stderr, "proximo audit: %s is not a proximo-ledger-checkpoint-v1 message\n",
		    msgp);
		goto out;
	}
	if (pxm_ledger_checkpoint_verify(&err, pub, msg, ml, sig, sl) != PXM_OK) {
		verdict = err.text;
		rc = err.code == PXM_E_DENIED ? EX_FAIL : EX_USAGE;
		goto report;
	}
	rc = EX_OK;
	verdict = "signature valid";
	if (!no_ledger) {
		/* Does the ledger here still hold that head at that position? */
		if (pxm_ledger_open_from_env_readonly(&l, &err) != PXM_OK) {
			rc = fail_err(&err);
			goto out;
		}
		if (pxm_ledger_walk_init(&w, l->keyed, l->key_loaded ? l->key : NULL,
		    l->keylen, l->key_loaded ? l->key_id : NULL) != PXM_OK)
			goto out;
		walked = 1;
		w.find_head = head;
		if ((fd = open(l->path, O_RDONLY | O_CLOEXEC)) >= 0) {
			pxm_ledger_walk_fd(&w, &err, fd, 0);
			close(fd);
		}
		if (entries == 0 ? w.failed : (w.find_at != entries || w.failed)) {
			rc = EX_FAIL;
			verdict = w.failed && w.find_at != entries ? w.reason :
			    "signature valid, but this ledger does not hold that head at that "
			    "position (truncated, rolled back or rewritten)";
		} else {
			verdict = "signature valid, and the ledger extends the checkpoint";
		}
	}
report:
	if (as_json) {
		json_t *j = json_pack("{s:b, s:I, s:s, s:s}", "ok", rc == EX_OK,
		    "entries", (json_int_t)entries, "head", head, "verdict", verdict);
		print_json(j);
		json_decref(j);
	} else
		emit("%s: checkpoint of %" PRIu64 " entries, head %s\n",
		    rc == EX_OK ? "OK" : "FAILED", entries, head);
	fprintf(stderr, "proximo audit: %s\n", verdict);
out:
	if (walked)
		pxm_ledger_walk_free(&w);
	pxm_ledger_close(l);
	free(msg);
	free(sig);
	return rc;
}

static int
cmd_pubkey(int argc, char **argv)
{
	struct pxm_ledger_config cfg;
	struct pxm_error err;
	char **st = NULL, *pubp = NULL, *pem = NULL;
	EVP_PKEY *k = NULL;
	size_t n;
	int rc = EX_USAGE;

	if (argc != 1)
		return usage("pubkey takes no arguments");
	if (pxm_ledger_config_from_env(&cfg, &st, &err) != PXM_OK) {
		rc = fail_err(&err);
		goto out;
	}
	if (cfg.checkpoint_key_path) {
		n = strlen(cfg.checkpoint_key_path) + 8;
		if ((pubp = malloc(n)) != NULL)
			snprintf(pubp, n, "%s.pub", cfg.checkpoint_key_path);
	} else {
		char *dir = strdup(cfg.path), *slash = dir ? strrchr(dir, '/') : NULL;
		if (slash)
			*slash = '\0';
		n = (dir ? strlen(dir) : 0) + 32;
		if (dir && (pubp = malloc(n)) != NULL)
			snprintf(pubp, n, "%s/audit-checkpoint.key.pub", slash ? dir : ".");
		free(dir);
	}
	if (pubp == NULL || pxm_ckpt_pub_load(&k, &err, pubp) != PXM_OK) {
		if (pubp)
			rc = fail_err(&err);
		goto out;
	}
	if (pxm_ckpt_pub_pem(&pem, k) == PXM_OK) {
		fputs(pem, stdout);
		rc = EX_OK;
	}
out:
	EVP_PKEY_free(k);
	free(pem);
	free(pubp);
	pxm_ledger_config_free_storage(st);
	return rc;
}

int
pxm_cli_audit(int argc, char **argv)
{
	struct pxm_error err;
	const char *sub;

	if (argc < 2)
		return usage("missing subcommand");
	sub = argv[1];
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
		fputs(usage_text, stdout);
		return EX_OK;
	}
	if (pxm_config_load_env_file(&err) != PXM_OK)
		return fail_err(&err);
	optind = 1;
	argc--;
	argv++;
	if (strcmp(sub, "verify") == 0)
		return cmd_verify(argc, argv);
	if (strcmp(sub, "log") == 0)
		return cmd_log(argc, argv);
	if (strcmp(sub, "head") == 0)
		return cmd_head(argc, argv);
	if (strcmp(sub, "checkpoint") == 0)
		return cmd_checkpoint(argc, argv);
	if (strcmp(sub, "checkpoint-verify") == 0)
		return cmd_checkpoint_verify(argc, argv);
	if (strcmp(sub, "pubkey") == 0)
		return cmd_pubkey(argc, argv);
	fprintf(stderr, "proximo audit: unknown subcommand '%s'\n", sub);
	return usage(NULL);
}
