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

ax_status ax_device_close(ax_device *d)
{
    AX_DEVICE_CALL(d, d->ops->close(d));
}

void ax_device_free(ax_device *d)
{
    if (d)
        d->ops->free(d);
}
