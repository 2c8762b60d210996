/* unit-check.h: the little the engine's unit tests share: a check that
 * counts and reports, the two directions, byte literals with NULs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_UNIT_CHECK_H
#define EXEC_UNIT_CHECK_H

#include <stdio.h>

static int checks, failures;

#define CHECK(cond) do { \
        checks++; \
        if (!(cond)) { \
            failures++; \
            fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, __func__, #cond); \
        } \
    } while (0)

#define C2S EXEC_CLIENT_TO_SERVER
#define S2C EXEC_SERVER_TO_CLIENT

/* Literal with embedded NULs, and its length without the final implicit NUL. */
#define BYTES(s) (const uint8_t *)(s), (uint32_t)(sizeof(s) - 1)

/* main's last words: the count, and the exit status ctest reads. */
static int
check_summary(void)
{
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}

#endif /* EXEC_UNIT_CHECK_H */
