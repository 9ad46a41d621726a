/**
 * @file check_sim.c
 * @brief proximo-sim over real HTTPS: startup contract, authentication,
 *        permissions, routing, PVE state transitions, tasks and locks,
 *        request log, control port and faults.
 *
 * One simulator per test case (started in an unchecked fixture); every test
 * resets state, faults and the request log first, so tests stay independent.
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sim_harness.h"
#include "simtest.h"

static struct pxm_sim *sim;

static void
sim_up(void)
{
	const char *args[] = { "--task-ms", "150", NULL };

	st_sim_up(&sim, args);
}

static void
sim_down(void)
{
	st_sim_down(&sim);
}

static void
fresh(void)
{
	st_fresh(sim);
}

static char *
wait_upid(struct st_resp *r)
{
	const char *u = json_string_value(st_data(r));

	ck_assert_msg(u != NULL, "no UPID in %s", r->body);
	return strdup(u);
}

/* ------------------------------------------------------------- startup */

START_TEST(test_ready_line)
{
	ck_assert_ptr_nonnull(sim->ready);
	ck_assert(json_is_true(json_object_get(sim->ready, "ready")));
	ck_assert_int_gt(sim->pve_port, 0);
	ck_assert_int_gt(sim->pbs_port, 0);
	ck_assert_int_gt(sim->pmg_port, 0);
	ck_assert_int_gt(sim->control_port, 0);
	ck_assert_int_ne(sim->pve_port, sim->pbs_port);
	ck_assert_str_eq(strstr(sim->pve_url, "/api2/json"), "/api2/json");
	ck_assert(strncmp(sim->pve_url, "https://127.0.0.1:", 18) == 0);
	ck_assert_int_eq((int)strlen(sim->fingerprint_hex), 64);
	ck_assert_int_eq((int)strlen(sim->fingerprint), 95);
	ck_assert_int_eq(json_integer_value(json_object_get(sim->ready, "pid")) > 0, 1);
}
END_TEST

/* The fingerprint in the ready line is the served certificate's. */
START_TEST(test_ready_fingerprint)
{
	CURL *c = curl_easy_init();
	struct curl_certinfo *ci = NULL;
	char url[300], hex[65];
	int i, found = 0;

	snprintf(url, sizeof url, "%s/version", sim->pve_url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
	curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	ck_assert_int_eq(curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci), CURLE_OK);
	ck_assert_ptr_nonnull(ci);
	ck_assert_int_ge(ci->num_of_certs, 1);
	for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next) {
		if (strncmp(s->data, "Cert:", 5) == 0) {
			BIO *b = BIO_new_mem_buf(s->data + 5, -1);
			X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
			unsigned char md[32];
			unsigned int n = 0;
			ck_assert_ptr_nonnull(x);
			X509_digest(x, EVP_sha256(), md, &n);
			for (i = 0; i < 32; i++)
				snprintf(hex + 2 * i, 3, "%02x", md[i]);
			ck_assert_str_eq(hex, sim->fingerprint_hex);
			found = 1;
			X509_free(x);
			BIO_free(b);
		}
	}
	ck_assert(found);
	curl_easy_cleanup(c);
}
END_TEST

START_TEST(test_token_files_private)
{
	struct stat st;
	char *tok = pxm_sim_read_file(sim->token_file);

	ck_assert_int_eq(stat(sim->token_file, &st), 0);
	ck_assert_int_eq(st.st_mode & 077, 0);
	ck_assert_ptr_nonnull(tok);
	ck_assert(strncmp(tok, "root@pam!proximo=", 17) == 0);
	ck_assert_int_eq((int)strlen(tok), 17 + 36);
	free(tok);
	tok = pxm_sim_read_file(sim->pbs_token_file);
	ck_assert(strncmp(tok, "root@pam!proximo:", 17) == 0);
	free(tok);
}
END_TEST

/* ---------------------------------------------------------------- auth */

START_TEST(test_pve_no_auth_401_empty)
{
	struct st_resp r;
	json_t *log;

	fresh();
	st_call(&r, sim, "pve", "GET", "/nodes", NULL, ST_NOAUTH, NULL);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(r.body, "");
	ck_assert(r.conn_close);
	st_resp_free(&r);
	ck_assert_int_eq(pxm_sim_requests(&log, sim), 0);
	ck_assert_int_eq(json_array_size(json_object_get(log, "requests")), 1);
	ck_assert_str_eq(st_jstr(json_array_get(json_object_get(log, "requests"), 0), "error"),
	    "No ticket");
	json_decref(log);
}
END_TEST

START_TEST(test_pve_bad_token_401)
{
	struct st_resp r;
	char *tok = pxm_sim_read_file(sim->token_file), hdr[512];

	fresh();
	tok[strlen(tok) - 1] = tok[strlen(tok) - 1] == '0' ? '1' : '0';
	snprintf(hdr, sizeof hdr, "Authorization: PVEAPIToken=%s", tok);
	st_call(&r, sim, "pve", "GET", "/version", NULL, ST_RAW, hdr);
	ck_assert_int_eq(r.status, 401);
	st_resp_free(&r);
	/* PBS's separator on PVE is not a token */
	snprintf(hdr, sizeof hdr, "Authorization: PVEAPIToken=root@pam!nosuch=abc");
	st_call(&r, sim, "pve", "GET", "/version", NULL, ST_RAW, hdr);
	ck_assert_int_eq(r.status, 401);
	st_resp_free(&r);
	free(tok);
}
END_TEST

