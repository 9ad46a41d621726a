/**
 * @file registry.c
 * @brief The tool registry.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"
#include "registry/schema.h"
#include "util/buf.h"
#include "util/error.h"

struct pxm_registry {
	struct pxm_tool_def		**tools;
	size_t				ntools, captools;
	size_t				*index;		/* open addressing: tool position + 1 */
	size_t				capindex;
	struct pxm_classifier_def	*classifiers;
	size_t				nclassifiers;
	struct pxm_provider_def		*providers;
	size_t				nproviders;
};

static uint64_t
hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static int
reindex(struct pxm_registry *reg)
{
	size_t cap = 64, i, j;

	while (cap < reg->ntools * 2 + 2)
		cap *= 2;
	free(reg->index);
	if ((reg->index = calloc(cap, sizeof *reg->index)) == NULL)
		return PXM_E_NOMEM;
	reg->capindex = cap;
	for (i = 0; i < reg->ntools; i++) {
		j = hash_name(reg->tools[i]->name) & (cap - 1);
		while (reg->index[j])
			j = (j + 1) & (cap - 1);
		reg->index[j] = i + 1;
	}
	return PXM_OK;
}

int
pxm_registry_new(struct pxm_registry **out)
{
	struct pxm_registry *reg;

	*out = NULL;
	if ((reg = calloc(1, sizeof *reg)) == NULL)
		return PXM_E_NOMEM;
	if (reindex(reg) != PXM_OK) {
		free(reg);
		return PXM_E_NOMEM;
	}
	*out = reg;
	return PXM_OK;
}

static void
tool_def_free(struct pxm_tool_def *d)
{
	if (d == NULL)
		return;
	free(d->name);
	free(d->title);
	free(d->description);
	free(d->privileges);
	free(d->surface);
	json_decref(d->served_schema);
	json_decref(d->output_schema);
	free(d->listing);
	free(d->method);
	free(d->path);
	free(d->target_tmpl);
	free(d->change_tmpl);
	json_decref(d->token_missing);
	free(d);
}

void
pxm_registry_free(struct pxm_registry *reg)
{
	size_t i;

	if (reg == NULL)
		return;
	for (i = 0; i < reg->ntools; i++)
		tool_def_free(reg->tools[i]);
	for (i = 0; i < reg->nclassifiers; i++) {
		free(reg->classifiers[i].name);
		free(reg->classifiers[i].method);
		free(reg->classifiers[i].path);
	}
	free(reg->classifiers);
	free(reg->providers);
	free(reg->tools);
	free(reg->index);
	free(reg);
}

const struct pxm_tool_def *
pxm_registry_find(const struct pxm_registry *reg, const char *name)
{
	size_t j;

	if (name == NULL)
		return NULL;
	j = hash_name(name) & (reg->capindex - 1);
	while (reg->index[j]) {
		const struct pxm_tool_def *d = reg->tools[reg->index[j] - 1];
		if (strcmp(d->name, name) == 0)
			return d;
		j = (j + 1) & (reg->capindex - 1);
	}
	return NULL;
}

size_t
pxm_registry_count(const struct pxm_registry *reg)
{
	return reg->ntools;
}

const struct pxm_tool_def *
pxm_registry_at(const struct pxm_registry *reg, size_t i)
{
	return i < reg->ntools ? reg->tools[i] : NULL;
}

/* ------------------------------------------------------------ registration */

static int
valid_tool_name(const char *n)
{
	size_t i;

	if (n == NULL || !islower((unsigned char)n[0]))
		return 0;
	for (i = 0; n[i]; i++)
		if (!(islower((unsigned char)n[i]) || isdigit((unsigned char)n[i]) || n[i] == '_'))
			return 0;
	return i <= 64;
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int
parse_schema(json_t **out, struct pxm_error *err, const char *text,
    const char *tool, const char *which)
{
	json_error_t jerr;
	char what[160];

	*out = NULL;
	snprintf(what, sizeof what, "tool '%s' %s schema", tool, which);
	if (text == NULL)
		return pxm_error_set(err, PXM_E_INVAL, "registration", "%s is missing", what);
	if ((*out = json_loads(text, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "%s is not valid JSON: %s (line %d, column %d)", what, jerr.text,
		    jerr.line, jerr.column);
	if (pxm_schema_check(err, *out, what) != PXM_OK) {
		json_decref(*out);
		*out = NULL;
		return err->code;
	}
	return PXM_OK;
}

/* The core's own arguments on every mutation: confirm and plan_id always,
 * wait/wait_timeout on async tools, snapshot on undoable ones.  Read tools
 * keep every name (PVE reads have a "snapshot" parameter of their own). */
static int
add_core_arguments(struct pxm_tool_def *d, struct pxm_error *err)
{
	json_t *props = json_object_get(d->served_schema, "properties");
	const char *reserved[5];
	size_t i, n = 0;

	if (d->kind == PXM_KIND_READ)
		return PXM_OK;
	if (props == NULL) {
		props = json_object();
		json_object_set_new(d->served_schema, "properties", props);
	}
	reserved[n++] = PXM_ARG_CONFIRM;
	reserved[n++] = PXM_ARG_PLAN_ID;
	if (d->flags & PXM_TOOL_ASYNC) {
		reserved[n++] = PXM_ARG_WAIT;
		reserved[n++] = PXM_ARG_WAIT_TIMEOUT;
	}
	if (d->flags & PXM_TOOL_UNDO)
		reserved[n++] = PXM_ARG_SNAPSHOT;
	for (i = 0; i < n; i++)
		if (json_object_get(props, reserved[i]))
			return pxm_error_set(err, PXM_E_INVAL, "registration",
			    "tool '%s' declares '%s', an argument the core reserves for "
			    "the plan/confirm pipeline", d->name, reserved[i]);
	json_object_set_new(props, PXM_ARG_CONFIRM, json_pack("{s:s, s:b, s:s}",
	    "type", "boolean", "default", 0, "description",
	    "false (default): dry run, returns the plan (with its plan_id) and records it. "
	    "true: execute the change the plan described; requires plan_id."));
	json_object_set_new(props, PXM_ARG_PLAN_ID, json_pack("{s:s, s:s, s:s}",
	    "type", "string", "pattern", "^[0-9a-f]{64}$", "description",
	    "The plan_id returned by the dry run. The call is refused if the live state "
	    "changed since (plan drift) or the plan expired."));
	if (d->flags & PXM_TOOL_ASYNC) {
		json_object_set_new(props, PXM_ARG_WAIT, json_pack("{s:s, s:b, s:s}",
		    "type", "boolean", "default", 0, "description",
		    "Wait for the Proxmox task to finish, with progress notifications."));
		json_object_set_new(props, PXM_ARG_WAIT_TIMEOUT, json_pack("{s:s, s:i, s:i, s:i, s:s}",
		    "type", "integer", "minimum", 1, "maximum", 3600, "default", 600,
		    "description", "Seconds to wait when wait is true."));
	}
	if (d->flags & PXM_TOOL_UNDO)
		json_object_set_new(props, PXM_ARG_SNAPSHOT, json_pack("{s:s, s:b, s:s}",
		    "type", "boolean", "default", 0, "description",
		    "Take a restore point first and wait for it; if it cannot be made, "
		    "nothing runs."));
	return PXM_OK;
}

static int
build_listing(struct pxm_tool_def *d)
{
	json_t *t, *ann;

	ann = json_object();
	if (d->title)
		json_object_set_new(ann, "title", json_string(d->title));
	if (d->kind == PXM_KIND_READ) {
		json_object_set_new(ann, "readOnlyHint", json_true());
	} else {
		json_object_set_new(ann, "readOnlyHint", json_false());
		json_object_set_new(ann, "destructiveHint",
		    json_boolean(!(d->flags & PXM_TOOL_ADDITIVE)));
		json_object_set_new(ann, "idempotentHint",
		    json_boolean(d->flags & PXM_TOOL_IDEMPOTENT));
	}
	json_object_set_new(ann, "openWorldHint", json_boolean(!(d->flags & PXM_TOOL_CLOSED_WORLD)));
	t = json_pack("{s:s, s:s, s:O, s:o}", "name", d->name,
	    "description", d->description, "inputSchema", d->served_schema,
	    "annotations", ann);
	if (t == NULL)
		return PXM_E_NOMEM;
	if (d->token_missing) {
		/* The configured token cannot use it: say so where agents look. */
		char *list = NULL, *desc = NULL;
		size_t i, len = 1;
		json_t *v;

		json_array_foreach(d->token_missing, i, v)
			len += strlen(json_string_value(v) ? json_string_value(v) : "") + 4;
		if ((list = calloc(1, len)) != NULL)
			json_array_foreach(d->token_missing, i, v) {
				if (i)
					strcat(list, " or ");
				strcat(list, json_string_value(v) ? json_string_value(v) : "");
			}
		if (list && asprintf(&desc, "%s [TOKEN CANNOT USE: the configured API token lacks %s; "
		    "`proximo doctor` shows the grant]", d->description, list) > 0)
			json_object_set_new(t, "description", json_string(desc));
		free(desc);
		free(list);
		json_object_set_new(t, "_meta", json_pack("{s:{s:b, s:O}}", "proximo/token",
		    "usable", 0, "missing", d->token_missing));
	}
	if (d->title)
		json_object_set_new(t, "title", json_string(d->title));
	if (d->output_schema)
		json_object_set(t, "outputSchema", d->output_schema);
	d->listing = json_dumps(t, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(t);
	if (d->listing == NULL)
		return PXM_E_NOMEM;
	d->listing_len = strlen(d->listing);
	return PXM_OK;
}

int
pxm_registry_mark_token(struct pxm_registry *reg, const char *name, const json_t *missing)
{
	struct pxm_tool_def *d = (struct pxm_tool_def *)pxm_registry_find(reg, name);

	if (d == NULL)
		return PXM_E_NOTFOUND;
	json_decref(d->token_missing);
	d->token_missing = missing ? json_deep_copy(missing) : NULL;
	free(d->listing);
	d->listing = NULL;	/* rebuilt by the next tools/list */
	return PXM_OK;
}

/* Built on first use, not at registration: start-up only registers, and
 * the first tools/list pays for the serialisation once. */
const char *
pxm_registry_listing(const struct pxm_tool_def *def, size_t *len)
{
	struct pxm_tool_def *d = (struct pxm_tool_def *)def;

	if (d->listing == NULL && build_listing(d) != PXM_OK) {
		*len = 0;
		return NULL;
	}
	*len = d->listing_len;
	return d->listing;
}

static int
check_description(struct pxm_error *err, const char *name, uint32_t kind, const char *desc)
{
	const char *want = kind == PXM_KIND_READ ? "READ-ONLY" : "MUTATION";

	if (desc == NULL || *desc == '\0')
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "tool '%s' has no description", name);
	if (strncmp(desc, want, strlen(want)) != 0)
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "tool '%s': the description must start with %s (its kind is %s)",
		    name, want, kind == PXM_KIND_READ ? "read" : kind == PXM_KIND_EXEC ? "exec" : "mutate");
	return PXM_OK;
}

/* Common part of both registrations: name, kind, schemas, listing, insert. */
static int
finish_and_insert(struct pxm_registry *reg, struct pxm_error *err,
    struct pxm_tool_def *d, const char *input_text, const char *output_text)
{
	struct pxm_tool_def **n;
	json_t *addl;
	int r;

	if (!valid_tool_name(d->name))
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "tool name '%s' is not valid: lowercase letters, digits and '_', "
		    "starting with a letter, at most 64 characters", d->name ? d->name : "(null)");
	if (pxm_registry_find(reg, d->name))
		return pxm_error_set(err, PXM_E_EXISTS, "registration",
		    "tool '%s' is already registered", d->name);
	if (d->kind > PXM_KIND_EXEC)
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "tool '%s' has unknown kind %u", d->name, (unsigned)d->kind);
	if ((r = check_description(err, d->name, d->kind, d->description)) != PXM_OK)
		return r;
	if ((r = parse_schema(&d->served_schema, err, input_text, d->name, "input")) != PXM_OK)
		return r;
	addl = json_object_get(d->served_schema, "additionalProperties");
	if (!json_is_false(addl))
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "tool '%s' input schema must set \"additionalProperties\": false "
		    "(unknown arguments are refused)", d->name);
	if (output_text && (r = parse_schema(&d->output_schema, err, output_text,
	    d->name, "output")) != PXM_OK)
		return r;
	/* Read tools are served as declared; mutations gain the core's own
	 * arguments (the tree is ours, parsed from the plugin's text). */
	if ((r = add_core_arguments(d, err)) != PXM_OK)
		return r;
	if (reg->ntools == reg->captools) {
		size_t cap = reg->captools ? reg->captools * 2 : 64;
		if ((n = realloc(reg->tools, cap * sizeof *n)) == NULL)
			return PXM_E_NOMEM;
		reg->tools = n;
		reg->captools = cap;
	}
	reg->tools[reg->ntools++] = d;
	if (reg->ntools * 2 + 2 > reg->capindex)
		return reindex(reg);
	/* Room left: index just the new tool. */
	{
		size_t j = hash_name(d->name) & (reg->capindex - 1);

		while (reg->index[j])
			j = (j + 1) & (reg->capindex - 1);
		reg->index[j] = reg->ntools;
	}
	return PXM_OK;
}

