/* packet-exec.c: the control connection of the BSD remote execution
 * protocol (rexec, "exec", TCP 512): the handshake, the reply, stdin and
 * stdout.
 *
 * The protocol's state machine lives in engine/exec-stream.c.  The first
 * pass feeds it each TCP segment at its stream position and stores what it
 * said as the frame's record (except for plain data frames, see
 * is_plain_data); every pass shows that record: the tree, through one
 * show_* helper per kind of piece, and the Info column (exec-info.c).  So
 * a frame shows the same thing in any order, any number of times.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "packet-exec.h"

#include <epan/expert.h>
#include <epan/strutil.h>
#include <wsutil/str_util.h>

#include "exec-export.h"
#include "exec-first-copy.h"
#include "exec-frame-records.h"
#include "exec-info.h"
#include "exec-kept-texts.h"
#include "exec-session.h"
#include "exec-stderr.h"
#include "exec-takeover.h"
#include "exec-taps.h"
#include "ws-private.h"

#define RSH_TCP_PORT 514
#define RLOGIN_TCP_PORT 513

static int hf_exec_stderr_port = -1;
static int hf_exec_username = -1;
static int hf_exec_password = -1;
static int hf_exec_command = -1;
static int hf_exec_client_server_data = -1;
static int hf_exec_server_client_data = -1;
static int hf_exec_stderr_port_number = -1;
static int hf_exec_stderr_channel_in = -1;
static int hf_exec_status = -1;
static int hf_exec_error_message = -1;
static int hf_exec_response_in = -1;
static int hf_exec_request_in = -1;
static int hf_exec_response_time = -1;
static int hf_exec_unidentified_string = -1;
static int hf_exec_retransmitted_data = -1;
static int hf_exec_lost_bytes = -1;

static expert_field ei_exec_cleartext_password = EI_INIT;
static expert_field ei_exec_login_failed = EI_INIT;
static expert_field ei_exec_username_too_long = EI_INIT;
static expert_field ei_exec_password_too_long = EI_INIT;
static expert_field ei_exec_port_not_numeric = EI_INIT;
static expert_field ei_exec_port_out_of_range = EI_INIT;
static expert_field ei_exec_status_unknown = EI_INIT;
static expert_field ei_exec_unexpected_data = EI_INIT;
static expert_field ei_exec_string_oversized = EI_INIT;
static expert_field ei_exec_string_partial = EI_INIT;
static expert_field ei_exec_lost = EI_INIT;
static expert_field ei_exec_unidentified = EI_INIT;
static expert_field ei_exec_unknown_phase = EI_INIT;
static expert_field ei_exec_retransmitted = EI_INIT;
static expert_field ei_exec_identified_by_status = EI_INIT;
static expert_field ei_exec_identified_later = EI_INIT;
static expert_field ei_exec_truncated = EI_INIT;
static expert_field ei_exec_early_success = EI_INIT;

static gint ett_exec_identified = -1;

static dissector_handle_t exec_handle;
/* The records of the frames this dissector classified, tagged with the
 * sequence number TCP handed (one frame can come in two calls).  A client
 * segment at its stream's start that later passes classify again from its
 * bytes (derived_record) keeps only its session, in the second table. */
static exec_frame_records_t *kept_records;
static exec_frame_records_t *derivable_records;

static const value_string exec_status_vals[] = {
    { 0, "Success" },
    { 1, "Error" },
    { 0, NULL }
};

/* Strings of earlier frames a success status after a gap identified (rare:
 * kept apart, so the record of a data frame stays small). */
typedef struct {
    exec_pending_string_t string[EXEC_HANDSHAKE_STRINGS];
    exec_piece_kind_t kind[EXEC_HANDSHAKE_STRINGS];
    guint8 count;
} exec_identified_t;

/* One or the other: a client frame has no status, a server frame no
 * handshake string. */
typedef union {
    exec_identified_t *identified;  /* status: strings of earlier frames it identified */
    exec_late_name_t *late_names;   /* per piece: what a later status proved it to be */
} exec_counted_back_t;

/* A frame's record: what one call on one frame showed, computed on the
 * first pass and read on every later one (kept as exec_kept_record_t). */
typedef struct {
    exec_session_t *session;
    exec_piece_t *pieces;
    guint8   n_pieces;
    gboolean client_to_server;
    guint32  consumed;          /* < tvb length: TCP reassembles the rest */
    const char *username;       /* the session's, as known at this frame */
    const char *command;
    exec_counted_back_t counted_back;
} exec_record_t;

static gboolean
is_whole(const exec_piece_t *piece)
{
    return (piece->flags & (EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS)) ==
           (EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS);
}

/* Printable ASCII, which format_text() shows as itself (a backslash aside:
 * Wireshark versions differ on it). */
static gboolean
is_plain_text(const guint8 *bytes, guint32 length)
{
    for (guint32 i = 0; i < length; i++)
        if (bytes[i] < 0x20 || bytes[i] > 0x7e || bytes[i] == '\\')
            return FALSE;
    return TRUE;
}

/* A string piece's bytes, terminator excluded. */
static const guint8 *
string_bytes(tvbuff_t *tvb, const exec_piece_t *piece, guint32 *length)
{
    *length = piece->length - ((piece->flags & EXEC_PIECE_ENDS) ? 1 : 0);
    return tvb_get_ptr(tvb, piece->offset, *length);
}

/* A string piece as printable text.  Most names and commands are plain
 * text, copied as they are. */
static const char *
piece_text(wmem_allocator_t *scope, tvbuff_t *tvb, const exec_piece_t *piece)
{
    guint32 length;
    const guint8 *bytes = string_bytes(tvb, piece, &length);
    if (is_plain_text(bytes, length))
        return wmem_strndup(scope, (const char *)bytes, length);
    return tvb_format_text(scope, tvb, piece->offset, length);
}

/* The same text as the file keeps it: once, however many sessions send it. */
static const char *
kept_piece_text(const packet_info *pinfo, tvbuff_t *tvb, const exec_piece_t *piece)
{
    guint32 length;
    const guint8 *bytes = string_bytes(tvb, piece, &length);
    if (is_plain_text(bytes, length))
        return exec_kept_text((const char *)bytes, length);
    const char *text = tvb_format_text(pinfo->pool, tvb, piece->offset, length);
    return exec_kept_text(text, (guint32)strlen(text));
}

/* ---- First pass: classify the segment, learn, store the record ---- */

/* What this frame's pieces teach about the session. */
static void
learn_from_piece(exec_session_t *session, tvbuff_t *tvb, packet_info *pinfo, const exec_piece_t *piece)
{
    gboolean whole = is_whole(piece);

    switch (piece->kind) {
    case EXEC_PIECE_STDERR_PORT:
        if (!(piece->flags & EXEC_PIECE_ENDS))
            break;
        session->port_frame = pinfo->num;
        /* Malformed or not, the daemon connects back to what it computed. */
        if (piece->value != 0)
            exec_stderr_announce(session, piece->value);
        break;
    case EXEC_PIECE_USERNAME:
        if (piece->flags & EXEC_PIECE_ENDS)
            session->username_frame = pinfo->num;
        if (whole && !session->username)
            session->username = kept_piece_text(pinfo, tvb, piece);
        break;
    case EXEC_PIECE_PASSWORD:
        if (piece->flags & EXEC_PIECE_ENDS)
            session->password_frame = pinfo->num;
        break;
    case EXEC_PIECE_COMMAND:
        if (!(piece->flags & EXEC_PIECE_ENDS))
            break;
        session->command_frame = pinfo->num;
        session->command_time = pinfo->abs_ts;
        if (whole && !session->command)
            session->command = kept_piece_text(pinfo, tvb, piece);
        break;
    case EXEC_PIECE_STATUS:
        session->status_frame = pinfo->num;
        break;
    case EXEC_PIECE_STDIN:
        session->work->stdin_bytes += piece->length;
        break;
    case EXEC_PIECE_STDOUT:
        session->work->stdout_bytes += piece->length;
        break;
    default:
        break;
    }
}

