/**
 * @file report.c
 * @brief What audit_verify and audit_entries return (and the CLI prints).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ledger/internal.h"
#include "util/error.h"

const char pxm_ledger_verify_schema[] =
    "{\"type\":\"object\",\"properties\":{\"expected_head\":{\"type\":[\"string\",\"null\"],"
    "\"maxLength\":128,\"description\":\"Pin: the 64-hex head you recorded off-box earlier. "
    "Without a pin (here, PROXIMO_AUDIT_EXPECTED_HEAD or an anchor) a truncated tail "
    "cannot be detected.\"}},\"additionalProperties\":false}";

const char pxm_ledger_entries_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000,\"default\":20,"
    "\"description\":\"Newest entries to return.\"},"
    "\"target\":{\"type\":\"string\",\"maxLength\":1024,\"description\":\"Exact target label.\"},"
    "\"action\":{\"type\":\"string\",\"maxLength\":256,\"description\":\"Exact action (tool name).\"},"
    "\"outcome\":{\"type\":\"string\",\"maxLength\":256,\"description\":\"Exact outcome (ok, error, blocked:allowlist ...).\"},"
    "\"principal\":{\"type\":\"string\",\"maxLength\":512,\"description\":\"Exact principal id.\"},"
    "\"mutations_only\":{\"type\":\"boolean\",\"default\":false}},"
    "\"additionalProperties\":false}";

static const char unpinned_hint[] =
    "not pinned against tail attacks: set PROXIMO_AUDIT_ANCHOR_SINK=file + "
    "PROXIMO_AUDIT_ANCHOR_FILE_PATH to auto-pin the head off-box (see docs/LEDGER.md), "
    "or pin by hand via PROXIMO_AUDIT_EXPECTED_HEAD / expected_head=. A forward walk "
    "proves the chain is a consistent prefix; it cannot see the last entries cut off.";

/* strip().lower(); "" when blank.  PXM_E_INVAL when not a head. */
static int
normalize_head(char *out, struct pxm_error *err, const char *in)
{
	char tmp[130];
	size_t n, i;

	out[0] = '\0';
	if (in == NULL)
		return PXM_OK;
	while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')
		in++;
	n = strlen(in);
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t' || in[n - 1] == '\n' ||
	    in[n - 1] == '\r'))
		n--;
	if (n == 0)
		return PXM_OK;
	if (n >= sizeof tmp)
		goto bad;
	for (i = 0; i < n; i++)
		tmp[i] = (char)(in[i] >= 'A' && in[i] <= 'F' ? in[i] - 'A' + 'a' : in[i]);
	tmp[n] = '\0';
	if (!pxm_ledger_looks_like_head(tmp))
		goto bad;
	memcpy(out, tmp, 65);
	return PXM_OK;
bad:
	return pxm_error_set(err, PXM_E_INVAL, "expected_head",
	    "invalid expected_head: %zu characters given (must be a 64-char hex head() "
	    "value, as printed by `proximo audit verify`); this is a caller error, not "
	    "a tamper alarm", n);
}

static int
archives_exist(const char *path)
{
	char pat[4096];
	glob_t g;
	int found = 0;

	snprintf(pat, sizeof pat, "%s.unkeyed-*", path);
	if (glob(pat, 0, NULL, &g) == 0)
		found = 1;
	globfree(&g);
	snprintf(pat, sizeof pat, "%s.keyed-*", path);
	if (!found && glob(pat, 0, NULL, &g) == 0)
		found = 1;
	if (!found)
		return 0;
	globfree(&g);
	return 1;
}

