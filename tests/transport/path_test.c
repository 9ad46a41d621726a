/**
 * @file path_test.c
 * @brief The hostile-input boundary: path expansion, path checks, path
 * matching, parameter encoding, fingerprint parsing, the PVE role table.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "fixture.h"
#include "transport/http.h"
#include "transport/http_int.h"
#include "transport/path.h"
#include "transport/tls.h"

#define PAT "/nodes/{node}/qemu/{vmid}/config"

/* Expand PAT with node set to `node` (a JSON value, stolen) and vmid 100. */
static int
expand_node(char *buf, size_t size, struct pxm_error *err, json_t *node)
{
	json_t *vars = json_object();
	int r;

	if (node != NULL)
		json_object_set_new(vars, "node", node);
	json_object_set_new(vars, "vmid", json_integer(100));
	memset(err, 0, sizeof *err);
	r = pxm_path_expand(buf, size, err, PAT, vars);
	json_decref(vars);
	return r;
}

START_TEST(expand_good_values)
{
	static const struct {
		const char *value;
		size_t len;
		const char *want;
	} good[] = {
		{ "pve1", 4, "/nodes/pve1/qemu/100/config" },
		{ "my node", 7, "/nodes/my%20node/qemu/100/config" },
		{ "a?b#c", 5, "/nodes/a%3Fb%23c/qemu/100/config" },
		{ "user@pam!tok", 12, "/nodes/user%40pam%21tok/qemu/100/config" },
		{ "pve-\xc3\xbc", 6, "/nodes/pve-%C3%BC/qemu/100/config" },
		{ "\xe6\x97\xa5\xe6\x9c\xac", 6, "/nodes/%E6%97%A5%E6%9C%AC/qemu/100/config" },
		{ "\xf0\x9f\x98\x80", 4, "/nodes/%F0%9F%98%80/qemu/100/config" },
		{ "50%", 3, "/nodes/50%25/qemu/100/config" },
		{ "...", 3, "/nodes/.../qemu/100/config" },
		{ ".hidden", 7, "/nodes/.hidden/qemu/100/config" },
		{ "a.b_c~d-e", 9, "/nodes/a.b_c~d-e/qemu/100/config" },
	};
	struct pxm_error err;
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		ck_assert_int_eq(expand_node(buf, sizeof buf, &err,
		    json_stringn(good[i].value, good[i].len)), PXM_OK);
		ck_assert_str_eq(buf, good[i].want);
	}
	/* Integers, including the string form of a vmid. */
	ck_assert_int_eq(expand_node(buf, sizeof buf, &err, json_integer(7)), PXM_OK);
	ck_assert_str_eq(buf, "/nodes/7/qemu/100/config");
}
END_TEST

START_TEST(expand_refuses_hostile_values)
{
	static const struct {
		const char *value;
		size_t len;
		const char *says;	/* part of the error text */
	} bad[] = {
		{ "../../access", 12, "contains '/'" },
		{ "100/../../", 10, "contains '/'" },
		{ "..", 2, "'..'" },
		{ ".", 1, "'.'" },
		{ "", 0, "is empty" },
		{ "a%2Fb", 5, "percent-encoded" },
		{ "a%2fb", 5, "percent-encoded" },
		{ "%2e%2e", 6, "percent-encoded" },
		{ "a%5Cb", 5, "percent-encoded" },
		{ "a%00b", 5, "percent-encoded" },
		{ "a\\b", 3, "contains '\\'" },
		{ "a\0b", 3, "NUL" },
		{ "a\r\nHost: evil", 13, "control character" },
		{ "a\nb", 3, "control character" },
		{ "a\tb", 3, "control character" },
		{ "a\x7f", 2, "control character" },
		{ "a\xc2\x85", 3, "control character" },	/* U+0085 NEL */
		{ "a\xc2\x9b", 3, "control character" },	/* U+009B CSI */
		{ "\xff", 1, "UTF-8" },
		{ "\xc0\xaf", 2, "UTF-8" },			/* overlong '/' */
		{ "\xe0\x80\xaf", 3, "UTF-8" },			/* overlong '/' */
		{ "\xed\xa0\x80", 3, "UTF-8" },			/* surrogate */
		{ "\xf4\x90\x80\x80", 4, "UTF-8" },		/* > U+10FFFF */
		{ "a\xc3", 2, "UTF-8" },			/* truncated */
	};
	struct pxm_error err;
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *v = json_stringn_nocheck(bad[i].value, bad[i].len);
		ck_assert_int_eq(expand_node(buf, sizeof buf, &err, v), PXM_E_INVAL);
		ck_assert_str_eq(buf, "");
		ck_assert_msg(strstr(err.text, "'node'") != NULL,
		    "case %zu: error does not name the variable: %s", i, err.text);
		ck_assert_msg(strstr(err.text, bad[i].says) != NULL,
		    "case %zu: error does not say '%s': %s", i, bad[i].says, err.text);
		ck_assert_msg(strstr(err.text, "accepted:") != NULL,
		    "case %zu: error does not say what is accepted: %s", i, err.text);
		/* A hostile value never reaches the text raw. */
		ck_assert_ptr_null(strchr(err.text, '\r'));
		ck_assert_ptr_null(strchr(err.text, '\n'));
		ck_assert_str_eq(err.reason, "bad_path_value");
	}
}
END_TEST

START_TEST(expand_length_limit)
{
	struct pxm_error err;
	char v[300], buf[1024];

	memset(v, 'a', sizeof v);
	ck_assert_int_eq(expand_node(buf, sizeof buf, &err,
	    json_stringn(v, PXM_PATH_VALUE_MAX)), PXM_OK);
	ck_assert_int_eq(expand_node(buf, sizeof buf, &err,
	    json_stringn(v, PXM_PATH_VALUE_MAX + 1)), PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "257 bytes"));
	/* The output buffer is honoured. */
	ck_assert_int_eq(expand_node(buf, 20, &err, json_string("pve1")), PXM_E_INVAL);
	ck_assert_str_eq(err.reason, "path_too_long");
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(expand_types_and_missing)
{
	struct pxm_error err;
	char buf[256];
	json_t *vars;

	ck_assert_int_eq(expand_node(buf, sizeof buf, &err, NULL), PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "'node' is missing"));
	ck_assert_int_eq(expand_node(buf, sizeof buf, &err, json_null()), PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "'node' is missing"));
	ck_assert_int_eq(expand_node(buf, sizeof buf, &err, json_true()), PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "boolean"));
	ck_assert_int_eq(expand_node(buf, sizeof buf, &err, json_real(1.5)), PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "fraction"));
	ck_assert_int_eq(expand_node(buf, sizeof buf, &err, json_pack("[s]", "a")),
	    PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "array"));
	ck_assert_int_eq(expand_node(buf, sizeof buf, &err, json_pack("{s:s}", "a", "b")),
	    PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "object"));

	/* No variables needed, none given. */
	ck_assert_int_eq(pxm_path_expand(buf, sizeof buf, &err, "/cluster/resources",
	    NULL), PXM_OK);
	ck_assert_str_eq(buf, "/cluster/resources");
	ck_assert_int_eq(pxm_path_expand(buf, sizeof buf, &err, "/nodes/{node}",
	    NULL), PXM_E_INVAL);
	/* Extra members are ignored (they become parameters). */
	vars = json_pack("{s:s,s:i}", "node", "n1", "extra", 5);
	ck_assert_int_eq(pxm_path_expand(buf, sizeof buf, &err, "/nodes/{node}",
	    vars), PXM_OK);
	ck_assert_str_eq(buf, "/nodes/n1");
	json_decref(vars);
	vars = json_pack("[s]", "n1");
	ck_assert_int_eq(pxm_path_expand(buf, sizeof buf, &err, "/nodes/{node}",
	    vars), PXM_E_INVAL);
	json_decref(vars);
}
END_TEST

START_TEST(expand_bad_patterns)
{
	static const char *const bad[] = {
		"nodes/{node}", "/nodes/{node", "/nodes/{}", "/nodes/{no de}",
		"/nodes/{9x}", "/a//b", "/a/../b", "/a/./b", "/a?x", "/a#b",
		"/a b", "/a%2Fb", "/trailing/",
	};
	json_t *vars = json_pack("{s:s}", "node", "n1");
	struct pxm_error err;
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&err, 0, sizeof err);
		ck_assert_msg(pxm_path_expand(buf, sizeof buf, &err, bad[i], vars) ==
		    PXM_E_INVAL, "pattern %s accepted", bad[i]);
		ck_assert_str_eq(err.reason, "bad_path_pattern");
	}
	ck_assert_int_eq(pxm_path_expand(buf, sizeof buf, &err, "/{node}-{node}",
	    vars), PXM_OK);
	ck_assert_str_eq(buf, "/n1-n1");
	json_decref(vars);
}
END_TEST

