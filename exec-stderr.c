/* exec-stderr.c: the stderr channel of a rexec session.
 *
 * The client announces a port in the handshake; the daemon connects back to
 * it from any port of its own.  Server bytes on that connection are the
 * command's standard error, client bytes are signal numbers for the command
 * (rexec(3)).  The connection is recognised by the port announced and the
 * session's addresses, on the first pass, and given to the channel's
 * dissector once it opens: no conversation is made for an announcement,
 * since a brute force announces thousands that never connect, and TCP
 * makes the connection's own conversation anyway.  Its frames are labelled
 * with the plugin's own protocol (exec_stderr), under the exec tree: those
 * with payload by the conversation's dissector (or by a heuristic, when the
 * capture missed the connection's opening), the others (the connect back,
 * its answer, the close, a refusal) through the session-end postdissector
 * (exec-session-end.c), since TCP hands no dissector a segment without
 * payload.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-stderr.h"

#include <string.h>

#include <epan/expert.h>

#include "exec-export.h"
#include "exec-frame-records.h"
#include "exec-info.h"
#include "exec-takeover.h"
#include "packet-exec.h"
#include "ws-private.h"

static int hf_exec_stderr_channel = -1;
static int hf_exec_stderr_data = -1;
static int hf_exec_signal = -1;

static expert_field ei_exec_stderr_refused = EI_INIT;
static expert_field ei_exec_stderr_unanswered = EI_INIT;
static expert_field ei_exec_stderr_never_connected = EI_INIT;

static dissector_handle_t stderr_handle;
static int proto_tcp = -1;

/* What a frame of the channel is, decided on the first pass: payload, or
 * for the frames without, what happened to the connection. */
typedef enum {
    STDERR_PAYLOAD,         /* dissected by dissect_exec_stderr */
    STDERR_CONNECTING,      /* the daemon's SYN */
    STDERR_CONNECTING_AGAIN,    /* its retransmission: no answer yet */
    STDERR_OPENED,          /* the client's SYN/ACK */
    STDERR_REFUSED,         /* a reset before the channel opened */
    STDERR_RESET,           /* a reset after */
    STDERR_CLOSED,          /* a FIN */
    STDERR_ACK              /* anything else: an acknowledgement */
} stderr_event_t;

/* The channel's frames, tagged with their stderr_event_t, with their session. */
static exec_frame_records_t *channel_frames;

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

/* A session that announced a stderr port, on the chain of that port's. */
typedef struct exec_channel {
    exec_session_t *session;
    struct exec_channel *older_same_port;   /* another client may announce the same port */
} exec_channel_t;

/* The newest channel announced for each port (first pass), the older ones
 * on its chain; NULL while no session of the file announced one (most
 * brute-force tools announce none): then no frame needs a look.  An array,
 * not a map: a brute force announces thousands of ports, and the pages of
 * ports never announced stay untouched zeros. */
static exec_channel_t **newest_by_port;

static void
channels_cleanup(void)
{
    g_free(newest_by_port);
    newest_by_port = NULL;
}

static void
channels_init(void)
{
    channels_cleanup();
    channel_frames = exec_frame_records_new();
}

/* First pass: the session whose stderr channel this frame is on, or NULL.
 * A channel already connected is on TCP's conversation of that connection,
 * which TCP has just moved to this frame; otherwise the frame opens the
 * channel of the newest session that announced its port between these
 * addresses and is still waiting. */
static exec_session_t *
channel_session(const packet_info *pinfo)
{
    if (!newest_by_port)
        return NULL;
    for (int client_sends = 0; client_sends < 2; client_sends++) {
        guint32 port = client_sends ? pinfo->srcport : pinfo->destport;
        if (port > G_MAXUINT16)
            continue;
        exec_session_t *waiting = NULL;
        for (const exec_channel_t *channel = newest_by_port[port]; channel; channel = channel->older_same_port) {
            exec_session_t *session = channel->session;
            if (session->stderr_conversation) {
                if (session->stderr_conversation->last_frame == pinfo->num)
                    return session;
            } else if (!waiting && !session->stderr_abandoned &&
                       exec_session_address_is(session, EXEC_CLIENT, client_sends ? &pinfo->src : &pinfo->dst) &&
                       exec_session_address_is(session, EXEC_SERVER, client_sends ? &pinfo->dst : &pinfo->src)) {
                waiting = session;
            }
        }
        if (waiting) {
            waiting->stderr_conversation = find_conversation_pinfo((packet_info *)pinfo, 0);
            if (waiting->stderr_conversation)
                return waiting;
        }
    }
    return NULL;
}