/* Where stdin and what follows the status begin, for the export. */
static void
learn_data_start(exec_session_t *session, exec_direction_t direction, guint64 segment_offset,
                 const exec_piece_t *piece)
{
    if (session->data_start[direction])
        return;
    if (piece->kind == EXEC_PIECE_COMMAND && (piece->flags & EXEC_PIECE_ENDS))
        session->data_start[direction] = segment_offset + piece->offset + piece->length + 1;
    else if (piece->kind == EXEC_PIECE_STATUS)
        session->data_start[direction] = segment_offset + piece->offset + 2;
}

/* A client string whose field a later frame may prove: where it is, and
 * the slot in its frame's record where the name will go. */
static void
wait_for_name(exec_pending_string_t *pending, tvbuff_t *tvb, const packet_info *pinfo, guint64 segment_offset,
              exec_record_t *record, unsigned piece_index)
{
    const exec_piece_t *piece = &record->pieces[piece_index];
    pending->start = segment_offset + piece->offset;
    pending->end = pending->start + piece->length;
    pending->frame = pinfo->num;
    pending->text = kept_piece_text(pinfo, tvb, piece);
    if (!record->counted_back.late_names)
        /* n_pieces <= EXEC_MAX_PIECES: no overflow (the _array macro's check
         * for a negative count makes no sense on an unsigned one). */
        record->counted_back.late_names = (exec_late_name_t *)wmem_alloc0(wmem_file_scope(),
                                                                          sizeof(exec_late_name_t) * record->n_pieces);
    pending->late = &record->counted_back.late_names[piece_index];
}

/* Whole strings after a client gap, or with the client's start not
 * captured, wait for a success status to name them; a new gap breaks the
 * chain. */
static void
track_unidentified(exec_session_t *session, tvbuff_t *tvb, packet_info *pinfo, guint64 segment_offset,
                   exec_record_t *record, unsigned piece_index)
{
    const exec_piece_t *piece = &record->pieces[piece_index];
    if (piece->kind == EXEC_PIECE_LOST) {
        session->work->n_pending = 0;
        return;
    }
    if ((piece->kind != EXEC_PIECE_UNIDENTIFIED_STRING && piece->kind != EXEC_PIECE_UNKNOWN_PHASE_DATA) ||
        !is_whole(piece))
        return;
    /* Only sessions with a gap need the slots: not part of every session. */
    if (!session->work->pending)
        session->work->pending = wmem_alloc_array(wmem_file_scope(), exec_pending_string_t, EXEC_HANDSHAKE_STRINGS);
    if (session->work->n_pending == EXEC_HANDSHAKE_STRINGS) {
        memmove(&session->work->pending[0], &session->work->pending[1],
                sizeof session->work->pending[0] * (EXEC_HANDSHAKE_STRINGS - 1));
        session->work->n_pending--;
    }
    exec_pending_string_t *pending = &session->work->pending[session->work->n_pending++];
    wait_for_name(pending, tvb, pinfo, segment_offset, record, piece_index);
}

/* With the client's start not captured, its first captured string may be
 * the stderr port, whatever came before it: a number is announced as one,
 * and a connection back to it proves it (exec_control_port_proven). */
static void
note_port_candidate(exec_session_t *session, tvbuff_t *tvb, packet_info *pinfo, guint64 segment_offset,
                    exec_record_t *record, unsigned piece_index)
{
    const exec_piece_t *piece = &record->pieces[piece_index];
    if (piece->kind != EXEC_PIECE_UNKNOWN_PHASE_DATA || !(piece->flags & EXEC_PIECE_ENDS) ||
        segment_offset + piece->offset != 0 || session->stderr_port ||
        piece->length < 2 || piece->length > 6)
        return;
    guint32 port = 0;
    for (guint32 i = 0; i + 1 < piece->length; i++) {
        guint8 digit = exec_tvb_get_u8(tvb, piece->offset + i);
        if (!g_ascii_isdigit(digit))
            return;
        port = port * 10 + (guint32)(digit - '0');
    }
    if (port == 0 || port > G_MAXUINT16)
        return;
    exec_pending_string_t *candidate = wmem_new0(wmem_file_scope(), exec_pending_string_t);
    wait_for_name(candidate, tvb, pinfo, segment_offset, record, piece_index);
    session->work->unseen_start->port_candidate = candidate;
    session->port_frame = pinfo->num;
    exec_stderr_announce(session, port);
}

/* A later frame proved what a client string is (first pass): later passes
 * show it at the string's bytes, and the session knows it. */
static void
name_late(exec_session_t *session, const exec_pending_string_t *pending, exec_piece_kind_t kind,
          guint32 by_frame, gboolean by_channel)
{
    pending->late->kind = (guint8)kind;
    pending->late->by_frame = by_frame;
    pending->late->by_channel = (guint8)by_channel;
    if (kind == EXEC_PIECE_COMMAND && !session->command)
        session->command = pending->text;
    if (kind == EXEC_PIECE_COMMAND && !session->data_start[EXEC_CLIENT_TO_SERVER])
        session->data_start[EXEC_CLIENT_TO_SERVER] = pending->end + 1;
    if (kind == EXEC_PIECE_USERNAME && !session->username)
        session->username = pending->text;
}

void
exec_control_port_proven(exec_session_t *session, guint32 channel_frame)
{
    if (!exec_session_port_unproven(session))
        return;
    const exec_pending_string_t *port = session->work->unseen_start->port_candidate;
    session->work->unseen_start->port_candidate = NULL;
    name_late(session, port, EXEC_PIECE_STDERR_PORT, channel_frame, TRUE);
    /* Whole strings right after it follow in handshake order; a gap reset
     * the list, and the engine counts none after one either. */
    guint64 next = port->end;
    for (unsigned i = 0; i < session->work->n_pending && i + 1 < EXEC_HANDSHAKE_STRINGS &&
                         session->work->pending[i].start == next; i++) {
        name_late(session, &session->work->pending[i], exec_handshake_order[i + 1], channel_frame, TRUE);
        next = session->work->pending[i].end;
    }
    session->work->n_pending = 0;
    exec_stream_client_port_proven(&session->work->stream);
}

/* On a success status: the daemon replies once it has read the command's
 * NUL, so the client position the status segment acknowledges ends the
 * command; contiguous whole strings before it are the password, the
 * username and the port, counting back. */
static void
identify_by_status(exec_session_t *session, exec_record_t *record, const packet_info *pinfo,
                   const struct tcpinfo *tcpinfo)
{
    guint32 acked = tcpinfo->lastackseq - session->seq_origin[EXEC_CLIENT_TO_SERVER];
    int i = session->work->n_pending - 1;

    if (i < 0 || (guint32)session->work->pending[i].end != acked)
        return;
    exec_identified_t *found = record->counted_back.identified = wmem_new0(wmem_file_scope(), exec_identified_t);
    for (int position = EXEC_HANDSHAKE_STRINGS - 1; i >= 0 && position >= 0; i--, position--) {
        const exec_pending_string_t *pending = &session->work->pending[i];
        exec_piece_kind_t kind = exec_handshake_order[position];
        found->string[found->count] = *pending;
        found->kind[found->count++] = kind;
        name_late(session, pending, kind, pinfo->num, FALSE);
        if (i > 0 && session->work->pending[i - 1].end != pending->start)
            break;
    }
    session->work->n_pending = 0;
}

/* Whether this server segment, with the server's start not captured,
 * starts its stream: the daemon sends nothing before it has read the
 * command, so the segment that acknowledges the end of the client's last
 * string, and whose first byte is where the client acknowledged the
 * server's stream when it sent that string's NUL, carries the status byte. */
static gboolean
server_reply_starts_here(const exec_session_t *session, const struct tcpinfo *tcpinfo)
{
    const exec_unseen_start_t *unseen = session->work->unseen_start;
    if (!tcpinfo || !unseen || !unseen->client_string_end)
        return FALSE;
    guint32 acked = tcpinfo->lastackseq - session->seq_origin[EXEC_CLIENT_TO_SERVER];
    return unseen->client_string_end == acked && unseen->client_string_server_acked == tcpinfo->seq;
}

/* The server's start not captured: the end of the client's last string,
 * for server_reply_starts_here(). */
static void
note_client_string_end(exec_session_t *session, const struct tcpinfo *tcpinfo, guint64 segment_offset,
                       const exec_piece_t *piece)
{
    if (tcpinfo && (piece->flags & EXEC_PIECE_ENDS) && piece->kind != EXEC_PIECE_STDIN) {
        session->work->unseen_start->client_string_end = (guint32)(segment_offset + piece->offset + piece->length);
        session->work->unseen_start->client_string_server_acked = tcpinfo->lastackseq;
    }
}

/* The tag of a derivable frame's entry (keep_derivable): what the session
 * knew then, and how the first pass fed the engine. */
#define DERIVED_SHOWS_USERNAME 0x01u
#define DERIVED_SHOWS_COMMAND  0x02u
#define DERIVED_MAY_DEFER      0x04u
#define DERIVED_REQUEST        0x08u    /* the client's first segment, the engine untouched */
#define DERIVED_AFTER_PORT     0x10u    /* its next, after the stderr port string alone (glibc) */
#define DERIVED_REPLY          0x20u    /* the server's first, its flow untouched ... */
#define DERIVED_IN_HANDSHAKE   0x40u    /* ... while the client's handshake went on */

/* Runs the engine on this segment; the record's pieces point into the
 * segment.  Returns DERIVED_REQUEST, DERIVED_AFTER_PORT or DERIVED_REPLY
 * (with DERIVED_IN_HANDSHAKE) when an engine made again from the session
 * (derived_record) classifies this segment alike, else 0. */
static guint32
classify_segment(tvbuff_t *tvb, packet_info *pinfo, exec_session_t *session,
                 const struct tcpinfo *tcpinfo, exec_record_t *record, exec_segment_t *segment)
{
    exec_direction_t direction = exec_session_direction(session, pinfo);
    guint32 length = tvb_captured_length(tvb);

    guint64 offset = exec_session_segment_position(session, direction, tcpinfo);
    if (direction == EXEC_SERVER_TO_CLIENT && server_reply_starts_here(session, tcpinfo))
        exec_stream_server_reply_starts(&session->work->stream);
    const guint8 *data = tvb_get_ptr(tvb, 0, length);
    guint32 fresh = 0;
    bool in_handshake;
    if (offset == 0 && direction == EXEC_CLIENT_TO_SERVER && exec_stream_untouched(&session->work->stream))
        fresh = DERIVED_REQUEST;
    else if (direction == EXEC_CLIENT_TO_SERVER && offset == session->work->stream.client.next_offset &&
             exec_stream_after_port_only(&session->work->stream, session->stderr_port))
        fresh = DERIVED_AFTER_PORT;
    else if (offset == 0 && direction == EXEC_SERVER_TO_CLIENT &&
             exec_stream_reply_untouched(&session->work->stream, &in_handshake))
        fresh = DERIVED_REPLY | (in_handshake ? DERIVED_IN_HANDSHAKE : 0);
    exec_stream_feed(&session->work->stream, direction, offset, data, length, pinfo->can_desegment > 0, segment);
    exec_session_count_lost(session, direction, offset, length, segment);

    memset(record, 0, sizeof *record);
    record->session = session;
    record->client_to_server = direction == EXEC_CLIENT_TO_SERVER;
    record->consumed = segment->consumed;
    record->n_pieces = (guint8)segment->n_pieces;
    record->pieces = segment->pieces;
    for (unsigned i = 0; i < segment->n_pieces; i++) {
        const exec_piece_t *piece = &segment->pieces[i];
        learn_from_piece(session, tvb, pinfo, piece);
        learn_data_start(session, direction, offset, piece);
        exec_first_copy_check(session, pinfo, direction, offset, data, piece);
        if (direction == EXEC_CLIENT_TO_SERVER) {
            if (!session->work->stream.client.start_seen)
                note_port_candidate(session, tvb, pinfo, offset, record, i);
            if (!session->work->stream.server.start_seen)
                note_client_string_end(session, tcpinfo, offset, piece);
            track_unidentified(session, tvb, pinfo, offset, record, i);
        } else if (piece->kind == EXEC_PIECE_STATUS && piece->value == 0 && tcpinfo)
            identify_by_status(session, record, pinfo, tcpinfo);
    }
    record->username = session->username;
    record->command = session->command;
    session->status_seen = session->work->stream.status_seen;
    session->status = session->work->stream.status;
    return fresh;
}

/* First pass: a segment of a session whose working state is released
 * (exec-session.h): long after both FINs or a reset, its bytes can only
 * be sent again. */
static void
classify_after_release(tvbuff_t *tvb, packet_info *pinfo, exec_session_t *session, exec_record_t *record,
                       exec_segment_t *segment)
{
    exec_piece_t *piece = &segment->pieces[0];
    memset(piece, 0, sizeof *piece);
    piece->kind = EXEC_PIECE_RETRANSMITTED;
    piece->length = tvb_captured_length(tvb);
    segment->n_pieces = 1;
    segment->consumed = piece->length;

    memset(record, 0, sizeof *record);
    record->session = session;
    record->client_to_server = exec_session_direction(session, pinfo) == EXEC_CLIENT_TO_SERVER;
    record->consumed = segment->consumed;
    record->n_pieces = 1;
    record->pieces = segment->pieces;
    record->username = session->username;
    record->command = session->command;
}

/* A segment that is stdin or stdout from its first byte to its last, once
 * the session's username and command are known (neither changes after):
 * plain_data_record() makes a record again from the session alone that
 * shows the same, so none is kept.  That is most frames of a session.  (The
 * flag saying the stream's first data byte is here shows nowhere.) */
static gboolean
is_plain_data(const exec_record_t *record, guint32 length)
{
    const exec_piece_t *piece = &record->pieces[0];
    return record->n_pieces == 1 && record->consumed == length && record->username && record->command &&
           piece->kind == (record->client_to_server ? EXEC_PIECE_STDIN : EXEC_PIECE_STDOUT) &&
           piece->offset == 0 && piece->length == length &&
           (piece->flags & ~EXEC_PIECE_BEGINS) == 0 && piece->anomalies == 0;
}

