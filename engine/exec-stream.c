/* exec-stream.c: the rexec session state machine (see exec-stream.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-stream.h"

#include <stdio.h>
#include <string.h>

/* Client phases: the four handshake strings in exec_handshake_order, then
 * the data phase. */
enum {
    CLIENT_STDERR_PORT = 0,
    CLIENT_USERNAME,
    CLIENT_PASSWORD,
    CLIENT_COMMAND,
    CLIENT_STDIN,
    CLIENT_UNIDENTIFIED,    /* after a gap in the handshake */
    CLIENT_UNKNOWN          /* start not captured, phase not yet proven: the
                             * bytes are split at NULs, as handshake strings
                             * would be, but not named */
};

enum {
    SERVER_STATUS = 0,
    SERVER_ERROR_TEXT,
    SERVER_STDOUT,
    SERVER_AFTER_ERROR,     /* the daemon closes after its error line */
    SERVER_UNKNOWN          /* start or status byte not captured */
};

const exec_piece_kind_t exec_handshake_order[EXEC_HANDSHAKE_STRINGS] = {
    EXEC_PIECE_STDERR_PORT, EXEC_PIECE_USERNAME, EXEC_PIECE_PASSWORD, EXEC_PIECE_COMMAND
};

void
exec_stream_init(exec_stream_t *stream, bool client_start_seen, bool server_start_seen)
{
    memset(stream, 0, sizeof *stream);
    stream->client.start_seen = client_start_seen;
    stream->server.start_seen = server_start_seen;
    stream->client.phase = client_start_seen ? CLIENT_STDERR_PORT : CLIENT_UNKNOWN;
    stream->server.phase = server_start_seen ? SERVER_STATUS : SERVER_UNKNOWN;
    if (!client_start_seen) {
        /* The first captured string's start is not proven; at most four
         * NULs can still end handshake strings. */
        stream->client.field_after_gap = true;
        stream->unidentified_left = EXEC_HANDSHAKE_STRINGS;
    }
}

bool
exec_stream_untouched(const exec_stream_t *stream)
{
    exec_stream_t fresh;
    exec_stream_init(&fresh, true, true);
    return memcmp(stream, &fresh, sizeof fresh) == 0;
}

bool
exec_stream_reply_untouched(const exec_stream_t *stream, bool *client_in_handshake)
{
    exec_stream_t fresh;
    exec_stream_init(&fresh, true, true);
    *client_in_handshake = stream->client.phase < EXEC_HANDSHAKE_STRINGS;
    return memcmp(&stream->server, &fresh.server, sizeof fresh.server) == 0;
}

void
exec_stream_init_reply(exec_stream_t *stream, bool client_in_handshake)
{
    exec_stream_init(stream, true, true);
    if (!client_in_handshake)
        stream->client.phase = CLIENT_STDIN;
}

void
exec_stream_init_after_port(exec_stream_t *stream, uint32_t port)
{
    char text[12] = "";
    int digits = port ? snprintf(text, sizeof text, "%u", port) : 0;
    exec_segment_t ignored;
    exec_stream_init(stream, true, true);
    exec_stream_feed(stream, EXEC_CLIENT_TO_SERVER, 0, (const uint8_t *)text, (uint32_t)digits + 1, false,
                     &ignored);
}

bool
exec_stream_after_port_only(const exec_stream_t *stream, uint32_t port)
{
    /* Most segments are told apart without making the stream. */
    if (stream->client.phase != CLIENT_USERNAME || stream->client.next_offset >= sizeof "4294967295")
        return false;
    exec_stream_t after_port;
    exec_stream_init_after_port(&after_port, port);
    return memcmp(stream, &after_port, sizeof after_port) == 0;
}

bool
exec_stream_in_data_phase(const exec_stream_t *stream)
{
    return stream->client.phase == CLIENT_STDIN;
}

static exec_piece_t *
add_piece(exec_segment_t *out, exec_piece_kind_t kind, uint32_t offset, uint32_t length)
{
    /* EXEC_MAX_PIECES covers the worst case; the guard keeps a logic slip
     * from ever writing past the array. */
    if (out->n_pieces == EXEC_MAX_PIECES)
        return &out->pieces[EXEC_MAX_PIECES - 1];
    exec_piece_t *piece = &out->pieces[out->n_pieces++];
    memset(piece, 0, sizeof *piece);
    piece->kind = kind;
    piece->offset = offset;
    piece->length = length;
    return piece;
}

static void
start_next_field(exec_flow_t *flow, uint8_t phase)
{
    flow->phase = phase;
    flow->field_length = 0;
    flow->field_after_gap = false;
    flow->field_oversized = false;
    flow->field_not_held = false;
}

