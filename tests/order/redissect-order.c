/* redissect-order.c: does every frame show the same thing whatever the
 * order in which the GUI dissects it again?
 *
 * For each capture: one sequential first pass, as Wireshark does when it
 * opens a file (no visible tree, no columns); then every frame is dissected
 * again, visited, with a visible tree and the columns, as when the user
 * clicks it: in file order, in a seeded random order, in reverse order and
 * in a second random order.  Each time the frame is rendered as text (the
 * Protocol and Info columns, and every item of each exec subtree with its
 * label, field name and bytes, generated and hidden items and expert infos
 * included, plus exec fields found outside an exec subtree).  A frame whose
 * text differs from its file-order text is printed with both texts.
 *
 *   redissect-order [-o PREF:VALUE]... [--enable-heuristic NAME]... [--seed N] [--max-frames N]
 *                   [--require-field NAME] [--dump] [--compare-first-pass] [--export] [--live] CAPTURE...
 *
 * -o sets a preference as tshark's -o does, for all captures.
 * --enable-heuristic turns a heuristic dissector on, as tshark's does.
 * --seed N seeds the random orders (1 by default).
 * --max-frames N dissects again only a seeded sample of N frames of a
 * bigger capture (the first pass still reads all of it).
 * --require-field makes sure the fields come from the dissector under test
 * (a field the built-in exec dissector does not have), not from a fallback.
 * --dump prints every frame's text (file order): what is compared.
 * --export opens File > Export Objects > EXEC as the GUI does after the
 * first pass (its tap listener registered, every frame dissected again in
 * file order with taps) and leaves it open while the frames are clicked in
 * the orders (the listener stays registered: the plugin collects as the
 * frames are dissected, and the frames must still show what they showed),
 * then lists the objects again after each order, as a reload does: the
 * objects (packet, server, content type, file name, size, SHA-256 of the
 * bytes) must be the same every time.  The export itself always taps in
 * file order, in the GUI as in tshark: the clicks are what may vary.
 * --compare-first-pass makes the first pass as tshark -V does (a visible
 * tree and the columns) and compares each frame's first-pass text with its
 * file-order text, but for the links to later frames and the Info column of
 * frames exec does not own: a bug that changes every later pass alike shows.
 * --live dissects each frame again right after its first pass, as a live
 * capture in the GUI does (its --dump must equal the plain one's).
 * Prints one line per capture and a closing 'total:' line; exits 1 when a
 * frame differs, 2 on a usage or read error.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ws-compat.h"
#include "frame-list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <epan/column.h>
#include <epan/column-info.h>
#include <epan/column-utils.h>
#include <epan/disabled_protos.h>
#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/export_object.h>
#include <epan/frame_data.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto.h>
#include <epan/tap.h>
#include <epan/timestamp.h>
#include <epan/tvbuff.h>
#include <wiretap/wtap.h>
#include <wsutil/buffer.h>
#include <wsutil/filesystem.h>
#include <wsutil/privileges.h>

#define PROTOCOL_FILTER "exec"
#define PROTOCOL_SHORT_NAME "EXEC"     /* its Protocol column */

/* ---- Wireshark version differences of the application API ---- */

/* From 4.6 on a wtap_rec carries its own data buffer. */
typedef struct {
    wtap_rec rec;
#if !EXEC_WS_AT_LEAST(4, 6)
    Buffer buf;
#endif
} record_t;

static void
record_init(record_t *r)
{
#if EXEC_WS_AT_LEAST(4, 6)
    wtap_rec_init(&r->rec, 1514);
#else
    wtap_rec_init(&r->rec);
    ws_buffer_init(&r->buf, 1514);
#endif
}

static void
record_cleanup(record_t *r)
{
    wtap_rec_cleanup(&r->rec);
#if !EXEC_WS_AT_LEAST(4, 6)
    ws_buffer_free(&r->buf);
#endif
}

static gboolean
record_read_next(wtap *wth, record_t *r, gint64 *offset)
{
    int err;
    gchar *err_info = NULL;
#if EXEC_WS_AT_LEAST(4, 6)
    gboolean ok = wtap_read(wth, &r->rec, &err, &err_info, offset);
#else
    gboolean ok = wtap_read(wth, &r->rec, &r->buf, &err, &err_info, offset);
#endif
    g_free(err_info);
    return ok;
}

