/* trace.c — the trace device: one line of text per device call, for golden
 * tests (the way MuPDF's trace device is used). Coordinates are printed
 * with two decimals; printf's %f is locale-dependent only after a
 * setlocale(LC_NUMERIC, …), which annex never calls. */
#include <stdio.h>
#include <string.h>

#include "../text/font.h"
#include "device.h"

typedef struct trace_device {
    ax_device base;
    ax_buf *out;
} trace_device;

static ax_buf *out_of(ax_device *d)
{
    return ((trace_device *)d)->out;
}

static void put_color(ax_buf *b, ax_color c)
{
    ax_buf_printf(b, " #%02x%02x%02x", (unsigned)(c.r * 255 + 0.5), (unsigned)(c.g * 255 + 0.5),
                  (unsigned)(c.b * 255 + 0.5));
}

static void put_path(ax_buf *b, const ax_path *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const ax_path_el *e = &p->els[i];
        switch (e->op) {
        case AX_PATH_MOVE: ax_buf_printf(b, " M %.2f %.2f", e->x[0], e->y[0]); break;
        case AX_PATH_LINE: ax_buf_printf(b, " L %.2f %.2f", e->x[0], e->y[0]); break;
        case AX_PATH_CURVE:
            ax_buf_printf(b, " C %.2f %.2f %.2f %.2f %.2f %.2f", e->x[0], e->y[0], e->x[1],
                          e->y[1], e->x[2], e->y[2]);
            break;
        case AX_PATH_CLOSE: ax_buf_puts(b, " Z"); break;
        }
    }
}

/* Text between double quotes with " and \ escaped, after `lead` (" "
 * before a bare string: put_quoted). */
static void put_quoted_after(ax_buf *b, const char *lead, const char *s, size_t n)
{
    ax_buf_puts(b, lead);
    ax_buf_puts(b, "\"");
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            ax_buf_append(b, "\\", 1);
        ax_buf_append(b, s + i, 1);
    }
    ax_buf_puts(b, "\"");
}

static void put_quoted(ax_buf *b, const char *s, size_t n)
{
    put_quoted_after(b, " ", s, n);
}

static ax_status done(ax_device *d)
{
    return out_of(d)->failed ? ax_device_fail(d, AX_ERR_NOMEM, "trace buffer") : AX_OK;
}

static ax_status tr_use_font(ax_device *d, const ax_font *f, const uint32_t *cps, size_t n)
{
    (void)cps;
    ax_buf_printf(out_of(d), "use_font %s \"%s\" %zu code points\n", ax_font_id(f),
                  ax_font_family(f), n);
    return done(d);
}

static ax_status tr_begin_page(ax_device *d, double w, double h)
{
    ax_buf_printf(out_of(d), "begin_page %.2f %.2f\n", w, h);
    return done(d);
}

static ax_status tr_end_page(ax_device *d)
{
    ax_buf_puts(out_of(d), "end_page\n");
    return done(d);
}

static ax_status tr_overlay(ax_device *d, size_t page)
{
    ax_buf_printf(out_of(d), "overlay %zu\n", page);
    return done(d);
}

static ax_status tr_fill(ax_device *d, const ax_path *p, ax_color c)
{
    ax_buf *b = out_of(d);
    ax_buf_puts(b, "fill");
    put_color(b, c);
    put_path(b, p);
    ax_buf_puts(b, "\n");
    return done(d);
}

static ax_status tr_stroke(ax_device *d, const ax_path *p, double lw, ax_color c)
{
    ax_buf *b = out_of(d);
    ax_buf_printf(b, "stroke %.2f", lw);
    put_color(b, c);
    put_path(b, p);
    ax_buf_puts(b, "\n");
    return done(d);
}

static ax_status tr_text(ax_device *d, const ax_text_run *t)
{
    ax_buf *b = out_of(d);
    ax_buf_printf(b, "text %s %.2f %.2f %.2f", ax_font_id(t->font), t->size, t->x, t->y);
    if (t->angle != 0)
        ax_buf_printf(b, " rot %.2f", t->angle);
    put_color(b, t->color);
    put_quoted(b, t->utf8, t->len);
    /* positioning: the nonzero entries as code point index:value, after
     * the text (runs without any print as before) */
    if (t->adj) {
        int any = 0;
        size_t k = 0;
        for (size_t i = 0; i < t->len; k++) {
            ax_utf8_next(t->utf8, t->len, &i);
            if (t->adj[k]) {
                ax_buf_printf(b, "%s %zu:%d", any ? "" : " adj", k, (int)t->adj[k]);
                any = 1;
            }
        }
    }
    ax_buf_puts(b, "\n");
    return done(d);
}

static ax_status tr_push_clip(ax_device *d, const ax_path *p)
{
    ax_buf *b = out_of(d);
    ax_buf_puts(b, "push_clip");
    put_path(b, p);
    ax_buf_puts(b, "\n");
    return done(d);
}

