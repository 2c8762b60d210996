/* packet-exec.h: the control connection's dissector (packet-exec.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PACKET_EXEC_H
#define PACKET_EXEC_H

void proto_register_exec_control(void);
void proto_reg_handoff_exec_control(void);

#endif /* PACKET_EXEC_H */
