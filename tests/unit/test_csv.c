/* test_csv.c — the CSV reader: quoting, line tracking, recovery, UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/diag.h"
#include "../../src/data/csv.h"

typedef struct fixture {
    ax_arena *arena;
    ax_diags *diags;
    ax_csv csv;
} fixture;

static int setup(void **state)
{
    fixture *f = test_calloc(1, sizeof *f);
    f->arena = ax_arena_new();
    f->diags = ax_diags_new();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ax_free(f->csv.records);
    ax_diags_free(f->diags);
    ax_arena_free(f->arena);
    test_free(f);
    return 0;
}

static void parse(fixture *f, const char *text)
{
    assert_int_equal(ax_csv_parse(&f->csv, "t.csv", text, strlen(text), f->arena, f->diags),
                     AX_OK);
}

/* The i-th diagnostic's kind, or "" */
static const char *kind(fixture *f, size_t i)
{
    const ax_diag *d = ax_diags_at(f->diags, i);
    return d ? d->kind : "";
}

static void bom_crlf_and_quotes(void **state)
{
    fixture *f = *state;
    parse(f, "\xEF\xBB\xBF" "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n");
    assert_int_equal(f->csv.nrecords, 2);
    assert_string_equal(f->csv.records[0].fields[0].s, "a"); /* BOM skipped */
    assert_string_equal(f->csv.records[1].fields[0].s, "x, y");
    assert_string_equal(f->csv.records[1].fields[1].s, "say \"hi\"");
    assert_int_equal(ax_diags_size(f->diags), 0);
}

static void quoted_newlines_keep_lines(void **state)
{
    fixture *f = *state;
    parse(f, "a,b\n1,\"two\nlines\"\n3,4\n");
    assert_int_equal(f->csv.nrecords, 3);
    assert_string_equal(f->csv.records[1].fields[1].s, "two\nlines");
    assert_int_equal(f->csv.records[1].row, 2);
    assert_int_equal(f->csv.records[1].line, 2);
    assert_int_equal(f->csv.records[2].row, 3);
    assert_int_equal(f->csv.records[2].line, 4); /* the record after spans line 4 */
}

static void field_lines_inside_a_record(void **state)
{
    fixture *f = *state;
    parse(f, "a,b,c\n\"x\ny\",\"p\nq\",z\n");
    const ax_csv_record *r = &f->csv.records[1];
    assert_int_equal(r->fields[0].line, 2);
    assert_int_equal(r->fields[1].line, 3);
    assert_int_equal(r->fields[2].line, 4);
}

static void stray_quote_skips_one_record(void **state)
{
    fixture *f = *state;
    parse(f, "a,b\n1,x\"y\n2,ok\n");
    assert_int_equal(ax_diags_count(f->diags, AX_ERROR), 1);
    assert_string_equal(kind(f, 0), "bad-quote");
    assert_int_equal(ax_diags_at(f->diags, 0)->row, 2);
    /* the record after the broken one is still read, with its own row */
    assert_int_equal(f->csv.nrecords, 2);
    assert_string_equal(f->csv.records[1].fields[0].s, "2");
    assert_int_equal(f->csv.records[1].row, 3);
}

static void unterminated_quote_resumes_after_it(void **state)
{
    fixture *f = *state;
    parse(f, "a,b\n1,\"open\n2,fine\n3,also\n");
    assert_int_equal(ax_diags_count(f->diags, AX_ERROR), 1);
    assert_string_equal(kind(f, 0), "unterminated-quote");
    assert_int_equal(ax_diags_at(f->diags, 0)->row, 2);
    assert_int_equal(ax_diags_at(f->diags, 0)->line, 2);
    assert_int_equal(f->csv.nrecords, 3); /* header, 2, 3 */
    assert_string_equal(f->csv.records[1].fields[1].s, "fine");
    assert_int_equal(f->csv.records[1].row, 3);
    assert_int_equal(f->csv.records[2].line, 4);
}

static void invalid_utf8_reports_byte_offset(void **state)
{
    fixture *f = *state;
    parse(f, "a,b\nok,\xE4\xB8\n"); /* truncated 3-byte sequence at offset 7 */
    assert_int_equal(ax_diags_count(f->diags, AX_ERROR), 1);
    const ax_diag *d = ax_diags_at(f->diags, 0);
    assert_string_equal(d->kind, "bad-utf8");
    assert_int_equal(d->row, 2);
    assert_int_equal(d->col, 2);
    assert_non_null(strstr(d->message, "byte offset 7"));
}

static void empty_file(void **state)
{
    fixture *f = *state;
    parse(f, "\xEF\xBB\xBF  \n");
    assert_int_equal(f->csv.nrecords, 0);
    assert_string_equal(kind(f, 0), "empty-file");
}

static void no_final_newline(void **state)
{
    fixture *f = *state;
    parse(f, "a,b\n1,2");
    assert_int_equal(f->csv.nrecords, 2);
    assert_string_equal(f->csv.records[1].fields[1].s, "2");
}

/* NUL and other C0 control bytes are errors with row, column and the line
 * the byte stands on; TAB is text, and so are CR and LF in a quoted field. */
static void control_bytes_are_errors(void **state)
{
    fixture *f = *state;
    static const char text[] = "a,b\n"
                               "x,Te\0st\n"
                               "\"one\nt\x07wo\",y\n"
                               "tab\there,\"cr\r\nlf\"\n";
    assert_int_equal(ax_csv_parse(&f->csv, "t.csv", text, sizeof text - 1, f->arena, f->diags),
                     AX_OK);
    assert_int_equal(f->csv.nrecords, 4);
    assert_int_equal(ax_diags_size(f->diags), 2);
    const ax_diag *d = ax_diags_at(f->diags, 0);
    assert_string_equal(d->kind, "control-char");
    assert_int_equal(d->row, 2);
    assert_int_equal(d->col, 2);
    assert_int_equal(d->severity, AX_ERROR);
    assert_non_null(strstr(d->message, "0x00 (NUL) at byte 3"));
    d = ax_diags_at(f->diags, 1);
    assert_int_equal(d->row, 3);
    assert_int_equal(d->col, 1);
    assert_int_equal(d->line, 4); /* the BEL is on the field's second line */
    assert_non_null(strstr(d->message, "0x07 (BEL)"));
    /* the bytes are kept as read: the reader reports, it does not edit */
    assert_int_equal(f->csv.records[1].fields[1].len, 5);
}

static void parse_bytes(fixture *f, const char *text, size_t len)
{
    assert_int_equal(ax_csv_parse(&f->csv, "t.csv", text, len, f->arena, f->diags), AX_OK);
}

/* UTF-16 (with a BOM, or its NUL bytes beside ASCII) and GB18030 are named
 * by ICU's detector, with the iconv command and the first bad byte; the
 * file is not read. */
static void other_encodings_are_named(void **state)
{
    fixture *f = *state;
    /* "date,title\n2021-1,T\n" in UTF-16LE with a BOM */
    static const char le[] = "\xFF\xFE"
                             "d\0a\0t\0e\0,\0t\0i\0t\0l\0e\0\n\0"
                             "2\0000\0002\0001\0-\0001\0,\0T\0\n\0";
    parse_bytes(f, le, sizeof le - 1);
    assert_int_equal(f->csv.nrecords, 0);
    assert_int_equal(ax_diags_size(f->diags), 1);
    const ax_diag *d = ax_diags_at(f->diags, 0);
    assert_string_equal(d->kind, "encoding");
    assert_int_equal(d->row, 1);
    assert_non_null(strstr(d->message, "looks like UTF-16LE"));
    assert_non_null(strstr(d->message, "iconv -f UTF-16LE -t UTF-8 t.csv"));
    assert_non_null(strstr(d->message, "file offset 0"));
}

static void utf16_without_bom(void **state)
{
    fixture *f = *state;
    static const char be[] = "\0d\0a\0t\0e\0,\0t\0i\0t\0l\0e\0\n"
                             "\0\x32\0\x30\0\x32\0\x31\0-\0\x31\0,\0T\0\n";
    parse_bytes(f, be, sizeof be - 1);
    assert_int_equal(f->csv.nrecords, 0);
    const ax_diag *d = ax_diags_at(f->diags, 0);
    assert_string_equal(d->kind, "encoding");
    assert_non_null(strstr(d->message, "UTF-16BE"));
    assert_non_null(strstr(d->message, "first NUL byte is byte 1 of line 1"));
}

static void gb18030_is_named(void **state)
{
    fixture *f = *state;
    /* "date,title_zh\n2021-1,研讨会\n2021-2,讲习班\n2021-3,网络研讨会\n"
     * in GB18030 */
    static const char gb[] = "date,title_zh\n"
                             "2021-1,\xD1\xD0\xCC\xD6\xBB\xE1\n"
                             "2021-2,\xBD\xB2\xCF\xB0\xB0\xE0\n"
                             "2021-3,\xCD\xF8\xC2\xE7\xD1\xD0\xCC\xD6\xBB\xE1\n";
    parse_bytes(f, gb, sizeof gb - 1);
    assert_int_equal(f->csv.nrecords, 0);
    const ax_diag *d = ax_diags_at(f->diags, 0);
    assert_string_equal(d->kind, "encoding");
    assert_int_equal(d->row, 2);
    assert_non_null(strstr(d->message, "GB18030"));
    assert_non_null(strstr(d->message, "byte 8 of line 2"));
}

