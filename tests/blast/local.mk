# blast/: the blast-radius op-classes, end to end: the real proximo binary
# with the PVE plugin, over stdio, against proximo-sim profiles built for
# each class (contrib/sim/profiles/blast-*.json).
BLAST_TESTS = blast/check_blast_storage blast/check_blast_guest \
	blast/check_blast_access blast/check_blast_firewall \
	blast/check_blast_network blast/check_diagnose blast/check_diagnose_probes
check_PROGRAMS += $(BLAST_TESTS)
TESTS += $(BLAST_TESTS)
noinst_HEADERS += blast/blasttest.h
BLAST_LDADD = lib/libsimharness.la lib/libpxmtest.la $(LDADD)
blast_check_blast_storage_SOURCES = blast/check_blast_storage.c blast/blasttest.c
blast_check_blast_storage_LDADD = $(BLAST_LDADD)
blast_check_blast_guest_SOURCES = blast/check_blast_guest.c blast/blasttest.c
blast_check_blast_guest_LDADD = $(BLAST_LDADD)
blast_check_blast_access_SOURCES = blast/check_blast_access.c blast/blasttest.c
blast_check_blast_access_LDADD = $(BLAST_LDADD)
blast_check_blast_firewall_SOURCES = blast/check_blast_firewall.c blast/blasttest.c
blast_check_blast_firewall_LDADD = $(BLAST_LDADD)
blast_check_blast_network_SOURCES = blast/check_blast_network.c blast/blasttest.c
blast_check_blast_network_LDADD = $(BLAST_LDADD)
blast_check_diagnose_SOURCES = blast/check_diagnose.c blast/blasttest.c
blast_check_diagnose_LDADD = $(BLAST_LDADD)
# The battery's contract is pure (Jansson only): compiled straight in.
blast_check_diagnose_probes_SOURCES = blast/check_diagnose_probes.c \
	$(top_srcdir)/plugins/pve/diagnose_probes.c
blast_check_diagnose_probes_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/pve
blast_check_diagnose_probes_LDADD = $(LDADD)
