/* Unit tests of exec_frame_find_tcp_payload and exec_frame_find_tcp_flags:
 * finding a withheld segment's payload, or a segment's flags, in a frame by
 * the TCP header's ports and sequence number; and of exec_frame_may_hold_fin,
 * by the ports alone.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-frame.h"

#include <string.h>

#include "unit-check.h"

#define SRC_PORT 40382
#define DST_PORT 512
#define SEQ 0x8a1b2c3du
#define LINK_AND_IP 34      /* what comes before the TCP header: only its length matters */

/* Writes a TCP header at `at` with `options` option bytes and the flags
 * byte; returns where the payload starts. */
static size_t
put_tcp_header(uint8_t *frame, size_t at, uint32_t seq, size_t options, uint8_t flags)
{
    const uint8_t header[14] = {
        SRC_PORT >> 8, SRC_PORT & 0xff, DST_PORT >> 8, DST_PORT & 0xff,
        (uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8), (uint8_t)seq,
        0, 0, 0, 1, (uint8_t)(((20 + options) / 4) << 4), flags,
    };
    memcpy(frame + at, header, sizeof header);
    memset(frame + at + sizeof header, 0x01, 6 + options);    /* window, checksum, urgent, NOPs */
    return at + 20 + options;
}

static void
finds_payload_after_options(void)
{
    uint8_t frame[128] = { 0 };
    size_t start = put_tcp_header(frame, LINK_AND_IP, SEQ, 12, 0x18);
    memcpy(frame + start, "root", 5);
    exec_frame_payload_t payload;

    CHECK(exec_frame_find_tcp_payload(frame, start + 5, SRC_PORT, DST_PORT, SEQ, 5, &payload));
    CHECK(payload.offset == start && payload.length == 5);
    /* An Ethernet trailer after the payload is not part of it. */
    CHECK(exec_frame_find_tcp_payload(frame, start + 5 + 4, SRC_PORT, DST_PORT, SEQ, 5, &payload));
    CHECK(payload.offset == start && payload.length == 5);
}

static void
fin_and_syn_take_no_payload_byte(void)
{
    uint8_t frame[128] = { 0 };
    size_t start = put_tcp_header(frame, LINK_AND_IP, SEQ, 0, 0x19);     /* FIN, PSH, ACK */
    exec_frame_payload_t payload;

    CHECK(exec_frame_find_tcp_payload(frame, start + 5, SRC_PORT, DST_PORT, SEQ, 6, &payload));
    CHECK(payload.offset == start && payload.length == 5);
    put_tcp_header(frame, LINK_AND_IP, SEQ, 0, 0x03);                    /* SYN and FIN */
    CHECK(!exec_frame_find_tcp_payload(frame, start, SRC_PORT, DST_PORT, SEQ, 1, &payload));
    CHECK(exec_frame_find_tcp_payload(frame, start, SRC_PORT, DST_PORT, SEQ, 2, &payload));
    CHECK(payload.offset == start && payload.length == 0);
}

static void
snaplen_cuts_the_payload(void)
{
    uint8_t frame[128] = { 0 };
    size_t start = put_tcp_header(frame, LINK_AND_IP, SEQ, 12, 0x18);
    exec_frame_payload_t payload;

    CHECK(exec_frame_find_tcp_payload(frame, start + 2, SRC_PORT, DST_PORT, SEQ, 100, &payload));
    CHECK(payload.offset == start && payload.length == 2);
    /* Cut inside the header (options included): nothing to compare. */
    CHECK(!exec_frame_find_tcp_payload(frame, start - 1, SRC_PORT, DST_PORT, SEQ, 100, &payload));
    CHECK(!exec_frame_find_tcp_payload(frame, LINK_AND_IP + 19, SRC_PORT, DST_PORT, SEQ, 100, &payload));
}

static void
needs_ports_and_sequence_number(void)
{
    uint8_t frame[128] = { 0 };
    size_t start = put_tcp_header(frame, LINK_AND_IP, SEQ, 0, 0x18);
    exec_frame_payload_t payload;

    CHECK(!exec_frame_find_tcp_payload(frame, start + 8, SRC_PORT, DST_PORT, SEQ + 1, 8, &payload));
    CHECK(!exec_frame_find_tcp_payload(frame, start + 8, DST_PORT, SRC_PORT, SEQ, 8, &payload));
    CHECK(!exec_frame_find_tcp_payload(frame, 0, SRC_PORT, DST_PORT, SEQ, 8, &payload));
    CHECK(!exec_frame_find_tcp_payload(NULL, 0, SRC_PORT, DST_PORT, SEQ, 8, &payload));
}

