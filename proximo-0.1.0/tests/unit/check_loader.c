/**
 * @file check_loader.c
 * @brief The loader against deliberately broken plugins: each refusal has an
 *        exact message, and the good plugins still load beside them.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "meta/meta.h"
#include "plugin/loader.h"
#include "pxmcheck.h"
#include "pxmtest.h"
#include "registry/registry.h"
#include "util/error.h"

static char dir[512];
static struct pxm_registry *reg;
static struct pxm_plugin_set *set;

static void
setup(void)
{
	pxmtest_tmpdir(dir, sizeof dir);
	ck_assert_int_eq(pxm_registry_new(&reg), PXM_OK);
	set = NULL;
}

static void
teardown(void)
{
	pxm_loader_unload_all(set);
	pxm_registry_free(reg);
	pxmtest_rmrf(dir);
}

static const struct pxm_plugin *
find(const char *name)
{
	size_t i;

	for (i = 0; set && i < set->n; i++)
		if (strcmp(set->plugins[i]->name, name) == 0)
			return set->plugins[i];
	ck_abort_msg("plugin %s not in the set", name);
	return NULL;
}

/* Load `name` beside `good` and check the refusal text exactly.  The
 * format takes the name, then the path (twice at most). */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
expect_refusal(const char *name, const char *reason_fmt)
{
	char want[2048], path[1024];
	struct pxm_error err;
	const struct pxm_plugin *p;
	char list[256];

	struct stat st;

	pxmtest_install_fixture(dir, "good");
	snprintf(path, sizeof path, "%s/%s.so", dir, name);
	if (stat(path, &st) != 0)	/* a test may have prepared it already */
		pxmtest_install_fixture(dir, name);
	snprintf(list, sizeof list, "good,%s", name);
	ck_assert_int_eq(pxm_loader_load(&set, &err, reg, dir, list), PXM_OK);
	p = find(name);
	snprintf(want, sizeof want, reason_fmt, name, path, path);
	ck_assert_int_eq(p->loaded, 0);
	ck_assert_ptr_nonnull(p->refusal);
	ck_assert_str_eq(p->refusal, want);
	/* The good plugin is unaffected. */
	ck_assert_int_eq(find("good")->loaded, 1);
	ck_assert_ptr_nonnull(pxm_registry_find(reg, "good_echo"));
}

START_TEST(test_good_plugin_loads)
{
	struct pxm_error err;
	const struct pxm_plugin *p;
	const struct pxm_tool_def *d;

	pxmtest_install_fixture(dir, "good");
	ck_assert_int_eq(pxm_loader_load(&set, &err, reg, dir, NULL), PXM_OK);
	p = find("good");
	ck_assert_int_eq(p->loaded, 1);
	ck_assert_str_eq(p->version, "1.2.3");
	ck_assert_uint_eq(p->sdk_major, PXM_SDK_VERSION_MAJOR);
	d = pxm_registry_find(reg, "good_echo");
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->surface, "good");
	ck_assert_uint_eq(d->kind, PXM_KIND_READ);
}
END_TEST

START_TEST(test_bad_magic)
{
	expect_refusal("bad_magic", "plugin '%s' (%s): bad magic 0x12345678 (expected 0x50584d50): "
	    "not a Proximo plugin descriptor");
}
END_TEST

START_TEST(test_newer_minor)
{
	char fmt[512];

	snprintf(fmt, sizeof fmt, "plugin '%%s' (%%s): built for SDK %u.%u, this proximo provides "
	    "SDK %u.%u (the plugin is newer); upgrade proximo or rebuild the plugin",
	    PXM_SDK_VERSION_MAJOR, PXM_SDK_VERSION_MINOR + 1, PXM_SDK_VERSION_MAJOR,
	    PXM_SDK_VERSION_MINOR);
	expect_refusal("newer_minor", fmt);
}
END_TEST

START_TEST(test_other_major)
{
	char fmt[512];

	snprintf(fmt, sizeof fmt, "plugin '%%s' (%%s): built for SDK %u.0, this proximo provides "
	    "SDK %u.%u (major versions differ); rebuild the plugin against this proximo's SDK",
	    PXM_SDK_VERSION_MAJOR + 1, PXM_SDK_VERSION_MAJOR, PXM_SDK_VERSION_MINOR);
	expect_refusal("other_major", fmt);
}
END_TEST

START_TEST(test_small_size)
{
	char fmt[512];

	snprintf(fmt, sizeof fmt, "plugin '%%s' (%%s): descriptor size 16 is smaller than "
	    "SDK %u.0's %zu bytes", PXM_SDK_VERSION_MAJOR, sizeof (struct pxm_plugin_descriptor));
	expect_refusal("small_size", fmt);
}
END_TEST

START_TEST(test_name_mismatch)
{
	expect_refusal("name_mismatch", "plugin '%s' (%s): descriptor names the plugin "
	    "'somebody_else' but the file is name_mismatch.so; the two must match");
}
END_TEST

