/**
 * @file reqlog.c
 * @brief proximo-sim: request log (memory ring + optional JSON-lines file).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "reqlog.h"

#define REQLOG_KEEP	200000	/* entries kept in memory */

struct sim_reqlog {
	pthread_mutex_t	 lock;
	json_t		*entries;	/* oldest first */
	long long	 base;		/* absolute index of entries[0] */
	long long	 dropped;
	int		 fd;
};

struct sim_reqlog *
sim_reqlog_new(const char *file, char *err, size_t errlen)
{
	struct sim_reqlog *l = calloc(1, sizeof *l);

	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&l->lock, NULL);
	l->entries = json_array();
	l->fd = -1;
	if (file && *file) {
		l->fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (l->fd < 0) {
			snprintf(err, errlen, "--request-log %s: %s", file, strerror(errno));
			sim_reqlog_free(l);
			return NULL;
		}
	}
	return l;
}

void
sim_reqlog_free(struct sim_reqlog *l)
{
	if (l == NULL)
		return;
	if (l->fd >= 0)
		close(l->fd);
	json_decref(l->entries);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void
sim_reqlog_add(struct sim_reqlog *l, json_t *entry)
{
	char *line;
	size_t n;
	ssize_t w;

	if (l == NULL || entry == NULL) {
		json_decref(entry);
		return;
	}
	pthread_mutex_lock(&l->lock);
	json_object_set_new(entry, "seq", json_integer(l->base +
	    (json_int_t)json_array_size(l->entries)));
	if (l->fd >= 0 && (line = json_dumps(entry, JSON_COMPACT)) != NULL) {
		n = strlen(line);
		line[n] = '\n';
		/* One write per line keeps lines whole for a tailing reader. */
		w = write(l->fd, line, n + 1);
		(void)w;
		free(line);
	}
	json_array_append_new(l->entries, entry);
	if (json_array_size(l->entries) > REQLOG_KEEP) {
		json_array_remove(l->entries, 0);
		l->base++;
		l->dropped++;
	}
	pthread_mutex_unlock(&l->lock);
}

json_t *
sim_reqlog_get(struct sim_reqlog *l, long long since)
{
	json_t *out = json_array(), *res;
	size_t i;

	pthread_mutex_lock(&l->lock);
	for (i = since > l->base ? (size_t)(since - l->base) : 0;
	    i < json_array_size(l->entries); i++)
		json_array_append(out, json_array_get(l->entries, i));
	res = json_pack("{s:o, s:I, s:I}", "requests", out, "total",
	    (json_int_t)(l->base + (long long)json_array_size(l->entries)),
	    "dropped", (json_int_t)l->dropped);
	pthread_mutex_unlock(&l->lock);
	return res;
}

void
sim_reqlog_clear(struct sim_reqlog *l)
{
	pthread_mutex_lock(&l->lock);
	l->base += (long long)json_array_size(l->entries);
	json_array_clear(l->entries);
	pthread_mutex_unlock(&l->lock);
}

int
sim_is_secret_name(const char *name)
{
	static const char *const words[] = { "password", "passwd", "secret", "ticket",
		"cookie", "private", "apitoken", "passphrase", NULL };
	char low[128];
	size_t i, n;

	for (i = 0; name[i] && i < sizeof low - 1; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	n = i;
	for (i = 0; words[i]; i++)
		if (strstr(low, words[i]))
			return 1;
	/* "key", "authkey", "tsig-key", "token", "csrf_token"; not "tokenid",
	 * "keyboard" or "sshkeys" (public keys). */
	if (n >= 3 && strcmp(low + n - 3, "key") == 0)
		return 1;
	if (n >= 5 && strcmp(low + n - 5, "token") == 0)
		return 1;
	return 0;
}

json_t *
sim_mask_params(const json_t *params)
{
	json_t *out = json_object(), *v;
	const char *k;

	json_object_foreach((json_t *)params, k, v) {
		if (sim_is_secret_name(k))
			json_object_set_new(out, k, json_string("********"));
		else
			json_object_set(out, k, v);
	}
	return out;
}
