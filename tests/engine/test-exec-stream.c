/* Unit tests of the rexec engine: segmentation, limits, replies, gaps.
 *
 * Each test states a fact of the protocol (exec-protocol.md) and checks
 * what the engine says of every byte.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-stream.h"

#include <stdlib.h>
#include <string.h>

#include "unit-check.h"

static const exec_piece_t *
piece_at(const exec_segment_t *seg, unsigned i)
{
    return i < seg->n_pieces ? &seg->pieces[i] : NULL;
}

static int
is_piece(const exec_segment_t *seg, unsigned i, exec_piece_kind_t kind, uint32_t offset,
         uint32_t length, uint8_t flags)
{
    const exec_piece_t *p = piece_at(seg, i);
    if (!p) {
        fprintf(stderr, "  no piece %u (have %u)\n", i, seg->n_pieces);
        return 0;
    }
    if (p->kind != kind || p->offset != offset || p->length != length || p->flags != flags) {
        fprintf(stderr, "  piece %u: %s @%u+%u flags %x; want %s @%u+%u flags %x\n", i,
                exec_piece_kind_name(p->kind), p->offset, p->length, p->flags,
                exec_piece_kind_name(kind), offset, length, flags);
        return 0;
    }
    return 1;
}

#define WHOLE (EXEC_PIECE_BEGINS | EXEC_PIECE_ENDS)

static void
test_all_four_strings_in_one_segment(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("40369\0rexuser\0rexpass1\0ls -l\0"), true, &seg);
    CHECK(seg.consumed == 29);
    CHECK(seg.n_pieces == 4);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STDERR_PORT, 0, 6, WHOLE));
    CHECK(seg.pieces[0].value == 40369);
    CHECK(seg.pieces[0].anomalies == 0);
    CHECK(is_piece(&seg, 1, EXEC_PIECE_USERNAME, 6, 8, WHOLE));
    CHECK(is_piece(&seg, 2, EXEC_PIECE_PASSWORD, 14, 9, WHOLE));
    CHECK(is_piece(&seg, 3, EXEC_PIECE_COMMAND, 23, 6, WHOLE));
    CHECK(exec_stream_in_data_phase(&s));
}

static void
test_glibc_segmentation_port_then_credentials(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("\0"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STDERR_PORT, 0, 1, WHOLE));
    CHECK(seg.pieces[0].value == 0);
    exec_stream_feed(&s, C2S, 1, BYTES("rexuser\0rexpass1\0id -un\0"), true, &seg);
    CHECK(seg.n_pieces == 3);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_USERNAME, 0, 8, WHOLE));
    CHECK(is_piece(&seg, 2, EXEC_PIECE_COMMAND, 17, 7, WHOLE));
}

static void
test_stdin_follows_command_even_with_nul_bytes(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("\0u\0p\0cat\0in\0put"), true, &seg);
    CHECK(seg.n_pieces == 5);
    CHECK(is_piece(&seg, 4, EXEC_PIECE_STDIN, 9, 6, EXEC_PIECE_BEGINS));
    exec_stream_feed(&s, C2S, 15, BYTES("\0\0\0\0\0"), true, &seg);
    CHECK(seg.n_pieces == 1);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STDIN, 0, 5, 0));
}

static void
test_split_string_is_deferred_for_reassembly(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("403"), true, &seg);
    CHECK(seg.consumed == 0);
    CHECK(seg.n_pieces == 0);
    /* TCP hands over the reassembled bytes from the same position. */
    exec_stream_feed(&s, C2S, 0, BYTES("40369\0rexu"), true, &seg);
    CHECK(seg.consumed == 6);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STDERR_PORT, 0, 6, WHOLE));
    CHECK(seg.pieces[0].value == 40369);
    exec_stream_feed(&s, C2S, 6, BYTES("rexuser\0"), true, &seg);
    CHECK(seg.consumed == 8);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_USERNAME, 0, 8, WHOLE));
}

