/* redissect.c: what Wireshark's GUI does when the user selects a frame.
 *
 * One pass over the whole capture without a tree (as when a file is
 * opened), keeping every frame's frame_data and with it the dissectors'
 * per-frame data; then each frame number given is dissected again, visited,
 * with a visible tree (the packet details pane).  Under callgrind with
 * --toggle-collect=redissect --dump-after=redissect every re-dissection gets
 * its own instruction count, which tshark cannot give: `tshark -2 -R`
 * renumbers the frames that fail the read filter during its first pass.
 *
 *   redissect [--no-exec] CAPTURE FRAME...
 *
 * --no-exec disables the exec protocol (built-in and plugin alike), so port
 * 512 is dissected as data: the floor.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <wireshark.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/frame_data.h>
#include <epan/prefs.h>
#include <epan/tvbuff.h>
#include <wiretap/wtap.h>
#include <wsutil/buffer.h>
#include <wsutil/filesystem.h>
#include <wsutil/privileges.h>

#include "frame-list.h"

static void
dissect(epan_dissect_t *edt, int file_type, wtap_rec *rec, Buffer *buf, frame_data *fd)
{
    tvbuff_t *tvb = tvb_new_real_data(ws_buffer_start_ptr(buf), fd->cap_len, fd->pkt_len);
    epan_dissect_run(edt, file_type, rec, tvb, fd, NULL);
    epan_dissect_reset(edt);
}

/* The measured part: read the frame back from the file and dissect it. */
__attribute__((noinline)) void
redissect(wtap *wth, epan_t *epan, frame_data *fd, wtap_rec *rec, Buffer *buf)
{
    int err;
    gchar *err_info = NULL;
    epan_dissect_t *edt = epan_dissect_new(epan, TRUE, TRUE);

    if (!wtap_seek_read(wth, fd->file_off, rec, buf, &err, &err_info)) {
        fprintf(stderr, "redissect: cannot read frame %u back\n", fd->num);
        exit(1);
    }
    dissect(edt, wtap_file_type_subtype(wth), rec, buf, fd);
    epan_dissect_free(edt);
}

int
main(int argc, char *argv[])
{
    static const struct packet_provider_funcs funcs = { frame_list_timestamp, NULL, NULL, NULL };
    struct packet_provider_data prov = { 0 };
    int err;
    gchar *err_info = NULL;
    gint64 offset;
    wtap_rec rec;
    Buffer buf;

    gboolean no_exec = argc > 1 && strcmp(argv[1], "--no-exec") == 0;
    if (no_exec) {
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: redissect [--no-exec] CAPTURE FRAME...\n");
        return 2;
    }
    ws_log_init("redissect", NULL);
    init_process_policies();
    configuration_init(argv[0], NULL);
    wtap_init(TRUE);
    if (!epan_init(NULL, NULL, TRUE))
        return 2;
    epan_load_settings();
    prefs_apply_all();
    if (no_exec)
        proto_set_decoding(proto_get_id_by_filter_name("exec"), FALSE);

    wtap *wth = wtap_open_offline(argv[1], WTAP_TYPE_AUTO, &err, &err_info, TRUE);
    if (!wth) {
        fprintf(stderr, "redissect: cannot open %s\n", argv[1]);
        return 1;
    }
    epan_t *epan = epan_new(&prov, &funcs);
    epan_dissect_t *edt = epan_dissect_new(epan, FALSE, FALSE);
    wtap_rec_init(&rec);
    ws_buffer_init(&buf, 1514);

    while (wtap_read(wth, &rec, &buf, &err, &err_info, &offset)) {
        frame_data *fd = frame_list_append(&prov, &rec, offset);
        dissect(edt, wtap_file_type_subtype(wth), &rec, &buf, fd);
        frame_list_dissected(&prov, fd);
    }
    epan_dissect_free(edt);

    for (int i = 2; i < argc; i++) {
        guint32 num = (guint32)strtoul(argv[i], NULL, 10);
        if (num < 1 || num > prov.count) {
            fprintf(stderr, "redissect: no frame %u (the file has %u)\n", num, prov.count);
            return 1;
        }
        redissect(wth, epan, prov.frames[num - 1], &rec, &buf);
    }
    printf("%u frames\n", prov.count);
    return 0;
}
