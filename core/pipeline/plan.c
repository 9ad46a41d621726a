/**
 * @file plan.c
 * @brief Building, finalising and rendering plans.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "pipeline/plan.h"
#include "registry/registry.h"
#include "util/buf.h"
#include "util/secret.h"

static const char *const risk_names[] = { "none", "low", "medium", "high" };

const char *
pxm_risk_name(uint32_t risk)
{
	return risk <= PXM_RISK_HIGH ? risk_names[risk] : "high";
}

int
pxm_risk_parse(const char *name)
{
	int i;

	for (i = 0; name && i <= (int)PXM_RISK_HIGH; i++)
		if (strcmp(name, risk_names[i]) == 0)
			return i;
	return -1;
}

struct pxm_plan *
pxm_plan_new(const char *action)
{
	struct pxm_plan *p;

	if ((p = calloc(1, sizeof *p)) == NULL)
		return NULL;
	p->magic = PXM_PLAN_MAGIC;
	p->action = strdup(action);
	p->current = json_object();
	p->risk_reasons = json_array();
	p->blast = json_array();
	p->affected = json_array();
	p->notes = json_array();
	p->incomplete = json_array();
	p->complete = 1;
	if (!p->action || !p->current || !p->risk_reasons || !p->blast ||
	    !p->affected || !p->notes || !p->incomplete) {
		pxm_plan_free(p);
		return NULL;
	}
	return p;
}

void
pxm_plan_free(struct pxm_plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->action);
	free(p->target);
	free(p->change);
	json_decref(p->current);
	json_decref(p->risk_reasons);
	json_decref(p->blast);
	json_decref(p->affected);
	json_decref(p->notes);
	json_decref(p->incomplete);
	for (i = 0; i < p->neffects; i++) {
		free(p->effects[i].method);
		free(p->effects[i].path);
		json_decref(p->effects[i].params);
	}
	free(p->effects);
	json_decref(p->undo_target);
	json_decref(p->stash);
	json_decref(p->preview);
	p->magic = 0;
	free(p);
}

static char *
vformat(const char *fmt, va_list ap)
{
	struct pxm_buf b = PXM_BUF_INIT;
	char *s;

	if (pxm_buf_vprintf(&b, fmt, ap) != PXM_OK) {
		pxm_buf_free(&b);
		return NULL;
	}
	s = pxm_buf_steal(&b);
	return s;
}

/* Plans are written to the ledger and shown to the agent: scrub them. */
static char *
vformat_clean(const char *fmt, va_list ap)
{
	char *s = vformat(fmt, ap), *c;

	if (s == NULL)
		return NULL;
	c = pxm_secret_scrub(s);
	free(s);
	return c;
}

#define OPEN(p) ((p) != NULL && (p)->magic == PXM_PLAN_MAGIC && !(p)->sealed)

void
pxm_plan_set_target(struct pxm_plan *p, const char *fmt, ...)
{
	va_list ap;

	if (!OPEN(p))
		return;
	va_start(ap, fmt);
	free(p->target);
	p->target = vformat_clean(fmt, ap);
	va_end(ap);
}

void
pxm_plan_set_change(struct pxm_plan *p, const char *fmt, ...)
{
	va_list ap;

	if (!OPEN(p))
		return;
	va_start(ap, fmt);
	free(p->change);
	p->change = vformat_clean(fmt, ap);
	va_end(ap);
}

void
pxm_plan_set_current_new(struct pxm_plan *p, json_t *current)
{
	if (!OPEN(p) || !json_is_object(current)) {
		json_decref(current);
		return;
	}
	json_decref(p->current);
	p->current = current;
}

void
pxm_plan_raise_riskv(struct pxm_plan *p, uint32_t level, const char *fmt, va_list ap)
{
	char *why;

	if (!OPEN(p))
		return;
	if (level > PXM_RISK_HIGH)
		level = PXM_RISK_HIGH;
	/* Classifiers and plugins only ever raise. */
	if (!p->assessed || level > p->risk)
		p->risk = level;
	p->assessed = 1;
	if (fmt && (why = vformat_clean(fmt, ap)) != NULL) {
		if (*why)
			json_array_append_new(p->risk_reasons, json_string(why));
		free(why);
	}
}

void
pxm_plan_raise_risk(struct pxm_plan *p, uint32_t level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pxm_plan_raise_riskv(p, level, fmt, ap);
	va_end(ap);
}

static void
append_text(struct pxm_plan *p, json_t *arr, const char *fmt, va_list ap)
{
	char *s;

	if (!OPEN(p))
		return;
	if ((s = vformat_clean(fmt, ap)) != NULL)
		json_array_append_new(arr, json_string(s));
	free(s);
}

void
pxm_plan_add_blast(struct pxm_plan *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (OPEN(p))
		append_text(p, p->blast, fmt, ap);
	va_end(ap);
}

void
pxm_plan_add_note(struct pxm_plan *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (OPEN(p))
		append_text(p, p->notes, fmt, ap);
	va_end(ap);
}

void
pxm_plan_add_affected_new(struct pxm_plan *p, json_t *row)
{
	if (!OPEN(p) || !json_is_object(row)) {
		json_decref(row);
		return;
	}
	json_array_append_new(p->affected, row);
}

void
pxm_plan_set_incomplete(struct pxm_plan *p, const char *fmt, ...)
{
	va_list ap;

	if (!OPEN(p))
		return;
	p->complete = 0;
	va_start(ap, fmt);
	append_text(p, p->incomplete, fmt, ap);
	va_end(ap);
}

int
pxm_plan_add_effect(struct pxm_plan *p, struct pxm_endpoint *ep, const char *method,
    const char *path, const json_t *params)
{
	struct pxm_plan_effect *n, *e;

	if (!OPEN(p) || method == NULL || path == NULL)
		return PXM_E_STATE;
	if ((n = realloc(p->effects, (p->neffects + 1) * sizeof *n)) == NULL)
		return PXM_E_NOMEM;
	p->effects = n;
	e = &p->effects[p->neffects];
	e->method = strdup(method);
	e->path = strdup(path);
	e->params = params ? json_deep_copy(params) : json_object();
	e->endpoint = ep;
	if (!e->method || !e->path || !e->params) {
		free(e->method);
		free(e->path);
		json_decref(e->params);
		return PXM_E_NOMEM;
	}
	p->neffects++;
	return PXM_OK;
}

int
pxm_plan_declares(const struct pxm_plan *p, const char *method, const char *path)
{
	size_t i;

	for (i = 0; p && i < p->neffects; i++)
		if (strcmp(p->effects[i].method, method) == 0 &&
		    strcmp(p->effects[i].path, path) == 0)
			return 1;
	return 0;
}

void
pxm_plan_set_undo_target_new(struct pxm_plan *p, json_t *target)
{
	if (!OPEN(p) || !json_is_object(target)) {
		json_decref(target);
		return;
	}
	json_decref(p->undo_target);
	p->undo_target = target;
}

void
pxm_plan_stash_new(struct pxm_plan *p, json_t *state)
{
	if (!OPEN(p)) {
		json_decref(state);
		return;
	}
	json_decref(p->stash);
	p->stash = state;
}

void
pxm_plan_set_preview_new(struct pxm_plan *p, json_t *preview)
{
	if (!OPEN(p)) {
		json_decref(preview);
		return;
	}
	json_decref(p->preview);
	p->preview = preview;
}

const json_t *
pxm_plan_stash(const struct pxm_plan *p)
{
	return p ? p->stash : NULL;
}

const json_t *
pxm_plan_current(const struct pxm_plan *p)
{
	return p ? p->current : NULL;
}

/* Parameter names whose values are credentials (user passwords,
 * cloud-init passwords, storage keys and keyrings, subscription keys):
 * plans show them masked; the request still carries them. */
static int
secret_param(const char *name)
{
	static const char *const words[] = { "password", "passwd", "secret", "passphrase",
		"private", "keyring", NULL };
	char low[128];
	size_t i, n;

	for (n = 0; name[n] && n < sizeof low - 1; n++)
		low[n] = (char)tolower((unsigned char)name[n]);
	low[n] = '\0';
	for (i = 0; words[i]; i++)
		if (strstr(low, words[i]))
			return 1;
	return (n >= 3 && strcmp(low + n - 3, "key") == 0) ||
	    (n >= 4 && strcmp(low + n - 4, "keys") == 0) ||
	    (n >= 5 && strcmp(low + n - 5, "token") == 0);
}

static json_t *
effects_json(const struct pxm_plan *p)
{
	json_t *a = json_array(), *params, *v;
	const char *k;
	size_t i;

	for (i = 0; i < p->neffects; i++) {
		params = json_object();
		json_object_foreach(p->effects[i].params, k, v)
			json_object_set_new(params, k, secret_param(k) && !json_is_null(v) ?
			    json_string("<masked>") : json_incref(v));
		json_array_append_new(a, json_pack("{s:s, s:s, s:o}", "method",
		    p->effects[i].method, "path", p->effects[i].path, "params", params));
	}
	return a;
}

static void
hash_part(EVP_MD_CTX *md, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	if (s) {
		EVP_DigestUpdate(md, s, strlen(s));
		free(s);
	}
	EVP_DigestUpdate(md, "", 1);
}

void
pxm_plan_finalize(struct pxm_plan *p, const json_t *tool_args)
{
	unsigned char digest[32];
	unsigned int dlen = 0, i;
	json_t *a, *eff, *risk;
	EVP_MD_CTX *md;

	if (!OPEN(p))
		return;
	if (!p->assessed)
		pxm_plan_raise_risk(p, PXM_RISK_HIGH,
		    "no risk assessment was provided for this change (worst case assumed)");
	if (!p->complete) {
		size_t k;
		json_t *why;

		pxm_plan_raise_risk(p, PXM_RISK_HIGH,
		    "INCOMPLETE: a read behind this plan failed; its blast radius is not exhaustive");
		json_array_foreach(p->incomplete, k, why)
			json_array_append(p->blast, why);
		json_array_append_new(p->blast, json_string(
		    "⚠ INCOMPLETE: one or more reads behind this plan failed — do NOT treat this "
		    "list as exhaustive; absence of a resource here is not proof it is safe"));
		json_array_append_new(p->affected, json_pack("{s:s, s:s, s:s}", "resource", "?",
		    "effect", "enumeration incomplete — one or more reads could not be made",
		    "severity", "unknown"));
	}
	if (p->target == NULL)
		p->target = strdup(p->action);
	if (p->change == NULL)
		p->change = strdup(p->action);
	a = json_incref((json_t *)tool_args);
	eff = effects_json(p);
	risk = json_string(pxm_risk_name(p->risk));
	if ((md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1) {
		EVP_DigestUpdate(md, "proximo-plan-v1", 16);
		EVP_DigestUpdate(md, p->action, strlen(p->action) + 1);
		hash_part(md, a);
		hash_part(md, p->current);
		hash_part(md, eff);
		hash_part(md, p->affected);
		hash_part(md, risk);
		EVP_DigestFinal_ex(md, digest, &dlen);
	}
	EVP_MD_CTX_free(md);
	for (i = 0; i < dlen && i < 32; i++)
		snprintf(p->plan_id + 2 * i, 3, "%02x", digest[i]);
	json_decref(a);
	json_decref(eff);
	json_decref(risk);
	p->sealed = 1;
}

static json_t *
note_text(const struct pxm_plan *p)
{
	struct pxm_buf b = PXM_BUF_INIT;
	json_t *n, *s;
	size_t i;

	json_array_foreach(p->notes, i, n)
		pxm_buf_printf(&b, "%s ", json_string_value(n));
	pxm_buf_puts(&b, PXM_PLAN_HEURISTIC_NOTE);
	s = json_string(b.data);
	pxm_buf_free(&b);
	return s;
}

json_t *
pxm_plan_to_json(const struct pxm_plan *p)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:O, s:O, s:s, s:O, s:s, s:o, s:O, s:b, s:s}",
	    "action", p->action, "target", p->target ? p->target : p->action,
	    "change", p->change ? p->change : p->action, "current", p->current,
	    "blast_radius", p->blast, "risk", pxm_risk_name(p->risk),
	    "risk_reasons", p->risk_reasons,
	    "to_proceed", "re-call with confirm=true and this plan_id",
	    "note", note_text(p), "affected", p->affected, "complete", p->complete,
	    "plan_id", p->plan_id);
	if (o && p->neffects)
		json_object_set_new(o, "effects", effects_json(p));
	/* The reference's name: what the operator reviews, never recorded. */
	if (o && p->preview)
		json_object_set(o, "operator_cleartext", p->preview);
	return o;
}

json_t *
pxm_plan_ledger_detail(const struct pxm_plan *p)
{
	return json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:b, s:s}",
	    "change", p->change ? p->change : p->action, "risk", pxm_risk_name(p->risk),
	    "risk_reasons", p->risk_reasons, "blast_radius", p->blast,
	    "current", p->current, "affected", p->affected, "complete", p->complete,
	    "plan_id", p->plan_id);
}
