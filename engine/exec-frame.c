/* exec-frame.c: see exec-frame.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-frame.h"

#include <string.h>

#define IP_MIN_HEADER       20      /* a TCP header follows at least IPv4's 20 bytes */
#define TCP_MIN_HEADER      20
#define TCP_DATA_OFFSET_AT  12      /* high nibble: header length in 32-bit words */
#define TCP_FLAGS_AT        13
#define TCP_FLAG_FIN        0x01
#define TCP_FLAG_SYN        0x02

/* The first place from `from` on where the key (the two ports, and the
 * sequence number when key_length is 8) appears, with `need` bytes from
 * there captured; captured if none.  memchr jumps to each place the key's
 * first byte is (few in a frame's headers): a byte-by-byte loop costs a
 * frame's whole header on every frame. */
static size_t
find_key(const uint8_t *frame, size_t captured, size_t from, size_t need, const uint8_t *key,
         size_t key_length)
{
    while (from + need <= captured) {
        const uint8_t *hit = memchr(frame + from, key[0], captured - need + 1 - from);
        if (!hit)
            break;
        size_t at = (size_t)(hit - frame);
        if (memcmp(frame + at, key, key_length) == 0)
            return at;
        from = at + 1;
    }
    return captured;
}

static size_t
find_tcp_header(const uint8_t *frame, size_t captured, size_t from, size_t need, uint16_t src_port,
                uint16_t dst_port, uint32_t seq)
{
    const uint8_t key[8] = {
        (uint8_t)(src_port >> 8), (uint8_t)src_port, (uint8_t)(dst_port >> 8), (uint8_t)dst_port,
        (uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8), (uint8_t)seq,
    };
    return find_key(frame, captured, from, need, key, sizeof key);
}

bool
exec_frame_find_tcp_flags(const uint8_t *frame, size_t captured, uint16_t src_port,
                          uint16_t dst_port, uint32_t seq, uint8_t *flags)
{
    size_t at = find_tcp_header(frame, captured, IP_MIN_HEADER, TCP_FLAGS_AT + 1, src_port, dst_port, seq);
    if (at == captured)
        return false;
    *flags = frame[at + TCP_FLAGS_AT];
    return true;
}

bool
exec_frame_may_hold_fin(const uint8_t *frame, size_t captured, uint16_t src_port, uint16_t dst_port)
{
    const uint8_t key[4] = { (uint8_t)(src_port >> 8), (uint8_t)src_port, (uint8_t)(dst_port >> 8), (uint8_t)dst_port };

    for (size_t at = find_key(frame, captured, IP_MIN_HEADER, TCP_FLAGS_AT + 1, key, sizeof key); at < captured;
         at = find_key(frame, captured, at + 1, TCP_FLAGS_AT + 1, key, sizeof key))
        if (frame[at + TCP_FLAGS_AT] & TCP_FLAG_FIN)
            return true;
    return false;
}

bool
exec_frame_find_tcp_payload(const uint8_t *frame, size_t captured, uint16_t src_port,
                            uint16_t dst_port, uint32_t seq, uint32_t span,
                            exec_frame_payload_t *payload)
{
    for (size_t at = IP_MIN_HEADER;; at++) {
        at = find_tcp_header(frame, captured, at, TCP_MIN_HEADER, src_port, dst_port, seq);
        if (at == captured)
            return false;
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
}
