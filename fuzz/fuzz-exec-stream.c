/* fuzz-exec-stream.c: libFuzzer harness for the rexec engine (engine/).
 *
 * The input is a script, not a byte stream:
 *
 *   byte 0   session flags
 *            bit 0  client start seen (client SYN captured)
 *            bit 1  server start seen (server SYN/ACK captured)
 *            bit 2  on a gap, flush a pending (deferred) remainder with
 *                   may_defer=false instead of dropping it
 *            bit 3  at the end of the script, flush pending remainders
 *            bit 4  the caller proves the server's start without its SYN/ACK
 *                   before any server segment (exec_stream_server_reply_starts):
 *                   the reference parser then checks the server's stream
 *            bit 5  the caller proves the client's first string to be the
 *                   stderr port after the first client segment
 *                   (exec_stream_client_port_proven)
 *   then segments until the input ends, each:
 *   op byte  bit 0     direction (0 client->server, 1 server->client)
 *            bit 1     may_defer (the caller can reassemble)
 *            bits 2-4  stream position:
 *                      0 contiguous with what the sender sent so far
 *                      1 small gap (1 + u8 bytes)
 *                      2 large gap (16 * u16 bytes)
 *                      3 overlap (back 1 + u8 bytes)
 *                      4 exact retransmission of the previous segment's position
 *                      5 far jump (+u32, at most 2^31 - 1: the glue's range)
 *                      6 far back (-u16, clamped at 0)
 *                      7 the engine's next position (the glue without tcpinfo)
 *            bits 5-7  payload:
 *                      0, 6, 7  u8 length, bytes from the input
 *                      1        u16 length, bytes from the input
 *                      2        empty segment
 *                      3        one byte from the input
 *                      4        synthetic: 300 * (u8 + 1) bytes (up to 76800,
 *                               past EXEC_MAX_REASSEMBLY) of a fill byte (u8),
 *                               with another byte (u8) at position 4 * u16
 *                               when that is inside
 *                      5        a protocol token (u8 index into a dictionary)
 *
 * Every segment goes through a simulation of Wireshark's TCP reassembly as
 * packet-exec.c uses it: when the engine consumes less than the segment, the
 * rest is kept and fed again, from the same stream position, together with
 * the next segment of that direction (bounded: the engine promises never to
 * leave EXEC_MAX_REASSEMBLY bytes or more unconsumed).
 *
 * After every call the harness checks the engine's promises (exec-stream.h)
 * and, while a direction's start was seen and nothing of it was lost, a
 * reference parser of the protocol: every byte's kind, the flags, the port
 * value and every anomaly bit.  It also runs the first-copy keeper
 * (exec-overlap.h) as exec-first-copy.c does, against a model that records the
 * first byte the engine took as new at every position below the cap: the
 * kept copy must be those bytes, and a conflict must point at the first
 * retransmitted byte of a field that differs from them.  The same input,
 * read as a frame, also goes through the withheld-segment search
 * (exec-frame.h; see check_frame_search).  Any violation calls
 * __builtin_trap().
 *
 * Build: see fuzz/run-engine-fuzz.sh.  -DEXEC_FUZZ_STANDALONE adds a main()
 * that runs files given as arguments (for gcc, valgrind, reproducers).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-frame.h"
#include "exec-overlap.h"
#include "exec-stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEGMENTS      4096
#define MAX_TOTAL_BYTES   (1u << 20)   /* bytes fed to the engine per input */

static int verbose;

#define CHECK(cond) do { \
        if (!(cond)) { \
            if (verbose) \
                fprintf(stderr, "fuzz-exec-stream: %s:%d: invariant failed: %s\n", \
                        __FILE__, __LINE__, #cond); \
            __builtin_trap(); \
        } \
    } while (0)

/* ------------------------------------------------------------------ input */

typedef struct {
    const uint8_t *p;
    size_t left;
} cursor_t;

static uint8_t
get_u8(cursor_t *c)
{
    if (!c->left)
        return 0;
    c->left--;
    return *c->p++;
}

static uint16_t
get_u16(cursor_t *c)
{
    uint16_t hi = get_u8(c);
    return (uint16_t)(hi << 8 | get_u8(c));
}

static uint32_t
get_u32(cursor_t *c)
{
    uint32_t hi = get_u16(c);
    return hi << 16 | get_u16(c);
}

static const char *const tokens[] = {
    "40369", "0", "", "99999", "-1", "abc", "1234567", "65535", "65536",
    "rexuser", "rexpass1", "rexuser_16_chars", "rexpass1rexpass1", "id -un",
    "\x00", "\x01", "\x07", "Login incorrect.\n", "username too long\n",
    "No remote directory.\n", "\n", "stdout data\n",
};
static const uint8_t token_nul[] = {  /* 1: the token is followed by a NUL */
    1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1,
    0, 0, 0, 0, 0,
    0, 0, 0,
};

/* ------------------------------------------------------------- reference */

/* The protocol as the docs state it, for one direction whose first byte was
 * seen and which lost nothing so far. */
typedef struct {
    int      valid;
    unsigned field;         /* client: 0-3 strings, 4 stdin; server: see below */
    int      started;       /* bytes of the current field seen */
    uint64_t flen;          /* bytes of the current field, terminator excluded */
    uint32_t port;          /* digits only, saturated: the range check */
    uint16_t port_daemon;   /* as netkit's rexecd computes it: every byte a
                             * signed-char digit, in 16 bits */
    int      port_nonnum;
    uint16_t port_reported; /* port anomalies already given on a piece */
    int      oversized;     /* the field is shown in parts: too long */
    int      not_held;      /* a port string with a non-digit, not held */
    int      limit_reported;
} ref_t;

enum { R_STATUS, R_ERROR, R_STDOUT, R_AFTER };

static int
is_string_kind(exec_piece_kind_t k)
{
    return k == EXEC_PIECE_STDERR_PORT || k == EXEC_PIECE_USERNAME ||
           k == EXEC_PIECE_PASSWORD || k == EXEC_PIECE_COMMAND ||
           k == EXEC_PIECE_UNIDENTIFIED_STRING || k == EXEC_PIECE_ERROR_MESSAGE;
}

/* Client bytes whose place is not proven come split at NULs, like strings. */
static int
is_string_piece(exec_direction_t dir, exec_piece_kind_t k)
{
    return is_string_kind(k) || (dir == EXEC_CLIENT_TO_SERVER && k == EXEC_PIECE_UNKNOWN_PHASE_DATA);
}

static int
kind_allowed(exec_direction_t dir, exec_piece_kind_t k)
{
    switch (k) {
    case EXEC_PIECE_STDERR_PORT: case EXEC_PIECE_USERNAME: case EXEC_PIECE_PASSWORD:
    case EXEC_PIECE_COMMAND: case EXEC_PIECE_UNIDENTIFIED_STRING: case EXEC_PIECE_STDIN:
        return dir == EXEC_CLIENT_TO_SERVER;
    case EXEC_PIECE_STATUS: case EXEC_PIECE_ERROR_MESSAGE: case EXEC_PIECE_STDOUT:
    case EXEC_PIECE_UNEXPECTED_DATA:
        return dir == EXEC_SERVER_TO_CLIENT;
    case EXEC_PIECE_UNKNOWN_PHASE_DATA: case EXEC_PIECE_RETRANSMITTED: case EXEC_PIECE_LOST:
        return 1;
    }
    return 0;
}

static void
ref_next_field(ref_t *r, unsigned field)
{
    r->field = field;
    r->started = 0;
    r->flen = 0;
    r->limit_reported = 0;
    r->oversized = 0;
    r->not_held = 0;
}

static int
all_digits(const uint8_t *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (b[i] < '0' || b[i] > '9')
            return 0;
    return 1;
}

static const exec_piece_kind_t client_kind[5] = {
    EXEC_PIECE_STDERR_PORT, EXEC_PIECE_USERNAME, EXEC_PIECE_PASSWORD, EXEC_PIECE_COMMAND,
    EXEC_PIECE_STDIN
};

