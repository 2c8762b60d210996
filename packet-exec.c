/* packet-exec.c: dissector for the BSD remote execution protocol (rexec,
 * "exec", TCP 512).
 *
 * Wireshark already has an "exec" protocol.  This plugin attaches to it
 * instead of registering a second one: it adds its fields to the built-in's
 * protocol id, reuses the built-in's four string fields, two data fields and
 * two preferences, and redirects every tcp.port entry of the built-in's
 * handle to its own handle (see exec_redirect_ports).  The rexec state
 * machine lives in engine/exec-stream.c; this file feeds it TCP segments on
 * the first pass, stores what it said per frame, and builds the tree from
 * that stored result on every pass.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ws-compat.h"

#include <epan/packet.h>
#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/prefs-int.h>
#include <epan/proto_data.h>
#include <epan/dissectors/packet-tcp.h>
#include <wsutil/str_util.h>

#include "exec-stream.h"
#include "exec-prefs.h"
#include "packet-exec.h"

#define EXEC_TCP_PORT 512

/* A test build registers the whole protocol under other names, to exercise
 * the path taken when Wireshark has no built-in exec dissector. */
#ifdef EXEC_TEST_FALLBACK
#define EXEC_FILTER      "execfb"
#define EXEC_SHORT_NAME  "EXECFB"
#define EXEC_LONG_NAME   "Remote Process Execution (fallback test)"
#else
#define EXEC_FILTER      "exec"
#define EXEC_SHORT_NAME  "EXEC"
#define EXEC_LONG_NAME   "Remote Process Execution"
#endif

/* Flags of tcp_flow_t.static_flags, private to packet-tcp.c: set when the
 * flow's SYN (client) or SYN/ACK (server) was seen. */
#define TCP_FLOW_SAW_SYN     0x02
#define TCP_FLOW_SAW_SYNACK  0x04

static int proto_exec = -1;
/* Our own protocol id (it names the stderr channel), to key conversation
 * and frame data: the built-in keys its state by proto_exec. */
static int proto_exec_state = -1;

static int hf_exec_stderr_port = -1;
static int hf_exec_username = -1;
static int hf_exec_password = -1;
static int hf_exec_command = -1;
static int hf_exec_client_server_data = -1;
static int hf_exec_server_client_data = -1;
static int hf_exec_stderr_port_number = -1;
static int hf_exec_status = -1;
static int hf_exec_error_message = -1;
static int hf_exec_closed_without_reply = -1;
static int hf_exec_unidentified_string = -1;
static int hf_exec_retransmitted_data = -1;
static int hf_exec_lost_bytes = -1;

static gint ett_exec = -1;

static expert_field ei_exec_cleartext_password = EI_INIT;
static expert_field ei_exec_login_failed = EI_INIT;
static expert_field ei_exec_closed_without_reply = EI_INIT;
static expert_field ei_exec_username_too_long = EI_INIT;
static expert_field ei_exec_password_too_long = EI_INIT;
static expert_field ei_exec_port_not_numeric = EI_INIT;
static expert_field ei_exec_port_out_of_range = EI_INIT;
static expert_field ei_exec_status_unknown = EI_INIT;
static expert_field ei_exec_unexpected_data = EI_INIT;
static expert_field ei_exec_string_oversized = EI_INIT;
static expert_field ei_exec_string_partial = EI_INIT;
static expert_field ei_exec_lost = EI_INIT;
static expert_field ei_exec_unidentified = EI_INIT;
static expert_field ei_exec_unknown_phase = EI_INIT;
static expert_field ei_exec_retransmitted = EI_INIT;

static dissector_handle_t exec_handle;
static dissector_handle_t builtin_handle;
static pref_t *tcp_relative_seq_pref;

static const value_string exec_status_vals[] = {
    { 0, "Success" },
    { 1, "Error" },
    { 0, NULL }
};

/* One rexec session: a TCP conversation, first pass only except the
 * strings, which frames point to. */
typedef struct {
    exec_session_t engine;
    address  server_addr;
    guint32  server_port;
    guint32  seq_origin[2];     /* TCP seq of stream position 0, per direction */
    gboolean origin_known[2];
    const char *username;
    const char *command;
    guint32  closed_frame;      /* server FIN without any status byte */
} exec_conv_t;

/* What one call on one frame showed: computed on the first pass, read on
 * every later one. */