static gboolean
record_read_at(wtap *wth, record_t *r, gint64 offset)
{
    int err;
    gchar *err_info = NULL;
#if EXEC_WS_AT_LEAST(4, 6)
    gboolean ok = wtap_seek_read(wth, offset, &r->rec, &err, &err_info);
#else
    gboolean ok = wtap_seek_read(wth, offset, &r->rec, &r->buf, &err, &err_info);
#endif
    g_free(err_info);
    return ok;
}

static void
record_dissect(epan_dissect_t *edt, int file_type, record_t *r, frame_data *fd,
               column_info *cinfo, gboolean with_taps)
{
#if EXEC_WS_AT_LEAST(4, 6)
    if (with_taps)
        epan_dissect_run_with_taps(edt, file_type, &r->rec, fd, cinfo);
    else
        epan_dissect_run(edt, file_type, &r->rec, fd, cinfo);
#else
    tvbuff_t *tvb = tvb_new_real_data(ws_buffer_start_ptr(&r->buf), fd->cap_len, fd->pkt_len);
    if (with_taps)
        epan_dissect_run_with_taps(edt, file_type, &r->rec, tvb, fd, cinfo);
    else
        epan_dissect_run(edt, file_type, &r->rec, tvb, fd, cinfo);
#endif
}

static void
fill_label(field_info *fi, char *label)
{
#if EXEC_WS_AT_LEAST(4, 6)
    proto_item_fill_label(fi, label, NULL);
#else
    proto_item_fill_label(fi, label);
#endif
}

/* First pass: the fields postdissectors asked for.  4.6 does it itself
 * (and no longer exports the function); a visible tree holds them anyway. */
static void
prime_for_postdissectors(epan_dissect_t *edt)
{
#if EXEC_WS_AT_LEAST(4, 6)
    (void)edt;
#else
    prime_epan_dissect_with_postdissector_wanted_hfids(edt);
#endif
}

static void
init_libraries(const char *argv0)
{
#if EXEC_WS_AT_LEAST(4, 6)
    ws_log_init(NULL);
    configuration_init(argv0);
#else
    ws_log_init("redissect-order", NULL);
    configuration_init(argv0, NULL);
#endif
}

/* ---- The capture: its frames (frame-list.h) ---- */

typedef struct {
    const char *path;
    wtap *wth;
    epan_t *epan;
    struct packet_provider_data prov;
    record_t record;
    column_info cinfo;
    char **first;               /* --compare-first-pass: each frame's first-pass text */
} capture_t;

static char *render_dissected(epan_dissect_t *edt, column_info *cinfo, int proto, gboolean *has_protocol_items);

static char *render_frame(capture_t *cap, int proto, guint32 num, gboolean *has_protocol_items);

/* --live: as a live capture in the GUI, which shows each new frame (dissects
 * it again, visited, for its row and the details pane) before the next
 * frame's first pass: each frame is dissected again right after its first
 * pass.  What the later passes show must not depend on it. */
static gboolean live_order = FALSE;

static gboolean
first_pass(capture_t *cap, int proto, gboolean render)
{
    static const struct packet_provider_funcs funcs = { .get_frame_ts = frame_list_timestamp };
    int err;
    gchar *err_info = NULL;
    gint64 offset;

    cap->wth = wtap_open_offline(cap->path, WTAP_TYPE_AUTO, &err, &err_info, TRUE);
    g_free(err_info);
    if (!cap->wth)
        return FALSE;
    cap->epan = epan_new(&cap->prov, &funcs);
    record_init(&cap->record);
    /* As the GUI's first pass: a tree only when a postdissector asks for
     * fields (the exec session-end postdissector does without TCP's sequence
     * analysis), never visible, no columns. */
    /* --compare-first-pass: as tshark -V's single pass instead, a visible
     * tree and the columns, each frame rendered for the comparison. */
    epan_dissect_t *edt = epan_dissect_new(cap->epan, render || postdissectors_want_hfids(), render);
    GPtrArray *texts = g_ptr_array_new();
    while (record_read_next(cap->wth, &cap->record, &offset)) {
        frame_data *fd = frame_list_append(&cap->prov, &cap->record.rec, offset);
        prime_for_postdissectors(edt);
        record_dissect(edt, wtap_file_type_subtype(cap->wth), &cap->record, fd, render ? &cap->cinfo : NULL, TRUE);
        if (render) {
            gboolean has_items;
            epan_dissect_fill_in_columns(edt, FALSE, FALSE);
            g_ptr_array_add(texts, render_dissected(edt, &cap->cinfo, proto, &has_items));
        }
        frame_list_dissected(&cap->prov, fd);
        epan_dissect_reset(edt);
        if (live_order) {
            gboolean has_items;
            g_free(render_frame(cap, proto, fd->num, &has_items));
        }
    }
    epan_dissect_free(edt);
    cap->first = render ? (char **)g_ptr_array_free(texts, FALSE) : NULL;
    if (!render)
        g_ptr_array_free(texts, TRUE);
    return TRUE;
}

