/* exec-frame-records.c: per-frame records in frame order (exec-frame-records.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-frame-records.h"

#include <string.h>

struct exec_frame_records {
    exec_frame_record_t *entries;   /* by frame, then in the order added */
    guint32 count;
    guint32 capacity;
    guint32 cursor;     /* where the last search ended */
};

#define FIRST_CAPACITY 1024

exec_frame_records_t *
exec_frame_records_new(void)
{
    return wmem_new0(wmem_file_scope(), exec_frame_records_t);
}

/* The first entry of a frame at or after `frame`, or count. */
static guint32
first_at_or_after(exec_frame_records_t *table, guint32 frame)
{
    const exec_frame_record_t *entries = table->entries;
    guint32 count = table->count;
    /* The first pass asks for the frame it is adding to... */
    if (count == 0 || entries[count - 1].frame < frame)
        return count;
    /* ... a later pass in order, for the frame after the one found last... */
    guint32 low = 0, high = count, cursor = table->cursor;
    if (cursor < count) {
        if (entries[cursor].frame < frame)
            low = cursor + 1;
        else if (cursor == 0 || entries[cursor - 1].frame < frame)
            return cursor;
        else
            high = cursor;
    }
    if (low < count && entries[low].frame >= frame && (low == 0 || entries[low - 1].frame < frame))
        return table->cursor = low;
    /* ... the GUI, any frame. */
    while (low < high) {
        guint32 middle = low + (high - low) / 2;
        if (entries[middle].frame < frame)
            low = middle + 1;
        else
            high = middle;
    }
    return table->cursor = low;
}

void
exec_frame_records_add(exec_frame_records_t *table, guint32 frame, guint32 tag, void *data)
{
    if (table->count == table->capacity) {
        table->capacity = table->capacity ? table->capacity * 2 : FIRST_CAPACITY;
        table->entries = (exec_frame_record_t *)wmem_realloc(wmem_file_scope(), table->entries,
                                                             table->capacity * sizeof *table->entries);
    }
    /* After the frame's other records: in frame order, the end. */
    guint32 at = first_at_or_after(table, frame);
    while (at < table->count && table->entries[at].frame == frame)
        at++;
    if (at < table->count)
        memmove(&table->entries[at + 1], &table->entries[at], (table->count - at) * sizeof *table->entries);
    table->entries[at] = (exec_frame_record_t){ frame, tag, data };
    table->count++;
}

const exec_frame_record_t *
exec_frame_records_first(exec_frame_records_t *table, guint32 frame)
{
    guint32 at = first_at_or_after(table, frame);
    return at < table->count && table->entries[at].frame == frame ? &table->entries[at] : NULL;
}

const exec_frame_record_t *
exec_frame_records_find_masked(exec_frame_records_t *table, guint32 frame, guint32 tag, guint32 mask)
{
    for (guint32 at = first_at_or_after(table, frame); at < table->count && table->entries[at].frame == frame; at++) {
        if ((table->entries[at].tag & mask) == tag)
            return &table->entries[at];
    }
    return NULL;
}

const exec_frame_record_t *
exec_frame_records_find(exec_frame_records_t *table, guint32 frame, guint32 tag)
{
    return exec_frame_records_find_masked(table, frame, tag, G_MAXUINT32);
}