static void
ref_client_piece(ref_t *r, const exec_piece_t *pc, const uint8_t *b, int may_defer)
{
    uint8_t want_flags = r->started ? 0 : EXEC_PIECE_BEGINS;
    uint16_t want_anom = 0;

    CHECK(pc->kind == client_kind[r->field]);
    if (r->field == 4) {
        CHECK(pc->flags == want_flags);
        CHECK(pc->anomalies == 0);
        r->started = 1;
        r->flen += pc->length;
        return;
    }
    const uint8_t *nul = memchr(b, 0, pc->length);
    int ends = nul != NULL;
    if (ends)
        CHECK(nul == b + pc->length - 1);
    uint32_t text = pc->length - (ends ? 1u : 0u);
    if (ends)
        want_flags |= EXEC_PIECE_ENDS;
    if ((want_flags & EXEC_PIECE_BEGINS) && !ends && may_defer && r->field == 0 &&
        !all_digits(b, pc->length))
        r->not_held = 1;
    if (r->not_held)
        want_flags |= EXEC_PIECE_NOT_HELD;
    CHECK(pc->flags == want_flags);
    /* Not deferred though it could be, and no terminator: too long to
     * reassemble, and so is every later part of the field.  A port string
     * with a non-digit is not deferred either, but is no oversized string. */
    if ((want_flags & EXEC_PIECE_BEGINS) && !ends && may_defer &&
        (r->field != 0 || all_digits(b, pc->length))) {
        r->oversized = 1;
        CHECK(pc->length >= EXEC_MAX_REASSEMBLY);
    }
    if (r->oversized)
        want_anom |= EXEC_ANOMALY_FIELD_OVERSIZED;
    if (r->field == 0) {
        for (uint32_t i = 0; i < text; i++) {
            r->port_daemon = (uint16_t)(r->port_daemon * 10 + ((int8_t)b[i] - '0'));
            if (b[i] < '0' || b[i] > '9')
                r->port_nonnum = 1;
            else if (r->port <= EXEC_MAX_PORT)
                r->port = r->port * 10 + (uint32_t)(b[i] - '0');
        }
        /* Each port anomaly once, on the piece where it shows first. */
        uint16_t port_anom = (uint16_t)((r->port_nonnum ? EXEC_ANOMALY_PORT_NOT_NUMERIC : 0) |
                                        (r->port > EXEC_MAX_PORT ? EXEC_ANOMALY_PORT_OUT_OF_RANGE : 0));
        want_anom |= port_anom & (uint16_t)~r->port_reported;
        r->port_reported |= port_anom;
        if (ends)
            CHECK(pc->value == r->port_daemon);
    }
    uint64_t before = r->flen;
    r->flen += text;
    if ((r->field == 1 || r->field == 2) && !r->limit_reported &&
        before <= EXEC_MAX_NAME_LEN && r->flen > EXEC_MAX_NAME_LEN) {
        want_anom |= r->field == 1 ? EXEC_ANOMALY_USERNAME_TOO_LONG : EXEC_ANOMALY_PASSWORD_TOO_LONG;
        r->limit_reported = 1;
    }
    CHECK(pc->anomalies == want_anom);
    r->started = 1;
    if (ends)
        ref_next_field(r, r->field + 1);
}

static void
ref_server_piece(ref_t *r, const exec_piece_t *pc, const uint8_t *b, int may_defer,
                 uint8_t client_phase)
{
    uint8_t want_flags = r->started ? 0 : EXEC_PIECE_BEGINS;

    switch (r->field) {
    case R_STATUS:
        CHECK(pc->kind == EXEC_PIECE_STATUS);
        CHECK(pc->length == 1);
        CHECK(pc->flags == (EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS));
        CHECK(pc->value == b[0]);
        /* Success before the client's four strings ended: no daemon does that. */
        CHECK(pc->anomalies == ((b[0] > 1 ? EXEC_ANOMALY_STATUS_UNKNOWN : 0) |
                                (b[0] == 0 && client_phase < 4 ? EXEC_ANOMALY_EARLY_SUCCESS : 0)));
        ref_next_field(r, b[0] == 0 ? R_STDOUT : b[0] == 1 ? R_ERROR : R_AFTER);
        return;
    case R_ERROR: {
        CHECK(pc->kind == EXEC_PIECE_ERROR_MESSAGE);
        const uint8_t *nl = memchr(b, '\n', pc->length);
        int ends = nl != NULL;
        if (ends) {
            CHECK(nl == b + pc->length - 1);
            want_flags |= EXEC_PIECE_ENDS;
        }
        CHECK(pc->flags == want_flags);
        if ((want_flags & EXEC_PIECE_BEGINS) && !ends && may_defer) {
            r->oversized = 1;
            CHECK(pc->length >= EXEC_MAX_REASSEMBLY);
        }
        CHECK(pc->anomalies == (r->oversized ? EXEC_ANOMALY_FIELD_OVERSIZED : 0));
        r->started = 1;
        if (ends)
            ref_next_field(r, R_AFTER);
        return;
    }
    default:
        CHECK(pc->kind == (r->field == R_STDOUT ? EXEC_PIECE_STDOUT : EXEC_PIECE_UNEXPECTED_DATA));
        CHECK(pc->flags == want_flags);
        CHECK(pc->anomalies == 0);
        r->started = 1;
        return;
    }
}

/* The kind of the field the reference is in. */
static exec_piece_kind_t
ref_kind(const ref_t *r, exec_direction_t dir)
{
    static const exec_piece_kind_t server_kind[] = {
        [R_STATUS] = EXEC_PIECE_STATUS, [R_ERROR] = EXEC_PIECE_ERROR_MESSAGE,
        [R_STDOUT] = EXEC_PIECE_STDOUT, [R_AFTER] = EXEC_PIECE_UNEXPECTED_DATA,
    };
    return dir == EXEC_CLIENT_TO_SERVER ? client_kind[r->field] : server_kind[r->field];
}

/* ---------------------------------------------------------------- checks */

