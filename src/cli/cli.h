/* cli.h — the subcommands. Each takes argv from the subcommand name on and
 * returns the process exit status: 0 ok, 1 data errors, 2 misuse. */
#ifndef AX_CLI_H
#define AX_CLI_H

#define AX_VERSION "0.2.0"

/* Each command's usage, printed to stderr on misuse (exit 2) and to stdout
 * for `annex COMMAND --help` (exit 0). */
extern const char ax_render_usage[], ax_batch_usage[], ax_check_usage[], ax_query_usage[],
    ax_db_usage[];
extern const char ax_fonts_usage[], ax_watch_usage[];

int ax_cmd_check(int argc, char **argv);
int ax_cmd_query(int argc, char **argv);
int ax_cmd_db(int argc, char **argv);
int ax_cmd_render(int argc, char **argv);
/* render's options, also read by annex watch (which passes them on): the
 * value getopt gives --db. */
#include <getopt.h>
extern const struct option ax_render_options[];
extern const char ax_render_shortopts[];
#define AX_RENDER_OPT_DB 256
int ax_cmd_batch(int argc, char **argv);
int ax_cmd_fonts(int argc, char **argv); /* fonts_cmd.c */
int ax_cmd_watch(int argc, char **argv); /* watch_cmd.c */

/* common.c */
#include "../base/diag.h"
/* SOURCE_DATE_EPOCH as seconds: 1 when set and valid (else a message for a
 * bad value, and 0). */
int ax_source_date_epoch(long long *out);
/* paths.c: the fonts configuration, $ANNEX_FONTS_CONF, else beside the
 * executable (../share/annex/fonts/fonts.conf installed, ../fonts/fonts.conf
 * for a checkout's build/annex), else in the compiled-in data folder, else
 * NULL; never from the working directory. */
const char *ax_fonts_conf(void);
/* paths.c: for render and batch without -d or --db, the data folder the
 * layout names (`data:`, relative to the layout's folder) copied into buf
 * as *dir; *dir is left alone when there is no key (./data, as before) or
 * the layout cannot be read (reported where it is read). Returns 0, or 1
 * after reporting the key's problems or the YAML's through rep (exit 1). */
#include "report.h"
int ax_layout_data_option(ax_report *rep, const char *layout_path, char *buf, size_t cap,
                          const char **dir);
/* A whole number lo..hi given to option `opt` of command `cmd`, or -1
 * after a message. */
int ax_int_option(const char *cmd, const char *opt, const char *s, int lo, int hi);
/* A number of seconds (0 < S <= 86400, decimals allowed: 0.5) given to
 * option `opt`, or -1 after a message. */
double ax_seconds_option(const char *cmd, const char *opt, const char *s);
#include <sqlite3.h>
#include "report.h"
/* The data for render and batch: DATA_DIR (default data/) or a --db file,
 * loaded and checked, its problems reported through rep. The data is
 * returned even when it has errors (*errors counts them; the caller
 * decides): render and batch report the layout's problems with the data's. *db is NULL when the data could not
 * be loaded at all. */
ax_status ax_data_load(ax_report *rep, const char *dir, const char *dbfile, sqlite3 **db,
                       size_t *errors);
#include "../layout/spec.h"
#include "../text/font.h"
/* --lang VALUE: the language, or 0 after a message. */
ax_lang ax_lang_option(const char *cmd, const char *s);
/* -p NAME=VALUE appended to params[*n] (name strdup'd, value borrowed from
 * s): 0, or -1 after a message (no '=', no name, `max` reached). */
int ax_param_option(const char *cmd, const char *s, ax_param *params, size_t *n, size_t max);
/* The fontset, made on a second thread while the data loads; with a
 * layout path, the fonts its styles name are looked up there too, in the
 * order the engine looks them up (ids F1, F2 … unchanged). */
typedef struct ax_fonts_job {
    ax_fontset *fs;
    ax_status st;
    const char *layout_path; /* NULL: no prefetch */
} ax_fonts_job;
void *ax_fonts_thread(void *arg); /* arg: an ax_fonts_job */
/* getopt_long with annex's own messages. Before the first call set
 * optind = 0 (a fresh scan; commands may run twice in one process, as in
 * annex watch). Returns the option's value, -1 after the last option (the
 * operands are then argv[optind..argc-1], in order: GNU getopt moves them
 * to the end), or '?' after printing "CMD: unknown option '--x'" or "CMD:
 * option '-o' requires an argument" and "Try 'CMD --help'" to stderr
 * (the caller exits 2; `usage` is not printed, help is one command away).
 * "--opt=value", "-ovalue", "-qo FILE" and "--" work as in every GNU tool. */
#include <getopt.h>
int ax_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
              const struct option *longopts, const char *usage);

/* A path named on the command line (or the default data folder) that is
 * not there, or not a folder when `folder`: reported through rep as
 * "PATH: error: WHAT: REASON", 1; else 0. A run reports every missing one,
 * then stops with exit 2. */
int ax_missing_path(ax_report *rep, const char *path, const char *what, int folder);
/* Can `text` (a layout file, an --each query) use the parameter `name`: as
 * :name, @name or $name, or as {name}? A scan of the bytes that may see a
 * use where there is none (a comment) but never misses one, so a -p it
 * finds nowhere is certainly unused: a slip (a misspelt name), said rather
 * than ignored. */
int ax_text_mentions_param(const char *text, size_t len, const char *name);

#endif