static void
test_split_string_without_reassembly_is_shown_in_parts(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("403"), false, &seg);
    CHECK(seg.consumed == 3);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STDERR_PORT, 0, 3, EXEC_PIECE_BEGINS));
    exec_stream_feed(&s, C2S, 3, BYTES("69\0rex"), false, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STDERR_PORT, 0, 3, EXEC_PIECE_ENDS));
    CHECK(seg.pieces[0].value == 40369);
    CHECK(is_piece(&seg, 1, EXEC_PIECE_USERNAME, 3, 3, EXEC_PIECE_BEGINS));
    exec_stream_feed(&s, C2S, 9, BYTES("user\0"), false, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_USERNAME, 0, 5, EXEC_PIECE_ENDS));
}

static void
check_port(const char *text, uint32_t length, uint32_t value, uint16_t anomalies)
{
    exec_stream_t s;
    exec_segment_t seg;
    uint8_t buf[32];
    memcpy(buf, text, length);
    buf[length] = 0;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, buf, length + 1, true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STDERR_PORT, 0, length + 1, WHOLE));
    if (seg.n_pieces) {
        if (seg.pieces[0].value != value || seg.pieces[0].anomalies != anomalies)
            fprintf(stderr, "  port \"%s\": value %u anomalies %x\n", text,
                    seg.pieces[0].value, seg.pieces[0].anomalies);
        CHECK(seg.pieces[0].value == value);
        CHECK(seg.pieces[0].anomalies == anomalies);
    }
}

static void
test_stderr_port_validation(void)
{
    check_port("", 0, 0, 0);
    check_port("0", 1, 0, 0);
    check_port("1023", 4, 1023, 0);
    check_port("65535", 5, 65535, 0);
    check_port("0040369", 7, 40369, 0);     /* the daemon reads digits, zeros too */
    /* Out of range or not digits: the value is the one the daemon computes
     * (and connects back to), digit by digit in 16 bits; seen in captures. */
    check_port("65536", 5, 0, EXEC_ANOMALY_PORT_OUT_OF_RANGE);
    check_port("99999", 5, 34463, EXEC_ANOMALY_PORT_OUT_OF_RANGE);
    check_port("1234567", 7, 54919, EXEC_ANOMALY_PORT_OUT_OF_RANGE);
    check_port("-1", 2, 65507, EXEC_ANOMALY_PORT_NOT_NUMERIC);
    check_port("abc", 3, 5451, EXEC_ANOMALY_PORT_NOT_NUMERIC);
    check_port("\xff", 1, 65487, EXEC_ANOMALY_PORT_NOT_NUMERIC);   /* a signed char */
}

/* Hostile port strings (issue 17): six and more digits, leading zeros, signs,
 * spaces.  The value is the port the netkit daemon computes (and connects
 * back to), digit by digit in 16 bits with a signed char; the anomalies are
 * what the analyst is told.  Digits only and at most 65535 is a port, even
 * with leading zeros (the daemon reads them as zeros). */
static void
test_hostile_port_strings(void)
{
    check_port("100000", 6, 34464, EXEC_ANOMALY_PORT_OUT_OF_RANGE);
    check_port("999999", 6, 16959, EXEC_ANOMALY_PORT_OUT_OF_RANGE);
    check_port("000000", 6, 0, 0);
    check_port("065535", 6, 65535, 0);
    check_port("065536", 6, 0, EXEC_ANOMALY_PORT_OUT_OF_RANGE);
    check_port("00512", 5, 512, 0);
    check_port("0000000000512", 13, 512, 0);
    /* 2^32 + 511: a count that wrapped in 32 bits would read as port 511. */
    check_port("4294967807", 10, 511, EXEC_ANOMALY_PORT_OUT_OF_RANGE);
    check_port("18446744073709551617", 20, 1, EXEC_ANOMALY_PORT_OUT_OF_RANGE);
    check_port("+512", 4, 61048, EXEC_ANOMALY_PORT_NOT_NUMERIC);
    check_port("-512", 4, 63048, EXEC_ANOMALY_PORT_NOT_NUMERIC);
    check_port(" 512", 4, 50048, EXEC_ANOMALY_PORT_NOT_NUMERIC);
    check_port("512 ", 4, 5104, EXEC_ANOMALY_PORT_NOT_NUMERIC);
    check_port("5 12", 4, 3412, EXEC_ANOMALY_PORT_NOT_NUMERIC);
    check_port("512\t", 4, 5081, EXEC_ANOMALY_PORT_NOT_NUMERIC);
    check_port("0x200", 5, 6664, EXEC_ANOMALY_PORT_NOT_NUMERIC);
    check_port("1e3", 3, 633, EXEC_ANOMALY_PORT_NOT_NUMERIC);
    /* Not numeric and out of range at once: both said. */
    check_port("-99999", 6, 62143, EXEC_ANOMALY_PORT_NOT_NUMERIC | EXEC_ANOMALY_PORT_OUT_OF_RANGE);
}

