/* exec-frame-records.h: what the first pass decided about a frame, found
 * again by every later pass.
 *
 * What p_add_proto_data does, for a plugin that keeps a few records for
 * each of millions of frames (a brute force is thousands of short
 * sessions): the first pass visits frames in order, so a table appends its
 * entries and finds them by binary search, or next to the last one found
 * when a later pass goes in order too.  An entry is 16 bytes in one
 * growing array; p_add_proto_data allocates 40 a record and costs ten
 * times the instructions.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_FRAME_RECORDS_H
#define EXEC_FRAME_RECORDS_H

#include "ws-compat.h"

#include <epan/packet.h>

typedef struct {
    guint32 frame;
    guint32 tag;        /* the table's owner says what: a sequence number, an event */
    void *data;
} exec_frame_record_t;

typedef struct exec_frame_records exec_frame_records_t;

/* An empty table in file scope: made by an init routine, gone with the file. */
exec_frame_records_t *exec_frame_records_new(void);
/* First pass: a record of this frame (any frame order works; frame order
 * is what costs nothing). */
void exec_frame_records_add(exec_frame_records_t *table, guint32 frame, guint32 tag, void *data);
/* The frame's record with this tag, or NULL. */
const exec_frame_record_t *exec_frame_records_find(exec_frame_records_t *table, guint32 frame, guint32 tag);
/* The frame's record whose tag has these bits under mask (a table that
 * keeps more than a kind in its tags), or NULL. */
const exec_frame_record_t *exec_frame_records_find_masked(exec_frame_records_t *table, guint32 frame, guint32 tag,
                                                          guint32 mask);
/* The frame's first record whatever its tag, or NULL. */
const exec_frame_record_t *exec_frame_records_first(exec_frame_records_t *table, guint32 frame);

#endif /* EXEC_FRAME_RECORDS_H */