typedef struct {
    exec_piece_t *pieces;
    guint8   n_pieces;
    gboolean client_to_server;
    guint32  consumed;          /* < tvb length: TCP reassembles the rest */
    const char *username;       /* the session's, as known at this frame */
    const char *command;
} exec_frame_t;

static guint32 sessions_closed_without_reply;
static guint32 sessions_seen;

static void
exec_init(void)
{
    sessions_closed_without_reply = 0;
    sessions_seen = 0;
}

static gboolean
is_client_to_server(const exec_conv_t *conv, const packet_info *pinfo)
{
    return pinfo->destport == conv->server_port &&
           addresses_equal(&pinfo->dst, &conv->server_addr);
}

static gboolean
tcp_relative_sequence_numbers(void)
{
    return tcp_relative_seq_pref && prefs_get_bool_value(tcp_relative_seq_pref, pref_current);
}

static exec_conv_t *
exec_conv_get(conversation_t *conversation, packet_info *pinfo)
{
    exec_conv_t *conv = (exec_conv_t *)conversation_get_proto_data(conversation, proto_exec_state);
    if (conv)
        return conv;

    conv = wmem_new0(wmem_file_scope(), exec_conv_t);
    /* The side on the port that matched our table entry is the server. */
    gboolean to_server = pinfo->match_uint == pinfo->destport;
    conv->server_port = to_server ? pinfo->destport : pinfo->srcport;
    copy_address_wmem(wmem_file_scope(), &conv->server_addr, to_server ? &pinfo->dst : &pinfo->src);

    /* Where TCP saw a flow's SYN, stream position 0 is its first byte. */
    struct tcp_analysis *tcpd = get_tcp_conversation_data(conversation, pinfo);
    tcp_flow_t *client_flow = to_server ? tcpd->fwd : tcpd->rev;
    tcp_flow_t *server_flow = to_server ? tcpd->rev : tcpd->fwd;
    gboolean client_start = (client_flow->static_flags & TCP_FLOW_SAW_SYN) != 0;
    gboolean server_start = (server_flow->static_flags & TCP_FLOW_SAW_SYNACK) != 0;
    gboolean relative = tcp_relative_sequence_numbers();

    conv->origin_known[EXEC_CLIENT_TO_SERVER] = client_start;
    conv->seq_origin[EXEC_CLIENT_TO_SERVER] = relative ? 1 : client_flow->base_seq + 1;
    conv->origin_known[EXEC_SERVER_TO_CLIENT] = server_start;
    conv->seq_origin[EXEC_SERVER_TO_CLIENT] = relative ? 1 : server_flow->base_seq + 1;
    exec_session_init(&conv->engine, client_start, server_start);

    conversation_add_proto_data(conversation, proto_exec_state, conv);
    sessions_seen++;
    return conv;
}

/* The segment's stream position, widened past 4 GiB around the position
 * the engine expects next. */
static guint64
stream_offset(exec_conv_t *conv, exec_direction_t direction, const struct tcpinfo *tcpinfo)
{
    const exec_flow_t *flow = direction == EXEC_CLIENT_TO_SERVER ?
            &conv->engine.client : &conv->engine.server;

    if (!tcpinfo)
        return flow->next_offset;
    if (!conv->origin_known[direction]) {
        /* Capture started mid-stream: count from the first segment seen. */
        conv->seq_origin[direction] = tcpinfo->seq;
        conv->origin_known[direction] = TRUE;
    }
    guint32 position = tcpinfo->seq - conv->seq_origin[direction];
    gint32 delta = (gint32)(position - (guint32)flow->next_offset);
    if (delta < 0 && (guint64)-(gint64)delta > flow->next_offset)
        return 0;
    return flow->next_offset + (gint64)delta;
}

/* A string piece as printable text (for the Info column), terminator excluded. */
static const char *
piece_text(wmem_allocator_t *scope, tvbuff_t *tvb, const exec_piece_t *piece)
{
    guint32 length = piece->length - ((piece->flags & EXEC_PIECE_ENDS) ? 1 : 0);
    return tvb_format_text(scope, tvb, piece->offset, length);
}

