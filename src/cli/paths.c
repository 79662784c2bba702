/* paths.c — where annex finds its own files, whatever the working
 * directory: the fonts configuration (beside the executable, installed or
 * in a checkout) and the data folder a layout names (`data:`). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/diag.h"
#include "../layout/spec.h"
#include "cli.h"
#include "report.h"

/* The folder `make install` puts the shared files in (layouts, data,
 * fonts): $(PREFIX)/share/annex, given by the Makefile. */
#ifndef AX_DATADIR
#define AX_DATADIR "/usr/local/share/annex"
#endif

static char fonts_conf[PATH_MAX + 64];
static pthread_once_t fonts_conf_once = PTHREAD_ONCE_INIT;

/* Is `path` a file annex can read? */
static int readable(const char *path) { return access(path, R_OK) == 0; }

/* The first fonts.conf found beside the executable or in the compiled-in
 * data folder, into fonts_conf ("" when none). /proc/self/exe names the
 * real file (symbolic links resolved): PREFIX/bin/annex for an installed
 * annex, CHECKOUT/build/annex in a checkout; its folder's parent holds
 * share/annex/ or fonts/. */
static void find_fonts_conf(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0'; /* PREFIX/bin */
        slash = strrchr(exe, '/');
        if (slash)
            slash[slash == exe] = '\0'; /* PREFIX ("/" stays "/") */
        const char *sep = strcmp(exe, "/") ? "/" : "";
        static const char *const beside[] = {"share/annex/fonts/fonts.conf", "fonts/fonts.conf"};
        for (size_t i = 0; slash && i < sizeof beside / sizeof *beside; i++) {
            snprintf(fonts_conf, sizeof fonts_conf, "%s%s%s", exe, sep, beside[i]);
            if (readable(fonts_conf))
                return;
        }
    }
    snprintf(fonts_conf, sizeof fonts_conf, "%s", AX_DATADIR "/fonts/fonts.conf");
    if (!readable(fonts_conf))
        fonts_conf[0] = '\0';
}

/* The fontconfig file that adds annex's fonts folder to the search path:
 * $ANNEX_FONTS_CONF; else, beside the executable,
 * ../share/annex/fonts/fonts.conf (installed) or ../fonts/fonts.conf (a
 * checkout's build/annex); else the one in the data folder compiled in
 * (AX_DATADIR); else NULL (the system's fonts only). Never the working
 * directory's. Looked for once; safe from any thread. */
const char *ax_fonts_conf(void)
{
    const char *env = getenv("ANNEX_FONTS_CONF");
    if (env && *env)
        return env;
    pthread_once(&fonts_conf_once, find_fonts_conf);
    return fonts_conf[0] ? fonts_conf : NULL;
}

int ax_layout_data_option(ax_report *rep, const char *layout_path, char *buf, size_t cap,
                          const char **dir)
{
    ax_arena *a = ax_arena_new();
    ax_diags *d = ax_diags_new();
    const char *found = NULL;
    ax_status st = a && d ? ax_layout_data_dir(layout_path, a, d, &found) : AX_ERR_NOMEM;
    int bad = 0;
    if (st == AX_ERR_NOMEM) {
        ax_report_problem(rep, AX_ERROR, "nomem", NULL, 0, 0, "out of memory");
        bad = 1;
    } else if (st == AX_ERR_DATA) {
        /* the key's problems, or the YAML's: without a layout that can be
         * read, the data it names is not known either */
        ax_report_diags(rep, d, 0, NULL);
        bad = 1;
    } else if (found && strlen(found) >= cap) {
        ax_report_problem(rep, AX_ERROR, "layout", layout_path, 0, 0,
                          "data: the folder's path is longer than %zu bytes", cap - 1);
        bad = 1;
    } else if (found) {
        memcpy(buf, found, strlen(found) + 1);
        *dir = buf;
    }
    /* AX_ERR_IO: the layout cannot be read; that is reported where the
     * command reads it, with its other problems */
    ax_diags_free(d);
    ax_arena_free(a);
    return bad;
}
