# pipeline/: the governed call path end to end, with a fixture plugin.
PIPELINE_TESTS = pipeline/check_pipeline
check_PROGRAMS += $(PIPELINE_TESTS)
TESTS += $(PIPELINE_TESTS)
pipeline_check_pipeline_LDADD = lib/libpxmtest.la $(LDADD)
