/* common.c — what the subcommands share: printing diagnostics, options,
 * SOURCE_DATE_EPOCH, folders. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../base/diag.h"
#include "../data/db.h"
#include "../data/load.h"
#include "../layout/spec.h"
#include "cli.h"



/* SOURCE_DATE_EPOCH (reproducible builds): a decimal number of seconds. */
int ax_source_date_epoch(long long *out)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < 0) {
        fprintf(stderr, "annex render: SOURCE_DATE_EPOCH='%s' is not a number of seconds; "
                        "ignored\n", s);
        return 0;
    }
    *out = v;
    return 1;
}

/* A whole decimal number within lo..hi for option `opt`, or -1 after a
 * message. */
int ax_int_option(const char *cmd, const char *opt, const char *s, int lo, int hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "%s: %s takes a whole number from %d to %d, not '%s'\n", cmd, opt, lo,
                hi, s);
        return -1;
    }
    return (int)v;
}

double ax_seconds_option(const char *cmd, const char *opt, const char *s)
{
    /* digits with at most one '.': no sign, exponent, "inf" or hex, which
     * strtod would take */
    int dots = 0, digits = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '.')
            dots++;
        else if (*p >= '0' && *p <= '9')
            digits++;
        else
            digits = -1000;
    }
    double v = digits > 0 && dots <= 1 ? strtod(s, NULL) : -1; /* "C" numbers: no setlocale */
    if (!(v > 0 && v <= 86400)) {
        fprintf(stderr, "%s: %s takes a number of seconds above 0, up to 86400 (a day), not '%s'\n",
                cmd, opt, s);
        return -1;
    }
    return v;
}

int ax_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
              const struct option *longopts, const char *usage)
{
    /* ':' first: a missing argument is told apart from an unknown option */
    char spec[64];
    snprintf(spec, sizeof spec, ":%s", shortopts);
    opterr = 0;
    int prev = optind ? optind : 1;
    int c = getopt_long(argc, argv, spec, longopts, NULL);
    if (c != '?' && c != ':')
        return c;
    /* the word getopt stopped at: argv[optind - 1], unless it is still in
     * the middle of a group of short options (-qx) */
    const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    if (prev < argc && optind == prev)
        word = argv[prev];
    char opt[256];
    if (strncmp(word, "--", 2) == 0) {
        size_t n = strcspn(word, "=");
        snprintf(opt, sizeof opt, "%.*s", (int)(n < 200 ? n : 200), word);
    } else
        snprintf(opt, sizeof opt, "-%c", optopt > 32 && optopt < 127 ? optopt : '?');
    (void)usage;
    if (c == ':')
        fprintf(stderr, "%s: option '%s' requires an argument\n", cmd, opt);
    else if (strncmp(word, "--", 2) == 0 && strchr(word, '=') && optopt != 0)
        /* --flag=value for an option that takes none */
        fprintf(stderr, "%s: option '%s' takes no value\n", cmd, opt);
    else
        fprintf(stderr, "%s: unknown option '%s'\n", cmd, opt);
    fprintf(stderr, "Try '%s --help' for the options.\n", cmd);
    return '?';
}


ax_status ax_data_load(ax_report *rep, const char *dir, const char *dbfile, sqlite3 **db,
                       size_t *errors)
{
    *db = NULL;
    *errors = 0;
    ax_diags *diags = ax_diags_new();
    if (!diags) {
        ax_report_problem(rep, AX_ERROR, "nomem", NULL, 0, 0, "out of memory");
        return AX_ERR_NOMEM;
    }
    ax_status st;
    if (dbfile)
        st = ax_db_open_file(db, dbfile, diags);
    else {
        st = ax_db_create(db);
        if (st == AX_OK)
            st = ax_load_path(*db, dir ? dir : "data", diags);
    }
    *errors = ax_diags_count(diags, AX_ERROR);
    ax_report_diags(rep, diags, 0, NULL);
    ax_diags_free(diags);
    if (st != AX_OK)
        ax_report_problem(rep, AX_ERROR, "data", dbfile ? dbfile : dir ? dir : "data", 0, 0,
                          "the data could not be loaded (%s)", ax_strerror(st));
    if (st != AX_OK && *db) {
        sqlite3_close(*db);
        *db = NULL;
    }
    return st;
}


