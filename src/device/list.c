/* list.c — display lists (see list.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../text/font.h"
#include "list.h"

/* A font's code points announced so far: one bit per code point, in
 * leaves of 4,096 code points (512 bytes) made when one of them first
 * comes. A flat bitmap of all 0x110000 would be 136 KB per font, above
 * malloc's mmap threshold: fresh pages to zero for every font of every
 * document, where a document's text touches a handful of leaves. */
#define CP_LEAF_BITS 12
#define CP_LEAVES (0x110000 >> CP_LEAF_BITS)
#define CP_LEAF_WORDS ((1u << CP_LEAF_BITS) / 64)

typedef struct font_use {
    const ax_font *font;
    uint64_t *leaf[CP_LEAVES]; /* NULL: none of its code points yet */
} font_use;

static void font_uses_free(font_use *set, size_t n)
{
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j < CP_LEAVES; j++)
            ax_free(set[k].leaf[j]);
    ax_free(set);
}

struct ax_display {
    ax_page *pages;      /* each with its own arena of paths and strings */
    size_t npages, cap;
    size_t cur;      /* the page recording goes to */
    int failed;
    /* Streaming (ax_display_stream): pages [0, sent) have gone to dev and
     * hold no commands; recording onto one of them is an overlay. */
    ax_device *dev;
    size_t sent;
    font_use *announced; /* the code points given to dev's use_font so far */
    size_t nannounced;
};

static void send_page(ax_display *dl, size_t k);
static void send_pages(ax_display *dl, size_t from, size_t to);
static ax_status announce(const ax_display *dl, size_t from, size_t to, ax_device *dev,
                          font_use **set, size_t *nset);

/* Streaming, pages go to the device HOLD_PAGES at a time (a few MB): a
 * document that short is replayed whole at the end, exactly as a list that
 * does not stream (its fonts announced before its first page, its footers
 * drawn on the page, not as overlays). */
#define HOLD_PAGES 64
/* After the first batch, pages go HOLD_MORE at a time: a page's commands
 * are some 120 KB in a long table, and nothing gains from holding more. */
#define HOLD_MORE 16

ax_display *ax_display_new(void)
{
    ax_display *dl = ax_malloc(sizeof *dl);
    if (!dl)
        return NULL;
    memset(dl, 0, sizeof *dl);
    return dl;
}

void ax_display_free(ax_display *dl)
{
    if (!dl)
        return;
    for (size_t i = 0; i < dl->npages; i++) {
        ax_free(dl->pages[i].cmds);
        ax_arena_free(dl->pages[i].arena);
    }
    font_uses_free(dl->announced, dl->nannounced);
    ax_free(dl->pages);
    ax_free(dl);
}

int ax_display_failed(const ax_display *dl)
{
    return dl->failed;
}

/* Streaming: recording leaves page dl->cur. An overlay of a page already
 * sent goes to the device now; the newest page waits for the next
 * begin_page or for ax_display_flush (the layout may still add to it). */
static void leave(ax_display *dl)
{
    if (dl->dev && dl->cur < dl->sent && dl->pages[dl->cur].n)
        send_page(dl, dl->cur);
}

void ax_display_begin_page(ax_display *dl, double width, double height)
{
    if (dl->dev) {
        leave(dl);
        if (dl->npages - dl->sent >= (dl->sent ? HOLD_MORE : HOLD_PAGES))
            send_pages(dl, dl->sent, dl->npages);
    }
    if (dl->npages == dl->cap) {
        size_t cap = dl->cap ? dl->cap * 2 : 16;
        ax_page *p = ax_reallocarray(dl->pages, cap, sizeof *p);
        if (!p) {
            dl->failed = 1;
            return;
        }
        dl->pages = p;
        dl->cap = cap;
    }
    ax_page *pg = &dl->pages[dl->npages];
    memset(pg, 0, sizeof *pg);
    pg->width = width;
    pg->height = height;
    pg->arena = ax_arena_new();
    if (!pg->arena) {
        dl->failed = 1;
        return;
    }
    dl->cur = dl->npages++;
}

