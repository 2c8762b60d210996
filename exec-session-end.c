/* exec-session-end.c: what TCP hands no subdissector, seen by a
 * postdissector (it sees every frame): the control connection's FINs and
 * resets (segments without payload), which end the login ("Closed without
 * reply": the server's FIN before any status byte) or the session ("Session
 * end": byte counts, a stderr channel that never connected), and, with
 * TCP's default preferences, retransmissions, whose bytes are found in the
 * frame and compared with the first copy (exec-first-copy.c).  The stderr
 * channel's frames without payload are handed to exec-stderr.c from here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-session-end.h"

#include <string.h>

#include <epan/expert.h>

#include "exec-export.h"
#include "exec-first-copy.h"
#include "exec-frame.h"
#include "exec-frame-records.h"
#include "exec-info.h"
#include "exec-session.h"
#include "exec-stderr.h"
#include "exec-takeover.h"
#include "exec-taps.h"
#include "ws-private.h"

static int hf_exec_closed_without_reply = -1;
static int hf_exec_stdin_bytes = -1;
static int hf_exec_stdout_bytes = -1;
static int hf_exec_stderr_bytes = -1;

static expert_field ei_exec_closed_without_reply = EI_INIT;

static dissector_handle_t session_end_handle;
/* What the first pass found in a frame, tagged with what it is (a session
 * end's tag holds its flags above this). */
enum { RECORD_SESSION_END = 1, RECORD_EXPORT_WITHHELD };
static exec_frame_records_t *end_records;
static protocol_t *exec_protocol;
static int hf_tcp_flags = -1;   /* TCP's, asked for when its sequence analysis is off */
static int proto_tcp = -1;

/* Why the server closed without a status byte, as far as the bytes say. */
typedef enum {
    WHY_STDERR_NOT_CONNECTED,
    WHY_LOGIN_REFUSED,
    WHY_REQUEST_INCOMPLETE
} why_no_reply_t;

/* What the postdissector found in a frame (first pass): a control-connection
 * FIN that ends something, the login (no status byte ever came) or the
 * session (byte counts as they stood then), and retransmitted bytes TCP
 * kept from the dissector that differ from the first copy.  Made on the
 * first pass and again from the frame's entry on later ones. */
typedef struct {
    exec_session_t *session;
    const exec_conflicts_t *withheld_conflicts;     /* offsets in the frame */
    guint64  bytes[3];              /* a session end's stdin, stdout and stderr bytes */
    guint8   after_payload : 1;     /* the frame's payload was dissected too */
    guint8   closed_without_reply : 1;
    guint8   session_end : 1;
    guint8   stderr_never_connected : 1;
    /* Whether the session knew its username and command at this frame
     * (neither changes once known). */
    guint8   shows_username : 1;
    guint8   shows_command : 1;
    guint8   why;                   /* closed without reply: a why_no_reply_t */
} exec_end_record_t;

/* A record is kept in its table entry: the tag holds the record's kind,
 * flags and reason, the data its session, so a brute-force attempt's two
 * closes allocate nothing.  Byte counts that are not all 0 and withheld
 * conflicts need more: then the data is an exec_end_extra_t. */
#define END_KIND_MASK 0xffu
enum {
    END_AFTER_PAYLOAD = 1u << 8,
    END_CLOSED_WITHOUT_REPLY = 1u << 9,
    END_SESSION_END = 1u << 10,
    END_STDERR_NEVER_CONNECTED = 1u << 11,
    END_SHOWS_USERNAME = 1u << 12,
    END_SHOWS_COMMAND = 1u << 13,
    END_EXTRA = 1u << 14
};
#define END_WHY_SHIFT 16

typedef struct {
    exec_session_t *session;
    const exec_conflicts_t *withheld_conflicts;
    guint64  bytes[3];
} exec_end_extra_t;

/* First pass: keeps a record in the table. */
static void
keep_end_record(guint32 frame, const exec_end_record_t *end)
{
    guint32 tag = RECORD_SESSION_END | (guint32)end->why << END_WHY_SHIFT |
                  (end->after_payload ? END_AFTER_PAYLOAD : 0) |
                  (end->closed_without_reply ? END_CLOSED_WITHOUT_REPLY : 0) |
                  (end->session_end ? END_SESSION_END : 0) |
                  (end->stderr_never_connected ? END_STDERR_NEVER_CONNECTED : 0) |
                  (end->shows_username ? END_SHOWS_USERNAME : 0) |
                  (end->shows_command ? END_SHOWS_COMMAND : 0);
    void *data = end->session;
    if (end->withheld_conflicts || (end->bytes[0] | end->bytes[1] | end->bytes[2]) != 0) {
        exec_end_extra_t *extra = wmem_new(wmem_file_scope(), exec_end_extra_t);
        extra->session = end->session;
        extra->withheld_conflicts = end->withheld_conflicts;
        memcpy(extra->bytes, end->bytes, sizeof extra->bytes);
        tag |= END_EXTRA;
        data = extra;
    }
    exec_frame_records_add(end_records, frame, tag, data);
}

/* Later passes: the frame's record, made again from its entry, or NULL. */
static exec_end_record_t *
kept_end_record(guint32 frame, exec_end_record_t *end)
{
    const exec_frame_record_t *found = exec_frame_records_find_masked(end_records, frame, RECORD_SESSION_END,
                                                                      END_KIND_MASK);
    if (!found)
        return NULL;
    guint32 tag = found->tag;
    memset(end, 0, sizeof *end);
    if (tag & END_EXTRA) {
        const exec_end_extra_t *extra = (const exec_end_extra_t *)found->data;
        end->session = extra->session;
        end->withheld_conflicts = extra->withheld_conflicts;
        memcpy(end->bytes, extra->bytes, sizeof end->bytes);
    } else {
        end->session = (exec_session_t *)found->data;
    }
    end->after_payload = (tag & END_AFTER_PAYLOAD) != 0;
    end->closed_without_reply = (tag & END_CLOSED_WITHOUT_REPLY) != 0;
    end->session_end = (tag & END_SESSION_END) != 0;
    end->stderr_never_connected = (tag & END_STDERR_NEVER_CONNECTED) != 0;
    end->shows_username = (tag & END_SHOWS_USERNAME) != 0;
    end->shows_command = (tag & END_SHOWS_COMMAND) != 0;
    end->why = (guint8)(tag >> END_WHY_SHIFT);
    return end;
}

static void
records_init(void)
{
    end_records = exec_frame_records_new();
}

/* Without TCP's sequence analysis, the postdissector needs TCP's flags
 * field to see a FIN.  Asking for a field makes Wireshark build a protocol
 * tree for every frame, so only in that mode. */
static void
want_tcp_flags_without_sequence_analysis(void)
{
    GArray *wanted = NULL;
    if (!exec_tcp_analyzes_sequence() && hf_tcp_flags > 0) {
        wanted = g_array_sized_new(FALSE, FALSE, (guint)sizeof(int), 1);
        g_array_append_val(wanted, hf_tcp_flags);
    }
    set_postdissector_wanted_hfids(session_end_handle, wanted);
}

/* The flags of the frame's last TCP header, from the tree the postdissector
 * is primed with when TCP's sequence analysis is off; 0 when the tree does
 * not hold them. */
static guint32
tcp_flags_in_tree(proto_tree *tree)
{
    GPtrArray *items = tree && hf_tcp_flags > 0 ? proto_get_finfo_ptr_array(tree, hf_tcp_flags) : NULL;
    if (!items || items->len == 0)
        return 0;
    return exec_finfo_uint((field_info *)g_ptr_array_index(items, items->len - 1));
}

/* First pass: whether this frame is a FIN without payload that TCP's
 * sequence analysis has just queued (a frame whose payload we did not just
 * see). */
static gboolean
is_bare_fin(tvbuff_t *tvb, const exec_session_t *session, const struct tcp_analysis *tcpd, packet_info *pinfo)
{
    guint32 fin_seq;
    return session->work->payload_frame != pinfo->num && exec_segment_is_bare_fin(tvb, pinfo, tcpd, &fin_seq);
}

/* Whether this frame carries a FIN of its flow (first pass).  TCP hands a
 * subdissector the flags of segments with payload only; a bare FIN is found
 * through the segment its sequence analysis has just queued (bare_fin).
 * Without that analysis TCP keeps no trace of the FIN, so its flags field is
 * read from the tree. */
static gboolean
frame_has_fin(const exec_session_t *session, const struct tcp_analysis *tcpd, packet_info *pinfo,
              proto_tree *tree, gboolean bare_fin)
{
    if (session->work->payload_frame == pinfo->num)
        return session->work->payload_fin_frame == pinfo->num;
    exec_tcp_segment_t newest;
    if (exec_tcp_newest_segment(tcpd, &newest))
        return bare_fin;
    return (tcp_flags_in_tree(tree) & TH_FIN) != 0;
}

/* The position in its direction's stream of this frame's FIN, from the
 * segment TCP's sequence analysis just queued; FALSE when unknown (the
 * analysis is off, or the frame's segment was not queued). */
static gboolean
fin_position(const exec_session_t *session, const struct tcp_analysis *tcpd, packet_info *pinfo,
             exec_direction_t direction, guint64 *position)
{
    exec_tcp_segment_t newest;
    if (!exec_tcp_newest_segment(tcpd, &newest) || newest.frame != pinfo->num)
        return FALSE;
    guint32 fin_seq = newest.nextseq - 1;
    if (exec_tcp_relative_seq())
        fin_seq -= exec_tcp_flow_base_seq(exec_tcp_flow_of_frame(tcpd));
    *position = exec_session_stream_position(session, direction, fin_seq);
    return TRUE;
}

/* Whether the engine saw every byte of this direction before its FIN: a
 * reply lost just before the FIN must not read as no reply at all. */
static gboolean
nothing_missing_before_fin(const exec_session_t *session, const struct tcp_analysis *tcpd, packet_info *pinfo,
                           exec_direction_t direction)
{
    const exec_stream_t *stream = &session->work->stream;
    const exec_flow_t *flow = direction == EXEC_CLIENT_TO_SERVER ? &stream->client : &stream->server;
    guint64 position;
    if (flow->lost_total != 0)
        return FALSE;
    return !fin_position(session, tcpd, pinfo, direction, &position) || position == flow->next_offset;
}

static const char *const why_text[] = {
    [WHY_STDERR_NOT_CONNECTED] = "it could not connect back to the stderr port",
    [WHY_LOGIN_REFUSED] = "wrong password or unknown user",
    [WHY_REQUEST_INCOMPLETE] = "the client's request was incomplete",
};

static why_no_reply_t
why_no_reply(const exec_session_t *session)
{
    return exec_stderr_failed(session) ? WHY_STDERR_NOT_CONNECTED :
           exec_stream_in_data_phase(&session->work->stream) ? WHY_LOGIN_REFUSED : WHY_REQUEST_INCOMPLETE;
}

/* First pass: a FIN of the control connection that ends the login (the
 * server's, before any status byte) or the session (the second FIN), told
 * in *end (zeroed by the caller). */
static gboolean
classify_close(packet_info *pinfo, proto_tree *tree, exec_session_t *session, const struct tcp_analysis *tcpd,
               exec_direction_t direction, gboolean bare_fin, exec_end_record_t *end)
{
    /* A session ends once: a reset after both FINs ends nothing more. */
    if (session->rst_seen || session->end_frame)
        return FALSE;
    /* A reset ends the session too (the daemon resets after an error when
     * the request was not read to its end): TCP's completeness flags say
     * when the conversation first saw one. */
    gboolean rst = exec_tcp_saw_rst(tcpd);
    if (rst)
        session->rst_seen = TRUE;
    else if (session->work->fin_seen[direction] || !frame_has_fin(session, tcpd, pinfo, tree, bare_fin))
        return FALSE;
    gboolean no_reply = direction == EXEC_SERVER_TO_CLIENT && !session->work->stream.status_seen &&
                        !session->work->fin_seen[direction] && session->work->closed_frame == 0 &&
                        session->work->stream.server.start_seen &&
                        nothing_missing_before_fin(session, tcpd, pinfo, direction);
    session->work->fin_seen[direction] = TRUE;
    gboolean ends = rst || session->work->fin_seen[!direction];
    if (!no_reply && !ends)
        return FALSE;

    if (no_reply) {
        session->work->closed_frame = pinfo->num;
        end->closed_without_reply = TRUE;
        end->why = why_no_reply(session);
    }
    if (ends) {
        exec_stderr_session_ended(session);
        exec_first_copy_session_ended(session);
        exec_session_ended(session, pinfo);
        session->end_frame = pinfo->num;
        end->session_end = TRUE;
        end->stderr_never_connected = session->stderr_abandoned;
        end->bytes[0] = session->work->stdin_bytes;
        end->bytes[1] = session->work->stdout_bytes;
        end->bytes[2] = session->work->stderr_bytes;
    }
    return TRUE;
}

/* Where the part of this frame's segment that TCP kept from the dissector
 * lies (with its default preferences TCP hands no subdissector a
 * retransmission): its stream position, and its bytes in the frame. */
typedef struct {
    guint64 position;
    guint32 offset;
    guint32 length;
} withheld_part_t;

/* First pass: TCP's sequence analysis has just queued this frame's segment;
 * its raw sequence number finds the bytes in the frame.  FALSE when TCP
 * handed all of it over, or the frame does not hold its header. */
static gboolean
find_withheld_part(tvbuff_t *tvb, packet_info *pinfo, const exec_session_t *session,
                   const struct tcp_analysis *tcpd, exec_direction_t direction, withheld_part_t *part)
{
    exec_tcp_segment_t segment;
    if (!exec_tcp_newest_segment(tcpd, &segment) || segment.frame != pinfo->num ||
        !session->work->origin_known[direction])
        return FALSE;
    /* In the units TCP hands the dissector. */
    guint32 seq = exec_tcp_relative_seq() ?
            segment.seq - exec_tcp_flow_base_seq(exec_tcp_flow_of_frame(tcpd)) : segment.seq;
    guint32 withheld = G_MAXUINT32;
    if (session->work->payload_frame == pinfo->num) {
        /* The rest was handed over, and dealt with there. */
        gint32 before_handed = (gint32)(session->work->payload_seq - seq);
        if (before_handed <= 0)
            return FALSE;
        withheld = (guint32)before_handed;
    }
    guint32 captured = tvb_captured_length(tvb);
    exec_frame_payload_t payload;
    if (!exec_frame_find_tcp_payload(tvb_get_ptr(tvb, 0, captured), captured, (guint16)pinfo->srcport,
                                     (guint16)pinfo->destport, segment.seq, segment.nextseq - segment.seq,
                                     &payload))
        return FALSE;
    part->position = exec_session_stream_position(session, direction, seq);
    part->offset = payload.offset;
    part->length = MIN(payload.length, withheld);
    return TRUE;
}

/* First pass: the withheld bytes compared with the first copy. */
static const exec_conflicts_t *
classify_withheld(tvbuff_t *tvb, const exec_session_t *session, exec_direction_t direction,
                  const withheld_part_t *part)
{
    if (!session->work->first_copy || !exec_first_copy_holds(session, direction, part->position))
        return NULL;            /* nothing kept there to compare with */
    const guint8 *frame_bytes = tvb_get_ptr(tvb, 0, part->offset + part->length);
    return exec_first_copy_compare(session, direction, part->position, frame_bytes + part->offset,
                                   part->length, part->offset);
}

/* Withheld bytes for the export (exec-export.c), kept with their frame. */
static exec_withheld_t *
new_withheld(exec_session_t *session, gboolean stderr_channel, exec_direction_t direction, guint64 position,
             guint32 offset, guint32 length)
{
    exec_withheld_t *found = wmem_new(wmem_file_scope(), exec_withheld_t);
    found->session = session;
    found->stderr_channel = stderr_channel;
    found->direction = direction;
    found->position = position;
    found->offset = offset;
    found->length = length;
    return found;
}

/* First pass: the withheld bytes for the export (exec-export.c), or NULL. */
static exec_withheld_t *
export_withheld(exec_session_t *session, exec_direction_t direction, const withheld_part_t *part)
{
    if (!session->data_start[direction] || part->length == 0)
        return NULL;
    return new_withheld(session, FALSE, direction, part->position, part->offset, part->length);
}

/* First pass: the payload of a segment the daemon sent on the stderr
 * channel that TCP kept from the channel's dissector (an out-of-order
 * segment, a retransmission), for the export, or NULL.  As for the control
 * connection, TCP's sequence analysis has just queued it. */
static exec_withheld_t *
stderr_withheld(tvbuff_t *tvb, packet_info *pinfo, exec_session_t *session)
{
    if (!session->stderr_conversation ||
        (pinfo->srcport == session->stderr_port && exec_session_address_is(session, EXEC_CLIENT, &pinfo->src)))
        return NULL;            /* the client's signal bytes are no object */
    const struct tcp_analysis *tcpd =
            exec_tcp_state(session->stderr_conversation, proto_tcp);
    exec_tcp_segment_t segment;
    if (!tcpd || !exec_tcp_newest_segment(tcpd, &segment) || segment.frame != pinfo->num ||
        segment.nextseq == segment.seq)
        return NULL;
    const tcp_flow_t *flow = exec_tcp_flow_of_frame(tcpd);
    /* The channel's first bytes may be these: its position 0 follows the
     * daemon's SYN. */
    if (!session->stderr_origin_known && !exec_stderr_origin_from_syn(session, flow))
        return NULL;
    guint32 captured = tvb_captured_length(tvb);
    exec_frame_payload_t payload;
    if (!exec_frame_find_tcp_payload(tvb_get_ptr(tvb, 0, captured), captured, (guint16)pinfo->srcport,
                                     (guint16)pinfo->destport, segment.seq, segment.nextseq - segment.seq,
                                     &payload) || payload.length == 0)
        return NULL;
    /* In the units TCP hands the dissector, as exec_export_stderr's. */
    guint32 seq = exec_tcp_relative_seq() ? segment.seq - exec_tcp_flow_base_seq(flow) : segment.seq;
    return new_withheld(session, TRUE, EXEC_SERVER_TO_CLIENT, (guint32)(seq - session->stderr_seq_origin),
                        payload.offset, payload.length);
}

/* First pass: a control connection that never carried a byte (a client
 * that connects and gives up, a brute-force tool's spare connection)
 * reaches no dissector; it becomes a session at its first FIN, when that
 * FIN follows the connection's own SYN with nothing in between, so that its
 * close shows as any session's. */
static exec_session_t *
session_without_payload(tvbuff_t *tvb, packet_info *pinfo)
{
    gboolean to_server = exec_is_control_port(pinfo->destport);
    if (!to_server && !exec_is_control_port(pinfo->srcport))
        return NULL;
    /* Every connection's SYN, SYN/ACK and ACK come here before its first
     * payload (three frames of a brute-force session's ten): a look at the
     * frame's flags spares them the conversation search. */
    guint32 captured = tvb_captured_length(tvb);
    if (!exec_frame_may_hold_fin(tvb_get_ptr(tvb, 0, captured), captured, (guint16)pinfo->srcport,
                                 (guint16)pinfo->destport))
        return NULL;
    /* A control connection is a conversation of its exact addresses and
     * ports: no wildcard search, on every frame of every such connection. */
    conversation_t *conversation = find_conversation(pinfo->num, &pinfo->src, &pinfo->dst, CONVERSATION_TCP,
                                                     pinfo->srcport, pinfo->destport, 0);
    struct tcp_analysis *tcpd = conversation ? exec_tcp_state(conversation, proto_tcp) : NULL;
    guint32 fin_seq;
    if (!tcpd || !exec_segment_is_bare_fin(tvb, pinfo, tcpd, &fin_seq))
        return NULL;            /* no FIN alone, or no sequence analysis to tell */
    const tcp_flow_t *flow = exec_tcp_flow_of_frame(tcpd);
    gboolean own_syn_seen = to_server ? exec_tcp_flow_saw_syn(flow) : exec_tcp_flow_saw_synack(flow);
    if (!own_syn_seen || fin_seq != exec_tcp_flow_base_seq(flow) + 1)
        return NULL;            /* bytes before the FIN, seen or not */
    return exec_session_new(conversation, pinfo, to_server);
}

/* First pass: what the postdissector shows on this frame, in *end, or NULL. */
static exec_end_record_t *
classify_end(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, exec_session_t *session,
             exec_end_record_t *end)
{
    struct tcp_analysis *tcpd = exec_tcp_state(session->conversation, proto_tcp);
    if (!tcpd)
        return NULL;
    exec_direction_t direction = exec_session_direction(session, pinfo);
    gboolean bare_fin = is_bare_fin(tvb, session, tcpd, pinfo);
    withheld_part_t part;
    const exec_conflicts_t *withheld = NULL;
    /* Only for a session that keeps a first copy or exports, and a segment
     * with bytes: the search reads the frame. */
    if (!bare_fin && (session->work->first_copy || session->data_start[direction]) &&
        find_withheld_part(tvb, pinfo, session, tcpd, direction, &part)) {
        exec_withheld_t *payload = export_withheld(session, direction, &part);
        if (payload)
            exec_frame_records_add(end_records, pinfo->num, RECORD_EXPORT_WITHHELD, payload);
        withheld = classify_withheld(tvb, session, direction, &part);
    }
    memset(end, 0, sizeof *end);
    if (!classify_close(pinfo, tree, session, tcpd, direction, bare_fin, end) && !withheld)
        return NULL;
    end->session = session;
    end->withheld_conflicts = withheld;
    end->shows_username = session->username != NULL;
    end->shows_command = session->command != NULL;
    end->after_payload = session->work->payload_frame == pinfo->num;
    return end;
}

static void
add_count(proto_tree *tree, tvbuff_t *tvb, int hf, guint64 count)
{
    proto_item_set_generated(proto_tree_add_uint64(tree, hf, tvb, 0, 0, count));
}

static void
show_closed_without_reply(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, exec_info_t *info,
                          const exec_end_record_t *end)
{
    exec_info_text(info, "Closed without reply");
    proto_item *item = proto_tree_add_item(tree, hf_exec_closed_without_reply, tvb, 0, 0, ENC_NA);
    proto_item_set_generated(item);
    expert_add_info_format(pinfo, item, &ei_exec_closed_without_reply,
                           "Server closed the connection without a status byte: %s", why_text[end->why]);
    exec_taps_queue(pinfo, end->session, "Closed without reply");
}

static void
show_session_end(proto_tree *tree, proto_item *ti, tvbuff_t *tvb, packet_info *pinfo, exec_info_t *info,
                 const exec_end_record_t *end)
{
    const guint64 *bytes = end->bytes;
    exec_info_labelled_number(info, "Session end: stdin ", bytes[0]);
    exec_info_continue_number(info, ", stdout ", bytes[1]);
    exec_info_continue_number(info, ", stderr ", bytes[2]);
    exec_info_continue(info, " bytes");
    add_count(tree, tvb, hf_exec_stdin_bytes, bytes[0]);
    add_count(tree, tvb, hf_exec_stdout_bytes, bytes[1]);
    add_count(tree, tvb, hf_exec_stderr_bytes, bytes[2]);
    if (end->stderr_never_connected)
        exec_stderr_add_never_connected(pinfo, ti);
}