/* Unterminated: a string of digits, however long, may be a port and is held
 * for reassembly; a sign or a space proves it is none, and it is shown at
 * once.  Completed later, a held 6-digit string is still out of range. */
static void
test_hostile_port_strings_held_or_not(void)
{
    static const char *const not_ports[] = { "+512", "-1", " 512", "512 ", "5 12" };
    exec_stream_t s;
    exec_segment_t seg;

    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("123456"), true, &seg);
    CHECK(seg.consumed == 0 && seg.n_pieces == 0);
    exec_stream_feed(&s, C2S, 0, BYTES("1234567\0"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STDERR_PORT, 0, 8, WHOLE));
    CHECK(seg.pieces[0].anomalies == EXEC_ANOMALY_PORT_OUT_OF_RANGE);
    CHECK(seg.pieces[0].value == 54919);

    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("0999"), true, &seg);
    CHECK(seg.consumed == 0 && seg.n_pieces == 0);   /* '9' is a digit too */

    for (size_t i = 0; i < sizeof not_ports / sizeof not_ports[0]; i++) {
        uint32_t length = (uint32_t)strlen(not_ports[i]);
        exec_stream_init(&s, true, true);
        exec_stream_feed(&s, C2S, 0, (const uint8_t *)not_ports[i], length, true, &seg);
        CHECK(seg.consumed == length);
        CHECK(is_piece(&seg, 0, EXEC_PIECE_STDERR_PORT, 0, length, EXEC_PIECE_BEGINS | EXEC_PIECE_NOT_HELD));
        CHECK(seg.n_pieces == 1 && seg.pieces[0].anomalies == EXEC_ANOMALY_PORT_NOT_NUMERIC);
    }
}

static void
test_port_with_a_non_digit_is_not_deferred(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("GET / HTTP/1.1\r\n"), true, &seg);
    CHECK(seg.consumed == 16);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STDERR_PORT, 0, 16, EXEC_PIECE_BEGINS | EXEC_PIECE_NOT_HELD));
    CHECK(seg.pieces[0].anomalies == EXEC_ANOMALY_PORT_NOT_NUMERIC);
}

static void
test_port_validation_across_parts(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("999"), false, &seg);
    exec_stream_feed(&s, C2S, 3, BYTES("99\0"), false, &seg);
    CHECK(seg.pieces[0].anomalies == EXEC_ANOMALY_PORT_OUT_OF_RANGE);
    CHECK(seg.pieces[0].value == 34463);
    /* A bad byte is reported in the part where it is, once. */
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("1x"), false, &seg);
    CHECK(seg.pieces[0].anomalies == EXEC_ANOMALY_PORT_NOT_NUMERIC);
    exec_stream_feed(&s, C2S, 2, BYTES("2\0"), false, &seg);
    CHECK(seg.pieces[0].anomalies == 0);
}

static void
test_name_limits(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    /* 15 characters pass, 16 are "too long" for the daemon. */
    exec_stream_feed(&s, C2S, 0, BYTES("\0abcdefghijklmno\0abcdefghijklmnop\0x\0"), true, &seg);
    CHECK(seg.n_pieces == 4);
    CHECK(seg.pieces[1].anomalies == 0);
    CHECK(seg.pieces[2].anomalies == EXEC_ANOMALY_PASSWORD_TOO_LONG);
    CHECK(seg.pieces[3].anomalies == 0);

    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("\0averyveryverylonguser"), false, &seg);
    CHECK(seg.pieces[1].anomalies == EXEC_ANOMALY_USERNAME_TOO_LONG);
    exec_stream_feed(&s, C2S, 22, BYTES("more\0"), false, &seg);
    CHECK(seg.pieces[0].anomalies == 0);    /* said once per field */
}

