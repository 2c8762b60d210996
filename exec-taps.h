/* exec-taps.h: each finished login attempt, for the taps (exec-taps.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_TAPS_H
#define EXEC_TAPS_H

#include "exec-session.h"

void proto_register_exec_taps(void);
void proto_reg_handoff_exec_taps(void);

/* One call per finished login attempt, on the frame that decided it
 * (status byte, error message, or the server's FIN without a reply), on
 * every pass that taps. */
void exec_taps_queue(packet_info *pinfo, const exec_session_t *session, const char *outcome);
/* The same with an outcome in two parts (the second from the capture),
 * joined only when a tap listens. */
void exec_taps_queue_joined(packet_info *pinfo, const exec_session_t *session, const char *outcome,
                            const char *detail);

#endif /* EXEC_TAPS_H */
