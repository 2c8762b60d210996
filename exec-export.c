/* exec-export.c: File > Export Objects > EXEC and tshark --export-objects
 * exec,DIR: one object per non-empty stream of each session, its stdout
 * (control connection after the status byte), its stderr (the stderr
 * channel's server bytes), its stdin (client bytes after the command) and
 * the error line of a refused login.
 *
 * Bytes are collected only while an export-objects listener is active, on
 * whichever pass taps (tshark's only pass, its second with -2, the GUI's
 * retap).  Each byte is placed by its stream position; a position already
 * filled keeps its first copy, as a TCP receiver does, so a retransmission
 * or a second pass over the same frames changes nothing.  Positions never
 * filled are lost bytes: they read as NULs, and the object says it is
 * incomplete in its name, its content type and an expert note on the frame
 * that hands it over.  The objects are handed over on the frame that ends
 * the session (exec-session-end.c), or, on later passes, on its last frame
 * with payload when that comes after the end or no end was captured; the
 * first listener takes each buffer as it is, so the memory is the exported
 * data once, and any other listener (a second Export Objects dialog) a copy.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-export.h"

#include <string.h>

#include <epan/expert.h>
#include <epan/export_object.h>
#include <epan/tap.h>
#include <epan/to_str.h>
#include <wsutil/str_util.h>

#include "exec-takeover.h"

/* The streams of a session, in the order they are listed. */
typedef enum {
    EXPORT_STDOUT,
    EXPORT_STDERR,
    EXPORT_STDIN,
    EXPORT_ERROR,
    EXPORT_STREAMS
} export_kind_t;

static const char *const kind_names[EXPORT_STREAMS] = { "stdout", "stderr", "stdin", "error" };

/* Objects larger than this are not collected (positions this far off are
 * a broken sequence number, not data). */
#define EXPORT_MAX_LENGTH ((guint64)G_MAXUINT32)

typedef struct {
    guint64 start;
    guint64 end;
} span_t;

/* One stream being collected: positions relative to base. */
typedef struct {
    guint8  *data;
    guint64  length;        /* highest position filled + 1 */
    guint64  capacity;
    GArray  *spans;         /* span_t, sorted, disjoint, not touching */
    guint64  base;          /* stream position of the object's first byte */
    gboolean base_known;
    guint32  first_frame;
} export_stream_t;

typedef struct {
    export_stream_t stream[EXPORT_STREAMS];
} export_session_t;

/* What the tap carries: one finished object, and the entry the first
 * listener made of it, which the others copy. */
typedef struct {
    const exec_session_t *session;
    export_kind_t kind;
    export_stream_t *stream;
    const export_object_entry_t **taken;
} export_object_t;

static int exec_eo_tap = -1;
static GHashTable *collected;   /* exec_session_t * -> export_session_t * */
/* Whether the frames dissected since the last reset, or since frame 1, came
 * in file order without a gap: a pass (tshark's, the dialog's retap) does;
 * clicks in the GUI while the dialog is open do not, and their collection
 * says only which frames were clicked before. */
static guint32 pass_last_frame;
static gboolean pass_in_order = TRUE;
static expert_field ei_exec_export_incomplete = EI_INIT;

gboolean
exec_export_wanted(void)
{
    return exec_eo_tap >= 0 && have_tap_listener(exec_eo_tap);
}

static void
free_session(gpointer data)
{
    export_session_t *collector = (export_session_t *)data;
    for (int i = 0; i < EXPORT_STREAMS; i++) {
        g_free(collector->stream[i].data);
        if (collector->stream[i].spans)
            g_array_free(collector->stream[i].spans, TRUE);
    }
    g_free(collector);
}

/* New file, tap reset, or the dialog closed: nothing collected is kept. */
static void
export_reset(void)
{
    if (collected)
        g_hash_table_destroy(collected);
    collected = NULL;
    pass_last_frame = 0;
    pass_in_order = TRUE;
}

void
exec_export_frame(const packet_info *pinfo)
{
    if (pinfo->num == 1)
        pass_in_order = TRUE;   /* a new pass */
    else if (pinfo->num != pass_last_frame + 1)
        pass_in_order = FALSE;
    pass_last_frame = pinfo->num;
}

static export_stream_t *
stream_of(const exec_session_t *session, export_kind_t kind)
{
    if (!collected)
        collected = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, free_session);
    export_session_t *collector = (export_session_t *)g_hash_table_lookup(collected, session);
    if (!collector) {
        collector = g_new0(export_session_t, 1);
        g_hash_table_insert(collected, (gpointer)session, collector);
    }
    return &collector->stream[kind];
}

