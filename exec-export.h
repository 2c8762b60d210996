/* exec-export.h: File > Export Objects > EXEC (exec-export.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_EXPORT_H
#define EXEC_EXPORT_H

#include "exec-session.h"

void proto_register_exec_export(void);

/* Payload of a segment TCP kept from the dissector (its default
 * preferences hand no subdissector a segment that arrives after later
 * data), of the control connection or of the daemon's side of the stderr
 * channel, found in the frame on the first pass: the export places it on
 * any pass.  Kept only for such frames. */
typedef struct {
    exec_session_t *session;
    gboolean stderr_channel;    /* else the control connection */
    exec_direction_t direction; /* control connection */
    guint64 position;           /* stream position of its first byte */
    guint32 offset;             /* in the frame */
    guint32 length;
} exec_withheld_t;

/* Any pass, while wanted: places a withheld payload into stdin, stdout or
 * stderr. */
void exec_export_withheld(packet_info *pinfo, tvbuff_t *tvb, const exec_withheld_t *withheld);

/* Whether an export-objects listener is active: nothing is collected
 * otherwise. */
gboolean exec_export_wanted(void);

/* Every frame, first thing, while wanted: whether frames are being
 * dissected in file order from the first (a pass), or at random (clicks in
 * the GUI while the dialog is open). */
void exec_export_frame(const packet_info *pinfo);

/* Any pass, while wanted: a control-connection segment's pieces (stdin,
 * stdout, the error line), with the segment's TCP sequence number. */
void exec_export_control(packet_info *pinfo, exec_session_t *session, tvbuff_t *tvb,
                         const exec_piece_t *pieces, unsigned n_pieces, guint32 seq);

/* Any pass, while wanted: server bytes of the stderr channel. */
void exec_export_stderr(packet_info *pinfo, exec_session_t *session, tvbuff_t *tvb, guint32 seq);

/* Any pass, on the frame that ends the session: hands its objects over
 * (later passes: unless the session has payload in a later frame). */
void exec_export_session_end(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, exec_session_t *session);

/* Later passes, on a frame with payload of the session: when the capture
 * holds no end of the session, or stderr bytes come after it, its objects
 * are handed over on its last frame with payload. */
void exec_export_last_frame(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, exec_session_t *session);

#endif /* EXEC_EXPORT_H */
