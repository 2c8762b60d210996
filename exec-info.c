/* exec-info.c: the Info column of the control connection's frames, for the
 * dissector and the session-end postdissector: the session's username and
 * command (the two preferences), then one entry per thing the frame shows,
 * cut at the column's size.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-info.h"

#include <stdio.h>
#include <string.h>

#include <wsutil/to_str.h>

#include "exec-prefs.h"

void
exec_info_start(exec_info_t *info, packet_info *pinfo, gboolean after_text)
{
    info->pinfo = pinfo;
    info->started = after_text;
    info->length = 0;
}

/* Appends, cut at the column's size (exec_info_write adds the terminator). */
static void
info_put_n(exec_info_t *info, const char *text, size_t length)
{
    size_t room = sizeof info->text - 1 - info->length;
    length = MIN(length, room);
    memcpy(info->text + info->length, text, length);
    info->length += length;
}

#define info_put_literal(info, literal) info_put_n((info), "" literal, sizeof(literal) - 1)

static void
info_put(exec_info_t *info, const char *text)
{
    info_put_n(info, text, strlen(text));
}

/* Starts an entry: after another, a separator. */
static void
info_entry(exec_info_t *info)
{
    if (info->started)
        info_put_literal(info, ", ");
    info->started = TRUE;
}

void
exec_info_text(exec_info_t *info, const char *text)
{
    info_entry(info);
    info_put(info, text);
}

void
exec_info_printf(exec_info_t *info, const char *format, ...)
{
    info_entry(info);
    /* An entry is a line of the tree at most: a long command stays readable. */
    size_t room = MIN(sizeof info->text - info->length, ITEM_LABEL_LENGTH);
    va_list args;
    va_start(args, format);
    int written = vsnprintf(info->text + info->length, room, format, args);
    va_end(args);
    if (written > 0)
        info->length += MIN((size_t)written, room - 1);
}

void
exec_info_write(exec_info_t *info, gboolean replace)
{
    info->text[info->length] = '\0';
    if (replace)
        col_add_str(info->pinfo->cinfo, COL_INFO, info->text);
    else if (info->length > 0)
        col_append_str(info->pinfo->cinfo, COL_INFO, info->text);
}

void
exec_info_byte_count(exec_info_t *info, const char *stream, guint32 bytes)
{
    char number[16];

    exec_u32_to_str_buf(bytes, number, sizeof number);
    info_entry(info);
    info_put(info, stream);
    info_put_literal(info, " ");
    info_put(info, number);
    if (bytes == 1)
        info_put_literal(info, " byte");
    else
        info_put_literal(info, " bytes");
}

void
exec_info_session_prefix(exec_info_t *info, const char *username, const char *command)
{
    if (username && exec_prefs_show_username()) {
        info_put_literal(info, "Username:");
        info_put(info, username);
        info_put_literal(info, " ");
    }
    if (command && exec_prefs_show_command()) {
        info_put_literal(info, "Command:");
        info_put(info, command);
        info_put_literal(info, " ");
    }
}