START_TEST(test_pve_token_ok)
{
	struct st_resp r;

	fresh();
	st_call(&r, sim, "pve", "GET", "/version", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(st_jstr(st_data(&r), "release"), "9.0");
	ck_assert_ptr_nonnull(r.ctype);
	ck_assert(strncmp(r.ctype, "application/json", 16) == 0);
	st_resp_free(&r);
}
END_TEST

START_TEST(test_pve_ticket_and_csrf)
{
	struct st_resp r;
	json_t *state, *pw;
	char *cookie, *csrf;
	const char *hdrs[2] = { NULL, NULL };
	char password[128];

	fresh();
	ck_assert_int_eq(pxm_sim_control(&state, sim, "GET", "/state/pve/access/users/root@pam",
	    NULL), 200);
	/* /state masks secrets: set a known password for this test. */
	pw = json_string("s3cret-Passw0rd");
	ck_assert_int_eq(pxm_sim_state_put(sim, "/pve/access/users/root@pam/password", pw), 0);
	json_decref(pw);
	ck_assert_str_eq(st_jstr(state, "password"), "********");
	json_decref(state);
	snprintf(password, sizeof password, "s3cret-Passw0rd");
	ck_assert_int_eq(st_login(sim, "pve", "root@pam", "wrong", &cookie, &csrf), -1);
	st_call(&r, sim, "pve", "POST", "/access/ticket", "username=root@pam&password=wrong",
	    ST_NOAUTH, NULL);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(st_jstr(r.json, "message"), "authentication failure\n");
	st_resp_free(&r);
	ck_assert_int_eq(st_login(sim, "pve", "root@pam", password, &cookie, &csrf), 0);
	st_call(&r, sim, "pve", "GET", "/nodes", NULL, ST_RAW, cookie);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	/* non-GET with a ticket needs the CSRF token */
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/status/stop", NULL, ST_RAW, cookie);
	ck_assert_int_eq(r.status, 401);
	st_resp_free(&r);
	hdrs[0] = csrf;
	st_headers(hdrs);
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/status/stop", NULL, ST_RAW, cookie);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strncmp(json_string_value(st_data(&r)), "UPID:pve1:", 10) == 0);
	ck_assert(strstr(json_string_value(st_data(&r)), ":qmstop:100:root@pam:") != NULL);
	st_resp_free(&r);
	/* expired tickets read as invalid */
	{
		json_t *f = json_pack("{s:b}", "expire_tickets", 1);
		ck_assert_int_eq(pxm_sim_faults(sim, f), 0);
		json_decref(f);
	}
	st_call(&r, sim, "pve", "GET", "/nodes", NULL, ST_RAW, cookie);
	ck_assert_int_eq(r.status, 401);
	st_resp_free(&r);
	free(cookie);
	free(csrf);
}
END_TEST

/* ---------------------------------------------------------- permissions */

START_TEST(test_readonly_token_403)
{
	struct st_resp r;
	char hdr[256];
	const char *secret;

	fresh();
	/* Create a known token for audit@pve via the API (as root). */
	st_call(&r, sim, "pve", "POST", "/access/users/audit@pve/token/t2", "privsep=0", ST_TOKEN,
	    NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(st_jstr(st_data(&r), "full-tokenid"), "audit@pve!t2");
	secret = st_jstr(st_data(&r), "value");
	ck_assert_ptr_nonnull(secret);
	snprintf(hdr, sizeof hdr, "Authorization: PVEAPIToken=audit@pve!t2=%s", secret);
	st_resp_free(&r);

	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/status/current", NULL, ST_RAW, hdr);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/status/stop", NULL, ST_RAW, hdr);
	ck_assert_int_eq(r.status, 403);
	ck_assert_str_eq(st_jstr(r.json, "message"),
	    "Permission check failed (/vms/100, VM.PowerMgmt)\n");
	st_resp_free(&r);
	st_call(&r, sim, "pve", "PUT", "/nodes/pve1/qemu/100/config", "cores=4", ST_RAW, hdr);
	ck_assert_int_eq(r.status, 403);
	ck_assert(strstr(st_jstr(r.json, "message"), "VM.Config.Disk|VM.Config.CDROM") != NULL);
	st_resp_free(&r);
}
END_TEST

/* A privilege-separated token gets the intersection of its ACL and its
 * user's: the token has PVEVMAdmin on /vms/100, the user only PVEAuditor. */
START_TEST(test_privsep_intersection)
{
	struct st_resp r;
	char hdr[256];
	json_t *perm;

	fresh();
	st_call(&r, sim, "pve", "POST", "/access/users/audit@pve/token/sep", "privsep=1",
	    ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	snprintf(hdr, sizeof hdr, "Authorization: PVEAPIToken=audit@pve!sep=%s",
	    st_jstr(st_data(&r), "value"));
	st_resp_free(&r);
	st_call(&r, sim, "pve", "PUT", "/access/acl", "path=/vms/100&roles=PVEVMAdmin&"
	    "tokens=audit@pve!sep", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	st_call(&r, sim, "pve", "GET", "/access/permissions", "path=/vms/100", ST_RAW, hdr);
	ck_assert_int_eq(r.status, 200);
	perm = json_object_get(st_data(&r), "/vms/100");
	ck_assert_ptr_nonnull(perm);
	ck_assert_ptr_nonnull(json_object_get(perm, "VM.Audit"));
	ck_assert_ptr_null(json_object_get(perm, "VM.PowerMgmt"));
	st_resp_free(&r);
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/status/start", NULL, ST_RAW, hdr);
	ck_assert_int_eq(r.status, 403);
	st_resp_free(&r);
	/* give the user the role too: now the token may */
	st_call(&r, sim, "pve", "PUT", "/access/acl", "path=/vms/100&roles=PVEVMAdmin&"
	    "users=audit@pve", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/status/start", NULL, ST_RAW, hdr);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
}
END_TEST

START_TEST(test_access_permissions_root)
{
	struct st_resp r;
	json_t *root;

	fresh();
	st_call(&r, sim, "pve", "GET", "/access/permissions", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	root = json_object_get(st_data(&r), "/");
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "Sys.Modify")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "VM.PowerMgmt")), 1);
	ck_assert_ptr_nonnull(json_object_get(st_data(&r), "/vms"));
	st_resp_free(&r);
}
END_TEST

/* ------------------------------------------------------------- routing */

START_TEST(test_unknown_path_501)
{
	struct st_resp r;

	fresh();
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/nosuchthing", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 501);
	ck_assert_str_eq(st_jstr(r.json, "message"), "Method 'GET /nodes/pve1/nosuchthing' not implemented");
	ck_assert(json_is_null(json_object_get(r.json, "data")));
	st_resp_free(&r);
	/* a known path with the wrong method */
	st_call(&r, sim, "pve", "DELETE", "/version", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 501);
	st_resp_free(&r);
}
END_TEST

START_TEST(test_missing_guest_500)
{
	struct st_resp r;

	fresh();
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/999/status/current", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 500);
	ck_assert_str_eq(st_jstr(r.json, "message"),
	    "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist\n");
	st_resp_free(&r);
	/* the LXC guest through the QEMU path is missing too */
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/101/config", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 500);
	st_resp_free(&r);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/lxc/101/config", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(st_jstr(st_data(&r), "hostname"), "db1");
	st_resp_free(&r);
	/* an unknown node */
	st_call(&r, sim, "pve", "GET", "/nodes/nope/qemu", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 500);
	ck_assert(strstr(st_jstr(r.json, "message"), "hostname lookup 'nope' failed") != NULL);
	st_resp_free(&r);
}
END_TEST

/* ---------------------------------------------------------- validation */

START_TEST(test_validation_errors)
{
	struct st_resp r;
	json_t *e;

	fresh();
	st_call(&r, sim, "pve", "PUT", "/nodes/pve1/qemu/100/config",
	    "cores=abc&bogus=1&acpi=true&net0=virtio,bridge=vmbr0,nokey=1", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(st_jstr(r.json, "message"), "Parameter verification failed.\n");
	e = json_object_get(r.json, "errors");
	ck_assert_str_eq(st_jstr(e, "cores"), "type check ('integer') failed - got 'abc'");
	ck_assert_str_eq(st_jstr(e, "bogus"), "property is not defined in schema and the schema "
	    "does not allow additional properties");
	ck_assert_str_eq(st_jstr(e, "acpi"), "type check ('boolean') failed - got 'true'");
	ck_assert(strstr(st_jstr(e, "net0"), "invalid key in comma-separated list property: nokey") != NULL);
	st_resp_free(&r);
	/* indexed parameters: net0..net31 exist, net32 does not */
	st_call(&r, sim, "pve", "PUT", "/nodes/pve1/qemu/100/config",
	    "net31=virtio,bridge=vmbr1&net32=virtio,bridge=vmbr1", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 400);
	e = json_object_get(r.json, "errors");
	ck_assert_ptr_null(json_object_get(e, "net31"));
	ck_assert_ptr_nonnull(json_object_get(e, "net32"));
	st_resp_free(&r);
	/* out-of-range, enum and missing required */
	st_call(&r, sim, "pve", "PUT", "/nodes/pve1/qemu/100/config", "cores=0&ostype=dos",
	    ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 400);
	e = json_object_get(r.json, "errors");
	ck_assert_str_eq(st_jstr(e, "cores"), "value must have a minimum value of 1");
	ck_assert(strncmp(st_jstr(e, "ostype"), "value 'dos' does not have a value in the enumeration", 52) == 0);
	st_resp_free(&r);
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/snapshot", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(st_jstr(json_object_get(r.json, "errors"), "snapname"),
	    "property is missing and it is not optional");
	st_resp_free(&r);
	/* formats */
	/* proxied calls resolve {node} before validating, as pve-http-server */
	st_call(&r, sim, "pve", "GET", "/nodes/pve_1/qemu", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 500);
	ck_assert(strncmp(st_jstr(r.json, "message"), "hostname lookup 'pve_1' failed", 30) == 0);
	st_resp_free(&r);
	st_call(&r, sim, "pve", "GET", "/cluster/resources", "type=vms", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(st_jstr(json_object_get(r.json, "errors"), "type"),
	    "value 'vms' does not have a value in the enumeration 'vm, storage, node, sdn'");
	st_resp_free(&r);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/99/config", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(st_jstr(json_object_get(r.json, "errors"), "vmid"),
	    "invalid format - value does not look like a valid VM ID\n");
	st_resp_free(&r);
}
END_TEST

START_TEST(test_validation_json_body)
{
	struct st_resp r;

	fresh();
	st_call_json(&r, sim, "pve", "PUT", "/nodes/pve1/qemu/100/config",
	    "{\"cores\": 3, \"acpi\": true}", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/config", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(st_data(&r), "cores")), 3);
	st_resp_free(&r);
}
END_TEST

/* ------------------------------------------------------------- config */

START_TEST(test_config_digest)
{
	struct st_resp r;
	char form[256], *digest;

	fresh();
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/config", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	digest = strdup(st_jstr(st_data(&r), "digest"));
	ck_assert_int_eq((int)strlen(digest), 40);
	ck_assert_str_eq(st_jstr(st_data(&r), "name"), "web1");
	st_resp_free(&r);
	snprintf(form, sizeof form, "description=hello&digest=%s", digest);
	st_call(&r, sim, "pve", "PUT", "/nodes/pve1/qemu/100/config", form, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	/* the same (now stale) digest is refused */
	st_call(&r, sim, "pve", "PUT", "/nodes/pve1/qemu/100/config", form, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 500);
	ck_assert_str_eq(st_jstr(r.json, "message"),
	    "detected modified configuration - file changed by other user? Try again.\n");
	st_resp_free(&r);
	/* delete= removes keys; the digest changes */
	st_call(&r, sim, "pve", "PUT", "/nodes/pve1/qemu/100/config", "delete=description,agent",
	    ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/config", NULL, ST_TOKEN, NULL);
	ck_assert_ptr_null(json_object_get(st_data(&r), "description"));
	ck_assert_ptr_null(json_object_get(st_data(&r), "agent"));
	ck_assert_str_ne(st_jstr(st_data(&r), "digest"), digest);
	st_resp_free(&r);
	free(digest);
}
END_TEST

START_TEST(test_disk_allocation_and_unused)
{
	struct st_resp r;

	fresh();
	st_call(&r, sim, "pve", "PUT", "/nodes/pve1/qemu/100/config", "scsi1=local-lvm:10",
	    ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/config", NULL, ST_TOKEN, NULL);
	ck_assert_str_eq(st_jstr(st_data(&r), "scsi1"), "local-lvm:vm-100-disk-1,size=10G");
	st_resp_free(&r);
	st_call(&r, sim, "pve", "PUT", "/nodes/pve1/qemu/100/config", "delete=scsi1",
	    ST_TOKEN, NULL);
	st_resp_free(&r);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/config", NULL, ST_TOKEN, NULL);
	ck_assert_str_eq(st_jstr(st_data(&r), "unused0"), "local-lvm:vm-100-disk-1");
	st_resp_free(&r);
	st_call(&r, sim, "pve", "PUT", "/nodes/pve1/qemu/100/config", "scsi2=nosuch:10",
	    ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 500);
	ck_assert_str_eq(st_jstr(r.json, "message"), "storage 'nosuch' does not exist\n");
	st_resp_free(&r);
}
END_TEST

/* ------------------------------------------------------ tasks and locks */

START_TEST(test_power_task_lifecycle)
{
	struct st_resp r;
	char *upid;
	json_t *st;

	fresh();
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/lxc/101/status/start", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	upid = wait_upid(&r);
	ck_assert(strncmp(upid, "UPID:pve1:", 10) == 0);
	ck_assert(strstr(upid, ":vzstart:101:root@pam!proximo:") != NULL);
	st_resp_free(&r);
	st = st_wait_task(sim, "pve", "pve1", upid, 10000);
	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(st_jstr(st, "exitstatus"), "OK");
	ck_assert_str_eq(st_jstr(st, "type"), "vzstart");
	ck_assert_str_eq(st_jstr(st, "user"), "root@pam");
	ck_assert_str_eq(st_jstr(st, "tokenid"), "proximo");
	json_decref(st);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/lxc/101/status/current", NULL, ST_TOKEN, NULL);
	ck_assert_str_eq(st_jstr(st_data(&r), "status"), "running");
	st_resp_free(&r);
	/* starting it again fails the task, as PVE does */
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/lxc/101/status/start", NULL, ST_TOKEN, NULL);
	free(upid);
	upid = wait_upid(&r);
	st_resp_free(&r);
	st = st_wait_task(sim, "pve", "pve1", upid, 10000);
	ck_assert_str_eq(st_jstr(st, "exitstatus"), "CT 101 already running");
	json_decref(st);
	/* the log ends with the error line */
	{
		char path[512];
		CURL *c = curl_easy_init();
		char *esc = curl_easy_escape(c, upid, 0);
		size_t n;
		snprintf(path, sizeof path, "/nodes/pve1/tasks/%s/log", esc);
		curl_free(esc);
		curl_easy_cleanup(c);
		st_call(&r, sim, "pve", "GET", path, NULL, ST_TOKEN, NULL);
		ck_assert_int_eq(r.status, 200);
		n = json_array_size(st_data(&r));
		ck_assert_int_ge((int)n, 1);
		ck_assert_str_eq(st_jstr(json_array_get(st_data(&r), n - 1), "t"),
		    "TASK ERROR: CT 101 already running");
		ck_assert_int_eq(json_integer_value(json_object_get(r.json, "total")), (int)n);
		st_resp_free(&r);
	}
	free(upid);
	/* reboot of a stopped guest is refused synchronously */
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/status/stop", NULL, ST_TOKEN, NULL);
	upid = wait_upid(&r);
	st_resp_free(&r);
	st = st_wait_task(sim, "pve", "pve1", upid, 10000);
	json_decref(st);
	free(upid);
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/status/reboot", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 500);
	ck_assert_str_eq(st_jstr(r.json, "message"), "VM 100 not running\n");
	st_resp_free(&r);
}
END_TEST

START_TEST(test_snapshot_tree_and_lock)
{
	struct st_resp r;
	char *upid;
	json_t *st, *list;
	size_t i;
	int seen_current = 0;

	fresh();
	/* a task that never finishes holds the snapshot lock */
	{
		json_t *f = json_pack("{s:s}", "task_never_finishes", "qmsnapshot");
		ck_assert_int_eq(pxm_sim_faults(sim, f), 0);
		json_decref(f);
	}
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/snapshot", "snapname=s1&description=first",
	    ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	upid = wait_upid(&r);
	st_resp_free(&r);
	st_call(&r, sim, "pve", "PUT", "/nodes/pve1/qemu/100/config", "cores=4", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 500);
	ck_assert_str_eq(st_jstr(r.json, "message"), "VM is locked (snapshot)\n");
	st_resp_free(&r);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/config", NULL, ST_TOKEN, NULL);
	ck_assert_str_eq(st_jstr(st_data(&r), "lock"), "snapshot");
	st_resp_free(&r);
	/* stop the task: the snapshot is dropped, the lock released */
	{
		char path[512];
		CURL *c = curl_easy_init();
		char *esc = curl_easy_escape(c, upid, 0);
		snprintf(path, sizeof path, "/nodes/pve1/tasks/%s", esc);
		curl_free(esc);
		curl_easy_cleanup(c);
		st_call(&r, sim, "pve", "DELETE", path, NULL, ST_TOKEN, NULL);
		ck_assert_int_eq(r.status, 200);
		st_resp_free(&r);
	}
	st = st_wait_task(sim, "pve", "pve1", upid, 2000);
	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(st_jstr(st, "exitstatus"), "interrupted by signal");
	json_decref(st);
	free(upid);
	ck_assert_int_eq(pxm_sim_faults(sim, NULL), 0);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/config", NULL, ST_TOKEN, NULL);
	ck_assert_ptr_null(json_object_get(st_data(&r), "lock"));
	ck_assert_ptr_null(json_object_get(st_data(&r), "parent"));
	st_resp_free(&r);

	/* two snapshots: s2's parent is s1; current's parent is s2 */
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/snapshot", "snapname=s1", ST_TOKEN, NULL);
	upid = wait_upid(&r);
	st_resp_free(&r);
	st = st_wait_task(sim, "pve", "pve1", upid, 10000);
	ck_assert_str_eq(st_jstr(st, "exitstatus"), "OK");
	json_decref(st);
	free(upid);
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/snapshot", "snapname=s2", ST_TOKEN, NULL);
	upid = wait_upid(&r);
	st_resp_free(&r);
	st = st_wait_task(sim, "pve", "pve1", upid, 10000);
	json_decref(st);
	free(upid);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/snapshot", NULL, ST_TOKEN, NULL);
	list = st_data(&r);
	ck_assert_int_eq((int)json_array_size(list), 3);
	json_array_foreach(list, i, st) {
		if (strcmp(st_jstr(st, "name"), "s2") == 0)
			ck_assert_str_eq(st_jstr(st, "parent"), "s1");
		if (strcmp(st_jstr(st, "name"), "current") == 0) {
			ck_assert_str_eq(st_jstr(st, "parent"), "s2");
			ck_assert_str_eq(st_jstr(st, "description"), "You are here!");
			seen_current = 1;
		}
	}
	ck_assert(seen_current);
	st_resp_free(&r);
	/* duplicate names fail the task */
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/snapshot", "snapname=s1", ST_TOKEN, NULL);
	upid = wait_upid(&r);
	st_resp_free(&r);
	st = st_wait_task(sim, "pve", "pve1", upid, 10000);
	ck_assert_str_eq(st_jstr(st, "exitstatus"), "snapshot name 's1' already used");
	json_decref(st);
	free(upid);
	/* deleting s1 re-parents s2 */
	st_call(&r, sim, "pve", "DELETE", "/nodes/pve1/qemu/100/snapshot/s1", NULL, ST_TOKEN, NULL);
	upid = wait_upid(&r);
	st_resp_free(&r);
	st = st_wait_task(sim, "pve", "pve1", upid, 10000);
	ck_assert_str_eq(st_jstr(st, "exitstatus"), "OK");
	json_decref(st);
	free(upid);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/snapshot", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq((int)json_array_size(st_data(&r)), 2);
	ck_assert_ptr_null(json_object_get(json_array_get(st_data(&r), 0), "parent"));
	st_resp_free(&r);
}
END_TEST

START_TEST(test_snapshot_unsupported_storage)
{
	struct st_resp r;
	char *upid;
	json_t *st, *v;

	fresh();
	/* move the disk onto a plain LVM storage (no snapshots) */
	v = json_pack("{s:s, s:s, s:s}", "type", "lvm", "vgname", "vg0", "content", "images");
	ck_assert_int_eq(pxm_sim_state_put(sim, "/pve/storage/thick", v), 0);
	json_decref(v);
	v = json_string("thick:vm-100-disk-0,size=32G");
	ck_assert_int_eq(pxm_sim_state_put(sim, "/pve/guests/100/config/scsi0", v), 0);
	json_decref(v);
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/snapshot", "snapname=nope",
	    ST_TOKEN, NULL);
	upid = wait_upid(&r);
	st_resp_free(&r);
	st = st_wait_task(sim, "pve", "pve1", upid, 10000);
	ck_assert_str_eq(st_jstr(st, "exitstatus"), "snapshot feature is not available");
	json_decref(st);
	free(upid);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/snapshot", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq((int)json_array_size(st_data(&r)), 1);
	st_resp_free(&r);
}
END_TEST

START_TEST(test_fail_task_fault)
{
	struct st_resp r;
	char *upid;
	json_t *st, *f;

	fresh();
	f = json_pack("{s:{s:s, s:s}}", "fail_task", "type", "qmstop", "message", "boom");
	ck_assert_int_eq(pxm_sim_faults(sim, f), 0);
	json_decref(f);
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/status/stop", NULL, ST_TOKEN, NULL);
	upid = wait_upid(&r);
	st_resp_free(&r);
	st = st_wait_task(sim, "pve", "pve1", upid, 10000);
	ck_assert_str_eq(st_jstr(st, "exitstatus"), "boom");
	json_decref(st);
	free(upid);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/status/current", NULL, ST_TOKEN, NULL);
	ck_assert_str_eq(st_jstr(st_data(&r), "status"), "running");
	st_resp_free(&r);
}
END_TEST

/* ----------------------------------------------------- log and control */

START_TEST(test_request_log_masks_secrets)
{
	struct st_resp r;
	json_t *log, *e;
	char *tok = pxm_sim_read_file(sim->token_file);

	fresh();
	st_call(&r, sim, "pve", "POST", "/access/ticket",
	    "username=root@pam&password=SuperSecretValue123", ST_NOAUTH, NULL);
	st_resp_free(&r);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu", "full=1", ST_TOKEN, NULL);
	st_resp_free(&r);
	ck_assert_int_eq(pxm_sim_requests(&log, sim), 0);
	ck_assert_int_eq((int)json_array_size(json_object_get(log, "requests")), 2);
	e = json_array_get(json_object_get(log, "requests"), 0);
	ck_assert_str_eq(st_jstr(e, "method"), "POST");
	ck_assert_str_eq(st_jstr(e, "path"), "/api2/json/access/ticket");
	ck_assert_str_eq(st_jstr(json_object_get(e, "params"), "password"), "********");
	ck_assert_str_eq(st_jstr(json_object_get(e, "params"), "username"), "root@pam");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "status")), 401);
	e = json_array_get(json_object_get(log, "requests"), 1);
	ck_assert_str_eq(st_jstr(e, "identity"), "root@pam!proximo");
	ck_assert_str_eq(st_jstr(json_object_get(e, "params"), "full"), "1");
	{
		char *dump = json_dumps(log, 0);
		const char *secret = strchr(tok, '=') + 1;
		ck_assert_ptr_null(strstr(dump, "SuperSecretValue123"));
		ck_assert_ptr_null(strstr(dump, secret));
		free(dump);
	}
	json_decref(log);
	free(tok);
	/* nothing sent: the log stays empty */
	ck_assert_int_eq(pxm_sim_requests_clear(sim), 0);
	ck_assert_int_eq(pxm_sim_requests(&log, sim), 0);
	ck_assert_int_eq((int)json_array_size(json_object_get(log, "requests")), 0);
	json_decref(log);
}
END_TEST

START_TEST(test_control_state_and_reset)
{
	struct st_resp r;
	json_t *st, *v;

	fresh();
	v = json_string("stopped");
	ck_assert_int_eq(pxm_sim_state_put(sim, "/pve/guests/100/status", v), 0);
	json_decref(v);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/status/current", NULL, ST_TOKEN, NULL);
	ck_assert_str_eq(st_jstr(st_data(&r), "status"), "stopped");
	st_resp_free(&r);
	ck_assert_int_eq(pxm_sim_reset(sim), 0);
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/status/current", NULL, ST_TOKEN, NULL);
	ck_assert_str_eq(st_jstr(st_data(&r), "status"), "running");
	st_resp_free(&r);
	ck_assert_int_eq(pxm_sim_state(&st, sim), 0);
	ck_assert_str_eq(st_jstr(json_object_get(json_object_get(json_object_get(json_object_get(
	    json_object_get(json_object_get(st, "pve"), "access"), "users"), "root@pam"), "tokens"),
	    "proximo"), "secret"), "********");
	json_decref(st);
	ck_assert_int_eq(pxm_sim_control(&st, sim, "GET", "/state/pve/nosuch", NULL), 404);
	json_decref(st);
	v = json_pack("{s:i}", "nonsense", 1);
	ck_assert_int_eq(pxm_sim_control(&st, sim, "POST", "/faults", v), 400);
	json_decref(v);
	ck_assert_ptr_nonnull(strstr(st_jstr(st, "error"), "accepted:"));
	json_decref(st);
}
END_TEST

START_TEST(test_faults_errors_and_drops)
{
	struct st_resp r;
	json_t *f, *log;

	fresh();
	f = json_pack("{s:f, s:i}", "error_rate", 1.0, "error_status", 502);
	ck_assert_int_eq(pxm_sim_faults(sim, f), 0);
	json_decref(f);
	st_call(&r, sim, "pve", "GET", "/version", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 502);
	st_resp_free(&r);
	ck_assert_int_eq(pxm_sim_faults(sim, NULL), 0);
	f = json_pack("{s:b}", "drop_connections", 1);
	ck_assert_int_eq(pxm_sim_faults(sim, f), 0);
	json_decref(f);
	st_call(&r, sim, "pve", "GET", "/version", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_ne(r.curl_error, 0);
	st_resp_free(&r);
	ck_assert_int_eq(pxm_sim_faults(sim, NULL), 0);
	f = json_pack("{s:{s:s, s:s, s:i, s:s}}", "fail_operation", "method", "POST", "path",
	    "/nodes/{node}/qemu/{vmid}/snapshot", "status", 500, "message", "zfs error: out of space");
	ck_assert_int_eq(pxm_sim_faults(sim, f), 0);
	json_decref(f);
	st_call(&r, sim, "pve", "POST", "/nodes/pve1/qemu/100/snapshot", "snapname=x1", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 500);
	ck_assert_str_eq(st_jstr(r.json, "message"), "zfs error: out of space\n");
	st_resp_free(&r);
	/* other operations are unaffected */
	st_call(&r, sim, "pve", "GET", "/nodes/pve1/qemu/100/snapshot", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	ck_assert_int_eq(pxm_sim_faults(sim, NULL), 0);
	f = json_pack("{s:i}", "latency_ms", 120);
	ck_assert_int_eq(pxm_sim_faults(sim, f), 0);
	json_decref(f);
	ck_assert_int_eq(pxm_sim_requests_clear(sim), 0);
	st_call(&r, sim, "pve", "GET", "/version", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	ck_assert_int_eq(pxm_sim_requests(&log, sim), 0);
	/* the injected sleep is a lower bound, whatever the machine's speed */
	ck_assert(json_number_value(json_object_get(json_array_get(json_object_get(log,
	    "requests"), 0), "duration_ms")) >= 120.0);
	json_decref(log);
}
END_TEST

/* ------------------------------------------------------------ options */

START_TEST(test_plain_http_and_surfaces)
{
	struct pxm_sim *p;
	const char *args[] = { "--plain-http", "--surfaces", "pve,pmg", NULL };
	struct st_resp r;

	ck_assert_int_eq(pxm_sim_start(&p, args), 0);
	ck_assert(strncmp(p->pve_url, "http://127.0.0.1:", 17) == 0);
	ck_assert_int_eq(p->pbs_port, 0);
	ck_assert_int_gt(p->pmg_port, 0);
	ck_assert(json_is_false(json_object_get(p->ready, "tls")));
	st_call(&r, p, "pve", "GET", "/version", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	ck_assert_int_eq(pxm_sim_stop(p), 0);
}
END_TEST

START_TEST(test_request_log_file_and_fault_flags)
{
	struct pxm_sim *p;
	char logfile[] = "/tmp/pxm-simlog-XXXXXX";
	int fd = mkstemp(logfile);
	const char *args[] = { "--request-log", logfile, "--fail-task", "qmstop", "--task-ms", "20",
		NULL };
	struct st_resp r;
	json_t *st, *line;
	FILE *f;
	char buf[8192];
	int lines = 0;

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(pxm_sim_start(&p, args), 0);
	st_call(&r, p, "pve", "POST", "/nodes/pve1/qemu/100/status/stop", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st = st_wait_task(p, "pve", "pve1", json_string_value(st_data(&r)), 10000);
	st_resp_free(&r);
	ck_assert_str_eq(st_jstr(st, "exitstatus"), "command failed (fault injected by proximo-sim)");
	json_decref(st);
	ck_assert_int_eq(pxm_sim_stop(p), 0);
	f = fopen(logfile, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(buf, sizeof buf, f)) {
		line = json_loads(buf, 0, NULL);
		ck_assert_ptr_nonnull(line);
		if (lines == 0) {
			ck_assert_str_eq(st_jstr(line, "method"), "POST");
			ck_assert_str_eq(st_jstr(line, "path"), "/api2/json/nodes/pve1/qemu/100/status/stop");
			ck_assert_str_eq(st_jstr(line, "surface"), "pve");
		}
		json_decref(line);
		lines++;
	}
	fclose(f);
	ck_assert_int_ge(lines, 2);
	unlink(logfile);
}
END_TEST

START_TEST(test_refused_options)
{
	struct pxm_sim *p;
	const char *bind_any[] = { "--bind", "0.0.0.0", NULL };
	const char *bad_port[] = { "--pbs-port", "99999", NULL };
	const char *bad_profile[] = { "--profile", "/nonexistent/profile.json", NULL };
	const char *cert_only[] = { "--cert", "/etc/hostname", NULL };

	ck_assert_int_eq(pxm_sim_start(&p, bind_any), -1);
	ck_assert_int_eq(pxm_sim_start(&p, bad_port), -1);
	ck_assert_int_eq(pxm_sim_start(&p, bad_profile), -1);
	ck_assert_int_eq(pxm_sim_start(&p, cert_only), -1);
}
END_TEST

/* Runs "$PXM_SIM --check --datadir $PXM_DATADIR ARGS..." and returns its exit
 * status; its stdout (the summary line) goes to out. */
static int
run_check(char *out, size_t outsz, const char *a1, const char *a2)
{
	int fds[2], status = -1;
	pid_t pid;
	ssize_t n;
	size_t len = 0;

	out[0] = '\0';
	if (pipe(fds) != 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		int dn = open("/dev/null", O_WRONLY);
		dup2(fds[1], 1);
		if (dn >= 0)
			dup2(dn, 2);
		close(fds[0]);
		execl(getenv("PXM_SIM"), "proximo-sim", "--check", "--datadir",
		    getenv("PXM_DATADIR"), a1, a2, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (len + 1 < outsz && (n = read(fds[0], out + len, outsz - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* --check validates a profile: the shipped ones and a generated estate
 * load, a profile with a dangling reference is refused. */
START_TEST(test_check_option)
{
	char out[1024], path[4096], bad[] = "/tmp/pxm-sim-badXXXXXX";
	const char *top = getenv("PXM_TOP_SRCDIR");
	json_t *j;
	json_error_t jerr;
	FILE *f;
	int fd;

	ck_assert_ptr_nonnull(top);
	snprintf(path, sizeof path, "%s/contrib/sim/profiles/demo.json", top);
	ck_assert_int_eq(run_check(out, sizeof out, "--profile", path), 0);
	j = json_loads(out, JSON_DISABLE_EOF_CHECK, &jerr);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "check")), "ok");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "nodes")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "guests")), 12);
	json_decref(j);

	snprintf(path, sizeof path, "%s/contrib/sim/profiles/minimal.json", top);
	ck_assert_int_eq(run_check(out, sizeof out, "--profile", path), 0);

	ck_assert_int_eq(run_check(out, sizeof out, "--generate", "nodes=4,guests=300,seed=7"), 0);
	j = json_loads(out, JSON_DISABLE_EOF_CHECK, &jerr);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "nodes")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "guests")), 300);
	json_decref(j);

	fd = mkstemp(bad);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"pve\":{\"nodes\":{\"pve1\":{}},"
	    "\"guests\":{\"100\":{\"type\":\"qemu\",\"node\":\"nope\"}}}}\n", f);
	fclose(f);
	ck_assert_int_eq(run_check(out, sizeof out, "--profile", bad), 1);
	ck_assert_str_eq(out, "");
	unlink(bad);
}
END_TEST

