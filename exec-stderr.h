/* exec-stderr.h: the stderr channel of a session (exec-stderr.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_STDERR_H
#define EXEC_STDERR_H

#include "exec-session.h"

void proto_register_exec_stderr(void);
void proto_reg_handoff_exec_stderr(void);

/* First pass, from the client frame that carried the port: the server will
 * connect back to it. */
void exec_stderr_announce(exec_session_t *session, guint32 port);
/* Whether a conversation is a session's stderr channel: one no control
 * connection can be. */
gboolean exec_stderr_is_channel(conversation_t *conversation, const packet_info *pinfo);
/* At the control connection's end (first pass): a channel that never
 * connected is given up, so no later connection to that port is claimed. */
void exec_stderr_session_ended(exec_session_t *session);
/* Announced, but nothing connected back (first pass). */
gboolean exec_stderr_failed(const exec_session_t *session);
/* From the session-end postdissector, for every TCP frame: a frame of the
 * channel without payload (the connect back, its answer, a FIN, a reset,
 * an acknowledgement), classified on the first pass and shown on every pass.
 * Returns the session whose channel this frame is on when TCP handed the
 * dissector none of its payload (a frame without payload, or one TCP
 * withheld), else NULL. */
exec_session_t *exec_stderr_connection_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree);
/* First pass: the TCP sequence number of the channel's stream position 0
 * (session->stderr_seq_origin), after the daemon's SYN; FALSE, and nothing
 * learnt, when TCP did not see that SYN on this flow. */
gboolean exec_stderr_origin_from_syn(exec_session_t *session, const tcp_flow_t *flow);
/* The note that the announced channel never connected, on item. */
void exec_stderr_add_never_connected(packet_info *pinfo, proto_item *item);

#endif /* EXEC_STDERR_H */