/* Later passes: the record of a frame is_plain_data() chose not to keep. */
static exec_record_t *
plain_data_record(tvbuff_t *tvb, packet_info *pinfo, exec_record_t *record, exec_piece_t *piece)
{
    exec_session_t *session = exec_session_of_conversation(pinfo);
    if (!session)
        return NULL;

    memset(record, 0, sizeof *record);
    memset(piece, 0, sizeof *piece);
    record->session = session;
    record->client_to_server = exec_session_direction(session, pinfo) == EXEC_CLIENT_TO_SERVER;
    record->consumed = piece->length = tvb_captured_length(tvb);
    record->n_pieces = 1;
    record->pieces = piece;
    piece->kind = record->client_to_server ? EXEC_PIECE_STDIN : EXEC_PIECE_STDOUT;
    record->username = session->username;
    record->command = session->command;
    return record;
}

/* First pass, after classify_segment(): keeps what later passes need to
 * make the record again from the frame's bytes (derived_record), when an
 * engine made again from the session classifies this segment alike (fresh:
 * classify_segment's DERIVED_* bits): the client's first segment, the
 * engine untouched; glibc's second, after the port string alone; the
 * server's first, its flow untouched.  Most sessions' request and reply: a
 * brute-force attempt keeps table entries, not records of pieces.  FALSE,
 * and nothing kept, otherwise. */
static gboolean
keep_derivable(tvbuff_t *tvb, packet_info *pinfo, const exec_record_t *record, guint32 fresh)
{
    if (!fresh || record->counted_back.identified || record->consumed != tvb_captured_length(tvb))
        return FALSE;
    guint32 tag = fresh | (record->username ? DERIVED_SHOWS_USERNAME : 0) |
                  (record->command ? DERIVED_SHOWS_COMMAND : 0) | (pinfo->can_desegment > 0 ? DERIVED_MAY_DEFER : 0);
    exec_frame_records_add(derivable_records, pinfo->num, tag, record->session);
    return TRUE;
}

/* Later passes: the record keep_derivable() did not keep, when this call
 * hands the segment at its stream's start (TCP may hand a frame over in
 * two calls); else NULL. */
static exec_record_t *
derived_record(tvbuff_t *tvb, packet_info *pinfo, guint32 seq, exec_record_t *record, exec_segment_t *segment)
{
    const exec_frame_record_t *entry = exec_frame_records_first(derivable_records, pinfo->num);
    if (!entry)
        return NULL;
    exec_session_t *session = (exec_session_t *)entry->data;
    exec_direction_t direction = (entry->tag & DERIVED_REPLY) ? EXEC_SERVER_TO_CLIENT : EXEC_CLIENT_TO_SERVER;
    exec_stream_t fresh;
    if (entry->tag & DERIVED_REPLY)
        exec_stream_init_reply(&fresh, (entry->tag & DERIVED_IN_HANDSHAKE) != 0);
    else if (entry->tag & DERIVED_AFTER_PORT)
        exec_stream_init_after_port(&fresh, session->stderr_port);
    else
        exec_stream_init(&fresh, TRUE, TRUE);
    guint64 offset = direction == EXEC_CLIENT_TO_SERVER ? fresh.client.next_offset : 0;
    if (exec_session_direction(session, pinfo) != direction || seq != session->seq_origin[direction] + (guint32)offset)
        return NULL;
    guint32 length = tvb_captured_length(tvb);
    exec_stream_feed(&fresh, direction, offset, tvb_get_ptr(tvb, 0, length), length,
                     (entry->tag & DERIVED_MAY_DEFER) != 0, segment);
    memset(record, 0, sizeof *record);
    record->session = session;
    record->client_to_server = direction == EXEC_CLIENT_TO_SERVER;
    record->consumed = segment->consumed;
    record->n_pieces = (guint8)segment->n_pieces;
    record->pieces = segment->pieces;
    record->username = (entry->tag & DERIVED_SHOWS_USERNAME) ? session->username : NULL;
    record->command = (entry->tag & DERIVED_SHOWS_COMMAND) ? session->command : NULL;
    return record;
}

/* A piece as a kept record holds it: 16 bytes instead of the engine's 40,
 * since a brute-force session keeps several.  A LOST piece (offset and
 * length 0) is followed by one more slot with its count and position. */
typedef union {
    struct {
        guint8   kind;          /* exec_piece_kind_t */
        guint8   flags;
        guint16  anomalies;
        guint32  offset;
        guint32  length;
        guint32  value;
    } piece;
    struct {
        guint64  lost;
        guint64  lost_at;
    } gap;
    exec_counted_back_t counted_back;   /* the last slot, when the record has one */
} exec_kept_piece_t;

/* The record of a frame as later passes find it: the record without its
 * pieces pointer, and the pieces in the same block.  The session's username
 * and command never change once known: two bits say whether the frame
 * showed them, not two pointers (a brute force keeps a few records per
 * attempt). */
typedef struct {
    exec_session_t *session;
    guint32  consumed;
    guint8   n_pieces;
    guint8   client_to_server : 1;
    guint8   shows_username : 1;
    guint8   shows_command : 1;
    guint8   counted_back : 1;      /* rare: in one more slot after the pieces */
    exec_kept_piece_t pieces[];
} exec_kept_record_t;

/* Keeps a classified frame's record for later passes. */
static void
keep_record(packet_info *pinfo, guint32 key, const exec_record_t *classified)
{
    gboolean counted_back = classified->counted_back.identified != NULL;
    unsigned slots = classified->n_pieces + (counted_back ? 1 : 0);
    for (unsigned i = 0; i < classified->n_pieces; i++)
        slots += classified->pieces[i].kind == EXEC_PIECE_LOST;
    exec_kept_record_t *kept = (exec_kept_record_t *)wmem_alloc(wmem_file_scope(),
            sizeof *kept + slots * sizeof kept->pieces[0]);
    kept->session = classified->session;
    kept->consumed = classified->consumed;
    kept->n_pieces = classified->n_pieces;
    kept->client_to_server = classified->client_to_server;
    kept->shows_username = classified->username != NULL;
    kept->shows_command = classified->command != NULL;
    kept->counted_back = counted_back;
    exec_kept_piece_t *slot = kept->pieces;
    for (unsigned i = 0; i < classified->n_pieces; i++, slot++) {
        const exec_piece_t *piece = &classified->pieces[i];
        slot->piece.kind = (guint8)piece->kind;
        slot->piece.flags = piece->flags;
        slot->piece.anomalies = piece->anomalies;
        slot->piece.offset = piece->offset;
        slot->piece.length = piece->length;
        slot->piece.value = piece->value;
        if (piece->kind == EXEC_PIECE_LOST) {
            slot++;
            slot->gap.lost = piece->lost;
            slot->gap.lost_at = piece->lost_at;
        }
    }
    if (counted_back)
        slot->counted_back = classified->counted_back;
    exec_frame_records_add(kept_records, pinfo->num, key, kept);
}

