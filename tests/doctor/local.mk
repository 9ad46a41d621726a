# doctor/: `proximo doctor` and the token-aware surface, against proximo-sim
# (contrib/sim/profiles/blast-doctor.json) with tokens of known rights.
DOCTOR_TESTS = doctor/check_doctor
check_PROGRAMS += $(DOCTOR_TESTS)
TESTS += $(DOCTOR_TESTS)
doctor_check_doctor_LDADD = lib/libsimharness.la lib/libpxmtest.la $(LDADD)
