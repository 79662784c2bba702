/* report.c — diagnostics as text lines or one JSON object (jansson). */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

struct ax_report {
    const char *cmd;
    ax_report_format fmt;
    FILE *out;
    int quiet;
    size_t counts[3];
    json_t *problems; /* JSON only */
    int failed;       /* JSON: an allocation failed */
};

ax_report *ax_report_new(const char *cmd, ax_report_format fmt, FILE *out)
{
    ax_report *r = calloc(1, sizeof *r);
    if (r && fmt == AX_REPORT_JSON && !(r->problems = json_array())) {
        free(r);
        r = NULL;
    }
    if (!r) {
        fprintf(stderr, "%s: out of memory\n", cmd);
        return NULL;
    }
    r->cmd = cmd;
    r->fmt = fmt;
    r->out = out;
    return r;
}

int ax_report_format_option(const char *cmd, const char *opt, const char *value)
{
    if (!strcmp(value, "text"))
        return AX_REPORT_TEXT;
    if (!strcmp(value, "json"))
        return AX_REPORT_JSON;
    fprintf(stderr, "%s: %s takes text or json, not '%s'\n", cmd, opt, value);
    return -1;
}

ax_report_format ax_report_fmt(const ax_report *r) { return r->fmt; }
void ax_report_quiet(ax_report *r, int quiet) { r->quiet = quiet; }
size_t ax_report_count(const ax_report *r, ax_severity sev) { return r->counts[sev]; }

/* One problem object; keys in a fixed order, so the output is stable. */
static void add_json(ax_report *r, ax_severity sev, const char *code, const char *file,
                     long row, long col, long line, const char *message)
{
    json_t *o = json_object();
    int bad = !o;
    if (o && file)
        bad |= json_object_set_new(o, "file", json_string(file));
    if (o && (line > 0 || row > 0))
        bad |= json_object_set_new(o, "line", json_integer(line > 0 ? line : row));
    if (o && row > 0 && line > 0 && line != row)
        bad |= json_object_set_new(o, "row", json_integer(row));
    if (o && col > 0 && (line > 0 || row > 0))
        bad |= json_object_set_new(o, "column", json_integer(col));
    if (o) {
        bad |= json_object_set_new(o, "severity", json_string(ax_severity_name(sev)));
        bad |= json_object_set_new(o, "code", json_string(code ? code : "annex"));
        /* jansson refuses invalid UTF-8: such a message is kept, escaped */
        json_t *m = json_string(message);
        if (!m)
            m = json_string("(a message that is not valid UTF-8)");
        bad |= json_object_set_new(o, "message", m);
    }
    if (bad || json_array_append_new(r->problems, o) != 0)
        r->failed = 1;
}

void ax_report_diags(ax_report *r, ax_diags *d, int notes, const char *prefix)
{
    ax_buf b = {0};
    for (size_t i = 0; i < ax_diags_size(d); i++) {
        const ax_diag *g = ax_diags_at(d, i);
        if (g->severity == AX_NOTE && !notes)
            continue;
        r->counts[g->severity]++;
        if (r->fmt == AX_REPORT_JSON)
            add_json(r, g->severity, g->kind, g->file, g->row, g->col, g->line, g->message);
        else
            ax_diag_format(g, prefix ? prefix : "", &b);
    }
    if (ax_diags_failed(d) || b.failed)
        ax_report_problem(r, AX_ERROR, "nomem", NULL, 0, 0,
                          "out of memory: some diagnostics were lost");
    if (!b.failed && b.len)
        fwrite(b.data, 1, b.len, stderr);
    ax_buf_free(&b);
}

void ax_report_problem(ax_report *r, ax_severity sev, const char *code, const char *file,
                       long line, long col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = ax_strvprintf(fmt, ap);
    va_end(ap);
    r->counts[sev]++;
    const char *text = msg ? msg : "out of memory";
    if (r->fmt == AX_REPORT_JSON)
        add_json(r, sev, code, file, line, col, 0, text);
    else if (file) {
        ax_diag g = {sev, code ? code : "annex", file, line, col, 0, text, 0, 0};
        ax_buf b = {0};
        ax_diag_format(&g, "", &b);
        if (!b.failed)
            fwrite(b.data, 1, b.len, stderr);
        ax_buf_free(&b);
    } else
        fprintf(stderr, "%s: %s\n", r->cmd, text);
    ax_free(msg);
}

void ax_report_info(ax_report *r, const char *fmt, ...)
{
    if (r->quiet || r->fmt == AX_REPORT_JSON)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", r->cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int ax_report_finish(ax_report *r, int status)
{
    if (!r)
        return status;
    if (r->fmt == AX_REPORT_JSON) {
        const char *name = strrchr(r->cmd, ' ');
        json_t *o = json_object();
        int bad = !o || r->failed;
        if (o) {
            bad |= json_object_set_new(o, "command", json_string(name ? name + 1 : r->cmd));
            bad |= json_object_set_new(o, "status", json_integer(status));
            bad |= json_object_set(o, "problems", r->problems);
            bad |= json_object_set_new(o, "errors", json_integer((json_int_t)r->counts[AX_ERROR]));
            bad |= json_object_set_new(o, "warnings",
                                       json_integer((json_int_t)r->counts[AX_WARNING]));
        }
        if (bad || json_dumpf(o, r->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
            fprintf(stderr, "%s: out of memory while writing the JSON diagnostics\n", r->cmd);
            if (status == 0)
                status = 1;
        } else
            fputc('\n', r->out);
        fflush(r->out);
        json_decref(o);
        json_decref(r->problems);
    }
    free(r);
    return status;
}
