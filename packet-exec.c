/* packet-exec.c: dissector for the BSD remote execution protocol (rexec,
 * "exec", TCP 512): the control connection and the registration.
 *
 * Wireshark already has an "exec" protocol.  This plugin attaches to it
 * instead of registering a second one: it adds its fields to the built-in's
 * protocol id, reuses the built-in's four string fields, two data fields and
 * two preferences, and redirects every tcp.port entry of the built-in's
 * handle to its own handle (see exec_redirect_ports).  The rexec state
 * machine lives in engine/exec-stream.c; this file feeds it TCP segments on
 * the first pass, stores what it said per frame (except for plain data
 * frames, see is_plain_data), and builds the tree from that stored result
 * on every pass.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-session.h"

#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/strutil.h>
#include <epan/dissectors/packet-tcp.h>
#include <wsutil/str_util.h>
#include <wsutil/to_str.h>

#include "exec-frame.h"
#include "exec-overlap.h"
#include "exec-prefs.h"
#include "ws-private.h"
#include "packet-exec.h"

#define EXEC_TCP_PORT 512
#define RSH_TCP_PORT 514
#define RLOGIN_TCP_PORT 513

int proto_exec = -1;
gint ett_exec = -1;

static int hf_exec_stderr_port = -1;
static int hf_exec_username = -1;
static int hf_exec_password = -1;
static int hf_exec_command = -1;
static int hf_exec_client_server_data = -1;
static int hf_exec_server_client_data = -1;
static int hf_exec_stderr_port_number = -1;
static int hf_exec_stderr_channel_in = -1;
static int hf_exec_status = -1;
static int hf_exec_error_message = -1;
static int hf_exec_closed_without_reply = -1;
static int hf_exec_response_in = -1;
static int hf_exec_request_in = -1;
static int hf_exec_response_time = -1;
static int hf_exec_unidentified_string = -1;
static int hf_exec_retransmitted_data = -1;
static int hf_exec_retransmission_conflict = -1;
static int hf_exec_lost_bytes = -1;
static int hf_exec_stdin_bytes = -1;
static int hf_exec_stdout_bytes = -1;
static int hf_exec_stderr_bytes = -1;

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
static expert_field ei_exec_overlap_conflict = EI_INIT;
static expert_field ei_exec_stderr_never_connected = EI_INIT;
static expert_field ei_exec_identified_by_status = EI_INIT;
static expert_field ei_exec_truncated = EI_INIT;
static expert_field ei_exec_early_success = EI_INIT;

static dissector_handle_t exec_handle;
static protocol_t *exec_protocol;
static dissector_handle_t builtin_handle;
static pref_t *tcp_relative_seq_pref;
static pref_t *tcp_analyze_seq_pref;
static dissector_handle_t close_handle;
static int hf_tcp_flags = -1;   /* TCP's, asked for when its sequence analysis is off */

static const value_string exec_status_vals[] = {
    { 0, "Success" },
    { 1, "Error" },
    { 0, NULL }
};

/* What one call on one frame showed: computed on the first pass, read on
 * every later one. */
typedef struct {
    exec_conv_t  *conv;
    exec_piece_t *pieces;
    guint8   n_pieces;
    gboolean client_to_server;
    guint32  consumed;          /* < tvb length: TCP reassembles the rest */
    const char *username;       /* the session's, as known at this frame */
    const char *command;
    /* Rare: on a success status after a gap, strings of earlier frames it
     * identified (kept apart, so the record of a data frame stays small). */
    struct exec_identified *identified;
} exec_frame_t;

struct exec_identified {
    exec_pending_string_t string[EXEC_HANDSHAKE_STRINGS];
    exec_piece_kind_t kind[EXEC_HANDSHAKE_STRINGS];
    guint8 count;
};

/* What the postdissector found in a frame (first pass): a control-connection
 * FIN that ends something, the login (no status byte ever came) or the
 * session (byte counts as they stood then), and retransmitted bytes TCP
 * kept from the dissector that differ from the first copy. */
typedef struct exec_frame_end {
    exec_conv_t *conv;
    const char *username;       /* the session's, as known at this frame */
    const char *command;
    gboolean after_payload;     /* the frame's payload was dissected too */
    const struct exec_frame_conflicts *withheld_conflicts;  /* offsets in the frame */
    gboolean closed_without_reply;
    const char *why;            /* what the bytes say of the refusal */
    gboolean session_end;
    gboolean stderr_never_connected;
    guint64  stdin_bytes;
    guint64  stdout_bytes;
    guint64  stderr_bytes;
} exec_frame_end_t;

/* A retransmitted field whose bytes differ from the first copy (first pass). */
typedef struct {
    exec_piece_kind_t kind;
    guint64  differs_at;        /* stream position of the first differing byte */
    guint32  offset;            /* the retransmission's bytes of the field, in its tvb */
    guint32  length;
    const char *first_copy;     /* the same positions in the first copy, as text */
} exec_conflict_t;

typedef struct exec_frame_conflicts {
    exec_conflict_t conflict[EXEC_OVERLAP_MAX_FIELDS];
    guint8 count;
} exec_frame_conflicts_t;

struct exec_first_copy {
    exec_overlap_t kept;
    wmem_tree_t *conflicts;     /* frame number -> exec_frame_conflicts_t, made at the first */
};

static guint32 sessions_seen;

/* First pass: the sessions by port pair (client port << 16 | server port,
 * newest first), and the ports servers listen on.  A conversation lookup
 * costs about as much as the rest of the plugin's work on a data frame, and
 * the close postdissector needs the session of every TCP frame. */
static wmem_map_t *sessions_by_ports;
static guint8 server_ports[(G_MAXUINT16 + 1) / 8];
static exec_conv_t *last_payload_conv;     /* first pass: the frame just classified */
static gboolean tcp_seq_relative;           /* what TCP hands: preferences apply with a new pass */

static gboolean
tcp_sequence_analysis(void)
{
    return tcp_analyze_seq_pref && exec_pref_current_bool(tcp_analyze_seq_pref);
}

/* Without TCP's sequence analysis, the close postdissector needs TCP's
 * flags field to see a FIN.  Asking for a field makes Wireshark build a
 * protocol tree for every frame, so only in that mode. */
static void
want_tcp_flags_without_sequence_analysis(void)
{
    GArray *wanted = NULL;
    if (!tcp_sequence_analysis() && hf_tcp_flags > 0) {
        wanted = g_array_sized_new(FALSE, FALSE, (guint)sizeof(int), 1);
        g_array_append_val(wanted, hf_tcp_flags);
    }
    set_postdissector_wanted_hfids(close_handle, wanted);
}

/* TCP hands relative sequence numbers only when both its preferences say
 * so: without sequence analysis they stay absolute. */
static gboolean
tcp_relative_sequence_numbers(void)
{
    return tcp_relative_seq_pref && exec_pref_current_bool(tcp_relative_seq_pref) &&
           tcp_sequence_analysis();
}

static void
exec_init(void)
{
    sessions_seen = 0;
    memset(server_ports, 0, sizeof server_ports);
    last_payload_conv = NULL;
    want_tcp_flags_without_sequence_analysis();
    tcp_seq_relative = tcp_relative_sequence_numbers();
}

static gpointer
port_pair_key(guint32 client_port, guint32 server_port)
{
    return GUINT_TO_POINTER(client_port << 16 | server_port);
}

static void
index_session(exec_conv_t *conv)
{
    gpointer key = port_pair_key(conv->client_port, conv->server_port);
    conv->older_same_ports = (exec_conv_t *)wmem_map_lookup(sessions_by_ports, key);
    wmem_map_insert(sessions_by_ports, key, conv);
    server_ports[conv->server_port / 8] |= 1 << (conv->server_port % 8);
}