/* Copies the bytes of [start, end) no span holds yet, and records them. */
static void
fill(export_stream_t *stream, guint64 start, guint64 end, const guint8 *bytes)
{
    if (!stream->spans)
        stream->spans = g_array_new(FALSE, FALSE, sizeof(span_t));
    if (end > stream->capacity) {
        /* Doubling: large blocks are mapped, so capacity never written is
         * not memory the process uses. */
        guint64 capacity = MAX(MAX(stream->capacity * 2, end), 4096);
        stream->data = (guint8 *)g_realloc(stream->data, (gsize)capacity);
        stream->capacity = capacity;
    }
    if (start > stream->length)
        memset(stream->data + stream->length, 0, (size_t)(start - stream->length));

    GArray *spans = stream->spans;
    guint64 at = start;
    guint i = 0;
    while (at < end) {
        while (i < spans->len && g_array_index(spans, span_t, i).end <= at)
            i++;
        guint64 hole_end = end;
        if (i < spans->len) {
            const span_t *held = &g_array_index(spans, span_t, i);
            if (held->start <= at) {
                at = held->end;         /* first copy wins */
                continue;
            }
            hole_end = MIN(end, held->start);
        }
        memcpy(stream->data + at, bytes + (at - start), (size_t)(hole_end - at));
        /* Record [at, hole_end), merged with the spans it touches. */
        span_t added = { at, hole_end };
        guint first = i;
        if (first > 0 && g_array_index(spans, span_t, first - 1).end == at) {
            first--;
            added.start = g_array_index(spans, span_t, first).start;
        }
        guint last = i;     /* spans [first, last) are replaced */
        if (last < spans->len && g_array_index(spans, span_t, last).start == hole_end) {
            added.end = g_array_index(spans, span_t, last).end;
            last++;
        }
        if (last > first)
            g_array_remove_range(spans, first, last - first);
        g_array_insert_val(spans, first, added);
        i = first;
        at = hole_end;
    }
    stream->length = MAX(stream->length, end);
}

/* Places len bytes at a stream position. */
static void
place(export_stream_t *stream, guint64 position, const guint8 *bytes, guint32 len, guint32 frame)
{
    if (!stream->base_known) {
        stream->base = position;
        stream->base_known = TRUE;
    }
    if (position < stream->base) {
        guint64 skip = stream->base - position;
        if (skip >= len)
            return;
        bytes += skip;
        len -= (guint32)skip;
        position = stream->base;
    }
    guint64 start = position - stream->base;
    if (len == 0 || start + len > EXPORT_MAX_LENGTH)
        return;
    fill(stream, start, start + len, bytes);
    if (!stream->first_frame || frame < stream->first_frame)
        stream->first_frame = frame;
}

static void
start_at(export_stream_t *stream, guint64 data_start)
{
    /* data_start: the session's stream position + 1, 0 when unknown. */
    if (!stream->base_known && data_start) {
        stream->base = data_start - 1;
        stream->base_known = TRUE;
    }
}

void
exec_export_control(packet_info *pinfo, exec_session_t *session, tvbuff_t *tvb,
                    const exec_piece_t *pieces, unsigned n_pieces, guint32 seq)
{
    exec_direction_t direction = exec_session_direction(session, pinfo);
    guint64 segment = exec_session_stream_position(session, direction, seq);
    for (unsigned i = 0; i < n_pieces; i++) {
        const exec_piece_t *piece = &pieces[i];
        export_kind_t kind;
        switch (piece->kind) {
        case EXEC_PIECE_STDIN:
            kind = EXPORT_STDIN;
            break;
        case EXEC_PIECE_STDOUT:
            kind = EXPORT_STDOUT;
            break;
        case EXEC_PIECE_ERROR_MESSAGE:
            kind = EXPORT_ERROR;
            break;
        case EXEC_PIECE_RETRANSMITTED:
            /* Bytes at positions seen before, or lost before: they fill a
             * hole of the data they belong to, or change nothing. */
            if (!session->data_start[direction])
                continue;
            kind = direction == EXEC_CLIENT_TO_SERVER ? EXPORT_STDIN :
                   session->status == 1 ? EXPORT_ERROR : EXPORT_STDOUT;
            if (kind != EXPORT_ERROR && direction == EXEC_SERVER_TO_CLIENT && session->status != 0)
                continue;
            if (segment + piece->offset < session->data_start[direction] - 1)
                continue;
            break;
        default:
            continue;
        }
        export_stream_t *stream = stream_of(session, kind);
        start_at(stream, session->data_start[direction]);
        if ((gint)piece->length > tvb_captured_length_remaining(tvb, piece->offset))
            continue;
        place(stream, segment + piece->offset, tvb_get_ptr(tvb, piece->offset, piece->length), piece->length,
              pinfo->num);
    }
}

