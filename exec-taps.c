/* exec-taps.c: each finished rexec login attempt, for Wireshark's
 * credentials tap (Tools > Credentials, tshark -z credentials) and for the
 * "exec" statistics tree (Statistics > EXEC, tshark -z exec,tree).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-taps.h"

#include <string.h>

#include <epan/tap.h>
#include <epan/stats_tree.h>
#include <epan/to_str.h>
#include <wsutil/str_util.h>

#include "exec-takeover.h"
#include "ws-private.h"

/* What the "exec" tap carries: one login attempt and how it ended. */
typedef struct {
    const char *client;
    const char *server;
    const char *username;
    const char *command;
    const char *outcome;
} exec_attempt_t;

static int credentials_tap = -1;
static int exec_tap = -1;
static int hf_password = -1;     /* the field the GUI jumps to from a credential */

static int st_by_client = -1;
static int st_by_server = -1;
static int st_by_user = -1;
static int st_by_outcome = -1;
static int st_commands = -1;

static const char st_sessions[] = "Login attempts";
static const char st_no_username[] = "(no username)";
static const char st_no_command[] = "(no command)";

/* Per user, the three ways an attempt ends (a brute force at a glance),
 * always in this order, and what else a server may answer. */
static const char st_succeeded[] = "Succeeded";
static const char st_refused[] = "Refused with a message";
static const char st_closed[] = "Closed without reply";
static const char st_other[] = "Other reply";

/* The outcomes exec_taps_queue() is given: "Success", "Error: <message>",
 * "Closed without reply", "Unknown status <n>". */
static const char *
outcome_class(const char *outcome)
{
    if (strcmp(outcome, "Success") == 0)
        return st_succeeded;
    if (strncmp(outcome, "Error", 5) == 0)
        return st_refused;
    if (strcmp(outcome, "Closed without reply") == 0)
        return st_closed;
    return st_other;
}

static void
exec_stats_init(stats_tree *st)
{
    int root = stats_tree_create_node(st, st_sessions, 0, STAT_DT_INT, TRUE);
    st_by_client = stats_tree_create_node(st, "By client", root, STAT_DT_INT, TRUE);
    st_by_server = stats_tree_create_node(st, "By server", root, STAT_DT_INT, TRUE);
    st_by_user = stats_tree_create_node(st, "By user", root, STAT_DT_INT, TRUE);
    st_by_outcome = stats_tree_create_node(st, "By outcome", root, STAT_DT_INT, TRUE);
    st_commands = stats_tree_create_node(st, "Commands requested", root, STAT_DT_INT, TRUE);
}

static tap_packet_status
exec_stats_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                  const void *data, tap_flags_t flags _U_)
{
    const exec_attempt_t *attempt = (const exec_attempt_t *)data;

    tick_stat_node(st, st_sessions, 0, TRUE);
    tick_stat_node(st, "By client", 0, TRUE);
    tick_stat_node(st, attempt->client, st_by_client, FALSE);
    tick_stat_node(st, "By server", 0, TRUE);
    tick_stat_node(st, attempt->server, st_by_server, FALSE);
    tick_stat_node(st, "By user", 0, TRUE);
    int user = tick_stat_node(st, attempt->username ? attempt->username : st_no_username, st_by_user, TRUE);
    /* The three usual outcomes under every user, 0 included. */
    increase_stat_node(st, st_succeeded, user, FALSE, 0);
    increase_stat_node(st, st_refused, user, FALSE, 0);
    increase_stat_node(st, st_closed, user, FALSE, 0);
    tick_stat_node(st, outcome_class(attempt->outcome), user, FALSE);
    tick_stat_node(st, "By outcome", 0, TRUE);
    tick_stat_node(st, attempt->outcome, st_by_outcome, FALSE);
    tick_stat_node(st, "Commands requested", 0, TRUE);
    tick_stat_node(st, attempt->command ? attempt->command : st_no_command, st_commands, FALSE);
    return TAP_PACKET_REDRAW;
}

void
proto_register_exec_taps(void)
{
    credentials_tap = register_tap("credentials");
    exec_tap = register_tap("exec");
    /* Registered as a plugin's tree: the Qt GUI lists only those in
     * Statistics by itself (built-in trees have hard-coded menu entries). */
    stats_tree_register_plugin("exec", "exec", "EXEC", 0, exec_stats_packet, exec_stats_init, NULL);
}

void
proto_reg_handoff_exec_taps(void)
{
    /* The built-in's field or ours, registered by the control dissector. */
    hf_password = proto_registrar_get_id_byname(EXEC_FILTER ".password");
}

void
exec_taps_queue_joined(packet_info *pinfo, const exec_session_t *session, const char *outcome,
                       const char *detail)
{
    if (have_tap_listener(credentials_tap) || have_tap_listener(exec_tap))
        exec_taps_queue(pinfo, session, wmem_strconcat(pinfo->pool, outcome, detail, NULL));
}

void
exec_taps_queue(packet_info *pinfo, const exec_session_t *session, const char *outcome)
{
    if (have_tap_listener(credentials_tap) && session->username) {
        tap_credential_t *cred = wmem_new0(pinfo->pool, tap_credential_t);
        cred->num = session->password_frame ? session->password_frame : pinfo->num;
        cred->username_num = session->username_frame;
        cred->password_hf_id = hf_password;
        cred->username = wmem_strdup(pinfo->pool, session->username);
        cred->proto = "EXEC";
        cred->info = wmem_strdup_printf(pinfo->pool, "Command: %s; %s",
                                        session->command ? session->command : "(not captured)", outcome);
        tap_queue_packet(credentials_tap, pinfo, cred);
    }
    if (have_tap_listener(exec_tap)) {
        exec_attempt_t *attempt = wmem_new0(pinfo->pool, exec_attempt_t);
        address client, server;
        exec_session_address(session, EXEC_CLIENT, &client);
        exec_session_address(session, EXEC_SERVER, &server);
        attempt->client = address_to_str(pinfo->pool, &client);
        attempt->server = address_to_str(pinfo->pool, &server);
        attempt->username = session->username;
        attempt->command = session->command;
        attempt->outcome = outcome;
        tap_queue_packet(exec_tap, pinfo, attempt);
    }
}
