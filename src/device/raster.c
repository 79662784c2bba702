/* raster.c — the raster device (cairo): pages as PNG images.
 *
 * With pdf.c the only file that uses cairo's surface API. */
#include <cairo.h>

#include "../chart/draw.h"
#include "device.h"

cairo_t *ax_path_builder_new(void)
{
    /* Paths only: nothing is ever drawn on this 1×1 surface. */
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
    cairo_t *cr = cairo_create(s);
    cairo_surface_destroy(s); /* the context keeps its reference */
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(cr);
        return NULL;
    }
    return cr;
}
