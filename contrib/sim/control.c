/**
 * @file control.c
 * @brief proximo-sim: the control port (plain HTTP, loopback only).
 *
 *   GET  /                    this list
 *   GET  /health              {"ok": true}
 *   GET  /requests[?since=N]  the request log ({"requests", "total", "dropped"})
 *   POST /requests/clear      forget the log (seq numbers keep counting)
 *   GET  /state[/pointer]     the state, or a JSON-pointer subtree (secrets masked)
 *   PUT  /state/pointer       replace a subtree with the JSON body
 *   DELETE /state/pointer     remove a subtree
 *   GET  /faults              current faults
 *   POST /faults              merge fault settings (JSON object; null clears a key)
 *   POST /faults/clear        no faults
 *   POST /reset               reload the profile (tasks forgotten; log and faults kept)
 *
 * Tests use it to arrange state and to assert what reached "Proxmox".
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "profile.h"
#include "reqlog.h"
#include "server.h"
#include "tasks.h"

static json_t *
masked(const json_t *v)
{
	json_t *out, *x;
	const char *k;
	size_t i;

	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach((json_t *)v, k, x) {
			if (sim_is_secret_name(k) && (json_is_string(x) || json_is_number(x)))
				json_object_set_new(out, k, json_string("********"));
			else
				json_object_set_new(out, k, masked(x));
		}
		return out;
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach((json_t *)v, i, x)
			json_array_append_new(out, masked(x));
		return out;
	}
	return json_incref((json_t *)v);
}

/* Walk a JSON pointer ("/pve/guests/100").  With create, missing objects
 * are created; parent and key name the last step. */
static json_t *
walk(json_t *root, const char *ptr, int create, json_t **parent, char **key)
{
	json_t *cur = root, *next;
	char *copy = strdup(ptr), *tok, *save = NULL, *k, *o;
	size_t i;

	*parent = NULL;
	*key = NULL;
	if (copy == NULL)
		return NULL;
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		k = sim_urldecode(tok, strlen(tok), 0);
		if (k == NULL)
			break;
		/* ~1 is "/", ~0 is "~" (RFC 6901). */
		for (o = k, i = 0; k[i]; i++) {
			if (k[i] == '~' && k[i + 1] == '1') {
				*o++ = '/';
				i++;
			} else if (k[i] == '~' && k[i + 1] == '0') {
				*o++ = '~';
				i++;
			} else {
				*o++ = k[i];
			}
		}
		*o = '\0';
		free(*key);
		*key = k;
		*parent = cur;
		if (json_is_object(cur)) {
			next = json_object_get(cur, k);
			if (next == NULL && create) {
				next = json_object();
				json_object_set_new(cur, k, next);
			}
		} else if (json_is_array(cur)) {
			char *end;
			long idx = strtol(k, &end, 10);
			next = *end ? NULL : json_array_get(cur, (size_t)idx);
		} else {
			next = NULL;
		}
		cur = next;
		if (cur == NULL)
			break;
	}
	free(copy);
	return cur;
}

static char *
jdump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

	json_decref(j);
	return s;
}