typedef struct {
    exec_stream_t s;
    ref_t ref[2];
    uint64_t wire_next[2];      /* end of what the sender sent so far */
    uint64_t last_offset[2];    /* position of the previous segment */
    /* The simulated TCP reassembly: bytes the engine left, per direction. */
    uint8_t *pending[2];
    uint32_t pending_len[2];
    uint64_t pending_offset[2];
    size_t   fed;
    exec_overlap_t overlap;
    /* The model of the first copy: the first new byte at each position. */
    uint8_t first_byte[2][EXEC_OVERLAP_CLIENT_CAP];
    uint8_t first_seen[2][EXEC_OVERLAP_CLIENT_CAP];
    /* The reply's bytes handed to exec_overlap_share() now and then, as
     * exec-first-copy.c does at a session's end, each with the copy it must
     * still equal at the run's end (nothing may write through the flow). */
    uint8_t *shared[4], *shared_as_made[4];
    uint16_t shared_length[4];
    unsigned n_shared, server_keeps;
} run_t;

static const uint16_t all_anomalies = EXEC_ANOMALY_PORT_NOT_NUMERIC | EXEC_ANOMALY_PORT_OUT_OF_RANGE |
        EXEC_ANOMALY_USERNAME_TOO_LONG | EXEC_ANOMALY_PASSWORD_TOO_LONG |
        EXEC_ANOMALY_STATUS_UNKNOWN | EXEC_ANOMALY_FIELD_OVERSIZED | EXEC_ANOMALY_EARLY_SUCCESS;

