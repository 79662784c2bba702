/* fonts_cmd.c — annex fonts [LAYOUT]: which font file each family of each
 * style resolves to, and what those fonts cover.
 *
 * The styles are the layout's as the engine sees them (yaml.c fills the
 * five every layout has and what a style leaves out), or, without a
 * layout, the built-in ones (the house style of layouts/README.md). The
 * families are looked up as the engine's resolve_styles does, in the same
 * order, through the same fontset (fontconfig with fonts/fonts.conf, see
 * ax_fonts_conf), so the ids F1, F2 … are those of a render's trace. */
#include <errno.h>
#include <hb.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../base/diag.h"
#include "../layout/engine.h"
#include "../layout/spec.h"
#include "../text/font.h"
#include "cli.h"
#include "report.h"

const char ax_fonts_usage[] =
    "usage: annex fonts [--format text|json] [LAYOUT]\n"
    "  LAYOUT          a layout (default: the built-in styles, the house style)\n"
    "  --format json   the styles and fonts as one JSON object on stdout\n"
    "For each style: the families it asks for and the font each resolves to\n"
    "(file, face, TrueType or CFF outlines) and what the font covers. A family\n"
    "that resolves to no installed font is an error at the style (exit 1).\n";

/* What a layout with no styles: has: the engine's defaults. */
static const char builtin_layout[] = "document: {title: annex}\nblocks: []\n";

/* The ranges the coverage line reports. */
typedef struct range {
    const char *name, *key;
    uint32_t first, last;
} range;
static const range ranges[] = {
    {"Basic Latin", "basic_latin", 0x20, 0x7E},
    {"CJK ideographs", "cjk_ideographs", 0x4E00, 0x9FFF},       /* the URO */
    {"CJK punctuation", "cjk_punctuation", 0x3000, 0x303F},     /* CJK Symbols and Punctuation */
    {"full-width forms", "fullwidth_forms", 0xFF01, 0xFF5E},    /* full-width ASCII */
};
#define NRANGES (sizeof ranges / sizeof ranges[0])

typedef struct font_info {
    const ax_font *f;
    unsigned long code_points;
    unsigned covered[NRANGES];
} font_info;

/* One family of a style: the font, or why not. */
typedef struct family_res {
    const char *pattern;
    const ax_font *font;
    char *error; /* malloc'd */
} family_res;

static void describe(font_info *fi)
{
    hb_face_t *face = hb_font_get_face(ax_font_hb(fi->f));
    hb_set_t *set = hb_set_create();
    hb_face_collect_unicodes(face, set);
    fi->code_points = hb_set_get_population(set);
    hb_set_destroy(set);
    for (size_t r = 0; r < NRANGES; r++)
        for (uint32_t cp = ranges[r].first; cp <= ranges[r].last; cp++)
            fi->covered[r] += (unsigned)ax_font_covers(fi->f, cp);
}

static const char *format_name(const ax_font *f)
{
    return ax_font_is_cff(f) ? "CFF" : "TrueType";
}

static char *num(long long v, char *buf, size_t n)
{
    ax_format_int(v, buf, n);
    return buf;
}

static void print_text(const char *what, const ax_layout *l, family_res **res, font_info *fonts,
                       size_t nfonts)
{
    const char *conf = ax_fonts_conf();
    printf("%s: %zu style%s, %zu font%s (fontconfig%s%s)\n", what, l->nstyles,
           l->nstyles == 1 ? "" : "s", nfonts, nfonts == 1 ? "" : "s", conf ? " with " : "",
           conf ? conf : "");
    size_t width = 0;
    for (size_t i = 0; i < l->nstyles; i++)
        for (size_t k = 0; k < l->styles[i].nfamilies; k++)
            if (strlen(res[i][k].pattern) > width)
                width = strlen(res[i][k].pattern);
    char b1[32];
    for (size_t i = 0; i < l->nstyles; i++) {
        const ax_style_spec *s = &l->styles[i];
        /* sizes as the layout gives them, without the locale's decimal mark */
        long h = (long)(s->size * 100 + 0.5); /* hundredths of a point */
        printf("%s%s (%ld", i ? "" : "\n", s->name, h / 100);
        if (h % 100)
            printf(h % 10 ? ".%02ld" : ".%ld", h % 10 ? h % 100 : h % 100 / 10);
        printf(" pt)\n");
        for (size_t k = 0; k < s->nfamilies; k++) {
            family_res *r = &res[i][k];
            if (r->font)
                printf("  %-*s  %s  %s\n", (int)width, r->pattern, ax_font_id(r->font),
                       ax_font_psname(r->font) ? ax_font_psname(r->font)
                                               : ax_font_family(r->font));
            else
                printf("  %-*s  not found\n", (int)width, r->pattern);
        }
    }
    for (size_t i = 0; i < nfonts; i++) {
        const ax_font *f = fonts[i].f;
        int face;
        const char *file = ax_font_file(f, &face);
        const char *ps = ax_font_psname(f);
        printf("\n%s  %s%s%s, %s outlines\n", ax_font_id(f), ax_font_family(f), ps ? ", " : "",
               ps ? ps : "", format_name(f));
        printf("    %s", file);
        if (face || (strlen(file) > 4 && !strcmp(file + strlen(file) - 4, ".ttc")))
            printf(", face %d", face);
        printf("\n    %s code points:", num((long long)fonts[i].code_points, b1, sizeof b1));
        for (size_t r = 0; r < NRANGES; r++) {
            char b2[32];
            printf("%s %s %s/%s", r ? "," : "", ranges[r].name,
                   num(fonts[i].covered[r], b1, sizeof b1),
                   num(ranges[r].last - ranges[r].first + 1, b2, sizeof b2));
        }
        putchar('\n');
    }
}