void
exec_stream_client_port_proven(exec_stream_t *stream)
{
    exec_flow_t *client = &stream->client;
    /* Lost bytes may have held NULs: then the strings are not counted. */
    if (client->phase != CLIENT_UNKNOWN || client->lost_total != 0)
        return;
    /* The port was the first string ended: those ended since follow it. */
    client->phase = (uint8_t)(CLIENT_STDERR_PORT + EXEC_HANDSHAKE_STRINGS - stream->unidentified_left);
    stream->unidentified_left = 0;
}

void
exec_stream_server_reply_starts(exec_stream_t *stream)
{
    exec_flow_t *server = &stream->server;
    if (server->phase == SERVER_UNKNOWN && server->next_offset == 0 && server->lost_total == 0)
        start_next_field(server, SERVER_STATUS);
}

/* The stderr port, as a number and as the netkit daemon computes it: it
 * takes every byte, a signed char, as a digit (port = port * 10 + c - '0')
 * in 16 bits, so "99999" makes it connect back to 34463. */
static void
accumulate_port(exec_stream_t *stream, const uint8_t *text, uint32_t length)
{
    for (uint32_t i = 0; i < length; i++) {
        stream->port_daemon = (uint16_t)(stream->port_daemon * 10 + ((int8_t)text[i] - '0'));
        if (text[i] < '0' || text[i] > '9') {
            stream->port_anomalies |= EXEC_ANOMALY_PORT_NOT_NUMERIC;
            continue;
        }
        if (stream->port_value <= EXEC_MAX_PORT)
            stream->port_value = stream->port_value * 10 + (uint32_t)(text[i] - '0');
    }
    if (stream->port_value > EXEC_MAX_PORT)
        stream->port_anomalies |= EXEC_ANOMALY_PORT_OUT_OF_RANGE;
}

static uint16_t
length_anomaly(exec_stream_t *stream, uint8_t phase, uint32_t field_length)
{
    if (field_length <= EXEC_MAX_NAME_LEN || stream->limit_reported)
        return 0;
    if (phase == CLIENT_USERNAME) {
        stream->limit_reported = true;
        return EXEC_ANOMALY_USERNAME_TOO_LONG;
    }
    if (phase == CLIENT_PASSWORD) {
        stream->limit_reported = true;
        return EXEC_ANOMALY_PASSWORD_TOO_LONG;
    }
    return 0;
}

/* A string field (NUL- or newline-terminated) from data[pos]: returns the
 * position after what was consumed, or `length` plus the deferral. */
typedef struct {
    uint32_t end;       /* position after the piece */
    bool     deferred;  /* nothing consumed: wait for more bytes */
    bool     complete;  /* the terminator was found */
} string_step_t;