static void
check_feed(run_t *run, exec_direction_t dir, uint64_t offset, const uint8_t *data,
           uint32_t length, int may_defer, int reassembled, const exec_segment_t *out,
           uint64_t next_before, uint8_t client_phase)
{
    const exec_flow_t *flow = dir == EXEC_CLIENT_TO_SERVER ? &run->s.client : &run->s.server;
    uint8_t term = dir == EXEC_CLIENT_TO_SERVER ? 0 : '\n';
    ref_t *ref = &run->ref[dir];

    CHECK(out->n_pieces <= EXEC_MAX_PIECES);
    CHECK(out->consumed <= length);
    if (!may_defer || length == 0)
        CHECK(out->consumed == length);
    /* Nothing consumed: the glue shows nothing for the frame, so there must
     * be nothing to show (a LOST piece would be silently dropped). */
    if (out->consumed == 0)
        CHECK(out->n_pieces == 0);
    if (length == 0)
        CHECK(out->n_pieces == 0);

    /* The stream position the engine expects next (an empty segment says
     * nothing, not even that bytes before it were lost). */
    uint64_t want_next = offset + out->consumed > next_before ? offset + out->consumed : next_before;
    if (length == 0)
        want_next = next_before;
    CHECK(flow->next_offset == want_next);

    uint32_t pos = 0;
    uint32_t retrans = 0;
    for (unsigned i = 0; i < out->n_pieces; i++) {
        const exec_piece_t *pc = &out->pieces[i];
        CHECK((unsigned)pc->kind <= EXEC_PIECE_LOST);
        CHECK(kind_allowed(dir, pc->kind));
        CHECK((pc->flags & ~(EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS | EXEC_PIECE_AFTER_GAP | EXEC_PIECE_NOT_HELD)) == 0);
        if (pc->flags & EXEC_PIECE_NOT_HELD)   /* (after a gap: the same string) */
            CHECK(pc->kind == EXEC_PIECE_STDERR_PORT || pc->kind == EXEC_PIECE_UNIDENTIFIED_STRING);
        CHECK((pc->anomalies & ~all_anomalies) == 0);
        if (pc->kind == EXEC_PIECE_LOST) {
            CHECK(i == 0);
            CHECK(pc->lost > 0);
            CHECK(pc->length == 0 && pc->offset == 0);
            CHECK(offset > next_before && pc->lost == offset - next_before);
            CHECK(pc->lost_at == next_before);
            /* The kind of the field the gap hit. */
            CHECK(pc->value < EXEC_PIECE_RETRANSMITTED);
            CHECK(kind_allowed(dir, (exec_piece_kind_t)pc->value));
            if (ref->valid)
                CHECK(pc->value == ref_kind(ref, dir));
            CHECK(!reassembled);
            ref->valid = 0;
            continue;
        }
        CHECK(pc->lost == 0 && pc->lost_at == 0);
        CHECK(pc->length > 0);
        CHECK(pc->offset == pos);                       /* in order, no hole, no overlap */
        CHECK((uint64_t)pc->offset + pc->length <= length);
        pos = pc->offset + pc->length;
        if (pc->kind == EXEC_PIECE_RETRANSMITTED) {
            CHECK(i == 0 && pc->offset == 0);
            CHECK(offset < next_before);
            CHECK(pc->length == (next_before - offset >= length ? length : next_before - offset));
            CHECK(pc->flags == 0 && pc->anomalies == 0);
            CHECK(!reassembled);
            retrans = pc->length;
            continue;
        }
        /* Anomalies only where they belong. */
        /* On the part of the port string where the bad byte shows. */
        if (pc->anomalies & (EXEC_ANOMALY_PORT_NOT_NUMERIC | EXEC_ANOMALY_PORT_OUT_OF_RANGE))
            CHECK(pc->kind == EXEC_PIECE_STDERR_PORT);
        if (pc->anomalies & EXEC_ANOMALY_EARLY_SUCCESS)
            CHECK(pc->kind == EXEC_PIECE_STATUS && pc->value == 0 && client_phase < 4);
        if (pc->anomalies & EXEC_ANOMALY_USERNAME_TOO_LONG)
            CHECK(pc->kind == EXEC_PIECE_USERNAME);
        if (pc->anomalies & EXEC_ANOMALY_PASSWORD_TOO_LONG)
            CHECK(pc->kind == EXEC_PIECE_PASSWORD);
        if (pc->anomalies & EXEC_ANOMALY_STATUS_UNKNOWN)
            CHECK(pc->kind == EXEC_PIECE_STATUS && pc->value > 1);
        /* Oversized: a string; where it begins, deferrable, unterminated, long. */
        if (pc->anomalies & EXEC_ANOMALY_FIELD_OVERSIZED)
            CHECK(is_string_piece(dir, pc->kind));
        if ((pc->anomalies & EXEC_ANOMALY_FIELD_OVERSIZED) && (pc->flags & EXEC_PIECE_BEGINS))
            CHECK(may_defer && !(pc->flags & EXEC_PIECE_ENDS) && pc->length >= EXEC_MAX_REASSEMBLY);
        if (pc->kind == EXEC_PIECE_STDERR_PORT && (pc->flags & EXEC_PIECE_ENDS))
            CHECK(pc->value <= EXEC_MAX_PORT);
        if (pc->kind == EXEC_PIECE_STATUS)
            CHECK(pc->length == 1 && pc->value == data[pc->offset]);
        /* Strings: the terminator is the last byte of a piece that ENDS, and
         * nowhere else. */
        if (is_string_piece(dir, pc->kind)) {
            uint8_t t = pc->kind == EXEC_PIECE_ERROR_MESSAGE ? '\n' : 0;
            const uint8_t *hit = memchr(data + pc->offset, t, pc->length);
            if (pc->flags & EXEC_PIECE_ENDS)
                CHECK(hit == data + pc->offset + pc->length - 1);
            else
                CHECK(hit == NULL);
        } else if (pc->kind == EXEC_PIECE_STATUS) {
            CHECK(pc->flags == (EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS));
        } else {
            CHECK(!(pc->flags & (EXEC_PIECE_ENDS | EXEC_PIECE_AFTER_GAP)));
        }
        if (ref->valid) {
            CHECK(!(pc->flags & EXEC_PIECE_AFTER_GAP));
            if (dir == EXEC_CLIENT_TO_SERVER)
                ref_client_piece(ref, pc, data + pc->offset, may_defer);
            else
                ref_server_piece(ref, pc, data + pc->offset, may_defer, client_phase);
        }
    }
    /* Pieces cover [0, consumed): the retransmitted prefix, then the rest. */
    CHECK(pos == out->consumed);
    (void)retrans;

    /* What is left over is one string that began here, with no terminator,
     * short enough to reassemble. */
    if (out->consumed < length) {
        uint32_t rest = length - out->consumed;
        CHECK(may_defer);
        CHECK(rest < EXEC_MAX_REASSEMBLY);
        CHECK(memchr(data + out->consumed, term, rest) == NULL);
        CHECK(offset + out->consumed >= next_before);  /* never defers retransmitted bytes */
        /* A port string with a non-digit is never held back. */
        if (dir == EXEC_CLIENT_TO_SERVER && !all_digits(data + out->consumed, rest))
            CHECK(run->s.client.phase != 0);
        if (ref->valid) {
            if (dir == EXEC_CLIENT_TO_SERVER)
                CHECK(ref->field < 4 && !ref->started);
            else
                CHECK(ref->field == R_ERROR && !ref->started);
        }
    }
    CHECK(run->s.client.phase <= 6 && run->s.server.phase <= 4);
    if (run->s.status_seen)
        CHECK(run->s.status == (uint8_t)run->s.status);
}