/* Later passes: a kept record as the engine's pieces, in `pieces`. */
static exec_record_t *
unpack_record(const exec_kept_record_t *kept, exec_record_t *record, exec_piece_t *pieces)
{
    memset(record, 0, sizeof *record);
    record->session = kept->session;
    record->username = kept->shows_username ? kept->session->username : NULL;
    record->command = kept->shows_command ? kept->session->command : NULL;
    record->consumed = kept->consumed;
    record->n_pieces = kept->n_pieces;
    record->client_to_server = kept->client_to_server;
    record->pieces = pieces;
    const exec_kept_piece_t *slot = kept->pieces;
    for (unsigned i = 0; i < kept->n_pieces; i++, slot++) {
        exec_piece_t *piece = &pieces[i];
        memset(piece, 0, sizeof *piece);
        piece->kind = (exec_piece_kind_t)slot->piece.kind;
        piece->flags = slot->piece.flags;
        piece->anomalies = slot->piece.anomalies;
        piece->offset = slot->piece.offset;
        piece->length = slot->piece.length;
        piece->value = slot->piece.value;
        if (piece->kind == EXEC_PIECE_LOST) {
            slot++;
            piece->lost = slot->gap.lost;
            piece->lost_at = slot->gap.lost_at;
        }
    }
    if (kept->counted_back)
        record->counted_back = slot->counted_back;
    return record;
}

/* ---- Every pass: show the record ---- */

/* What a show_* helper gets: one piece of a record, with where to show it. */
typedef struct {
    proto_tree *tree;
    tvbuff_t *tvb;
    packet_info *pinfo;
    exec_info_t *info;
    const exec_record_t *record;
} exec_show_t;

typedef void (*exec_show_piece_fn)(const exec_show_t *show, const exec_piece_t *piece);

static void
add_frame_link(proto_tree *tree, tvbuff_t *tvb, int hf, guint32 frame)
{
    if (frame)
        proto_item_set_generated(proto_tree_add_uint(tree, hf, tvb, 0, 0, frame));
}

static proto_item *
add_string_piece(const exec_show_t *show, int hf, const exec_piece_t *piece)
{
    tvbuff_t *tvb = show->tvb;
    packet_info *pinfo = show->pinfo;
    /* Cut by the snaplen: a value would be wrong, so the field is not set. */
    if (!(piece->flags & EXEC_PIECE_ENDS) && tvb_captured_length(tvb) < tvb_reported_length(tvb) &&
        piece->offset + piece->length == tvb_captured_length(tvb))
        return proto_tree_add_expert_format(show->tree, pinfo, &ei_exec_truncated, tvb, piece->offset,
                                            piece->length, "%s cut short by the capture's snaplen: %s",
                                            exec_piece_kind_name(piece->kind),
                                            tvb_format_text(pinfo->pool, tvb, piece->offset, piece->length));
    proto_item *item = proto_tree_add_item(show->tree, hf, tvb, piece->offset, piece->length, ENC_UTF_8);
    if (piece->anomalies & EXEC_ANOMALY_FIELD_OVERSIZED)
        expert_add_info(pinfo, item, &ei_exec_string_oversized);
    else if (!is_whole(piece) && !(piece->flags & (EXEC_PIECE_AFTER_GAP | EXEC_PIECE_NOT_HELD)))
        expert_add_info(pinfo, item, &ei_exec_string_partial);
    if (piece->flags & EXEC_PIECE_AFTER_GAP)
        proto_item_append_text(item, " [start not captured]");
    else if (!(piece->flags & EXEC_PIECE_ENDS))
        proto_item_append_text(item, " [continues in a later segment]");
    return item;
}

static void
show_stderr_port(const exec_show_t *show, const exec_piece_t *piece)
{
    proto_item *item = add_string_piece(show, hf_exec_stderr_port, piece);
    if (piece->flags & EXEC_PIECE_ENDS) {
        item = proto_tree_add_uint(show->tree, hf_exec_stderr_port_number, show->tvb, piece->offset,
                                   piece->length - 1, piece->value);
        proto_item_set_generated(item);
        if (piece->anomalies & (EXEC_ANOMALY_PORT_NOT_NUMERIC | EXEC_ANOMALY_PORT_OUT_OF_RANGE))
            proto_item_append_text(item, " (as the daemon computes it)");
    }
    if (piece->anomalies & EXEC_ANOMALY_PORT_NOT_NUMERIC)
        expert_add_info(show->pinfo, item, &ei_exec_port_not_numeric);
    if (piece->anomalies & EXEC_ANOMALY_PORT_OUT_OF_RANGE)
        expert_add_info(show->pinfo, item, &ei_exec_port_out_of_range);
    if (!(piece->flags & EXEC_PIECE_ENDS))
        return;
    if (piece->value == 0) {
        proto_item_append_text(item, " (no stderr channel)");
        exec_info_text(show->info, "No stderr channel");
        return;
    }
    exec_info_labelled_number(show->info, "Stderr port ", piece->value);
    add_frame_link(show->tree, show->tvb, hf_exec_stderr_channel_in, show->record->session->stderr_first_frame);
}

static void
show_username(const exec_show_t *show, const exec_piece_t *piece)
{
    proto_item *item = add_string_piece(show, hf_exec_username, piece);
    if (piece->anomalies & EXEC_ANOMALY_USERNAME_TOO_LONG)
        expert_add_info(show->pinfo, item, &ei_exec_username_too_long);
    if (is_whole(piece))
        exec_info_labelled(show->info, "Login ", piece_text(show->pinfo->pool, show->tvb, piece));
}

static void
show_password(const exec_show_t *show, const exec_piece_t *piece)
{
    proto_item *item = add_string_piece(show, hf_exec_password, piece);
    expert_add_info(show->pinfo, item, &ei_exec_cleartext_password);
    if (piece->anomalies & EXEC_ANOMALY_PASSWORD_TOO_LONG)
        expert_add_info(show->pinfo, item, &ei_exec_password_too_long);
}

static void
show_command(const exec_show_t *show, const exec_piece_t *piece)
{
    add_string_piece(show, hf_exec_command, piece);
    /* A reply before the command answers the connection, not the command
     * (the daemon refuses a peer it cannot name before reading a byte). */
    guint32 status_frame = show->record->session->status_frame;
    if ((piece->flags & EXEC_PIECE_ENDS) && status_frame > show->pinfo->num)
        add_frame_link(show->tree, show->tvb, hf_exec_response_in, status_frame);
    if (is_whole(piece))
        exec_info_labelled(show->info, "Command: ", piece_text(show->pinfo->pool, show->tvb, piece));
}

static int
string_field(exec_piece_kind_t kind)
{
    switch (kind) {
    case EXEC_PIECE_STDERR_PORT: return hf_exec_stderr_port;
    case EXEC_PIECE_USERNAME: return hf_exec_username;
    case EXEC_PIECE_PASSWORD: return hf_exec_password;
    default: return hf_exec_command;
    }
}

/* Once a later frame has proved which field a client string after lost
 * bytes or before any proven start is (the first pass saw that frame: a
 * later pass), the field is shown at the string's bytes too, under what the
 * bytes alone said, so a later pass only adds. */