int
pxm_registry_add_tool(struct pxm_registry *reg, struct pxm_error *err,
    struct pxm_plugin *owner, const char *surface, const struct pxm_tool *in)
{
	struct pxm_tool t;
	struct pxm_tool_def *d = NULL;
	int r = PXM_E_INTERNAL;

	if (in == NULL || in->size < offsetof(struct pxm_tool, payload) + sizeof in->payload)
		return pxm_error_set(err, PXM_E_ABI, "registration",
		    "struct pxm_tool is too small (size %u, expected at least %zu)",
		    in ? (unsigned)in->size : 0u,
		    offsetof(struct pxm_tool, payload) + sizeof in->payload);
	/* Fields beyond the plugin's size read as zero. */
	memset(&t, 0, sizeof t);
	memcpy(&t, in, in->size < sizeof t ? in->size : sizeof t);
	if (t.kind == PXM_KIND_READ && (t.read == NULL || t.plan || t.execute))
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "read tool '%s' needs a read handler and no plan/execute", t.name ? t.name : "?");
	if (t.kind != PXM_KIND_READ && (t.plan == NULL || t.execute == NULL || t.read))
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "mutation '%s' needs plan and execute handlers (and no read handler): "
		    "every mutation is planned first", t.name ? t.name : "?");
	if ((d = calloc(1, sizeof *d)) == NULL)
		return PXM_E_NOMEM;
	d->name = dup_or_null(t.name);
	d->title = dup_or_null(t.title);
	d->description = dup_or_null(t.description);
	d->privileges = dup_or_null(t.privileges);
	d->surface = dup_or_null(surface);
	d->kind = t.kind;
	d->flags = t.flags;
	d->read = t.read;
	d->plan = t.plan;
	d->execute = t.execute;
	d->gate = t.gate;
	d->payload = t.payload;
	d->owner = owner;
	if ((t.name && !d->name) || (t.description && !d->description) || !d->surface) {
		r = PXM_E_NOMEM;
		goto out;
	}
	r = finish_and_insert(reg, err, d, t.input_schema, t.output_schema);