static gboolean
is_server_port(guint32 port)
{
    return (server_ports[port / 8] & (1 << (port % 8))) != 0;
}

/* First pass: the session of this frame's control connection, or NULL.  TCP
 * has just looked the frame's conversation up, which moved its last frame
 * here: that tells a session from an older one on the same addresses and
 * ports. */
static exec_conv_t *
indexed_session(const packet_info *pinfo)
{
    for (int to_server = 0; to_server < 2; to_server++) {
        guint32 server_port = to_server ? pinfo->destport : pinfo->srcport;
        if (!is_server_port(server_port))
            continue;
        const address *server = to_server ? &pinfo->dst : &pinfo->src;
        const address *client = to_server ? &pinfo->src : &pinfo->dst;
        exec_conv_t *conv = (exec_conv_t *)wmem_map_lookup(sessions_by_ports,
                port_pair_key(to_server ? pinfo->srcport : pinfo->destport, server_port));
        for (; conv; conv = conv->older_same_ports)
            if (conv->conversation->last_frame == pinfo->num &&
                addresses_equal(server, &conv->server_addr) && addresses_equal(client, &conv->client_addr))
                return conv;
    }
    return NULL;
}

static gboolean
is_client_to_server(const exec_conv_t *conv, const packet_info *pinfo)
{
    return pinfo->destport == conv->server_port &&
           addresses_equal(&pinfo->dst, &conv->server_addr);
}

/* The session of a control connection, made at its first payload.
 * to_server: this frame goes from the client to the server. */
static exec_conv_t *
exec_conv_get(conversation_t *conversation, packet_info *pinfo, gboolean to_server)
{
    exec_conv_t *conv = (exec_conv_t *)conversation_get_proto_data(conversation, proto_exec_stderr);
    if (conv)
        return conv->stderr_conversation == conversation ? NULL : conv;

    conv = wmem_new0(wmem_file_scope(), exec_conv_t);
    conv->client_port = to_server ? pinfo->srcport : pinfo->destport;
    conv->server_port = to_server ? pinfo->destport : pinfo->srcport;
    copy_address_wmem(wmem_file_scope(), &conv->server_addr, to_server ? &pinfo->dst : &pinfo->src);
    copy_address_wmem(wmem_file_scope(), &conv->client_addr, to_server ? &pinfo->src : &pinfo->dst);

    /* Where TCP saw a flow's SYN, stream position 0 is its first byte. */
    struct tcp_analysis *tcpd = get_tcp_conversation_data(conversation, pinfo);
    const tcp_flow_t *client_flow = to_server ? exec_tcp_flow_of_frame(tcpd) : exec_tcp_flow_opposite(tcpd);
    const tcp_flow_t *server_flow = to_server ? exec_tcp_flow_opposite(tcpd) : exec_tcp_flow_of_frame(tcpd);
    /* Without the SYN, the SYN/ACK's acknowledgement gave TCP the client's
     * initial sequence number all the same. */
    gboolean client_start = exec_tcp_flow_saw_syn(client_flow) || exec_tcp_flow_saw_synack(server_flow);
    gboolean server_start = exec_tcp_flow_saw_synack(server_flow);

    conv->origin_known[EXEC_CLIENT_TO_SERVER] = client_start;
    conv->seq_origin[EXEC_CLIENT_TO_SERVER] = tcp_seq_relative ? 1 : exec_tcp_flow_base_seq(client_flow) + 1;
    conv->origin_known[EXEC_SERVER_TO_CLIENT] = server_start;
    conv->seq_origin[EXEC_SERVER_TO_CLIENT] = tcp_seq_relative ? 1 : exec_tcp_flow_base_seq(server_flow) + 1;
    exec_stream_init(&conv->engine, client_start, server_start);

    conv->conversation = conversation;
    conversation_add_proto_data(conversation, proto_exec_stderr, conv);
    index_session(conv);
    sessions_seen++;
    return conv;
}

static const exec_flow_t *
engine_flow(const exec_conv_t *conv, exec_direction_t direction)
{
    return direction == EXEC_CLIENT_TO_SERVER ? &conv->engine.client : &conv->engine.server;
}

/* The stream position of a sequence number in TCP's units (the direction's
 * origin known), widened past 4 GiB around the position the engine
 * expects next. */
static guint64
stream_position(const exec_conv_t *conv, exec_direction_t direction, guint32 seq)
{
    guint64 next = engine_flow(conv, direction)->next_offset;
    guint32 position = seq - conv->seq_origin[direction];
    gint32 delta = (gint32)(position - (guint32)next);
    if (delta < 0 && (guint64)-(gint64)delta > next)
        return 0;
    return next + (gint64)delta;
}

/* The segment's stream position. */
static guint64
stream_offset(exec_conv_t *conv, exec_direction_t direction, const struct tcpinfo *tcpinfo)
{
    if (!tcpinfo)
        return engine_flow(conv, direction)->next_offset;
    if (!conv->origin_known[direction]) {
        /* Capture started mid-stream: count from the first segment seen. */
        conv->seq_origin[direction] = tcpinfo->seq;
        conv->origin_known[direction] = TRUE;
    }
    return stream_position(conv, direction, tcpinfo->seq);
}

static gboolean
is_whole(const exec_piece_t *piece)
{
    return (piece->flags & (EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS)) ==
           (EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS);
}

/* A string piece as printable text, terminator excluded. */
static const char *
piece_text(wmem_allocator_t *scope, tvbuff_t *tvb, const exec_piece_t *piece)
{
    guint32 length = piece->length - ((piece->flags & EXEC_PIECE_ENDS) ? 1 : 0);
    return tvb_format_text(scope, tvb, piece->offset, length);
}

/* First pass: what this frame's pieces teach about the session. */
static void
learn_from_piece(exec_conv_t *conv, tvbuff_t *tvb, packet_info *pinfo, const exec_piece_t *piece)
{
    gboolean whole = is_whole(piece);

    switch (piece->kind) {
    case EXEC_PIECE_STDERR_PORT:
        if (!(piece->flags & EXEC_PIECE_ENDS))
            break;
        conv->port_frame = pinfo->num;
        /* Malformed or not, the daemon connects back to what it computed. */
        if (piece->value != 0)
            exec_stderr_announce(pinfo, conv, piece->value);
        break;
    case EXEC_PIECE_USERNAME:
        if (piece->flags & EXEC_PIECE_ENDS)
            conv->username_frame = pinfo->num;
        if (whole && !conv->username)
            conv->username = piece_text(wmem_file_scope(), tvb, piece);
        break;
    case EXEC_PIECE_PASSWORD:
        if (piece->flags & EXEC_PIECE_ENDS)
            conv->password_frame = pinfo->num;
        break;
    case EXEC_PIECE_COMMAND:
        if (!(piece->flags & EXEC_PIECE_ENDS))
            break;
        conv->command_frame = pinfo->num;
        conv->command_time = pinfo->abs_ts;
        if (whole && !conv->command)
            conv->command = piece_text(wmem_file_scope(), tvb, piece);
        break;
    case EXEC_PIECE_STATUS:
        conv->status_frame = pinfo->num;
        break;
    case EXEC_PIECE_STDIN:
        conv->stdin_bytes += piece->length;
        break;
    case EXEC_PIECE_STDOUT:
        conv->stdout_bytes += piece->length;
        break;
    default:
        break;
    }
}

/* First pass: whole strings after a client gap wait for a success status
 * to name them; a new gap breaks the chain. */
