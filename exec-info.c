/* exec-info.c: the Info column of exec's frames, for the dissector, the
 * stderr channel and the session-end postdissector: the session's username and
 * command (the two preferences), then one entry per thing the frame shows,
 * cut at the column's size.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-info.h"

#include <string.h>

#include "exec-prefs.h"

void
exec_info_start(exec_info_t *info, packet_info *pinfo, gboolean after_text)
{
    info->pinfo = pinfo;
    info->started = after_text;
    info->length = 0;
    info->entry_end = sizeof info->text - 1;
}

/* Appends, cut at the column's size (exec_info_write adds the terminator). */
static void
info_put_n(exec_info_t *info, const char *text, size_t length)
{
    size_t room = info->entry_end - info->length;
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
    info->entry_end = sizeof info->text - 1;
    if (info->started)
        info_put_literal(info, ", ");
    info->started = TRUE;
}

/* Starts an entry that holds text from the capture: at most a line of the
 * tree, so that a long command stays readable. */
static void
info_bounded_entry(exec_info_t *info)
{
    info_entry(info);
    info->entry_end = MIN(sizeof info->text - 1, info->length + ITEM_LABEL_LENGTH - 1);
}

static void
info_put_number(exec_info_t *info, guint64 number)
{
    char digits[20];
    size_t first = sizeof digits;

    do {
        digits[--first] = (char)('0' + number % 10);
        number /= 10;
    } while (number != 0);
    info_put_n(info, digits + first, sizeof digits - first);
}

void
exec_info_text(exec_info_t *info, const char *text)
{
    info_entry(info);
    info_put(info, text);
}

void
exec_info_labelled(exec_info_t *info, const char *label, const char *text)
{
    info_bounded_entry(info);
    info_put(info, label);
    info_put(info, text);
}

void
exec_info_labelled_number(exec_info_t *info, const char *label, guint64 number)
{
    info_bounded_entry(info);
    info_put(info, label);
    info_put_number(info, number);
}

void
exec_info_continue(exec_info_t *info, const char *text)
{
    info_put(info, text);
}

void
exec_info_continue_number(exec_info_t *info, const char *label, guint64 number)
{
    info_put(info, label);
    info_put_number(info, number);
}

void
exec_info_write(exec_info_t *info, gboolean replace)
{
    info->text[info->length] = '\0';
    /* col_add_str copies a byte at a time; the frame's pool keeps a copy
     * that col_set_str only points at. */
    if (replace)
        col_set_str(info->pinfo->cinfo, COL_INFO, (const char *)wmem_memdup(info->pinfo->pool, info->text,
                                                                             info->length + 1));
    else if (info->length > 0)
        col_append_str(info->pinfo->cinfo, COL_INFO, info->text);
}

void
exec_info_byte_count(exec_info_t *info, const char *stream, guint32 bytes)
{
    info_entry(info);
    info_put(info, stream);
    info_put_literal(info, " ");
    info_put_number(info, bytes);
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