ax_lang ax_lang_option(const char *cmd, const char *s)
{
    ax_lang lang = !strcmp(s, "zh") ? AX_LANG_ZH : !strcmp(s, "en") ? AX_LANG_EN
                 : !strcmp(s, "zh+en") ? AX_LANG_ZH_EN : 0;
    if (!lang)
        fprintf(stderr, "%s: --lang takes zh, en or zh+en, not '%s'\n", cmd, s);
    return lang;
}

int ax_param_option(const char *cmd, const char *s, ax_param *params, size_t *n, size_t max)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s || *n == max) {
        fprintf(stderr, "%s: parameter '%s' is not NAME=VALUE\n", cmd, s);
        return -1;
    }
    params[*n].name = strndup(s, (size_t)(eq - s));
    params[*n].value = eq + 1;
    params[*n].mark = (ax_mark){"command line", 0, 0};
    (*n)++;
    return 0;
}

/* fontconfig reads its configuration and caches (~4 ms) on the second core
 * while the data loads on the first; then the same thread looks up the
 * fonts the layout's styles name (fontconfig matching, the faces' coverage:
 * ~3 ms), so that the render finds them in the fontset's cache. The layout
 * is read for that alone, without the data (no query is checked), and
 * whatever it says is forgotten: the main thread reads and checks it again.
 * The lookups go in the order the render makes them, so fonts keep their
 * ids (F1, F2 …). */
static void prefetch_fonts(ax_fontset *fs, const char *layout_path)
{
    ax_arena *a = ax_arena_new();
    ax_diags *d = ax_diags_new();
    ax_layout *l;
    if (a && d && ax_layout_load(layout_path, NULL, a, d, &l) == AX_OK)
        for (size_t i = 0; i < l->nstyles; i++) {
            size_t found = 0; /* as the engine's resolve_styles: 8 fonts a style */
            for (size_t k = 0; k < l->styles[i].nfamilies && found < 8; k++) {
                const ax_font *f;
                found += ax_fontset_lookup(fs, l->styles[i].families[k], &f) == AX_OK;
            }
        }
    ax_diags_free(d);
    ax_arena_free(a);
}

void *ax_fonts_thread(void *arg)
{
    ax_fonts_job *job = arg;
    job->st = ax_fontset_new(ax_fonts_conf(), &job->fs);
    if (job->st == AX_OK && job->layout_path)
        prefetch_fonts(job->fs, job->layout_path);
    return NULL;
}

static int ident_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || (unsigned char)ch >= 0x80;
}

/* Can the layout's text use the parameter `name`: as :name, @name or $name
 * in a query, or as {name} in a text? A scan of the file's bytes: it may
 * see a use where there is none (a comment), never miss one, so a -p that
 * it finds nowhere is certainly unused. */
int ax_text_mentions_param(const char *text, size_t len, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i + n < len; i++) {
        char ch = text[i];
        if (ch != ':' && ch != '@' && ch != '$' && ch != '{')
            continue;
        if (memcmp(text + i + 1, name, n) != 0)
            continue;
        char after = i + 1 + n < len ? text[i + 1 + n] : '\0';
        if (ch == '{' ? after == '}' : !ident_char(after))
            return 1;
    }
    return 0;
}

/* A path named on the command line that is not there: reported (with the
 * others), and the run is a misuse (exit 2). `folder`: must be a folder. */
int ax_missing_path(ax_report *rep, const char *path, const char *what, int folder)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        ax_report_problem(rep, AX_ERROR, "no-file", path, 0, 0, "%s: %s", what,
                          strerror(errno));
        return 1;
    }
    if (folder && !S_ISDIR(sb.st_mode)) {
        ax_report_problem(rep, AX_ERROR, "no-file", path, 0, 0, "%s: not a folder", what);
        return 1;
    }
    return 0;
}
