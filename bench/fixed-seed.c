/* fixed-seed.c: LD_PRELOAD for the callgrind runs only.
 *
 * wsutil seeds its hash maps (wmem_map: conversations, host names...) with
 * g_random_int() at start-up, so bucket chains, and with them instruction
 * counts, change from run to run (measured: 1% of a 100k-frame run).  A
 * fixed sequence makes every callgrind count repeatable.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>

uint32_t
g_random_int(void)
{
    static uint64_t state = 0x2545F4914F6CDD1DULL;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t)(state >> 16);
}
