/* structwalk.h — for the unit tests (test_chart, test_matrix, test_engine):
 * recorded commands walked as the PDF device needs their structure. Every
 * drawing inside an element or an artifact; artifacts not nested and
 * holding no element (nor a resumed one); no end without its begin. A test
 * looks at a command for what it counts, then hands it to walk_cmd, so
 * that w->depth and w->art are, while it looks, the state before it.
 * Include after <cmocka.h> and the device's list.h. */
#ifndef AX_TEST_STRUCTWALK_H
#define AX_TEST_STRUCTWALK_H

typedef struct walk {
    int depth; /* open elements */
    int art;   /* inside an artifact */
} walk;

static void walk_cmd(walk *w, const ax_cmd *c, const char *where, size_t i)
{
    switch (c->kind) {
    case AX_CMD_STRUCT_BEGIN:
    case AX_CMD_STRUCT_RESUME:
        assert_false(w->art);
        w->depth++;
        break;
    case AX_CMD_STRUCT_END:
        assert_false(w->art);
        assert_true(w->depth > 0);
        w->depth--;
        break;
    case AX_CMD_ARTIFACT_BEGIN:
        assert_false(w->art);
        w->art = 1;
        break;
    case AX_CMD_ARTIFACT_END:
        assert_true(w->art);
        w->art = 0;
        break;
    case AX_CMD_FILL:
    case AX_CMD_STROKE:
    case AX_CMD_TEXT:
        if (!w->depth && !w->art)
            fail_msg("%s, command %zu (kind %d): drawn outside any element or artifact", where,
                     i, (int)c->kind);
        break;
    default: break;
    }
}

#endif
