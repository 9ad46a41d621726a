/**
 * @file libs.h
 * @brief libcurl and libssh2, opened on the first request that needs them.
 *
 * A server that has not been asked to reach PVE, PBS or PMG, or to run a
 * command over ssh, maps neither library nor their dependencies (on Debian
 * some thirty libraries and 5 MB resident: GnuTLS, Kerberos, LDAP, ...).
 * The transport's files call the libraries by their usual names;
 * curl_api.h and ssh2_api.h turn those names into entries of the tables
 * below, which pxm_libcurl_load() and pxm_libssh2_load() fill.  Every path
 * to a library call passes through one of the two loads first:
 * pxm_http_global_init() for libcurl, the ssh transport's lib_ref() for
 * libssh2.
 *
 * The symbol lists are the only place a new library function is declared;
 * a function used but missing from them does not link (the binary does not
 * link the library), and a list entry without its redirect in
 * curl_api.h / ssh2_api.h does not compile.
 */
#ifndef PXM_TRANSPORT_LIBS_H
#define PXM_TRANSPORT_LIBS_H

#include "proximo/sdk.h"

struct pxm_error;

/** The library file names: the sonames the link would otherwise record. */
#define PXM_LIBCURL_SONAME	"libcurl.so.4"
#define PXM_LIBSSH2_SONAME	"libssh2.so.1"

#ifdef PXM_HAVE_CURL
#include <curl/curl.h>

#define PXM_LIBCURL_SYMBOLS(X) \
	X(curl_easy_cleanup) X(curl_easy_getinfo) X(curl_easy_init) \
	X(curl_easy_reset) X(curl_easy_setopt) X(curl_easy_strerror) \
	X(curl_free) X(curl_global_cleanup) X(curl_global_init) \
	X(curl_multi_add_handle) X(curl_multi_cleanup) X(curl_multi_info_read) \
	X(curl_multi_init) X(curl_multi_perform) X(curl_multi_poll) \
	X(curl_multi_remove_handle) X(curl_multi_setopt) X(curl_slist_append) \
	X(curl_slist_free_all) X(curl_url) X(curl_url_cleanup) X(curl_url_get) \
	X(curl_url_set) X(curl_version_info)

/** libcurl's functions, filled by pxm_libcurl_load(). */
struct pxm_libcurl {
#define PXM_LIB_FIELD(name) __typeof__(name) *name;
	PXM_LIBCURL_SYMBOLS(PXM_LIB_FIELD)
#undef PXM_LIB_FIELD
};
extern struct pxm_libcurl pxm_libcurl;

/** Open libcurl once (thread-safe) and resolve every function; refuse a
 *  library older than the headers proximo was built with.  Later calls
 *  return the first call's result; the error says which file, and why. */
int	pxm_libcurl_load(struct pxm_error *err);
#endif

#ifdef PXM_HAVE_SSH2
#include <libssh2.h>

#define PXM_LIBSSH2_SYMBOLS(X) \
	X(libssh2_agent_connect) X(libssh2_agent_disconnect) X(libssh2_agent_free) \
	X(libssh2_agent_get_identity) X(libssh2_agent_init) \
	X(libssh2_agent_list_identities) X(libssh2_agent_userauth) \
	X(libssh2_channel_close) X(libssh2_channel_eof) X(libssh2_channel_free) \
	X(libssh2_channel_get_exit_signal) X(libssh2_channel_get_exit_status) \
	X(libssh2_channel_open_ex) X(libssh2_channel_process_startup) \
	X(libssh2_channel_read_ex) X(libssh2_channel_send_eof) \
	X(libssh2_channel_wait_closed) X(libssh2_exit) X(libssh2_free) \
	X(libssh2_hostkey_hash) X(libssh2_init) X(libssh2_knownhost_checkp) \
	X(libssh2_knownhost_free) X(libssh2_knownhost_init) \
	X(libssh2_knownhost_readline) X(libssh2_session_block_directions) \
	X(libssh2_session_disconnect_ex) X(libssh2_session_free) \
	X(libssh2_session_handshake) X(libssh2_session_hostkey) \
	X(libssh2_session_init_ex) X(libssh2_session_last_errno) \
	X(libssh2_session_last_error) X(libssh2_session_method_pref) \
	X(libssh2_session_set_blocking) X(libssh2_session_supported_algs) \
	X(libssh2_userauth_publickey_frommemory) X(libssh2_version)

/** libssh2's functions, filled by pxm_libssh2_load(). */
struct pxm_libssh2 {
#define PXM_LIB_FIELD(name) __typeof__(name) *name;
	PXM_LIBSSH2_SYMBOLS(PXM_LIB_FIELD)
#undef PXM_LIB_FIELD
};
extern struct pxm_libssh2 pxm_libssh2;

/** As pxm_libcurl_load(), for libssh2. */
int	pxm_libssh2_load(struct pxm_error *err);
#endif

#endif