static void
track_unidentified(exec_conv_t *conv, tvbuff_t *tvb, packet_info *pinfo, guint64 segment_offset,
                   const exec_piece_t *piece)
{
    if (piece->kind == EXEC_PIECE_LOST) {
        conv->n_pending = 0;
        return;
    }
    if (piece->kind != EXEC_PIECE_UNIDENTIFIED_STRING || !is_whole(piece))
        return;
    /* Only sessions with a gap need the slots: not part of every session. */
    if (!conv->pending)
        conv->pending = wmem_alloc_array(wmem_file_scope(), exec_pending_string_t, EXEC_HANDSHAKE_STRINGS);
    if (conv->n_pending == EXEC_HANDSHAKE_STRINGS) {
        memmove(&conv->pending[0], &conv->pending[1], sizeof conv->pending[0] * (EXEC_HANDSHAKE_STRINGS - 1));
        conv->n_pending--;
    }
    exec_pending_string_t *pending = &conv->pending[conv->n_pending++];
    pending->start = segment_offset + piece->offset;
    pending->end = pending->start + piece->length;
    pending->frame = pinfo->num;
    pending->text = piece_text(wmem_file_scope(), tvb, piece);
}

/* First pass, on a success status: the daemon replies once it has read the
 * command's NUL, so the client position the status segment acknowledges
 * ends the command; contiguous whole strings before it are the password,
 * the username and the port, counting back. */
static void
identify_by_status(exec_conv_t *conv, exec_frame_t *frame, const struct tcpinfo *tcpinfo)
{
    guint32 acked = tcpinfo->lastackseq - conv->seq_origin[EXEC_CLIENT_TO_SERVER];
    int i = conv->n_pending - 1;

    if (i < 0 || (guint32)conv->pending[i].end != acked)
        return;
    struct exec_identified *found = frame->identified = wmem_new0(wmem_file_scope(), struct exec_identified);
    for (int position = EXEC_HANDSHAKE_STRINGS - 1; i >= 0 && position >= 0; i--, position--) {
        const exec_pending_string_t *pending = &conv->pending[i];
        found->string[found->count] = *pending;
        found->kind[found->count++] = exec_handshake_order[position];
        if (exec_handshake_order[position] == EXEC_PIECE_COMMAND && !conv->command)
            conv->command = pending->text;
        if (exec_handshake_order[position] == EXEC_PIECE_USERNAME && !conv->username)
            conv->username = pending->text;
        if (i > 0 && conv->pending[i - 1].end != pending->start)
            break;
    }
    conv->n_pending = 0;
}

static void *
resize_in_file_scope(void *ptr, size_t size)
{
    return wmem_realloc(wmem_file_scope(), ptr, size);
}

/* First pass: retransmitted bytes compared with the first copy.  data
 * (stream position `position`) is at tvb_offset in its tvb.  Returns what
 * differs, or NULL. */
static exec_frame_conflicts_t *
compare_with_first_copy(const struct exec_first_copy *first, exec_direction_t direction, guint64 position,
                        const guint8 *data, guint32 length, guint32 tvb_offset)
{
    exec_overlap_conflict_t found[EXEC_OVERLAP_MAX_FIELDS];
    unsigned count = exec_overlap_conflicts(&first->kept, direction, position, data, length, found);
    if (count == 0)
        return NULL;
    exec_frame_conflicts_t *conflicts = wmem_new0(wmem_file_scope(), exec_frame_conflicts_t);
    for (unsigned i = 0; i < count; i++) {
        exec_conflict_t *conflict = &conflicts->conflict[i];
        conflict->kind = found[i].kind;
        conflict->differs_at = found[i].differs_at;
        conflict->offset = tvb_offset + (guint32)(found[i].start - position);
        conflict->length = found[i].length;
        /* Text now: the kept bytes may move as the copy grows. */
        conflict->first_copy = format_text(wmem_file_scope(), (const void *)found[i].first_copy,
                                           found[i].length);
    }
    conflicts->count = (guint8)count;
    return conflicts;
}

/* First pass: keep the first copy of a new piece of the handshake or the
 * reply, or compare a retransmitted piece with it. */
static void
check_first_copy(exec_conv_t *conv, packet_info *pinfo, exec_direction_t direction, guint64 offset,
                 const guint8 *data, const exec_piece_t *piece)
{
    struct exec_first_copy *first = conv->first_copy;

    if (piece->kind != EXEC_PIECE_RETRANSMITTED) {
        if (!first && exec_overlap_keeps(piece->kind))
            first = conv->first_copy = wmem_new0(wmem_file_scope(), struct exec_first_copy);
        if (first)
            exec_overlap_keep(&first->kept, direction, piece->kind, offset + piece->offset,
                              data + piece->offset, piece->length, resize_in_file_scope);
        return;
    }
    exec_frame_conflicts_t *conflicts = first ?
            compare_with_first_copy(first, direction, offset + piece->offset, data + piece->offset,
                                    piece->length, piece->offset) : NULL;
    if (!conflicts)
        return;
    if (!first->conflicts)
        first->conflicts = wmem_tree_new(wmem_file_scope());
    wmem_tree_insert32(first->conflicts, pinfo->num, conflicts);
}

/* First pass: run the engine on this segment.  The frame's pieces point
 * into the segment. */
static void
classify_frame(tvbuff_t *tvb, packet_info *pinfo, exec_conv_t *conv,
               const struct tcpinfo *tcpinfo, exec_frame_t *frame, exec_segment_t *segment)
{
    exec_direction_t direction = is_client_to_server(conv, pinfo) ?
            EXEC_CLIENT_TO_SERVER : EXEC_SERVER_TO_CLIENT;
    guint32 length = tvb_captured_length(tvb);

    guint64 offset = stream_offset(conv, direction, tcpinfo);
    const guint8 *data = tvb_get_ptr(tvb, 0, length);
    exec_stream_feed(&conv->engine, direction, offset, data, length, pinfo->can_desegment > 0, segment);

    memset(frame, 0, sizeof *frame);
    frame->conv = conv;
    frame->client_to_server = direction == EXEC_CLIENT_TO_SERVER;
    frame->consumed = segment->consumed;
    frame->n_pieces = (guint8)segment->n_pieces;
    frame->pieces = segment->pieces;
    for (unsigned i = 0; i < segment->n_pieces; i++) {
        const exec_piece_t *piece = &segment->pieces[i];
        learn_from_piece(conv, tvb, pinfo, piece);
        check_first_copy(conv, pinfo, direction, offset, data, piece);
        if (direction == EXEC_CLIENT_TO_SERVER)
            track_unidentified(conv, tvb, pinfo, offset, piece);
        else if (piece->kind == EXEC_PIECE_STATUS && piece->value == 0 && tcpinfo)
            identify_by_status(conv, frame, tcpinfo);
    }
    frame->username = conv->username;
    frame->command = conv->command;
}

/* A segment that is stdin or stdout from its first byte to its last, once
 * the session's username and command are known (neither changes after):
 * plain_data_frame() makes a record again from the session alone that
 * shows the same, so none is kept.  That is most frames of a session.  (The
 * flag saying the stream's first data byte is here shows nowhere.) */
static gboolean
is_plain_data(const exec_frame_t *frame, guint32 length)
{
    const exec_piece_t *piece = &frame->pieces[0];
    return frame->n_pieces == 1 && frame->consumed == length && frame->username && frame->command &&
           piece->kind == (frame->client_to_server ? EXEC_PIECE_STDIN : EXEC_PIECE_STDOUT) &&
           piece->offset == 0 && piece->length == length &&
           (piece->flags & ~EXEC_PIECE_BEGINS) == 0 && piece->anomalies == 0;
}

