/* exec-first-copy.h: the first copy of a session's handshake and reply, and
 * the retransmissions whose bytes differ from it: kept and compared on the
 * first pass, shown by the control dissector and the session-end
 * postdissector.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_FIRST_COPY_H
#define EXEC_FIRST_COPY_H

#include "exec-session.h"
#include "exec-info.h"
#include "exec-overlap.h"

/* A retransmitted field whose bytes differ from the first copy (first pass). */
typedef struct {
    exec_piece_kind_t kind;
    guint64  differs_at;        /* stream position of the first differing byte */
    guint32  offset;            /* the retransmission's bytes of the field, in its tvb */
    guint32  length;
    const char *first_copy;     /* the same positions in the first copy, as text */
} exec_conflict_t;

/* What differs in one frame. */
typedef struct {
    exec_conflict_t conflict[EXEC_OVERLAP_MAX_FIELDS];
    guint8 count;
} exec_conflicts_t;

void proto_register_exec_first_copy(void);

/* First pass, for each piece the engine classified in a segment at stream
 * position `position`, whose bytes are `data`: keeps the first copy of a
 * new piece of the handshake or the reply, or compares a retransmitted
 * piece with it (exec_first_copy_conflicts() finds what differs). */
void exec_first_copy_check(exec_session_t *session, const packet_info *pinfo, exec_direction_t direction,
                           guint64 position, const guint8 *data, const exec_piece_t *piece);

/* Whether the first copy holds the byte at this stream position. */
gboolean exec_first_copy_holds(const exec_session_t *session, exec_direction_t direction, guint64 position);

/* First pass: retransmitted bytes (stream position `position`, at tvb_offset
 * in their tvb) compared with the first copy; what differs, or NULL. */
const exec_conflicts_t *exec_first_copy_compare(const exec_session_t *session, exec_direction_t direction,
                                                guint64 position, const guint8 *data, guint32 length,
                                                guint32 tvb_offset);

/* First pass, at the session's end: the reply's first copy becomes the one
 * every session with the same reply shares (a brute force gets one refusal
 * thousands of times); a later byte of it still gets a copy of its own. */
void exec_first_copy_session_ended(exec_session_t *session);

/* First pass: the session's working state is released; so is its first copy. */
void exec_first_copy_release(exec_session_work_t *work);

/* What exec_first_copy_check() found in this frame's retransmitted pieces, or NULL. */
const exec_conflicts_t *exec_first_copy_conflicts(const packet_info *pinfo);

/* The tree items, expert infos and Info column entries of conflicts (NULL: none). */
void exec_first_copy_show(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, exec_info_t *info,
                          const exec_conflicts_t *conflicts, exec_direction_t direction);

#endif /* EXEC_FIRST_COPY_H */
