/* exec-session.h: what the exec dissector keeps per session, shared by the
 * control connection (packet-exec.c), the stderr channel (exec-stderr.c)
 * and the taps (exec-taps.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_SESSION_H
#define EXEC_SESSION_H

#include "ws-compat.h"

#include <epan/packet.h>
#include <epan/conversation.h>

#include "exec-stream.h"

/* A test build registers the whole protocol under other names, to exercise
 * the path taken when Wireshark has no built-in exec dissector. */
#ifdef EXEC_TEST_FALLBACK
#define EXEC_FILTER      "execfb"
#define EXEC_SHORT_NAME  "EXECFB"
#define EXEC_LONG_NAME   "Remote Process Execution (fallback test)"
#else
#define EXEC_FILTER      "exec"
#define EXEC_SHORT_NAME  "EXEC"
#define EXEC_LONG_NAME   "Remote Process Execution"
#endif

/* A whole handshake string seen after a gap in the client stream, whose
 * field only a later success status can tell (first pass). */
typedef struct {
    guint64 start;              /* stream position of its first byte */
    guint64 end;                /* position after its NUL */
    guint32 frame;
    const char *text;
} exec_pending_string_t;

/* The first copy of the handshake and the reply, made at their first byte
 * (packet-exec.c): a session whose start was not captured has none. */
struct exec_first_copy;

/* One rexec session: the control connection, and its stderr channel when
 * the client announced one.  Written on the first pass only. */
typedef struct exec_conv {
    exec_stream_t engine;
    conversation_t *conversation;   /* the control connection */
    address  client_addr;
    address  server_addr;
    guint32  client_port;
    guint32  server_port;
    struct exec_conv *older_same_ports; /* packet-exec.c's first-pass port index */
    guint32  seq_origin[2];     /* TCP seq of stream position 0, per direction */
    gboolean origin_known[2];

    const char *username;       /* printable, for columns and statistics */
    const char *command;
    guint32  username_frame;
    guint32  password_frame;
    guint32  port_frame;        /* announced the stderr channel */
    guint32  command_frame;
    nstime_t command_time;
    guint32  status_frame;
    guint32  closed_frame;      /* server FIN without any status byte */
    guint32  payload_frame;     /* the last frame whose payload we classified */
    guint32  payload_seq;       /* TCP seq of its first byte handed to us */
    guint32  payload_fin_frame; /* a FIN that came with payload */
    gboolean fin_seen[2];       /* per exec_direction_t */
    gboolean rst_seen;

    exec_pending_string_t *pending;     /* [EXEC_HANDSHAKE_STRINGS], made at the first */
    guint8   n_pending;
    struct exec_first_copy *first_copy;

    conversation_t *stderr_conversation;
    guint32  stderr_port;
    guint32  stderr_first_frame;
    gboolean stderr_abandoned;  /* session ended before the channel connected */
    guint64  stdin_bytes;
    guint64  stdout_bytes;
    guint64  stderr_bytes;
} exec_conv_t;

/* The protocol whose id keys our conversation and frame data (the built-in
 * keys its own by proto_exec) and which dissects the stderr channel. */
extern int proto_exec;
extern int proto_exec_stderr;
extern gint ett_exec;

/* exec-stderr.c: the channel the server connects back to.  Announce on the
 * first pass, from the client frame that carried the port. */
void exec_stderr_register(void);
void exec_stderr_handoff(void);
void exec_stderr_announce(packet_info *pinfo, exec_conv_t *conv, guint32 port);
/* At the control connection's end (first pass): a channel that never
 * connected is given up, so no later connection to that port is claimed. */
void exec_stderr_session_ended(exec_conv_t *conv);
/* Announced, but nothing connected back (first pass). */
gboolean exec_stderr_failed(const exec_conv_t *conv);

/* exec-taps.c: one call per finished login attempt, on the frame that
 * decided it (status byte, error message, or the server's FIN without a
 * reply), on every pass that taps. */
void exec_taps_register(void);
void exec_taps_queue(packet_info *pinfo, const exec_conv_t *conv, const char *outcome,
                     int password_hf);

#endif /* EXEC_SESSION_H */