void ax_display_select(ax_display *dl, size_t page)
{
    if (!dl->npages)
        return;
    if ((page < dl->npages ? page : dl->npages - 1) == dl->cur)
        return;
    leave(dl);
    dl->cur = page < dl->npages ? page : dl->npages - 1;
    ax_page *pg = &dl->pages[dl->cur];
    if (!pg->arena && !(pg->arena = ax_arena_new()))
        dl->failed = 1;
}

static ax_cmd *push(ax_display *dl, ax_cmd_kind kind)
{
    if (dl->failed || dl->npages == 0) {
        dl->failed = 1;
        return NULL;
    }
    ax_page *pg = &dl->pages[dl->cur];
    if (pg->n == pg->cap) {
        size_t cap = pg->cap ? pg->cap * 2 : 64;
        ax_cmd *c = ax_reallocarray(pg->cmds, cap, sizeof *c);
        if (!c) {
            dl->failed = 1;
            return NULL;
        }
        pg->cmds = c;
        pg->cap = cap;
    }
    ax_cmd *c = &pg->cmds[pg->n++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    return c;
}

/* Copies of strings and paths go to the arena of the page recorded onto;
 * a copy that fails marks the list failed. */
static char *keep_str(ax_display *dl, const char *s, size_t n)
{
    char *k = ax_arena_strndup(dl->pages[dl->cur].arena, s, n);
    if (!k)
        dl->failed = 1;
    return k;
}

static ax_path copy_path(ax_display *dl, const ax_path *p)
{
    ax_path out = {0};
    ax_path_el *els = ax_arena_array(dl->pages[dl->cur].arena, p->n ? p->n : 1, sizeof *els);
    if (!els) {
        dl->failed = 1;
        return out;
    }
    memcpy(els, p->els, p->n * sizeof *els);
    out.els = els;
    out.n = p->n;
    return out;
}

void ax_display_fill(ax_display *dl, const ax_path *p, ax_color c)
{
    ax_cmd *cmd = push(dl, AX_CMD_FILL);
    if (cmd) {
        cmd->path = copy_path(dl, p);
        cmd->color = c;
    }
}

void ax_display_stroke(ax_display *dl, const ax_path *p, double line_width, ax_color c)
{
    ax_cmd *cmd = push(dl, AX_CMD_STROKE);
    if (cmd) {
        cmd->path = copy_path(dl, p);
        cmd->color = c;
        cmd->line_width = line_width;
    }
}

/* A copy of a run's positioning (one entry per code point of its text),
 * or NULL when it has none or every entry is 0: such a run draws as one
 * without, in every device. */
static const int16_t *keep_adj(ax_display *dl, const ax_text_run *t)
{
    if (!t->adj)
        return NULL;
    size_t n = 0;
    int any = 0;
    for (size_t i = 0; i < t->len; n++) {
        ax_utf8_next(t->utf8, t->len, &i);
        any |= t->adj[n] != 0;
    }
    if (!any)
        return NULL;
    int16_t *a = ax_arena_array(dl->pages[dl->cur].arena, n, sizeof *a);
    if (!a) {
        dl->failed = 1;
        return NULL;
    }
    memcpy(a, t->adj, n * sizeof *a);
    return a;
}

void ax_display_text(ax_display *dl, const ax_text_run *t)
{
    ax_cmd *cmd = push(dl, AX_CMD_TEXT);
    if (cmd) {
        cmd->text = *t;
        cmd->text.utf8 = keep_str(dl, t->utf8, t->len);
        cmd->text.adj = keep_adj(dl, t);
        cmd->color = t->color;
    }
}

void ax_display_set_failed(ax_display *dl)
{
    dl->failed = 1;
}

static ax_path moved_path(ax_display *dl, const ax_path *p, double dx, double dy)
{
    ax_path out = copy_path(dl, p);
    ax_path_el *els = (ax_path_el *)out.els;
    for (size_t i = 0; els && i < out.n; i++)
        for (int k = 0; k < 3; k++) {
            els[i].x[k] += dx;
            els[i].y[k] += dy;
        }
    return out;
}

/* A copy of s onto the current page, moved by (dx, dy); its strings and
 * paths in the page's arena. */
static void copy_cmd(ax_display *dl, const ax_cmd *s, double dx, double dy)
{
    ax_cmd *cmd = push(dl, s->kind);
    if (!cmd)
        return;
    *cmd = *s;
    switch (s->kind) {
    case AX_CMD_FILL:
    case AX_CMD_STROKE:
    case AX_CMD_PUSH_CLIP: cmd->path = moved_path(dl, &s->path, dx, dy); break;
    case AX_CMD_TEXT:
        cmd->text.utf8 = keep_str(dl, s->text.utf8, s->text.len);
        cmd->text.adj = keep_adj(dl, &s->text);
        cmd->text.x += dx;
        cmd->text.y += dy;
        break;
    case AX_CMD_OUTLINE:
        cmd->title = keep_str(dl, s->title, strlen(s->title));
        cmd->y += dy;
        break;
    case AX_CMD_ANCHOR: cmd->y += dy; break;
    case AX_CMD_PAGE_LABEL:
        cmd->title = s->title ? keep_str(dl, s->title, strlen(s->title)) : NULL;
        break;
    case AX_CMD_STRUCT_BEGIN:
        cmd->st.lang = s->st.lang ? keep_str(dl, s->st.lang, strlen(s->st.lang)) : NULL;
        cmd->st.alt = s->st.alt ? keep_str(dl, s->st.alt, strlen(s->st.alt)) : NULL;
        cmd->st.actual =
            s->st.actual ? keep_str(dl, s->st.actual, strlen(s->st.actual)) : NULL;
        break;
    case AX_CMD_LINK:
        cmd->link.x += dx;
        cmd->link.y += dy;
        cmd->link.uri = s->link.uri ? keep_str(dl, s->link.uri, strlen(s->link.uri)) : NULL;
        cmd->link.alt = s->link.alt ? keep_str(dl, s->link.alt, strlen(s->link.alt)) : NULL;
        break;
    case AX_CMD_POP_CLIP:
    case AX_CMD_STRUCT_END:
    case AX_CMD_STRUCT_RESUME:
    case AX_CMD_ARTIFACT_BEGIN:
    case AX_CMD_ARTIFACT_END: break;
    }
}

void ax_display_embed(ax_display *dl, const ax_page *src, double dx, double dy)
{
    for (size_t i = 0; i < src->n; i++)
        copy_cmd(dl, &src->cmds[i], dx, dy);
}

void ax_display_copy(ax_display *dl, const ax_cmd *c)
{
    copy_cmd(dl, c, 0, 0);
}

void ax_display_embed_artifact(ax_display *dl, const ax_page *src, double dx, double dy,
                               ax_artifact_kind kind)
{
    ax_display_begin_artifact(dl, kind);
    for (size_t i = 0; i < src->n; i++) {
        const ax_cmd *c = &src->cmds[i];
        switch (c->kind) {
        case AX_CMD_FILL:
        case AX_CMD_STROKE:
        case AX_CMD_TEXT:
        case AX_CMD_PUSH_CLIP:
        case AX_CMD_POP_CLIP: copy_cmd(dl, c, dx, dy); break;
        default: break; /* structure, artifacts, links, anchors, outline */
        }
    }
    ax_display_end_artifact(dl);
}

void ax_display_begin_struct(ax_display *dl, const ax_struct *s)
{
    ax_cmd c = {.kind = AX_CMD_STRUCT_BEGIN};
    c.st = *s;
    copy_cmd(dl, &c, 0, 0);
}

void ax_display_end_struct(ax_display *dl)
{
    push(dl, AX_CMD_STRUCT_END);
}

void ax_display_resume_struct(ax_display *dl, int id)
{
    ax_cmd *cmd = push(dl, AX_CMD_STRUCT_RESUME);
    if (cmd)
        cmd->id = id;
}

void ax_display_begin_artifact(ax_display *dl, ax_artifact_kind kind)
{
    ax_cmd *cmd = push(dl, AX_CMD_ARTIFACT_BEGIN);
    if (cmd)
        cmd->art = kind;
}

void ax_display_end_artifact(ax_display *dl)
{
    push(dl, AX_CMD_ARTIFACT_END);
}

void ax_display_link(ax_display *dl, double x, double y, double w, double h, const char *uri,
                     int dest, const char *alt)
{
    ax_cmd c = {.kind = AX_CMD_LINK};
    c.link.x = x;
    c.link.y = y;
    c.link.w = w;
    c.link.h = h;
    c.link.uri = uri;
    c.link.dest = dest;
    c.link.alt = alt;
    copy_cmd(dl, &c, 0, 0);
}

void ax_display_anchor(ax_display *dl, int id, double y)
{
    ax_cmd *cmd = push(dl, AX_CMD_ANCHOR);
    if (cmd) {
        cmd->id = id;
        cmd->y = y;
    }
}

void ax_display_page_label(ax_display *dl, const char *prefix, int first)
{
    ax_cmd c = {.kind = AX_CMD_PAGE_LABEL};
    c.title = prefix;
    c.level = first;
    copy_cmd(dl, &c, 0, 0);
}

void ax_display_push_clip(ax_display *dl, const ax_path *p)
{
    ax_cmd *cmd = push(dl, AX_CMD_PUSH_CLIP);
    if (cmd)
        cmd->path = copy_path(dl, p);
}

void ax_display_pop_clip(ax_display *dl)
{
    push(dl, AX_CMD_POP_CLIP);
}

void ax_display_outline(ax_display *dl, int level, const char *title, double y)
{
    ax_cmd *cmd = push(dl, AX_CMD_OUTLINE);
    if (cmd) {
        cmd->level = level;
        cmd->title = keep_str(dl, title, strlen(title));
        cmd->y = y;
    }
}

void ax_display_rect(ax_display *dl, double x, double y, double w, double h, ax_color c)
{
    ax_path_el els[5] = {
        {AX_PATH_MOVE, {x}, {y}},         {AX_PATH_LINE, {x + w}, {y}},
        {AX_PATH_LINE, {x + w}, {y + h}}, {AX_PATH_LINE, {x}, {y + h}},
        {AX_PATH_CLOSE, {0}, {0}},
    };
    ax_path p = {els, 5};
    ax_display_fill(dl, &p, c);
}

void ax_display_line(ax_display *dl, double x0, double y0, double x1, double y1, double lw,
                     ax_color c)
{
    ax_path_el els[2] = {{AX_PATH_MOVE, {x0}, {y0}}, {AX_PATH_LINE, {x1}, {y1}}};
    ax_path p = {els, 2};
    ax_display_stroke(dl, &p, lw, c);
}

size_t ax_display_pages(const ax_display *dl)
{
    return dl->npages;
}

const ax_page *ax_display_page(const ax_display *dl, size_t i)
{
    return i < dl->npages ? &dl->pages[i] : NULL;
}

/* A page's commands and their storage freed (its size stays). */
static void drop_cmds(ax_page *pg)
{
    ax_free(pg->cmds);
    ax_arena_free(pg->arena);
    pg->cmds = NULL;
    pg->arena = NULL;
    pg->n = pg->cap = 0;
}

/* The calls of one page (or overlay) into dev, between its begin and end. */
static void replay_cmds(ax_device *dev, const ax_page *pg)
{
    for (size_t ci = 0; ci < pg->n; ci++) {
        const ax_cmd *c = &pg->cmds[ci];
        switch (c->kind) {
        case AX_CMD_FILL: ax_device_fill_path(dev, &c->path, c->color); break;
        case AX_CMD_STROKE:
            ax_device_stroke_path(dev, &c->path, c->line_width, c->color);
            break;
        case AX_CMD_TEXT: ax_device_show_text(dev, &c->text); break;
        case AX_CMD_PUSH_CLIP: ax_device_push_clip(dev, &c->path); break;
        case AX_CMD_POP_CLIP: ax_device_pop_clip(dev); break;
        case AX_CMD_OUTLINE: ax_device_outline(dev, c->level, c->title, c->y); break;
        case AX_CMD_STRUCT_BEGIN: ax_device_begin_struct(dev, &c->st); break;
        case AX_CMD_STRUCT_END: ax_device_end_struct(dev); break;
        case AX_CMD_STRUCT_RESUME: ax_device_resume_struct(dev, c->id); break;
        case AX_CMD_ARTIFACT_BEGIN: ax_device_begin_artifact(dev, c->art); break;
        case AX_CMD_ARTIFACT_END: ax_device_end_artifact(dev); break;
        case AX_CMD_LINK:
            ax_device_link(dev, c->link.x, c->link.y, c->link.w, c->link.h, c->link.uri,
                           c->link.dest, c->link.alt);
            break;
        case AX_CMD_ANCHOR: ax_device_anchor(dev, c->id, c->y); break;
        case AX_CMD_PAGE_LABEL: ax_device_page_label(dev, c->title, c->level); break;
        }
    }
}

static ax_status replay(ax_display *dl, ax_device *dev, int consume)
{
    if (ax_display_failed(dl))
        return ax_device_fail(dev, AX_ERR_NOMEM, "the display list is incomplete");
    /* every font the document shows, with all its code points, before
     * the first page */
    font_use *set = NULL;
    size_t nset = 0;
    ax_status st = announce(dl, 0, dl->npages, dev, &set, &nset);
    font_uses_free(set, nset);
    if (st != AX_OK)
        return ax_device_fail(dev, st, "out of memory while collecting the fonts' code points");

    for (size_t pi = 0; pi < dl->npages; pi++) {
        const ax_page *pg = &dl->pages[pi];
        ax_device_begin_page(dev, pg->width, pg->height);
        replay_cmds(dev, pg);
        ax_device_end_page(dev);
        if (consume)
            drop_cmds(&dl->pages[pi]);
    }
    if (consume)
        dl->npages = 0;
    return dev->status;
}

ax_status ax_display_replay(const ax_display *dl, ax_device *dev)
{
    return replay((ax_display *)dl, dev, 0); /* consume 0: nothing written */
}

ax_status ax_display_replay_consume(ax_display *dl, ax_device *dev)
{
    return replay(dl, dev, 1);
}

/* ---- streaming ----------------------------------------------------------- */

void ax_display_stream(ax_display *dl, ax_device *dev)
{
    dl->dev = dev;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Announce to dev, font by font in the order they first come, the code
 * points pages [from, to) show that are not yet in *set (the fonts and code
 * points announced so far, *nset of them; both grow): sorted, each once.
 * A whole list replayed starts from an empty set; a streaming one keeps
 * its set from batch to batch (use_font may come between pages,
 * device.h). */
static ax_status announce(const ax_display *dl, size_t from, size_t to, ax_device *dev,
                          font_use **set, size_t *nset)
{
    typedef struct fresh {
        uint32_t *cps;
        size_t n, cap;
    } fresh;
    fresh *fr = NULL;   /* per font of (*set): [0, nfr) */
    size_t nfr = 0;
    ax_status st = AX_OK;
    for (size_t pi = from; pi < to && st == AX_OK; pi++) {
        const ax_page *pg = &dl->pages[pi];
        for (size_t ci = 0; ci < pg->n && st == AX_OK; ci++) {
            const ax_cmd *c = &pg->cmds[ci];
            if (c->kind != AX_CMD_TEXT)
                continue;
            size_t k = 0;
            while (k < *nset && (*set)[k].font != c->text.font)
                k++;
            if (k == *nset) {
                font_use *u = ax_reallocarray((*set), k + 1, sizeof *u);
                if (!u) {
                    st = AX_ERR_NOMEM;
                    break;
                }
                (*set) = u;
                memset(&u[k], 0, sizeof u[k]);
                u[k].font = c->text.font;
                (*nset)++;
            }
            if (k >= nfr) {
                /* room for every font known so far */
                fresh *f2 = ax_reallocarray(fr, *nset, sizeof *f2);
                if (!f2) {
                    st = AX_ERR_NOMEM;
                    break;
                }
                for (size_t j = nfr; j < *nset; j++)
                    f2[j] = (fresh){NULL, 0, 0};
                fr = f2;
                nfr = *nset;
            }
            font_use *u = &(*set)[k];
            fresh *f = &fr[k];
            for (size_t i = 0; i < c->text.len;) {
                uint32_t cp = ax_utf8_next(c->text.utf8, c->text.len, &i);
                if (cp >= 0x110000)
                    continue;
                uint64_t **leaf = &u->leaf[cp >> CP_LEAF_BITS];
                if (!*leaf) {
                    *leaf = ax_malloc(CP_LEAF_WORDS * sizeof **leaf);
                    if (!*leaf) {
                        st = AX_ERR_NOMEM;
                        break;
                    }
                    memset(*leaf, 0, CP_LEAF_WORDS * sizeof **leaf);
                }
                uint64_t *w = &(*leaf)[(cp >> 6) & (CP_LEAF_WORDS - 1)];
                if (*w >> (cp & 63) & 1)
                    continue;
                *w |= (uint64_t)1 << (cp & 63);
                if (f->n == f->cap) {
                    size_t nc = f->cap ? f->cap * 2 : 256;
                    uint32_t *more = ax_reallocarray(f->cps, nc, sizeof *more);
                    if (!more) {
                        st = AX_ERR_NOMEM;
                        break;
                    }
                    f->cps = more;
                    f->cap = nc;
                }
                f->cps[f->n++] = cp;
            }
        }
    }
    /* the fonts in the order they first come with a fresh code point */
    for (size_t pi = from; pi < to && st == AX_OK; pi++) {
        const ax_page *pg = &dl->pages[pi];
        for (size_t ci = 0; ci < pg->n; ci++) {
            const ax_cmd *c = &pg->cmds[ci];
            if (c->kind != AX_CMD_TEXT)
                continue;
            size_t k = 0;
            while (k < *nset && (*set)[k].font != c->text.font)
                k++;
            if (k >= nfr || !fr[k].n || fr[k].cap == SIZE_MAX)
                continue;
            qsort(fr[k].cps, fr[k].n, sizeof *fr[k].cps, cmp_u32);
            ax_device_use_font(dev, c->text.font, fr[k].cps, fr[k].n);
            fr[k].cap = SIZE_MAX; /* announced */
        }
    }
    for (size_t k = 0; k < nfr; k++)
        ax_free(fr[k].cps);
    ax_free(fr);
    return st;
}

/* Pages [from, to), not sent yet, to the device (their fonts' fresh code
 * points announced first, all together), and their commands freed. */
static void send_pages(ax_display *dl, size_t from, size_t to)
{
    if (dl->failed) {
        ax_device_fail(dl->dev, AX_ERR_NOMEM, "the display list is incomplete");
        return;
    }
    if (announce(dl, from, to, dl->dev, &dl->announced, &dl->nannounced) != AX_OK) {
        ax_device_fail(dl->dev, AX_ERR_NOMEM,
                       "out of memory while collecting the fonts' code points");
        return;
    }
    for (size_t k = from; k < to; k++) {
        ax_page *pg = &dl->pages[k];
        ax_device_begin_page(dl->dev, pg->width, pg->height);
        replay_cmds(dl->dev, pg);
        ax_device_end_page(dl->dev);
        drop_cmds(pg);
    }
    if (to > dl->sent)
        dl->sent = to;
}

/* An overlay of page k, sent before: to the device, and its commands
 * freed. */
static void send_page(ax_display *dl, size_t k)
{
    ax_page *pg = &dl->pages[k];
    if (dl->failed) {
        ax_device_fail(dl->dev, AX_ERR_NOMEM, "the display list is incomplete");
        return;
    }
    if (announce(dl, k, k + 1, dl->dev, &dl->announced, &dl->nannounced) != AX_OK) {
        ax_device_fail(dl->dev, AX_ERR_NOMEM,
                       "out of memory while collecting the fonts' code points");
        return;
    }
    ax_device_overlay(dl->dev, k);
    replay_cmds(dl->dev, pg);
    ax_device_end_page(dl->dev);
    drop_cmds(pg);
}

ax_status ax_display_flush(ax_display *dl)
{
    if (!dl->dev)
        return AX_OK;
    leave(dl);
    if (dl->npages > dl->sent)
        send_pages(dl, dl->sent, dl->npages);
    if (dl->failed)
        ax_device_fail(dl->dev, AX_ERR_NOMEM, "the display list is incomplete");
    return dl->dev->status;
}