static void
test_server_success_then_stdout(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, S2C, 0, BYTES("\0rexuser\n"), true, &seg);
    CHECK(seg.n_pieces == 2);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STATUS, 0, 1, WHOLE));
    CHECK(seg.pieces[0].value == 0);
    CHECK(is_piece(&seg, 1, EXEC_PIECE_STDOUT, 1, 8, EXEC_PIECE_BEGINS));
    CHECK(s.status_seen && s.status == 0);
    exec_stream_feed(&s, S2C, 9, BYTES("more\1\0"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STDOUT, 0, 6, 0));
}

static void
test_server_error_message(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, S2C, 0, BYTES("\1Login incorrect.\n"), true, &seg);
    CHECK(seg.n_pieces == 2);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STATUS, 0, 1, WHOLE));
    CHECK(seg.pieces[0].value == 1);
    CHECK(is_piece(&seg, 1, EXEC_PIECE_ERROR_MESSAGE, 1, 17, WHOLE));
    exec_stream_feed(&s, S2C, 18, BYTES("junk"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_UNEXPECTED_DATA, 0, 4, EXEC_PIECE_BEGINS));
}

static void
test_server_error_split_and_deferred(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, S2C, 0, BYTES("\1username"), true, &seg);
    CHECK(seg.consumed == 1);
    CHECK(seg.n_pieces == 1);
    exec_stream_feed(&s, S2C, 1, BYTES("username too long\n"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_ERROR_MESSAGE, 0, 18, WHOLE));
}

static void
test_success_before_the_command(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, S2C, 0, BYTES("\0out"), true, &seg);
    CHECK(seg.pieces[0].anomalies == EXEC_ANOMALY_EARLY_SUCCESS);
    exec_stream_feed(&s, C2S, 0, BYTES("\0u\0"), true, &seg);
    CHECK(is_piece(&seg, 1, EXEC_PIECE_USERNAME, 1, 2, WHOLE));
}

/* Later passes classify a reply at the stream's start again in a stream
 * made for it: it must say what the session's own stream said, early
 * success included, and only while the server's flow had taken nothing. */
static void
test_reply_classifies_again_alike(void)
{
    static const struct {
        const uint8_t *request;
        uint32_t request_length;
        const uint8_t *reply;
        uint32_t reply_length;
    } cases[] = {
        { BYTES("\0u\0p\0id\0"), BYTES("\1Login incorrect.\n") },
        { BYTES("\0u\0p\0id\0"), BYTES("\0uid=0(root)\n") },
        { BYTES("\0u\0p\0"), BYTES("\0early") },      /* success before the command */
        { BYTES("\0u\0p\0id\0"), BYTES("\1Login inc") },  /* deferred for the rest */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        exec_stream_t session, again;
        exec_segment_t first, second;
        bool in_handshake = false;
        exec_stream_init(&session, true, true);
        exec_stream_feed(&session, C2S, 0, cases[i].request, cases[i].request_length, true, &first);
        CHECK(exec_stream_reply_untouched(&session, &in_handshake));
        CHECK(in_handshake == (i == 2));
        exec_stream_feed(&session, S2C, 0, cases[i].reply, cases[i].reply_length, true, &first);
        exec_stream_init_reply(&again, in_handshake);
        exec_stream_feed(&again, S2C, 0, cases[i].reply, cases[i].reply_length, true, &second);
        CHECK(first.n_pieces == second.n_pieces && first.consumed == second.consumed);
        CHECK(memcmp(first.pieces, second.pieces, first.n_pieces * sizeof first.pieces[0]) == 0);
        CHECK(!exec_stream_reply_untouched(&session, &in_handshake) || first.consumed == 0);
    }
}

/* glibc's rexec(3) sends the stderr port string alone, then the rest:
 * later passes classify that second segment again in a stream made from
 * the port number, which must be the session's own state then, and only
 * when the port string was the number's plain digits. */
