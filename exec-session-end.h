/* exec-session-end.h: the session-end postdissector (exec-session-end.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_SESSION_END_H
#define EXEC_SESSION_END_H

void proto_register_exec_session_end(void);
void proto_reg_handoff_exec_session_end(void);

#endif /* EXEC_SESSION_END_H */
