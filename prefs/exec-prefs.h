/* exec-prefs.h: the exec protocol's preferences, shared with the built-in.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_PREFS_H
#define EXEC_PREFS_H

#include <stdbool.h>

/* When the built-in dissector registered the "exec" module, its two info
 * column preferences are used as they are; otherwise (own_protocol) they are
 * registered here with the same names, so preference files keep working. */
void exec_prefs_register(int proto_exec, bool own_protocol);

bool exec_prefs_show_username(void);
bool exec_prefs_show_command(void);

#endif /* EXEC_PREFS_H */
