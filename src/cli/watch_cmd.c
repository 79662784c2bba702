/* watch_cmd.c — annex watch LAYOUT [render options]: render, then render
 * again whenever the layout or the data changes.
 *
 * Each render is `annex render LAYOUT [render options]` run as a child
 * process (fork, then exec of /proc/self/exe), not ax_cmd_render called in
 * this process. Why:
 * - a watch lives for hours and renders hundreds of times: a render that
 *   leaks, crashes or exits inside a library would take the watch with it,
 *   and state a render leaves behind (fontconfig's configuration, HarfBuzz
 *   and SQLite caches, getopt's) would reach the next one; a fresh process
 *   starts each render from nothing, exactly as the author's own
 *   `annex render` would — also seeing fonts dropped into fonts/ meanwhile;
 * - a render can be stopped (a second Ctrl-C) without the watcher's state
 *   being in the middle of it; the render's own writes are atomic
 *   (O_TMPFILE, ax_file_write_atomic), so a killed render leaves no part of
 *   a file.
 * A process costs about a millisecond; fontconfig reads its cache again
 * (a few ms) — nothing next to a render.
 *
 * Changes are seen with inotify on the folders (the layout's, the data
 * folder, the --db file's), not on the files: editors that save by writing
 * a new file and renaming it over the old one replace the inode a file
 * watch would follow. Events are gathered until 100 ms pass without one
 * (an editor's save is several events; copying the data folder many), then one
 * render runs. Events that come during a render are read after it, so a
 * change is never lost.
 *
 * SIGINT and SIGTERM end the watch with exit 0 once the render under way,
 * if any, is complete; the render runs in a process group of its own, so a
 * Ctrl-C at the terminal reaches only the watcher. A second signal during
 * that render stops it (SIGTERM). */
#define _GNU_SOURCE /* basename, dirname of libgen.h as POSIX has them */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

const char ax_watch_usage[] =
    "usage: annex watch LAYOUT [render options]\n"
    "Renders LAYOUT as `annex render LAYOUT [render options]` does, then again\n"
    "whenever the layout, a .csv file of the data folder (as render finds it) or the\n"
    "--db file changes; --png DIR re-renders the PNG pages too. One line per render\n"
    "on stdout (ok, or the exit status of a failed render; its messages on\n"
    "stderr). Ctrl-C or SIGTERM ends the watch (exit 0) once the render under way\n"
    "is complete. -o - is refused: a watch rewrites a file.\n";

/* A watched folder and what in it matters. */
typedef struct watch {
    int wd;
    char *dir;
    const char *names[2]; /* these file names, … */
    int any_csv;          /* … or any *.csv not starting with '.' */
} watch;

/* The files a round of events touched: the first few by name. */
typedef struct changes {
    char first[3][512];
    int n;        /* distinct files seen (the first 3 kept) */
    int overflow; /* the kernel dropped events: something changed */
} changes;

typedef struct watcher {
    int ino, sig;
    watch w[3];
    int nw;
    pid_t child;
    int stopping;
} watcher;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One status line on stdout, with the time of day: an author glances at
 * it after saving. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    time_t t = time(NULL);
    struct tm tm;
    char hms[16] = "";
    if (localtime_r(&t, &tm))
        strftime(hms, sizeof hms, "%H:%M:%S", &tm);
    printf("annex watch: [%s] ", hms);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

/* The folder of path and its last component, both malloc'd. */
static int split_path(const char *path, char **dir, char **base)
{
    char *a = strdup(path), *b = strdup(path);
    *dir = a ? strdup(dirname(a)) : NULL;
    *base = b ? strdup(basename(b)) : NULL;
    free(a);
    free(b);
    return *dir && *base;
}

/* Watch folder `dir` for `name` (or, name NULL, any .csv). The same folder
 * twice is one inotify watch with both wishes. */
static int add_watch(watcher *w, const char *dir, const char *name)
{
    const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                          IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
    int wd = inotify_add_watch(w->ino, dir, mask);
    if (wd < 0) {
        fprintf(stderr, "annex watch: cannot watch the folder %s: %s\n", dir, strerror(errno));
        return 0;
    }
    watch *x = NULL;
    for (int i = 0; i < w->nw; i++)
        if (w->w[i].wd == wd)
            x = &w->w[i];
    if (!x) {
        x = &w->w[w->nw++];
        *x = (watch){wd, strdup(dir), {NULL, NULL}, 0};
        if (!x->dir)
            return 0;
    }
    if (!name)
        x->any_csv = 1;
    else if (!x->names[0])
        x->names[0] = name;
    else
        x->names[1] = name;
    return 1;
}

