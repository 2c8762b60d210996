/* Unit tests of the first-copy keeper: what is kept, what closes the copy,
 * and which retransmitted bytes count as a conflict, fed the way the plugin
 * feeds it (the engine's pieces at their stream positions).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-overlap.h"

#include <stdlib.h>
#include <string.h>

#include "unit-check.h"

/* A session as the plugin runs it: the engine classifies, new pieces are
 * kept, retransmitted ones compared. */
typedef struct {
    exec_stream_t engine;
    exec_overlap_t overlap;
    exec_overlap_conflict_t conflicts[EXEC_OVERLAP_MAX_FIELDS];
    unsigned n_conflicts;
} session_t;

static void
start(session_t *s)
{
    memset(s, 0, sizeof *s);
    exec_stream_init(&s->engine, true, true);
}

static void
finish(session_t *s)
{
    free(s->overlap.flow[C2S].bytes);
    free(s->overlap.flow[S2C].bytes);
}

static void
feed(session_t *s, exec_direction_t direction, uint64_t offset, const uint8_t *data, uint32_t length)
{
    exec_segment_t seg;
    exec_stream_feed(&s->engine, direction, offset, data, length, true, &seg);
    s->n_conflicts = 0;
    for (unsigned i = 0; i < seg.n_pieces; i++) {
        const exec_piece_t *piece = &seg.pieces[i];
        if (piece->kind == EXEC_PIECE_RETRANSMITTED)
            s->n_conflicts = exec_overlap_conflicts(&s->overlap, direction, offset, data + piece->offset,
                                                    piece->length, s->conflicts);
        else
            exec_overlap_keep(&s->overlap, direction, piece->kind, offset + piece->offset,
                              data + piece->offset, piece->length, realloc);
    }
}

static int
is_conflict(const session_t *s, unsigned i, exec_piece_kind_t kind, uint64_t at, const char *first_copy)
{
    if (i >= s->n_conflicts)
        return 0;
    const exec_overlap_conflict_t *c = &s->conflicts[i];
    size_t n = strlen(first_copy) + 1;      /* the terminator is part of the field */
    return c->kind == kind && c->differs_at == at && c->length == n && memcmp(c->first_copy, first_copy, n) == 0;
}

static void
test_same_bytes_again_are_no_conflict(void)
{
    session_t s;
    start(&s);
    feed(&s, C2S, 0, BYTES("40370\0guest\0secret\0id\0"));
    feed(&s, C2S, 0, BYTES("40370\0guest\0secret\0id\0"));
    CHECK(s.n_conflicts == 0);
    CHECK(s.overlap.flow[C2S].length == 22);
    CHECK(s.overlap.flow[C2S].n_fields == 4);
    finish(&s);
}

static void
test_other_username_in_the_retransmission(void)
{
    session_t s;
    start(&s);
    feed(&s, C2S, 0, BYTES("40370\0"));
    feed(&s, C2S, 6, BYTES("guest\0"));
    feed(&s, C2S, 6, BYTES("root\0\0"));
    CHECK(s.n_conflicts == 1);
    CHECK(is_conflict(&s, 0, EXEC_PIECE_USERNAME, 6, "guest"));
    CHECK(s.conflicts[0].start == 6);
    finish(&s);
}

static void
test_one_entry_per_field_that_differs(void)
{
    session_t s;
    start(&s);
    feed(&s, C2S, 0, BYTES("40370\0guest\0secret\0id\0"));
    /* The same port, another user and command; the password matches. */
    feed(&s, C2S, 0, BYTES("40370\0roott\0secret\0sh\0"));
    CHECK(s.n_conflicts == 2);
    CHECK(is_conflict(&s, 0, EXEC_PIECE_USERNAME, 6, "guest"));
    CHECK(is_conflict(&s, 1, EXEC_PIECE_COMMAND, 19, "id"));
    finish(&s);
}

static void
test_partial_overlap_compares_only_the_overlap(void)
{
    session_t s;
    start(&s);
    feed(&s, C2S, 0, BYTES("40370\0guest\0"));
    /* Starts inside the username, then new bytes: the password. */
    feed(&s, C2S, 8, BYTES("xst\0secret\0"));
    CHECK(s.n_conflicts == 1);
    CHECK(s.conflicts[0].kind == EXEC_PIECE_USERNAME);
    CHECK(s.conflicts[0].differs_at == 8);
    CHECK(s.conflicts[0].start == 8 && s.conflicts[0].length == 4);
    /* The new bytes after the overlap are kept. */
    CHECK(s.overlap.flow[C2S].length == 19);
    finish(&s);
}

static void
test_string_kept_in_parts_is_one_field(void)
{
    session_t s;
    exec_segment_t seg;
    start(&s);
    /* Without reassembly the engine shows a split username in two pieces. */
    exec_stream_feed(&s.engine, C2S, 0, BYTES("40370\0gu"), false, &seg);
    for (unsigned i = 0; i < seg.n_pieces; i++)
        exec_overlap_keep(&s.overlap, C2S, seg.pieces[i].kind, seg.pieces[i].offset,
                          (const uint8_t *)"40370\0gu" + seg.pieces[i].offset, seg.pieces[i].length, realloc);
    feed(&s, C2S, 8, BYTES("est\0"));
    CHECK(s.overlap.flow[C2S].n_fields == 2);
    feed(&s, C2S, 6, BYTES("root\0\0"));
    CHECK(is_conflict(&s, 0, EXEC_PIECE_USERNAME, 6, "guest"));
    finish(&s);
}