/* Later passes: the record of a frame is_plain_data() chose not to keep. */
static exec_frame_t *
plain_data_frame(tvbuff_t *tvb, packet_info *pinfo, exec_frame_t *frame, exec_piece_t *piece)
{
    conversation_t *conversation = find_conversation_pinfo(pinfo, 0);
    exec_conv_t *conv = conversation ?
            (exec_conv_t *)conversation_get_proto_data(conversation, proto_exec_stderr) : NULL;
    if (!conv || conv->stderr_conversation == conversation)
        return NULL;

    memset(frame, 0, sizeof *frame);
    memset(piece, 0, sizeof *piece);
    frame->conv = conv;
    frame->client_to_server = is_client_to_server(conv, pinfo);
    frame->consumed = piece->length = tvb_captured_length(tvb);
    frame->n_pieces = 1;
    frame->pieces = piece;
    piece->kind = frame->client_to_server ? EXEC_PIECE_STDIN : EXEC_PIECE_STDOUT;
    frame->username = conv->username;
    frame->command = conv->command;
    return frame;
}

/* Keeps a classified frame's record for later passes. */
static exec_frame_t *
keep_frame(packet_info *pinfo, guint32 key, const exec_frame_t *classified)
{
    exec_frame_t *frame = (exec_frame_t *)wmem_memdup(wmem_file_scope(), classified, sizeof *classified);
    frame->pieces = (exec_piece_t *)wmem_memdup(wmem_file_scope(), classified->pieces,
                                               classified->n_pieces * sizeof(exec_piece_t));
    p_add_proto_data(wmem_file_scope(), pinfo, proto_exec_stderr, key, frame);
    return frame;
}

static proto_item *
add_string_piece(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, int hf,
                 const exec_piece_t *piece)
{
    /* Cut by the snaplen: a value would be wrong, so the field is not set. */
    if (!(piece->flags & EXEC_PIECE_ENDS) && tvb_captured_length(tvb) < tvb_reported_length(tvb) &&
        piece->offset + piece->length == tvb_captured_length(tvb))
        return proto_tree_add_expert_format(tree, pinfo, &ei_exec_truncated, tvb, piece->offset,
                                            piece->length, "%s cut short by the capture's snaplen: %s",
                                            exec_piece_kind_name(piece->kind),
                                            tvb_format_text(pinfo->pool, tvb, piece->offset, piece->length));
    proto_item *item = proto_tree_add_item(tree, hf, tvb, piece->offset, piece->length, ENC_UTF_8);
    if (piece->anomalies & EXEC_ANOMALY_FIELD_OVERSIZED)
        expert_add_info(pinfo, item, &ei_exec_string_oversized);
    else if (!is_whole(piece) && !(piece->flags & (EXEC_PIECE_AFTER_GAP | EXEC_PIECE_NOT_HELD)))
        expert_add_info(pinfo, item, &ei_exec_string_partial);
    if (piece->flags & EXEC_PIECE_AFTER_GAP)
        proto_item_append_text(item, " [start not captured]");
    else if (!(piece->flags & EXEC_PIECE_ENDS))
        proto_item_append_text(item, " [continues in a later segment]");
    return item;
}

static void
add_frame_link(proto_tree *tree, tvbuff_t *tvb, int hf, guint32 frame)
{
    if (frame)
        proto_item_set_generated(proto_tree_add_uint(tree, hf, tvb, 0, 0, frame));
}

/* The Info column, built front to back in a buffer (the session prefix,
 * then one entry per piece) and written with one call: every column call
 * walks all the columns, and this runs on every frame. */
typedef struct {
    packet_info *pinfo;
    gboolean started;       /* text is there already: the next entry needs ", " */
    size_t length;
    char text[COL_MAX_INFO_LEN];
} exec_info_t;

/* after_text: entries follow text already in the column. */
static void
info_start(exec_info_t *info, packet_info *pinfo, gboolean after_text)
{
    info->pinfo = pinfo;
    info->started = after_text;
    info->length = 0;
}

/* Appends, cut at the column's size (info_write adds the terminator). */
static void
info_put_n(exec_info_t *info, const char *text, size_t length)
{
    size_t room = sizeof info->text - 1 - info->length;
    length = MIN(length, room);
    memcpy(info->text + info->length, text, length);
    info->length += length;
}

#define info_put_literal(info, literal) info_put_n((info), "" literal, sizeof(literal) - 1)

static void
info_put(exec_info_t *info, const char *text)
{
    info_put_n(info, text, strlen(text));
}

/* Starts an entry: after another, a separator. */
static void
info_entry(exec_info_t *info)
{
    if (info->started)
        info_put_literal(info, ", ");
    info->started = TRUE;
}

static void
add_info_text(exec_info_t *info, const char *text)
{
    info_entry(info);
    info_put(info, text);
}

static void G_GNUC_PRINTF(2, 3)
add_info(exec_info_t *info, const char *format, ...)
{
    info_entry(info);
    /* An entry is a line of the tree at most: a long command stays readable. */
    size_t room = MIN(sizeof info->text - info->length, ITEM_LABEL_LENGTH);
    va_list args;
    va_start(args, format);
    int written = g_vsnprintf(info->text + info->length, (gulong)room, format, args);
    va_end(args);
    if (written > 0)
        info->length += MIN((size_t)written, room - 1);
}

/* Writes the built text: in place of the column's (after a fence), or
 * after it. */
static void
info_write(exec_info_t *info, gboolean replace)
{
    info->text[info->length] = '\0';
    if (replace)
        col_add_str(info->pinfo->cinfo, COL_INFO, info->text);
    else if (info->length > 0)
        col_append_str(info->pinfo->cinfo, COL_INFO, info->text);
}

/* "stdout 1448 bytes", the text of most frames: a printf costs more than
 * all the rest of the Info column. */
static void
add_info_byte_count(exec_info_t *info, const char *stream, guint32 bytes)
{
    char number[16];

    exec_u32_to_str_buf(bytes, number, sizeof number);
    info_entry(info);
    info_put(info, stream);
    info_put_literal(info, " ");
    info_put(info, number);
    if (bytes == 1)
        info_put_literal(info, " byte");
    else
        info_put_literal(info, " bytes");
}

/* As the built-in does: the session's username and command on every frame
 * once known, unless the frame shows them itself. */
static void
add_session_prefix(exec_info_t *info, const char *username, const char *command)
{
    if (username && exec_prefs_show_username()) {
        info_put_literal(info, "Username:");
        info_put(info, username);
        info_put_literal(info, " ");
    }
    if (command && exec_prefs_show_command()) {
        info_put_literal(info, "Command:");
        info_put(info, command);
        info_put_literal(info, " ");
    }
}

static void
show_stderr_port(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, exec_info_t *info, const exec_frame_t *frame,
                 const exec_piece_t *piece)
{
    proto_item *item = add_string_piece(tree, tvb, pinfo, hf_exec_stderr_port, piece);
    if (piece->flags & EXEC_PIECE_ENDS) {
        item = proto_tree_add_uint(tree, hf_exec_stderr_port_number, tvb, piece->offset,
                                   piece->length - 1, piece->value);
        proto_item_set_generated(item);
        if (piece->anomalies & (EXEC_ANOMALY_PORT_NOT_NUMERIC | EXEC_ANOMALY_PORT_OUT_OF_RANGE))
            proto_item_append_text(item, " (as the daemon computes it)");
    }
    if (piece->anomalies & EXEC_ANOMALY_PORT_NOT_NUMERIC)
        expert_add_info(pinfo, item, &ei_exec_port_not_numeric);
    if (piece->anomalies & EXEC_ANOMALY_PORT_OUT_OF_RANGE)
        expert_add_info(pinfo, item, &ei_exec_port_out_of_range);
    if (!(piece->flags & EXEC_PIECE_ENDS))
        return;
    if (piece->value == 0) {
        proto_item_append_text(item, " (no stderr channel)");
        add_info_text(info, "No stderr channel");
        return;
    }
    add_info(info, "Stderr port %u", piece->value);
    add_frame_link(tree, tvb, hf_exec_stderr_channel_in, frame->conv->stderr_first_frame);
}