static int matters(const watch *x, const char *name)
{
    if ((x->names[0] && !strcmp(name, x->names[0])) || (x->names[1] && !strcmp(name, x->names[1])))
        return 1;
    size_t n = strlen(name);
    return x->any_csv && name[0] != '.' && n > 4 && !strcmp(name + n - 4, ".csv");
}

static void note_change(changes *ch, const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s%s", strcmp(dir, ".") ? dir : "", strcmp(dir, ".") ? "/" : "",
             name);
    for (int i = 0; i < ch->n && i < 3; i++)
        if (!strcmp(ch->first[i], path))
            return;
    if (ch->n < 3)
        snprintf(ch->first[ch->n], sizeof ch->first[0], "%s", path);
    ch->n++;
}

/* What a render is for, in words: "layouts/a.yaml changed". */
static void describe_changes(const changes *ch, char *out, size_t cap)
{
    if (ch->n == 0)
        snprintf(out, cap, "%s", ch->overflow ? "many changes" : "start");
    else if (ch->n == 1)
        snprintf(out, cap, "%s changed", ch->first[0]);
    else if (ch->n == 2)
        snprintf(out, cap, "%s and %s changed", ch->first[0], ch->first[1]);
    else
        snprintf(out, cap, "%s and %d other files changed", ch->first[0], ch->n - 1);
}

/* Read the pending inotify events into ch. 0 when done, -1 when a watched
 * folder went away (its name in gone[cap]): the watch cannot go on. */
static int read_events(watcher *w, changes *ch, char *gone, size_t cap)
{
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(w->ino, buf, sizeof buf);
        if (n <= 0)
            return 0; /* EAGAIN: nothing more for now */
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *e = (const struct inotify_event *)p;
            p += sizeof *e + e->len;
            if (e->mask & IN_Q_OVERFLOW)
                ch->overflow = 1;
            for (int i = 0; i < w->nw; i++) {
                const watch *x = &w->w[i];
                if (x->wd != e->wd)
                    continue;
                if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
                    snprintf(gone, cap, "%s", x->dir);
                    return -1;
                }
                if (e->len && matters(x, e->name))
                    note_change(ch, x->dir, e->name);
            }
        }
    }
}

/* Take the pending signals: 1 when one of them ends the watch. */
static int read_signals(watcher *w)
{
    struct signalfd_siginfo si;
    int stop = 0;
    while (read(w->sig, &si, sizeof si) == (ssize_t)sizeof si)
        if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
            if (w->stopping && w->child > 0)
                kill(w->child, SIGTERM); /* a second signal: stop the render too */
            w->stopping = stop = 1;
        }
    return stop;
}

/* Run one render to its end; the child's exit status (128 + signal when
 * it was killed, -1 when it could not be started). */
static int render(watcher *w, char **args, const sigset_t *old)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "annex watch: cannot start a render: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* a process group of its own: the terminal's Ctrl-C goes to the
         * watcher, which lets the render finish */
        setpgid(0, 0);
        sigprocmask(SIG_SETMASK, old, NULL);
        execv("/proc/self/exe", args);
        fprintf(stderr, "annex watch: cannot run /proc/self/exe: %s\n", strerror(errno));
        _exit(127);
    }
    w->child = pid;
    int status = -1;
    for (;;) {
        struct pollfd p = {w->sig, POLLIN, 0};
        if (poll(&p, 1, -1) < 0 && errno != EINTR)
            break;
        read_signals(w);
        int ws;
        pid_t r = waitpid(pid, &ws, WNOHANG);
        if (r == pid) {
            status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
            break;
        }
        if (r < 0 && errno != EINTR)
            break;
    }
    w->child = 0;
    return status;
}

