/* exec-overlap.c: the first copy of the handshake and the reply, and the
 * comparison of retransmissions with it (see exec-overlap.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-overlap.h"

#include <string.h>

/* The buffer of `length` kept bytes: whole steps, so that a handshake that
 * comes in four pieces costs one allocation, not four. */
static size_t
kept_size(uint32_t length)
{
    return ((size_t)length + EXEC_OVERLAP_STEP - 1) / EXEC_OVERLAP_STEP * EXEC_OVERLAP_STEP;
}

bool
exec_overlap_keeps(exec_piece_kind_t kind)
{
    switch (kind) {
    case EXEC_PIECE_STDERR_PORT:
    case EXEC_PIECE_USERNAME:
    case EXEC_PIECE_PASSWORD:
    case EXEC_PIECE_COMMAND:
    case EXEC_PIECE_STATUS:
    case EXEC_PIECE_ERROR_MESSAGE:
        return true;
    default:
        return false;
    }
}

void
exec_overlap_keep(exec_overlap_t *overlap, exec_direction_t direction,
                  exec_piece_kind_t kind, uint64_t stream_offset,
                  const uint8_t *data, uint32_t length, exec_overlap_resize_fn resize)
{
    exec_overlap_flow_t *flow = &overlap->flow[direction];
    uint32_t cap = direction == EXEC_CLIENT_TO_SERVER ? EXEC_OVERLAP_CLIENT_CAP : EXEC_OVERLAP_SERVER_CAP;

    if (flow->closed || length == 0)
        return;
    bool continues_field = flow->n_fields > 0 && flow->field_kind[flow->n_fields - 1] == kind;
    if (!exec_overlap_keeps(kind) || stream_offset != flow->length ||
        (!continues_field && flow->n_fields == EXEC_OVERLAP_MAX_FIELDS)) {
        flow->closed = true;
        return;
    }
    uint32_t take = length;
    if (take > cap - flow->length) {
        take = cap - flow->length;
        flow->closed = true;    /* what follows the cap is never compared */
        if (take == 0)
            return;
    }
    size_t size = kept_size(flow->length + take);
    if (!flow->bytes || flow->shared || size > kept_size(flow->length)) {
        uint8_t *grown = resize(flow->shared ? NULL : flow->bytes, size);
        if (!grown) {
            flow->closed = true;
            return;
        }
        if (flow->shared)
            memcpy(grown, flow->bytes, flow->length);
        flow->bytes = grown;
        flow->shared = false;
    }
    memcpy(flow->bytes + flow->length, data, take);
    flow->length = (uint16_t)(flow->length + take);
    if (!continues_field)
        flow->field_kind[flow->n_fields++] = (uint8_t)kind;
    flow->field_end[flow->n_fields - 1] = flow->length;
}

void
exec_overlap_share(exec_overlap_t *overlap, exec_direction_t direction, const uint8_t *bytes)
{
    exec_overlap_flow_t *flow = &overlap->flow[direction];
    /* Never written while shared: exec_overlap_keep() copies it first. */
    flow->bytes = (uint8_t *)(uintptr_t)bytes;
    flow->shared = true;
}

unsigned
exec_overlap_conflicts(const exec_overlap_t *overlap, exec_direction_t direction,
                       uint64_t stream_offset, const uint8_t *data, uint32_t length,
                       exec_overlap_conflict_t out[EXEC_OVERLAP_MAX_FIELDS])
{
    const exec_overlap_flow_t *flow = &overlap->flow[direction];
    uint64_t end = stream_offset + length;
    unsigned count = 0;
    uint32_t field_start = 0;

    for (unsigned i = 0; i < flow->n_fields; field_start = flow->field_end[i++]) {
        uint64_t start = stream_offset > field_start ? stream_offset : field_start;
        uint64_t stop = end < flow->field_end[i] ? end : flow->field_end[i];
        if (start >= stop)
            continue;
        const uint8_t *first = flow->bytes + start;
        const uint8_t *again = data + (start - stream_offset);
        uint32_t span = (uint32_t)(stop - start);
        for (uint32_t k = 0; k < span; k++) {
            if (first[k] == again[k])
                continue;
            exec_overlap_conflict_t *conflict = &out[count++];
            conflict->kind = (exec_piece_kind_t)flow->field_kind[i];
            conflict->differs_at = start + k;
            conflict->start = start;
            conflict->length = span;
            conflict->first_copy = first;
            break;
        }
    }
    return count;
}