static int
dissect_exec_session_end(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    gboolean export_wanted = exec_export_wanted();
    if (export_wanted)
        exec_export_frame(pinfo);   /* every frame: is this a pass? */
    if (pinfo->ptype != PT_TCP || !proto_is_protocol_enabled(exec_protocol))
        return 0;
    /* One postdissector for what TCP hands no one: each postdissector costs
     * every frame a call. */
    exec_session_t *channel_of = exec_stderr_connection_frame(tvb, pinfo, tree);
    if (!PINFO_FD_VISITED(pinfo)) {
        exec_withheld_t *payload = channel_of ? stderr_withheld(tvb, pinfo, channel_of) : NULL;
        if (payload)
            exec_frame_records_add(end_records, pinfo->num, RECORD_EXPORT_WITHHELD, payload);
    }

    /* The FIN may share the frame with payload: this file's table keeps its
     * record apart from the control dissector's. */
    exec_end_record_t record, *end;
    if (PINFO_FD_VISITED(pinfo)) {
        end = kept_end_record(pinfo->num, &record);
    } else {
        /* The control dissector has just seen this frame's payload: no
         * need to look the session up again. */
        exec_session_t *session = exec_session_with_payload_in(pinfo);
        if (!session && !channel_of && exec_sessions_seen() != 0)
            session = exec_session_find(pinfo);
        if (!session && !channel_of)    /* a channel's frame is no control connection's */
            session = session_without_payload(tvb, pinfo);
        /* A released session's frames end nothing more. */
        end = session && session->work ? classify_end(tvb, pinfo, tree, session, &record) : NULL;
        if (end)
            keep_end_record(pinfo->num, end);
    }
    if (export_wanted) {
        const exec_frame_record_t *withheld = exec_frame_records_find(end_records, pinfo->num,
                                                                      RECORD_EXPORT_WITHHELD);
        if (withheld)
            exec_export_withheld(pinfo, tvb, (const exec_withheld_t *)withheld->data);
    }
    if (!end)
        return 0;

    proto_item *ti;
    proto_tree *exec_tree = exec_add_subtree(tree, tvb, 0, &ti);
    /* A close mark makes the frame exec's; withheld bytes alone leave it
     * TCP's retransmission, with exec's warning after TCP's text. */
    gboolean closes = end->closed_without_reply || end->session_end;
    gboolean replace_info = closes && !end->after_payload;
    exec_info_t info_column, *info = &info_column;
    exec_info_start(info, pinfo, !replace_info);
    if (closes) {
        col_clear_fence(pinfo->cinfo, COL_PROTOCOL);
        col_set_str(pinfo->cinfo, COL_PROTOCOL, EXEC_SHORT_NAME);
    }
    if (replace_info) {
        /* TCP fences its text on newer Wireshark: this frame is ours now. */
        col_clear_fence(pinfo->cinfo, COL_INFO);
        exec_info_session_prefix(info, end->shows_username ? end->session->username : NULL,
                                 end->shows_command ? end->session->command : NULL);
    }
    if (end->closed_without_reply)
        show_closed_without_reply(exec_tree, tvb, pinfo, info, end);
    if (end->session_end) {
        show_session_end(exec_tree, ti, tvb, pinfo, info, end);
        exec_export_session_end(pinfo, exec_tree, tvb, end->session);
    }
    exec_first_copy_show(exec_tree, tvb, pinfo, info, end->withheld_conflicts,
                         exec_session_direction(end->session, pinfo));
    exec_info_write(info, replace_info);
    return 0;
}

void
proto_register_exec_session_end(void)
{
    static hf_register_info hf[] = {
        { &hf_exec_closed_without_reply,
          { "Closed Without Reply", "exec.closed_without_reply", FT_NONE, BASE_NONE, NULL, 0,
            "The server closed the connection before sending a status byte", HFILL } },
        { &hf_exec_stdin_bytes,
          { "Session Stdin Bytes", "exec.stdin_bytes", FT_UINT64, BASE_DEC, NULL, 0,
            "Bytes the client sent after the command", HFILL } },
        { &hf_exec_stdout_bytes,
          { "Session Stdout Bytes", "exec.stdout_bytes", FT_UINT64, BASE_DEC, NULL, 0,
            "Bytes the server sent after a success status", HFILL } },
        { &hf_exec_stderr_bytes,
          { "Session Stderr Bytes", "exec.stderr_bytes", FT_UINT64, BASE_DEC, NULL, 0,
            "Bytes of standard error on the stderr channel", HFILL } },
    };
    static ei_register_info ei[] = {
        { &ei_exec_closed_without_reply,
          { "exec.closed_without_reply.expert", PI_RESPONSE_CODE, PI_WARN,
            "Server closed the connection without a status byte", EXPFILL } },
    };
    exec_register_fields(hf, array_length(hf));
    exec_register_experts(ei, array_length(ei));
    register_init_routine(records_init);
    register_init_routine(want_tcp_flags_without_sequence_analysis);
}

void
proto_reg_handoff_exec_session_end(void)
{
    /* No protocol on the handle: Wireshark would add and drop an exec layer
     * for every frame; the postdissector checks that exec is enabled. */
    exec_protocol = find_protocol_by_id(proto_exec);
    session_end_handle = create_dissector_handle(dissect_exec_session_end, -1);
    register_postdissector(session_end_handle);
    hf_tcp_flags = proto_registrar_get_id_byname("tcp.flags");
    proto_tcp = proto_get_id_by_filter_name("tcp");
}
