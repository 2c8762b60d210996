/* exec-stderr.c: the stderr channel of a rexec session.
 *
 * The client announces a port in the handshake; the daemon connects back to
 * it from any port of its own.  Server bytes on that connection are the
 * command's standard error, client bytes are signal numbers for the command
 * (rexec(3)).  Like the FTP data channel, the connection is expected with a
 * wildcard conversation made on the first pass.  Its frames are labelled
 * with the plugin's own protocol (exec_stderr), under the exec tree.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-stderr.h"

#include <epan/expert.h>
#include <epan/proto_data.h>
#include <wsutil/str_util.h>

#include "exec-takeover.h"
#include "ws-private.h"

static int hf_exec_stderr_channel = -1;
static int hf_exec_stderr_data = -1;
static int hf_exec_signal = -1;

static dissector_handle_t stderr_handle;
static int proto_tcp = -1;

/* Linux numbering: the daemon passes the byte to kill(2) as it is. */
static const value_string signal_names[] = {
    {  1, "SIGHUP" },  {  2, "SIGINT" },    {  3, "SIGQUIT" }, {  4, "SIGILL" },
    {  5, "SIGTRAP" }, {  6, "SIGABRT" },   {  7, "SIGBUS" },  {  8, "SIGFPE" },
    {  9, "SIGKILL" }, { 10, "SIGUSR1" },   { 11, "SIGSEGV" }, { 12, "SIGUSR2" },
    { 13, "SIGPIPE" }, { 14, "SIGALRM" },   { 15, "SIGTERM" }, { 16, "SIGSTKFLT" },
    { 17, "SIGCHLD" }, { 18, "SIGCONT" },   { 19, "SIGSTOP" }, { 20, "SIGTSTP" },
    { 21, "SIGTTIN" }, { 22, "SIGTTOU" },   { 23, "SIGURG" },  { 24, "SIGXCPU" },
    { 25, "SIGXFSZ" }, { 26, "SIGVTALRM" }, { 27, "SIGPROF" }, { 28, "SIGWINCH" },
    { 29, "SIGIO" },   { 30, "SIGPWR" },    { 31, "SIGSYS" },
    { 0, NULL }
};

void
exec_stderr_announce(packet_info *pinfo, exec_session_t *session, guint32 port)
{
    if (session->stderr_conversation)
        return;
    /* Client address and port fixed, any server port: the daemon connects
     * from a port of its choosing. */
    conversation_t *channel = conversation_new(pinfo->num, &pinfo->src, &pinfo->dst,
                                               CONVERSATION_TCP, port, 0, NO_PORT2);
    conversation_set_dissector(channel, stderr_handle);
    conversation_add_proto_data(channel, proto_exec_plugin, session);
    session->stderr_conversation = channel;
    session->stderr_port = port;
}

gboolean
exec_stderr_failed(const exec_session_t *session)
{
    /* The channel connected if TCP saw its SYN/ACK; a refused connect-back
     * leaves only a SYN. */
    const struct tcp_analysis *tcpd = session->stderr_conversation ?
            (const struct tcp_analysis *)conversation_get_proto_data(session->stderr_conversation, proto_tcp) : NULL;
    return session->stderr_conversation && !session->stderr_first_frame &&
           !(tcpd && exec_tcp_saw_synack(tcpd));
}

void
exec_stderr_session_ended(exec_session_t *session)
{
    if (exec_stderr_failed(session))
        session->stderr_abandoned = TRUE;
}

static int
dissect_exec_stderr(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    conversation_t *channel = find_conversation_pinfo(pinfo, 0);
    exec_session_t *session = channel ?
            (exec_session_t *)conversation_get_proto_data(channel, proto_exec_plugin) : NULL;
    if (!session || session->stderr_conversation != channel)
        return 0;

    /* Whether this frame belongs to the channel is decided once. */
    if (!PINFO_FD_VISITED(pinfo)) {
        if (session->stderr_abandoned)
            return 0;
        p_add_proto_data(wmem_file_scope(), pinfo, proto_exec_plugin, 0, session);
        if (!session->stderr_first_frame)
            session->stderr_first_frame = pinfo->num;
    } else if (!p_get_proto_data(wmem_file_scope(), pinfo, proto_exec_plugin, 0)) {
        return 0;
    }

    gboolean from_client = pinfo->srcport == session->stderr_port &&
                           addresses_equal(&pinfo->src, &session->client_addr);
    guint length = tvb_captured_length(tvb);

    col_set_str(pinfo->cinfo, COL_PROTOCOL, EXEC_SHORT_NAME);
    proto_item *ti = proto_tree_add_item(tree, proto_exec, tvb, 0, -1, ENC_NA);
    proto_item_append_text(ti, ", stderr channel");
    proto_tree *exec_tree = proto_item_add_subtree(ti, ett_exec);
    proto_item *link = proto_tree_add_uint(exec_tree, hf_exec_stderr_channel, tvb, 0, 0,
                                           session->port_frame);
    proto_item_set_generated(link);

    if (!from_client) {
        if (!PINFO_FD_VISITED(pinfo))
            session->stderr_bytes += length;
        proto_tree_add_item(exec_tree, hf_exec_stderr_data, tvb, 0, -1, ENC_NA);
        col_add_fstr(pinfo->cinfo, COL_INFO, "stderr %u byte%s", length, plurality(length, "", "s"));
        return length;
    }
    col_set_str(pinfo->cinfo, COL_INFO, "Signal");
    for (guint i = 0; i < length; i++) {
        guint8 signal = exec_tvb_get_u8(tvb, i);
        proto_tree_add_item(exec_tree, hf_exec_signal, tvb, i, 1, ENC_NA);
        const char *name = try_val_to_str(signal, signal_names);
        if (name)
            col_append_fstr(pinfo->cinfo, COL_INFO, " %s", name);
        else
            col_append_fstr(pinfo->cinfo, COL_INFO, " %u", signal);
    }
    return length;
}

void
proto_register_exec_stderr(void)
{
    static hf_register_info hf[] = {
        { &hf_exec_stderr_channel,
          { "Stderr Channel Of", "exec.stderr_channel", FT_FRAMENUM, BASE_NONE, NULL, 0,
            "The frame whose stderr port announced this channel", HFILL } },
        { &hf_exec_stderr_data,
          { "Stderr Data", "exec.stderr_data", FT_BYTES, BASE_NONE, NULL, 0,
            "The command's standard error", HFILL } },
        { &hf_exec_signal,
          { "Signal", "exec.signal", FT_UINT8, BASE_DEC, VALS(signal_names), 0,
            "Signal number the client asks the daemon to deliver to the command", HFILL } },
    };
    exec_register_fields(hf, array_length(hf));
    stderr_handle = create_dissector_handle(dissect_exec_stderr, proto_exec_plugin);
}

void
proto_reg_handoff_exec_stderr(void)
{
    proto_tcp = proto_get_id_by_filter_name("tcp");
}
