/* ws-private.h: everything the plugin knows of Wireshark's private code,
 * under Wireshark's own names.  This is what can break on an upgrade of
 * Wireshark without a compile error: the one place to look.
 *
 * Checked against 4.0.17 (Debian 12: the source package), 4.4.19 (Debian 13)
 * and 4.6.9 (sid): the struct members read below as installed in their
 * epan/dissectors/packet-tcp.h and epan/prefs-int.h, the bit values of
 * packet-tcp.c as in 4.0.17 and in Wireshark's master (unchanged since
 * 2.x), and the whole test suite on all three (scripts/matrix/).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_WS_PRIVATE_H
#define EXEC_WS_PRIVATE_H

#include "ws-compat.h"

#include <epan/prefs.h>
#include <epan/prefs-int.h>     /* installed, but "internal": no stability promise */
#include <epan/dissectors/packet-tcp.h>

/* ---- TCP: packet-tcp.c ---- */

/* tcp_flow_t.static_flags (packet-tcp.c, not in any header): SAW_SYN and
 * SAW_SYNACK include BASE_SEQ_SET, so a flow's SYN or SYN/ACK is told by
 * the bit of its own, as packet-tcp.c does. */
#define TCP_S_BASE_SEQ_SET 0x01
#define TCP_S_SAW_SYN      0x03
#define TCP_S_SAW_SYNACK   0x05

/* tcp_analysis.conversation_completeness (packet-tcp.c). */
#define TCP_COMPLETENESS_SYNSENT 0x01
#define TCP_COMPLETENESS_SYNACK  0x02
#define TCP_COMPLETENESS_FIN     0x10
#define TCP_COMPLETENESS_RST     0x20

/* Whether TCP saw the flow's SYN (a client), or its SYN/ACK (a server). */
static inline gboolean
exec_tcp_flow_saw_syn(const tcp_flow_t *flow)
{
    return (flow->static_flags & (TCP_S_SAW_SYN & ~TCP_S_BASE_SEQ_SET)) != 0;
}

static inline gboolean
exec_tcp_flow_saw_synack(const tcp_flow_t *flow)
{
    return (flow->static_flags & (TCP_S_SAW_SYNACK & ~TCP_S_BASE_SEQ_SET)) != 0;
}

/* The flow's initial sequence number, as TCP took it from the SYN (or the
 * SYN/ACK's acknowledgement): relative sequence numbers count from it. */
static inline guint32
exec_tcp_flow_base_seq(const tcp_flow_t *flow)
{
    return flow->base_seq;
}

/* The flows of the conversation: the one of the frame being dissected
 * (tcpd->fwd) and the other (tcpd->rev). */
static inline const tcp_flow_t *
exec_tcp_flow_of_frame(const struct tcp_analysis *tcpd)
{
    return tcpd->fwd;
}

static inline const tcp_flow_t *
exec_tcp_flow_opposite(const struct tcp_analysis *tcpd)
{
    return tcpd->rev;
}

/* The conversation's TCP state (proto_tcp: TCP's protocol id), as TCP left
 * it: its fwd flow is the one of the frame TCP dissected last, so for the
 * frame being dissected it is what get_tcp_conversation_data() would work
 * out again, at three times the cost.  NULL when TCP keeps none for the
 * conversation. */
static inline struct tcp_analysis *
exec_tcp_state(const conversation_t *conversation, int proto_tcp)
{
    return (struct tcp_analysis *)conversation_get_proto_data(conversation, proto_tcp);
}

/* Whether the conversation has seen a SYN/ACK, or a reset, so far. */
static inline gboolean
exec_tcp_saw_synack(const struct tcp_analysis *tcpd)
{
    return (tcpd->conversation_completeness & TCP_COMPLETENESS_SYNACK) != 0;
}

/* Whether the conversation has seen a SYN without ACK (its opening) so far. */
static inline gboolean
exec_tcp_saw_syn(const struct tcp_analysis *tcpd)
{
    return (tcpd->conversation_completeness & TCP_COMPLETENESS_SYNSENT) != 0;
}

static inline gboolean
exec_tcp_saw_rst(const struct tcp_analysis *tcpd)
{
    return (tcpd->conversation_completeness & TCP_COMPLETENESS_RST) != 0;
}

/* All of the conversation's completeness flags so far: a frame that adds
 * one carries that SYN/ACK, FIN or reset. */
static inline guint8
exec_tcp_completeness(const struct tcp_analysis *tcpd)
{
    return (guint8)tcpd->conversation_completeness;
}

/* The segment TCP's sequence analysis queued last on the frame's flow
 * (tcp_analyze_seq_flow_info_t.segments, a tcp_unacked_t): on the first
 * pass, the segment of the frame being dissected, payload or not. */
typedef struct {
    guint32 frame;      /* 0: nothing queued */
    guint32 seq;        /* raw sequence numbers */
    guint32 nextseq;
} exec_tcp_segment_t;

/* FALSE when the sequence analysis is off for the flow; otherwise fills
 * *newest. */
static inline gboolean
exec_tcp_newest_segment(const struct tcp_analysis *tcpd, exec_tcp_segment_t *newest)
{
    const tcp_analyze_seq_flow_info_t *analysis = tcpd->fwd->tcp_analyze_seq_info;
    const tcp_unacked_t *segment = analysis ? analysis->segments : NULL;

    newest->frame = segment ? segment->frame : 0;
    newest->seq = segment ? segment->seq : 0;
    newest->nextseq = segment ? segment->nextseq : 0;
    return analysis != NULL;
}

/* ---- Preferences: epan/prefs-int.h ---- */

/* A boolean preference's value as it stands now (exported on 4.0-4.6, in a
 * header Wireshark calls internal). */
static inline gboolean
exec_pref_current_bool(pref_t *pref)
{
    return prefs_get_bool_value(pref, pref_current) != 0;
}

/* ---- The credentials tap: ui/tap-credentials.h, not installed ---- */

/* The layout of what the "credentials" tap carries, copied: Tools >
 * Credentials and tshark -z credentials read it. */
typedef struct tap_credential {
    guint num;              /* the frame with the password */
    guint username_num;
    guint password_hf_id;
    gchar *username;
    const gchar *proto;
    gchar *info;
} tap_credential_t;

#endif /* EXEC_WS_PRIVATE_H */
