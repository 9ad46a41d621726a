/**
 * @file blast.h
 * @brief Blast radius from the cluster's live dependency graph: the shared
 *        reads (fetched in parallel over the connection pool), the guest
 *        disk model, and the op-class classifiers attached to API
 *        operations.
 *
 * The contract every classifier keeps (the reference's, docs/BLAST-RADIUS.md):
 *  - a failed read never raises and never reads as "no impact": it marks
 *    the plan incomplete (complete=false, risk HIGH, the explicit
 *    "enumeration incomplete" row) and says which read failed;
 *  - classifiers only ever raise the plan's risk;
 *  - "no guest affected" is said only when every guest was read;
 *  - affected rows are bound into plan_id, so they hold no volatile values
 *    (no uptime, no usage counters).
 */
#ifndef PVE_BLAST_H
#define PVE_BLAST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <proximo/sdk.h>

/* ------------------------------------------------------------ reads */

/** One GET of a batch.  Fill path (and params) with bl_req_path(); after
 *  bl_fetch() exactly one of data (new) or error is set. */
struct bl_req {
	char		path[1024];	/* encoded, below the base URL */
	json_t		*params;	/* query (owned), or NULL */
	uint32_t	flags;		/* PXM_HTTP_* */
	uint32_t	timeout_ms;	/* 0: the endpoint's */
	json_t		*data;		/* the answer's data (owned), or NULL */
	long		status;		/* HTTP status, 0 when none arrived */
	char		error[320];	/* why there is no data */
};

/** Expand pattern with vars into r->path (values validated, encoded);
 *  on failure r->error says why and bl_fetch() leaves it unanswered. */
void	bl_req_path(struct bl_req *r, const char *pattern, const json_t *vars);
/** Same, with vars built from a json_pack format. */
void	bl_req_pathf(struct bl_req *r, const char *pattern, const char *fmt, ...);
/** Run every request of the batch in parallel over the endpoint's pool
 *  (PROXIMO_HTTP_PARALLEL at a time).  Never fails: returns how many
 *  requests have no data. */
size_t	bl_fetch(struct pxm_call *call, struct bl_req *reqs, size_t n);
/** One GET (a batch of one); data (new) or NULL with why filled. */
json_t	*bl_get1(struct pxm_call *call, char *why, size_t whysz, const char *pattern,
	    const char *fmt, ...);
void	bl_req_free(struct bl_req *reqs, size_t n);

/* ------------------------------------------------------------ facts */

/* Cluster-wide lists many classes consult; fetched in one parallel batch
 * together with a class's own reads. */
#define BL_F_HA		(1u << 0)	/* /cluster/ha/resources */
#define BL_F_HARULES	(1u << 1)	/* /cluster/ha/rules */
#define BL_F_HAGROUPS	(1u << 2)	/* /cluster/ha/groups (PVE 8) */
#define BL_F_REPL	(1u << 3)	/* /cluster/replication */
#define BL_F_BACKUP	(1u << 4)	/* /cluster/backup */
#define BL_F_STORAGE	(1u << 5)	/* /storage */
#define BL_F_NODES	(1u << 6)	/* /cluster/resources?type=node */
#define BL_F_ACL	(1u << 7)	/* /access/acl */
#define BL_F_POOLS	(1u << 8)	/* /pools */
#define BL_F_COUNT	9

struct bl_facts {
	struct bl_req	r[BL_F_COUNT];
	unsigned	want;
};

/** Fetch the facts in `want` and the caller's own requests (extra, may be
 *  NULL) in one parallel batch. */
void	bl_facts_fetch(struct bl_facts *f, struct pxm_call *call, unsigned want,
	    struct bl_req *extra, size_t nextra);
/** The data of one fact (borrowed), or NULL when it was not read. */
const json_t *bl_fact(const struct bl_facts *f, unsigned which);
/** Like bl_fact, and a missing fact marks the plan incomplete, naming
 *  what could not be assessed. */