static void
check_conflicts(const run_t *run, exec_direction_t dir, uint64_t from, const uint8_t *data, uint32_t length)
{
    exec_overlap_conflict_t found[EXEC_OVERLAP_MAX_FIELDS];
    unsigned count = exec_overlap_conflicts(&run->overlap, dir, from, data, length, found);
    uint64_t previous_end = from;

    CHECK(count <= EXEC_OVERLAP_MAX_FIELDS);
    for (unsigned i = 0; i < count; i++) {
        const exec_overlap_conflict_t *c = &found[i];
        CHECK(c->start >= previous_end && c->length > 0);
        CHECK(c->start + c->length <= from + length && c->start + c->length <= run->overlap.flow[dir].length);
        CHECK(c->differs_at >= c->start && c->differs_at < c->start + c->length);
        CHECK(exec_overlap_keeps(c->kind));
        for (uint64_t pos = c->start; pos <= c->differs_at; pos++) {
            uint8_t first = c->first_copy[pos - c->start];
            CHECK(run->first_seen[dir][pos] && first == run->first_byte[dir][pos]);
            CHECK((first == data[pos - from]) == (pos < c->differs_at));
        }
        previous_end = c->start + c->length;
    }
}

static void
share_reply(run_t *run)
{
    exec_overlap_flow_t *flow = &run->overlap.flow[EXEC_SERVER_TO_CLIENT];
    unsigned n = run->n_shared;
    if (!flow->bytes || flow->shared || n == sizeof run->shared / sizeof run->shared[0])
        return;
    size_t size = flow->length ? flow->length : 1;
    run->shared[n] = malloc(size);
    run->shared_as_made[n] = malloc(size);
    memcpy(run->shared[n], flow->bytes, flow->length);
    memcpy(run->shared_as_made[n], flow->bytes, flow->length);
    run->shared_length[n] = flow->length;
    run->n_shared++;
    free(flow->bytes);
    exec_overlap_share(&run->overlap, EXEC_SERVER_TO_CLIENT, run->shared[n]);
}

/* Runs the first-copy keeper on the engine's pieces, as exec-first-copy.c does. */
static void
check_first_copy(run_t *run, exec_direction_t dir, uint64_t offset, const uint8_t *data,
                 const exec_segment_t *out)
{
    const exec_overlap_flow_t *kept = &run->overlap.flow[dir];
    uint32_t cap = dir == EXEC_CLIENT_TO_SERVER ? EXEC_OVERLAP_CLIENT_CAP : EXEC_OVERLAP_SERVER_CAP;

    for (unsigned i = 0; i < out->n_pieces; i++) {
        const exec_piece_t *piece = &out->pieces[i];
        uint64_t from = offset + piece->offset;
        if (piece->kind == EXEC_PIECE_RETRANSMITTED) {
            check_conflicts(run, dir, from, data + piece->offset, piece->length);
            continue;
        }
        for (uint32_t k = 0; k < piece->length && from + k < EXEC_OVERLAP_CLIENT_CAP; k++) {
            if (!run->first_seen[dir][from + k]) {
                run->first_seen[dir][from + k] = 1;
                run->first_byte[dir][from + k] = data[piece->offset + k];
            }
        }
        uint16_t before = kept->length;
        exec_overlap_keep(&run->overlap, dir, piece->kind, from, data + piece->offset, piece->length, realloc);
        CHECK(kept->length <= cap && kept->n_fields <= EXEC_OVERLAP_MAX_FIELDS);
        for (uint32_t pos = before; pos < kept->length; pos++)
            CHECK(run->first_seen[dir][pos] && kept->bytes[pos] == run->first_byte[dir][pos]);
        if (dir == EXEC_SERVER_TO_CLIENT && run->server_keeps++ % 2 == 0)
            share_reply(run);
    }
}

static void
feed(run_t *run, exec_direction_t dir, uint64_t offset, const uint8_t *data, uint32_t length,
     int may_defer, int reassembled, exec_segment_t *out)
{
    const exec_flow_t *flow = dir == EXEC_CLIENT_TO_SERVER ? &run->s.client : &run->s.server;
    uint64_t next_before = flow->next_offset;
    uint8_t client_phase = run->s.client.phase;

    run->fed += length;
    memset(out, 0xA5, sizeof *out);    /* no stale pieces may look valid */
    exec_stream_feed(&run->s, dir, offset, data, length, may_defer != 0, out);
    check_feed(run, dir, offset, data, length, may_defer, reassembled, out, next_before, client_phase);
    check_first_copy(run, dir, offset, data, out);
    if (verbose > 1)
        fprintf(stderr, "  feed dir=%d off=%llu len=%u defer=%d -> consumed %u, %u pieces\n",
                dir, (unsigned long long)offset, length, may_defer, out->consumed, out->n_pieces);
}

/* Feeds a segment and keeps what the engine left for the next one. */
static void
feed_keep(run_t *run, exec_direction_t dir, uint64_t offset, const uint8_t *data,
          uint32_t length, int may_defer, int reassembled)
{
    exec_segment_t out;

    feed(run, dir, offset, data, length, may_defer, reassembled, &out);
    if (out.consumed < length) {
        uint32_t rest = length - out.consumed;
        uint8_t *keep = malloc(rest);
        CHECK(keep != NULL);
        memcpy(keep, data + out.consumed, rest);
        free(run->pending[dir]);
        run->pending[dir] = keep;
        run->pending_len[dir] = rest;
        run->pending_offset[dir] = offset + out.consumed;
    }
}