START_TEST(check_paths)
{
	static const char *const good[] = {
		"/", "/nodes", "/nodes/pve1/qemu/100/status/current",
		"/nodes/a%C3%BCb", "/access/users/user%40pam", "/a:b@c!$&'()*+,;=",
		"/a/.../b", "/nodes/50%25",
		/* an opaque value (a volume id) keeps its '/' encoded */
		"/a%2Fb", "/a%2fb", "/content/local%3Aiso%2Fx.iso",
	};
	static const char *const bad[] = {
		"", "nodes", "/nodes/", "//x", "/a/./b", "/a/../b", "/a/%2e%2e/b",
		"/a/%2E/b", "/a%2F..%2Fb", "/a%2F", "/%2Fa", "/a%2F.%2Fb", "/a%5cb", "/a%00", "/a%0d%0aX: y",
		"/a b", "/a?x=1", "/a#f", "/a%zz", "/a%2", "/a/\r\n", "/a%FF",
		"/a%C0%AF", "/a\x80", "/a\"b", "/a<b>", "/a\\b", "/a|b", "/a^b",
		"/a`b", "/a{b}",
	};
	struct pxm_error err;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(pxm_path_check(&err, good[i]) == PXM_OK,
		    "refused %s: %s", good[i], err.text);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(pxm_path_check(&err, bad[i]) == PXM_E_INVAL,
		    "accepted case %zu", i);
		ck_assert_ptr_null(strchr(err.text, '\r'));
		ck_assert_ptr_null(strchr(err.text, '\n'));
	}
	ck_assert_int_eq(pxm_path_check(&err, NULL), PXM_E_INVAL);
}
END_TEST

START_TEST(opaque_values)
{
	char buf[512];
	struct pxm_error err;
	json_t *vars, *out = NULL;

	vars = json_pack("{s:s, s:s, s:s}", "node", "pve1", "storage", "local",
	    "volume", "local:iso/debian 12.iso");
	ck_assert_int_eq(pxm_path_expand(buf, sizeof buf, &err,
	    "/nodes/{node}/storage/{storage}/content/{volume}", vars), PXM_OK);
	ck_assert_str_eq(buf, "/nodes/pve1/storage/local/content/local%3Aiso%2Fdebian%2012.iso");
	ck_assert_int_eq(pxm_path_match(&out, "/nodes/{node}/storage/{storage}/content/{volume}",
	    buf), PXM_OK);
	ck_assert_str_eq(json_string_value(json_object_get(out, "volume")), "local:iso/debian 12.iso");
	json_decref(out);
	json_object_set_new(vars, "volume", json_string("local:iso/../../../etc"));
	ck_assert_int_eq(pxm_path_expand(buf, sizeof buf, &err,
	    "/nodes/{node}/storage/{storage}/content/{volume}", vars), PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "'volume'"));
	/* only identifier variables may carry '/' */
	json_object_set_new(vars, "node", json_string("pve1/../x"));
	json_object_set_new(vars, "volume", json_string("local:iso/x.iso"));
	ck_assert_int_eq(pxm_path_expand(buf, sizeof buf, &err,
	    "/nodes/{node}/storage/{storage}/content/{volume}", vars), PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "'node'"));
	json_decref(vars);
}
END_TEST