out:
	if (r != PXM_OK)
		tool_def_free(d);
	return r;
}

static int
valid_method(const char *m)
{
	return m && (strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0 ||
	    strcmp(m, "PUT") == 0 || strcmp(m, "DELETE") == 0);
}

int
pxm_registry_add_api_tool(struct pxm_registry *reg, struct pxm_error *err,
    struct pxm_plugin *owner, const char *surface, struct pxm_endpoint *ep,
    const struct pxm_api_tool *in)
{
	struct pxm_api_tool t;
	struct pxm_tool_def *d = NULL;
	int r = PXM_E_INTERNAL;

	if (in == NULL || in->size < offsetof(struct pxm_api_tool, payload) + sizeof in->payload)
		return pxm_error_set(err, PXM_E_ABI, "registration",
		    "struct pxm_api_tool is too small (size %u)", in ? (unsigned)in->size : 0u);
	memset(&t, 0, sizeof t);
	memcpy(&t, in, in->size < sizeof t ? in->size : sizeof t);
	if (!valid_method(t.method) || t.path == NULL || t.path[0] != '/')
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "API tool '%s' needs a method (GET, POST, PUT, DELETE) and a path starting with '/'",
		    t.name ? t.name : "?");
	if (t.kind == PXM_KIND_READ && strcmp(t.method, "GET") != 0)
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "API tool '%s' claims to be read-only but uses %s", t.name ? t.name : "?", t.method);
	if (t.kind != PXM_KIND_READ && strcmp(t.method, "GET") == 0)
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "API tool '%s' is a mutation but uses GET", t.name ? t.name : "?");
	if (t.risk > PXM_RISK_HIGH)
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "API tool '%s' has an unknown risk level %u", t.name ? t.name : "?", (unsigned)t.risk);
	if (ep == NULL)
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "API tool '%s' has no endpoint", t.name ? t.name : "?");
	if ((d = calloc(1, sizeof *d)) == NULL)
		return PXM_E_NOMEM;
	d->name = dup_or_null(t.name);
	d->title = dup_or_null(t.title);
	d->description = dup_or_null(t.description);
	d->privileges = dup_or_null(t.privileges);
	d->surface = dup_or_null(surface);
	d->kind = t.kind;
	d->flags = t.flags;
	d->risk = t.risk;
	d->plan = t.plan;
	d->prepare = t.prepare;
	d->payload = t.payload;
	d->method = strdup(t.method);
	d->path = strdup(t.path);
	d->target_tmpl = dup_or_null(t.target);
	d->change_tmpl = dup_or_null(t.change);
	d->endpoint = ep;
	d->owner = owner;
	if (!d->method || !d->path || !d->surface) {
		r = PXM_E_NOMEM;
		goto out;
	}
	r = finish_and_insert(reg, err, d, t.input_schema, t.output_schema);