/* The same as one JSON object (jansson); 0 when it could not be built. */
static int print_json(const char *layout_path, const ax_layout *l, family_res **res,
                      font_info *fonts, size_t nfonts)
{
    json_t *o = json_object(), *styles = json_array(), *jf = json_array();
    const char *conf = ax_fonts_conf();
    int bad = !o || !styles || !jf;
    if (!bad) {
        bad |= json_object_set_new(o, "layout", layout_path ? json_string(layout_path)
                                                            : json_null());
        bad |= json_object_set_new(o, "fontconfig", conf ? json_string(conf) : json_null());
    }
    for (size_t i = 0; !bad && i < l->nstyles; i++) {
        const ax_style_spec *s = &l->styles[i];
        json_t *st = json_object(), *fams = json_array();
        bad |= !st || !fams;
        if (bad) {
            json_decref(st);
            json_decref(fams);
            break;
        }
        bad |= json_object_set_new(st, "name", json_string(s->name));
        bad |= json_object_set_new(st, "size", json_real(s->size));
        if (s->mark.line > 0) {
            bad |= json_object_set_new(st, "line", json_integer(s->mark.line));
            bad |= json_object_set_new(st, "column", json_integer(s->mark.col));
        }
        for (size_t k = 0; k < s->nfamilies; k++) {
            family_res *r = &res[i][k];
            json_t *fam = json_object();
            bad |= !fam;
            if (bad)
                break;
            bad |= json_object_set_new(fam, "family", json_string(r->pattern));
            if (r->font)
                bad |= json_object_set_new(fam, "font", json_string(ax_font_id(r->font)));
            else
                bad |= json_object_set_new(fam, "error", json_string(r->error ? r->error : ""));
            bad |= json_array_append_new(fams, fam);
        }
        bad |= json_object_set_new(st, "families", fams);
        bad |= json_array_append_new(styles, st);
    }
    for (size_t i = 0; !bad && i < nfonts; i++) {
        const ax_font *f = fonts[i].f;
        int face;
        const char *file = ax_font_file(f, &face);
        json_t *fo = json_object(), *cov = json_object();
        bad |= !fo || !cov;
        if (bad) {
            json_decref(fo);
            json_decref(cov);
            break;
        }
        bad |= json_object_set_new(fo, "id", json_string(ax_font_id(f)));
        bad |= json_object_set_new(fo, "family", json_string(ax_font_family(f)));
        bad |= json_object_set_new(fo, "postscript_name", ax_font_psname(f)
                                                              ? json_string(ax_font_psname(f))
                                                              : json_null());
        bad |= json_object_set_new(fo, "file", json_string(file));
        bad |= json_object_set_new(fo, "face", json_integer(face));
        bad |= json_object_set_new(fo, "format", json_string(format_name(f)));
        bad |= json_object_set_new(fo, "code_points", json_integer((json_int_t)fonts[i].code_points));
        for (size_t r = 0; r < NRANGES; r++)
            bad |= json_object_set_new(cov, ranges[r].key,
                                       json_pack("{s:i, s:i}", "covered", (int)fonts[i].covered[r],
                                                 "of", (int)(ranges[r].last - ranges[r].first + 1)));
        bad |= json_object_set_new(fo, "coverage", cov);
        bad |= json_array_append_new(jf, fo);
    }
    if (!bad) {
        bad |= json_object_set(o, "styles", styles);
        bad |= json_object_set(o, "fonts", jf);
    }
    if (!bad)
        bad = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
              putchar('\n') == EOF;
    json_decref(o);
    json_decref(styles);
    json_decref(jf);
    return !bad;
}