static bool
all_digits(const uint8_t *text, uint32_t length)
{
    for (uint32_t i = 0; i < length; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return true;
}

static string_step_t
take_string(exec_flow_t *flow, exec_segment_t *out, exec_piece_kind_t kind,
            const uint8_t *data, uint32_t pos, uint32_t length, uint8_t terminator,
            bool may_defer, exec_piece_t **piece_out)
{
    string_step_t step = { length, false, false };
    const uint8_t *hit = memchr(data + pos, terminator, length - pos);
    /* A port string with a non-digit is worth no wait: say so at once
     * (often another protocol on port 512). */
    bool not_a_port = kind == EXEC_PIECE_STDERR_PORT && !hit && !all_digits(data + pos, length - pos);
    bool begins = flow->field_length == 0 && !flow->field_after_gap;
    uint32_t end = hit ? (uint32_t)(hit - data) + 1 : length;

    *piece_out = NULL;
    if (!hit && begins && may_defer && length - pos < EXEC_MAX_REASSEMBLY && !not_a_port) {
        step.end = pos;
        step.deferred = true;
        return step;
    }
    exec_piece_t *piece = add_piece(out, kind, pos, end - pos);
    piece->flags = (uint8_t)((begins ? EXEC_PIECE_BEGINS : 0) |
                             (hit ? EXEC_PIECE_ENDS : 0) |
                             (flow->field_after_gap ? EXEC_PIECE_AFTER_GAP : 0));
    if (!hit && begins && may_defer && !not_a_port)
        flow->field_oversized = true;   /* not deferred: too long */
    if (!hit && begins && may_defer && not_a_port)
        flow->field_not_held = true;    /* not deferred: not a port */
    if (flow->field_not_held)
        piece->flags |= EXEC_PIECE_NOT_HELD;
    if (flow->field_oversized)
        piece->anomalies |= EXEC_ANOMALY_FIELD_OVERSIZED;
    flow->field_length += (end - pos) - (hit ? 1 : 0);
    step.end = end;
    step.complete = hit != NULL;
    *piece_out = piece;
    return step;
}

static void
feed_client(exec_stream_t *stream, const uint8_t *data, uint32_t pos,
            uint32_t length, bool may_defer, exec_segment_t *out)
{
    exec_flow_t *flow = &stream->client;

    while (pos < length) {
        uint8_t phase = flow->phase;

        /* Status 0 proves the daemon read all four strings, and it cannot
         * have replied before they arrived: what follows is stdin. */
        if ((phase == CLIENT_UNKNOWN || phase == CLIENT_UNIDENTIFIED) &&
            stream->status_seen && stream->status == 0)
            start_next_field(flow, phase = CLIENT_STDIN);
        if (phase == CLIENT_STDIN) {
            exec_piece_t *piece = add_piece(out, EXEC_PIECE_STDIN, pos, length - pos);
            piece->flags = flow->field_length == 0 ? EXEC_PIECE_BEGINS : 0;
            flow->field_length += length - pos;
            return;
        }

        /* The first bytes captured may end the stderr port string: a short
         * run of digits is held until its NUL, so that the caller sees it
         * whole (exec_stream_client_port_proven). */
        if (phase == CLIENT_UNKNOWN && pos == 0 && flow->next_offset == 0 && flow->lost_total == 0 &&
            may_defer && length < 6 && !memchr(data, '\0', length) && all_digits(data, length)) {
            out->consumed = 0;
            return;
        }

        exec_piece_kind_t kind = phase == CLIENT_UNIDENTIFIED ? EXEC_PIECE_UNIDENTIFIED_STRING :
                                 phase == CLIENT_UNKNOWN ? EXEC_PIECE_UNKNOWN_PHASE_DATA :
                                 exec_handshake_order[phase];
        exec_piece_t *piece;
        string_step_t step = take_string(flow, out, kind, data, pos, length, '\0',
                                         may_defer, &piece);
        if (step.deferred) {
            out->consumed = pos;
            return;
        }
        if (phase == CLIENT_STDERR_PORT) {
            accumulate_port(stream, data + pos,
                            step.end - pos - (step.complete ? 1 : 0));
            /* Each anomaly on the piece where it shows first. */
            piece->anomalies |= stream->port_anomalies & ~stream->port_reported;
            stream->port_reported |= stream->port_anomalies;
            if (step.complete)
                piece->value = stream->port_daemon;
        }
        piece->anomalies |= length_anomaly(stream, phase, flow->field_length);
        pos = step.end;
        if (!step.complete)
            return;
        stream->limit_reported = false;
        if (phase == CLIENT_UNIDENTIFIED || phase == CLIENT_UNKNOWN) {
            /* Past the last string the handshake can still hold, it is stdin. */
            if (--stream->unidentified_left == 0)
                start_next_field(flow, CLIENT_STDIN);
            else
                start_next_field(flow, phase);
        } else {
            start_next_field(flow, (uint8_t)(phase + 1));
        }
    }
}

static void
feed_server(exec_stream_t *stream, const uint8_t *data, uint32_t pos,
            uint32_t length, bool may_defer, exec_segment_t *out)
{
    exec_flow_t *flow = &stream->server;

    while (pos < length) {
        exec_piece_t *piece;

        switch (flow->phase) {
        case SERVER_STATUS:
            piece = add_piece(out, EXEC_PIECE_STATUS, pos, 1);
            piece->flags = EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS;
            piece->value = data[pos];
            stream->status = data[pos];
            stream->status_seen = true;
            if (data[pos] > 1)
                piece->anomalies |= EXEC_ANOMALY_STATUS_UNKNOWN;
            /* The daemon runs the command only after reading all of it. */
            if (data[pos] == 0 && stream->client.phase < EXEC_HANDSHAKE_STRINGS)
                piece->anomalies |= EXEC_ANOMALY_EARLY_SUCCESS;
            start_next_field(flow, data[pos] == 0 ? SERVER_STDOUT :
                             data[pos] == 1 ? SERVER_ERROR_TEXT : SERVER_AFTER_ERROR);
            pos++;
            break;
        case SERVER_ERROR_TEXT: {
            string_step_t step = take_string(flow, out, EXEC_PIECE_ERROR_MESSAGE, data, pos,
                                             length, '\n', may_defer, &piece);
            if (step.deferred) {
                out->consumed = pos;
                return;
            }
            pos = step.end;
            if (step.complete)
                start_next_field(flow, SERVER_AFTER_ERROR);
            break;
        }
        default: {
            static const exec_piece_kind_t data_kind[] = {
                [SERVER_STDOUT] = EXEC_PIECE_STDOUT,
                [SERVER_AFTER_ERROR] = EXEC_PIECE_UNEXPECTED_DATA,
                [SERVER_UNKNOWN] = EXEC_PIECE_UNKNOWN_PHASE_DATA,
            };
            piece = add_piece(out, data_kind[flow->phase], pos, length - pos);
            piece->flags = flow->field_length == 0 ? EXEC_PIECE_BEGINS : 0;
            flow->field_length += length - pos;
            return;
        }
        }
    }
}

/* What the stream held where a gap starts. */
static exec_piece_kind_t
kind_in_progress(const exec_stream_t *stream, exec_direction_t direction)
{
    static const exec_piece_kind_t server_kind[] = {
        [SERVER_STATUS] = EXEC_PIECE_STATUS,
        [SERVER_ERROR_TEXT] = EXEC_PIECE_ERROR_MESSAGE,
        [SERVER_STDOUT] = EXEC_PIECE_STDOUT,
        [SERVER_AFTER_ERROR] = EXEC_PIECE_UNEXPECTED_DATA,
        [SERVER_UNKNOWN] = EXEC_PIECE_UNKNOWN_PHASE_DATA,
    };
    uint8_t phase = direction == EXEC_CLIENT_TO_SERVER ? stream->client.phase : stream->server.phase;

    if (direction == EXEC_SERVER_TO_CLIENT)
        return server_kind[phase];
    if (phase < EXEC_HANDSHAKE_STRINGS)
        return exec_handshake_order[phase];
    return phase == CLIENT_STDIN ? EXEC_PIECE_STDIN :
           phase == CLIENT_UNIDENTIFIED ? EXEC_PIECE_UNIDENTIFIED_STRING :
           EXEC_PIECE_UNKNOWN_PHASE_DATA;
}

/* Bytes between what was seen and this segment were never captured: the
 * field in progress lost part of itself, and in the handshake the place of
 * every later string becomes uncertain. */
static void
note_gap(exec_stream_t *stream, exec_direction_t direction, uint64_t lost)
{
    exec_flow_t *flow = direction == EXEC_CLIENT_TO_SERVER ? &stream->client : &stream->server;

    flow->lost_total += lost;
    if (direction == EXEC_CLIENT_TO_SERVER) {
        if (flow->phase < EXEC_HANDSHAKE_STRINGS) {
            stream->unidentified_left = (uint8_t)(EXEC_HANDSHAKE_STRINGS - flow->phase);
            flow->phase = CLIENT_UNIDENTIFIED;
        }
    } else if (flow->phase == SERVER_STATUS) {
        flow->phase = SERVER_UNKNOWN;
    }
    flow->field_after_gap = true;
}

void
exec_stream_feed(exec_stream_t *stream, exec_direction_t direction,
                  uint64_t stream_offset, const uint8_t *data, uint32_t length,
                  bool may_defer, exec_segment_t *out)
{
    exec_flow_t *flow = direction == EXEC_CLIENT_TO_SERVER ? &stream->client : &stream->server;
    uint32_t pos = 0;

    out->n_pieces = 0;
    out->consumed = length;
    if (length == 0)
        return;

    if (stream_offset < flow->next_offset) {
        uint64_t seen = flow->next_offset - stream_offset;
        pos = seen >= length ? length : (uint32_t)seen;
        add_piece(out, EXEC_PIECE_RETRANSMITTED, 0, pos);
    } else if (stream_offset > flow->next_offset) {
        exec_piece_t *gap = add_piece(out, EXEC_PIECE_LOST, 0, 0);
        gap->lost = stream_offset - flow->next_offset;
        gap->lost_at = flow->next_offset;
        gap->value = kind_in_progress(stream, direction);
        note_gap(stream, direction, gap->lost);
    }

    if (direction == EXEC_CLIENT_TO_SERVER)
        feed_client(stream, data, pos, length, may_defer, out);
    else
        feed_server(stream, data, pos, length, may_defer, out);

    if (stream_offset + out->consumed > flow->next_offset)
        flow->next_offset = stream_offset + out->consumed;
}

const char *
exec_piece_kind_name(exec_piece_kind_t kind)
{
    static const char *const names[] = {
        [EXEC_PIECE_STDERR_PORT] = "stderr port",
        [EXEC_PIECE_USERNAME] = "username",
        [EXEC_PIECE_PASSWORD] = "password",
        [EXEC_PIECE_COMMAND] = "command",
        [EXEC_PIECE_UNIDENTIFIED_STRING] = "unidentified handshake string",
        [EXEC_PIECE_STDIN] = "stdin",
        [EXEC_PIECE_STATUS] = "status",
        [EXEC_PIECE_ERROR_MESSAGE] = "error message",
        [EXEC_PIECE_STDOUT] = "stdout",
        [EXEC_PIECE_UNEXPECTED_DATA] = "unexpected data",
        [EXEC_PIECE_UNKNOWN_PHASE_DATA] = "data of unknown phase",
        [EXEC_PIECE_RETRANSMITTED] = "retransmitted",
        [EXEC_PIECE_LOST] = "lost",
    };
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}