out:
	if (r != PXM_OK)
		tool_def_free(d);
	return r;
}

int
pxm_registry_add_classifier(struct pxm_registry *reg, struct pxm_error *err,
    struct pxm_plugin *owner, const struct pxm_classifier *in)
{
	struct pxm_classifier c;
	struct pxm_classifier_def *n, *d;

	if (in == NULL || in->size < offsetof(struct pxm_classifier, payload) + sizeof in->payload)
		return pxm_error_set(err, PXM_E_ABI, "registration",
		    "struct pxm_classifier is too small");
	memset(&c, 0, sizeof c);
	memcpy(&c, in, in->size < sizeof c ? in->size : sizeof c);
	if (c.name == NULL || c.classify == NULL || c.path == NULL || c.path[0] != '/' ||
	    c.method == NULL || (strcmp(c.method, "*") != 0 && !valid_method(c.method)))
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "classifier '%s' needs a name, a method (POST, PUT, DELETE or *), a path "
		    "pattern starting with '/' and a classify function", c.name ? c.name : "?");
	if ((n = realloc(reg->classifiers, (reg->nclassifiers + 1) * sizeof *n)) == NULL)
		return PXM_E_NOMEM;
	reg->classifiers = n;
	d = &reg->classifiers[reg->nclassifiers];
	memset(d, 0, sizeof *d);
	d->name = strdup(c.name);
	d->method = strdup(c.method);
	d->path = strdup(c.path);
	d->classify = c.classify;
	d->payload = c.payload;
	d->owner = owner;
	if (!d->name || !d->method || !d->path) {
		free(d->name);
		free(d->method);
		free(d->path);
		return PXM_E_NOMEM;
	}
	reg->nclassifiers++;
	return PXM_OK;
}

