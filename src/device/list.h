/* list.h — display lists: a document recorded as pages of device calls,
 * replayed into any device (PDF, trace, raster) afterwards.
 *
 * Recording first is what makes "page N of M" and one layout run for PDF
 * and PNG possible, and it lets the replay announce, before the first page,
 * every code point each font shows in the whole document (use_font), so the
 * PDF device can embed one subset per font.
 *
 * A list may also stream (ax_display_stream): each page goes to a device
 * as soon as the layout leaves it and only its size stays, so memory does
 * not grow with the number of pages; what the layout adds to a page later
 * (footers that need the page count, the contents' page numbers) goes to
 * the device as an overlay of that page (device.h).
 *
 * Paths, strings, text runs' positioning (adj) and commands are copied into
 * the list's own storage (the caller's may go after the call); the
 * list owns them until ax_display_free. Recording calls never fail loudly:
 * an allocation failure sticks and ax_display_failed reports it. */
#ifndef AX_LIST_H
#define AX_LIST_H

#include "device.h"

typedef enum ax_cmd_kind {
    AX_CMD_FILL,
    AX_CMD_STROKE,
    AX_CMD_TEXT,
    AX_CMD_PUSH_CLIP,
    AX_CMD_POP_CLIP,
    AX_CMD_OUTLINE,
    AX_CMD_STRUCT_BEGIN,
    AX_CMD_STRUCT_END,
    AX_CMD_STRUCT_RESUME,
    AX_CMD_ARTIFACT_BEGIN,
    AX_CMD_ARTIFACT_END,
    AX_CMD_LINK,
    AX_CMD_ANCHOR,
    AX_CMD_PAGE_LABEL,
} ax_cmd_kind;

/* One recorded call. The fields of the kinds share memory (a 20,000-row
 * annex records ~400,000 text runs): read only those of `kind`. */
typedef struct ax_cmd {
    ax_cmd_kind kind;
    ax_color color;          /* FILL, STROKE, TEXT */
    union {
        struct {
            ax_path path;      /* FILL, STROKE, PUSH_CLIP */
            double line_width; /* STROKE */
        };
        ax_text_run text;      /* TEXT */
        struct {
            int level;         /* OUTLINE; PAGE_LABEL: the first number */
            const char *title; /* OUTLINE; PAGE_LABEL: the prefix or NULL */
            double y;          /* OUTLINE, ANCHOR */
            int id;            /* STRUCT_RESUME, ANCHOR */
        };
        ax_struct st;          /* STRUCT_BEGIN */
        ax_artifact_kind art;  /* ARTIFACT_BEGIN */
        struct {
            double x, y, w, h; /* LINK */
            const char *uri;   /* or NULL */
            const char *alt;
            int dest;
        } link;
    };
} ax_cmd;

typedef struct ax_page {
    double width, height;
    ax_cmd *cmds;
    size_t n, cap;
    ax_arena *arena; /* the page's paths and strings */
} ax_page;

typedef struct ax_display ax_display;

ax_display *ax_display_new(void);
void ax_display_free(ax_display *dl);
int ax_display_failed(const ax_display *dl);

/* Start a new page; later calls record onto it. */
void ax_display_begin_page(ax_display *dl, double width, double height);
/* Record onto page `page` (0-based; an existing page), for running headers
 * and footers added after pagination. ax_display_select(dl, SIZE_MAX)
 * returns to the last page. Streaming, recording onto a page already sent
 * is an overlay of it, sent when recording leaves the page (select of
 * another page, begin_page, flush); selecting the page being recorded onto
 * changes nothing. */
void ax_display_select(ax_display *dl, size_t page);
void ax_display_fill(ax_display *dl, const ax_path *p, ax_color c);
void ax_display_stroke(ax_display *dl, const ax_path *p, double line_width, ax_color c);
void ax_display_text(ax_display *dl, const ax_text_run *t);
void ax_display_push_clip(ax_display *dl, const ax_path *p);
void ax_display_pop_clip(ax_display *dl);
void ax_display_outline(ax_display *dl, int level, const char *title, double y);

/* Structure and artifacts (device.h); strings are copied. */
void ax_display_begin_struct(ax_display *dl, const ax_struct *s);
void ax_display_end_struct(ax_display *dl);
void ax_display_resume_struct(ax_display *dl, int id);
void ax_display_begin_artifact(ax_display *dl, ax_artifact_kind kind);
void ax_display_end_artifact(ax_display *dl);
void ax_display_link(ax_display *dl, double x, double y, double w, double h, const char *uri,
                     int dest, const char *alt);
void ax_display_anchor(ax_display *dl, int id, double y);
void ax_display_page_label(ax_display *dl, const char *prefix, int first);
/* Record a copy of one command of another list (moved by nothing). */
void ax_display_copy(ax_display *dl, const ax_cmd *c);

/* Convenience: an axis-aligned rectangle / a straight line. */
void ax_display_rect(ax_display *dl, double x, double y, double w, double h, ax_color c);
void ax_display_line(ax_display *dl, double x0, double y0, double x1, double y1, double lw,
                     ax_color c);

/* Record a copy of every command of `src` (a page of another list: a chart
 * or a matrix part) onto the current page, moved by (dx, dy). Outline
 * entries are copied too. */
void ax_display_embed(ax_display *dl, const ax_page *src, double dx, double dy);

/* The same as an artifact of `kind`: the drawing only, without the
 * structure, artifacts, anchors and outline entries of `src` (a table
 * header repeated on a later page). */
void ax_display_embed_artifact(ax_display *dl, const ax_page *src, double dx, double dy,
                               ax_artifact_kind kind);

/* Stream the list into `dev` (borrowed; set before the first page): when
 * a page begins, the one before it is replayed into dev — after use_font
 * with the code points no earlier page showed — and its commands freed;
 * ax_display_select of a page already sent records an overlay of it
 * (ax_device_overlay). ax_display_pages still counts every page;
 * ax_display_page of a sent page has no commands. */
void ax_display_stream(ax_display *dl, ax_device *dev);

/* Streaming: send what is not sent yet (the last page, an open overlay).
 * Returns the device's status (AX_OK when not streaming). */
ax_status ax_display_flush(ax_display *dl);

/* Mark the list failed (an allocation failed while building something for
 * it); ax_display_failed reports it. */
void ax_display_set_failed(ax_display *dl);

size_t ax_display_pages(const ax_display *dl);
const ax_page *ax_display_page(const ax_display *dl, size_t i); /* borrowed */

/* Replay into a device: use_font for each font (in first-use order, with
 * the document's sorted code points for it), then every page. Does not
 * close the device. Returns the device's status. */
ax_status ax_display_replay(const ax_display *dl, ax_device *dev);
/* The same, freeing each page once the device has it: the list holds no
 * page afterwards (only ax_display_free is left to call). For a long
 * document this keeps the list and the device's output from being in
 * memory at the same time. */
ax_status ax_display_replay_consume(ax_display *dl, ax_device *dev);

#endif
