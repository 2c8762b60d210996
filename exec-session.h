/* exec-session.h: one rexec session as the plugin keeps it (exec_session_t),
 * shared by every file that dissects a part of it, and the functions of
 * exec-session.c that make and find sessions on the first pass.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_SESSION_H
#define EXEC_SESSION_H

#include "ws-compat.h"

#include <epan/packet.h>
#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>

#include "exec-stream.h"

/* What a later frame (a success status, or the stderr channel's connection)
 * proved an unidentified string of a frame to be, kept with that frame's
 * record: set on the first pass when that frame comes, shown by later
 * passes at the string's bytes. */
typedef struct {
    guint32 by_frame;           /* the frame that proved it; 0 while unknown */
    guint8  kind;               /* exec_piece_kind_t */
    guint8  by_channel;         /* boolean: proved by the stderr channel's connection, not a status */
} exec_late_name_t;

/* A whole handshake string seen after a gap in the client stream, or a
 * whole string with the client's start not captured, whose field only a
 * later success status can tell (first pass). */
typedef struct {
    guint64 start;              /* stream position of its first byte */
    guint64 end;                /* position after its NUL */
    guint32 frame;
    const char *text;
    exec_late_name_t *late;     /* in the record of its frame */
} exec_pending_string_t;

/* A session whose start was not captured (first pass): what may still prove
 * where its streams start. */
typedef struct exec_unseen_start {
    /* The client's first captured string, a number announced as the stderr
     * port until a connection back to it proves it (exec_control_port_proven),
     * or never. */
    exec_pending_string_t *port_candidate;
    /* Where the client's last string ended (stream position, modulo 2^32)
     * and what the segment that carried its NUL acknowledged of the server's
     * stream. */
    guint32 client_string_end;
    guint32 client_string_server_acked;
} exec_unseen_start_t;

/* The first copy of the handshake and the reply (exec-first-copy.c), made
 * at their first byte: a session whose start was not captured has none. */
struct exec_first_copy;

/* An endpoint's address as a session keeps it: an IPv4 address's bytes in
 * place, a longer one's (IPv6) in the file scope; its type and length are
 * with the session's small fields.  8 bytes, not an address's 24: a brute
 * force keeps two per attempt. */
typedef union {
    guint8 in_place[8];
    const guint8 *elsewhere;
} exec_address_bytes_t;

typedef enum {
    EXEC_CLIENT = 0,
    EXEC_SERVER = 1
} exec_endpoint_t;

/* What only the first pass reads while a session's frames still come: the
 * engine, the strings waiting to be named, the first copy, the counts.  A
 * brute force ends thousands of sessions; each one's working state is
 * released when a session starts more than EXEC_SESSION_RELEASE_SECONDS
 * after its end (capture time), and later frames find it NULL. */
typedef struct exec_session_work {
    exec_stream_t stream;           /* the engine's state of both directions */
    exec_pending_string_t *pending;     /* [EXEC_HANDSHAKE_STRINGS], made at the first */
    struct exec_unseen_start *unseen_start; /* NULL when both SYNs were seen */
    struct exec_first_copy *first_copy;
    struct exec_session *session;   /* whose it is */
    /* Ended: the next session's to end, in exec-session.c's queue;
     * released: the next spare one. */
    struct exec_session_work *next;
    time_t   end_secs;          /* capture time of the session's end */
    guint64  handed_to[2];      /* end of the bytes TCP handed over so far */
    guint64  stdin_bytes;
    guint64  stdout_bytes;
    guint64  stderr_bytes;
    guint32  payload_frame;     /* the last frame whose payload we classified */
    guint32  payload_seq;       /* TCP seq of its first byte handed to us */
    guint32  payload_fin_frame; /* a FIN that came with payload */
    guint32  closed_frame;      /* server FIN without any status byte */
    guint8   fin_seen[2];       /* per exec_direction_t */
    guint8   origin_known[2];   /* the session's seq_origin holds, per direction */
    guint8   n_pending;
} exec_session_work_t;

/* One rexec session: the control connection, and its stderr channel when
 * the client announced one.  Written on the first pass only.  A brute force
 * keeps one per attempt: the fields go by size, flags in bits, so that no
 * padding is kept thousands of times. */
