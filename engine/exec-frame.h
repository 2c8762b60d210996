/* exec-frame.h: where a captured frame holds the payload of a TCP segment
 * that Wireshark's TCP kept from the exec dissector.
 *
 * Plain C, no Wireshark types.  With its default preferences TCP hands no
 * subdissector a retransmission ("Retransmitted TCP segment data"), so the
 * only way to compare its bytes with the first copy (exec-overlap.h) is to
 * find them in the frame.  TCP's sequence analysis knows the segment's raw
 * sequence number and how much sequence space it takes; the TCP header is
 * the first place in the frame where the two ports and that sequence number
 * appear, and its data offset says where the payload starts.  Nothing is
 * read outside the captured bytes, whatever they hold.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_FRAME_H
#define EXEC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t offset;    /* of the payload's first byte in the frame */
    uint32_t length;    /* payload bytes captured: fewer than sent when the snaplen cut them */
} exec_frame_payload_t;

/* frame: the captured bytes; seq: the segment's raw sequence number; span:
 * the sequence space it takes (payload bytes, plus one each for SYN and
 * FIN).  Fills *payload and returns true when a TCP header with these ports
 * and sequence number is in the frame and whole. */
bool exec_frame_find_tcp_payload(const uint8_t *frame, size_t captured, uint16_t src_port,
                                 uint16_t dst_port, uint32_t seq, uint32_t span,
                                 exec_frame_payload_t *payload);

/* The flags byte of the TCP header with these ports and sequence number
 * (the frame need hold only its first 14 bytes: a snaplen may cut the
 * rest).  A segment one sequence number long is a FIN, or one byte of data:
 * only its header tells. */
bool exec_frame_find_tcp_flags(const uint8_t *frame, size_t captured, uint16_t src_port,
                               uint16_t dst_port, uint32_t seq, uint8_t *flags);

/* Whether some TCP header with these ports may carry a FIN: false when no
 * place in the frame where the two ports appear, with its flags byte
 * captured, has the FIN flag.  A cheap test that needs no sequence number,
 * for frames that are seldom FINs: true only says to look further. */
bool exec_frame_may_hold_fin(const uint8_t *frame, size_t captured, uint16_t src_port, uint16_t dst_port);

#endif /* EXEC_FRAME_H */
