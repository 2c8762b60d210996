/* second_listener.c: loaded into tshark with LD_PRELOAD by check_export.py.
 * When tshark registers its export-objects listener on the tap named by
 * EXEC_SECOND_EO_TAP, a second one is registered beside it with the same
 * packet function, as two Export Objects dialogs of the GUI are; each object
 * that second listener is given is written into EXEC_SECOND_EO_DIR under its
 * file name.  Both listeners must get every object.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include <epan/export_object.h>
#include <epan/tap.h>

typedef GString *(*register_fn)(const char *, void *, const char *, guint, tap_reset_cb, tap_packet_cb,
                                tap_draw_cb, tap_finish_cb);

static GSList *kept;

static void
write_entry(void *gui_data, export_object_entry_t *entry)
{
    char *path = g_build_filename((const char *)gui_data, entry->filename, NULL);
    GError *error = NULL;
    if (g_file_test(path, G_FILE_TEST_EXISTS) ||
        !g_file_set_contents(path, (const char *)entry->payload_data, (gssize)entry->payload_len, &error)) {
        fprintf(stderr, "second_listener: %s: %s\n", path, error ? error->message : "given twice");
        exit(70);
    }
    g_free(path);
    /* Kept, as a dialog keeps its list: the process ends soon. */
    kept = g_slist_prepend(kept, entry);
}

GString *
register_tap_listener(const char *tapname, void *tapdata, const char *fstring, guint flags, tap_reset_cb tap_reset,
                      tap_packet_cb tap_packet, tap_draw_cb tap_draw, tap_finish_cb tap_finish)
{
    static export_object_list_t second;
    register_fn real = (register_fn)dlsym(RTLD_NEXT, "register_tap_listener");
    GString *error = real(tapname, tapdata, fstring, flags, tap_reset, tap_packet, tap_draw, tap_finish);
    const char *tap = getenv("EXEC_SECOND_EO_TAP");
    const char *dir = getenv("EXEC_SECOND_EO_DIR");
    if (error || !tap || !dir || strcmp(tapname, tap) != 0 || second.add_entry)
        return error;
    second.add_entry = write_entry;
    second.gui_data = (void *)dir;
    /* Only the packet function is the exporter's: tshark's own draw and
     * reset take tshark's list. */
    GString *second_error = real(tapname, &second, fstring, flags, NULL, tap_packet, NULL, NULL);
    if (second_error) {
        fprintf(stderr, "second_listener: %s\n", second_error->str);
        exit(70);
    }
    return NULL;
}