static void
show_late_name(const exec_show_t *show, const exec_piece_t *piece, proto_item *item)
{
    packet_info *pinfo = show->pinfo;
    const exec_late_name_t *late = show->record->client_to_server && show->record->counted_back.late_names ?
            &show->record->counted_back.late_names[piece - show->record->pieces] : NULL;
    if (!late || !late->by_frame || !PINFO_FD_VISITED(pinfo))
        return;
    exec_piece_kind_t kind = (exec_piece_kind_t)late->kind;
    proto_tree *subtree = proto_item_add_subtree(item, ett_exec_identified);
    proto_item *named = proto_tree_add_item(subtree, string_field(kind), show->tvb, piece->offset, piece->length,
                                            ENC_UTF_8);
    expert_add_info_format(pinfo, named, &ei_exec_identified_later, "Identified as the %s by the %s in frame %u (%s)",
                           exec_piece_kind_name(kind), late->by_channel ? "stderr channel" : "success status",
                           late->by_frame,
                           late->by_channel ? "the daemon connected back to the port the client's first "
                                              "captured string holds" :
                                              "counting back from the client position it acknowledges");
    if (kind == EXEC_PIECE_STDERR_PORT)
        add_frame_link(subtree, show->tvb, hf_exec_stderr_channel_in, late->by_frame);
    if (kind == EXEC_PIECE_PASSWORD)
        expert_add_info(pinfo, named, &ei_exec_cleartext_password);
}

/* A string after lost bytes in the handshake. */
static void
show_unidentified(const exec_show_t *show, const exec_piece_t *piece)
{
    packet_info *pinfo = show->pinfo;
    proto_item *item = proto_tree_add_item(show->tree, hf_exec_unidentified_string, show->tvb, piece->offset,
                                           piece->length, ENC_UTF_8);
    expert_add_info(pinfo, item, &ei_exec_unidentified);
    exec_info_text(show->info, "Unidentified handshake string");
    show_late_name(show, piece, item);
}

/* The strings of earlier frames this status identified, as generated fields. */
static void
show_identified(const exec_show_t *show)
{
    const exec_identified_t *identified = show->record->counted_back.identified;
    for (unsigned i = 0; identified && i < identified->count; i++) {
        const exec_pending_string_t *found = &identified->string[i];
        proto_item *named = proto_tree_add_string(show->tree, string_field(identified->kind[i]), show->tvb,
                                                  0, 0, found->text);
        proto_item_set_generated(named);
        proto_item_append_text(named, " [sent in frame %u]", found->frame);
        expert_add_info(show->pinfo, named, &ei_exec_identified_by_status);
    }
}

static void
show_status(const exec_show_t *show, const exec_piece_t *piece)
{
    const exec_record_t *record = show->record;
    const exec_session_t *session = record->session;
    packet_info *pinfo = show->pinfo;
    proto_item *item = proto_tree_add_item(show->tree, hf_exec_status, show->tvb, piece->offset, 1, ENC_NA);
    /* An error message in the same segment says the outcome itself. */
    gboolean message_follows = piece + 1 < record->pieces + record->n_pieces &&
                               piece[1].kind == EXEC_PIECE_ERROR_MESSAGE;

    if (session->command_frame && session->command_frame <= pinfo->num) {
        add_frame_link(show->tree, show->tvb, hf_exec_request_in, session->command_frame);
        nstime_t delta;
        nstime_delta(&delta, &pinfo->abs_ts, &session->command_time);
        proto_item_set_generated(proto_tree_add_time(show->tree, hf_exec_response_time, show->tvb, 0, 0, &delta));
    }
    show_identified(show);
    if (piece->anomalies & EXEC_ANOMALY_STATUS_UNKNOWN) {
        expert_add_info(pinfo, item, &ei_exec_status_unknown);
        const char *outcome = wmem_strdup_printf(pinfo->pool, "Unknown status %u", piece->value);
        exec_info_text(show->info, outcome);
        exec_taps_queue(pinfo, session, outcome);
    } else if (piece->value == 0) {
        if (piece->anomalies & EXEC_ANOMALY_EARLY_SUCCESS)
            expert_add_info(pinfo, item, &ei_exec_early_success);
        exec_info_text(show->info, "Success");
        exec_taps_queue(pinfo, session, "Success");
    } else if (!message_follows) {
        /* The message comes in a later segment. */
        expert_add_info(pinfo, item, &ei_exec_login_failed);
        exec_info_text(show->info, "Error");
    }
}

static void
show_error_message(const exec_show_t *show, const exec_piece_t *piece)
{
    packet_info *pinfo = show->pinfo;
    guint32 text_length = piece->length - ((piece->flags & EXEC_PIECE_ENDS) ? 1 : 0);
    proto_item *item = proto_tree_add_item(show->tree, hf_exec_error_message, show->tvb, piece->offset,
                                           text_length, ENC_UTF_8);
    const char *message = piece_text(pinfo->pool, show->tvb, piece);
    expert_add_info_format(pinfo, item, &ei_exec_login_failed, "Server refused: %s", message);
    exec_info_text(show->info, "Error: ");
    exec_info_continue(show->info, message);
    if (piece->flags & EXEC_PIECE_ENDS)
        exec_taps_queue_joined(pinfo, show->record->session, "Error: ", message);
}

static void
show_data(const exec_show_t *show, const exec_piece_t *piece)
{
    gboolean client_to_server = show->record->client_to_server;
    int hf = client_to_server ? hf_exec_client_server_data : hf_exec_server_client_data;
    proto_item *item = proto_tree_add_item(show->tree, hf, show->tvb, piece->offset, piece->length, ENC_NA);

    switch (piece->kind) {
    case EXEC_PIECE_STDIN:
    case EXEC_PIECE_STDOUT: {
        const char *stream = piece->kind == EXEC_PIECE_STDIN ? "stdin" : "stdout";
        proto_item_append_text(item, " (%s)", stream);
        exec_info_byte_count(show->info, stream, piece->length);
        break;
    }
    case EXEC_PIECE_UNEXPECTED_DATA:
        expert_add_info(show->pinfo, item, &ei_exec_unexpected_data);
        exec_info_text(show->info, "Unexpected data");
        break;
    default:    /* EXEC_PIECE_UNKNOWN_PHASE_DATA */
        expert_add_info(show->pinfo, item, &ei_exec_unknown_phase);
        exec_info_labelled_number(show->info, client_to_server ? "Client data " : "Server data ", piece->length);
        exec_info_continue(show->info, " bytes (session start not captured)");
        show_late_name(show, piece, item);
        break;
    }
}

/* Bytes at stream positions already seen; what differs from the first copy
 * of the handshake or the reply, found on the first pass. */
static void
show_retransmitted(const exec_show_t *show, const exec_piece_t *piece)
{
    proto_item *item = proto_tree_add_item(show->tree, hf_exec_retransmitted_data, show->tvb, piece->offset,
                                           piece->length, ENC_NA);
    expert_add_info(show->pinfo, item, &ei_exec_retransmitted);
    exec_info_text(show->info, "Retransmitted data");
    exec_first_copy_show(show->tree, show->tvb, show->pinfo, show->info,
                         exec_first_copy_conflicts(show->pinfo),
                         show->record->client_to_server ? EXEC_CLIENT_TO_SERVER : EXEC_SERVER_TO_CLIENT);
}

static void
show_lost(const exec_show_t *show, const exec_piece_t *piece)
{
    proto_item *item = proto_tree_add_uint64(show->tree, hf_exec_lost_bytes, show->tvb, 0, 0, piece->lost);
    proto_item_set_generated(item);
    expert_add_info_format(show->pinfo, item, &ei_exec_lost,
                           "%s not captured: %" PRIu64 " bytes of the %s stream missing at offset %" PRIu64,
                           exec_piece_kind_name((exec_piece_kind_t)piece->value), piece->lost,
                           show->record->client_to_server ? "client" : "server", piece->lost_at);
    exec_info_labelled_number(show->info, "[", piece->lost);
    exec_info_continue(show->info, " bytes lost]");
}