static size_t
discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

/* Many parallel keep-alive connections, as Proximo's parallel fetches. */
START_TEST(test_parallel_connections)
{
	CURLM *m = curl_multi_init();
	CURL *h[64];
	struct curl_slist *hdr = NULL;
	char url[300], *auth = st_token_header(sim, "pve");
	int running = 0, i, ok = 0, rounds;
	CURLMsg *msg;
	int left;

	fresh();
	snprintf(url, sizeof url, "%s/nodes/pve1/qemu/100/config", sim->pve_url);
	hdr = curl_slist_append(hdr, auth);
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 32L);
	for (rounds = 0; rounds < 2; rounds++) {
		for (i = 0; i < 64; i++) {
			h[i] = curl_easy_init();
			curl_easy_setopt(h[i], CURLOPT_URL, url);
			curl_easy_setopt(h[i], CURLOPT_HTTPHEADER, hdr);
			curl_easy_setopt(h[i], CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(h[i], CURLOPT_SSL_VERIFYHOST, 0L);
			curl_easy_setopt(h[i], CURLOPT_PROXY, "");
			curl_easy_setopt(h[i], CURLOPT_NOSIGNAL, 1L);
			curl_easy_setopt(h[i], CURLOPT_TIMEOUT, 60L);
			curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, discard);
			curl_multi_add_handle(m, h[i]);
		}
		do {
			curl_multi_perform(m, &running);
			curl_multi_poll(m, NULL, 0, 1000, NULL);
		} while (running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			long code = 0;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
			if (msg->data.result == CURLE_OK && code == 200)
				ok++;
		}
		for (i = 0; i < 64; i++) {
			curl_multi_remove_handle(m, h[i]);
			curl_easy_cleanup(h[i]);
		}
	}
	ck_assert_int_eq(ok, 128);
	curl_slist_free_all(hdr);
	curl_multi_cleanup(m);
	free(auth);
}
END_TEST

static Suite *
sim_suite(void)
{
	Suite *s = suite_create("proximo-sim");
	TCase *tc;

	tc = tcase_create("startup");
	tcase_add_unchecked_fixture(tc, sim_up, sim_down);
	tcase_add_test(tc, test_ready_line);
	tcase_add_test(tc, test_ready_fingerprint);
	tcase_add_test(tc, test_token_files_private);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth");
	tcase_add_unchecked_fixture(tc, sim_up, sim_down);
	tcase_add_test(tc, test_pve_no_auth_401_empty);
	tcase_add_test(tc, test_pve_bad_token_401);
	tcase_add_test(tc, test_pve_token_ok);
	tcase_add_test(tc, test_pve_ticket_and_csrf);
	tcase_add_test(tc, test_readonly_token_403);
	tcase_add_test(tc, test_privsep_intersection);
	tcase_add_test(tc, test_access_permissions_root);
	suite_add_tcase(s, tc);

	tc = tcase_create("schema");
	tcase_add_unchecked_fixture(tc, sim_up, sim_down);
	tcase_add_test(tc, test_unknown_path_501);
	tcase_add_test(tc, test_missing_guest_500);
	tcase_add_test(tc, test_validation_errors);
	tcase_add_test(tc, test_validation_json_body);
	suite_add_tcase(s, tc);

	tc = tcase_create("state");
	tcase_add_unchecked_fixture(tc, sim_up, sim_down);
	tcase_add_test(tc, test_config_digest);
	tcase_add_test(tc, test_disk_allocation_and_unused);
	tcase_add_test(tc, test_power_task_lifecycle);
	tcase_add_test(tc, test_snapshot_tree_and_lock);
	tcase_add_test(tc, test_snapshot_unsupported_storage);
	tcase_add_test(tc, test_fail_task_fault);
	suite_add_tcase(s, tc);

	tc = tcase_create("observe");
	tcase_add_unchecked_fixture(tc, sim_up, sim_down);
	tcase_add_test(tc, test_request_log_masks_secrets);
	tcase_add_test(tc, test_control_state_and_reset);
	tcase_add_test(tc, test_faults_errors_and_drops);
	tcase_add_test(tc, test_parallel_connections);
	suite_add_tcase(s, tc);

	tc = tcase_create("options");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_plain_http_and_surfaces);
	tcase_add_test(tc, test_request_log_file_and_fault_flags);
	tcase_add_test(tc, test_refused_options);
	tcase_add_test(tc, test_check_option);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (getenv("PXM_SIM") == NULL || access(getenv("PXM_SIM"), X_OK) != 0) {
		printf("1..0 # SKIP proximo-sim not built (PXM_SIM)\n");
		return 77;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	sr = srunner_create(sim_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? 1 : 0;
}
