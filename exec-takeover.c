/* exec-takeover.c: taking Wireshark's built-in "exec" dissector over.
 *
 * Wireshark already has an "exec" protocol, and a second one with that name
 * kills it at start-up.  So the plugin attaches to it: its fields and
 * expert infos go under the built-in's protocol id, the built-in's fields
 * and two preferences are reused by name, and an init routine (run after
 * preferences, -d and Decode As are applied) points every tcp.port entry of
 * the built-in's handle at the plugin's.  Without a built-in, the whole
 * protocol is registered here under the same names.  This file also
 * registers the plugin's own protocol, whose id keys its data.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-takeover.h"

#include <string.h>

#include <epan/prefs.h>

#include "exec-prefs.h"

#define EXEC_TCP_PORT 512

int proto_exec = -1;
gint ett_exec = -1;
int proto_exec_plugin = -1;

static gboolean own_protocol;
static expert_module_t *expert_exec;
static dissector_handle_t builtin_handle;
static dissector_handle_t plugin_handle;

#ifdef EXEC_TEST_FALLBACK
/* "exec.x" as the test build registers it: "execfb.x". */
static const char *
test_build_name(const char *name)
{
    return g_strconcat(EXEC_FILTER, name + strlen("exec"), NULL);
}
#endif

void
proto_register_exec_takeover(void)
{
    static gint *ett[] = { &ett_exec };

    /* A fallback test build looks for "execfb", which no built-in has. */
    proto_exec = proto_get_id_by_filter_name(EXEC_FILTER);
    own_protocol = proto_exec < 0;
    if (own_protocol)
        proto_exec = proto_register_protocol(EXEC_LONG_NAME, EXEC_SHORT_NAME, EXEC_FILTER);
    proto_register_subtree_array(ett, array_length(ett));
    expert_exec = expert_register_protocol(proto_exec);
    proto_exec_plugin = proto_register_protocol(EXEC_LONG_NAME " stderr channel",
                                                EXEC_SHORT_NAME " stderr", EXEC_FILTER "_stderr");
    exec_prefs_register(proto_exec, own_protocol);
}

proto_tree *
exec_add_subtree(proto_tree *tree, tvbuff_t *tvb, gint length, proto_item **item)
{
    proto_item *exec_item = tree ? proto_tree_add_item(tree, proto_exec, tvb, 0, length, ENC_NA) : NULL;
    if (item)
        *item = exec_item;
    return proto_item_add_subtree(exec_item, ett_exec);
}

void
exec_register_fields(hf_register_info *hf, size_t count)
{
#ifdef EXEC_TEST_FALLBACK
    for (size_t i = 0; i < count; i++)
        hf[i].hfinfo.abbrev = test_build_name(hf[i].hfinfo.abbrev);
#endif
    proto_register_field_array(proto_exec, hf, (int)count);
}

void
exec_register_experts(ei_register_info *ei, size_t count)
{
#ifdef EXEC_TEST_FALLBACK
    for (size_t i = 0; i < count; i++)
        ei[i].eiinfo.name = test_build_name(ei[i].eiinfo.name);
#endif
    expert_register_field_array(expert_exec, ei, (int)count);
}

static gboolean
same_kind(enum ftenum a, enum ftenum b)
{
    gboolean a_string = a == FT_STRING || a == FT_STRINGZ;
    gboolean b_string = b == FT_STRING || b == FT_STRINGZ;
    return a == b || (a_string && b_string);
}

/* Reuses the built-in's field when it has one of a compatible type, so
 * filters users already wrote keep matching; registers it otherwise. */
static void
attach_field(hf_register_info *hf)
{
    int id = proto_registrar_get_id_byname(hf->hfinfo.abbrev);
    if (id >= 0 && same_kind(proto_registrar_get_ftype(id), hf->hfinfo.type)) {
        *hf->p_id = id;
        return;
    }
    if (id >= 0)
        ws_warning("exec plugin: the built-in field %s has another type; not reused", hf->hfinfo.abbrev);
    proto_register_field_array(proto_exec, hf, 1);
}

void
exec_attach_fields(hf_register_info *hf, size_t count)
{
    if (own_protocol) {
        exec_register_fields(hf, count);
        return;
    }
    for (size_t i = 0; i < count; i++)
        attach_field(&hf[i]);
}

/* The tcp.port entries that point at the plugin once preferences, -d and
 * Decode As are applied: a control connection that never carries a byte
 * reaches no dissector, and the session-end postdissector asks here. */
static guint8 control_ports[(G_MAXUINT16 + 1) / 8];

static void
collect_control_port(const gchar *table_name _U_, ftenum_t selector_type _U_,
                     gpointer key, gpointer value, gpointer user_data _U_)
{
    guint32 port = GPOINTER_TO_UINT(key);
    if (port <= G_MAXUINT16 && dtbl_entry_get_handle((dtbl_entry_t *)value) == plugin_handle)
        control_ports[port / 8] |= (guint8)(1 << (port % 8));
}

static void
index_control_ports(void)
{
    memset(control_ports, 0, sizeof control_ports);
    dissector_table_foreach("tcp.port", collect_control_port, NULL);
}

gboolean
exec_is_control_port(guint32 port)
{
    return port <= G_MAXUINT16 && (control_ports[port / 8] & (1 << (port % 8))) != 0;
}

/* Every tcp.port entry that points at the built-in, by default, by the
 * exec.tcp.port preference, by -d or by Decode As, now points at us.  Init
 * routines run after those settings are applied, so the change holds. */
static void
collect_builtin_port(const gchar *table_name _U_, ftenum_t selector_type _U_,
                     gpointer key, gpointer value, gpointer user_data)
{
    guint32 port = GPOINTER_TO_UINT(key);
    if (dtbl_entry_get_handle((dtbl_entry_t *)value) == builtin_handle)
        g_array_append_val((GArray *)user_data, port);
}

static void
redirect_builtin_ports(void)
{
    /* Collected first: changing entries while walking the table is unsafe. */
    GArray *ports = g_array_new(FALSE, FALSE, sizeof(guint32));
    dissector_table_foreach("tcp.port", collect_builtin_port, ports);
    for (guint i = 0; i < ports->len; i++)
        dissector_change_uint("tcp.port", g_array_index(ports, guint32, i), plugin_handle);
    g_array_free(ports, TRUE);
    index_control_ports();
}

void
proto_reg_handoff_exec_takeover(dissector_handle_t handle)
{
    dissector_handle_t current = dissector_get_uint_handle(find_dissector_table("tcp.port"),
                                                           EXEC_TCP_PORT);

    plugin_handle = handle;
    if (current && current != handle &&
        dissector_handle_get_protocol_index(current) == proto_exec) {
        builtin_handle = current;
        register_init_routine(redirect_builtin_ports);
    } else {
        dissector_add_uint_with_preference("tcp.port", EXEC_TCP_PORT, handle);
        register_init_routine(index_control_ports);
    }
}
