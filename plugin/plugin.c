/* plugin.c: the entry points Wireshark looks for in an epan plugin.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ws-compat.h"

#include <epan/proto.h>
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

void
plugin_register(void)
{
    static proto_plugin plug;

    plug.register_protoinfo = exec_register;
    plug.register_handoff = exec_handoff;
    proto_register_plugin(&plug);
}

#if EXEC_HAS_PLUGIN_DESCRIBE
uint32_t
plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif
