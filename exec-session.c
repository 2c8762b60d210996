/* exec-session.c: the sessions.  A session is made at the first payload of
 * its control connection, with where each direction's stream starts in
 * TCP's sequence numbers, and found again by the frame's ports and
 * addresses.  Also the stream position of a segment, and the TCP
 * preferences that decide which sequence numbers TCP hands over.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-session.h"

#include <string.h>

#include "exec-first-copy.h"
#include "exec-frame.h"
#include "exec-stderr.h"
#include "exec-takeover.h"
#include "ws-private.h"

static guint32 sessions_seen;

/* The sessions in a hash table of their ports and addresses, chained
 * through the sessions (newest first), and the ports servers listen on:
 * made on the first pass, searched on every pass.  A conversation lookup
 * costs about as much as the rest of the plugin's work on a data frame,
 * and the session-end postdissector needs the session of every TCP frame.
 * The table doubles as sessions come, so that a chain stays about one
 * session long at a pointer a session or less. */
static exec_session_t **index_buckets;  /* NULL until the first session */
static guint index_bits;                /* log2 of the buckets */
static guint8 server_ports[(G_MAXUINT16 + 1) / 8];
static exec_session_t *last_payload_session;    /* first pass: the frame just classified */
/* First pass: the working states of ended sessions, oldest end first, and
 * released ones for the next sessions to take (a brute force needs only as
 * many as run at once): no allocation or free a session. */
static exec_session_work_t *ended_first, *ended_last;
static exec_session_work_t *spare_works;
/* Released sessions whose stream passed 2 GiB -> their streams' ends. */
static wmem_map_t *long_stream_ends;

static pref_t *tcp_relative_seq_pref;
static pref_t *tcp_analyze_seq_pref;
static gboolean tcp_seq_relative;   /* what TCP hands: preferences apply with a new pass */

gboolean
exec_tcp_analyzes_sequence(void)
{
    return tcp_analyze_seq_pref && exec_pref_current_bool(tcp_analyze_seq_pref);
}

/* TCP hands relative sequence numbers only when both its preferences say
 * so: without sequence analysis they stay absolute. */
static gboolean
tcp_relative_sequence_numbers(void)
{
    return tcp_relative_seq_pref && exec_pref_current_bool(tcp_relative_seq_pref) &&
           exec_tcp_analyzes_sequence();
}

gboolean
exec_tcp_relative_seq(void)
{
    return tcp_seq_relative;
}

static void
sessions_init(void)
{
    sessions_seen = 0;
    index_buckets = NULL;               /* gone with the file scope */
    memset(server_ports, 0, sizeof server_ports);
    last_payload_session = NULL;
    ended_first = ended_last = spare_works = NULL;    /* gone with the file scope */
    long_stream_ends = NULL;            /* gone with the file scope */
    tcp_seq_relative = tcp_relative_sequence_numbers();
}

void
exec_session_register(void)
{
    register_init_routine(sessions_init);
}

void
exec_session_handoff(void)
{
    module_t *tcp_module = prefs_find_module("tcp");
    tcp_relative_seq_pref = tcp_module ?
            prefs_find_preference(tcp_module, "relative_sequence_numbers") : NULL;
    tcp_analyze_seq_pref = tcp_module ?
            prefs_find_preference(tcp_module, "analyze_sequence_numbers") : NULL;
}

guint32
exec_sessions_seen(void)
{
    return sessions_seen;
}

/* Ports and addresses both: a brute force reuses every client port.  IPv4
 * addresses are mixed in whole, not a byte at a time. */
static guint32
endpoints_hash(guint32 client_port, guint32 server_port, const address *client, const address *server)
{
    guint32 hash = client_port << 16 | server_port;
    if (client->len != 4 || server->len != 4)
        return add_address_to_hash(add_address_to_hash(hash, client), server) * 0x9E3779B1u;
    guint32 word;
    memcpy(&word, client->data, sizeof word);
    hash = (hash ^ word) * 0x9E3779B1u;
    memcpy(&word, server->data, sizeof word);
    return (hash ^ word) * 0x9E3779B1u;
}

static guint32
session_hash(const exec_session_t *session)
{
    address client, server;
    exec_session_address(session, EXEC_CLIENT, &client);
    exec_session_address(session, EXEC_SERVER, &server);
    return endpoints_hash(session->client_port, session->server_port, &client, &server);
}

/* The hash's top bits pick the bucket. */
static exec_session_t **
index_bucket(guint32 hash)
{
    return &index_buckets[hash >> (32 - index_bits)];
}

static void
index_new_buckets(guint bits)
{
    index_bits = bits;
    index_buckets = (exec_session_t **)wmem_alloc0(wmem_file_scope(), sizeof *index_buckets << bits);
}

/* On the head of its chain: the newest first. */
static void
index_push(exec_session_t *session)
{
    exec_session_t **bucket = index_bucket(session_hash(session));
    session->older_same_key = *bucket;
    *bucket = session;
}

/* Each chain splits in two (one more bit of the hash): taken oldest first,
 * each session pushed onto its new chain keeps the newest first. */
static void
index_grow(void)
{
    exec_session_t **old = index_buckets;
    guint32 old_count = 1u << index_bits;
    index_new_buckets(index_bits + 1);
    for (guint32 i = 0; i < old_count; i++) {
        exec_session_t *oldest_first = NULL;
        for (exec_session_t *session = old[i], *older; session; session = older) {
            older = session->older_same_key;
            session->older_same_key = oldest_first;
            oldest_first = session;
        }
        for (exec_session_t *session = oldest_first, *newer; session; session = newer) {
            newer = session->older_same_key;
            index_push(session);
        }
    }
    wmem_free(wmem_file_scope(), old);
}

/* Four buckets at first: growing costs a session less than a pointer in
 * all, and every capture of more than eight sessions makes the table grow. */
#define INDEX_FIRST_BITS 2

static void
index_session(exec_session_t *session)
{
    if (!index_buckets)
        index_new_buckets(INDEX_FIRST_BITS);
    else if (sessions_seen >= 2u << index_bits)
        index_grow();
    index_push(session);
    server_ports[session->server_port / 8] |= 1 << (session->server_port % 8);
}

static gboolean
is_server_port(guint32 port)
{
    return (server_ports[port / 8] & (1 << (port % 8))) != 0;
}

/* The newest session whose control connection has this frame's ports and
 * addresses, its server on the frame's destination side (to_server) or on
 * its source side; older sessions of these endpoints are further down its
 * chain. */
static exec_session_t *
newest_of_frame_endpoints(const packet_info *pinfo, gboolean to_server)
{
    guint32 server_port = to_server ? pinfo->destport : pinfo->srcport;
    /* A server port is known only once a session is indexed. */
    if (!is_server_port(server_port))
        return NULL;
    guint32 client_port = to_server ? pinfo->srcport : pinfo->destport;
    const address *server = to_server ? &pinfo->dst : &pinfo->src;
    const address *client = to_server ? &pinfo->src : &pinfo->dst;
    exec_session_t *session = *index_bucket(endpoints_hash(client_port, server_port, client, server));
    while (session && !(session->client_port == client_port && session->server_port == server_port &&
                        exec_session_address_is(session, EXEC_SERVER, server) &&
                        exec_session_address_is(session, EXEC_CLIENT, client)))
        session = session->older_same_key;
    return session;
}

/* TCP has just looked the frame's conversation up, which moved its last
 * frame here: that tells whether the newest session of the frame's
 * addresses and ports is on it.  Only the newest can be: a connection that
 * reuses them makes a newer conversation, and TCP finds no older one after
 * it.  Every connection's handshake comes here before its session exists. */
exec_session_t *
exec_session_find(const packet_info *pinfo)
{
    for (int to_server = 0; to_server < 2; to_server++) {
        exec_session_t *session = newest_of_frame_endpoints(pinfo, to_server);
        if (session && session->conversation->last_frame == pinfo->num)
            return session;
    }
    return NULL;
}

/* Through the index, not an entry in the conversation's data: that would
 * cost a brute-force attempt more than the rest of its index. */
exec_session_t *
exec_session_of_conversation(packet_info *pinfo)
{
    conversation_t *conversation = find_conversation_pinfo(pinfo, 0);
    if (!conversation)
        return NULL;
    for (int to_server = 0; to_server < 2; to_server++)
        for (exec_session_t *session = newest_of_frame_endpoints(pinfo, to_server); session;
             session = session->older_same_key)
            if (session->conversation == conversation)
                return session;
    return NULL;
}

static const guint8 *
kept_address_bytes(const exec_session_t *session, exec_endpoint_t endpoint)
{
    const exec_address_bytes_t *bytes = &session->address_bytes[endpoint];
    return session->address_length[endpoint] <= sizeof bytes->in_place ? bytes->in_place : bytes->elsewhere;
}

void
exec_session_address(const exec_session_t *session, exec_endpoint_t endpoint, address *out)
{
    set_address(out, session->address_type[endpoint], session->address_length[endpoint],
                kept_address_bytes(session, endpoint));
}

gboolean
exec_session_address_is(const exec_session_t *session, exec_endpoint_t endpoint, const address *candidate)
{
    return candidate->type == session->address_type[endpoint] &&
           candidate->len == session->address_length[endpoint] &&
           (candidate->len == 0 ||
            memcmp(candidate->data, kept_address_bytes(session, endpoint), (size_t)candidate->len) == 0);
}

/* TCP runs over IP: an address of another type or size is not kept (the
 * session's stays AT_NONE and matches no frame of TCP's). */
static void
keep_address(exec_session_t *session, exec_endpoint_t endpoint, const address *from)
{
    exec_address_bytes_t *bytes = &session->address_bytes[endpoint];
    if (from->type > G_MAXUINT8 || from->len <= 0 || from->len > G_MAXUINT8)
        return;
    session->address_type[endpoint] = (guint8)from->type;
    session->address_length[endpoint] = (guint8)from->len;
    if ((size_t)from->len <= sizeof bytes->in_place)
        memcpy(bytes->in_place, from->data, (size_t)from->len);
    else
        bytes->elsewhere = (const guint8 *)wmem_memdup(wmem_file_scope(), from->data, (size_t)from->len);
}

/* What later passes still need of a released engine: where each stream
 * ended, to widen 32-bit positions (exec_session_stream_position).  Kept
 * only for a session whose stream passed 2 GiB (below that a position is
 * its own widening): a map made for the first such session. */
static void
keep_stream_ends(exec_session_t *session)
{
    const exec_stream_t *stream = &session->work->stream;
    if (stream->client.next_offset < G_MAXINT32 && stream->server.next_offset < G_MAXINT32)
        return;
    guint64 *ends = wmem_alloc_array(wmem_file_scope(), guint64, 2);
    ends[EXEC_CLIENT_TO_SERVER] = stream->client.next_offset;
    ends[EXEC_SERVER_TO_CLIENT] = stream->server.next_offset;
    if (!long_stream_ends)
        long_stream_ends = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
    wmem_map_insert(long_stream_ends, session, ends);
}

static void
release_work(exec_session_t *session)
{
    exec_session_work_t *work = session->work;
    keep_stream_ends(session);
    exec_first_copy_release(work);
    if (work->unseen_start) {
        wmem_free(wmem_file_scope(), work->unseen_start->port_candidate);
        wmem_free(wmem_file_scope(), work->unseen_start);
    }
    wmem_free(wmem_file_scope(), work->pending);
    work->next = spare_works;
    spare_works = work;
    session->work = NULL;
    if (last_payload_session == session)
        last_payload_session = NULL;
}

static void
release_ended_sessions(const packet_info *pinfo)
{
    /* Whole seconds: a capture whose clock goes back releases later. */
    while (ended_first && pinfo->abs_ts.secs - ended_first->end_secs > EXEC_SESSION_RELEASE_SECONDS) {
        exec_session_t *session = ended_first->session;
        ended_first = ended_first->next;
        if (!ended_first)
            ended_last = NULL;
        release_work(session);
    }
}

exec_session_t *
exec_session_new(conversation_t *conversation, packet_info *pinfo, gboolean to_server)
{
    if (exec_stderr_is_channel(conversation, pinfo))
        return NULL;

    release_ended_sessions(pinfo);
    exec_session_t *session = wmem_new0(wmem_file_scope(), exec_session_t);
    exec_session_work_t *work = spare_works;
    if (work) {
        spare_works = work->next;
        memset(work, 0, sizeof *work);
    } else {
        work = wmem_new0(wmem_file_scope(), exec_session_work_t);
    }
    work->session = session;
    session->work = work;
    session->client_port = to_server ? pinfo->srcport : pinfo->destport;
    session->server_port = to_server ? pinfo->destport : pinfo->srcport;
    keep_address(session, EXEC_SERVER, to_server ? &pinfo->dst : &pinfo->src);
    keep_address(session, EXEC_CLIENT, to_server ? &pinfo->src : &pinfo->dst);

    /* Where TCP saw a flow's SYN, stream position 0 is its first byte. */
    struct tcp_analysis *tcpd = get_tcp_conversation_data(conversation, pinfo);
    const tcp_flow_t *client_flow = to_server ? exec_tcp_flow_of_frame(tcpd) : exec_tcp_flow_opposite(tcpd);
    const tcp_flow_t *server_flow = to_server ? exec_tcp_flow_opposite(tcpd) : exec_tcp_flow_of_frame(tcpd);
    /* Without the SYN, the SYN/ACK's acknowledgement gave TCP the client's
     * initial sequence number all the same. */
    gboolean client_start = exec_tcp_flow_saw_syn(client_flow) || exec_tcp_flow_saw_synack(server_flow);
    gboolean server_start = exec_tcp_flow_saw_synack(server_flow);

    session->work->origin_known[EXEC_CLIENT_TO_SERVER] = client_start;
    session->seq_origin[EXEC_CLIENT_TO_SERVER] = tcp_seq_relative ? 1 : exec_tcp_flow_base_seq(client_flow) + 1;
    session->work->origin_known[EXEC_SERVER_TO_CLIENT] = server_start;
    session->seq_origin[EXEC_SERVER_TO_CLIENT] = tcp_seq_relative ? 1 : exec_tcp_flow_base_seq(server_flow) + 1;
    exec_stream_init(&session->work->stream, client_start, server_start);
    if (!client_start || !server_start)
        session->work->unseen_start = wmem_new0(wmem_file_scope(), exec_unseen_start_t);

    session->conversation = conversation;
    index_session(session);
    sessions_seen++;
    return session;
}

