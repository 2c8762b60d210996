/* packet-exec.h: the exec dissector's registration entry points.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PACKET_EXEC_H
#define PACKET_EXEC_H

void exec_register(void);
void exec_handoff(void);

#endif /* PACKET_EXEC_H */
