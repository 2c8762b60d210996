/* ws-compat.h: the few API differences between Wireshark 4.0, 4.4 and 4.6,
 * kept here so the dissector reads the same on all of them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_WS_COMPAT_H
#define EXEC_WS_COMPAT_H

#include <wireshark.h>

#if WIRESHARK_VERSION_MAJOR < 4
#error "exec-dissector needs Wireshark 4.0 or newer"
#endif

#define EXEC_WS_AT_LEAST(major, minor) \
    (WIRESHARK_VERSION_MAJOR > (major) || \
     (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

#if EXEC_WS_AT_LEAST(4, 2)
/* Boolean preferences point at bool from 4.2 on; gboolean before. */
typedef bool exec_pref_bool_t;
typedef bool exec_heur_result_t;    /* what a heuristic dissector returns */
#define exec_tvb_get_u8   tvb_get_uint8
#define exec_tvb_find_u8  tvb_find_uint8
#define EXEC_HAS_PLUGIN_DESCRIBE 1
/* A field_info holds a pointer to its value from 4.2 on. */
#define exec_finfo_uint(fi) fvalue_get_uinteger((fi)->value)
/* Switches a heuristic dissector on by name (test programs); 4.0 also
 * takes the new state. */
#define exec_enable_heuristic(name) proto_enable_heuristic_by_name(name)
#else
typedef gboolean exec_pref_bool_t;
typedef gboolean exec_heur_result_t;
#define exec_tvb_get_u8   tvb_get_guint8
#define exec_tvb_find_u8  tvb_find_guint8
#define EXEC_HAS_PLUGIN_DESCRIBE 0
#define exec_finfo_uint(fi) fvalue_get_uinteger(&(fi)->value)
#define exec_enable_heuristic(name) proto_enable_heuristic_by_name(name, TRUE)
#endif

#endif /* EXEC_WS_COMPAT_H */
