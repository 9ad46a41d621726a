# fuzz/: libFuzzer targets and the corpus replay (filled by the next slice).