void
exec_session_ended(exec_session_t *session, const packet_info *pinfo)
{
    exec_session_work_t *work = session->work;
    work->end_secs = pinfo->abs_ts.secs;
    work->next = NULL;
    if (ended_last)
        ended_last->next = work;
    else
        ended_first = work;
    ended_last = work;
}

void
exec_session_payload_seen(exec_session_t *session, const packet_info *pinfo, guint32 seq, gboolean fin)
{
    if (!session->work)
        return;
    /* TCP's loop over a frame's segments hands the lowest first. */
    if (session->work->payload_frame != pinfo->num)
        session->work->payload_seq = seq;
    session->work->payload_frame = pinfo->num;
    last_payload_session = session;
    if (fin)
        session->work->payload_fin_frame = pinfo->num;
}

exec_session_t *
exec_session_with_payload_in(const packet_info *pinfo)
{
    return last_payload_session && last_payload_session->work->payload_frame == pinfo->num ?
           last_payload_session : NULL;
}

exec_direction_t
exec_session_direction(const exec_session_t *session, const packet_info *pinfo)
{
    gboolean to_server = pinfo->destport == session->server_port &&
                         exec_session_address_is(session, EXEC_SERVER, &pinfo->dst);
    return to_server ? EXEC_CLIENT_TO_SERVER : EXEC_SERVER_TO_CLIENT;
}

static const exec_flow_t *
engine_flow(const exec_session_t *session, exec_direction_t direction)
{
    return direction == EXEC_CLIENT_TO_SERVER ? &session->work->stream.client : &session->work->stream.server;
}

/* Where the engine expects the direction's next byte, or, once the working
 * state is released, where its stream ended (0: below 2 GiB). */
static guint64
stream_reference(const exec_session_t *session, exec_direction_t direction)
{
    if (session->work)
        return engine_flow(session, direction)->next_offset;
    const guint64 *ends = long_stream_ends ? (const guint64 *)wmem_map_lookup(long_stream_ends, session) : NULL;
    return ends ? ends[direction] : 0;
}

/* Widened past 4 GiB around the position the engine expects next. */
guint64
exec_session_stream_position(const exec_session_t *session, exec_direction_t direction, guint32 seq)
{
    guint64 next = stream_reference(session, direction);
    guint32 position = seq - session->seq_origin[direction];
    gint32 delta = (gint32)(position - (guint32)next);
    if (delta < 0 && (guint64)-(gint64)delta > next)
        return 0;
    return next + (gint64)delta;
}

void
exec_session_count_lost(exec_session_t *session, exec_direction_t direction, guint64 offset,
                        guint32 length, exec_segment_t *segment)
{
    guint64 handed = session->work->handed_to[direction];
    for (unsigned i = 0; i < segment->n_pieces; i++) {
        exec_piece_t *piece = &segment->pieces[i];
        if (piece->kind == EXEC_PIECE_LOST && handed > piece->lost_at && handed < offset) {
            piece->lost -= handed - piece->lost_at;
            piece->lost_at = handed;
        }
    }
    if (offset + length > handed)
        session->work->handed_to[direction] = offset + length;
}

guint64
exec_session_segment_position(exec_session_t *session, exec_direction_t direction,
                              const struct tcpinfo *tcpinfo)
{
    if (!tcpinfo)
        return engine_flow(session, direction)->next_offset;
    if (!session->work->origin_known[direction]) {
        /* Capture started mid-stream: count from the first segment seen. */
        session->seq_origin[direction] = tcpinfo->seq;
        session->work->origin_known[direction] = TRUE;
    }
    return exec_session_stream_position(session, direction, tcpinfo->seq);
}

gboolean
exec_segment_is_bare_fin(tvbuff_t *tvb, const packet_info *pinfo, const struct tcp_analysis *tcpd,
                         guint32 *fin_seq)
{
    exec_tcp_segment_t newest;
    if (!exec_tcp_newest_segment(tcpd, &newest) || newest.frame != pinfo->num ||
        newest.nextseq - newest.seq != 1)
        return FALSE;
    guint32 captured = tvb_captured_length(tvb);
    guint8 flags;
    *fin_seq = newest.seq;
    return exec_frame_find_tcp_flags(tvb_get_ptr(tvb, 0, captured), captured, (guint16)pinfo->srcport,
                                     (guint16)pinfo->destport, newest.seq, &flags) && (flags & TH_FIN);
}