START_TEST(test_missing_symbol)
{
	expect_refusal("no_symbol", "plugin '%s' (%s): no pxm_plugin_descriptor symbol: not a "
	    "Proximo plugin (define one with PXM_PLUGIN_DEFINE)");
}
END_TEST

START_TEST(test_duplicate_tool_rolls_back)
{
	struct pxm_error err;

	/* The core's own tools are registered first, as in a real start. */
	ck_assert_ptr_null(pxm_registry_find(reg, "proximo_status"));
	{
		struct pxm_tool t;

		memset(&t, 0, sizeof t);
		t.size = sizeof t;
		t.kind = PXM_KIND_READ;
		t.name = "proximo_status";
		t.description = "READ-ONLY: stand-in for the core tool";
		t.input_schema = "{\"type\":\"object\",\"additionalProperties\":false}";
		t.read = (pxm_read_fn *)1;
		ck_assert_int_eq(pxm_registry_add_tool(reg, &err, NULL, "proximo", &t), PXM_OK);
	}
	expect_refusal("dup_tool", "plugin '%s' (%s): registration failed: tool 'proximo_status' "
	    "is already registered");
	/* What it registered before the failure is gone too. */
	ck_assert_ptr_null(pxm_registry_find(reg, "dup_first"));
}
END_TEST

START_TEST(test_init_failure_rolls_back)
{
	expect_refusal("init_fail", "plugin '%s' (%s): init failed (-15: configuration error)");
	ck_assert_ptr_null(pxm_registry_find(reg, "init_fail_orphan"));
}
END_TEST

START_TEST(test_permissive_schema_refused)
{
	expect_refusal("bad_schema", "plugin '%s' (%s): registration failed: tool 'bad_schema_tool' "
	    "input schema must set \"additionalProperties\": false (unknown arguments are refused)");
}
END_TEST

START_TEST(test_world_writable_refused)
{
	char path[1024];

	pxmtest_install_fixture(dir, "init_fail");
	snprintf(path, sizeof path, "%s/init_fail.so", dir);
	ck_assert_int_eq(chmod(path, 0666), 0);
	expect_refusal("init_fail", "plugin '%s' (%s): refusing a plugin file that is "
	    "group/world-writable (mode 666): anyone who can write it can run code as proximo; "
	    "fix: chmod go-w %s");
}
END_TEST

START_TEST(test_not_elf)
{
	char path[1024];
	struct pxm_error err;
	const struct pxm_plugin *p;

	pxmtest_install_fixture(dir, "good");
	snprintf(path, sizeof path, "%s/notelf.so", dir);
	pxmtest_write_file(path, "this is a text file\n", 0644);
	ck_assert_int_eq(pxm_loader_load(&set, &err, reg, dir, NULL), PXM_OK);
	p = find("notelf");
	ck_assert_int_eq(p->loaded, 0);
	{
		char want[1200];
		snprintf(want, sizeof want, "plugin 'notelf' (%s): not an ELF shared object", path);
		ck_assert_str_eq(p->refusal, want);
	}
	ck_assert_int_eq(find("good")->loaded, 1);
}
END_TEST

START_TEST(test_missing_listed_plugin)
{
	struct pxm_error err;
	const struct pxm_plugin *p;

	ck_assert_int_eq(pxm_loader_load(&set, &err, reg, dir, "absent"), PXM_OK);
	p = find("absent");
	ck_assert_int_eq(p->loaded, 0);
	ck_assert_ptr_nonnull(strstr(p->refusal, "cannot read the plugin file: No such file"));
}
END_TEST

START_TEST(test_bad_list_is_a_config_error)
{
	struct pxm_error err;

	ck_assert_int_eq(pxm_loader_load(&set, &err, reg, dir, "pve,../evil"), PXM_E_CONFIG);
	ck_assert_str_eq(err.text, "PROXIMO_PLUGINS: '../evil' is not a plugin name "
	    "(lowercase letters, digits, '_')");
}
END_TEST

static Suite *
loader_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("fixtures");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_good_plugin_loads);
	tcase_add_test(tc, test_bad_magic);
	tcase_add_test(tc, test_newer_minor);
	tcase_add_test(tc, test_other_major);
	tcase_add_test(tc, test_small_size);
	tcase_add_test(tc, test_name_mismatch);
	tcase_add_test(tc, test_missing_symbol);
	tcase_add_test(tc, test_duplicate_tool_rolls_back);
	tcase_add_test(tc, test_init_failure_rolls_back);
	tcase_add_test(tc, test_permissive_schema_refused);
	tcase_add_test(tc, test_world_writable_refused);
	tcase_add_test(tc, test_not_elf);
	tcase_add_test(tc, test_missing_listed_plugin);
	tcase_add_test(tc, test_bad_list_is_a_config_error);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(loader_suite)
