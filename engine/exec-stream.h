/* exec-stream.h: the rexec (BSD exec, TCP 512) session state machine.
 *
 * Plain C, no Wireshark types, so it can be unit-tested and fuzzed alone.
 * The caller feeds each TCP segment of a session with its direction and its
 * position in that direction's byte stream; the engine says what every byte
 * of the segment is (the pieces) and how many bytes it consumed.  When a
 * handshake string or the error line is not complete at the end of a segment
 * and the caller allows it, the engine consumes only the bytes before that
 * string, so the caller can ask TCP for reassembly and feed the same stream
 * position again with more bytes.  The engine keeps no copy of any byte.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_STREAM_H
#define EXEC_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The daemon's limits (netkit rexecd; Debian's PAM build refuses 16). */
#define EXEC_MAX_NAME_LEN     15   /* username and password, in characters */
#define EXEC_MAX_PORT         65535
/* Longest string the engine asks to reassemble; longer ones are shown in
 * parts.  Far above any real command line, and it bounds the rescans. */
#define EXEC_MAX_REASSEMBLY   65536

typedef enum {
    EXEC_CLIENT_TO_SERVER = 0,
    EXEC_SERVER_TO_CLIENT = 1
} exec_direction_t;

typedef enum {
    EXEC_PIECE_STDERR_PORT,
    EXEC_PIECE_USERNAME,
    EXEC_PIECE_PASSWORD,
    EXEC_PIECE_COMMAND,
    EXEC_PIECE_UNIDENTIFIED_STRING, /* handshake string whose place a gap hides */
    EXEC_PIECE_STDIN,               /* client bytes after the command */
    EXEC_PIECE_STATUS,              /* the server's first byte */
    EXEC_PIECE_ERROR_MESSAGE,       /* the line after status 1, with its '\n' */
    EXEC_PIECE_STDOUT,              /* server bytes after status 0 */
    EXEC_PIECE_UNEXPECTED_DATA,     /* bytes where the protocol allows none */
    EXEC_PIECE_UNKNOWN_PHASE_DATA,  /* the session's start was not captured; client
                                     * bytes come split at NULs, like strings */
    EXEC_PIECE_RETRANSMITTED,       /* bytes at stream positions already seen */
    EXEC_PIECE_LOST                 /* bytes never captured, before this segment */
} exec_piece_kind_t;

/* The client's handshake strings, in the order it sends them. */
#define EXEC_HANDSHAKE_STRINGS 4
extern const exec_piece_kind_t exec_handshake_order[EXEC_HANDSHAKE_STRINGS];

/* Piece flags: where the field starts and ends. */
#define EXEC_PIECE_BEGINS   0x01    /* the field's first byte is in this piece */
#define EXEC_PIECE_ENDS     0x02    /* its terminator (NUL, '\n') is in this piece */
#define EXEC_PIECE_AFTER_GAP 0x04   /* part of the field was lost before this piece */
#define EXEC_PIECE_NOT_HELD  0x08   /* a port string with a non-digit: shown as it
                                     * comes, never held for reassembly */

/* Anomalies: what a careful analyst should be told. */
#define EXEC_ANOMALY_PORT_NOT_NUMERIC     0x0001
#define EXEC_ANOMALY_PORT_OUT_OF_RANGE    0x0002
#define EXEC_ANOMALY_USERNAME_TOO_LONG    0x0004
#define EXEC_ANOMALY_PASSWORD_TOO_LONG    0x0008
#define EXEC_ANOMALY_STATUS_UNKNOWN       0x0010
#define EXEC_ANOMALY_FIELD_OVERSIZED      0x0020 /* not reassembled: too long */
#define EXEC_ANOMALY_EARLY_SUCCESS        0x0040 /* status 0 before the command ended */

typedef struct {
    exec_piece_kind_t kind;
    uint8_t  flags;
    uint16_t anomalies;
    uint32_t offset;    /* first byte, within the segment */
    uint32_t length;    /* bytes within the segment, terminator included */
    uint32_t value;     /* STDERR_PORT that ENDS: the port as the daemon computes
                         * it (digit by digit in 16 bits); STATUS: the byte;
                         * LOST: the exec_piece_kind_t in progress at the gap */
    uint64_t lost;      /* LOST only: bytes missing (offset/length 0) ... */
    uint64_t lost_at;   /* ... from this stream position on */
} exec_piece_t;

