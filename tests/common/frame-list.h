/* frame-list.h: a capture's frames as Wireshark's packet list keeps them,
 * for the small libwireshark programs (tests/order/redissect-order.c and
 * bench/redissect.c): they dissect frames again, and epan_new() asks them
 * for frame timestamps.  Header-only, as each program is one file.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_FRAME_LIST_H
#define EXEC_FRAME_LIST_H

#include <epan/epan.h>
#include <epan/frame_data.h>
#include <wiretap/wtap.h>

/* Frames are allocated one by one: Wireshark keeps pointers to them (the
 * time reference, the previous displayed frame). */
struct packet_provider_data {
    frame_data **frames;        /* by number - 1 */
    guint32 count;
    guint32 allocated;
    const frame_data *ref;
    nstime_t elapsed;
    guint32 cum_bytes;
};

static inline const nstime_t *
frame_list_timestamp(struct packet_provider_data *prov, guint32 num)
{
    return num >= 1 && num <= prov->count ? &prov->frames[num - 1]->abs_ts : NULL;
}

/* The next frame, read at `offset`, ready to be dissected. */
static inline frame_data *
frame_list_append(struct packet_provider_data *prov, const wtap_rec *rec, gint64 offset)
{
    if (prov->count == prov->allocated) {
        prov->allocated = prov->allocated ? 2 * prov->allocated : 1024;
        prov->frames = g_renew(frame_data *, prov->frames, prov->allocated);
    }
    frame_data *fd = g_new(frame_data, 1);
    frame_data_init(fd, prov->count + 1, rec, offset, prov->cum_bytes);
    frame_data_set_before_dissect(fd, &prov->elapsed, &prov->ref,
                                  prov->count ? prov->frames[prov->count - 1] : NULL);
    prov->frames[prov->count++] = fd;
    return fd;
}

/* After the frame's first dissection. */
static inline void
frame_list_dissected(struct packet_provider_data *prov, frame_data *fd)
{
    frame_data_set_after_dissect(fd, &prov->cum_bytes);
}

static inline void
frame_list_free(struct packet_provider_data *prov)
{
    for (guint32 i = 0; i < prov->count; i++) {
        frame_data_destroy(prov->frames[i]);
        g_free(prov->frames[i]);
    }
    g_free(prov->frames);
}

#endif /* EXEC_FRAME_LIST_H */
