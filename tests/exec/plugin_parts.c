/**
 * @file plugin_parts.c
 * @brief The exec plugin's pure files (classifiers, fingerprints), compiled
 *        into check_exec_classify as they are into exec.so.
 */
#include "classify.c"
#include "redact.c"