/* Most pieces one segment can hold: lost + retransmitted + four strings + stdin. */
#define EXEC_MAX_PIECES 8

typedef struct {
    exec_piece_t pieces[EXEC_MAX_PIECES];
    unsigned     n_pieces;
    uint32_t     consumed;  /* < segment length: feed the rest again with more */
} exec_segment_t;

/* Where each direction stands. */
typedef struct {
    uint64_t next_offset;   /* stream position of the next byte expected */
    uint64_t lost_total;    /* bytes never captured so far */
    uint32_t field_length;  /* bytes of the field in progress, terminator excluded */
    uint8_t  phase;         /* a CLIENT_* or SERVER_* phase of exec-stream.c */
    bool     field_after_gap;
    bool     field_oversized;   /* shown in parts: too long to reassemble */
    bool     field_not_held;    /* shown in parts: not a port, not held */
    bool     start_seen;    /* the stream's first byte position is known */
} exec_flow_t;

typedef struct {
    exec_flow_t client;
    exec_flow_t server;
    uint32_t port_value;    /* stderr port so far, as a number (saturated) */
    uint16_t port_daemon;   /* ... and as the daemon computes it */
    uint16_t port_anomalies;
    uint16_t port_reported; /* anomalies already given on a piece */
    /* After a gap in the handshake, or with the client's start not captured:
     * how many more strings may still belong to the handshake. */
    uint8_t  unidentified_left;
    uint8_t  status;        /* valid once status_seen */
    bool     status_seen;
    bool     limit_reported; /* the current string's over-limit anomaly was given */
} exec_stream_t;

/* client_start_seen / server_start_seen: the caller saw that direction's
 * SYN, so stream position 0 is the first byte of the protocol. */
void exec_stream_init(exec_stream_t *stream, bool client_start_seen,
                       bool server_start_seen);

/* Classify one segment.  may_defer: the caller can reassemble, so an
 * unterminated string that begins here may be left unconsumed. */
void exec_stream_feed(exec_stream_t *stream, exec_direction_t direction,
                       uint64_t stream_offset, const uint8_t *data,
                       uint32_t length, bool may_defer, exec_segment_t *out);

/* The caller proved that the server's first byte fed next is the first of
 * its stream, though its SYN was not seen: it is the status byte.  Has no
 * effect once server bytes were fed. */
void exec_stream_server_reply_starts(exec_stream_t *stream);

/* The caller proved that the client's first captured string (its start
 * not seen, the bytes before the first NUL) is the stderr port: the
 * strings ended since, and those to come, are the username, the password
 * and the command.  No effect after lost client bytes. */
void exec_stream_client_port_proven(exec_stream_t *stream);

/* Whether the stream is as exec_stream_init(stream, true, true) made it:
 * nothing fed, nothing proved.  The next segment then classifies as it
 * would in any other stream so made. */
bool exec_stream_untouched(const exec_stream_t *stream);

/* Whether a server segment at the stream's start classifies here as in a
 * stream made by exec_stream_init_reply() with the same *client_in_handshake:
 * the server's flow has taken nothing (its start seen), and all the server's
 * side reads of the client is whether its handshake is still going on (a
 * success status then is early). */
bool exec_stream_reply_untouched(const exec_stream_t *stream, bool *client_in_handshake);

/* A stream to classify a reply again: both starts seen, nothing fed, the
 * client still in its handshake or past it. */
void exec_stream_init_reply(exec_stream_t *stream, bool client_in_handshake);

/* A stream as glibc's rexec(3) leaves it with its first segment: fed the
 * stderr port string alone (port's decimal digits, none for 0, and the
 * NUL), both starts seen.  Later passes classify the client's next segment
 * again in it. */
void exec_stream_init_after_port(exec_stream_t *stream, uint32_t port);

/* Whether stream is as exec_stream_init_after_port(port) makes it. */
bool exec_stream_after_port_only(const exec_stream_t *stream, uint32_t port);

/* Whether the handshake is known to be over in the client's stream. */
bool exec_stream_in_data_phase(const exec_stream_t *stream);

const char *exec_piece_kind_name(exec_piece_kind_t kind);

#endif /* EXEC_STREAM_H */