static int error(char **out, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
error(char **out, int status, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	*out = jdump(json_pack("{s:s}", "error", msg));
	return status;
}

int
sim_control_handle(struct sim *s, const char *method, const char *path, const char *query,
    const char *body, size_t bodylen, char **out, const char **ctype)
{
	json_t *j = NULL, *parent, *node;
	json_error_t je;
	char err[1024], *key = NULL;
	int status = 200;

	*ctype = "application/json";
	if (strcmp(path, "/") == 0 && strcmp(method, "GET") == 0) {
		*out = jdump(json_pack("{s:[s,s,s,s,s,s,s,s,s,s,s]}", "endpoints",
		    "GET /health", "GET /requests[?since=N]", "POST /requests/clear",
		    "GET /state[/json-pointer]", "PUT /state/json-pointer",
		    "DELETE /state/json-pointer", "GET /faults", "POST /faults",
		    "POST /faults/clear", "POST /reset", "GET /"));
		return 200;
	}
	if (strcmp(path, "/health") == 0)
		return *out = jdump(json_pack("{s:b}", "ok", 1)), 200;
	if (strcmp(path, "/requests") == 0 && strcmp(method, "GET") == 0) {
		long long since = 0;
		if (query && strncmp(query, "since=", 6) == 0)
			since = atoll(query + 6);
		*out = jdump(sim_reqlog_get(s->rlog, since));
		return 200;
	}
	if (strcmp(path, "/requests/clear") == 0 && strcmp(method, "POST") == 0) {
		sim_reqlog_clear(s->rlog);
		*out = jdump(json_pack("{s:b}", "ok", 1));
		return 200;
	}
	if (bodylen && (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)) {
		j = json_loadb(body, bodylen, JSON_DECODE_ANY, &je);
		if (j == NULL) {
			snprintf(err, sizeof err, "%s (at byte %d)", je.text, je.position);
			return error(out, 400, "request body is not JSON: %s", err);
		}
	}
	pthread_mutex_lock(&s->lock);
	if (strcmp(path, "/faults") == 0 && strcmp(method, "GET") == 0) {
		*out = jdump(json_deep_copy(s->faults ? s->faults : json_object()));
	} else if (strcmp(path, "/faults") == 0 && strcmp(method, "POST") == 0) {
		if (j == NULL) {
			status = error(out, 400, "POST /faults needs a JSON object body");
		} else if (sim_faults_merge(s, j, err, sizeof err) != 0) {
			status = error(out, 400, "%s", err);
		} else {
			*out = jdump(json_deep_copy(s->faults));
		}
	} else if (strcmp(path, "/faults/clear") == 0 && strcmp(method, "POST") == 0) {
		sim_faults_clear(s);
		*out = jdump(json_object());
	} else if (strcmp(path, "/reset") == 0 && strcmp(method, "POST") == 0) {
		json_t *fresh = json_deep_copy(s->profile);
		if (fresh == NULL) {
			status = error(out, 500, "cannot copy the profile");
		} else {
			json_decref(s->state);
			s->state = fresh;
			sim_tasks_reset(s);
			*out = jdump(json_pack("{s:b}", "ok", 1));
		}
	} else if (strcmp(path, "/state") == 0 || strncmp(path, "/state/", 7) == 0) {
		const char *ptr = path + 6;
		if (strcmp(method, "GET") == 0) {
			node = *ptr ? walk(s->state, ptr, 0, &parent, &key) : s->state;
			if (node == NULL)
				status = error(out, 404, "no such state path: %s", ptr);
			else
				*out = jdump(masked(node));
		} else if (strcmp(method, "PUT") == 0 && *ptr && strcmp(ptr, "/") != 0) {
			if (j == NULL) {
				status = error(out, 400, "PUT /state/... needs a JSON body");
			} else {
				walk(s->state, ptr, 1, &parent, &key);
				if (json_is_object(parent) && key) {
					json_object_set(parent, key, j);
					*out = jdump(json_pack("{s:b}", "ok", 1));
				} else if (json_is_array(parent) && key) {
					json_array_set(parent, (size_t)atol(key), j);
					*out = jdump(json_pack("{s:b}", "ok", 1));
				} else {
					status = error(out, 400, "cannot set %s", ptr);
				}
			}
		} else if (strcmp(method, "PUT") == 0) {
			if (!json_is_object(j)) {
				status = error(out, 400, "PUT /state needs a JSON object body");
			} else {
				json_decref(s->state);
				s->state = json_incref(j);
				sim_tasks_reset(s);
				*out = jdump(json_pack("{s:b}", "ok", 1));
			}
		} else if (strcmp(method, "DELETE") == 0 && *ptr) {
			node = walk(s->state, ptr, 0, &parent, &key);
			if (node == NULL) {
				status = error(out, 404, "no such state path: %s", ptr);
			} else {
				if (json_is_object(parent))
					json_object_del(parent, key);
				else if (json_is_array(parent))
					json_array_remove(parent, (size_t)atol(key));
				*out = jdump(json_pack("{s:b}", "ok", 1));
			}
		} else {
			status = error(out, 405, "method %s not allowed on /state", method);
		}
	} else {
		status = error(out, 404, "no such control endpoint: %s (GET / lists them)", path);
	}
	pthread_mutex_unlock(&s->lock);
	free(key);
	json_decref(j);
	return status;
}
