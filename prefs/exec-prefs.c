/* exec-prefs.c: the "exec" preference module.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-prefs.h"

#include "ws-private.h"

#define PREF_SHOW_USERNAME "info_show_username"
#define PREF_SHOW_COMMAND  "info_show_command"

/* Our own storage, used only when the plugin owns the protocol. */
static exec_pref_bool_t own_show_username = TRUE;
static exec_pref_bool_t own_show_command = FALSE;

/* The preferences as registered (by the built-in or by us); read at
 * dissection time so a change in the GUI applies at once. */
static pref_t *pref_show_username;
static pref_t *pref_show_command;

void
exec_prefs_register(int proto_exec, bool own_protocol)
{
    module_t *module;

    if (own_protocol) {
        module = prefs_register_protocol(proto_exec, NULL);
        prefs_register_bool_preference(module, PREF_SHOW_USERNAME,
            "Show username in info column",
            "Show the session's username in the Info column of every frame "
            "once the frame carrying it has been seen.",
            &own_show_username);
        prefs_register_bool_preference(module, PREF_SHOW_COMMAND,
            "Show command in info column",
            "Show the session's command in the Info column of every frame "
            "once the frame carrying it has been seen.",
            &own_show_command);
    } else {
        module = prefs_find_module("exec");
    }
    if (module) {
        pref_show_username = prefs_find_preference(module, PREF_SHOW_USERNAME);
        pref_show_command = prefs_find_preference(module, PREF_SHOW_COMMAND);
    }
}

static bool
current_value(pref_t *pref, bool fallback)
{
    return pref ? exec_pref_current_bool(pref) : fallback;
}

bool
exec_prefs_show_username(void)
{
    return current_value(pref_show_username, true);
}

bool
exec_prefs_show_command(void)
{
    return current_value(pref_show_command, false);
}
