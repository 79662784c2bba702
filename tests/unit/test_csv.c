/* test_csv.c — the CSV reader: quoting, line tracking, recovery, UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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
    };
    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