/* First pass: run the engine and keep its answer for this frame. */
static exec_frame_t *
classify_frame(tvbuff_t *tvb, packet_info *pinfo, exec_conv_t *conv,
               const struct tcpinfo *tcpinfo)
{
    exec_direction_t direction = is_client_to_server(conv, pinfo) ?
            EXEC_CLIENT_TO_SERVER : EXEC_SERVER_TO_CLIENT;
    guint32 length = tvb_captured_length(tvb);
    exec_segment_t segment;

    exec_session_feed(&conv->engine, direction, stream_offset(conv, direction, tcpinfo),
                      tvb_get_ptr(tvb, 0, length), length,
                      pinfo->can_desegment > 0, &segment);

    exec_frame_t *frame = wmem_new0(wmem_file_scope(), exec_frame_t);
    frame->client_to_server = direction == EXEC_CLIENT_TO_SERVER;
    frame->consumed = segment.consumed;
    frame->n_pieces = (guint8)segment.n_pieces;
    frame->pieces = (exec_piece_t *)wmem_memdup(wmem_file_scope(), segment.pieces,
                                               segment.n_pieces * sizeof(exec_piece_t));

    for (unsigned i = 0; i < segment.n_pieces; i++) {
        const exec_piece_t *piece = &segment.pieces[i];
        gboolean whole = (piece->flags & (EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS)) ==
                         (EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS);
        if (whole && piece->kind == EXEC_PIECE_USERNAME && !conv->username)
            conv->username = piece_text(wmem_file_scope(), tvb, piece);
        else if (whole && piece->kind == EXEC_PIECE_COMMAND && !conv->command)
            conv->command = piece_text(wmem_file_scope(), tvb, piece);
    }
    frame->username = conv->username;
    frame->command = conv->command;
    return frame;
}

static proto_item *
add_string_piece(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, int hf,
                 const exec_piece_t *piece)
{
    proto_item *item = proto_tree_add_item(tree, hf, tvb, piece->offset, piece->length, ENC_UTF_8);
    if (piece->anomalies & EXEC_ANOMALY_FIELD_OVERSIZED)
        expert_add_info(pinfo, item, &ei_exec_string_oversized);
    else if ((piece->flags & (EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS)) !=
             (EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS) && !(piece->flags & EXEC_PIECE_AFTER_GAP))
        expert_add_info(pinfo, item, &ei_exec_string_partial);
    if (piece->flags & EXEC_PIECE_AFTER_GAP)
        proto_item_append_text(item, " [start not captured]");
    else if (!(piece->flags & EXEC_PIECE_ENDS))
        proto_item_append_text(item, " [continues in a later segment]");
    return item;
}



static void
add_info(packet_info *pinfo, const char *text)
{
    col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", text);
}

