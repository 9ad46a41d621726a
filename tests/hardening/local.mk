# hardening/: the build's hardening, checked on what it produced (G9), and
# the secrets canary (G10).  The markers tell the scripts which kind of
# build they are looking at: the sanitizer build and --disable-hardening
# leave the hardening flags out on purpose, and the check then skips.
if HARDENING
PXM_HARDENING_MARK = yes
else
PXM_HARDENING_MARK = no
endif
if SANITIZERS
PXM_SANITIZERS_MARK = yes
else
PXM_SANITIZERS_MARK = no
endif
AM_TESTS_ENVIRONMENT += \
	PXM_HARDENING=$(PXM_HARDENING_MARK); export PXM_HARDENING; \
	PXM_SANITIZERS=$(PXM_SANITIZERS_MARK); export PXM_SANITIZERS; \
	PXM_HARDEN_CFLAGS='$(HARDEN_CFLAGS)'; export PXM_HARDEN_CFLAGS; \
	READELF='$(READELF)'; export READELF; \
	CC='$(CC)'; export CC;

TESTS += hardening/check-hardening.sh hardening/check-hardening-selftest.sh
dist_check_SCRIPTS += hardening/check-hardening.sh hardening/check-hardening-selftest.sh
