/* exec-first-copy.c: retransmissions that carry other bytes than the first
 * copy of the handshake or the reply.  TCP receivers keep bytes they
 * already have, so the first copy is what the other side most likely used,
 * and an observer that believed the second copy would be fooled.  The
 * first copy is kept by engine/exec-overlap.c (plain C); this file feeds it
 * on the first pass, stores what differs per frame, and shows it (field
 * exec.retransmission_conflict, expert info exec.overlap_conflict).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-first-copy.h"

#include <string.h>

#include <epan/expert.h>
#include <epan/strutil.h>

#include "exec-kept-texts.h"
#include "exec-takeover.h"

static int hf_exec_retransmission_conflict = -1;

static expert_field ei_exec_overlap_conflict = EI_INIT;

struct exec_first_copy {
    exec_overlap_t kept;
    struct exec_first_copy *next_spare;
};

/* Released first copies, for the next sessions to take. */
static struct exec_first_copy *spare_copies;

/* Frame number -> exec_conflicts_t, for the whole file: made at the first
 * conflict (rare), not a pointer in every session's first copy. */
static wmem_tree_t *conflicts_by_frame;

static void
conflicts_init(void)
{
    conflicts_by_frame = NULL;
    spare_copies = NULL;            /* gone with the file scope */
}

void
proto_register_exec_first_copy(void)
{
    static hf_register_info hf[] = {
        { &hf_exec_retransmission_conflict,
          { "Retransmission Conflict At", "exec.retransmission_conflict", FT_UINT64, BASE_DEC, NULL, 0,
            "Stream offset of the first byte a retransmission carries differently from the first copy", HFILL } },
    };
    static ei_register_info ei[] = {
        { &ei_exec_overlap_conflict,
          { "exec.overlap_conflict", PI_SEQUENCE, PI_WARN,
            "Retransmitted bytes differ from the first copy (the receiver most likely used the first)",
            EXPFILL } },
    };
    exec_register_fields(hf, array_length(hf));
    exec_register_experts(ei, array_length(ei));
    register_init_routine(conflicts_init);
}

static void *
resize_in_file_scope(void *ptr, size_t size)
{
    return wmem_realloc(wmem_file_scope(), ptr, size);
}

gboolean
exec_first_copy_holds(const exec_session_t *session, exec_direction_t direction, guint64 position)
{
    const struct exec_first_copy *first = session->work->first_copy;
    return first && position < first->kept.flow[direction].length;
}

const exec_conflicts_t *
exec_first_copy_compare(const exec_session_t *session, exec_direction_t direction, guint64 position,
                        const guint8 *data, guint32 length, guint32 tvb_offset)
{
    const struct exec_first_copy *first = session->work->first_copy;
    exec_overlap_conflict_t found[EXEC_OVERLAP_MAX_FIELDS];
    unsigned count = first ? exec_overlap_conflicts(&first->kept, direction, position, data, length, found) : 0;
    if (count == 0)
        return NULL;
    exec_conflicts_t *conflicts = wmem_new0(wmem_file_scope(), exec_conflicts_t);
    for (unsigned i = 0; i < count; i++) {
        exec_conflict_t *conflict = &conflicts->conflict[i];
        conflict->kind = found[i].kind;
        conflict->differs_at = found[i].differs_at;
        conflict->offset = tvb_offset + (guint32)(found[i].start - position);
        conflict->length = found[i].length;
        /* Text now: the kept bytes may move as the copy grows. */
        conflict->first_copy = format_text(wmem_file_scope(), (const void *)found[i].first_copy,
                                           found[i].length);
    }
    conflicts->count = (guint8)count;
    return conflicts;
}

static struct exec_first_copy *
new_first_copy(void)
{
    struct exec_first_copy *first = spare_copies;
    if (!first)
        return wmem_new0(wmem_file_scope(), struct exec_first_copy);
    spare_copies = first->next_spare;
    memset(first, 0, sizeof *first);
    return first;
}

void
exec_first_copy_check(exec_session_t *session, const packet_info *pinfo, exec_direction_t direction,
                      guint64 position, const guint8 *data, const exec_piece_t *piece)
{
    struct exec_first_copy *first = session->work->first_copy;

    if (piece->kind != EXEC_PIECE_RETRANSMITTED) {
        if (!first && exec_overlap_keeps(piece->kind))
            first = session->work->first_copy = new_first_copy();
        if (first)
            exec_overlap_keep(&first->kept, direction, piece->kind, position + piece->offset,
                              data + piece->offset, piece->length, resize_in_file_scope);
        return;
    }
    const exec_conflicts_t *conflicts = first ?
            exec_first_copy_compare(session, direction, position + piece->offset, data + piece->offset,
                                    piece->length, piece->offset) : NULL;
    if (!conflicts)
        return;
    if (!conflicts_by_frame)
        conflicts_by_frame = wmem_tree_new(wmem_file_scope());
    wmem_tree_insert32(conflicts_by_frame, pinfo->num, (void *)conflicts);
}

void
exec_first_copy_session_ended(exec_session_t *session)
{
    struct exec_first_copy *first = session->work->first_copy;
    const exec_overlap_flow_t *reply = first ? &first->kept.flow[EXEC_SERVER_TO_CLIENT] : NULL;
    if (!reply || !reply->bytes || reply->shared)
        return;
    guint8 *own = reply->bytes;
    const char *shared = exec_kept_text((const char *)own, reply->length);
    exec_overlap_share(&first->kept, EXEC_SERVER_TO_CLIENT, (const guint8 *)shared);
    wmem_free(wmem_file_scope(), own);
}

void
exec_first_copy_release(exec_session_work_t *work)
{
    struct exec_first_copy *first = work->first_copy;
    if (!first)
        return;
    for (int direction = 0; direction < 2; direction++) {
        const exec_overlap_flow_t *flow = &first->kept.flow[direction];
        if (flow->bytes && !flow->shared)
            wmem_free(wmem_file_scope(), flow->bytes);
    }
    first->next_spare = spare_copies;
    spare_copies = first;
    work->first_copy = NULL;
}

const exec_conflicts_t *
exec_first_copy_conflicts(const packet_info *pinfo)
{
    return conflicts_by_frame ? (const exec_conflicts_t *)wmem_tree_lookup32(conflicts_by_frame, pinfo->num) : NULL;
}

/* The receiver kept the bytes it already had, so the first copy is what it
 * most likely used. */
void
exec_first_copy_show(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, exec_info_t *info,
                     const exec_conflicts_t *conflicts, exec_direction_t direction)
{
    for (unsigned i = 0; conflicts && i < conflicts->count; i++) {
        const exec_conflict_t *conflict = &conflicts->conflict[i];
        const char *field = exec_piece_kind_name(conflict->kind);
        proto_item *item = proto_tree_add_uint64(tree, hf_exec_retransmission_conflict, tvb, conflict->offset,
                                                 conflict->length, conflict->differs_at);
        proto_item_set_generated(item);
        expert_add_info_format(pinfo, item, &ei_exec_overlap_conflict,
                               "Retransmitted %s differs from the first copy at offset %" PRIu64
                               ": \"%s\" vs \"%s\"; the %s most likely used the first copy",
                               field, conflict->differs_at,
                               tvb_format_text(pinfo->pool, tvb, conflict->offset, conflict->length),
                               conflict->first_copy,
                               direction == EXEC_CLIENT_TO_SERVER ? "server" : "client");
        exec_info_labelled(info, "Retransmitted ", field);
        exec_info_continue(info, " differs");
    }
}