/* Builds the tree and the Info column from the stored pieces. */
static void
show_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const exec_frame_t *frame)
{
    gboolean shows_username = FALSE, shows_command = FALSE;

    for (unsigned i = 0; i < frame->n_pieces; i++) {
        const exec_piece_t *piece = &frame->pieces[i];
        proto_item *item;
        gboolean whole = (piece->flags & (EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS)) ==
                         (EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS);

        switch (piece->kind) {
        case EXEC_PIECE_STDERR_PORT:
            add_string_piece(tree, tvb, pinfo, hf_exec_stderr_port, piece);
            if (!(piece->flags & EXEC_PIECE_ENDS))
                break;
            item = proto_tree_add_uint(tree, hf_exec_stderr_port_number, tvb, piece->offset,
                                       piece->length - 1, piece->value);
            proto_item_set_generated(item);
            if (piece->anomalies & EXEC_ANOMALY_PORT_NOT_NUMERIC)
                expert_add_info(pinfo, item, &ei_exec_port_not_numeric);
            if (piece->anomalies & EXEC_ANOMALY_PORT_OUT_OF_RANGE)
                expert_add_info(pinfo, item, &ei_exec_port_out_of_range);
            if (piece->value == 0)
                proto_item_append_text(item, " (no stderr channel)");
            add_info(pinfo, piece->value == 0 ? "No stderr channel" :
                     wmem_strdup_printf(pinfo->pool, "Stderr port %u", piece->value));
            break;
        case EXEC_PIECE_USERNAME:
            item = add_string_piece(tree, tvb, pinfo, hf_exec_username, piece);
            if (piece->anomalies & EXEC_ANOMALY_USERNAME_TOO_LONG)
                expert_add_info(pinfo, item, &ei_exec_username_too_long);
            if (whole)
                add_info(pinfo, wmem_strdup_printf(pinfo->pool, "Login %s",
                                                   piece_text(pinfo->pool, tvb, piece)));
            shows_username = TRUE;
            break;
        case EXEC_PIECE_PASSWORD:
            item = add_string_piece(tree, tvb, pinfo, hf_exec_password, piece);
            expert_add_info(pinfo, item, &ei_exec_cleartext_password);
            if (piece->anomalies & EXEC_ANOMALY_PASSWORD_TOO_LONG)
                expert_add_info(pinfo, item, &ei_exec_password_too_long);
            break;
        case EXEC_PIECE_COMMAND:
            add_string_piece(tree, tvb, pinfo, hf_exec_command, piece);
            if (whole)
                add_info(pinfo, wmem_strdup_printf(pinfo->pool, "Command: %s",
                                                   piece_text(pinfo->pool, tvb, piece)));
            shows_command = TRUE;
            break;
        case EXEC_PIECE_UNIDENTIFIED_STRING:
            item = proto_tree_add_item(tree, hf_exec_unidentified_string, tvb, piece->offset,
                                       piece->length, ENC_UTF_8);
            expert_add_info(pinfo, item, &ei_exec_unidentified);
            add_info(pinfo, "Unidentified handshake string");
            break;
        case EXEC_PIECE_STDIN:
        case EXEC_PIECE_STDOUT: {
            gboolean is_stdin = piece->kind == EXEC_PIECE_STDIN;
            item = proto_tree_add_item(tree, is_stdin ? hf_exec_client_server_data :
                                       hf_exec_server_client_data, tvb, piece->offset,
                                       piece->length, ENC_NA);
            proto_item_append_text(item, is_stdin ? " (stdin)" : " (stdout)");
            add_info(pinfo, wmem_strdup_printf(pinfo->pool, "%s %u byte%s",
                     is_stdin ? "stdin" : "stdout", piece->length, plurality(piece->length, "", "s")));
            break;
        }
        case EXEC_PIECE_STATUS:
            item = proto_tree_add_item(tree, hf_exec_status, tvb, piece->offset, 1, ENC_NA);
            if (piece->anomalies & EXEC_ANOMALY_STATUS_UNKNOWN) {
                expert_add_info(pinfo, item, &ei_exec_status_unknown);
                add_info(pinfo, wmem_strdup_printf(pinfo->pool, "Unknown status %u", piece->value));
            } else if (piece->value == 0) {
                add_info(pinfo, "Success");
            } else if (i + 1 == frame->n_pieces) {
                /* The message follows in another segment. */
                expert_add_info(pinfo, item, &ei_exec_login_failed);
                add_info(pinfo, "Error");
            }
            break;
        case EXEC_PIECE_ERROR_MESSAGE: {
            guint32 text_length = piece->length - ((piece->flags & EXEC_PIECE_ENDS) ? 1 : 0);
            item = proto_tree_add_item(tree, hf_exec_error_message, tvb, piece->offset,
                                       text_length, ENC_UTF_8);
            const char *text = piece_text(pinfo->pool, tvb, piece);
            expert_add_info_format(pinfo, item, &ei_exec_login_failed, "Server error: %s", text);
            add_info(pinfo, wmem_strdup_printf(pinfo->pool, "Error: %s", text));
            break;
        }
        case EXEC_PIECE_UNEXPECTED_DATA:
            item = proto_tree_add_item(tree, frame->client_to_server ? hf_exec_client_server_data :
                                       hf_exec_server_client_data, tvb, piece->offset,
                                       piece->length, ENC_NA);
            expert_add_info(pinfo, item, &ei_exec_unexpected_data);
            add_info(pinfo, "Unexpected data");
            break;
        case EXEC_PIECE_UNKNOWN_PHASE_DATA:
            item = proto_tree_add_item(tree, frame->client_to_server ? hf_exec_client_server_data :
                                       hf_exec_server_client_data, tvb, piece->offset,
                                       piece->length, ENC_NA);
            expert_add_info(pinfo, item, &ei_exec_unknown_phase);
            add_info(pinfo, wmem_strdup_printf(pinfo->pool, "%s data %u bytes (session start not captured)",
                     frame->client_to_server ? "Client" : "Server", piece->length));
            break;
        case EXEC_PIECE_RETRANSMITTED:
            item = proto_tree_add_item(tree, hf_exec_retransmitted_data, tvb, piece->offset,
                                       piece->length, ENC_NA);
            expert_add_info(pinfo, item, &ei_exec_retransmitted);
            add_info(pinfo, "Retransmitted data");
            break;
        case EXEC_PIECE_LOST:
            item = proto_tree_add_uint64(tree, hf_exec_lost_bytes, tvb, 0, 0, piece->lost);
            proto_item_set_generated(item);
            expert_add_info_format(pinfo, item, &ei_exec_lost,
                                   "%" PRIu64 " bytes of the %s stream not captured before this segment",
                                   piece->lost, frame->client_to_server ? "client" : "server");
            break;
        }
    }

    /* As the built-in does: the session's username and command on every
     * frame once known, unless the frame shows them itself. */
    if (frame->command && !shows_command && exec_prefs_show_command())
        col_prepend_fstr(pinfo->cinfo, COL_INFO, "Command:%s ", frame->command);
    if (frame->username && !shows_username && exec_prefs_show_username())
        col_prepend_fstr(pinfo->cinfo, COL_INFO, "Username:%s ", frame->username);
}