static int
add_provider(struct pxm_registry *reg, struct pxm_provider_def *p)
{
	struct pxm_provider_def *n;

	if ((n = realloc(reg->providers, (reg->nproviders + 1) * sizeof *n)) == NULL)
		return PXM_E_NOMEM;
	reg->providers = n;
	reg->providers[reg->nproviders++] = *p;
	return PXM_OK;
}

int
pxm_registry_add_undo_provider(struct pxm_registry *reg, struct pxm_error *err,
    struct pxm_plugin *owner, const struct pxm_undo_provider *in)
{
	struct pxm_provider_def p;

	memset(&p, 0, sizeof p);
	if (in == NULL || in->size < offsetof(struct pxm_undo_provider, payload) + sizeof in->payload)
		return pxm_error_set(err, PXM_E_ABI, "registration", "struct pxm_undo_provider is too small");
	memcpy(&p.undo, in, in->size < sizeof p.undo ? in->size : sizeof p.undo);
	if (p.undo.make_point == NULL)
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "undo provider '%s' has no make_point", p.undo.name ? p.undo.name : "?");
	p.is_undo = 1;
	p.owner = owner;
	return add_provider(reg, &p);
}

int
pxm_registry_add_task_provider(struct pxm_registry *reg, struct pxm_error *err,
    struct pxm_plugin *owner, const struct pxm_task_provider *in)
{
	struct pxm_provider_def p;

	memset(&p, 0, sizeof p);
	if (in == NULL || in->size < offsetof(struct pxm_task_provider, payload) + sizeof in->payload)
		return pxm_error_set(err, PXM_E_ABI, "registration", "struct pxm_task_provider is too small");
	memcpy(&p.task, in, in->size < sizeof p.task ? in->size : sizeof p.task);
	if (p.task.poll == NULL)
		return pxm_error_set(err, PXM_E_INVAL, "registration",
		    "task provider '%s' has no poll", p.task.name ? p.task.name : "?");
	p.owner = owner;
	return add_provider(reg, &p);
}

void
pxm_registry_remove_owner(struct pxm_registry *reg, struct pxm_plugin *owner)
{
	size_t i, j;

	for (i = j = 0; i < reg->ntools; i++) {
		if (reg->tools[i]->owner == owner)
			tool_def_free(reg->tools[i]);
		else
			reg->tools[j++] = reg->tools[i];
	}
	reg->ntools = j;
	for (i = j = 0; i < reg->nclassifiers; i++) {
		if (reg->classifiers[i].owner == owner) {
			free(reg->classifiers[i].name);
			free(reg->classifiers[i].method);
			free(reg->classifiers[i].path);
		} else {
			reg->classifiers[j++] = reg->classifiers[i];
		}
	}
	reg->nclassifiers = j;
	for (i = j = 0; i < reg->nproviders; i++)
		if (reg->providers[i].owner != owner)
			reg->providers[j++] = reg->providers[i];
	reg->nproviders = j;
	(void)reindex(reg);
}

size_t
pxm_registry_classifier_count(const struct pxm_registry *reg)
{
	return reg->nclassifiers;
}

