/**
 * @file main.c
 * @brief proximo: entry point.
 */
#include "config.h"

#include <stdio.h>

int
main(void)
{
	printf("%s\n", PACKAGE_VERSION);
	return 0;
}