int
pxm_ledger_verify_report(json_t **out, struct pxm_error *err, struct pxm_ledger *l,
    const char *expected_head)
{
	struct pxm_ledger_walk w;
	char expected[65], text[512];
	const char *reason = NULL;
	json_t *o = NULL, *ck = NULL;
	int fd = -1, ok, pinned, anchor_bad = 0, head_bad = 0, r;

	*out = NULL;
	if ((r = normalize_head(expected, err, expected_head)) != PXM_OK)
		return r;
	if (!expected[0] && l->expected_head[0])
		memcpy(expected, l->expected_head, 65);
	if ((r = pxm_ledger_walk_init(&w, l->keyed, l->key_loaded ? l->key : NULL,
	    l->keylen, l->key_loaded ? l->key_id : NULL)) != PXM_OK)
		return pxm_error_set(err, r, "ledger_internal", "cannot set up the verifier");
	if (l->ck_pub) {
		w.ck_pub = l->ck_pub;
		pxm_ckpt_pub_sha256(w.ck_pub_sha, l->ck_pub);
	}
	if (l->pin.have)
		w.pin_head = l->pin.head;
	if (expected[0])
		w.find_head = expected;
	if ((fd = open(l->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 && errno != ENOENT) {
		r = pxm_error_set(err, PXM_E_CONFIG, "ledger_path",
		    "cannot read the ledger %s: %s", l->path, strerror(errno));
		goto out;
	}
	if (fd >= 0) {
		/* A shared lock: appenders write whole lines under LOCK_EX. */
		while (flock(fd, LOCK_SH) != 0 && errno == EINTR)
			;
		r = pxm_ledger_walk_fd(&w, err, fd, 0);
		flock(fd, LOCK_UN);
		if (r != PXM_OK)
			goto out;
	}
	ok = !w.failed;
	reason = w.failed ? w.reason : NULL;
	if (ok && expected[0] && CRYPTO_memcmp(expected, w.head, 64) != 0) {
		ok = 0;
		head_bad = 1;
		reason = "head mismatch (tail truncated/appended or file replaced)";
	}
	if (ok && l->pin.have &&
	    (w.pin_at == 0 || (l->pin.entries && l->pin.entries != w.pin_at))) {
		ok = 0;
		anchor_bad = 1;
		reason = "anchor mismatch (the ledger does not extend the off-box pinned head)";
	}
	pinned = expected[0] || l->pin.have;
	o = json_object();
	json_object_set_new(o, "ok", json_boolean(ok));
	json_object_set_new(o, "entries", json_integer((json_int_t)w.entries));
	json_object_set_new(o, "broken_at_line",
	    w.failed ? json_integer((json_int_t)w.bad_line) : json_null());
	json_object_set_new(o, "reason", reason ? json_string(reason) : json_null());
	json_object_set_new(o, "head", json_string(w.head));
	json_object_set_new(o, "expected_head", expected[0] ? json_string(expected) : json_null());
	json_object_set_new(o, "keyed", json_boolean(l->keyed));
	json_object_set_new(o, "hint", pinned ? json_null() : json_string(unpinned_hint));
	json_object_set_new(o, "tail_covered", json_boolean(pinned));
	if (head_bad && w.find_at) {
		snprintf(text, sizeof text, "the expected head is entry %" PRIu64 " of %"
		    PRIu64 ": the ledger grew by %" PRIu64 " entries after it was pinned "
		    "(every recorded call advances the head); if that growth is expected, "
		    "re-pin to the current head", w.find_at, w.entries, w.entries - w.find_at);
		json_object_set_new(o, "expected_head_at_entry", json_integer((json_int_t)w.find_at));
		json_object_set_new(o, "pin_hint", json_string(text));
	}
	json_object_set_new(o, "rotation_hint",
	    head_bad && archives_exist(l->path) ? json_string(
	    "an archived ledger (audit.log.unkeyed-* / .keyed-*) exists beside this one: "
	    "a keyed/unkeyed migration rotates the head; the new file's first entry "
	    "(audit_rotate) names the archived chain's head") : json_null());
	json_object_set_new(o, "anchor_sink", json_string(l->anchor_kind == ANCHOR_FILE ?
	    "file" : l->anchor_kind == ANCHOR_SYSLOG ? "syslog" : "none"));
	if (anchor_bad) {
		if (l->pin.entries && w.entries < l->pin.entries)
			snprintf(text, sizeof text, "the anchor pinned %" PRIu64 " entries, the "
			    "ledger has %" PRIu64 ": TRUNCATION or WIPE signal", l->pin.entries,
			    w.entries);
		else if (l->pin.entries && w.entries == l->pin.entries)
			snprintf(text, sizeof text, "same entry count (%" PRIu64 ") as the "
			    "anchor but a different head: the tail was rewritten", w.entries);
		else
			snprintf(text, sizeof text, "the pinned head %.16s… (entry %" PRIu64
			    ") is not in this chain: history rewritten, forked or replaced",
			    l->pin.head, l->pin.entries);
		json_object_set_new(o, "anchor_hint", json_string(text));
	} else {
		json_object_set_new(o, "anchor_hint", json_null());
	}
	if (ok && !l->readonly && l->anchor_kind != ANCHOR_NONE &&
	    strcmp(w.head, l->pin.head) != 0) {
		/* Advance the pin (compare-and-swap) only after a clean walk. */
		pthread_mutex_lock(&l->mu);
		if (l->w.entries == w.entries && strcmp(l->w.head, w.head) == 0)
			pxm_ledger_publish_anchor(l);
		pthread_mutex_unlock(&l->mu);
	} else if (ok && l->readonly && l->anchor_kind == ANCHOR_SYSLOG) {
		struct pxm_anchor_pin pin;
		struct pxm_error e2;

		memset(&pin, 0, sizeof pin);
		pin.have = 1;
		memcpy(pin.head, w.head, 65);
		pin.entries = w.entries;
		pxm_ledger_ts(pin.ts, sizeof pin.ts);
		if (pxm_anchor_syslog_send(&e2, l->anchor_syslog, &pin, l->node, l->path) == PXM_OK)
			snprintf(l->anchor_last_export, sizeof l->anchor_last_export, "%s", pin.ts);
	}
	json_object_set_new(o, "anchor_last_export", l->anchor_last_export[0] ?
	    json_string(l->anchor_last_export) : json_null());
	ck = json_pack("{s:I, s:I, s:I, s:I, s:s?}", "count", (json_int_t)w.checkpoints,
	    "signatures_verified", (json_int_t)w.ck_verified,
	    "signed_by_other_key", (json_int_t)w.ck_other_key,
	    "last_entries", (json_int_t)w.last_ck_entries,
	    "last_time", w.last_ck_time[0] ? w.last_ck_time : NULL);
	if (ck && w.checkpoints && !l->ck_pub)
		json_object_set_new(ck, "note", json_string("no checkpoint public key "
		    "here: signatures were not checked"));
	json_object_set_new(o, "checkpoints", ck);
	json_object_set_new(o, "repairs", json_integer((json_int_t)w.repairs));
	if (l->repair_note[0])
		json_object_set_new(o, "repair_note", json_string(l->repair_note));
	if (l->poisoned)
		json_object_set_new(o, "poisoned", json_string(l->poison));
	json_object_set_new(o, "ledger_path", json_string(l->path));
	if (ok)
		snprintf(text, sizeof text, "chain intact: %" PRIu64 " entries, head %.16s…; %s",
		    w.entries, w.head, pinned ? "the head matches its pin" :
		    "consistent prefix, tail unverifiable (no pin)");
	else if (w.failed)
		snprintf(text, sizeof text, "FAILED at line %" PRIu64 ": %s", w.bad_line, reason);
	else
		snprintf(text, sizeof text, "FAILED: %s", reason);
	json_object_set_new(o, "summary", json_string(text));
	*out = o;
	o = NULL;
	r = PXM_OK;
out:
	if (fd >= 0)
		close(fd);
	json_decref(o);
	pxm_ledger_walk_free(&w);
	return r;
}

/* ---------------------------------------------------------------- entries */

static int
get_filter(const char **out, struct pxm_error *err, const json_t *f, const char *name)
{
	json_t *v = json_object_get(f, name);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return PXM_OK;
	if (!json_is_string(v))
		return pxm_error_set(err, PXM_E_INVAL, "invalid_argument",
		    "%s must be a string (an exact match)", name);
	*out = json_string_value(v);
	return PXM_OK;
}

static int
str_is(const json_t *e, const char *key, const char *want)
{
	json_t *v = json_object_get(e, key);

	return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

int
pxm_ledger_entries_report(json_t **out, struct pxm_error *err, struct pxm_ledger *l,
    const json_t *filters)
{
	const char *target, *action, *outcome, *principal, *key;
	json_t *lim, *mo, **ring = NULL, *pending = NULL, *o = NULL, *arr, *e, *d, *p, *v;
	uint64_t total = 0, matched = 0, bad = 0, limit = 20, i;
	int mut_only = 0, fd = -1, r, no_principal = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f = NULL;

	*out = NULL;
	if (filters != NULL && !json_is_object(filters))
		return pxm_error_set(err, PXM_E_INVAL, "invalid_argument",
		    "filters must be an object");
	json_object_foreach((json_t *)filters, key, v)
		if (strcmp(key, "limit") && strcmp(key, "target") && strcmp(key, "action") &&
		    strcmp(key, "outcome") && strcmp(key, "principal") &&
		    strcmp(key, "mutations_only"))
			return pxm_error_set(err, PXM_E_INVAL, "invalid_argument",
			    "unknown filter '%s'; accepted: limit, target, action, outcome, "
			    "principal, mutations_only", key);
	if ((lim = json_object_get(filters, "limit")) != NULL && !json_is_null(lim)) {
		if (!json_is_integer(lim) || json_integer_value(lim) < 1 ||
		    json_integer_value(lim) > 1000)
			return pxm_error_set(err, PXM_E_INVAL, "invalid_argument",
			    "limit must be a whole number from 1 to 1000");
		limit = (uint64_t)json_integer_value(lim);
	}
	if ((mo = json_object_get(filters, "mutations_only")) != NULL && !json_is_null(mo)) {
		if (!json_is_boolean(mo))
			return pxm_error_set(err, PXM_E_INVAL, "invalid_argument",
			    "mutations_only must be true or false");
		mut_only = json_is_true(mo);
	}
	if ((r = get_filter(&target, err, filters, "target")) != PXM_OK ||
	    (r = get_filter(&action, err, filters, "action")) != PXM_OK ||
	    (r = get_filter(&outcome, err, filters, "outcome")) != PXM_OK ||
	    (r = get_filter(&principal, err, filters, "principal")) != PXM_OK)
		return r;
	if ((ring = calloc(limit, sizeof *ring)) == NULL || (pending = json_object()) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	if ((fd = open(l->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		while (flock(fd, LOCK_SH) != 0 && errno == EINTR)
			;
		if ((f = fdopen(fd, "r")) == NULL) {
			r = PXM_E_NOMEM;
			goto out;
		}
	} else if (errno != ENOENT) {
		r = pxm_error_set(err, PXM_E_CONFIG, "ledger_path",
		    "cannot read the ledger %s: %s", l->path, strerror(errno));
		goto out;
	}
	while (f && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			n--;
		if ((e = json_loadb(line, (size_t)n, 0, NULL)) == NULL || !json_is_object(e)) {
			json_decref(e);
			bad++;
			continue;
		}
		total++;
		/* Intent pairing (reference 3.6): executing waits for a terminal
		 * entry with the same detail.intent. */
		d = json_object_get(e, "detail");
		v = json_object_get(d, "intent");
		if (json_is_string(v)) {
			if (str_is(e, "outcome", "executing"))
				json_object_set(pending, json_string_value(v), e);
			else if (!str_is(e, "outcome", "planned"))
				json_object_del(pending, json_string_value(v));
		}
		if ((target && !str_is(e, "target", target)) ||
		    (action && !str_is(e, "action", action)) ||
		    (outcome && !str_is(e, "outcome", outcome)) ||
		    (mut_only && !json_is_true(json_object_get(e, "mutation"))) ||
		    (principal && !str_is(json_object_get(e, "principal"), "id", principal))) {
			json_decref(e);
			continue;
		}
		if (json_object_get(e, "principal") == NULL) {
			json_object_set_new(e, "principal", json_null());
			no_principal = 1;
		}
		json_decref(ring[matched % limit]);
		ring[matched % limit] = e;
		matched++;
	}
	o = json_object();
	arr = json_array();
	for (i = 0; i < limit && i < matched; i++)
		json_array_append(arr, ring[(matched - 1 - i) % limit]);
	json_object_set_new(o, "matched", json_integer((json_int_t)matched));
	json_object_set_new(o, "total", json_integer((json_int_t)total));
	json_object_set_new(o, "truncated", json_boolean(matched > limit));
	json_object_set_new(o, "entries", arr);
	arr = json_array();
	json_object_foreach(pending, key, p)
		json_array_append(arr, p);
	json_object_set_new(o, "in_flight", arr);
	if (json_array_size(arr))
		json_object_set_new(o, "in_flight_note", json_string("executing entries "
		    "without a terminal partner: the process stopped mid-mutation; check "
		    "the target's real state"));
	if (no_principal)
		json_object_set_new(o, "principal_note", json_string("principal: null means "
		    "the entry was recorded without PROXIMO_PRINCIPAL (no who-asked)"));
	if (bad)
		json_object_set_new(o, "unparseable_lines", json_integer((json_int_t)bad));
	json_object_set_new(o, "note", json_string("entries are listed, not verified: "
	    "run audit_verify for the chain"));
	*out = o;
	r = PXM_OK;
out:
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	free(line);
	if (ring)
		for (i = 0; i < limit; i++)
			json_decref(ring[i]);
	free(ring);
	json_decref(pending);
	return r;
}