void
exec_stderr_announce(exec_session_t *session, guint32 port)
{
    if (session->stderr_port)
        return;
    session->stderr_port = port;
    if (port > G_MAXUINT16)
        return;                 /* no connection can come to it */
    if (!newest_by_port)
        newest_by_port = g_new0(exec_channel_t *, G_MAXUINT16 + 1);
    exec_channel_t *announced = wmem_new(wmem_file_scope(), exec_channel_t);
    announced->session = session;
    announced->older_same_port = newest_by_port[port];
    newest_by_port[port] = announced;
}

gboolean
exec_stderr_is_channel(conversation_t *conversation, const packet_info *pinfo)
{
    return conversation_get_dissector(conversation, pinfo->num) == stderr_handle;
}

/* First pass: the channel's first frame.  A port the client's first
 * captured string only may have been is proved by it. */
static void
channel_connected(exec_session_t *session, const packet_info *pinfo)
{
    if (session->stderr_first_frame)
        return;
    session->stderr_first_frame = pinfo->num;
    exec_control_port_proven(session, pinfo->num);
}

/* First pass: the channel carries bytes from now on (a frame shows it open,
 * or its first payload came through the heuristic): TCP hands them to the
 * channel's dissector before any other.  Not earlier: half of a brute
 * force's connect backs are refused. */
static void
channel_opened(exec_session_t *session, const packet_info *pinfo)
{
    channel_connected(session, pinfo);
    if (!exec_stderr_is_channel(session->stderr_conversation, pinfo))
        conversation_set_dissector(session->stderr_conversation, stderr_handle);
}

/* Whether the channel has opened: TCP saw its SYN/ACK (a refused connect
 * back leaves only a SYN), or never saw its SYN, when the capture missed
 * the opening. */
static gboolean
channel_is_open(const struct tcp_analysis *tcpd)
{
    return exec_tcp_saw_synack(tcpd) || !exec_tcp_saw_syn(tcpd);
}

gboolean
exec_stderr_failed(const exec_session_t *session)
{
    const struct tcp_analysis *tcpd = session->stderr_conversation ?
            exec_tcp_state(session->stderr_conversation, proto_tcp) : NULL;
    return session->stderr_port && !exec_session_port_unproven(session) && !session->stderr_payload_seen &&
           !(tcpd && channel_is_open(tcpd));
}

void
exec_stderr_session_ended(exec_session_t *session)
{
    if (exec_stderr_failed(session))
        session->stderr_abandoned = TRUE;
}

/* First pass: the TCP sequence number of the channel's stream position 0,
 * for the export: after the daemon's SYN, or the first server bytes seen. */
gboolean
exec_stderr_origin_from_syn(exec_session_t *session, const tcp_flow_t *flow)
{
    if (!flow || !exec_tcp_flow_saw_syn(flow))
        return FALSE;
    session->stderr_seq_origin = exec_tcp_relative_seq() ? 1 : exec_tcp_flow_base_seq(flow) + 1;
    session->stderr_origin_known = TRUE;
    return TRUE;
}

static void
learn_stderr_origin(exec_session_t *session, const struct tcpinfo *tcpinfo)
{
    if (session->stderr_origin_known || !tcpinfo)
        return;
    const struct tcp_analysis *tcpd = exec_tcp_state(session->stderr_conversation, proto_tcp);
    if (exec_stderr_origin_from_syn(session, tcpd ? exec_tcp_flow_of_frame(tcpd) : NULL))
        return;
    session->stderr_seq_origin = tcpinfo->seq;
    session->stderr_origin_known = TRUE;
}

