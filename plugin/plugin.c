/* plugin.c: the entry points Wireshark looks for in an epan plugin, and the
 * order in which the plugin's files register and hand off.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ws-compat.h"

#include <epan/proto.h>

#include "exec-export.h"
#include "exec-first-copy.h"
#include "exec-session.h"
#include "exec-session-end.h"
#include "exec-stderr.h"
#include "exec-takeover.h"
#include "exec-taps.h"
#include "packet-exec.h"

#if EXEC_HAS_PLUGIN_DESCRIBE
#include <wsutil/plugins.h>
#endif

#ifndef EXEC_PLUGIN_VERSION
#define EXEC_PLUGIN_VERSION "0.0.0"
#endif

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = EXEC_PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);
#if EXEC_HAS_PLUGIN_DESCRIBE
WS_DLL_PUBLIC uint32_t plugin_describe(void);
#endif

/* The takeover first: it decides the protocol the others register under. */
static void
proto_register_exec_plugin(void)
{
    proto_register_exec_takeover();
    proto_register_exec_control();
    proto_register_exec_first_copy();
    proto_register_exec_session_end();
    proto_register_exec_stderr();
    proto_register_exec_taps();
    proto_register_exec_export();
    exec_session_register();
}

static void
proto_reg_handoff_exec_plugin(void)
{
    proto_reg_handoff_exec_control();
    proto_reg_handoff_exec_session_end();
    proto_reg_handoff_exec_stderr();
    proto_reg_handoff_exec_taps();
    exec_session_handoff();
}

void
plugin_register(void)
{
    static proto_plugin plug;

    plug.register_protoinfo = proto_register_exec_plugin;
    plug.register_handoff = proto_reg_handoff_exec_plugin;
    proto_register_plugin(&plug);
}

#if EXEC_HAS_PLUGIN_DESCRIBE
uint32_t
plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif
