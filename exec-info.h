/* exec-info.h: the Info column of exec's frames, built front to back in a
 * buffer and written with one call.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_INFO_H
#define EXEC_INFO_H

#include "ws-compat.h"

#include <epan/packet.h>

/* Every column call walks all the columns, and this runs on every frame:
 * the text is built here (the session prefix, then one entry per piece)
 * and written once. */
typedef struct {
    packet_info *pinfo;
    gboolean started;       /* text is there already: the next entry needs ", " */
    size_t length;
    size_t entry_end;       /* the current entry stops here (a text from the capture: a tree line) */
    char text[COL_MAX_INFO_LEN];
} exec_info_t;

/* after_text: entries follow text already in the column. */
void exec_info_start(exec_info_t *info, packet_info *pinfo, gboolean after_text);
/* As the built-in does: the session's username and command (NULL: not
 * shown), as the two preferences say. */
void exec_info_session_prefix(exec_info_t *info, const char *username, const char *command);
/* One entry each.  Without a printf: these run on most frames.  An entry
 * with a label holds at most a line of the tree (a long command stays
 * readable). */
void exec_info_text(exec_info_t *info, const char *text);
void exec_info_labelled(exec_info_t *info, const char *label, const char *text);
void exec_info_labelled_number(exec_info_t *info, const char *label, guint64 number);
/* More of the last entry. */
void exec_info_continue(exec_info_t *info, const char *text);
void exec_info_continue_number(exec_info_t *info, const char *label, guint64 number);
/* "stdout 1448 bytes", the text of most frames, without a printf. */
void exec_info_byte_count(exec_info_t *info, const char *stream, guint32 bytes);
/* In place of the column's text (after a fence), or after it. */
void exec_info_write(exec_info_t *info, gboolean replace);

#endif /* EXEC_INFO_H */
