/**
 * @file floor.c
 * @brief The floor of a stdio round trip on this machine: a responder that
 *        answers every request line with an empty result and parses
 *        nothing else.  No MCP server can answer a ping faster over the
 *        same pipes; bench/mcp/run.sh measures it beside the two servers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
	static char in[1 << 16];
	char out[128];
	size_t len = 0;
	ssize_t n;
	char *nl, *id;
	int k;

	for (;;) {
		while ((nl = memchr(in, '\n', len)) != NULL) {
			*nl = '\0';
			if ((id = strstr(in, "\"id\":")) != NULL) {
				k = snprintf(out, sizeof out, "{\"jsonrpc\":\"2.0\",\"id\":%ld,"
				    "\"result\":{}}\n", strtol(id + 5, NULL, 10));
				if (write(1, out, (size_t)k) != k)
					return 1;
			}
			len -= (size_t)(nl + 1 - in);
			memmove(in, nl + 1, len);
		}
		if (len == sizeof in)
			len = 0;	/* a line longer than we care for */
		if ((n = read(0, in + len, sizeof in - len)) <= 0)
			return 0;
		len += (size_t)n;
	}
}