const struct pxm_classifier_def *
pxm_registry_classifier_at(const struct pxm_registry *reg, size_t i)
{
	return i < reg->nclassifiers ? &reg->classifiers[i] : NULL;
}

const struct pxm_undo_provider *
pxm_registry_undo_provider(const struct pxm_registry *reg, const struct pxm_plugin *owner)
{
	size_t i;

	for (i = 0; i < reg->nproviders; i++)
		if (reg->providers[i].is_undo && (owner == NULL || reg->providers[i].owner == owner))
			return &reg->providers[i].undo;
	return NULL;
}

const struct pxm_task_provider *
pxm_registry_task_provider(const struct pxm_registry *reg, const struct pxm_plugin *owner)
{
	size_t i;

	for (i = 0; i < reg->nproviders; i++)
		if (!reg->providers[i].is_undo && (owner == NULL || reg->providers[i].owner == owner))
			return &reg->providers[i].task;
	return NULL;
}

int
pxm_tool_core_arg(const struct pxm_tool_def *d, const char *name)
{
	if (d->kind == PXM_KIND_READ || name == NULL)
		return 0;
	if (strcmp(name, PXM_ARG_CONFIRM) == 0 || strcmp(name, PXM_ARG_PLAN_ID) == 0)
		return 1;
	if ((d->flags & PXM_TOOL_ASYNC) && (strcmp(name, PXM_ARG_WAIT) == 0 ||
	    strcmp(name, PXM_ARG_WAIT_TIMEOUT) == 0))
		return 1;
	return (d->flags & PXM_TOOL_UNDO) && strcmp(name, PXM_ARG_SNAPSHOT) == 0;
}

json_t *
pxm_tool_plugin_args(const struct pxm_tool_def *d, const json_t *args)
{
	json_t *a = json_object(), *v;
	const char *k;

	json_object_foreach((json_t *)args, k, v)
		if (!pxm_tool_core_arg(d, k))
			json_object_set(a, k, v);
	return a;
}

json_t *
pxm_registry_counts(const struct pxm_registry *reg)
{
	json_t *o = json_object(), *c;
	size_t i;

	for (i = 0; i < reg->ntools; i++) {
		c = json_object_get(o, reg->tools[i]->surface);
		json_object_set_new(o, reg->tools[i]->surface,
		    json_integer(c ? json_integer_value(c) + 1 : 1));
	}
	return o;
}

/* Levenshtein distance, bounded: suggestions only need near misses. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
	size_t row[129];

	if (la > 128 || lb > 128)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			tmp = row[j];
			row[j] = cur;
			prev = tmp;
		}
	}
	return row[lb];
}

void
pxm_registry_suggest(const struct pxm_registry *reg, const char *name, char *buf, size_t size)
{
	size_t best[3] = { (size_t)-1, (size_t)-1, (size_t)-1 }, who[3] = { 0, 0, 0 };
	size_t i, k, d, limit = strlen(name) / 3 + 2;
	struct pxm_buf b = PXM_BUF_INIT;

	buf[0] = '\0';
	for (i = 0; i < reg->ntools; i++) {
		d = edit_distance(name, reg->tools[i]->name);
		/* A name containing the query (or vice versa) is a near miss too. */
		if (strstr(reg->tools[i]->name, name) || strstr(name, reg->tools[i]->name))
			d = d < limit ? d : limit;
		if (d > limit)
			continue;
		for (k = 0; k < 3; k++) {
			if (d < best[k]) {
				memmove(&best[k + 1], &best[k], (2 - k) * sizeof best[0]);
				memmove(&who[k + 1], &who[k], (2 - k) * sizeof who[0]);
				best[k] = d;
				who[k] = i;
				break;
			}
		}
	}
	for (k = 0; k < 3 && best[k] != (size_t)-1; k++)
		pxm_buf_printf(&b, "%s%s", k ? ", " : "", reg->tools[who[k]]->name);
	if (b.len)
		snprintf(buf, size, "%s", b.data);
	pxm_buf_free(&b);
}