static void
close_capture(capture_t *cap)
{
    frame_list_free(&cap->prov);
    if (cap->epan)
        epan_free(cap->epan);
    if (cap->wth) {
        record_cleanup(&cap->record);
        wtap_close(cap->wth);
    }
}

/* ---- A frame as text ---- */

typedef struct {
    int proto;                  /* the exec protocol */
    GString *text;
    guint depth;
    gboolean in_subtree;        /* inside an exec item: write everything */
    guint items;                /* exec items written */
} render_t;

static gboolean
is_protocol_field(const render_t *r, const header_field_info *hfinfo)
{
    /* Its own fields, the stderr channel's protocol and the expert infos
     * it registered all carry its filter name as prefix. */
    size_t n = strlen(PROTOCOL_FILTER);
    return hfinfo->id == r->proto || hfinfo->parent == r->proto ||
           (strncmp(hfinfo->abbrev, PROTOCOL_FILTER, n) == 0 &&
            (hfinfo->abbrev[n] == '.' || hfinfo->abbrev[n] == '_'));
}

/* One line per item, as the packet details pane shows it (generated items
 * in brackets), with its field name and its bytes. */
static void
render_item(render_t *r, proto_node *node, const char *prefix)
{
    field_info *fi = PNODE_FINFO(node);
    char label[ITEM_LABEL_LENGTH];
    gboolean generated = proto_item_is_generated(node);

    if (fi->rep)
        g_strlcpy(label, fi->rep->representation, sizeof label);
    else
        fill_label(fi, label);
    g_string_append_printf(r->text, "%*s%s%s%s%s  (%s, %d+%d%s)\n", (int)(2 * r->depth), "", prefix,
                           generated ? "[" : "", label, generated ? "]" : "", fi->hfinfo->abbrev,
                           fi->start, fi->length, proto_item_is_hidden(node) ? ", hidden" : "");
    r->items++;
}

static void
render_node(proto_node *node, gpointer data)
{
    render_t *r = (render_t *)data;
    field_info *fi = PNODE_FINFO(node);

    if (!fi || !(r->in_subtree || is_protocol_field(r, fi->hfinfo))) {
        proto_tree_children_foreach(node, render_node, r);
        return;
    }
    gboolean subtree_root = !r->in_subtree;
    render_item(r, node, subtree_root && fi->hfinfo->id != r->proto ? "elsewhere: " : "");
    r->in_subtree = TRUE;
    r->depth++;
    proto_tree_children_foreach(node, render_node, r);
    r->depth--;
    r->in_subtree = !subtree_root;
}

/* The frame dissected again as on a click: visited, visible tree, columns. */
static char *
render_frame(capture_t *cap, int proto, guint32 num, gboolean *has_protocol_items)
{
    frame_data *fd = cap->prov.frames[num - 1];
    if (!record_read_at(cap->wth, &cap->record, fd->file_off)) {
        fprintf(stderr, "redissect-order: %s: cannot read frame %u back\n", cap->path, num);
        exit(2);
    }
    epan_dissect_t *edt = epan_dissect_new(cap->epan, TRUE, TRUE);
    record_dissect(edt, wtap_file_type_subtype(cap->wth), &cap->record, fd, &cap->cinfo, FALSE);
    epan_dissect_fill_in_columns(edt, FALSE, FALSE);  /* not No. and Time */
    char *text = render_dissected(edt, &cap->cinfo, proto, has_protocol_items);
    epan_dissect_free(edt);
    return text;
}

