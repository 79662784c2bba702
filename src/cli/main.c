/* main.c — the annex command line: dispatch to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "../data/db.h"
#include "../data/sqlguard.h"
#include "cli.h"

static void usage(FILE *f)
{
    fputs("usage: annex render LAYOUT [-d DATA_DIR | --db FILE.sqlite] [-o OUT.pdf | -o -]\n"
          "                    [--lang zh|en|zh+en] [-p NAME=VALUE]... [--trace FILE] [--force]\n"
          "       annex batch LAYOUT --each SQL -o PATTERN [-d DATA_DIR | --db FILE.sqlite]\n"
          "                   [-j N] [--shard K/N] [--combine FILE.pdf] [--force] ...\n"
          "       annex check [DATA_DIR | FILE.csv]\n"
          "       annex query SQL [-d DATA_DIR | --db FILE.sqlite] [-p NAME=VALUE]...\n"
          "       annex db [-d DATA_DIR] -o FILE.sqlite\n"
          "       annex fonts [LAYOUT]\n"
          "       annex watch LAYOUT [render options]\n"
          "       annex --version\n"
          "`annex COMMAND --help` prints a command's options.\n"
          "Exit status: 0 ok (warnings allowed), 1 data errors, 2 misuse.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    ax_db_configure();
    /* before any connection opens: a query that reads the clock
     * (date('now')) is then stopped (sqlguard.h) */
    ax_sql_watch_clock();
    /* `annex COMMAND --help` (or -h, anywhere before a "--"): the command's
     * usage on stdout, exit 0, whatever else is on the line */
    static const struct {
        const char *name;
        const char *usage;
    } helps[] = {{"render", ax_render_usage}, {"batch", ax_batch_usage},
                 {"check", ax_check_usage},   {"query", ax_query_usage},
                 {"db", ax_db_usage},         {"fonts", ax_fonts_usage},
                 {"watch", ax_watch_usage}};
    for (size_t k = 0; k < sizeof helps / sizeof helps[0]; k++) {
        if (strcmp(cmd, helps[k].name) != 0)
            continue;
        for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
            if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                fputs(helps[k].usage, stdout);
                return 0;
            }
    }
    if (strcmp(cmd, "render") == 0)
        return ax_cmd_render(argc - 1, argv + 1);
    if (strcmp(cmd, "batch") == 0)
        return ax_cmd_batch(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return ax_cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "query") == 0)
        return ax_cmd_query(argc - 1, argv + 1);
    if (strcmp(cmd, "db") == 0)
        return ax_cmd_db(argc - 1, argv + 1);
    if (strcmp(cmd, "fonts") == 0)
        return ax_cmd_fonts(argc - 1, argv + 1);
    if (strcmp(cmd, "watch") == 0)
        return ax_cmd_watch(argc - 1, argv + 1);
    if (strcmp(cmd, "--version") == 0) {
        printf("annex %s\n", AX_VERSION);
        return 0;
    }
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "annex: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