static int
dissect_exec(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    const struct tcpinfo *tcpinfo = (const struct tcpinfo *)data;
    guint32 key = tcpinfo ? tcpinfo->seq : 0;
    conversation_t *conversation = find_or_create_conversation(pinfo);
    exec_conv_t *conv = exec_conv_get(conversation, pinfo);

    exec_frame_t *frame = (exec_frame_t *)p_get_proto_data(wmem_file_scope(), pinfo,
                                                           proto_exec_state, key);
    if (!frame) {
        frame = classify_frame(tvb, pinfo, conv, tcpinfo);
        p_add_proto_data(wmem_file_scope(), pinfo, proto_exec_state, key, frame);
    }

    if (frame->consumed < tvb_captured_length(tvb)) {
        pinfo->desegment_offset = frame->consumed;
        pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
    }
    /* All of it waits for reassembly: leave the columns to TCP, as later
     * passes (which do not call us for this frame) will. */
    if (frame->consumed == 0)
        return tvb_captured_length(tvb);

    col_set_str(pinfo->cinfo, COL_PROTOCOL, EXEC_SHORT_NAME);
    col_clear(pinfo->cinfo, COL_INFO);

    proto_item *ti = proto_tree_add_item(tree, proto_exec, tvb, 0, frame->consumed, ENC_NA);
    proto_tree *exec_tree = proto_item_add_subtree(ti, ett_exec);
    show_frame(tvb, pinfo, exec_tree, frame);
    return tvb_captured_length(tvb);
}

/* The server's FIN when no status byte ever came: Debian's daemon refuses a
 * wrong password or an unknown user that way.  TCP hands no payload-less
 * segment to a subdissector, so a postdissector looks for it. */
static int
dissect_exec_close(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    if (sessions_seen == 0 || pinfo->ptype != PT_TCP)
        return 0;
    if (PINFO_FD_VISITED(pinfo) && sessions_closed_without_reply == 0)
        return 0;

    conversation_t *conversation = find_conversation_pinfo(pinfo, 0);
    exec_conv_t *conv = conversation ?
            (exec_conv_t *)conversation_get_proto_data(conversation, proto_exec_state) : NULL;
    if (!conv)
        return 0;

    if (!PINFO_FD_VISITED(pinfo) && conv->closed_frame == 0 &&
        !is_client_to_server(conv, pinfo) && !conv->engine.status_seen &&
        conv->engine.server.start_seen && conv->engine.server.lost_total == 0) {
        struct tcp_analysis *tcpd = get_tcp_conversation_data(conversation, pinfo);
        if (tcpd && tcpd->fwd->fin == pinfo->num) {
            conv->closed_frame = pinfo->num;
            sessions_closed_without_reply++;
        }
    }
    if (conv->closed_frame != pinfo->num)
        return 0;

    col_set_str(pinfo->cinfo, COL_PROTOCOL, EXEC_SHORT_NAME);
    col_add_str(pinfo->cinfo, COL_INFO, "Closed without reply");
    proto_item *ti = proto_tree_add_item(tree, proto_exec, tvb, 0, 0, ENC_NA);
    proto_tree *exec_tree = proto_item_add_subtree(ti, ett_exec);
    proto_item *item = proto_tree_add_item(exec_tree, hf_exec_closed_without_reply, tvb, 0, 0, ENC_NA);
    proto_item_set_generated(item);
    expert_add_info(pinfo, item, &ei_exec_closed_without_reply);
    return 0;
}

/* ---- Registration ---- */