static int
string_field(exec_piece_kind_t kind)
{
    switch (kind) {
    case EXEC_PIECE_STDERR_PORT: return hf_exec_stderr_port;
    case EXEC_PIECE_USERNAME: return hf_exec_username;
    case EXEC_PIECE_PASSWORD: return hf_exec_password;
    default: return hf_exec_command;
    }
}

static void
show_status(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, exec_info_t *info, const exec_frame_t *frame,
            const exec_piece_t *piece, gboolean message_follows)
{
    const exec_conv_t *conv = frame->conv;
    proto_item *item = proto_tree_add_item(tree, hf_exec_status, tvb, piece->offset, 1, ENC_NA);

    if (conv->command_frame && conv->command_frame <= pinfo->num) {
        add_frame_link(tree, tvb, hf_exec_request_in, conv->command_frame);
        nstime_t delta;
        nstime_delta(&delta, &pinfo->abs_ts, &conv->command_time);
        proto_item_set_generated(proto_tree_add_time(tree, hf_exec_response_time, tvb, 0, 0, &delta));
    }
    for (unsigned i = 0; frame->identified && i < frame->identified->count; i++) {
        const exec_pending_string_t *found = &frame->identified->string[i];
        proto_item *named = proto_tree_add_string(tree, string_field(frame->identified->kind[i]), tvb, 0, 0,
                                                  found->text);
        proto_item_set_generated(named);
        proto_item_append_text(named, " [sent in frame %u]", found->frame);
        expert_add_info(pinfo, named, &ei_exec_identified_by_status);
    }
    if (piece->anomalies & EXEC_ANOMALY_STATUS_UNKNOWN) {
        expert_add_info(pinfo, item, &ei_exec_status_unknown);
        const char *outcome = wmem_strdup_printf(pinfo->pool, "Unknown status %u", piece->value);
        add_info_text(info, outcome);
        exec_taps_queue(pinfo, conv, outcome, hf_exec_password);
    } else if (piece->value == 0) {
        if (piece->anomalies & EXEC_ANOMALY_EARLY_SUCCESS)
            expert_add_info(pinfo, item, &ei_exec_early_success);
        add_info_text(info, "Success");
        exec_taps_queue(pinfo, conv, "Success", hf_exec_password);
    } else if (!message_follows) {
        /* The message comes in a later segment. */
        expert_add_info(pinfo, item, &ei_exec_login_failed);
        add_info_text(info, "Error");
    }
}

static void
show_error_message(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, exec_info_t *info, const exec_frame_t *frame,
                   const exec_piece_t *piece)
{
    guint32 text_length = piece->length - ((piece->flags & EXEC_PIECE_ENDS) ? 1 : 0);
    proto_item *item = proto_tree_add_item(tree, hf_exec_error_message, tvb, piece->offset,
                                           text_length, ENC_UTF_8);
    const char *outcome = wmem_strdup_printf(pinfo->pool, "Error: %s",
                                             piece_text(pinfo->pool, tvb, piece));
    expert_add_info_format(pinfo, item, &ei_exec_login_failed, "Server refused: %s", outcome + 7);
    add_info_text(info, outcome);
    if (piece->flags & EXEC_PIECE_ENDS)
        exec_taps_queue(pinfo, frame->conv, outcome, hf_exec_password);
}

static void
show_data(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, exec_info_t *info, const exec_frame_t *frame,
          const exec_piece_t *piece)
{
    int hf = frame->client_to_server ? hf_exec_client_server_data : hf_exec_server_client_data;
    proto_item *item = proto_tree_add_item(tree, hf, tvb, piece->offset, piece->length, ENC_NA);

    switch (piece->kind) {
    case EXEC_PIECE_STDIN:
    case EXEC_PIECE_STDOUT: {
        const char *stream = piece->kind == EXEC_PIECE_STDIN ? "stdin" : "stdout";
        proto_item_append_text(item, " (%s)", stream);
        add_info_byte_count(info, stream, piece->length);
        break;
    }
    case EXEC_PIECE_UNEXPECTED_DATA:
        expert_add_info(pinfo, item, &ei_exec_unexpected_data);
        add_info_text(info, "Unexpected data");
        break;
    default:    /* EXEC_PIECE_UNKNOWN_PHASE_DATA */
        expert_add_info(pinfo, item, &ei_exec_unknown_phase);
        add_info(info, "%s data %u bytes (session start not captured)",
                 frame->client_to_server ? "Client" : "Server", piece->length);
        break;
    }
}

/* Retransmitted bytes that differ from the first copy: the receiver kept
 * the bytes it already had, so the first copy is what it most likely used. */
static void
show_conflicts(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, exec_info_t *info,
               const exec_frame_conflicts_t *conflicts, gboolean client_to_server)
{
    for (unsigned i = 0; conflicts && i < conflicts->count; i++) {
        const exec_conflict_t *conflict = &conflicts->conflict[i];
        const char *field = exec_piece_kind_name(conflict->kind);
        proto_item *item = proto_tree_add_uint64(tree, hf_exec_retransmission_conflict, tvb, conflict->offset,
                                                 conflict->length, conflict->differs_at);
        proto_item_set_generated(item);
        expert_add_info_format(pinfo, item, &ei_exec_overlap_conflict,
                               "Retransmitted %s differs from the first copy at offset %" PRIu64
                               ": \"%s\" vs \"%s\"; the %s most likely used the first copy",
                               field, conflict->differs_at,
                               tvb_format_text(pinfo->pool, tvb, conflict->offset, conflict->length),
                               conflict->first_copy, client_to_server ? "server" : "client");
        add_info(info, "Retransmitted %s differs", field);
    }
}

/* What check_first_copy() found in this frame's retransmitted pieces. */
static const exec_frame_conflicts_t *
retransmission_conflicts(const exec_frame_t *frame, const packet_info *pinfo)
{
    const struct exec_first_copy *first = frame->conv->first_copy;
    return first && first->conflicts ?
           (const exec_frame_conflicts_t *)wmem_tree_lookup32(first->conflicts, pinfo->num) : NULL;
}

/* Builds the tree and the Info column from the stored pieces. */
static void
show_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const exec_frame_t *frame)
{
    exec_info_t info_column, *info = &info_column;
    gboolean shows_username = FALSE, shows_command = FALSE;
    proto_item *item;

    for (unsigned i = 0; i < frame->n_pieces; i++) {
        shows_username |= frame->pieces[i].kind == EXEC_PIECE_USERNAME;
        shows_command |= frame->pieces[i].kind == EXEC_PIECE_COMMAND;
    }
    info_start(info, pinfo, FALSE);
    add_session_prefix(info, shows_username ? NULL : frame->username,
                       shows_command ? NULL : frame->command);

    for (unsigned i = 0; i < frame->n_pieces; i++) {
        const exec_piece_t *piece = &frame->pieces[i];

        switch (piece->kind) {
        case EXEC_PIECE_STDERR_PORT:
            show_stderr_port(tree, tvb, pinfo, info, frame, piece);
            break;
        case EXEC_PIECE_USERNAME:
            item = add_string_piece(tree, tvb, pinfo, hf_exec_username, piece);
            if (piece->anomalies & EXEC_ANOMALY_USERNAME_TOO_LONG)
                expert_add_info(pinfo, item, &ei_exec_username_too_long);
            if (is_whole(piece))
                add_info(info, "Login %s", piece_text(pinfo->pool, tvb, piece));
            break;
        case EXEC_PIECE_PASSWORD:
            item = add_string_piece(tree, tvb, pinfo, hf_exec_password, piece);
            expert_add_info(pinfo, item, &ei_exec_cleartext_password);
            if (piece->anomalies & EXEC_ANOMALY_PASSWORD_TOO_LONG)
                expert_add_info(pinfo, item, &ei_exec_password_too_long);
            break;
        case EXEC_PIECE_COMMAND:
            add_string_piece(tree, tvb, pinfo, hf_exec_command, piece);
            if (piece->flags & EXEC_PIECE_ENDS)
                add_frame_link(tree, tvb, hf_exec_response_in, frame->conv->status_frame);
            if (is_whole(piece))
                add_info(info, "Command: %s", piece_text(pinfo->pool, tvb, piece));
            break;
        case EXEC_PIECE_UNIDENTIFIED_STRING:
            item = proto_tree_add_item(tree, hf_exec_unidentified_string, tvb, piece->offset,
                                       piece->length, ENC_UTF_8);
            expert_add_info(pinfo, item, &ei_exec_unidentified);
            add_info_text(info, "Unidentified handshake string");
            break;
        case EXEC_PIECE_STATUS:
            show_status(tree, tvb, pinfo, info, frame, piece,
                        i + 1 < frame->n_pieces && frame->pieces[i + 1].kind == EXEC_PIECE_ERROR_MESSAGE);
            break;
        case EXEC_PIECE_ERROR_MESSAGE:
            show_error_message(tree, tvb, pinfo, info, frame, piece);
            break;
        case EXEC_PIECE_STDIN:
        case EXEC_PIECE_STDOUT:
        case EXEC_PIECE_UNEXPECTED_DATA:
        case EXEC_PIECE_UNKNOWN_PHASE_DATA:
            show_data(tree, tvb, pinfo, info, frame, piece);
            break;
        case EXEC_PIECE_RETRANSMITTED:
            item = proto_tree_add_item(tree, hf_exec_retransmitted_data, tvb, piece->offset,
                                       piece->length, ENC_NA);
            expert_add_info(pinfo, item, &ei_exec_retransmitted);
            add_info_text(info, "Retransmitted data");
            show_conflicts(tree, tvb, pinfo, info, retransmission_conflicts(frame, pinfo),
                           frame->client_to_server);
            break;
        case EXEC_PIECE_LOST:
            item = proto_tree_add_uint64(tree, hf_exec_lost_bytes, tvb, 0, 0, piece->lost);
            proto_item_set_generated(item);
            expert_add_info_format(pinfo, item, &ei_exec_lost,
                                   "%s not captured: %" PRIu64 " bytes of the %s stream missing at offset %" PRIu64,
                                   exec_piece_kind_name((exec_piece_kind_t)piece->value), piece->lost,
                                   frame->client_to_server ? "client" : "server", piece->lost_at);
            add_info(info, "[%" PRIu64 " bytes lost]", piece->lost);
            break;
        }
    }
    info_write(info, TRUE);
}

/* Shared by the port table and the heuristic; to_server says which way this
 * frame goes when it starts the session. */
static int
dissect_exec_control(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                     const struct tcpinfo *tcpinfo, gboolean to_server)
{
    /* Keyed by sequence number: TCP may hand one frame over in two calls.
     * Later passes find the first pass's record there, or make a plain data
     * frame's again. */
    guint32 key = tcpinfo ? tcpinfo->seq : 0;
    exec_frame_t *frame = (exec_frame_t *)p_get_proto_data(wmem_file_scope(), pinfo,
                                                           proto_exec_stderr, key);
    exec_frame_t unkept;        /* a record that is not stored */
    exec_segment_t segment;     /* its pieces */
    if (!frame && PINFO_FD_VISITED(pinfo)) {
        frame = plain_data_frame(tvb, pinfo, &unkept, &segment.pieces[0]);
        if (!frame)
            return 0;
    } else if (!frame) {
        exec_conv_t *conv = indexed_session(pinfo);
        if (!conv)
            conv = exec_conv_get(find_or_create_conversation(pinfo), pinfo, to_server);
        if (!conv)
            return 0;
        classify_frame(tvb, pinfo, conv, tcpinfo, &unkept, &segment);
        frame = is_plain_data(&unkept, tvb_captured_length(tvb)) ? &unkept : keep_frame(pinfo, key, &unkept);
        /* TCP's loop over a frame's segments hands the lowest first. */
        if (conv->payload_frame != pinfo->num)
            conv->payload_seq = key;
        conv->payload_frame = pinfo->num;
        last_payload_conv = conv;
        if (tcpinfo && (tcpinfo->flags & TH_FIN))
            conv->payload_fin_frame = pinfo->num;
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
    proto_item *ti = proto_tree_add_item(tree, proto_exec, tvb, 0, frame->consumed, ENC_NA);
    proto_tree *exec_tree = proto_item_add_subtree(ti, ett_exec);
    show_frame(tvb, pinfo, exec_tree, frame);
    return tvb_captured_length(tvb);
}

static int
dissect_exec(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    /* The side on the port that matched our table entry is the server. */
    return dissect_exec_control(tvb, pinfo, tree, (const struct tcpinfo *)data,
                                pinfo->match_uint == pinfo->destport);
}

/* An exec handshake on another port: the connection's first client bytes
 * (SYN seen) are a decimal port string and, unless that is all, a
 * username and a password, each printable and NUL-terminated. */
static gboolean
looks_like_handshake(tvbuff_t *tvb)
{
    const gint length = (gint)tvb_captured_length(tvb);
    gint offset = 0, strings = 0;

    while (offset < length && strings < 3) {
        gint nul = exec_tvb_find_u8(tvb, offset, MIN(length - offset, 256), 0);
        if (nul < 0)
            return FALSE;
        for (gint i = offset; i < nul; i++) {
            guint8 c = exec_tvb_get_u8(tvb, i);
            if (strings == 0 ? !g_ascii_isdigit(c) : !g_ascii_isprint(c))
                return FALSE;
        }
        if ((strings == 0 && nul - offset > 5) || (strings == 1 && nul == offset))
            return FALSE;
        offset = nul + 1;
        strings++;
    }
    /* glibc sends a non-empty port string alone; others send all strings. */
    return (strings == 1 && offset == length && length > 1) || strings == 3;
}

static exec_heur_result_t
dissect_exec_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    const struct tcpinfo *tcpinfo = (const struct tcpinfo *)data;
    const guint32 rsh_ports[] = { RLOGIN_TCP_PORT, RSH_TCP_PORT };

    for (size_t i = 0; i < G_N_ELEMENTS(rsh_ports); i++)
        if (pinfo->srcport == rsh_ports[i] || pinfo->destport == rsh_ports[i])
            return FALSE;
    if (!tcpinfo || !looks_like_handshake(tvb))
        return FALSE;

    conversation_t *conversation = find_or_create_conversation(pinfo);
    struct tcp_analysis *tcpd = get_tcp_conversation_data(conversation, pinfo);
    const tcp_flow_t *flow = exec_tcp_flow_of_frame(tcpd);
    gboolean starts_stream = exec_tcp_flow_saw_syn(flow) &&
            tcpinfo->seq == (tcp_seq_relative ? 1 : exec_tcp_flow_base_seq(flow) + 1);
    if (!starts_stream)
        return FALSE;

    conversation_set_dissector(conversation, exec_handle);
    dissect_exec_control(tvb, pinfo, tree, tcpinfo, TRUE);
    return TRUE;
}

/* The flags of the frame's last TCP header, from the tree the close
 * postdissector is primed with when TCP's sequence analysis is off; 0 when
 * the tree does not hold them. */