START_TEST(match_paths)
{
	json_t *vars = NULL;

	ck_assert_int_eq(pxm_path_match(&vars, "/storage/{storage}", "/storage/local"),
	    PXM_OK);
	ck_assert_str_eq(json_string_value(json_object_get(vars, "storage")), "local");
	json_decref(vars);
	ck_assert_int_eq(pxm_path_match(&vars, "/nodes/{node}/qemu/{vmid}",
	    "/nodes/pve%201/qemu/100"), PXM_OK);
	ck_assert_str_eq(json_string_value(json_object_get(vars, "node")), "pve 1");
	ck_assert_str_eq(json_string_value(json_object_get(vars, "vmid")), "100");
	json_decref(vars);
	ck_assert_int_eq(pxm_path_match(NULL, "/", "/"), PXM_OK);
	ck_assert_int_eq(pxm_path_match(NULL, "/storage/{storage}",
	    "/storage/local/content"), PXM_E_NOTFOUND);
	ck_assert_int_eq(pxm_path_match(NULL, "/storage/{storage}", "/storage"),
	    PXM_E_NOTFOUND);
	ck_assert_int_eq(pxm_path_match(NULL, "/storage/{storage}", "/storage/"),
	    PXM_E_NOTFOUND);
	ck_assert_int_eq(pxm_path_match(NULL, "/storage/{storage}", "/pools/x"),
	    PXM_E_NOTFOUND);
	ck_assert_int_eq(pxm_path_match(NULL, "/storage", "/storage/x"),
	    PXM_E_NOTFOUND);
	/* Undecodable or hostile segments are not "no match": the caller
	 * must treat them as unknown. */
	ck_assert_int_eq(pxm_path_match(&vars, "/nodes/{node}/qemu/{vmid}",
	    "/nodes/a%2Fb/qemu/1"), PXM_E_INVAL);
	ck_assert_ptr_null(vars);
	ck_assert_int_eq(pxm_path_match(NULL, "/nodes/{node}", "/nodes/a%0A"),
	    PXM_E_INVAL);
	ck_assert_int_eq(pxm_path_match(NULL, "/a-{x}", "/a-1"), PXM_E_INVAL);
	ck_assert_int_eq(pxm_path_match(NULL, "/nodes/{node", "/nodes/x"), PXM_E_INVAL);
	ck_assert_int_eq(pxm_path_match(NULL, "nodes", "/nodes"), PXM_E_INVAL);
}
END_TEST

START_TEST(match_round_trips_expand)
{
	static const char *const values[] = {
		"pve1", "my node", "user@pam!tok", "pve-\xc3\xbc", "a?b#c&d=e",
		"50%", "\xf0\x9f\x98\x80",
	};
	struct pxm_error err;
	json_t *vars, *got = NULL;
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof values / sizeof values[0]; i++) {
		vars = json_pack("{s:s,s:s}", "node", values[i], "vmid", "100");
		ck_assert_int_eq(pxm_path_expand(buf, sizeof buf, &err,
		    "/nodes/{node}/qemu/{vmid}", vars), PXM_OK);
		ck_assert_int_eq(pxm_path_check(&err, buf), PXM_OK);
		ck_assert_int_eq(pxm_path_match(&got, "/nodes/{node}/qemu/{vmid}", buf),
		    PXM_OK);
		ck_assert(json_equal(got, vars));
		json_decref(got);
		json_decref(vars);
	}
}
END_TEST

static char *
encode(const char *json, int *rc, struct pxm_error *err)
{
	struct pxm_buf b = PXM_BUF_INIT;
	json_t *p = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	char *s;

	memset(err, 0, sizeof *err);
	ck_assert_ptr_nonnull(p);
	*rc = pxm_http_form_encode(&b, err, p);
	json_decref(p);
	s = strdup(b.data ? b.data : "");
	pxm_buf_free(&b);
	return s;
}