const json_t *bl_fact_need(const struct bl_facts *f, struct pxm_plan *plan, unsigned which,
	    const char *what);
void	bl_facts_free(struct bl_facts *f);
/** A required read of the caller's own failed: mark incomplete (when
 *  r->data is NULL) and return its data. */
const json_t *bl_need(struct pxm_plan *plan, const struct bl_req *r, const char *what);

/* ------------------------------------------------------------ guests */

struct bl_guest {
	json_int_t	vmid;
	char		kind[8];	/* qemu | lxc */
	const char	*node;		/* borrowed from the resources row */
	const char	*name;
	const char	*status;
	const char	*pool;		/* or NULL */
	const char	*hastate;	/* or NULL */
	int		template;
	int		running;
	json_t		*config;	/* owned; NULL when not loaded or unreadable */
	char		cfg_error[200];
};

/** Every guest of the cluster, with their configs when asked. */
struct bl_cluster {
	int		listed;		/* /cluster/resources answered */
	char		list_error[320];
	json_t		*rows;		/* the resources rows (owned) */
	struct bl_guest	*g;
	size_t		n;
	int		configs;	/* configs were requested */
	size_t		unreadable;	/* configs that could not be read */
};

/**
 * Read /cluster/resources?type=vm once and, when configs is set, every
 * guest's config in parallel (only those on `only_node` when it is not
 * NULL; the others keep config NULL without counting as unreadable).
 * Never fails for a failed read: listed / unreadable say what is missing.
 */
int	bl_cluster_load(struct bl_cluster *c, struct pxm_call *call, int configs,
	    const char *only_node);
void	bl_cluster_free(struct bl_cluster *c);
/** 1 when the listing and every requested config were read. */
int	bl_cluster_complete(const struct bl_cluster *c);
/** The reference's INCOMPLETE line and the plan's incomplete mark, when
 *  the cluster read was not complete.  Returns 1 when it marked. */
int	bl_cluster_incomplete(struct pxm_plan *plan, const struct bl_cluster *c);
struct bl_guest *bl_cluster_find(const struct bl_cluster *c, json_int_t vmid);
/** "qemu/101" into buf. */
const char *bl_guest_ref(char *buf, size_t size, const struct bl_guest *g);
/** An affected row for a guest: {resource, vmid, name, node, ...}. */
json_t	*bl_guest_row(const struct bl_guest *g);

/* ------------------------------------------------------------ disks */

/** Disk slots: ^(rootfs|(efidisk|tpmstate|scsi|sata|ide|virtio|mp|unused)\d+)$ */
int	bl_disk_key(const char *key);
/** media=cdrom in a drive value. */
int	bl_is_cdrom(const char *value);
/** The storage of a volume-backed value ("ceph-vm:vm-100-disk-0,...") into
 *  buf; 0 for raw /dev paths, bind mounts and "none". */
int	bl_disk_storage(char *buf, size_t size, const char *value);
/** The volume id (text before the first ','). */
void	bl_disk_volid(char *buf, size_t size, const char *value);
/** size=... of a drive value in bytes, or -1. */
long long bl_disk_size(const char *value);
/** Parse a PVE size ("32G", "512M", "1T", "4096") in bytes, or -1. */
long long bl_parse_size(const char *s);
/** The boot disk slot: rootfs (lxc), bootdisk, or the first disk of
 *  boot: order=...; NULL when it cannot be told. */
const char *bl_boot_slot(char *buf, size_t size, const json_t *config, const char *kind);
/** Human size ("64.0 GiB"). */
const char *bl_bytes(char *buf, size_t size, long long bytes);

/** 1 when one of the guest's disks (CD-ROMs aside) is on the storage:
 *  the cheap test before building a row. */
int	bl_guest_uses_storage(const struct bl_guest *g, const char *storage);

/** Which of a guest's storage-backed disks a predicate selects. */
typedef int bl_disk_pred(const char *slot, const char *storage, const char *volid, void *arg);