void
exec_export_withheld(packet_info *pinfo, tvbuff_t *tvb, const exec_withheld_t *withheld)
{
    exec_session_t *session = withheld->session;
    if (withheld->stderr_channel) {
        /* position: from the channel's origin, as exec_export_stderr's. */
        if (!session->stderr_origin_known ||
            (gint)withheld->length > tvb_captured_length_remaining(tvb, withheld->offset))
            return;
        export_stream_t *stream = stream_of(session, EXPORT_STDERR);
        start_at(stream, 1);
        place(stream, withheld->position, tvb_get_ptr(tvb, withheld->offset, withheld->length), withheld->length,
              pinfo->num);
        return;
    }
    exec_direction_t direction = withheld->direction;
    guint64 data_start = session->data_start[direction];
    /* Only stdin and stdout: the error line ends at its newline, which
     * these bytes may lie beyond. */
    if (!data_start || withheld->position + withheld->length <= data_start - 1 ||
        (direction == EXEC_SERVER_TO_CLIENT && (!session->status_seen || session->status != 0)) ||
        (gint)withheld->length > tvb_captured_length_remaining(tvb, withheld->offset))
        return;
    export_stream_t *stream = stream_of(session, direction == EXEC_CLIENT_TO_SERVER ? EXPORT_STDIN : EXPORT_STDOUT);
    start_at(stream, data_start);
    place(stream, withheld->position, tvb_get_ptr(tvb, withheld->offset, withheld->length), withheld->length,
          pinfo->num);
}

void
exec_export_stderr(packet_info *pinfo, exec_session_t *session, tvbuff_t *tvb, guint32 seq)
{
    if (!session->stderr_origin_known)
        return;
    guint32 length = tvb_captured_length(tvb);
    export_stream_t *stream = stream_of(session, EXPORT_STDERR);
    start_at(stream, 1);
    place(stream, (guint32)(seq - session->stderr_seq_origin), tvb_get_ptr(tvb, 0, length), length, pinfo->num);
}

/* The bytes never filled: how many, in how many holes, the first where. */
static guint64
missing(const export_stream_t *stream, guint *holes, guint64 *first_at)
{
    guint64 total = 0, at = 0;
    *holes = 0;
    *first_at = 0;
    for (guint i = 0; i < stream->spans->len; i++) {
        const span_t *span = &g_array_index(stream->spans, span_t, i);
        if (span->start > at) {
            if (*holes == 0)
                *first_at = at;
            (*holes)++;
            total += span->start - at;
        }
        at = span->end;
    }
    return total;
}

/* Queues the session's objects for the listener. */
static void
hand_over(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, exec_session_t *session)
{
    if (!exec_export_wanted() || !collected)
        return;
    export_session_t *collector = (export_session_t *)g_hash_table_lookup(collected, session);
    if (!collector)
        return;
    for (int kind = 0; kind < EXPORT_STREAMS; kind++) {
        export_stream_t *stream = &collector->stream[kind];
        if (stream->length == 0)
            continue;
        guint holes;
        guint64 first_at;
        guint64 lost = missing(stream, &holes, &first_at);
        /* Only a pass knows the object is incomplete (the dialog's
         * content type says it too). */
        if (lost && pass_in_order && pass_last_frame == pinfo->num)
            proto_tree_add_expert_format(tree, pinfo, &ei_exec_export_incomplete, tvb, 0, 0,
                                         "Exported %s incomplete: %" PRIu64 " bytes missing in %u gap%s, "
                                         "the first at offset %" PRIu64, kind_names[kind], lost, holes,
                                         plurality(holes, "", "s"), first_at);
        export_object_t *object = wmem_new(pinfo->pool, export_object_t);
        object->session = session;
        object->kind = (export_kind_t)kind;
        object->stream = stream;
        object->taken = wmem_new0(pinfo->pool, const export_object_entry_t *);
        tap_queue_packet(exec_eo_tap, pinfo, object);
    }
}