static void
test_after_port_string_alone(void)
{
    static const struct {
        const uint8_t *port_string;
        uint32_t length;
        uint32_t port;
        bool alike;
    } cases[] = {
        { BYTES("40369\0"), 40369, true },
        { BYTES("\0"), 0, true },                  /* no stderr channel */
        { BYTES("040369\0"), 40369, false },       /* a leading zero */
        { BYTES("99999\0"), 34463, false },        /* the daemon's 16 bits */
        { BYTES("40369\0u\0"), 40369, false },    /* more than the port */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        exec_stream_t session, again;
        exec_segment_t first, second;
        exec_stream_init(&session, true, true);
        exec_stream_feed(&session, C2S, 0, cases[i].port_string, cases[i].length, true, &first);
        CHECK(exec_stream_after_port_only(&session, cases[i].port) == cases[i].alike);
        if (!cases[i].alike)
            continue;
        CHECK(!exec_stream_after_port_only(&session, cases[i].port + 1));
        exec_stream_init_after_port(&again, cases[i].port);
        CHECK(again.client.next_offset == cases[i].length);
        exec_stream_feed(&session, C2S, cases[i].length, BYTES("user\0pass\0id\0"), true, &first);
        exec_stream_feed(&again, C2S, cases[i].length, BYTES("user\0pass\0id\0"), true, &second);
        CHECK(first.n_pieces == 3 && first.n_pieces == second.n_pieces);
        CHECK(memcmp(first.pieces, second.pieces, first.n_pieces * sizeof first.pieces[0]) == 0);
    }
}

static void
test_unknown_status_byte(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, S2C, 0, BYTES("\x07hello"), true, &seg);
    CHECK(seg.pieces[0].anomalies == EXEC_ANOMALY_STATUS_UNKNOWN);
    CHECK(is_piece(&seg, 1, EXEC_PIECE_UNEXPECTED_DATA, 1, 5, EXEC_PIECE_BEGINS));
    /* Only 0 and 1 mean something: every other byte, 2 and 255 too, is unknown. */
    static const uint8_t others[] = { 2, 3, 0x7f, 0x80, 0xff };
    for (size_t i = 0; i < sizeof others; i++) {
        exec_stream_init(&s, true, true);
        exec_stream_feed(&s, S2C, 0, &others[i], 1, true, &seg);
        CHECK(seg.n_pieces == 1 && seg.pieces[0].kind == EXEC_PIECE_STATUS);
        CHECK(seg.pieces[0].value == others[i] && seg.pieces[0].anomalies == EXEC_ANOMALY_STATUS_UNKNOWN);
    }
    for (uint8_t known = 0; known <= 1; known++) {
        exec_stream_init(&s, true, true);
        exec_stream_feed(&s, C2S, 0, BYTES("\0u\0p\0c\0"), true, &seg);
        exec_stream_feed(&s, S2C, 0, &known, 1, true, &seg);
        CHECK(seg.n_pieces == 1 && seg.pieces[0].anomalies == 0);
    }
}

static void
test_retransmission_is_not_shown_twice(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("\0rexuser\0"), true, &seg);
    exec_stream_feed(&s, C2S, 0, BYTES("\0rexuser\0"), true, &seg);
    CHECK(seg.n_pieces == 1);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_RETRANSMITTED, 0, 9, 0));
    /* Overlap: the new part is still decoded. */
    exec_stream_feed(&s, C2S, 1, BYTES("rexuser\0pw\0"), true, &seg);
    CHECK(seg.n_pieces == 2);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_RETRANSMITTED, 0, 8, 0));
    CHECK(is_piece(&seg, 1, EXEC_PIECE_PASSWORD, 8, 3, WHOLE));
}

static void
test_gap_in_handshake_never_mislabels(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("40369\0"), true, &seg);
    /* The segment with the username is lost; the next starts 10 bytes on. */
    exec_stream_feed(&s, C2S, 16, BYTES("ss1\0ls\0input"), true, &seg);
    CHECK(seg.n_pieces == 3);
    CHECK(seg.consumed == 7);   /* "input" may be the command: reassembled */
    CHECK(seg.pieces[0].kind == EXEC_PIECE_LOST && seg.pieces[0].lost == 10);
    CHECK(seg.pieces[0].lost_at == 6 && seg.pieces[0].value == EXEC_PIECE_USERNAME);
    CHECK(is_piece(&seg, 1, EXEC_PIECE_UNIDENTIFIED_STRING, 0, 4,
                   EXEC_PIECE_ENDS | EXEC_PIECE_AFTER_GAP));
    CHECK(is_piece(&seg, 2, EXEC_PIECE_UNIDENTIFIED_STRING, 4, 3, WHOLE));
    /* Three strings at most could follow the port: the third may still be
     * one; past it everything is stdin. */
    exec_stream_feed(&s, C2S, 23, BYTES("input\0tail"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_UNIDENTIFIED_STRING, 0, 6, WHOLE));
    CHECK(is_piece(&seg, 1, EXEC_PIECE_STDIN, 6, 4, EXEC_PIECE_BEGINS));
    CHECK(s.client.lost_total == 10);
}