/* A dissected frame as text: its Protocol and Info columns and exec's items. */
static char *
render_dissected(epan_dissect_t *edt, column_info *cinfo, int proto, gboolean *has_protocol_items)
{
    render_t r = { proto, g_string_new(NULL), 0, FALSE, 0 };
    const char *protocol = col_get_text(cinfo, COL_PROTOCOL);
    const char *info = col_get_text(cinfo, COL_INFO);
    g_string_append_printf(r.text, "Protocol: %s\nInfo: %s\n", protocol ? protocol : "",
                           info ? info : "");
    proto_tree_children_foreach(edt->tree, render_node, &r);
    *has_protocol_items = r.items > 0;
    return g_string_free(r.text, FALSE);
}

/* ---- Export Objects, as the GUI's dialog does it ---- */

static register_eo_t *export_eo;   /* --export: the protocol's export objects */

static void
export_add_entry(void *gui_data, export_object_entry_t *entry)
{
    GPtrArray *lines = (GPtrArray *)gui_data;
    char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, entry->payload_data, entry->payload_len);
    g_ptr_array_add(lines, g_strdup_printf("  packet %u, %s, %s, %s, %zu bytes, sha256 %s\n", entry->pkt_num,
                                           entry->hostname ? entry->hostname : "", entry->content_type,
                                           entry->filename ? entry->filename : "", (size_t)entry->payload_len, sum));
    g_free(sum);
    eo_free_entry(entry);
}

static export_object_entry_t *
export_get_entry(void *gui_data _U_, int row _U_)
{
    return NULL;
}

static void
export_reset_tap(void *tapdata _U_)
{
    export_object_gui_reset_cb reset = get_eo_reset_func(export_eo);
    if (reset)
        reset();
}

/* The dialog's listener, registered while it is open. */
static export_object_list_t export_list = { export_add_entry, export_get_entry, NULL };

static void
export_dialog_open(void)
{
    GString *error = register_tap_listener(get_eo_tap_listener_name(export_eo), &export_list, NULL,
                                           TL_REQUIRES_NOTHING, export_reset_tap, get_eo_packet_func(export_eo),
                                           NULL, NULL);
    if (error) {
        fprintf(stderr, "redissect-order: export objects listener: %s\n", error->str);
        exit(2);
    }
}

/* The dialog's retap: every frame in file order with taps, the objects listed. */
static char *
export_listing(capture_t *cap)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    export_list.gui_data = lines;
    reset_tap_listeners();
    epan_dissect_t *edt = epan_dissect_new(cap->epan, FALSE, FALSE);
    for (guint32 num = 1; num <= cap->prov.count; num++) {
        frame_data *fd = cap->prov.frames[num - 1];
        if (!record_read_at(cap->wth, &cap->record, fd->file_off)) {
            fprintf(stderr, "redissect-order: %s: cannot read frame %u back\n", cap->path, num);
            exit(2);
        }
        record_dissect(edt, wtap_file_type_subtype(cap->wth), &cap->record, fd, NULL, TRUE);
        epan_dissect_reset(edt);
    }
    epan_dissect_free(edt);
    draw_tap_listeners(TRUE);
    export_list.gui_data = NULL;
    GString *text = g_string_new(NULL);
    g_string_append_printf(text, "%u objects\n", lines->len);
    for (guint i = 0; i < lines->len; i++)
        g_string_append(text, (const char *)g_ptr_array_index(lines, i));
    g_ptr_array_free(lines, TRUE);
    return g_string_free(text, FALSE);
}

/* ---- The orders ---- */

typedef enum { FILE_ORDER, RANDOM_ORDER, REVERSE_ORDER } order_kind_t;

typedef struct {
    const char *name;
    order_kind_t kind;
    guint32 seed_offset;        /* the random orders differ, and from the sample */
} order_t;

static const order_t orders[] = {
    { "file order", FILE_ORDER, 0 },
    { "random order", RANDOM_ORDER, 1 },
    { "reverse order", REVERSE_ORDER, 0 },
    { "second random order", RANDOM_ORDER, 2 },
};

