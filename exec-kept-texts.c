/* exec-kept-texts.c: the texts the file keeps, each once (exec-kept-texts.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "exec-kept-texts.h"

#include <string.h>

/* A key of the set.  A lookup's key points at the caller's bytes, which
 * need no NUL and no copy; a kept key holds its text after itself. */
typedef struct {
    guint hash;
    guint32 length;
    const char *text;
} kept_text_key_t;

static wmem_map_t *kept_texts;

static guint
key_hash(gconstpointer key)
{
    return ((const kept_text_key_t *)key)->hash;
}

static gboolean
key_equal(gconstpointer a, gconstpointer b)
{
    const kept_text_key_t *x = (const kept_text_key_t *)a, *y = (const kept_text_key_t *)b;
    /* An empty text's bytes may be NULL (tvb_get_ptr of 0 bytes). */
    return x->hash == y->hash && x->length == y->length &&
           (x->length == 0 || memcmp(x->text, y->text, x->length) == 0);
}

static void
kept_texts_init(void)
{
    kept_texts = wmem_map_new(wmem_file_scope(), key_hash, key_equal);
}

void
exec_kept_texts_register(void)
{
    register_init_routine(kept_texts_init);
}

const char *
exec_kept_text(const char *text, guint32 length)
{
    /* Wireshark's seeded hash: a hostile capture cannot pick texts that
     * all fall into one chain. */
    kept_text_key_t wanted = { length ? wmem_strong_hash((const guint8 *)text, length) : 0, length, text };
    const kept_text_key_t *found = (const kept_text_key_t *)wmem_map_lookup(kept_texts, &wanted);
    if (found)
        return found->text;
    kept_text_key_t *kept = (kept_text_key_t *)wmem_alloc(wmem_file_scope(), sizeof *kept + length + 1);
    char *copy = (char *)(kept + 1);
    if (length != 0)
        memcpy(copy, text, length);
    copy[length] = '\0';
    *kept = wanted;
    kept->text = copy;
    wmem_map_insert(kept_texts, kept, kept);
    return copy;
}