static void
first_whole_header_wins(void)
{
    uint8_t frame[160] = { 0 };
    exec_frame_payload_t payload;

    /* Ports and sequence number with an impossible data offset (3 words)
     * before the real header: skipped. */
    put_tcp_header(frame, 0, SEQ, 0, 0x18);
    frame[12] = 3 << 4;
    size_t start = put_tcp_header(frame, LINK_AND_IP, SEQ, 0, 0x18);
    /* The payload repeats the header's first bytes: the header still wins. */
    size_t copy = put_tcp_header(frame, start, SEQ, 0, 0x18);
    CHECK(exec_frame_find_tcp_payload(frame, copy, SRC_PORT, DST_PORT, SEQ, (uint32_t)(copy - start), &payload));
    CHECK(payload.offset == start && payload.length == copy - start);
}

/* A segment one sequence number long: a FIN, or one byte of data.  The
 * flags byte tells them apart, even when a snaplen cut the header after it. */
static void
flags_tell_a_fin_from_one_byte(void)
{
    uint8_t frame[128] = { 0 };
    uint8_t flags = 0;

    put_tcp_header(frame, LINK_AND_IP, SEQ, 12, 0x11);     /* FIN, ACK */
    CHECK(exec_frame_find_tcp_flags(frame, LINK_AND_IP + 14, SRC_PORT, DST_PORT, SEQ, &flags));
    CHECK(flags == 0x11);
    put_tcp_header(frame, LINK_AND_IP, SEQ, 12, 0x18);     /* PSH, ACK: one byte of data */
    CHECK(exec_frame_find_tcp_flags(frame, LINK_AND_IP + 14, SRC_PORT, DST_PORT, SEQ, &flags));
    CHECK(flags == 0x18);
    /* The flags byte itself not captured, other ports or sequence number: unknown. */
    CHECK(!exec_frame_find_tcp_flags(frame, LINK_AND_IP + 13, SRC_PORT, DST_PORT, SEQ, &flags));
    CHECK(!exec_frame_find_tcp_flags(frame, sizeof frame, DST_PORT, SRC_PORT, SEQ, &flags));
    CHECK(!exec_frame_find_tcp_flags(frame, sizeof frame, SRC_PORT, DST_PORT, SEQ + 1, &flags));
}

/* By the ports alone: any header with them and the FIN flag may be the
 * segment's; without one, none is a FIN. */
static void
a_fin_is_found_by_ports_alone(void)
{
    uint8_t frame[128] = { 0 };

    put_tcp_header(frame, LINK_AND_IP, SEQ, 0, 0x10);      /* ACK */
    CHECK(!exec_frame_may_hold_fin(frame, sizeof frame, SRC_PORT, DST_PORT));
    /* The ports again further on, as in an ICMP error's quoted header, with a FIN. */
    put_tcp_header(frame, LINK_AND_IP + 40, SEQ + 7, 0, 0x11);
    CHECK(exec_frame_may_hold_fin(frame, sizeof frame, SRC_PORT, DST_PORT));
    /* That one's flags byte not captured: only the first header counts. */
    CHECK(!exec_frame_may_hold_fin(frame, LINK_AND_IP + 40 + 13, SRC_PORT, DST_PORT));
    put_tcp_header(frame, LINK_AND_IP, SEQ, 0, 0x11);      /* FIN, ACK */
    CHECK(exec_frame_may_hold_fin(frame, LINK_AND_IP + 14, SRC_PORT, DST_PORT));
    CHECK(!exec_frame_may_hold_fin(frame, LINK_AND_IP + 13, SRC_PORT, DST_PORT));
    CHECK(!exec_frame_may_hold_fin(frame, sizeof frame, DST_PORT, SRC_PORT));
    CHECK(!exec_frame_may_hold_fin(NULL, 0, SRC_PORT, DST_PORT));
}

int
main(void)
{
    finds_payload_after_options();
    fin_and_syn_take_no_payload_byte();
    snaplen_cuts_the_payload();
    needs_ports_and_sequence_number();
    first_whole_header_wins();
    flags_tell_a_fin_from_one_byte();
    a_fin_is_found_by_ports_alone();
    return check_summary();
}
