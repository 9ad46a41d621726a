/**
 * @file curl_api.h
 * @brief libcurl for the transport's files, through the table libs.h
 * fills on first use.  Include this instead of <curl/curl.h>: the names
 * below become table entries, so nothing links libcurl directly.  (Its
 * GCC type-checking wrappers for curl_easy_setopt and friends cannot wrap
 * a table entry and are given up here.)
 */
#ifndef PXM_TRANSPORT_CURL_API_H
#define PXM_TRANSPORT_CURL_API_H

#include "transport/libs.h"

#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_easy_cleanup	pxm_libcurl.curl_easy_cleanup
#define curl_easy_getinfo	pxm_libcurl.curl_easy_getinfo
#define curl_easy_init	pxm_libcurl.curl_easy_init
#define curl_easy_reset	pxm_libcurl.curl_easy_reset
#define curl_easy_setopt	pxm_libcurl.curl_easy_setopt
#define curl_easy_strerror	pxm_libcurl.curl_easy_strerror
#define curl_free	pxm_libcurl.curl_free
#define curl_global_cleanup	pxm_libcurl.curl_global_cleanup
#define curl_global_init	pxm_libcurl.curl_global_init
#define curl_multi_add_handle	pxm_libcurl.curl_multi_add_handle
#define curl_multi_cleanup	pxm_libcurl.curl_multi_cleanup
#define curl_multi_info_read	pxm_libcurl.curl_multi_info_read
#define curl_multi_init	pxm_libcurl.curl_multi_init
#define curl_multi_perform	pxm_libcurl.curl_multi_perform
#define curl_multi_poll	pxm_libcurl.curl_multi_poll
#define curl_multi_remove_handle	pxm_libcurl.curl_multi_remove_handle
#define curl_multi_setopt	pxm_libcurl.curl_multi_setopt
#define curl_slist_append	pxm_libcurl.curl_slist_append
#define curl_slist_free_all	pxm_libcurl.curl_slist_free_all
#define curl_url	pxm_libcurl.curl_url
#define curl_url_cleanup	pxm_libcurl.curl_url_cleanup
#define curl_url_get	pxm_libcurl.curl_url_get
#define curl_url_set	pxm_libcurl.curl_url_set
#define curl_version_info	pxm_libcurl.curl_version_info

#endif