typedef struct exec_session {
    exec_session_work_t *work;      /* first pass; NULL once released */
    conversation_t *conversation;   /* the control connection */
    struct exec_session *older_same_key;    /* exec-session.c's index */
    exec_address_bytes_t address_bytes[2];  /* by exec_endpoint_t */

    const char *username;       /* printable, for columns and statistics */
    const char *command;
    nstime_t command_time;
    conversation_t *stderr_conversation;   /* TCP's, once the channel connected */

    /* For the export (exec-export.c), first pass: the stream position of
     * the first stdin byte (client) and of the byte after the status
     * (server), + 1; 0 while unknown.  stderr_seq_origin below: the TCP
     * sequence number of the stderr channel's position 0. */
    guint64  data_start[2];

    guint32  client_port;
    guint32  server_port;
    guint32  seq_origin[2];     /* TCP seq of stream position 0, per direction */
    guint32  username_frame;
    guint32  password_frame;
    guint32  port_frame;        /* announced the stderr channel */
    guint32  command_frame;
    guint32  status_frame;
    guint32  stderr_port;        /* announced by the client; 0 while none */
    guint32  stderr_first_frame;    /* the channel's first frame: its SYN, when captured */
    guint32  stderr_seq_origin;
    guint32  end_frame;         /* the frame that ended the session, if any */
    guint32  last_data_frame;   /* the last frame with payload of the session */

    guint8   address_type[2];   /* an address_type, by exec_endpoint_t */
    guint8   address_length[2];
    guint8   stderr_completeness;   /* TCP's completeness flags at the channel's last frame */
    guint8   status;            /* the engine's status byte, once status_seen */
    guint8   status_seen : 1;
    guint8   rst_seen : 1;
    guint8   stderr_payload_seen : 1;
    guint8   stderr_abandoned : 1;  /* session ended before the channel connected */
    guint8   stderr_origin_known : 1;
} exec_session_t;

/* Registration and handoff (exec-session.c). */
void exec_session_register(void);
void exec_session_handoff(void);

/* First pass, when exec_session_find() found none for this frame: a new
 * session for a control connection's first payload, or NULL when the
 * conversation is a stderr channel.  to_server: this frame goes from the
 * client to the server. */
exec_session_t *exec_session_new(conversation_t *conversation, packet_info *pinfo, gboolean to_server);
/* First pass: the session of this frame's control connection, or NULL. */
exec_session_t *exec_session_find(const packet_info *pinfo);
/* Any pass: the session whose control connection this frame is on, by its
 * conversation, or NULL. */
exec_session_t *exec_session_of_conversation(packet_info *pinfo);
/* How many sessions the first pass has made so far. */
guint32 exec_sessions_seen(void);

/* After both FINs (or a reset) a segment of the control connection is a
 * retransmission or a capture's reordering, which come within a second or
 * two; later than this after the session's end, the working state may be
 * gone. */
#define EXEC_SESSION_RELEASE_SECONDS 2

/* First pass: the session ended at this frame; its working state is
 * released by a session made more than EXEC_SESSION_RELEASE_SECONDS later. */
void exec_session_ended(exec_session_t *session, const packet_info *pinfo);

/* First pass: the control dissector classified payload of this frame
 * (seq: its first byte's TCP sequence number, as handed; fin: it came
 * with a FIN). */
void exec_session_payload_seen(exec_session_t *session, const packet_info *pinfo, guint32 seq,
                               gboolean fin);
/* The session whose payload the control dissector classified in this
 * frame, or NULL: the postdissector then needs no lookup. */
exec_session_t *exec_session_with_payload_in(const packet_info *pinfo);

exec_direction_t exec_session_direction(const exec_session_t *session, const packet_info *pinfo);

/* The session's client or server address (its bytes stay the session's). */
void exec_session_address(const exec_session_t *session, exec_endpoint_t endpoint, address *out);
/* Whether candidate is the session's client or server address. */
gboolean exec_session_address_is(const exec_session_t *session, exec_endpoint_t endpoint,
                                 const address *candidate);

/* First pass: the session's stderr port is only a candidate, nothing has
 * connected back to it yet. */
static inline gboolean
exec_session_port_unproven(const exec_session_t *session)
{
    return session->work && session->work->unseen_start && session->work->unseen_start->port_candidate;
}

/* The stream position of a TCP sequence number (in the units TCP hands
 * subdissectors), near the position the engine expects next. */
guint64 exec_session_stream_position(const exec_session_t *session, exec_direction_t direction,
                                     guint32 seq);
/* First pass, after the engine classified a segment at offset: a gap that
 * starts at bytes TCP handed over before (and holds for a reassembly that
 * never completes) counts only the bytes never captured. */
void exec_session_count_lost(exec_session_t *session, exec_direction_t direction, guint64 offset,
                             guint32 length, exec_segment_t *segment);
/* The stream position of a segment TCP handed over (tcpinfo may be NULL). */
guint64 exec_session_segment_position(exec_session_t *session, exec_direction_t direction,
                                      const struct tcpinfo *tcpinfo);

/* First pass: whether the segment TCP's sequence analysis just queued for
 * this frame (tvb: the whole frame) is a FIN without payload.  It is one
 * sequence number long, like one byte of data (a snaplen may have cut that
 * byte away): the FIN flag in the frame's TCP header tells.  FALSE without
 * the analysis.  *fin_seq: the segment's raw sequence number. */
gboolean exec_segment_is_bare_fin(tvbuff_t *tvb, const packet_info *pinfo, const struct tcp_analysis *tcpd,
                                  guint32 *fin_seq);

/* TCP's preferences, as they stand for this pass. */
gboolean exec_tcp_relative_seq(void);
gboolean exec_tcp_analyzes_sequence(void);

#endif /* EXEC_SESSION_H */