static void
test_success_status_proves_stdin_after_a_gap(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("40369\0"), true, &seg);
    exec_stream_feed(&s, C2S, 20, BYTES("md\0"), true, &seg);
    CHECK(is_piece(&seg, 1, EXEC_PIECE_UNIDENTIFIED_STRING, 0, 3, EXEC_PIECE_ENDS | EXEC_PIECE_AFTER_GAP));
    exec_stream_feed(&s, S2C, 0, BYTES("\0"), true, &seg);
    exec_stream_feed(&s, C2S, 23, BYTES("a\0b"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STDIN, 0, 3, EXEC_PIECE_BEGINS));

    /* An error may come before the client's last strings: no proof. */
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("40369\0"), true, &seg);
    exec_stream_feed(&s, C2S, 20, BYTES("md\0"), true, &seg);
    exec_stream_feed(&s, S2C, 0, BYTES("\1username too long\n"), true, &seg);
    exec_stream_feed(&s, C2S, 23, BYTES("a\0"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_UNIDENTIFIED_STRING, 0, 2, WHOLE));
}

static void
test_mid_stream_capture(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, false, false);
    /* The first bytes may end any string: their start is not proven. */
    exec_stream_feed(&s, C2S, 0, BYTES("ls\0"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_UNKNOWN_PHASE_DATA, 0, 3, EXEC_PIECE_ENDS | EXEC_PIECE_AFTER_GAP));
    exec_stream_feed(&s, S2C, 0, BYTES("out"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_UNKNOWN_PHASE_DATA, 0, 3, EXEC_PIECE_BEGINS));

    /* After a captured NUL, strings are whole, split as the handshake
     * would be, still unnamed; one split across segments is reassembled. */
    exec_stream_init(&s, false, false);
    exec_stream_feed(&s, C2S, 0, BYTES("ame\0pw\0l"), true, &seg);
    CHECK(seg.n_pieces == 2 && seg.consumed == 7);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_UNKNOWN_PHASE_DATA, 0, 4, EXEC_PIECE_ENDS | EXEC_PIECE_AFTER_GAP));
    CHECK(is_piece(&seg, 1, EXEC_PIECE_UNKNOWN_PHASE_DATA, 4, 3, WHOLE));
    exec_stream_feed(&s, C2S, 7, BYTES("ls\0"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_UNKNOWN_PHASE_DATA, 0, 3, WHOLE));

    /* First bytes that may end the port string are held until its NUL. */
    exec_stream_init(&s, false, false);
    exec_stream_feed(&s, C2S, 0, BYTES("40"), true, &seg);
    CHECK(seg.n_pieces == 0 && seg.consumed == 0);
    exec_stream_feed(&s, C2S, 0, BYTES("40369\0"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_UNKNOWN_PHASE_DATA, 0, 6, EXEC_PIECE_ENDS | EXEC_PIECE_AFTER_GAP));
    exec_stream_init(&s, false, false);
    exec_stream_feed(&s, C2S, 0, BYTES("403691"), true, &seg);
    CHECK(seg.consumed == 6);
    exec_stream_init(&s, false, false);
    exec_stream_feed(&s, C2S, 0, BYTES("40"), false, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_UNKNOWN_PHASE_DATA, 0, 2, EXEC_PIECE_AFTER_GAP));

    /* The handshake holds four NULs: past the fourth, it is stdin. */
    exec_stream_init(&s, false, false);
    exec_stream_feed(&s, C2S, 0, BYTES("1\0u\0p\0c\0in\0put"), true, &seg);
    CHECK(seg.n_pieces == 5);
    CHECK(is_piece(&seg, 3, EXEC_PIECE_UNKNOWN_PHASE_DATA, 6, 2, WHOLE));
    CHECK(is_piece(&seg, 4, EXEC_PIECE_STDIN, 8, 6, EXEC_PIECE_BEGINS));

    /* The server's status byte proves the handshake is over. */
    exec_stream_init(&s, false, true);
    exec_stream_feed(&s, S2C, 0, BYTES("\0"), true, &seg);
    exec_stream_feed(&s, C2S, 0, BYTES("stdin\0"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STDIN, 0, 6, EXEC_PIECE_BEGINS));
}