int ax_cmd_fonts(int argc, char **argv)
{
    static const struct option longopts[] = {{"format", required_argument, NULL, 'F'},
                                             {NULL, 0, NULL, 0}};
    int fmt = AX_REPORT_TEXT, c;
    optind = 0;
    while ((c = ax_getopt("annex fonts", argc, argv, "", longopts, ax_fonts_usage)) != -1) {
        if (c != 'F')
            return 2;
        if ((fmt = ax_report_format_option("annex fonts", "--format", optarg)) < 0)
            return 2;
    }
    if (argc - optind > 1) {
        fprintf(stderr, "annex fonts: one layout at a time, not '%s' and '%s'\n%s",
                argv[optind], argv[optind + 1], ax_fonts_usage);
        return 2;
    }
    const char *path = optind < argc ? argv[optind] : NULL;
    struct stat sb;
    if (path && stat(path, &sb) != 0) {
        fprintf(stderr, "annex fonts: %s: %s\n", path, strerror(errno));
        return 2;
    }

    int status = 1;
    ax_arena *arena = ax_arena_new();
    ax_diags *diags = ax_diags_new();
    ax_report *rep = ax_report_new("annex fonts", AX_REPORT_TEXT, stderr);
    ax_fontset *fs = NULL;
    family_res **res = NULL;
    font_info *fonts = NULL;
    ax_layout *l = NULL;
    if (!arena || !diags || !rep) {
        fprintf(stderr, "annex fonts: out of memory\n");
        goto done;
    }
    /* the layout alone: no data, so its queries are not checked */
    ax_status st = path ? ax_layout_load(path, NULL, arena, diags, &l)
                        : ax_layout_parse("(built-in styles)", builtin_layout,
                                          sizeof builtin_layout - 1, NULL, arena, diags, &l);
    ax_report_diags(rep, diags, 0, NULL);
    if (st != AX_OK) {
        ax_report_problem(rep, AX_ERROR, "layout", NULL, 0, 0, "%s: %s", path ? path : "",
                          st == AX_ERR_DATA ? "the layout has errors" : ax_strerror(st));
        goto done;
    }
    if (ax_fontset_new(ax_fonts_conf(), &fs) != AX_OK) {
        ax_report_problem(rep, AX_ERROR, "font", NULL, 0, 0,
                          "fontconfig could not be initialised");
        goto done;
    }
    res = ax_arena_array(arena, l->nstyles ? l->nstyles : 1, sizeof *res);
    int missing = 0;
    for (size_t i = 0; res && i < l->nstyles; i++) {
        const ax_style_spec *s = &l->styles[i];
        res[i] = ax_arena_array(arena, s->nfamilies ? s->nfamilies : 1, sizeof **res);
        if (!res[i]) {
            res = NULL;
            break;
        }
        /* as resolve_styles (engine.c): every family in order, a failed one
         * an error at the style */
        for (size_t k = 0; k < s->nfamilies; k++) {
            family_res *r = &res[i][k];
            r->pattern = s->families[k];
            if (ax_fontset_lookup(fs, s->families[k], &r->font) == AX_OK)
                continue;
            missing++;
            r->error = ax_arena_strdup(arena, ax_fontset_error(fs));
            /* a style that inherits its families (table from body) shares
             * their strings: the problem is told once, where it is written */
            int told = 0;
            for (size_t j = 0; j < i; j++)
                for (size_t m = 0; m < l->styles[j].nfamilies; m++)
                    told |= l->styles[j].families[m] == s->families[k];
            if (!told)
                ax_report_problem(rep, AX_ERROR, "font", path ? l->file : NULL, s->mark.line,
                                  s->mark.col, "style '%s': %s", s->name, ax_fontset_error(fs));
        }
    }
    size_t nfonts = ax_fontset_count(fs);
    fonts = calloc(nfonts ? nfonts : 1, sizeof *fonts);
    if (!res || !fonts) {
        fprintf(stderr, "annex fonts: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < nfonts; i++) {
        fonts[i].f = ax_fontset_at(fs, i);
        describe(&fonts[i]);
    }
    const char *what = path ? path : "built-in styles";
    if (fmt == AX_REPORT_JSON) {
        if (!print_json(path, l, res, fonts, nfonts)) {
            fprintf(stderr, "annex fonts: out of memory while writing the JSON\n");
            goto done;
        }
    } else
        print_text(what, l, res, fonts, nfonts);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "annex fonts: standard output: %s\n", strerror(errno));
        goto done;
    }
    status = missing ? 1 : 0;

done:
    ax_report_finish(rep, status);
    free(fonts);
    ax_fontset_free(fs);
    ax_diags_free(diags);
    ax_arena_free(arena);
    return status;
}