static gboolean
same_string_kind(enum ftenum a, enum ftenum b)
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
    if (id >= 0 && same_string_kind(proto_registrar_get_ftype(id), hf->hfinfo.type)) {
        *hf->p_id = id;
        return;
    }
    if (id >= 0)
        ws_warning("exec plugin: field %s has an unexpected type; using our own", hf->hfinfo.abbrev);
    proto_register_field_array(proto_exec, hf, 1);
}

void
exec_register(void)
{
    static hf_register_info hf_shared[] = {
        { &hf_exec_stderr_port,
          { "Stderr port (optional)", EXEC_FILTER ".stderr_port", FT_STRINGZ, BASE_NONE, NULL, 0,
            "Client port that is listening for stderr stream from server", HFILL } },
        { &hf_exec_username,
          { "Client username", EXEC_FILTER ".username", FT_STRINGZ, BASE_NONE, NULL, 0,
            "Username client uses to log in to the server.", HFILL } },
        { &hf_exec_password,
          { "Client password", EXEC_FILTER ".password", FT_STRINGZ, BASE_NONE, NULL, 0,
            "Password client uses to log in to the server.", HFILL } },
        { &hf_exec_command,
          { "Command to execute", EXEC_FILTER ".command", FT_STRINGZ, BASE_NONE, NULL, 0,
            "Command client is requesting the server to run.", HFILL } },
        { &hf_exec_client_server_data,
          { "Client -> Server Data", EXEC_FILTER ".client_server_data", FT_BYTES, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_exec_server_client_data,
          { "Server -> Client Data", EXEC_FILTER ".server_client_data", FT_BYTES, BASE_NONE, NULL, 0,
            NULL, HFILL } },
    };
    static hf_register_info hf[] = {
        { &hf_exec_stderr_port_number,
          { "Stderr Port Number", EXEC_FILTER ".stderr_port_number", FT_UINT16, BASE_DEC, NULL, 0,
            "The stderr port as a number; 0 means no stderr channel", HFILL } },
        { &hf_exec_status,
          { "Status", EXEC_FILTER ".status", FT_UINT8, BASE_DEC, VALS(exec_status_vals), 0,
            "The server's first byte: 0 when the command runs, 1 before an error message", HFILL } },
        { &hf_exec_error_message,
          { "Error Message", EXEC_FILTER ".error_message", FT_STRING, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_exec_closed_without_reply,
          { "Closed Without Reply", EXEC_FILTER ".closed_without_reply", FT_NONE, BASE_NONE, NULL, 0,
            "The server closed the connection before sending a status byte", HFILL } },
        { &hf_exec_unidentified_string,
          { "Unidentified Handshake String", EXEC_FILTER ".unidentified_string", FT_STRINGZ, BASE_NONE,
            NULL, 0, "A handshake string whose field lost bytes make uncertain", HFILL } },
        { &hf_exec_retransmitted_data,
          { "Retransmitted Data", EXEC_FILTER ".retransmitted_data", FT_BYTES, BASE_NONE, NULL, 0,
            "Bytes at stream positions already seen", HFILL } },
        { &hf_exec_lost_bytes,
          { "Lost Bytes", EXEC_FILTER ".lost_bytes", FT_UINT64, BASE_DEC, NULL, 0,
            "Bytes of this direction's stream never captured before this segment", HFILL } },
    };
    static gint *ett[] = { &ett_exec };
    static ei_register_info ei[] = {
        { &ei_exec_cleartext_password,
          { EXEC_FILTER ".cleartext_password", PI_SECURITY, PI_WARN,
            "Password sent in clear text", EXPFILL } },
        { &ei_exec_login_failed,
          { EXEC_FILTER ".login_failed", PI_RESPONSE_CODE, PI_WARN,
            "Server refused the command", EXPFILL } },
        { &ei_exec_closed_without_reply,
          { EXEC_FILTER ".closed_without_reply.expert", PI_RESPONSE_CODE, PI_WARN,
            "Server closed the connection without a status byte (wrong password or unknown user)",
            EXPFILL } },
        { &ei_exec_username_too_long,
          { EXEC_FILTER ".username_too_long", PI_PROTOCOL, PI_WARN,
            "Username longer than the daemon accepts (15 characters)", EXPFILL } },
        { &ei_exec_password_too_long,
          { EXEC_FILTER ".password_too_long", PI_PROTOCOL, PI_WARN,
            "Password longer than the daemon accepts (15 characters)", EXPFILL } },
        { &ei_exec_port_not_numeric,
          { EXEC_FILTER ".stderr_port_not_numeric", PI_MALFORMED, PI_ERROR,
            "Stderr port is not a decimal number", EXPFILL } },
        { &ei_exec_port_out_of_range,
          { EXEC_FILTER ".stderr_port_out_of_range", PI_MALFORMED, PI_ERROR,
            "Stderr port is above 65535", EXPFILL } },
        { &ei_exec_status_unknown,
          { EXEC_FILTER ".status_unknown", PI_MALFORMED, PI_ERROR,
            "Status byte is neither 0 nor 1", EXPFILL } },
        { &ei_exec_unexpected_data,
          { EXEC_FILTER ".unexpected_data", PI_PROTOCOL, PI_WARN,
            "Data where the protocol allows none (after the status and error message)", EXPFILL } },
        { &ei_exec_string_oversized,
          { EXEC_FILTER ".string_oversized", PI_REASSEMBLE, PI_WARN,
            "String too long to reassemble: shown in parts", EXPFILL } },
        { &ei_exec_string_partial,
          { EXEC_FILTER ".string_partial", PI_REASSEMBLE, PI_NOTE,
            "String split across segments and not reassembled (TCP reassembly is off)", EXPFILL } },
        { &ei_exec_lost,
          { EXEC_FILTER ".lost", PI_SEQUENCE, PI_WARN,
            "Bytes not captured before this segment", EXPFILL } },
        { &ei_exec_unidentified,
          { EXEC_FILTER ".unidentified", PI_SEQUENCE, PI_WARN,
            "Handshake string after lost bytes: which field it is cannot be known", EXPFILL } },
        { &ei_exec_unknown_phase,
          { EXEC_FILTER ".unknown_phase", PI_SEQUENCE, PI_NOTE,
            "The session's start was not captured: handshake and data cannot be told apart", EXPFILL } },
        { &ei_exec_retransmitted,
          { EXEC_FILTER ".retransmitted", PI_SEQUENCE, PI_NOTE,
            "Bytes already seen at this stream position (retransmission)", EXPFILL } },
    };

    gboolean own_protocol = TRUE;
#ifndef EXEC_TEST_FALLBACK
    proto_exec = proto_get_id_by_filter_name(EXEC_FILTER);
    own_protocol = proto_exec < 0;
#endif
    if (own_protocol) {
        proto_exec = proto_register_protocol(EXEC_LONG_NAME, EXEC_SHORT_NAME, EXEC_FILTER);
        proto_register_field_array(proto_exec, hf_shared, array_length(hf_shared));
    } else {
        for (size_t i = 0; i < array_length(hf_shared); i++)
            attach_field(&hf_shared[i]);
    }
    proto_register_field_array(proto_exec, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_exec), ei, array_length(ei));

    proto_exec_state = proto_register_protocol("Remote Process Execution stderr channel",
                                               EXEC_SHORT_NAME " stderr", EXEC_FILTER "_stderr");
    exec_prefs_register(proto_exec, own_protocol);

    exec_handle = create_dissector_handle(dissect_exec, proto_exec);
    register_init_routine(exec_init);
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
exec_redirect_ports(void)
{
    /* Collected first: changing entries while walking the table is unsafe. */
    GArray *ports = g_array_new(FALSE, FALSE, sizeof(guint32));
    dissector_table_foreach("tcp.port", collect_builtin_port, ports);
    for (guint i = 0; i < ports->len; i++)
        dissector_change_uint("tcp.port", g_array_index(ports, guint32, i), exec_handle);
    g_array_free(ports, TRUE);
}

void
exec_handoff(void)
{
    dissector_handle_t current = dissector_get_uint_handle(find_dissector_table("tcp.port"),
                                                           EXEC_TCP_PORT);

    if (current && current != exec_handle &&
        dissector_handle_get_protocol_index(current) == proto_exec) {
        builtin_handle = current;
        register_init_routine(exec_redirect_ports);
    } else {
        dissector_add_uint_with_preference("tcp.port", EXEC_TCP_PORT, exec_handle);
    }

    /* Keyed to proto_exec, so disabling exec disables it too. */
    register_postdissector(create_dissector_handle(dissect_exec_close, proto_exec));

    module_t *tcp_module = prefs_find_module("tcp");
    tcp_relative_seq_pref = tcp_module ?
            prefs_find_preference(tcp_module, "relative_sequence_numbers") : NULL;
}