START_TEST(form_encoding)
{
	struct pxm_error err;
	char *s;
	int rc;

	s = encode("{\"a\":\"x y\",\"b\":true,\"c\":false,\"d\":null,"
	    "\"e\":[1,\"two\",true,null],\"f\":1.5,\"g\":-3,\"h\":0.1}", &rc, &err);
	ck_assert_int_eq(rc, PXM_OK);
	ck_assert_str_eq(s, "a=x%20y&b=1&c=0&e=1&e=two&e=1&f=1.5&g=-3&h=0.1");
	free(s);
	s = encode("{\"a&b=c\":\"v&w=x\",\"u\":\"\\u00fc\",\"nl\":\"a\\nb\"}", &rc, &err);
	ck_assert_int_eq(rc, PXM_OK);
	ck_assert_str_eq(s, "a%26b%3Dc=v%26w%3Dx&u=%C3%BC&nl=a%0Ab");
	free(s);
	s = encode("{}", &rc, &err);
	ck_assert_int_eq(rc, PXM_OK);
	ck_assert_str_eq(s, "");
	free(s);
	s = encode("{\"only\":null}", &rc, &err);
	ck_assert_int_eq(rc, PXM_OK);
	ck_assert_str_eq(s, "");
	free(s);

	s = encode("{\"a\":{\"b\":1}}", &rc, &err);
	ck_assert_int_eq(rc, PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "'a'"));
	ck_assert_ptr_nonnull(strstr(err.text, "accepted"));
	free(s);
	s = encode("{\"a\":[[1]]}", &rc, &err);
	ck_assert_int_eq(rc, PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "'a'"));
	free(s);
	s = encode("{\"a\":\"x\\u0000y\"}", &rc, &err);
	ck_assert_int_eq(rc, PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "NUL"));
	free(s);
	s = encode("[1]", &rc, &err);
	ck_assert_int_eq(rc, PXM_E_INVAL);
	free(s);
	s = encode("{\"\":1}", &rc, &err);
	ck_assert_int_eq(rc, PXM_E_INVAL);
	free(s);
}
END_TEST

START_TEST(fingerprints)
{
	static const char hex[] =
	    "0123456789ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef";
	static const char colons[] =
	    "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:"
	    "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef";
	static const char *const bad[] = {
		"", "0123", "sha256//0123456789ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef",
		"0123456789ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdeg",
		"0123456789ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef00",
		"0:123:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef",
		"01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:",
		"01::23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cdef",
		"SHA256 Fingerprint=01:23",
	};
	char out[PXM_TLS_FP_HEXLEN + 1];
	struct pxm_error err;
	size_t i;

	ck_assert_int_eq(pxm_tls_fingerprint_parse(out, &err, "PROXIMO_FINGERPRINT", hex),
	    PXM_OK);
	ck_assert_str_eq(out, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	ck_assert_int_eq(pxm_tls_fingerprint_parse(out, &err, "PROXIMO_FINGERPRINT",
	    colons), PXM_OK);
	ck_assert_str_eq(out, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&err, 0, sizeof err);
		ck_assert_msg(pxm_tls_fingerprint_parse(out, &err, "PROXIMO_PBS_FINGERPRINT",
		    bad[i]) == PXM_E_CONFIG, "accepted case %zu", i);
		ck_assert_ptr_nonnull(strstr(err.text, "PROXIMO_PBS_FINGERPRINT"));
		ck_assert_ptr_nonnull(strstr(err.text,
		    "openssl x509 -fingerprint -sha256 -noout -in cert.pem"));
		ck_assert_str_eq(out, "");
	}
}
END_TEST

START_TEST(pve_roles)
{
	ck_assert_str_eq(pxm_pve_role_for("VM.PowerMgmt"), "PVEVMUser");
	ck_assert_str_eq(pxm_pve_role_for("VM.Audit"), "PVEAuditor");
	ck_assert_str_eq(pxm_pve_role_for("VM.Snapshot"), "PVEVMAdmin");
	ck_assert_str_eq(pxm_pve_role_for("VM.Clone"), "PVETemplateUser");
	ck_assert_str_eq(pxm_pve_role_for("Datastore.AllocateSpace"), "PVEDatastoreUser");
	ck_assert_str_eq(pxm_pve_role_for("Sys.Modify"), "Administrator");
	ck_assert_str_eq(pxm_pve_role_for("Permissions.Modify"), "Administrator");
	ck_assert_str_eq(pxm_pve_role_for("SDN.Use"), "PVESDNUser");
	ck_assert_ptr_null(pxm_pve_role_for("VM.Teleport"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("transport-path");
	TCase *tc = tcase_create("path");

	tcase_add_test(tc, expand_good_values);
	tcase_add_test(tc, expand_refuses_hostile_values);
	tcase_add_test(tc, expand_length_limit);
	tcase_add_test(tc, expand_types_and_missing);
	tcase_add_test(tc, expand_bad_patterns);
	tcase_add_test(tc, check_paths);
	tcase_add_test(tc, match_paths);
	tcase_add_test(tc, opaque_values);
	tcase_add_test(tc, match_round_trips_expand);
	tcase_add_test(tc, form_encoding);
	tcase_add_test(tc, fingerprints);
	tcase_add_test(tc, pve_roles);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