static void
shuffle(guint32 *nums, guint32 count, guint32 seed)
{
    GRand *rand = g_rand_new_with_seed(seed);
    for (guint32 i = count; i > 1; i--) {
        guint32 j = (guint32)g_rand_int_range(rand, 0, (gint32)i);
        guint32 t = nums[i - 1];
        nums[i - 1] = nums[j];
        nums[j] = t;
    }
    g_rand_free(rand);
}

static int
by_number(gconstpointer a, gconstpointer b)
{
    guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
    return x < y ? -1 : x > y;
}

/* The frames to dissect again, in file order: all of them, or a seeded
 * sample of max_frames. */
static guint32 *
chosen_frames(guint32 count, guint32 max_frames, guint32 seed, guint32 *chosen)
{
    guint32 *nums = g_new(guint32, count);
    for (guint32 i = 0; i < count; i++)
        nums[i] = i + 1;
    *chosen = count;
    if (max_frames && count > max_frames) {
        shuffle(nums, count, seed);
        *chosen = max_frames;
        qsort(nums, max_frames, sizeof *nums, by_number);
    }
    return nums;
}

/* The chosen frames in the given order. */
static guint32 *
frame_order(const order_t *order, const guint32 *chosen, guint32 count, guint32 seed)
{
    guint32 *nums = g_new(guint32, count);
    for (guint32 i = 0; i < count; i++)
        nums[i] = chosen[order->kind == REVERSE_ORDER ? count - 1 - i : i];
    if (order->kind == RANDOM_ORDER)
        shuffle(nums, count, seed + order->seed_offset);
    return nums;
}

typedef struct {
    guint64 frames;
    guint64 redissected;
    guint64 protocol_frames;    /* re-dissected frames with exec items */
    guint64 comparisons;
    guint64 differing;          /* frames */
} counts_t;

static void
report_difference(const capture_t *cap, guint32 num, const order_t *order,
                  const char *reference, const char *text)
{
    printf("DIFFERS %s frame %u: %s vs %s\n--- %s\n%s--- %s\n%s---\n", cap->path, num,
           orders[0].name, order->name, orders[0].name, reference, order->name, text);
}

static int
indent_of(const char *line)
{
    int n = 0;
    while (line[n] == ' ')
        n++;
    return n;
}

/* A handshake field item: under an unidentified string or client data
 * before any proven start, a later pass's name for it. */
static gboolean
is_handshake_field(const char *line)
{
    return strstr(line, "(" PROTOCOL_FILTER ".stderr_port,") || strstr(line, "(" PROTOCOL_FILTER ".username,") ||
           strstr(line, "(" PROTOCOL_FILTER ".password,") || strstr(line, "(" PROTOCOL_FILTER ".command,");
}

/* What the first pass can show of a frame, to compare with a later pass:
 * without what only a later frame proves (the README's rule for passes):
 * the links to later frames (as Wireshark's request/response links) and
 * the name a later frame (a success status, the stderr channel) gave an
 * unidentified string or client data (the item under it, with its
 * subtree); and without the Info column of a frame exec
 * does not own (TCP's notes there differ by pass). */
static char *
first_pass_view(const char *text)
{
    GString *out = g_string_new(NULL);
    gchar **lines = g_strsplit(text, "\n", -1);
    gboolean ours = g_str_has_prefix(text, "Protocol: " PROTOCOL_SHORT_NAME "\n");
    int unidentified_indent = -1, skip_indent = -1;
    for (gchar **line = lines; *line; line++) {
        int indent = indent_of(*line);
        if (skip_indent >= 0 && indent > skip_indent)
            continue;
        skip_indent = -1;
        if (unidentified_indent >= 0 && indent <= unidentified_indent)
            unidentified_indent = -1;
        if (strstr(*line, "(" PROTOCOL_FILTER ".unidentified_string,") ||
            strstr(*line, "(" PROTOCOL_FILTER ".client_server_data,")) {
            unidentified_indent = indent;
        } else if (unidentified_indent >= 0 && is_handshake_field(*line)) {
            skip_indent = indent;
            continue;
        }
        if (strstr(*line, "(" PROTOCOL_FILTER ".response_in,") ||
            strstr(*line, "(" PROTOCOL_FILTER ".stderr_channel_in,") ||
            (!ours && g_str_has_prefix(*line, "Info: ")))
            continue;
        g_string_append(out, *line);
        if (line[1])
            g_string_append_c(out, '\n');
    }
    g_strfreev(lines);
    return g_string_free(out, FALSE);
}