void
exec_export_session_end(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, exec_session_t *session)
{
    /* Later passes know when stderr bytes still come after the end: the
     * objects wait for the last of them. */
    if (!PINFO_FD_VISITED(pinfo) || session->last_data_frame <= pinfo->num)
        hand_over(pinfo, tree, tvb, session);
}

void
exec_export_last_frame(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, exec_session_t *session)
{
    if (PINFO_FD_VISITED(pinfo) && session->last_data_frame == pinfo->num &&
        (!session->end_frame || session->end_frame < pinfo->num))
        hand_over(pinfo, tree, tvb, session);
}

/* Letters, digits, '.', '-' and '_' as they are; anything else, '_'. */
static void
append_safe(GString *name, const char *text, gsize max)
{
    for (gsize i = 0; i < max && text[i]; i++) {
        char c = text[i];
        g_string_append_c(name, g_ascii_isalnum(c) || c == '.' || c == '-' || c == '_' ? c : '_');
    }
}

static export_object_entry_t *
entry_copy(const export_object_entry_t *taken)
{
    export_object_entry_t *entry = g_new0(export_object_entry_t, 1);
    entry->pkt_num = taken->pkt_num;
    entry->hostname = g_strdup(taken->hostname);
    entry->content_type = g_strdup(taken->content_type);
    entry->filename = g_strdup(taken->filename);
    entry->payload_len = taken->payload_len;
    entry->payload_data = (guint8 *)g_memdup2(taken->payload_data, (gsize)taken->payload_len);
    return entry;
}

static tap_packet_status
exec_eo_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
               tap_flags_t flags _U_)
{
    export_object_list_t *list = (export_object_list_t *)tapdata;
    const export_object_t *object = (const export_object_t *)data;
    /* Listeners keep what they are given while the frame is tapped, as
     * Wireshark's do (tshark's, the dialog's model, sharkd's). */
    if (*object->taken) {
        list->add_entry(list->gui_data, entry_copy(*object->taken));
        return TAP_PACKET_REDRAW;
    }
    export_stream_t *stream = object->stream;
    if (!stream->data || stream->length == 0)
        return TAP_PACKET_DONT_REDRAW;

    guint holes;
    guint64 first_at;
    guint64 lost = missing(stream, &holes, &first_at);
    gboolean text = memchr(stream->data, 0, (size_t)stream->length) == NULL &&
                    g_utf8_validate((const char *)stream->data, (gssize)stream->length, NULL);

    export_object_entry_t *entry = g_new0(export_object_entry_t, 1);
    entry->pkt_num = stream->first_frame ? stream->first_frame : pinfo->num;
    address server;
    exec_session_address(object->session, EXEC_SERVER, &server);
    entry->hostname = address_to_str(NULL, &server);
    if (lost)
        entry->content_type = g_strdup_printf("%s; incomplete: %" PRIu64 " bytes missing",
                                              text ? "text/plain" : "application/octet-stream", lost);
    else
        entry->content_type = g_strdup(text ? "text/plain" : "application/octet-stream");

    GString *name = g_string_new(NULL);
    g_string_printf(name, "%u-", entry->pkt_num);
    append_safe(name, object->session->username ? object->session->username : "unknown", 64);
    g_string_append_c(name, '@');
    append_safe(name, entry->hostname, 64);
    g_string_append_printf(name, "-%s%s", kind_names[object->kind], lost ? "-incomplete" : "");
    entry->filename = g_string_free(name, FALSE);

    /* The first listener takes the buffer as it is: no second copy. */
    entry->payload_len = (size_t)stream->length;
    entry->payload_data = (guint8 *)g_realloc(stream->data, (gsize)stream->length);
    stream->data = NULL;
    stream->length = stream->capacity = 0;
    g_array_set_size(stream->spans, 0);
    stream->base_known = FALSE;
    stream->first_frame = 0;

    *object->taken = entry;
    list->add_entry(list->gui_data, entry);
    return TAP_PACKET_REDRAW;
}

void
proto_register_exec_export(void)
{
    static ei_register_info ei[] = {
        { &ei_exec_export_incomplete,
          { "exec.export_incomplete", PI_SEQUENCE, PI_WARN,
            "Exported object incomplete: bytes of it were not captured", EXPFILL } },
    };
    exec_register_experts(ei, array_length(ei));
    exec_eo_tap = register_export_object(proto_exec, exec_eo_packet, export_reset);
    register_init_routine(export_reset);
    register_cleanup_routine(export_reset);
}