static guint32
tcp_flags_in_tree(proto_tree *tree)
{
    GPtrArray *items = tree && hf_tcp_flags > 0 ? proto_get_finfo_ptr_array(tree, hf_tcp_flags) : NULL;
    if (!items || items->len == 0)
        return 0;
    return exec_finfo_uint((field_info *)g_ptr_array_index(items, items->len - 1));
}

/* Whether this frame carries a FIN of its flow (first pass).  TCP hands a
 * subdissector the flags of segments with payload only; for a bare FIN (a
 * frame whose payload we did not just see) its sequence analysis has just
 * queued a segment one sequence number long.  Without that analysis TCP
 * keeps no trace of the FIN, so its flags field is read from the tree. */
static gboolean
frame_has_fin(const exec_conv_t *conv, const struct tcp_analysis *tcpd, packet_info *pinfo,
              proto_tree *tree)
{
    if (conv->payload_frame == pinfo->num)
        return conv->payload_fin_frame == pinfo->num;
    exec_tcp_segment_t newest;
    if (exec_tcp_newest_segment(tcpd, &newest))
        return newest.frame == pinfo->num && newest.nextseq - newest.seq == 1;
    return (tcp_flags_in_tree(tree) & TH_FIN) != 0;
}

/* First pass: a FIN of the control connection that ends the login (the
 * server's, before any status byte) or the session (the second FIN). */
static exec_frame_end_t *
classify_close(packet_info *pinfo, proto_tree *tree, exec_conv_t *conv, const struct tcp_analysis *tcpd,
               exec_direction_t direction)
{
    if (conv->rst_seen)
        return NULL;
    /* A reset ends the session too (the daemon resets after an error when
     * the request was not read to its end): TCP's completeness flags say
     * when the conversation first saw one. */
    gboolean rst = exec_tcp_saw_rst(tcpd);
    if (rst)
        conv->rst_seen = TRUE;
    else if (conv->fin_seen[direction] || !frame_has_fin(conv, tcpd, pinfo, tree))
        return NULL;
    gboolean no_reply = direction == EXEC_SERVER_TO_CLIENT && !conv->engine.status_seen &&
                        !conv->fin_seen[direction] && conv->closed_frame == 0 &&
                        conv->engine.server.start_seen && conv->engine.server.lost_total == 0;
    conv->fin_seen[direction] = TRUE;
    gboolean ends = rst || conv->fin_seen[!direction];
    if (!no_reply && !ends)
        return NULL;

    exec_frame_end_t *end = wmem_new0(wmem_file_scope(), exec_frame_end_t);
    if (no_reply) {
        conv->closed_frame = pinfo->num;
        end->closed_without_reply = TRUE;
        end->why = exec_stderr_failed(conv) ? "it could not connect back to the stderr port" :
                   exec_stream_in_data_phase(&conv->engine) ? "wrong password or unknown user" :
                   "the client's request was incomplete";
    }
    if (ends) {
        exec_stderr_session_ended(conv);
        end->session_end = TRUE;
        end->stderr_never_connected = conv->stderr_abandoned;
        end->stdin_bytes = conv->stdin_bytes;
        end->stdout_bytes = conv->stdout_bytes;
        end->stderr_bytes = conv->stderr_bytes;
    }
    return end;
}

/* First pass: the part of this frame's segment TCP kept from the dissector
 * (with its default preferences it hands no subdissector a retransmission),
 * compared with the first copy.  TCP's sequence analysis has just queued the
 * segment: its raw sequence number finds the bytes in the frame. */
static const exec_frame_conflicts_t *
classify_withheld(tvbuff_t *tvb, packet_info *pinfo, const exec_conv_t *conv, const struct tcp_analysis *tcpd,
                  exec_direction_t direction)
{
    const struct exec_first_copy *first = conv->first_copy;
    exec_tcp_segment_t segment;
    if (!first || !exec_tcp_newest_segment(tcpd, &segment) || segment.frame != pinfo->num ||
        !conv->origin_known[direction])
        return NULL;

    /* In the units TCP hands the dissector. */
    guint32 seq = tcp_seq_relative ? segment.seq - exec_tcp_flow_base_seq(exec_tcp_flow_of_frame(tcpd)) : segment.seq;
    guint32 withheld = G_MAXUINT32;
    if (conv->payload_frame == pinfo->num) {
        /* The rest was handed over and compared there. */
        gint32 before_handed = (gint32)(conv->payload_seq - seq);
        if (before_handed <= 0)
            return NULL;
        withheld = (guint32)before_handed;
    }
    guint64 position = stream_position(conv, direction, seq);
    if (position >= first->kept.flow[direction].length)
        return NULL;            /* nothing kept there to compare with */

    guint32 captured = tvb_captured_length(tvb);
    const guint8 *frame_bytes = tvb_get_ptr(tvb, 0, captured);
    exec_frame_payload_t payload;
    if (!exec_frame_find_tcp_payload(frame_bytes, captured, (guint16)pinfo->srcport, (guint16)pinfo->destport,
                                     segment.seq, segment.nextseq - segment.seq, &payload))
        return NULL;
    return compare_with_first_copy(first, direction, position, frame_bytes + payload.offset,
                                   MIN(payload.length, withheld), payload.offset);
}

/* First pass: what the postdissector shows on this frame, or NULL. */
static exec_frame_end_t *
classify_frame_end(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, exec_conv_t *conv)
{
    struct tcp_analysis *tcpd = get_tcp_conversation_data(conv->conversation, pinfo);
    if (!tcpd)
        return NULL;
    exec_direction_t direction = is_client_to_server(conv, pinfo) ? EXEC_CLIENT_TO_SERVER : EXEC_SERVER_TO_CLIENT;
    const exec_frame_conflicts_t *withheld = classify_withheld(tvb, pinfo, conv, tcpd, direction);
    exec_frame_end_t *end = classify_close(pinfo, tree, conv, tcpd, direction);
    if (!end && !withheld)
        return NULL;
    if (!end)
        end = wmem_new0(wmem_file_scope(), exec_frame_end_t);
    end->conv = conv;
    end->withheld_conflicts = withheld;
    end->username = conv->username;
    end->command = conv->command;
    end->after_payload = conv->payload_frame == pinfo->num;
    return end;
}

static void
add_count(proto_tree *tree, tvbuff_t *tvb, int hf, guint64 count)
{
    proto_item_set_generated(proto_tree_add_uint64(tree, hf, tvb, 0, 0, count));
}

/* What TCP hands no subdissector: the control connection's FINs (a segment
 * without payload) and, by default, retransmissions.  A postdissector sees
 * every frame. */
