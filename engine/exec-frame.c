/* exec-frame.c: see exec-frame.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-frame.h"

#include <string.h>

#define TCP_MIN_HEADER      20
#define TCP_DATA_OFFSET_AT  12      /* high nibble: header length in 32-bit words */
#define TCP_FLAGS_AT        13
#define TCP_FLAG_FIN        0x01
#define TCP_FLAG_SYN        0x02

bool
exec_frame_find_tcp_payload(const uint8_t *frame, size_t captured, uint16_t src_port,
                            uint16_t dst_port, uint32_t seq, uint32_t span,
                            exec_frame_payload_t *payload)
{
    const uint8_t key[8] = {
        (uint8_t)(src_port >> 8), (uint8_t)src_port, (uint8_t)(dst_port >> 8), (uint8_t)dst_port,
        (uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8), (uint8_t)seq,
    };

    for (size_t at = 0; at + TCP_MIN_HEADER <= captured; at++) {
        if (frame[at] != key[0] || memcmp(frame + at, key, sizeof key) != 0)
            continue;
        size_t header = (size_t)(frame[at + TCP_DATA_OFFSET_AT] >> 4) * 4;
        uint8_t flags = frame[at + TCP_FLAGS_AT];
        uint32_t control = ((flags & TCP_FLAG_SYN) ? 1u : 0u) + ((flags & TCP_FLAG_FIN) ? 1u : 0u);
        if (header < TCP_MIN_HEADER || header > captured - at || span < control)
            continue;
        size_t start = at + header;
        size_t length = span - control;
        if (length > captured - start)
            length = captured - start;
        payload->offset = (uint32_t)start;
        payload->length = (uint32_t)length;
        return true;
    }
    return false;
}
