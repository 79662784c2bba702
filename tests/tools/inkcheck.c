/* inkcheck.c — does every visible character of a document leave ink?
 *
 * PITFALLS.md item 1: a PDF can pass every text check (pdffonts, pdftotext)
 * and still print blank glyphs. This tool lays the document out again (the
 * same input gives the same display list as `annex render`), and for every
 * character the display list shows it looks at the box the glyph occupies in
 * a grey render of the PDF made by pdftoppm (`pdftoppm -gray -r DPI`): at
 * least one pixel there must be dark.
 *
 *   inkcheck LAYOUT DATA_DIR RENDER_PREFIX DPI [--lang L] [-p NAME=VALUE]...
 *
 * RENDER_PREFIX-N.pgm (N as pdftoppm numbers pages, zero-padded to the
 * width of the page count) are read. Prints one line per blank glyph and a
 * summary; exit 0 when every glyph has ink, 1 otherwise, 2 on misuse. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/data/db.h"
#include "../../src/data/load.h"
#include "../../src/device/list.h"
#include "../../src/layout/engine.h"
#include "../../src/text/font.h"

typedef struct pgm {
    int w, h;
    unsigned char *px;
} pgm;

static int read_pgm(const char *path, pgm *g)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    int maxv;
    if (fscanf(f, "P5 %d %d %d", &g->w, &g->h, &maxv) != 3 || maxv != 255) {
        fclose(f);
        return -1;
    }
    fgetc(f);
    g->px = malloc((size_t)g->w * (size_t)g->h);
    if (!g->px || fread(g->px, 1, (size_t)g->w * (size_t)g->h, f) != (size_t)g->w * (size_t)g->h) {
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: inkcheck LAYOUT DATA_DIR RENDER_PREFIX DPI [--lang L] "
                        "[-p NAME=VALUE]...\n");
        return 2;
    }
    const char *layout_path = argv[1], *data = argv[2], *prefix = argv[3];
    double dpi = atof(argv[4]);
    ax_render_opts o = {0};
    o.date = -1;
    ax_param params[16];
    size_t np = 0;
    for (int i = 5; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--lang"))
            o.lang = !strcmp(argv[i + 1], "zh") ? AX_LANG_ZH
                   : !strcmp(argv[i + 1], "en") ? AX_LANG_EN : AX_LANG_ZH_EN;
        else if (!strcmp(argv[i], "-p") && np < 16) {
            char *eq = strchr(argv[i + 1], '=');
            if (!eq)
                return 2;
            *eq = '\0';
            params[np++] = (ax_param){argv[i + 1], eq + 1, {0}};
        }
    }
    o.params = params;
    o.nparams = np;

    ax_diags *diags = ax_diags_new();
    ax_arena *a = ax_arena_new();
    sqlite3 *db;
    ax_fontset *fs;
    ax_layout *l;
    ax_display *dl;
    ax_doc_info info;
    if (ax_db_create(&db) != AX_OK || ax_load_path(db, data, diags) != AX_OK ||
        ax_layout_load(layout_path, db, a, diags, &l) != AX_OK ||
        ax_fontset_new("fonts/fonts.conf", &fs) != AX_OK ||
        ax_render(l, db, fs, &o, a, diags, &dl, &info) != AX_OK) {
        ax_diags_print(diags, stderr);
        fprintf(stderr, "inkcheck: could not lay the document out\n");
        return 2;
    }
    size_t pages = ax_display_pages(dl);
    int digits = pages >= 100 ? 3 : pages >= 10 ? 2 : 1;
    double k = dpi / 72.0;
    long glyphs = 0, blank = 0;
    for (size_t pi = 0; pi < pages; pi++) {
        char path[4096];
        snprintf(path, sizeof path, "%s-%0*zu.pgm", prefix, digits, pi + 1);
        pgm g = {0};
        if (read_pgm(path, &g) != 0) {
            fprintf(stderr, "inkcheck: cannot read %s\n", path);
            return 2;
        }
        const ax_page *pg = ax_display_page(dl, pi);
        for (size_t ci = 0; ci < pg->n; ci++) {
            const ax_cmd *c = &pg->cmds[ci];
            if (c->kind != AX_CMD_TEXT)
                continue;
            const ax_text_run *t = &c->text;
            /* light text (white labels on bars and coloured headers) shows
             * as light pixels on a dark fill; dark text as dark pixels */
            double lum = 0.299 * t->color.r + 0.587 * t->color.g + 0.114 * t->color.b;
            int light = lum > 0.6;
            double rad = t->angle * M_PI / 180.0, cs = cos(rad), sn = sin(rad);
            double pen = 0;
            size_t i = 0, nth = 0;
            while (i < t->len) {
                size_t at = i;
                uint32_t cp = ax_utf8_next(t->utf8, t->len, &i);
                /* the run's own adjustments (kerning, punctuation) move
                 * this glyph and all after it */
                if (t->adj)
                    pen += t->adj[nth] * t->size / 1000.0;
                nth++;
                double adv = ax_font_advance(t->font, cp) * t->size / 1000.0;
                if (cp != ' ' && cp != 0x3000 && cp != 0xA0) {
                    /* the glyph's box: its advance (without slack, so a
                     * neighbour's ink does not count), from the ascender to
                     * a little below the baseline; for a rotated run, the
                     * page-aligned box around the rotated one */
                    double us[2] = {pen, pen + adv};
                    double vs[2] = {-0.85 * t->size, 0.25 * t->size};
                    double bx0 = 1e9, by0 = 1e9, bx1 = -1e9, by1 = -1e9;
                    for (int ua = 0; ua < 2; ua++)
                        for (int vb = 0; vb < 2; vb++) {
                            /* baseline direction (cs, -sn), down (sn, cs) on the page */
                            double px = t->x + us[ua] * cs + vs[vb] * sn;
                            double py = t->y - us[ua] * sn + vs[vb] * cs;
                            bx0 = px < bx0 ? px : bx0;
                            bx1 = px > bx1 ? px : bx1;
                            by0 = py < by0 ? py : by0;
                            by1 = py > by1 ? py : by1;
                        }
                    int rot = t->angle != 0;
                    int x0 = (int)(bx0 * k + 0.5), x1 = (int)(bx1 * k - 0.5);
                    int y0 = (int)(by0 * k) - (rot ? 0 : 1), y1 = (int)(by1 * k) + (rot ? 0 : 1);
                    if (rot) { /* the slack is along x now */
                        y0 = (int)(by0 * k + 0.5);
                        y1 = (int)(by1 * k - 0.5);
                        x0 = (int)(bx0 * k) - 1;
                        x1 = (int)(bx1 * k) + 1;
                    }
                    /* dark text: a dark pixel; light text: a near-white
                     * pixel on a fill that is not (the contrast) */
                    int dark = 0, bright = 0, fill = 0;
                    for (int yy = y0 < 0 ? 0 : y0; yy <= y1 && yy < g.h; yy++)
                        for (int xx = x0 < 0 ? 0 : x0; xx <= x1 && xx < g.w; xx++) {
                            unsigned char v = g.px[(size_t)yy * (size_t)g.w + (size_t)xx];
                            dark |= v < 150;
                            bright |= v >= 230;
                            fill |= v <= 200;
                        }
                    int ink = light ? bright && fill : dark;
                    glyphs++;
                    if (!ink) {
                        blank++;
                        if (blank <= 50)
                            printf("page %zu: '%.*s' U+%04X in %s at (%.1f, %.1f) left no ink\n",
                                   pi + 1, (int)(i - at), t->utf8 + at, (unsigned)cp,
                                   ax_font_family(t->font), t->x + pen * cs, t->y - pen * sn);
                    }
                }
                pen += adv;
            }
        }
        free(g.px);
    }
    printf("inkcheck: %zu pages, %ld glyphs, %ld without ink\n", pages, glyphs, blank);
    ax_display_free(dl);
    ax_fontset_free(fs);
    sqlite3_close(db);
    ax_arena_free(a);
    ax_diags_free(diags);
    return blank ? 1 : 0;
}