static void
drop_pending(run_t *run, exec_direction_t dir)
{
    free(run->pending[dir]);
    run->pending[dir] = NULL;
    run->pending_len[dir] = 0;
}

/* Wireshark's TCP ends a reassembly it cannot complete by handing nothing
 * more to the subdissector, or (our flush) hands the rest over undeferrable. */
static void
flush_pending(run_t *run, exec_direction_t dir)
{
    exec_segment_t out;
    uint8_t *buf = run->pending[dir];
    uint32_t len = run->pending_len[dir];
    uint64_t off = run->pending_offset[dir];

    run->pending[dir] = NULL;
    run->pending_len[dir] = 0;
    if (buf) {
        feed(run, dir, off, buf, len, 0, 1, &out);
        free(buf);
    }
}

static void
segment(run_t *run, exec_direction_t dir, uint64_t offset, const uint8_t *data, uint32_t length,
        int may_defer, uint8_t session_flags)
{
    if (!run->pending[dir]) {
        feed_keep(run, dir, offset, data, length, may_defer, 0);
        return;
    }
    uint64_t pstart = run->pending_offset[dir];
    uint64_t pend = pstart + run->pending_len[dir];

    if (offset >= pstart && offset <= pend) {
        uint64_t skip = pend - offset;
        if (skip >= length)
            return;     /* wholly inside what waits for reassembly: TCP keeps it */
        uint32_t add = length - (uint32_t)skip;
        uint32_t plen = run->pending_len[dir];
        CHECK(plen < EXEC_MAX_REASSEMBLY);     /* the engine's bound */
        uint8_t *buf = malloc((size_t)plen + add);
        CHECK(buf != NULL);
        memcpy(buf, run->pending[dir], plen);
        memcpy(buf + plen, data + skip, add);
        drop_pending(run, dir);
        feed_keep(run, dir, pstart, buf, plen + add, may_defer, 1);
        free(buf);
        return;
    }
    /* A gap (or a segment before the reassembly): it never completes. */
    if (session_flags & 0x04)
        flush_pending(run, dir);
    else
        drop_pending(run, dir);
    feed_keep(run, dir, offset, data, length, may_defer, 0);
}