/* The daemon connected back to the number the first captured string
 * holds: it was the port, and what follows is named. */
static void
test_client_port_proven_without_syn(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, false, false);
    exec_stream_feed(&s, C2S, 0, BYTES("589\0rexuser\0"), true, &seg);
    CHECK(is_piece(&seg, 1, EXEC_PIECE_UNKNOWN_PHASE_DATA, 4, 8, WHOLE));
    exec_stream_client_port_proven(&s);
    exec_stream_feed(&s, C2S, 12, BYTES("pw\0id\0in"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_PASSWORD, 0, 3, WHOLE));
    CHECK(is_piece(&seg, 1, EXEC_PIECE_COMMAND, 3, 3, WHOLE));
    CHECK(is_piece(&seg, 2, EXEC_PIECE_STDIN, 6, 2, EXEC_PIECE_BEGINS));

    /* After lost bytes the strings between cannot be counted. */
    exec_stream_init(&s, false, false);
    exec_stream_feed(&s, C2S, 0, BYTES("589\0"), true, &seg);
    exec_stream_feed(&s, C2S, 9, BYTES("pw\0"), true, &seg);
    exec_stream_client_port_proven(&s);
    exec_stream_feed(&s, C2S, 12, BYTES("id\0"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_UNKNOWN_PHASE_DATA, 0, 3, WHOLE));
}

/* The caller proved where the server's stream starts (its acknowledgements
 * say so): the first byte is the status. */
static void
test_server_start_proven_without_syn(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, false, false);
    exec_stream_server_reply_starts(&s);
    exec_stream_feed(&s, S2C, 0, BYTES("\0out"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_STATUS, 0, 1, WHOLE));
    CHECK(is_piece(&seg, 1, EXEC_PIECE_STDOUT, 1, 3, EXEC_PIECE_BEGINS));
    CHECK(s.status_seen && s.status == 0);

    /* Too late once server bytes were fed. */
    exec_stream_init(&s, false, false);
    exec_stream_feed(&s, S2C, 0, BYTES("out"), true, &seg);
    exec_stream_server_reply_starts(&s);
    exec_stream_feed(&s, S2C, 3, BYTES("\0"), true, &seg);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_UNKNOWN_PHASE_DATA, 0, 1, 0));
    CHECK(!s.status_seen);
}

static void
test_lost_status_byte(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, S2C, 1, BYTES("output"), true, &seg);
    CHECK(seg.pieces[0].kind == EXEC_PIECE_LOST && seg.pieces[0].lost == 1);
    CHECK(seg.pieces[0].lost_at == 0 && seg.pieces[0].value == EXEC_PIECE_STATUS);
    CHECK(is_piece(&seg, 1, EXEC_PIECE_UNKNOWN_PHASE_DATA, 0, 6, EXEC_PIECE_BEGINS));
    CHECK(!s.status_seen);
}

static void
test_oversized_string_is_not_reassembled_forever(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    uint32_t n = EXEC_MAX_REASSEMBLY + 10;
    uint8_t *big = malloc(n);
    memset(big, 'A', n);
    big[0] = 0;                         /* empty port */
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, big, n, true, &seg);
    CHECK(seg.consumed == n);
    CHECK(is_piece(&seg, 1, EXEC_PIECE_USERNAME, 1, n - 1, EXEC_PIECE_BEGINS));
    CHECK(seg.pieces[1].anomalies & EXEC_ANOMALY_FIELD_OVERSIZED);
    CHECK(seg.pieces[1].anomalies & EXEC_ANOMALY_USERNAME_TOO_LONG);
    /* The rest arrives as further parts, never deferred again. */
    exec_stream_feed(&s, C2S, n, big + 1, 100, true, &seg);
    CHECK(seg.consumed == 100);
    CHECK(is_piece(&seg, 0, EXEC_PIECE_USERNAME, 0, 100, 0));
    CHECK(seg.pieces[0].anomalies == EXEC_ANOMALY_FIELD_OVERSIZED);
    free(big);
}

