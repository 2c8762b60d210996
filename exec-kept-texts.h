/* exec-kept-texts.h: the texts the file keeps (usernames, commands, the
 * first copy of a reply), each once, however many sessions send it: a brute
 * force tries a few usernames and one command thousands of times, and gets
 * the same refusal.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef EXEC_KEPT_TEXTS_H
#define EXEC_KEPT_TEXTS_H

#include "ws-compat.h"

#include <epan/packet.h>

/* Registers the init routine that empties the set for each file. */
void exec_kept_texts_register(void);

/* The file's copy of these length bytes (no NUL needed), NUL-terminated:
 * made at the text's first use, the same pointer every time after. */
const char *exec_kept_text(const char *text, guint32 length);

#endif /* EXEC_KEPT_TEXTS_H */