static int
run_script(const uint8_t *input, size_t size)
{
    cursor_t c = { input, size };
    run_t run;
    uint8_t *scratch = NULL;

    memset(&run, 0, sizeof run);
    uint8_t flags = get_u8(&c);
    exec_stream_init(&run.s, flags & 1, (flags & 2) != 0);
    run.ref[EXEC_CLIENT_TO_SERVER].valid = flags & 1;
    run.ref[EXEC_SERVER_TO_CLIENT].valid = (flags & 2) != 0;
    if (flags & 0x10) {
        /* Before any server byte: as if its SYN/ACK had been seen. */
        exec_stream_server_reply_starts(&run.s);
        run.ref[EXEC_SERVER_TO_CLIENT].valid = true;
    }
    int port_proof_pending = (flags & 0x20) != 0;
    CHECK(!exec_stream_in_data_phase(&run.s));

    for (unsigned n = 0; n < MAX_SEGMENTS && c.left && run.fed < MAX_TOTAL_BYTES; n++) {
        uint8_t op = get_u8(&c);
        exec_direction_t dir = (op & 1) ? EXEC_SERVER_TO_CLIENT : EXEC_CLIENT_TO_SERVER;
        int may_defer = (op >> 1) & 1;
        const exec_flow_t *flow = dir == EXEC_CLIENT_TO_SERVER ? &run.s.client : &run.s.server;
        uint64_t wn = run.wire_next[dir];
        uint64_t offset;

        switch ((op >> 2) & 7) {
        case 0: offset = wn; break;
        case 1: offset = wn + 1 + get_u8(&c); break;
        case 2: offset = wn + 16u * get_u16(&c); break;
        case 3: { uint64_t back = 1u + get_u8(&c); offset = wn > back ? wn - back : 0; break; }
        case 4: offset = run.last_offset[dir]; break;
        case 5: offset = wn + (get_u32(&c) & 0x7fffffffu); break;
        case 6: { uint64_t back = get_u16(&c); offset = wn > back ? wn - back : 0; break; }
        default: offset = flow->next_offset; break;
        }

        const uint8_t *data;
        uint32_t length;
        free(scratch);
        scratch = NULL;
        switch (op >> 5) {
        case 1: length = get_u16(&c); break;
        case 2: length = 0; break;
        case 3: length = 1; break;
        case 4: {
            uint32_t len = 300u * (get_u8(&c) + 1u);
            uint8_t fill = get_u8(&c), term = get_u8(&c);
            uint32_t at = get_u16(&c) * 4u;
            scratch = malloc(len);
            CHECK(scratch != NULL);
            memset(scratch, fill, len);
            if (at < len)
                scratch[at] = term;
            length = len;
            break;
        }
        case 5: {
            unsigned t = get_u8(&c) % (sizeof tokens / sizeof tokens[0]);
            size_t tl = strlen(tokens[t]);
            if (t == 14)       /* "\x00": strlen says 0 */
                tl = 1;
            length = (uint32_t)tl + token_nul[t];
            scratch = malloc(length ? length : 1);
            CHECK(scratch != NULL);
            memcpy(scratch, tokens[t], tl);
            if (token_nul[t])
                scratch[tl] = 0;
            break;
        }
        default: length = get_u8(&c); break;
        }
        if (scratch) {
            data = scratch;
        } else {
            if (length > c.left)
                length = (uint32_t)c.left;
            data = c.p;
            c.p += length;
            c.left -= length;
        }

        run.last_offset[dir] = offset;
        if (offset + length > run.wire_next[dir])
            run.wire_next[dir] = offset + length;
        segment(&run, dir, offset, data, length, may_defer, flags);
        if (port_proof_pending && dir == EXEC_CLIENT_TO_SERVER) {
            exec_stream_client_port_proven(&run.s);
            port_proof_pending = 0;
        }
    }
    free(scratch);
    for (int d = 0; d < 2; d++) {
        if (flags & 0x08)
            flush_pending(&run, (exec_direction_t)d);
        else
            drop_pending(&run, (exec_direction_t)d);
    }
    /* The data phase is what the client's stream says. */
    if (run.ref[EXEC_CLIENT_TO_SERVER].valid)
        CHECK(exec_stream_in_data_phase(&run.s) == (run.ref[EXEC_CLIENT_TO_SERVER].field == 4));
    for (int k = 0; k <= EXEC_PIECE_LOST + 1; k++)
        CHECK(exec_piece_kind_name((exec_piece_kind_t)k) != NULL);
    free(run.overlap.flow[EXEC_CLIENT_TO_SERVER].bytes);
    if (!run.overlap.flow[EXEC_SERVER_TO_CLIENT].shared)
        free(run.overlap.flow[EXEC_SERVER_TO_CLIENT].bytes);
    for (unsigned i = 0; i < run.n_shared; i++) {
        CHECK(memcmp(run.shared[i], run.shared_as_made[i], run.shared_length[i]) == 0);
        free(run.shared[i]);
        free(run.shared_as_made[i]);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The same input as a frame for exec_frame_find_tcp_payload: its first 8
 * bytes are the ports and sequence number to look for, the next 4 the
 * span, the rest the frame.  What is found lies inside the frame, after a
 * header of 20 to 60 bytes that starts with those 8 bytes. */
static void
check_frame_search(const uint8_t *data, size_t size)
{
    if (size < 12)
        return;
    uint16_t src_port = (uint16_t)(data[0] << 8 | data[1]), dst_port = (uint16_t)(data[2] << 8 | data[3]);
    uint32_t seq = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 | (uint32_t)data[6] << 8 | data[7];
    uint32_t span = (uint32_t)data[8] << 24 | (uint32_t)data[9] << 16 | (uint32_t)data[10] << 8 | data[11];
    const uint8_t *frame = data + 12;
    size_t captured = size - 12;
    exec_frame_payload_t payload;

    if (!exec_frame_find_tcp_payload(frame, captured, src_port, dst_port, seq, span, &payload))
        return;
    CHECK(payload.offset <= captured && payload.length <= captured - payload.offset);
    CHECK(payload.length <= span);
    int header_found = 0;
    for (size_t header = 20; header <= 60 && header <= payload.offset; header += 4)
        header_found |= memcmp(frame + payload.offset - header, data, 8) == 0 &&
                        (size_t)(frame[payload.offset - header + 12] >> 4) * 4 == header;
    CHECK(header_found);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_frame_search(data, size);
    return run_script(data, size);
}

#ifdef EXEC_FUZZ_STANDALONE
/* Runs each file named on the command line once (no fuzzing). */
int
main(int argc, char **argv)
{
    verbose = getenv("EXEC_FUZZ_VERBOSE") ? atoi(getenv("EXEC_FUZZ_VERBOSE")) : 1;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        size_t cap = 1 << 16, len = 0, got;
        uint8_t *buf = malloc(cap);
        while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
            len += got;
            if (len == cap)
                buf = realloc(buf, cap *= 2);
        }
        fclose(f);
        if (!buf)
            return 2;
        run_script(buf, len);
        free(buf);
    }
    printf("ran %d input(s)\n", argc - 1);
    return 0;
}
#else
/* Print the failing invariant in libFuzzer runs too. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    verbose = 1;
    return 0;
}
#endif