static void
test_nul_flood(void)
{
    exec_stream_t s;
    exec_segment_t seg;
    exec_stream_init(&s, true, true);
    exec_stream_feed(&s, C2S, 0, BYTES("\0\0\0\0\0\0\0\0"), true, &seg);
    CHECK(seg.n_pieces == 5);
    CHECK(is_piece(&seg, 3, EXEC_PIECE_COMMAND, 3, 1, WHOLE));
    CHECK(is_piece(&seg, 4, EXEC_PIECE_STDIN, 4, 4, EXEC_PIECE_BEGINS));
}

/* Every way to cut a session in two or three segments, with and without
 * reassembly: each byte must get the same label as in one segment. */
static const uint8_t session_bytes[] = "40369\0rexuser\0rexpass1\0ls -l\0stdin\0data";
#define SESSION_LEN ((uint32_t)sizeof(session_bytes) - 1)

static void
label_bytes(const exec_segment_t *seg, uint32_t base, exec_piece_kind_t *labels)
{
    for (unsigned i = 0; i < seg->n_pieces; i++)
        for (uint32_t b = 0; b < seg->pieces[i].length; b++)
            labels[base + seg->pieces[i].offset + b] = seg->pieces[i].kind;
}

static int
labels_by_cuts(const uint32_t *cuts, unsigned n_cuts, bool may_defer, exec_piece_kind_t *labels)
{
    exec_stream_t s;
    exec_segment_t seg;
    uint32_t start = 0;     /* first byte not yet consumed (TCP keeps the rest) */
    exec_stream_init(&s, true, true);
    for (unsigned c = 0; c <= n_cuts; c++) {
        uint32_t end = c < n_cuts ? cuts[c] : SESSION_LEN;
        if (end <= start)
            continue;
        exec_stream_feed(&s, C2S, start, session_bytes + start, end - start, may_defer, &seg);
        label_bytes(&seg, start, labels);
        start += seg.consumed;
    }
    return start == SESSION_LEN;
}

static void
test_every_segmentation_labels_bytes_alike(void)
{
    exec_piece_kind_t want[SESSION_LEN], got[SESSION_LEN];
    int mismatches = 0;
    CHECK(labels_by_cuts(NULL, 0, true, want));
    for (uint32_t a = 1; a < SESSION_LEN; a++) {
        for (uint32_t b = a; b < SESSION_LEN; b++) {
            uint32_t cuts[2] = { a, b };
            for (int defer = 0; defer <= 1; defer++) {
                memset(got, 0xff, sizeof got);
                int all = labels_by_cuts(cuts, 2, defer, got);
                if (!all || memcmp(want, got, sizeof want) != 0) {
                    if (mismatches++ < 3)
                        fprintf(stderr, "  cuts %u,%u defer %d differ\n", a, b, defer);
                }
            }
        }
    }
    CHECK(mismatches == 0);
}

int
main(void)
{
    test_all_four_strings_in_one_segment();
    test_glibc_segmentation_port_then_credentials();
    test_stdin_follows_command_even_with_nul_bytes();
    test_split_string_is_deferred_for_reassembly();
    test_split_string_without_reassembly_is_shown_in_parts();
    test_stderr_port_validation();
    test_port_validation_across_parts();
    test_port_with_a_non_digit_is_not_deferred();
    test_hostile_port_strings();
    test_hostile_port_strings_held_or_not();
    test_name_limits();
    test_server_success_then_stdout();
    test_server_error_message();
    test_server_error_split_and_deferred();
    test_unknown_status_byte();
    test_reply_classifies_again_alike();
    test_after_port_string_alone();
    test_success_before_the_command();
    test_retransmission_is_not_shown_twice();
    test_gap_in_handshake_never_mislabels();
    test_success_status_proves_stdin_after_a_gap();
    test_mid_stream_capture();
    test_server_start_proven_without_syn();
    test_client_port_proven_without_syn();
    test_lost_status_byte();
    test_oversized_string_is_not_reassembled_forever();
    test_nul_flood();
    test_every_segmentation_labels_bytes_alike();
    return check_summary();
}