static int
dissect_exec_close(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    if (sessions_seen == 0 || pinfo->ptype != PT_TCP || !proto_is_protocol_enabled(exec_protocol))
        return 0;

    /* The FIN may share the frame with payload: a key no sequence number
     * takes, under the shared id (the built-in keeps no frame data). */
    exec_frame_end_t *end;
    if (PINFO_FD_VISITED(pinfo)) {
        end = (exec_frame_end_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_exec, 0);
    } else {
        /* The control dissector has just seen this frame's payload: no
         * need to look the session up again. */
        exec_conv_t *conv = last_payload_conv && last_payload_conv->payload_frame == pinfo->num ?
                last_payload_conv : indexed_session(pinfo);
        end = conv ? classify_frame_end(tvb, pinfo, tree, conv) : NULL;
        if (end)
            p_add_proto_data(wmem_file_scope(), pinfo, proto_exec, 0, end);
    }
    if (!end)
        return 0;

    proto_item *ti = proto_tree_add_item(tree, proto_exec, tvb, 0, 0, ENC_NA);
    proto_tree *exec_tree = proto_item_add_subtree(ti, ett_exec);
    /* A close mark makes the frame exec's; withheld bytes alone leave it
     * TCP's retransmission, with exec's warning after TCP's text. */
    gboolean closes = end->closed_without_reply || end->session_end;
    gboolean replace_info = closes && !end->after_payload;
    exec_info_t info_column, *info = &info_column;
    info_start(info, pinfo, !replace_info);
    if (closes) {
        col_clear_fence(pinfo->cinfo, COL_PROTOCOL);
        col_set_str(pinfo->cinfo, COL_PROTOCOL, EXEC_SHORT_NAME);
    }
    if (replace_info) {
        /* TCP fences its text on newer Wireshark: this frame is ours now. */
        col_clear_fence(pinfo->cinfo, COL_INFO);
        add_session_prefix(info, end->username, end->command);
    }
    if (end->closed_without_reply) {
        add_info_text(info, "Closed without reply");
        proto_item *item = proto_tree_add_item(exec_tree, hf_exec_closed_without_reply, tvb, 0, 0, ENC_NA);
        proto_item_set_generated(item);
        expert_add_info_format(pinfo, item, &ei_exec_closed_without_reply,
                               "Server closed the connection without a status byte: %s", end->why);
        exec_taps_queue(pinfo, end->conv, "Closed without reply", hf_exec_password);
    }
    if (end->session_end) {
        add_info(info, "Session end: stdin %" PRIu64 ", stdout %" PRIu64 ", stderr %" PRIu64 " bytes",
                 end->stdin_bytes, end->stdout_bytes, end->stderr_bytes);
        add_count(exec_tree, tvb, hf_exec_stdin_bytes, end->stdin_bytes);
        add_count(exec_tree, tvb, hf_exec_stdout_bytes, end->stdout_bytes);
        add_count(exec_tree, tvb, hf_exec_stderr_bytes, end->stderr_bytes);
        if (end->stderr_never_connected)
            expert_add_info(pinfo, ti, &ei_exec_stderr_never_connected);
    }
    if (end->withheld_conflicts)
        show_conflicts(exec_tree, tvb, pinfo, info, end->withheld_conflicts,
                       is_client_to_server(end->conv, pinfo));
    info_write(info, replace_info);
    return 0;
}

/* ---- Registration ---- */

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
exec_register(void)
{
    /* The built-in's fields, with its names and types. */
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
        { &hf_exec_stderr_channel_in,
          { "Stderr Channel In", EXEC_FILTER ".stderr_channel_in", FT_FRAMENUM, BASE_NONE, NULL, 0,
            "First frame of the stderr channel this port announced", HFILL } },
        { &hf_exec_status,
          { "Status", EXEC_FILTER ".status", FT_UINT8, BASE_DEC, VALS(exec_status_vals), 0,
            "The server's first byte: 0 when the command runs, 1 before an error message", HFILL } },
        { &hf_exec_error_message,
          { "Error Message", EXEC_FILTER ".error_message", FT_STRING, BASE_NONE, NULL, 0,
            NULL, HFILL } },
        { &hf_exec_closed_without_reply,
          { "Closed Without Reply", EXEC_FILTER ".closed_without_reply", FT_NONE, BASE_NONE, NULL, 0,
            "The server closed the connection before sending a status byte", HFILL } },
        { &hf_exec_response_in,
          { "Response In", EXEC_FILTER ".response_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0, "The frame with the server's status byte", HFILL } },
        { &hf_exec_request_in,
          { "Request In", EXEC_FILTER ".request_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0, "The frame that completed the command", HFILL } },
        { &hf_exec_response_time,
          { "Response Time", EXEC_FILTER ".response_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
            "Time from the command to the status byte", HFILL } },
        { &hf_exec_unidentified_string,
          { "Unidentified Handshake String", EXEC_FILTER ".unidentified_string", FT_STRINGZ, BASE_NONE,
            NULL, 0, "A handshake string whose field lost bytes make uncertain", HFILL } },
        { &hf_exec_retransmitted_data,
          { "Retransmitted Data", EXEC_FILTER ".retransmitted_data", FT_BYTES, BASE_NONE, NULL, 0,
            "Bytes at stream positions already seen", HFILL } },
        { &hf_exec_retransmission_conflict,
          { "Retransmission Conflict At", EXEC_FILTER ".retransmission_conflict", FT_UINT64, BASE_DEC, NULL, 0,
            "Stream offset of the first byte a retransmission carries differently from the first copy", HFILL } },
        { &hf_exec_lost_bytes,
          { "Lost Bytes", EXEC_FILTER ".lost_bytes", FT_UINT64, BASE_DEC, NULL, 0,
            "Bytes of this direction's stream never captured before this segment", HFILL } },
        { &hf_exec_stdin_bytes,
          { "Session Stdin Bytes", EXEC_FILTER ".stdin_bytes", FT_UINT64, BASE_DEC, NULL, 0,
            "Bytes the client sent after the command", HFILL } },
        { &hf_exec_stdout_bytes,
          { "Session Stdout Bytes", EXEC_FILTER ".stdout_bytes", FT_UINT64, BASE_DEC, NULL, 0,
            "Bytes the server sent after a success status", HFILL } },
        { &hf_exec_stderr_bytes,
          { "Session Stderr Bytes", EXEC_FILTER ".stderr_bytes", FT_UINT64, BASE_DEC, NULL, 0,
            "Bytes of standard error on the stderr channel", HFILL } },
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
            "Server closed the connection without a status byte", EXPFILL } },
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
        { &ei_exec_overlap_conflict,
          { EXEC_FILTER ".overlap_conflict", PI_SEQUENCE, PI_WARN,
            "Retransmitted bytes differ from the first copy (the receiver most likely used the first)",
            EXPFILL } },
        { &ei_exec_identified_by_status,
          { EXEC_FILTER ".identified_by_status", PI_SEQUENCE, PI_NOTE,
            "Handshake string after lost bytes, identified by counting back from the position the "
            "success status acknowledges", EXPFILL } },
        { &ei_exec_early_success,
          { EXEC_FILTER ".early_success", PI_PROTOCOL, PI_WARN,
            "Success status before the client sent its whole request", EXPFILL } },
        { &ei_exec_truncated,
          { EXEC_FILTER ".truncated", PI_MALFORMED, PI_WARN,
            "String cut short by the capture's snaplen", EXPFILL } },
        { &ei_exec_stderr_never_connected,
          { EXEC_FILTER ".stderr_never_connected", PI_SEQUENCE, PI_NOTE,
            "The announced stderr channel never connected", EXPFILL } },
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

    exec_stderr_register();
    exec_taps_register();
    exec_prefs_register(proto_exec, own_protocol);

    exec_handle = create_dissector_handle(dissect_exec, proto_exec);
    register_init_routine(exec_init);
    sessions_by_ports = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(),
                                               g_direct_hash, g_direct_equal);
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
    heur_dissector_add("tcp", dissect_exec_heur, EXEC_LONG_NAME " over any TCP port",
                       EXEC_FILTER "_tcp", proto_exec, HEURISTIC_DISABLE);

    /* No protocol on the handle: Wireshark would add and drop an exec layer
     * for every frame; the postdissector checks that exec is enabled. */
    exec_protocol = find_protocol_by_id(proto_exec);
    close_handle = create_dissector_handle(dissect_exec_close, -1);
    register_postdissector(close_handle);
    hf_tcp_flags = proto_registrar_get_id_byname("tcp.flags");

    module_t *tcp_module = prefs_find_module("tcp");
    tcp_relative_seq_pref = tcp_module ?
            prefs_find_preference(tcp_module, "relative_sequence_numbers") : NULL;
    tcp_analyze_seq_pref = tcp_module ?
            prefs_find_preference(tcp_module, "analyze_sequence_numbers") : NULL;
    exec_stderr_handoff();
}
