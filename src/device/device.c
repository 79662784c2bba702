/* device.c — the calls through the device interface, with the sticky error
 * of STYLE.md: after the first failure every call returns it and does
 * nothing, so a caller replays a whole document and checks once. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "device.h"

ax_status ax_device_fail(ax_device *d, ax_status st, const char *fmt, ...)
{
    if (d->status != AX_OK)
        return d->status;
    d->status = st;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->message, sizeof d->message, fmt, ap);
        va_end(ap);
    }
    return st;
}

#define AX_DEVICE_CALL(d, call)                                                                \
    do {                                                                                       \
        if ((d)->status != AX_OK)                                                              \
            return (d)->status;                                                                \
        ax_status st_ = (call);                                                                \
        if (st_ != AX_OK && (d)->status == AX_OK)                                              \
            (d)->status = st_;                                                                 \
        return (d)->status;                                                                    \
    } while (0)

ax_status ax_device_use_font(ax_device *d, const ax_font *f, const uint32_t *cps, size_t n)
{
    AX_DEVICE_CALL(d, d->ops->use_font(d, f, cps, n));
}

ax_status ax_device_begin_page(ax_device *d, double w, double h)
{
    AX_DEVICE_CALL(d, d->ops->begin_page(d, w, h));
}

ax_status ax_device_end_page(ax_device *d)
{
    AX_DEVICE_CALL(d, d->ops->end_page(d));
}

ax_status ax_device_overlay(ax_device *d, size_t page)
{
    if (d->status != AX_OK)
        return d->status;
    if (!d->ops->overlay)
        return ax_device_fail(d, AX_ERR_USAGE, "the %s device cannot draw on a page again",
                              d->ops->name);
    AX_DEVICE_CALL(d, d->ops->overlay(d, page));
}

ax_status ax_device_fill_path(ax_device *d, const ax_path *p, ax_color c)
{
    AX_DEVICE_CALL(d, d->ops->fill_path(d, p, c));
}

ax_status ax_device_stroke_path(ax_device *d, const ax_path *p, double lw, ax_color c)
{
    AX_DEVICE_CALL(d, d->ops->stroke_path(d, p, lw, c));
}

/* What every device needs of a text run is checked once, here; a device
 * checks only its own limits (libharu's font size and string length). */
ax_status ax_device_show_text(ax_device *d, const ax_text_run *t)
{
    if (d->status != AX_OK)
        return d->status;
    if (!(isfinite(t->size) && t->size > 0))
        return ax_device_fail(d, AX_ERR_DATA, "font size %g is not a positive number", t->size);
    if (!isfinite(t->x) || !isfinite(t->y) || !isfinite(t->angle))
        return ax_device_fail(d, AX_ERR_DATA, "text position (%g, %g) or angle %g is not finite",
                              t->x, t->y, t->angle);
    if (ax_utf8_invalid_at(t->utf8, t->len) >= 0)
        return ax_device_fail(d, AX_ERR_DATA, "text run is not valid UTF-8");
    AX_DEVICE_CALL(d, d->ops->show_text(d, t));
}

ax_status ax_device_push_clip(ax_device *d, const ax_path *p)
{
    AX_DEVICE_CALL(d, d->ops->push_clip(d, p));
}

ax_status ax_device_pop_clip(ax_device *d)
{
    AX_DEVICE_CALL(d, d->ops->pop_clip(d));
}

ax_status ax_device_outline(ax_device *d, int level, const char *title, double y)
{
    AX_DEVICE_CALL(d, d->ops->outline(d, level, title, y));
}

/* Optional calls: a device without them ignores them. */
#define AX_DEVICE_OPT(d, fn, ...)                                                              \
    do {                                                                                       \
        if ((d)->status != AX_OK || !(d)->ops->fn)                                             \
            return (d)->status;                                                                \
        AX_DEVICE_CALL(d, (d)->ops->fn(d, __VA_ARGS__));                                       \
    } while (0)

ax_status ax_device_begin_struct(ax_device *d, const ax_struct *s)
{
    if (s->type < 0 || s->type >= AX_ST_COUNT)
        return ax_device_fail(d, AX_ERR_DATA, "structure type %d is unknown", (int)s->type);
    AX_DEVICE_OPT(d, begin_struct, s);
}

ax_status ax_device_end_struct(ax_device *d)
{
    if (d->status != AX_OK || !d->ops->end_struct)
        return d->status;
    AX_DEVICE_CALL(d, d->ops->end_struct(d));
}

ax_status ax_device_resume_struct(ax_device *d, int id)
{
    AX_DEVICE_OPT(d, resume_struct, id);
}

ax_status ax_device_begin_artifact(ax_device *d, ax_artifact_kind kind)
{
    AX_DEVICE_OPT(d, begin_artifact, kind);
}

ax_status ax_device_end_artifact(ax_device *d)
{
    if (d->status != AX_OK || !d->ops->end_artifact)
        return d->status;
    AX_DEVICE_CALL(d, d->ops->end_artifact(d));
}

ax_status ax_device_link(ax_device *d, double x, double y, double w, double h, const char *uri,
                         int dest, const char *alt)
{
    if (!(isfinite(x) && isfinite(y) && isfinite(w) && isfinite(h) && w >= 0 && h >= 0))
        return ax_device_fail(d, AX_ERR_DATA, "link rectangle is not finite");
    AX_DEVICE_OPT(d, link, x, y, w, h, uri, dest, alt);
}

ax_status ax_device_anchor(ax_device *d, int id, double y)
{
    AX_DEVICE_OPT(d, anchor, id, y);
}

ax_status ax_device_page_label(ax_device *d, const char *prefix, int first)
{
    AX_DEVICE_OPT(d, page_label, prefix, first);
}

const char *ax_struct_name(ax_struct_type t)
{
    static const char *const names[AX_ST_COUNT] = {
        [AX_ST_PART] = "Part",       [AX_ST_SECT] = "Sect",       [AX_ST_DIV] = "Div",
        [AX_ST_H1] = "H1",           [AX_ST_H2] = "H2",           [AX_ST_H3] = "H3",
        [AX_ST_H4] = "H4",           [AX_ST_H5] = "H5",           [AX_ST_H6] = "H6",
        [AX_ST_P] = "P",             [AX_ST_SPAN] = "Span",       [AX_ST_NOTE] = "Note",
        [AX_ST_LBL] = "Lbl",         [AX_ST_TABLE] = "Table",     [AX_ST_THEAD] = "THead",
        [AX_ST_TBODY] = "TBody",     [AX_ST_TFOOT] = "TFoot",     [AX_ST_TR] = "TR",
        [AX_ST_TH] = "TH",           [AX_ST_TD] = "TD",           [AX_ST_FIGURE] = "Figure",
        [AX_ST_CAPTION] = "Caption", [AX_ST_TOC] = "TOC",         [AX_ST_TOCI] = "TOCI",
        [AX_ST_LINK] = "Link",       [AX_ST_REFERENCE] = "Reference",
    };
    return t >= 0 && t < AX_ST_COUNT ? names[t] : "?";
}

ax_status ax_device_close(ax_device *d)
{
    AX_DEVICE_CALL(d, d->ops->close(d));
}

void ax_device_free(ax_device *d)
{
    if (d)
        d->ops->free(d);
}