static void
check_capture(capture_t *cap, int proto, guint32 seed, guint32 max_frames, gboolean dump,
              counts_t *total)
{
    if (export_eo)
        export_dialog_open();
    char *exported = export_eo ? export_listing(cap) : NULL;
    guint64 export_differing = 0;
    guint32 count;
    guint32 *chosen = chosen_frames(cap->prov.count, max_frames, seed, &count);
    counts_t counts = { cap->prov.count, count, 0, 0, 0 };
    char **reference = g_new0(char *, cap->prov.count);
    gboolean *differs = g_new0(gboolean, cap->prov.count);

    for (size_t o = 0; o < G_N_ELEMENTS(orders); o++) {
        guint32 *nums = frame_order(&orders[o], chosen, count, seed);
        for (guint32 i = 0; i < count; i++) {
            guint32 num = nums[i];
            gboolean has_items;
            char *text = render_frame(cap, proto, num, &has_items);
            if (o == 0 && cap->first) {
                /* The first pass against this later pass, each as the user sees it. */
                char *first = first_pass_view(cap->first[num - 1]);
                char *later = first_pass_view(text);
                counts.comparisons++;
                if (strcmp(first, later) != 0) {
                    differs[num - 1] = TRUE;
                    counts.differing++;
                    printf("DIFFERS %s frame %u: first pass vs %s\n--- first pass\n%s--- %s\n%s---\n",
                           cap->path, num, orders[0].name, first, orders[0].name, later);
                }
                g_free(first);
                g_free(later);
            }
            if (o == 0) {
                reference[num - 1] = text;
                counts.protocol_frames += has_items;
                if (dump)
                    printf("=== %s frame %u\n%s", cap->path, num, text);
                continue;
            }
            counts.comparisons++;
            if (strcmp(text, reference[num - 1]) != 0 && !differs[num - 1]) {
                differs[num - 1] = TRUE;
                counts.differing++;
                report_difference(cap, num, &orders[o], reference[num - 1], text);
            }
            g_free(text);
        }
        g_free(nums);
        if (exported) {
            char *again = export_listing(cap);
            counts.comparisons++;
            if (strcmp(again, exported) != 0) {
                export_differing++;
                printf("DIFFERS %s export objects: after the first pass vs after %s\n--- first\n%s--- after %s\n%s---\n",
                       cap->path, orders[o].name, exported, orders[o].name, again);
            }
            g_free(again);
        }
    }
    if (exported) {
        printf("%s %s: export objects, %.*s, the same after each of %zu orders\n",
               export_differing ? "FAIL" : "ok  ", cap->path, (int)strcspn(exported, "\n"), exported,
               G_N_ELEMENTS(orders));
        counts.differing += export_differing;
        g_free(exported);
        remove_tap_listener(&export_list);
    }
    printf("%s %s: %" PRIu64 " frames, %" PRIu64 " re-dissected, %" PRIu64 " with exec items, %"
           PRIu64 " comparisons, %" PRIu64 " differing\n", counts.differing ? "FAIL" : "ok  ",
           cap->path, counts.frames, counts.redissected, counts.protocol_frames, counts.comparisons,
           counts.differing);
    total->frames += counts.frames;
    total->redissected += counts.redissected;
    total->protocol_frames += counts.protocol_frames;
    total->comparisons += counts.comparisons;
    total->differing += counts.differing;
    for (guint32 i = 0; i < cap->prov.count; i++) {
        g_free(reference[i]);
        if (cap->first)
            g_free(cap->first[i]);
    }
    g_free(cap->first);
    g_free(reference);
    g_free(differs);
    g_free(chosen);
}

static int
usage(void)
{
    fprintf(stderr, "usage: redissect-order [-o PREF:VALUE]... [--enable-heuristic NAME]... [--seed N] "
                    "[--max-frames N] [--require-field NAME] [--dump] [--compare-first-pass] [--export] [--live] "
                    "CAPTURE...\n");
    return 2;
}