static int
dissect_exec_stderr(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    const struct tcpinfo *tcpinfo = (const struct tcpinfo *)data;

    /* Whether this frame belongs to the channel is decided once. */
    exec_session_t *session;
    if (!PINFO_FD_VISITED(pinfo)) {
        session = channel_session(pinfo);
        if (!session || session->stderr_abandoned)
            return 0;
        exec_frame_records_add(channel_frames, pinfo->num, STDERR_PAYLOAD, session);
        channel_opened(session, pinfo);
        session->stderr_payload_seen = TRUE;
    } else {
        const exec_frame_record_t *found = exec_frame_records_find(channel_frames, pinfo->num, STDERR_PAYLOAD);
        if (!found)
            return 0;
        session = (exec_session_t *)found->data;
    }

    gboolean from_client = pinfo->srcport == session->stderr_port &&
                           exec_session_address_is(session, EXEC_CLIENT, &pinfo->src);
    guint length = tvb_captured_length(tvb);

    col_set_str(pinfo->cinfo, COL_PROTOCOL, EXEC_SHORT_NAME);
    proto_item *ti;
    proto_tree *exec_tree = exec_add_subtree(tree, tvb, -1, &ti);
    proto_item_append_text(ti, ", stderr channel");
    proto_item *link = proto_tree_add_uint(exec_tree, hf_exec_stderr_channel, tvb, 0, 0,
                                           session->port_frame);
    proto_item_set_generated(link);

    if (!from_client) {
        if (!PINFO_FD_VISITED(pinfo)) {
            if (session->work)
                session->work->stderr_bytes += length;
            learn_stderr_origin(session, tcpinfo);
        }
        if (!PINFO_FD_VISITED(pinfo))
            session->last_data_frame = pinfo->num;
        if (tcpinfo && exec_export_wanted()) {
            exec_export_stderr(pinfo, session, tvb, tcpinfo->seq);
            exec_export_last_frame(pinfo, exec_tree, tvb, session);
        }
        proto_tree_add_item(exec_tree, hf_exec_stderr_data, tvb, 0, -1, ENC_NA);
        exec_info_t info;
        exec_info_start(&info, pinfo, FALSE);
        exec_info_byte_count(&info, "stderr", length);
        exec_info_write(&info, TRUE);
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

/* The channel's payload when the capture missed its SYN/ACK: no dissector
 * was given the connection yet.  First pass only: claiming the frame gives
 * the connection its dissector from frame 0 on, so later passes reach the
 * channel through TCP's conversation, and other frames need no search. */
static exec_heur_result_t
dissect_exec_stderr_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return !PINFO_FD_VISITED(pinfo) && newest_by_port && dissect_exec_stderr(tvb, pinfo, tree, data) > 0;
}

void
exec_stderr_add_never_connected(packet_info *pinfo, proto_item *item)
{
    expert_add_info(pinfo, item, &ei_exec_stderr_never_connected);
}

/* First pass: what this payload-less frame of the channel is.  TCP hands
 * the flags of such a segment to nobody; its conversation's completeness
 * flags gain the SYN/ACK or the reset in the frame that carries it, and a
 * FIN is the segment its sequence analysis queues, with the FIN flag. */
static stderr_event_t
classify_connection_frame(tvbuff_t *tvb, exec_session_t *session, const struct tcp_analysis *tcpd,
                          packet_info *pinfo)
{
    guint8 gained = (guint8)(exec_tcp_completeness(tcpd) & ~session->stderr_completeness);
    session->stderr_completeness = exec_tcp_completeness(tcpd);
    gboolean opened = channel_is_open(tcpd);
    if (gained & TCP_COMPLETENESS_RST)
        return (opened && !(gained & TCP_COMPLETENESS_SYNACK)) ? STDERR_RESET : STDERR_REFUSED;
    if (gained & TCP_COMPLETENESS_SYNACK)
        return STDERR_OPENED;
    if (!opened)
        return session->stderr_first_frame == pinfo->num ? STDERR_CONNECTING : STDERR_CONNECTING_AGAIN;
    guint32 fin_seq;
    if (exec_segment_is_bare_fin(tvb, pinfo, tcpd, &fin_seq))
        return STDERR_CLOSED;
    return (gained & TCP_COMPLETENESS_FIN) ? STDERR_CLOSED : STDERR_ACK;
}

/* First pass: the session whose channel this payload-less frame is on, and
 * what it is, or NULL. */
static exec_session_t *
classify_connection(tvbuff_t *tvb, packet_info *pinfo, stderr_event_t *event)
{
    exec_session_t *session = channel_session(pinfo);
    if (!session || session->stderr_abandoned ||
        exec_frame_records_find(channel_frames, pinfo->num, STDERR_PAYLOAD))
        return NULL;            /* not the channel, given up, or its payload was dissected */
    struct tcp_analysis *tcpd = exec_tcp_state(session->stderr_conversation, proto_tcp);
    if (!tcpd)
        return NULL;
    channel_connected(session, pinfo);
    *event = classify_connection_frame(tvb, session, tcpd, pinfo);
    if (channel_is_open(tcpd))
        channel_opened(session, pinfo);
    return session;
}

static const char *
event_name(stderr_event_t event)
{
    switch (event) {
    case STDERR_OPENED: return "stderr channel opened";
    case STDERR_REFUSED: return "stderr channel refused";
    case STDERR_RESET: return "stderr channel reset";
    case STDERR_CLOSED: return "stderr channel closed";
    default: return "stderr channel";
    }
}

/* In place of TCP's text. */
static void
show_event(packet_info *pinfo, stderr_event_t event, const exec_session_t *session)
{
    switch (event) {
    case STDERR_CONNECTING:
    case STDERR_CONNECTING_AGAIN: {
        exec_info_t info;
        exec_info_start(&info, pinfo, FALSE);
        exec_info_labelled_number(&info, "stderr channel: connecting to port ", session->stderr_port);
        exec_info_write(&info, TRUE);
        return;
    }
    default:    /* a constant text: no copy */
        col_set_str(pinfo->cinfo, COL_INFO, event_name(event));
    }
}

exec_session_t *
exec_stderr_connection_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    if (!newest_by_port)
        return NULL;
    exec_session_t *session;
    stderr_event_t event;
    if (PINFO_FD_VISITED(pinfo)) {
        const exec_frame_record_t *found = exec_frame_records_first(channel_frames, pinfo->num);
        if (!found || found->tag == STDERR_PAYLOAD)
            return NULL;
        session = (exec_session_t *)found->data;
        event = (stderr_event_t)found->tag;
    } else {
        session = classify_connection(tvb, pinfo, &event);
        if (!session)
            return NULL;
        exec_frame_records_add(channel_frames, pinfo->num, event, session);
    }

    col_clear_fence(pinfo->cinfo, COL_PROTOCOL);
    col_set_str(pinfo->cinfo, COL_PROTOCOL, EXEC_SHORT_NAME);
    col_clear_fence(pinfo->cinfo, COL_INFO);
    show_event(pinfo, event, session);

    proto_item *ti;
    proto_tree *exec_tree = exec_add_subtree(tree, tvb, 0, &ti);
    proto_item_append_text(ti, ", stderr channel");
    proto_item *link = proto_tree_add_uint(exec_tree, hf_exec_stderr_channel, tvb, 0, 0,
                                           session->port_frame);
    proto_item_set_generated(link);
    /* What this frame itself shows; that the channel never connected is
     * known only at the session's end, and said there. */
    if (event == STDERR_REFUSED)
        expert_add_info(pinfo, link, &ei_exec_stderr_refused);
    else if (event == STDERR_CONNECTING_AGAIN)
        expert_add_info(pinfo, link, &ei_exec_stderr_unanswered);
    return session;
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
    static ei_register_info ei[] = {
        { &ei_exec_stderr_refused,
          { "exec.stderr_refused", PI_RESPONSE_CODE, PI_WARN,
            "The client refused the daemon's connection to the stderr port", EXPFILL } },
        { &ei_exec_stderr_unanswered,
          { "exec.stderr_unanswered", PI_SEQUENCE, PI_NOTE,
            "The daemon connects to the stderr port again: the client has not answered", EXPFILL } },
        { &ei_exec_stderr_never_connected,
          { "exec.stderr_never_connected", PI_SEQUENCE, PI_NOTE,
            "The announced stderr channel never connected", EXPFILL } },
    };
    exec_register_fields(hf, array_length(hf));
    exec_register_experts(ei, array_length(ei));
    stderr_handle = create_dissector_handle(dissect_exec_stderr, proto_exec_plugin);
    register_init_routine(channels_init);
    register_cleanup_routine(channels_cleanup);
}

void
proto_reg_handoff_exec_stderr(void)
{
    proto_tcp = proto_get_id_by_filter_name("tcp");
    heur_dissector_add("tcp", dissect_exec_stderr_heur, EXEC_LONG_NAME " stderr channel without its opening",
                       EXEC_FILTER "_stderr_tcp", proto_exec_plugin, HEURISTIC_ENABLE);
}