/**
 * The reference's classification of losing the selected disks: returns a
 * new affected row ({resource, vmid, name, node, via, effect, only_copy,
 * running, severity}) or NULL when no disk is selected.  *wont_boot is set
 * when the guest will not (or may not) boot.
 */
json_t	*bl_disk_loss_row(const struct bl_guest *g, bl_disk_pred *pred, void *arg,
	    const char *where, int *wont_boot);

/* ------------------------------------------------------------ emitting */

/* Blast lines shown per class before the rest is summarised (every row is
 * still in "affected"). */
#define BL_MAX_LINES	50

/** Counts what a class emitted, for its summary and its risk reasons. */
struct bl_tally {
	size_t	rows, lines, hidden;
	size_t	high, medium, low;
};

/**
 * Add an affected row (stolen) to the plan, with its blast line
 * "<resource> (<name>) on <node>: <effect>" while fewer than BL_MAX_LINES
 * were shown, and count its severity.
 */
void	bl_emit(struct pxm_plan *plan, struct bl_tally *t, json_t *row);
/** Add and count a row without a blast line (the caller wrote one). */
void	bl_emit_quiet(struct pxm_plan *plan, struct bl_tally *t, json_t *row);
/** "... and N more (see affected)" when lines were held back. */
void	bl_tally_flush(struct pxm_plan *plan, struct bl_tally *t);

/* ------------------------------------------------------------ helpers */

/** Severity order: none < info < low < medium < high; unknown ranks high. */
int	bl_sev_rank(const char *sev);
/** Raise the plan to the risk a row's severity implies. */
void	bl_raise_for(struct pxm_plan *plan, const char *sev, const char *why);
/** Copy a string, truncating to fit (no format, no warning games). */
void	bl_copy(char *dst, size_t size, const char *src);
/** Split a PVE list ("a,b;c d") into a new array of strings. */
json_t	*bl_split(const char *list);
/** 1 when list (as bl_split reads it) contains word. */
int	bl_list_has(const char *list, const char *word);
/** A string or number parameter as text into buf ("" when absent). */
const char *bl_param(char *buf, size_t size, const json_t *params, const char *key);
/** A boolean-ish parameter (1, "1", true, "yes", "on"); dflt when absent. */
int	bl_param_bool(const json_t *params, const char *key, int dflt);
/** Truthy config value (1, "1", true). */
int	bl_truthy(const json_t *v);
/** Append a string to a JSON array of strings if not present. */
void	bl_add_unique(json_t *arr, const char *s);
/** "a, b, c" from an array of strings (new malloc'd string). */
char	*bl_join(const json_t *arr, const char *sep);
/** Like bl_join, at most max items, then " (+N more)". */
char	*bl_join_max(const json_t *arr, const char *sep, size_t max);

/* ------------------------------------------------------------ classes */

/* Registration of every classifier (blast.c); called from pve_init. */
int	pve_blast_register(void);

/* Each op-class file exports its classify functions. */
pxm_classify_fn	bl_storage_delete, bl_storage_update, bl_content_delete, bl_disk_move;
pxm_classify_fn	bl_acl_modify;
pxm_classify_fn	bl_fw_rule, bl_fw_rule_remove, bl_fw_options, bl_fw_set_ref;
pxm_classify_fn	bl_net_apply, bl_net_iface, bl_sdn_vnet_delete;
pxm_classify_fn	bl_guest_migrate, bl_guest_destroy;
pxm_classify_fn	bl_bulk_node, bl_vzdump;
pxm_classify_fn	bl_pool_delete, bl_pool_update;
pxm_classify_fn	bl_ha_rule, bl_ha_group, bl_ha_resource;
pxm_classify_fn	bl_backup_job, bl_replication_job;

/* Shared by several classes. */
/** Guests covered by a backup job ({all, pool, vmid, exclude}); 1 when
 *  the guest is selected. */
int	bl_backup_selects(const json_t *job, const struct bl_guest *g);
/** The HA resource id of a guest ("vm:100", "ct:103"). */
const char *bl_ha_sid(char *buf, size_t size, const struct bl_guest *g);

#endif