static ax_status tr_pop_clip(ax_device *d)
{
    ax_buf_puts(out_of(d), "pop_clip\n");
    return done(d);
}

static ax_status tr_outline(ax_device *d, int level, const char *title, double y)
{
    ax_buf *b = out_of(d);
    ax_buf_printf(b, "outline %d %.2f", level, y);
    put_quoted(b, title, strlen(title));
    ax_buf_puts(b, "\n");
    return done(d);
}

static ax_status tr_begin_struct(ax_device *d, const ax_struct *s)
{
    ax_buf *b = out_of(d);
    ax_buf_printf(b, "struct %s", ax_struct_name(s->type));
    if (s->id)
        ax_buf_printf(b, " id=%d", s->id);
    if (s->lang)
        ax_buf_printf(b, " lang=%s", s->lang);
    if (s->scope)
        ax_buf_puts(b, s->scope == AX_SCOPE_COLUMN ? " scope=column"
                       : s->scope == AX_SCOPE_ROW  ? " scope=row"
                                                   : " scope=both");
    if (s->colspan > 1)
        ax_buf_printf(b, " colspan=%d", s->colspan);
    if (s->alt) {
        ax_buf_puts(b, " alt");
        put_quoted(b, s->alt, strlen(s->alt));
    }
    if (s->actual) {
        put_quoted_after(b, " actual=", s->actual, strlen(s->actual));
    }
    ax_buf_puts(b, "\n");
    return done(d);
}

static ax_status tr_end_struct(ax_device *d)
{
    ax_buf_puts(out_of(d), "end_struct\n");
    return done(d);
}

static ax_status tr_resume_struct(ax_device *d, int id)
{
    ax_buf_printf(out_of(d), "resume_struct %d\n", id);
    return done(d);
}

static ax_status tr_begin_artifact(ax_device *d, ax_artifact_kind k)
{
    static const char *const names[] = {"layout", "header", "footer", "background"};
    ax_buf_printf(out_of(d), "artifact %s\n", k >= 0 && k <= AX_ART_BACKGROUND ? names[k] : "?");
    return done(d);
}

static ax_status tr_end_artifact(ax_device *d)
{
    ax_buf_puts(out_of(d), "end_artifact\n");
    return done(d);
}

static ax_status tr_link(ax_device *d, double x, double y, double w, double h, const char *uri,
                         int dest, const char *alt)
{
    ax_buf *b = out_of(d);
    ax_buf_printf(b, "link %.2f %.2f %.2f %.2f", x, y, w, h);
    if (uri) {
        ax_buf_puts(b, " uri");
        put_quoted(b, uri, strlen(uri));
    } else
        ax_buf_printf(b, " dest %d", dest);
    if (alt)
        put_quoted(b, alt, strlen(alt));
    ax_buf_puts(b, "\n");
    return done(d);
}

static ax_status tr_anchor(ax_device *d, int id, double y)
{
    ax_buf_printf(out_of(d), "anchor %d %.2f\n", id, y);
    return done(d);
}

static ax_status tr_page_label(ax_device *d, const char *prefix, int first)
{
    ax_buf *b = out_of(d);
    ax_buf_printf(b, "page_label %d", first);
    if (prefix)
        put_quoted(b, prefix, strlen(prefix));
    ax_buf_puts(b, "\n");
    return done(d);
}

static ax_status tr_close(ax_device *d)
{
    ax_buf_puts(out_of(d), "close\n");
    return done(d);
}

static void tr_free(ax_device *d)
{
    ax_free(d);
}

static const ax_device_ops trace_ops = {
    .name = "trace",
    .use_font = tr_use_font,
    .begin_page = tr_begin_page,
    .end_page = tr_end_page,
    .overlay = tr_overlay,
    .fill_path = tr_fill,
    .stroke_path = tr_stroke,
    .show_text = tr_text,
    .push_clip = tr_push_clip,
    .pop_clip = tr_pop_clip,
    .outline = tr_outline,
    .begin_struct = tr_begin_struct,
    .end_struct = tr_end_struct,
    .resume_struct = tr_resume_struct,
    .begin_artifact = tr_begin_artifact,
    .end_artifact = tr_end_artifact,
    .link = tr_link,
    .anchor = tr_anchor,
    .page_label = tr_page_label,
    .close = tr_close,
    .free = tr_free,
};

ax_status ax_trace_device_new(ax_buf *out, ax_device **out_dev)
{
    trace_device *t = ax_malloc(sizeof *t);
    *out_dev = NULL;
    if (!t)
        return AX_ERR_NOMEM;
    memset(t, 0, sizeof *t);
    t->base.ops = &trace_ops;
    t->out = out;
    *out_dev = &t->base;
    return AX_OK;
}
