/* exec-takeover.h: the exec protocol the plugin dissects under (the
 * built-in's, taken over, or its own), and how the other files register
 * their fields and expert infos under it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_TAKEOVER_H
#define EXEC_TAKEOVER_H

#include "ws-compat.h"

#include <epan/packet.h>
#include <epan/expert.h>

/* A test build registers the whole protocol under other names, to exercise
 * the path taken when Wireshark has no built-in exec dissector.  Field and
 * expert info names are written "exec.x" in the sources (so Wireshark's
 * checkers can read them); such a build registers them as "execfb.x". */
#ifdef EXEC_TEST_FALLBACK
#define EXEC_FILTER      "execfb"
#define EXEC_SHORT_NAME  "EXECFB"
#define EXEC_LONG_NAME   "Remote Process Execution (fallback test)"
#else
#define EXEC_FILTER      "exec"
#define EXEC_SHORT_NAME  "EXEC"
#define EXEC_LONG_NAME   "Remote Process Execution"
#endif

/* The "exec" protocol: the built-in's id when Wireshark has one, ours
 * otherwise.  Everything the plugin shows hangs under it, in one subtree. */
extern int proto_exec;
extern gint ett_exec;

/* The exec item over the frame's first `length` bytes (-1: all; 0: a close,
 * a stderr channel's connection), which the caller has read already, and
 * its subtree (item, if not NULL: the item); NULL both without a tree.
 * proto_tree_add_item checks the bytes even without a tree; these exist,
 * so the call would only cost (README.dissector: "in the interest of
 * speed"), on every frame of a brute force. */
proto_tree *exec_add_subtree(proto_tree *tree, tvbuff_t *tvb, gint length, proto_item **item);

/* The one protocol the plugin registers beside it ("exec_stderr"): it
 * labels the stderr channel, and its id keys the plugin's conversation
 * data (the built-in keys its own under proto_exec). */
extern int proto_exec_plugin;

/* Registration, before any other file registers fields. */
void proto_register_exec_takeover(void);
/* Handoff: port 512 and every port the built-in holds now go to handle. */
void proto_reg_handoff_exec_takeover(dissector_handle_t handle);

/* Whether the tcp.port table gives this port to the plugin (any pass). */
gboolean exec_is_control_port(guint32 port);

/* The built-in's own fields (exec.username, ...): reused by name when the
 * built-in has one of a compatible type, registered otherwise. */
void exec_attach_fields(hf_register_info *hf, size_t count);
/* Fields and expert infos of the plugin's own. */
void exec_register_fields(hf_register_info *hf, size_t count);
void exec_register_experts(ei_register_info *ei, size_t count);

#endif /* EXEC_TAKEOVER_H */