/* One helper per kind of piece. */
static const exec_show_piece_fn show_piece[] = {
    [EXEC_PIECE_STDERR_PORT] = show_stderr_port,
    [EXEC_PIECE_USERNAME] = show_username,
    [EXEC_PIECE_PASSWORD] = show_password,
    [EXEC_PIECE_COMMAND] = show_command,
    [EXEC_PIECE_UNIDENTIFIED_STRING] = show_unidentified,
    [EXEC_PIECE_STDIN] = show_data,
    [EXEC_PIECE_STATUS] = show_status,
    [EXEC_PIECE_ERROR_MESSAGE] = show_error_message,
    [EXEC_PIECE_STDOUT] = show_data,
    [EXEC_PIECE_UNEXPECTED_DATA] = show_data,
    [EXEC_PIECE_UNKNOWN_PHASE_DATA] = show_data,
    [EXEC_PIECE_RETRANSMITTED] = show_retransmitted,
    [EXEC_PIECE_LOST] = show_lost,
};

/* Builds the tree and the Info column from the record. */
static void
show_record(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const exec_record_t *record)
{
    exec_info_t info;
    const exec_show_t show = { tree, tvb, pinfo, &info, record };
    gboolean shows_username = FALSE, shows_command = FALSE;

    for (unsigned i = 0; i < record->n_pieces; i++) {
        shows_username |= record->pieces[i].kind == EXEC_PIECE_USERNAME;
        shows_command |= record->pieces[i].kind == EXEC_PIECE_COMMAND;
    }
    exec_info_start(&info, pinfo, FALSE);
    exec_info_session_prefix(&info, shows_username ? NULL : record->username,
                             shows_command ? NULL : record->command);
    for (unsigned i = 0; i < record->n_pieces; i++) {
        const exec_piece_t *piece = &record->pieces[i];
        if ((size_t)piece->kind < array_length(show_piece) && show_piece[piece->kind])
            show_piece[piece->kind](&show, piece);
    }
    exec_info_write(&info, TRUE);
}

/* ---- Entry points: the port table and the heuristic ---- */

/* to_server says which way this frame goes when it starts the session. */
static int
dissect_exec_control(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                     const struct tcpinfo *tcpinfo, gboolean to_server)
{
    /* Keyed by sequence number: TCP may hand one frame over in two calls.
     * Later passes find the first pass's record there, or make a plain data
     * frame's again. */
    guint32 key = tcpinfo ? tcpinfo->seq : 0;
    const exec_frame_record_t *found = exec_frame_records_find(kept_records, pinfo->num, key);
    const exec_kept_record_t *kept = found ? (const exec_kept_record_t *)found->data : NULL;
    exec_record_t unkept;       /* the record this call shows */
    exec_segment_t segment;     /* its pieces */
    exec_record_t *record;
    if (kept) {
        record = unpack_record(kept, &unkept, segment.pieces);
    } else if (PINFO_FD_VISITED(pinfo)) {
        record = derived_record(tvb, pinfo, key, &unkept, &segment);
        if (!record)
            record = plain_data_record(tvb, pinfo, &unkept, &segment.pieces[0]);
        if (!record)
            return 0;
    } else {
        exec_session_t *session = exec_session_find(pinfo);
        if (!session)
            session = exec_session_new(find_or_create_conversation(pinfo), pinfo, to_server);
        if (!session)
            return 0;
        guint32 fresh = 0;
        if (session->work)
            fresh = classify_segment(tvb, pinfo, session, tcpinfo, &unkept, &segment);
        else
            classify_after_release(tvb, pinfo, session, &unkept, &segment);
        /* plain_data_record() and derived_record() make theirs again. */
        if (!is_plain_data(&unkept, tvb_captured_length(tvb))) {
            if (!(tcpinfo && keep_derivable(tvb, pinfo, &unkept, fresh)))
                keep_record(pinfo, key, &unkept);
        }
        record = &unkept;
        exec_session_payload_seen(session, pinfo, key, tcpinfo && (tcpinfo->flags & TH_FIN));
    }

    if (record->consumed < tvb_captured_length(tvb)) {
        pinfo->desegment_offset = record->consumed;
        pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
    }
    /* All of it waits for reassembly: leave the columns to TCP, as later
     * passes (which do not call us for this frame) will. */
    if (record->consumed == 0)
        return tvb_captured_length(tvb);

    if (!PINFO_FD_VISITED(pinfo))
        record->session->last_data_frame = pinfo->num;

    col_set_str(pinfo->cinfo, COL_PROTOCOL, EXEC_SHORT_NAME);
    proto_tree *exec_tree = exec_add_subtree(tree, tvb, record->consumed, NULL);
    show_record(tvb, pinfo, exec_tree, record);
    if (tcpinfo && exec_export_wanted()) {
        exec_export_control(pinfo, record->session, tvb, record->pieces, record->n_pieces, tcpinfo->seq);
        exec_export_last_frame(pinfo, exec_tree, tvb, record->session);
    }
    return tvb_captured_length(tvb);
}

static int
dissect_exec(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    /* The side on the port that matched our table entry is the server. */
    return dissect_exec_control(tvb, pinfo, tree, (const struct tcpinfo *)data,
                                pinfo->match_uint == pinfo->destport);
}

/* An exec handshake on another port: the connection's first client bytes
 * (SYN seen) are a decimal port string and, unless that is all, a
 * username and a password, each printable and NUL-terminated. */
static gboolean
looks_like_handshake(tvbuff_t *tvb)
{
    const gint length = (gint)tvb_captured_length(tvb);
    gint offset = 0, strings = 0;

    while (offset < length && strings < 3) {
        gint nul = exec_tvb_find_u8(tvb, offset, MIN(length - offset, 256), 0);
        if (nul < 0)
            return FALSE;
        for (gint i = offset; i < nul; i++) {
            guint8 c = exec_tvb_get_u8(tvb, i);
            if (strings == 0 ? !g_ascii_isdigit(c) : !g_ascii_isprint(c))
                return FALSE;
        }
        if ((strings == 0 && nul - offset > 5) || (strings == 1 && nul == offset))
            return FALSE;
        offset = nul + 1;
        strings++;
    }
    /* glibc sends a non-empty port string alone; others send all strings. */
    return (strings == 1 && offset == length && length > 1) || strings == 3;
}

static exec_heur_result_t
dissect_exec_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    const struct tcpinfo *tcpinfo = (const struct tcpinfo *)data;
    const guint32 rsh_ports[] = { RLOGIN_TCP_PORT, RSH_TCP_PORT };

    for (size_t i = 0; i < G_N_ELEMENTS(rsh_ports); i++)
        if (pinfo->srcport == rsh_ports[i] || pinfo->destport == rsh_ports[i])
            return FALSE;
    if (!tcpinfo || !looks_like_handshake(tvb))
        return FALSE;

    conversation_t *conversation = find_or_create_conversation(pinfo);
    struct tcp_analysis *tcpd = get_tcp_conversation_data(conversation, pinfo);
    const tcp_flow_t *flow = exec_tcp_flow_of_frame(tcpd);
    gboolean starts_stream = exec_tcp_flow_saw_syn(flow) &&
            tcpinfo->seq == (exec_tcp_relative_seq() ? 1 : exec_tcp_flow_base_seq(flow) + 1);
    if (!starts_stream)
        return FALSE;

    conversation_set_dissector(conversation, exec_handle);
    dissect_exec_control(tvb, pinfo, tree, tcpinfo, TRUE);
    return TRUE;
}

/* ---- Registration ---- */

static void
records_init(void)
{
    kept_records = exec_frame_records_new();
    derivable_records = exec_frame_records_new();
}

void
proto_register_exec_control(void)
{
    /* The built-in's fields, with its names, labels and types. */
    static hf_register_info hf_builtin[] = {
        { &hf_exec_stderr_port,
          { "Stderr port (optional)", "exec.stderr_port", FT_STRINGZ, BASE_NONE, NULL, 0,
            "Client port that is listening for stderr stream from server", HFILL } },
        { &hf_exec_username,
          { "Client username", "exec.username", FT_STRINGZ, BASE_NONE, NULL, 0,
            "Username client uses to log in to the server.", HFILL } },
        { &hf_exec_password,
          { "Client password", "exec.password", FT_STRINGZ, BASE_NONE, NULL, 0,
            "Password client uses to log in to the server.", HFILL } },
        { &hf_exec_command,
          { "Command to execute", "exec.command", FT_STRINGZ, BASE_NONE, NULL, 0,
            "Command client is requesting the server to run.", HFILL } },
        { &hf_exec_client_server_data,
          { "Client -> Server Data", "exec.client_server_data", FT_BYTES, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_exec_server_client_data,
          { "Server -> Client Data", "exec.server_client_data", FT_BYTES, BASE_NONE, NULL, 0,
            NULL, HFILL } },
    };
    static hf_register_info hf[] = {
        { &hf_exec_stderr_port_number,
          { "Stderr Port Number", "exec.stderr_port_number", FT_UINT16, BASE_DEC, NULL, 0,
            "The stderr port as a number; 0 means no stderr channel", HFILL } },
        { &hf_exec_stderr_channel_in,
          { "Stderr Channel In", "exec.stderr_channel_in", FT_FRAMENUM, BASE_NONE, NULL, 0,
            "First frame of the stderr channel this port announced", HFILL } },
        { &hf_exec_status,
          { "Status", "exec.status", FT_UINT8, BASE_DEC, VALS(exec_status_vals), 0,
            "The server's first byte: 0 when the command runs, 1 before an error message", HFILL } },
        { &hf_exec_error_message,
          { "Error Message", "exec.error_message", FT_STRING, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_exec_response_in,
          { "Response In", "exec.response_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0, "The frame with the server's status byte", HFILL } },
        { &hf_exec_request_in,
          { "Request In", "exec.request_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0, "The frame that completed the command", HFILL } },
        { &hf_exec_response_time,
          { "Response Time", "exec.response_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
            "Time from the command to the status byte", HFILL } },
        { &hf_exec_unidentified_string,
          { "Unidentified Handshake String", "exec.unidentified_string", FT_STRINGZ, BASE_NONE,
            NULL, 0, "A handshake string whose field lost bytes make uncertain", HFILL } },
        { &hf_exec_retransmitted_data,
          { "Retransmitted Data", "exec.retransmitted_data", FT_BYTES, BASE_NONE, NULL, 0,
            "Bytes at stream positions already seen", HFILL } },
        { &hf_exec_lost_bytes,
          { "Lost Bytes", "exec.lost_bytes", FT_UINT64, BASE_DEC, NULL, 0,
            "Bytes of this direction's stream never captured before this segment", HFILL } },
    };
    static ei_register_info ei[] = {
        { &ei_exec_cleartext_password,
          { "exec.cleartext_password", PI_SECURITY, PI_WARN,
            "Password sent in clear text", EXPFILL } },
        { &ei_exec_login_failed,
          { "exec.login_failed", PI_RESPONSE_CODE, PI_WARN,
            "Server refused the command", EXPFILL } },
        { &ei_exec_username_too_long,
          { "exec.username_too_long", PI_PROTOCOL, PI_WARN,
            "Username longer than the daemon accepts (15 characters)", EXPFILL } },
        { &ei_exec_password_too_long,
          { "exec.password_too_long", PI_PROTOCOL, PI_WARN,
            "Password longer than the daemon accepts (15 characters)", EXPFILL } },
        { &ei_exec_port_not_numeric,
          { "exec.stderr_port_not_numeric", PI_MALFORMED, PI_ERROR,
            "Stderr port is not a decimal number", EXPFILL } },
        { &ei_exec_port_out_of_range,
          { "exec.stderr_port_out_of_range", PI_MALFORMED, PI_ERROR,
            "Stderr port is above 65535", EXPFILL } },
        { &ei_exec_status_unknown,
          { "exec.status_unknown", PI_MALFORMED, PI_ERROR,
            "Status byte is neither 0 nor 1", EXPFILL } },
        { &ei_exec_unexpected_data,
          { "exec.unexpected_data", PI_PROTOCOL, PI_WARN,
            "Data where the protocol allows none (after the status and error message)", EXPFILL } },
        { &ei_exec_string_oversized,
          { "exec.string_oversized", PI_REASSEMBLE, PI_WARN,
            "String too long to reassemble: shown in parts", EXPFILL } },
        { &ei_exec_string_partial,
          { "exec.string_partial", PI_REASSEMBLE, PI_NOTE,
            "String split across segments and not reassembled (TCP reassembly is off)", EXPFILL } },
        { &ei_exec_lost,
          { "exec.lost", PI_SEQUENCE, PI_WARN,
            "Bytes not captured before this segment", EXPFILL } },
        { &ei_exec_unidentified,
          { "exec.unidentified", PI_SEQUENCE, PI_WARN,
            "Handshake string after lost bytes: which field it is cannot be known", EXPFILL } },
        { &ei_exec_unknown_phase,
          { "exec.unknown_phase", PI_SEQUENCE, PI_NOTE,
            "The session's start was not captured: handshake and data cannot be told apart", EXPFILL } },
        { &ei_exec_retransmitted,
          { "exec.retransmitted", PI_SEQUENCE, PI_NOTE,
            "Bytes already seen at this stream position (retransmission)", EXPFILL } },
        { &ei_exec_identified_by_status,
          { "exec.identified_by_status", PI_SEQUENCE, PI_NOTE,
            "Handshake string after lost bytes, identified by counting back from the position the "
            "success status acknowledges", EXPFILL } },
        { &ei_exec_identified_later,
          { "exec.identified_later", PI_SEQUENCE, PI_NOTE,
            "Client string whose field a later frame proved (a success status or the stderr channel)",
            EXPFILL } },
        { &ei_exec_early_success,
          { "exec.early_success", PI_PROTOCOL, PI_WARN,
            "Success status before the client sent its whole request", EXPFILL } },
        { &ei_exec_truncated,
          { "exec.truncated", PI_MALFORMED, PI_WARN,
            "String cut short by the capture's snaplen", EXPFILL } },
    };

    exec_attach_fields(hf_builtin, array_length(hf_builtin));
    exec_register_fields(hf, array_length(hf));
    exec_register_experts(ei, array_length(ei));
    static gint *ett[] = { &ett_exec_identified };
    proto_register_subtree_array(ett, array_length(ett));
    exec_handle = create_dissector_handle(dissect_exec, proto_exec);
    register_init_routine(records_init);
    exec_kept_texts_register();
}

void
proto_reg_handoff_exec_control(void)
{
    proto_reg_handoff_exec_takeover(exec_handle);
    heur_dissector_add("tcp", dissect_exec_heur, EXEC_LONG_NAME " over any TCP port",
                       EXEC_FILTER "_tcp", proto_exec, HEURISTIC_DISABLE);
}