int ax_cmd_watch(int argc, char **argv)
{
    /* the arguments as given: getopt reorders argv */
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (!args) {
        fprintf(stderr, "annex watch: out of memory\n");
        return 2;
    }
    args[0] = "annex";
    args[1] = "render";
    for (int i = 1; i < argc; i++)
        args[i + 1] = argv[i];

    const char *dir = NULL, *dbfile = NULL, *out = NULL;
    int c;
    optind = 0;
    /* render's own options (every argument goes to the render unchanged):
     * to tell their values from the layout operand, and to know the data */
    while ((c = ax_getopt("annex watch", argc, argv, ax_render_shortopts, ax_render_options,
                          ax_watch_usage)) != -1) {
        if (c == '?' || c == ':') {
            free(args);
            return 2;
        }
        if (c == 'd')
            dir = optarg;
        else if (c == AX_RENDER_OPT_DB)
            dbfile = optarg;
        else if (c == 'o')
            out = optarg;
    }
    const char *layout = optind < argc ? argv[optind] : NULL;
    int status = 2;
    if (!layout || argc - optind > 1) {
        if (layout)
            fprintf(stderr, "annex watch: one layout at a time, not '%s' and '%s'\n",
                    argv[optind], argv[optind + 1]);
        fputs(ax_watch_usage, stderr);
        free(args);
        return 2;
    }
    if (out && !strcmp(out, "-")) {
        fprintf(stderr, "annex watch: -o - is refused: a watch writes the PDF again at every "
                        "change; give a file name\n");
        free(args);
        return 2;
    }
    /* what the render reads: the layout, and the data folder or the
     * database. Named on the command line, each must exist (exit 2). */
    struct stat sb;
    const char *named[] = {layout, dir, dbfile};
    for (size_t i = 0; i < 3; i++)
        if (named[i] && stat(named[i], &sb) != 0) {
            fprintf(stderr, "annex watch: %s: %s\n", named[i], strerror(errno));
            free(args);
            return 2;
        }

    watcher w = {-1, -1, {{0, NULL, {NULL, NULL}, 0}}, 0, 0, 0};
    char *ldir = NULL, *lbase = NULL, *ddir = NULL, *dbase = NULL;
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);
    w.sig = signalfd(-1, &block, SFD_NONBLOCK | SFD_CLOEXEC);
    w.ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    status = 1;
    if (w.sig < 0 || w.ino < 0) {
        fprintf(stderr, "annex watch: %s: %s\n", w.ino < 0 ? "inotify" : "signalfd",
                strerror(errno));
        goto done;
    }
    if (!split_path(layout, &ldir, &lbase) || !add_watch(&w, ldir, lbase))
        goto done;
    if (dbfile) {
        if (!split_path(dbfile, &ddir, &dbase) || !add_watch(&w, ddir, dbase))
            goto done;
    } else {
        /* as render finds it: -d, else the layout's data: key, else ./data
         * (a key that changes while watching is followed at the next start) */
        char key_dir[4096];
        const char *d = dir;
        ax_report *rep = d ? NULL : ax_report_new("annex watch", AX_REPORT_TEXT, stderr);
        if (rep) {
            ax_layout_data_option(rep, layout, key_dir, sizeof key_dir, &d);
            ax_report_finish(rep, 0);
        }
        if (!d)
            d = "data";
        if (stat(d, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            if (!add_watch(&w, d, NULL))
                goto done;
        } else if (stat(d, &sb) == 0) {
            /* -d FILE.csv: the file and the reference files beside it */
            if (!split_path(d, &ddir, &dbase) || !add_watch(&w, ddir, NULL))
                goto done;
        } else
            fprintf(stderr, "annex watch: no folder %s to watch (the render will say why)\n", d);
    }

    char cause[1200] = "start", gone[512] = "";
    int renders = 0;
    status = 0;
    while (!w.stopping) {
        double t0 = now_s();
        int rc = render(&w, args, &old);
        renders++;
        double secs = now_s() - t0;
        if (rc == 0)
            say("render %d (%s): ok, %.2f s", renders, cause, secs);
        else if (rc < 0 || rc == 127) {
            say("render %d (%s): could not be started", renders, cause);
            status = 1;
            break;
        } else if (rc > 128)
            say("render %d (%s): stopped by signal %d, %.2f s", renders, cause, rc - 128, secs);
        else
            say("render %d (%s): failed (exit %d, messages above), %.2f s; the last "
                "output stays", renders, cause, rc, secs);
        if (rc == 2 && renders == 1) {
            status = 2; /* the command line itself is wrong: no later save mends it */
            break;
        }
        /* wait for a change to a watched file, then for 100 ms of quiet */
        changes ch = {{"", "", ""}, 0, 0};
        int quiet_ms = -1; /* no timeout until the first change */
        while (!w.stopping) {
            struct pollfd p[2] = {{w.ino, POLLIN, 0}, {w.sig, POLLIN, 0}};
            int n = poll(p, 2, quiet_ms);
            if (n < 0 && errno != EINTR) {
                fprintf(stderr, "annex watch: poll: %s\n", strerror(errno));
                status = 1;
                w.stopping = 1;
                break;
            }
            if (n == 0)
                break; /* 100 ms without an event after a change */
            read_signals(&w);
            if (read_events(&w, &ch, gone, sizeof gone) < 0) {
                say("the folder %s was removed or moved: the watch ends", gone);
                status = 1;
                w.stopping = 1;
                break;
            }
            if (ch.n || ch.overflow)
                quiet_ms = 100;
        }
        describe_changes(&ch, cause, sizeof cause);
    }
    if (status == 0)
        say("stopped after %d render%s", renders, renders == 1 ? "" : "s");

done:
    for (int i = 0; i < w.nw; i++)
        free(w.w[i].dir);
    if (w.ino >= 0)
        close(w.ino);
    if (w.sig >= 0)
        close(w.sig);
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(ldir);
    free(lbase);
    free(ddir);
    free(dbase);
    free(args);
    return status;
}
