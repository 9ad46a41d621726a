/**
 * @file faults.c
 * @brief proximo-sim: parsing and applying fault settings.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"

static const char *const known[] = { "latency_ms", "error_rate", "error_status",
	"drop_connections", "drop_rate", "expire_tickets", "fail_operation", "fail_task",
	"task_never_finishes", "task_warnings", NULL };

static int
is_known(const char *k)
{
	int i;

	for (i = 0; known[i]; i++)
		if (strcmp(known[i], k) == 0)
			return 1;
	return 0;
}

static int
check_op(const json_t *o, char *err, size_t errlen)
{
	const char *m = json_string_value(json_object_get(o, "method"));
	const char *p = json_string_value(json_object_get(o, "path"));
	json_t *st = json_object_get(o, "status");

	if (!json_is_object(o) || m == NULL || p == NULL || p[0] != '/') {
		snprintf(err, errlen, "fail_operation: expected {\"method\": \"POST\", \"path\": "
		    "\"/nodes/{node}/qemu/{vmid}/snapshot\"} (path a schema template or a concrete "
		    "path below /api2/json), optionally with \"status\" and \"message\"");
		return -1;
	}
	if (strcmp(m, "GET") && strcmp(m, "POST") && strcmp(m, "PUT") && strcmp(m, "DELETE") &&
	    strcmp(m, "*")) {
		snprintf(err, errlen, "fail_operation.method: '%s' is not GET, POST, PUT, DELETE or *", m);
		return -1;
	}
	if (st && (!json_is_integer(st) || json_integer_value(st) < 400 ||
	    json_integer_value(st) > 599)) {
		snprintf(err, errlen, "fail_operation.status: expected an integer 400..599");
		return -1;
	}
	return 0;
}

/* Validate one key/value; 0 ok. */
static int
check(const char *k, const json_t *v, char *err, size_t errlen)
{
	if (json_is_null(v))
		return 0;
	if (strcmp(k, "latency_ms") == 0 || strcmp(k, "task_warnings") == 0) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 600000) {
			snprintf(err, errlen, "%s: expected an integer 0..600000", k);
			return -1;
		}
	} else if (strcmp(k, "error_rate") == 0 || strcmp(k, "drop_rate") == 0) {
		if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1) {
			snprintf(err, errlen, "%s: expected a number between 0 and 1", k);
			return -1;
		}
	} else if (strcmp(k, "error_status") == 0) {
		if (!json_is_integer(v) || json_integer_value(v) < 500 ||
		    json_integer_value(v) > 599) {
			snprintf(err, errlen, "error_status: expected an integer 500..599");
			return -1;
		}
	} else if (strcmp(k, "drop_connections") == 0 || strcmp(k, "expire_tickets") == 0) {
		if (!json_is_boolean(v)) {
			snprintf(err, errlen, "%s: expected true or false", k);
			return -1;
		}
	} else if (strcmp(k, "fail_operation") == 0) {
		size_t i;
		json_t *o;
		if (json_is_array(v)) {
			json_array_foreach(v, i, o)
				if (check_op(o, err, errlen) != 0)
					return -1;
		} else if (check_op(v, err, errlen) != 0) {
			return -1;
		}
	} else if (strcmp(k, "fail_task") == 0) {
		if (!json_is_string(v) && !(json_is_object(v) &&
		    json_is_string(json_object_get(v, "type")))) {
			snprintf(err, errlen, "fail_task: expected a task type (\"vzdump\", \"*\") or "
			    "{\"type\": ..., \"message\": ...}");
			return -1;
		}
	} else if (strcmp(k, "task_never_finishes") == 0) {
		if (!json_is_string(v)) {
			snprintf(err, errlen, "task_never_finishes: expected a task type or \"*\"");
			return -1;
		}
	}
	return 0;
}

static void
apply(struct sim *s)
{
	struct sim_faultset *fs = &s->fs;
	json_t *f = s->faults, *v;

	json_decref(fs->fail_operations);
	free(fs->task_never_finishes);
	free(fs->fail_task);
	free(fs->fail_task_message);
	memset(fs, 0, sizeof *fs);
	fs->error_status = 503;
	fs->latency_ms = (unsigned)sim_json_int(json_object_get(f, "latency_ms"), 0);
	if ((v = json_object_get(f, "error_rate")) && json_is_number(v))
		fs->error_rate = json_number_value(v);
	if ((v = json_object_get(f, "error_status")) && json_is_integer(v))
		fs->error_status = (int)json_integer_value(v);
	if ((v = json_object_get(f, "drop_rate")) && json_is_number(v))
		fs->drop_rate = json_number_value(v);
	if (json_is_true(json_object_get(f, "drop_connections")))
		fs->drop_rate = 1.0;
	fs->expire_tickets = json_is_true(json_object_get(f, "expire_tickets"));
	if ((v = json_object_get(f, "fail_operation")) != NULL && !json_is_null(v)) {
		if (json_is_array(v))
			fs->fail_operations = json_incref(v);
		else
			fs->fail_operations = json_pack("[O]", v);
	}
	if ((v = json_object_get(f, "fail_task")) != NULL) {
		if (json_is_string(v)) {
			fs->fail_task = strdup(json_string_value(v));
		} else if (json_is_object(v)) {
			fs->fail_task = strdup(json_string_value(json_object_get(v, "type")));
			if (json_is_string(json_object_get(v, "message")))
				fs->fail_task_message = strdup(json_string_value(
				    json_object_get(v, "message")));
		}
	}
	if ((v = json_object_get(f, "task_never_finishes")) != NULL && json_is_string(v))
		fs->task_never_finishes = strdup(json_string_value(v));
	fs->task_warnings = (int)sim_json_int(json_object_get(f, "task_warnings"), 0);
}

int
sim_faults_merge(struct sim *s, const json_t *settings, char *err, size_t errlen)
{
	const char *k;
	json_t *v;
	size_t off;
	int i;

	if (!json_is_object(settings)) {
		snprintf(err, errlen, "faults: expected a JSON object");
		return -1;
	}
	json_object_foreach((json_t *)settings, k, v) {
		if (!is_known(k)) {
			off = (size_t)snprintf(err, errlen, "faults: unknown key '%s'; accepted:", k);
			for (i = 0; known[i] && off < errlen; i++)
				off += (size_t)snprintf(err + off, errlen - off, " %s", known[i]);
			return -1;
		}
		if (check(k, v, err, errlen) != 0)
			return -1;
	}
	if (s->faults == NULL)
		s->faults = json_object();
	json_object_foreach((json_t *)settings, k, v) {
		if (json_is_null(v) || json_is_false(v))
			json_object_del(s->faults, k);
		else
			json_object_set(s->faults, k, v);
	}
	apply(s);
	return 0;
}

void
sim_faults_clear(struct sim *s)
{
	json_decref(s->faults);
	s->faults = json_object();
	apply(s);
}

const json_t *
sim_faults_failing_op(struct sim *s, const char *method, const char *tmpl, const char *rel)
{
	size_t i;
	json_t *o;

	json_array_foreach(s->fs.fail_operations, i, o) {
		const char *m = json_string_value(json_object_get(o, "method"));
		const char *p = json_string_value(json_object_get(o, "path"));
		if (m == NULL || p == NULL)
			continue;
		if (strcmp(m, "*") != 0 && strcmp(m, method) != 0)
			continue;
		if ((tmpl && strcmp(p, tmpl) == 0) || (rel && strcmp(p, rel) == 0))
			return o;
	}
	return NULL;
}