int
main(int argc, char *argv[])
{
    guint32 seed = 1;
    const char *required_field = NULL;
    gboolean dump = FALSE;
    gboolean compare_first_pass = FALSE;
    gboolean export = FALSE;
    guint32 max_frames = 0;
    GPtrArray *preferences = g_ptr_array_new();
    GPtrArray *heuristics = g_ptr_array_new();
    int first_capture = argc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            g_ptr_array_add(preferences, argv[++i]);
        else if (strcmp(argv[i], "--enable-heuristic") == 0 && i + 1 < argc)
            g_ptr_array_add(heuristics, argv[++i]);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = (guint32)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--max-frames") == 0 && i + 1 < argc)
            max_frames = (guint32)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--require-field") == 0 && i + 1 < argc)
            required_field = argv[++i];
        else if (strcmp(argv[i], "--dump") == 0)
            dump = TRUE;
        else if (strcmp(argv[i], "--compare-first-pass") == 0)
            compare_first_pass = TRUE;
        else if (strcmp(argv[i], "--export") == 0)
            export = TRUE;
        else if (strcmp(argv[i], "--live") == 0)
            live_order = TRUE;
        else if (argv[i][0] == '-')
            return usage();
        else {
            first_capture = i;
            break;
        }
    }
    if (first_capture == argc)
        return usage();

    init_process_policies();
    init_libraries(argv[0]);
    wtap_init(TRUE);
    if (!epan_init(NULL, NULL, TRUE))
        return 2;
    epan_load_settings();
    for (guint i = 0; i < preferences->len; i++) {
        char *errmsg = NULL;
        if (prefs_set_pref((char *)g_ptr_array_index(preferences, i), &errmsg) != PREFS_SET_OK) {
            fprintf(stderr, "redissect-order: bad preference %s%s%s\n",
                    (char *)g_ptr_array_index(preferences, i), errmsg ? ": " : "", errmsg ? errmsg : "");
            return 2;
        }
    }
    for (guint i = 0; i < heuristics->len; i++) {
        if (!exec_enable_heuristic((const char *)g_ptr_array_index(heuristics, i))) {
            fprintf(stderr, "redissect-order: no heuristic dissector %s\n",
                    (const char *)g_ptr_array_index(heuristics, i));
            return 2;
        }
    }
    prefs_apply_all();
    /* Wireshark 4.4 formats the Time column even when not asked to fill
     * it: it needs a format, as in tshark, though it is not compared. */
    timestamp_set_type(TS_RELATIVE);
    timestamp_set_precision(TS_PREC_AUTO);
    timestamp_set_seconds_type(TS_SECONDS_DEFAULT);
    int proto = proto_get_id_by_filter_name(PROTOCOL_FILTER);
    if (proto < 0 || (required_field && !proto_registrar_get_byname(required_field))) {
        fprintf(stderr, "redissect-order: no protocol %s or no field %s: is the plugin loaded?\n",
                PROTOCOL_FILTER, required_field ? required_field : "");
        return 2;
    }

    if (export && !(export_eo = get_eo_by_name(PROTOCOL_FILTER))) {
        fprintf(stderr, "redissect-order: no export objects for %s\n", PROTOCOL_FILTER);
        return 2;
    }

    counts_t total = { 0, 0, 0, 0, 0 };
    for (int i = first_capture; i < argc; i++) {
        capture_t cap = { .path = argv[i] };
        build_column_format_array(&cap.cinfo, prefs.num_cols, TRUE);
        if (!first_pass(&cap, proto, compare_first_pass)) {
            fprintf(stderr, "redissect-order: cannot open %s\n", cap.path);
            return 2;
        }
        check_capture(&cap, proto, seed, max_frames, dump, &total);
        close_capture(&cap);
        col_cleanup(&cap.cinfo);
    }
    printf("total: %d captures, %" PRIu64 " frames, %" PRIu64 " re-dissected, %" PRIu64
           " with exec items, %" PRIu64 " comparisons, %" PRIu64 " differing\n", argc - first_capture,
           total.frames, total.redissected, total.protocol_frames, total.comparisons, total.differing);
    g_ptr_array_free(preferences, TRUE);
    return total.differing ? 1 : 0;
}
