/* packet-exec.h: the control connection's dissector (packet-exec.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PACKET_EXEC_H
#define PACKET_EXEC_H

#include "exec-session.h"

void proto_register_exec_control(void);
void proto_reg_handoff_exec_control(void);

/* First pass: the daemon connected back to the session's port candidate
 * (channel_frame: the connection's first frame), so that string was the
 * stderr port and the whole strings after it are the username, the
 * password and the command. */
void exec_control_port_proven(exec_session_t *session, guint32 channel_frame);

#endif /* PACKET_EXEC_H */