/* libcsv drops spaces around an unquoted field; the field says so, so that
 * a number read from " 12 " can be warned about. A quoted field keeps them
 * (and is not marked), spaces inside a field are not padding. */
static void padded_fields_are_marked(void **state)
{
    fixture *f = *state;
    parse(f, "a,b,c\n 12 ,\" 13 \",new york\n14,\t15, x\n");
    const ax_csv_record *r = &f->csv.records[1];
    assert_string_equal(r->fields[0].s, "12");
    assert_true(r->fields[0].padded);
    assert_string_equal(r->fields[1].s, " 13 ");
    assert_false(r->fields[1].padded);
    assert_string_equal(r->fields[2].s, "new york");
    assert_false(r->fields[2].padded);
    r = &f->csv.records[2];
    assert_false(r->fields[0].padded);
    assert_true(r->fields[1].padded);
    assert_true(r->fields[2].padded);
}

/* Reading from a file (in 64 KiB chunks, seeking back after an unterminated
 * quote) gives what reading the same bytes from memory gives: a line longer
 * than a chunk, a quoted field across lines, a stray and an unclosed quote. */
typedef struct seen {
    ax_buf text; /* every record as row|line|field|field…, one a line */
} seen;

static ax_status note_record(void *ctx, const ax_csv_info *info, ax_csv_record *rec)
{
    seen *s = ctx;
    ax_buf_printf(&s->text, "%s|%ld|%ld", info->first_line, rec->row, rec->line);
    for (size_t i = 0; i < rec->nfields; i++)
        ax_buf_printf(&s->text, "|%ld:%s", rec->fields[i].line, rec->fields[i].s);
    ax_buf_puts(&s->text, "\n");
    return AX_OK;
}

static void file_reader_matches_buffer(void **state)
{
    fixture *f = *state;
    ax_buf in = {0};
    ax_buf_puts(&in, "\xEF\xBB\xBF" "a,b\n1,\"two\nlines\"\n2,");
    for (int i = 0; i < 200000; i++)
        ax_buf_puts(&in, "x");
    ax_buf_puts(&in, "\n3,x\"y\n4,\"open\n5,fine\n6,also\n");
    assert_false(in.failed);
    seen a = {{0}}, b = {{0}};
    ax_diags *da = ax_diags_new(), *db = ax_diags_new();
    long rows_a = 0, rows_b = 0;
    assert_int_equal(ax_csv_read_buf("t.csv", in.data, in.len, note_record, &a, da, &rows_a),
                     AX_OK);
    FILE *tf = tmpfile();
    assert_non_null(tf);
    assert_int_equal(fwrite(in.data, 1, in.len, tf), in.len);
    rewind(tf);
    assert_int_equal(ax_csv_read_file("t.csv", tf, note_record, &b, db, &rows_b), AX_OK);
    fclose(tf);
    assert_string_equal(a.text.data, b.text.data);
    assert_int_equal(rows_a, rows_b);
    assert_int_equal(ax_diags_size(da), 2); /* the stray quote, the unclosed one */
    assert_int_equal(ax_diags_size(db), 2);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(ax_diags_at(da, i)->kind, ax_diags_at(db, i)->kind);
        assert_int_equal(ax_diags_at(da, i)->row, ax_diags_at(db, i)->row);
        assert_int_equal(ax_diags_at(da, i)->line, ax_diags_at(db, i)->line);
    }
    /* the records after the unclosed quote are read again, with their rows */
    assert_non_null(strstr(a.text.data, "a,b|6|7|7:5|7:fine\n"));
    ax_diags_free(da);
    ax_diags_free(db);
    ax_buf_free(&a.text);
    ax_buf_free(&b.text);
    ax_buf_free(&in);
    (void)f;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(bom_crlf_and_quotes, setup, teardown),
        cmocka_unit_test_setup_teardown(quoted_newlines_keep_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(field_lines_inside_a_record, setup, teardown),
        cmocka_unit_test_setup_teardown(stray_quote_skips_one_record, setup, teardown),
        cmocka_unit_test_setup_teardown(unterminated_quote_resumes_after_it, setup, teardown),
        cmocka_unit_test_setup_teardown(invalid_utf8_reports_byte_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(no_final_newline, setup, teardown),
        cmocka_unit_test_setup_teardown(control_bytes_are_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(other_encodings_are_named, setup, teardown),
        cmocka_unit_test_setup_teardown(utf16_without_bom, setup, teardown),
        cmocka_unit_test_setup_teardown(gb18030_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(padded_fields_are_marked, setup, teardown),
        cmocka_unit_test_setup_teardown(file_reader_matches_buffer, setup, teardown),
    };
    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