static void
test_stdin_and_stdout_are_never_kept(void)
{
    session_t s;
    start(&s);
    feed(&s, C2S, 0, BYTES("0\0u\0p\0cat\0stdin bytes"));
    feed(&s, S2C, 0, BYTES("\0stdout bytes"));
    CHECK(s.overlap.flow[C2S].length == 10);
    CHECK(s.overlap.flow[S2C].length == 1);
    CHECK(s.overlap.flow[C2S].closed && s.overlap.flow[S2C].closed);
    /* Other stdout in a retransmission: not compared. */
    feed(&s, S2C, 1, BYTES("STDOUT"));
    CHECK(s.n_conflicts == 0);
    finish(&s);
}

static void
test_status_and_error_line(void)
{
    session_t s;
    start(&s);
    feed(&s, C2S, 0, BYTES("0\0u\0p\0id\0"));
    feed(&s, S2C, 0, BYTES("\1Login incorrect.\n"));
    feed(&s, S2C, 0, BYTES("\0Login incorrect.\n"));
    CHECK(s.n_conflicts == 1);
    CHECK(s.conflicts[0].kind == EXEC_PIECE_STATUS && s.conflicts[0].differs_at == 0);
    CHECK(s.conflicts[0].length == 1 && s.conflicts[0].first_copy[0] == 1);
    feed(&s, S2C, 7, BYTES("CORRECT.\n"));
    CHECK(s.n_conflicts == 1);
    CHECK(s.conflicts[0].kind == EXEC_PIECE_ERROR_MESSAGE && s.conflicts[0].differs_at == 7);
    finish(&s);
}

/* A flow may keep a copy shared with other sessions (the plugin shares
 * replies): comparisons read it, and what comes after it is added to a
 * copy of the flow's own, the shared bytes untouched. */
static void
test_shared_bytes_are_copied_before_they_grow(void)
{
    static const uint8_t shared[] = "\1";
    session_t s;
    start(&s);
    feed(&s, C2S, 0, BYTES("0\0u\0p\0id\0"));
    feed(&s, S2C, 0, BYTES("\1"));
    free(s.overlap.flow[S2C].bytes);
    exec_overlap_share(&s.overlap, S2C, shared);
    feed(&s, S2C, 0, BYTES("\0"));
    CHECK(s.n_conflicts == 1 && s.conflicts[0].kind == EXEC_PIECE_STATUS && s.conflicts[0].first_copy == shared);
    feed(&s, S2C, 1, BYTES("Login incorrect.\n"));
    CHECK(!s.overlap.flow[S2C].shared && s.overlap.flow[S2C].bytes != shared);
    CHECK(memcmp(shared, "\1", sizeof shared) == 0);
    feed(&s, S2C, 0, BYTES("\1Login incorrecT.\n"));
    CHECK(s.n_conflicts == 1 && s.conflicts[0].kind == EXEC_PIECE_ERROR_MESSAGE && s.conflicts[0].differs_at == 15);
    finish(&s);
}

static void
test_a_gap_closes_the_copy(void)
{
    session_t s;
    start(&s);
    feed(&s, C2S, 0, BYTES("40370\0"));
    feed(&s, C2S, 14, BYTES("secret\0"));    /* the username was lost */
    CHECK(s.overlap.flow[C2S].closed && s.overlap.flow[C2S].length == 6);
    /* The late username fills the hole: nothing kept there to compare. */
    feed(&s, C2S, 6, BYTES("guest\0\0\0"));
    CHECK(s.n_conflicts == 0);
    finish(&s);
}

static void
test_mid_stream_capture_keeps_nothing(void)
{
    session_t s;
    memset(&s, 0, sizeof s);
    exec_stream_init(&s.engine, false, false);
    feed(&s, C2S, 0, BYTES("40370\0guest\0"));
    CHECK(s.overlap.flow[C2S].bytes == NULL && s.overlap.flow[C2S].closed);
    finish(&s);
}

static void
test_the_copy_stops_at_its_cap(void)
{
    static uint8_t command[EXEC_OVERLAP_CLIENT_CAP + 100];
    session_t s;
    start(&s);
    feed(&s, C2S, 0, BYTES("0\0u\0p\0"));
    memset(command, 'x', sizeof command - 1);
    command[sizeof command - 1] = '\0';
    feed(&s, C2S, 6, command, sizeof command);
    CHECK(s.overlap.flow[C2S].length == EXEC_OVERLAP_CLIENT_CAP);
    CHECK(s.overlap.flow[C2S].closed);
    /* Beyond the cap nothing is compared; before it, it is. */
    command[sizeof command - 50] = 'y';
    feed(&s, C2S, 6, command, sizeof command);
    CHECK(s.n_conflicts == 0);
    command[10] = 'y';
    feed(&s, C2S, 6, command, sizeof command);
    CHECK(s.n_conflicts == 1 && s.conflicts[0].differs_at == 16);
    finish(&s);
}

int
main(void)
{
    test_same_bytes_again_are_no_conflict();
    test_other_username_in_the_retransmission();
    test_one_entry_per_field_that_differs();
    test_partial_overlap_compares_only_the_overlap();
    test_string_kept_in_parts_is_one_field();
    test_stdin_and_stdout_are_never_kept();
    test_status_and_error_line();
    test_shared_bytes_are_copied_before_they_grow();
    test_a_gap_closes_the_copy();
    test_mid_stream_capture_keeps_nothing();
    test_the_copy_stops_at_its_cap();
    return check_summary();
}
