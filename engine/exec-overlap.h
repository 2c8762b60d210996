/* exec-overlap.h: the first copy of the bytes that decide a rexec login, to
 * tell a retransmission that carries different bytes.
 *
 * Plain C, no Wireshark types.  A retransmission that overlaps bytes already
 * seen with other bytes is a classic way to show a passive observer one
 * request ("guest") and the server another ("root").  The engine labels
 * such bytes EXEC_PIECE_RETRANSMITTED but keeps no byte; this module keeps
 * the first copy of the client's handshake (stderr port, username, password,
 * command) and of the server's status byte and error line, and compares a
 * retransmitted range with it.  Stdin and stdout are never kept, so the
 * copy stops growing when the handshake or the reply is over.
 *
 * The copy of a direction starts at stream position 0 and only ever grows
 * at its end: the first piece that does not continue it (data, a gap, a
 * string after a gap) closes it for good.  What is kept is therefore what
 * the receiver got in order; every TCP stack keeps such bytes and drops the
 * overlapping part of a later retransmission, so the first copy is the one
 * the receiver used (unless it discarded a segment the capture saw, e.g.
 * one with a bad checksum).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_OVERLAP_H
#define EXEC_OVERLAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exec-stream.h"

/* Bytes kept per direction.  Client: port (6), username and password (16
 * each, the daemon's limit with its NUL) and a command up to the rest of
 * 4096 bytes, POSIX's smallest ARG_MAX, so any command line every system
 * accepts is compared whole; a longer command is compared in its first
 * bytes.  Server: the status byte and an error line (the daemon's are
 * below 40 bytes). */
#define EXEC_OVERLAP_CLIENT_CAP 4096
#define EXEC_OVERLAP_SERVER_CAP 256
/* Fields per direction: four handshake strings, or status and error line. */
#define EXEC_OVERLAP_MAX_FIELDS 4
/* The kept bytes' buffer grows by this much (both caps are multiples). */
#define EXEC_OVERLAP_STEP 32

/* Grows (or first allocates, ptr NULL) a buffer, as realloc() does; the
 * caller picks the allocator (the plugin: wmem file scope). */
typedef void *(*exec_overlap_resize_fn)(void *ptr, size_t size);

typedef struct {
    uint8_t *bytes;         /* stream positions 0 .. length-1, in whole EXEC_OVERLAP_STEPs */
    uint16_t length;
    uint16_t field_end[EXEC_OVERLAP_MAX_FIELDS];   /* position after each field */
    uint8_t  field_kind[EXEC_OVERLAP_MAX_FIELDS];  /* its exec_piece_kind_t */
    uint8_t  n_fields;
    bool     closed : 1;    /* nothing more is kept in this direction */
    bool     shared : 1;    /* bytes are not the flow's own (exec_overlap_share):
                             * copied before anything is added */
} exec_overlap_flow_t;

/* Zero-initialised: nothing kept yet. */
typedef struct {
    exec_overlap_flow_t flow[2];    /* by exec_direction_t */
} exec_overlap_t;

/* One field whose retransmitted bytes differ from the first copy. */
typedef struct {
    exec_piece_kind_t kind;
    uint64_t differs_at;        /* stream position of the first differing byte */
    uint64_t start;             /* the field's bytes both copies have ... */
    uint32_t length;            /* ... (its kept part within the retransmission) */
    const uint8_t *first_copy;  /* the kept bytes from `start` */
} exec_overlap_conflict_t;

/* Whether pieces of this kind are kept (a session without any needs no
 * exec_overlap_t at all). */
bool exec_overlap_keeps(exec_piece_kind_t kind);

/* Hands the module one piece the engine classified as new (never a
 * RETRANSMITTED piece): data are its bytes, stream_offset the position of
 * data[0].  Any piece that does not continue the copy closes it. */
void exec_overlap_keep(exec_overlap_t *overlap, exec_direction_t direction,
                       exec_piece_kind_t kind, uint64_t stream_offset,
                       const uint8_t *data, uint32_t length,
                       exec_overlap_resize_fn resize);

/* The direction's kept bytes from now on: an equal copy the caller keeps
 * elsewhere, shared with other flows (replies repeat across sessions), never
 * written through this flow.  The caller frees the flow's own buffer. */
void exec_overlap_share(exec_overlap_t *overlap, exec_direction_t direction, const uint8_t *bytes);

/* Compares retransmitted bytes (data[0] at stream_offset) with the kept
 * copy; fills out[] with one entry per field that differs, in stream order,
 * and returns how many. */
unsigned exec_overlap_conflicts(const exec_overlap_t *overlap, exec_direction_t direction,
                                uint64_t stream_offset, const uint8_t *data, uint32_t length,
                                exec_overlap_conflict_t out[EXEC_OVERLAP_MAX_FIELDS]);

#endif /* EXEC_OVERLAP_H */
