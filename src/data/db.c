/* db.c — schema, in-memory databases, loading and saving files. */
#include "db.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char ax_db_schema[] =
    "CREATE TABLE regions(\n"
    "  code TEXT PRIMARY KEY,     -- M49 code, '002'\n"
    "  level TEXT NOT NULL,       -- region | subregion\n"
    "  parent TEXT,               -- the region of a subregion\n"
    "  name_en TEXT, name_zh TEXT);\n"
    "CREATE TABLE countries(\n"
    "  code TEXT PRIMARY KEY,     -- WIPO ST.3 code\n"
    "  kind TEXT NOT NULL,        -- state | territory | office | organisation\n"
    "  name_zh TEXT, name_en TEXT,\n"
    "  m49 TEXT, region TEXT, subregion TEXT);\n"
    "CREATE TABLE contents(code TEXT PRIMARY KEY, name_zh TEXT, name_en TEXT);\n"
    "CREATE TABLE audiences(code TEXT PRIMARY KEY, name_zh TEXT, name_en TEXT);\n"
    "CREATE TABLE activities(\n"
    "  id INTEGER PRIMARY KEY,    -- order in the file, from 1\n"
    "  row INTEGER, line INTEGER, -- where the record stands in the CSV\n"
    "  annex TEXT,\n"
    "  date TEXT,                 -- as written\n"
    "  year INTEGER, month INTEGER,\n"
    "  period TEXT,               -- 'YYYY-MM', NULL when the date is bad\n"
    "  type_zh TEXT, type_en TEXT, content TEXT,\n"
    "  title_zh TEXT, title_en TEXT,\n"
    "  partners_zh TEXT, partners_en TEXT,\n"
    "  venue_zh TEXT, venue_en TEXT,\n"
    "  countries TEXT, countries_zh TEXT,\n"
    "  groups_zh TEXT, groups_en TEXT,\n"
    "  audience TEXT,\n"
    "  participants INTEGER,      -- NULL when unknown or planned\n"
    "  participants_note_zh TEXT, participants_note_en TEXT);\n"
    "CREATE TABLE activity_countries(\n"
    "  activity_id INTEGER NOT NULL REFERENCES activities(id),\n"
    "  seq INTEGER NOT NULL,      -- position in the list, from 1\n"
    "  code TEXT NOT NULL,        -- as written, without the '*'\n"
    "  provider INTEGER NOT NULL, -- 1: marked '*', helped deliver, not a beneficiary\n"
    "  name_src TEXT,             -- the name the source gives (countries_zh), if any\n"
    "  PRIMARY KEY(activity_id, seq));\n"
    "CREATE TABLE activity_groups(activity_id INTEGER NOT NULL, seq INTEGER NOT NULL,\n"
    "  name_zh TEXT, name_en TEXT, PRIMARY KEY(activity_id, seq));\n"
    "CREATE TABLE activity_partners(activity_id INTEGER NOT NULL, seq INTEGER NOT NULL,\n"
    "  name_zh TEXT, name_en TEXT, PRIMARY KEY(activity_id, seq));\n"
    "CREATE TABLE activity_audiences(activity_id INTEGER NOT NULL, code TEXT NOT NULL,\n"
    "  PRIMARY KEY(activity_id, code));\n"
    "CREATE TABLE activity_contents(activity_id INTEGER NOT NULL, code TEXT NOT NULL,\n"
    "  PRIMARY KEY(activity_id, code));\n"
    "CREATE INDEX activity_countries_code ON activity_countries(code);\n"
    /* the loader finds a country by its official name (the source's names
     * of beneficiaries and groups): once per group and per name that does
     * not match its code, a scan of every country without these */
    "CREATE INDEX countries_name_zh ON countries(name_zh);\n"
    "CREATE INDEX countries_name_en ON countries(name_en);\n"
    "CREATE VIEW beneficiaries AS\n"
    "  SELECT ac.activity_id, ac.code, c.kind, c.name_zh, c.name_en, c.region, c.subregion\n"
    "  FROM activity_countries ac LEFT JOIN countries c ON c.code = ac.code\n"
    "  WHERE ac.provider = 0;\n"
    /* reference data of seeds 004 (SDG contributions) and 002 (Development
     * Agenda): data/sdgs.csv, sdg_contributions.csv, da_recommendations.csv,
     * da_links.csv; every table stays empty when its file is absent */
    "CREATE TABLE sdgs(\n"
    "  goal INTEGER PRIMARY KEY,  -- 1..17\n"
    "  name_zh TEXT, name_en TEXT,\n"
    "  color TEXT);               -- official UN colour, '#RRGGBB'\n"
    "CREATE TABLE sdg_contributions(\n"
    "  paragraph INTEGER PRIMARY KEY, -- paragraph number in the source report\n"
    "  section INTEGER,           -- the goal whose heading it stands under\n"
    "  area_code TEXT,            -- area of work it names: brands, patents, …; 'none'\n"
    "  area_zh TEXT, area_en TEXT);\n"
    "CREATE TABLE sdg_contribution_goals(paragraph INTEGER, goal INTEGER,\n"
    "  PRIMARY KEY(paragraph, goal));\n"
    "CREATE TABLE sdg_contribution_targets(paragraph INTEGER,\n"
    "  goal INTEGER,              -- the number before the dot\n"
    "  target TEXT,               -- '2.4', '9.b'\n"
    "  PRIMARY KEY(paragraph, target));\n"
    "CREATE TABLE da_clusters(code TEXT PRIMARY KEY, name_zh TEXT, name_en TEXT);\n"
    "CREATE TABLE da_recommendations(\n"
    "  number INTEGER PRIMARY KEY, -- 1..45\n"
    "  cluster TEXT,              -- A..F (da_clusters)\n"
    "  starred INTEGER,           -- 1: marked for immediate implementation (2007)\n"
    "  text_zh TEXT, title_en TEXT);\n"
    "CREATE TABLE da_results(\n"
    "  code TEXT PRIMARY KEY,     -- expected result, 'III.2'\n"
    "  text_zh TEXT, text_en TEXT,\n"
    "  seq INTEGER);              -- sort order: I.1 < II.2 < III.10\n"
    "CREATE TABLE da_links(recommendation INTEGER, result TEXT,\n"
    "  PRIMARY KEY(recommendation, result));\n";

const char ax_db_corrections_schema[] =
    /* the errata layer (data/corrections.csv, corrections.h): what was
     * changed in the source's records, from what, to what and why */
    "CREATE TABLE IF NOT EXISTS corrections(\n"
    "  seq INTEGER PRIMARY KEY,   -- order in corrections.csv\n"
    "  id TEXT,                   -- 'C1': the mark printed beside the value\n"
    "  row INTEGER, line INTEGER, -- where the entry stands in corrections.csv\n"
    "  kind TEXT,                 -- correction | note (explains, changes nothing)\n"
    "  file TEXT,                 -- the data file: 'activities.csv'\n"
    "  record INTEGER,            -- its row there (header = 1)\n"
    "  record_key,                -- activities.id; the paragraph of sdg_contributions\n"
    "  field TEXT,                -- the column\n"
    "  from_value TEXT,           -- the source's value (an item of a list column)\n"
    "  to_value TEXT,             -- what is loaded instead ('' removes the item)\n"
    "  reason_zh TEXT, reason_en TEXT,\n"
    "  evidence TEXT,\n"
    "  checked INTEGER NOT NULL DEFAULT 0, -- its file was loaded\n"
    "  applied INTEGER NOT NULL DEFAULT 0);\n"
    /* one row per applied correction or note (its first entry), with what
     * changed said in words, for the "notes on the data" of a layout */
    "CREATE VIEW IF NOT EXISTS correction_notes AS\n"
    "SELECT k.id, k.kind, k.file, k.record AS row, k.record_key, k.field,\n"
    "  k.from_value, k.to_value,\n"
    "  CASE WHEN k.kind = 'note' THEN CASE k.field WHEN 'participants' THEN '参与者数量'\n"
    "         WHEN 'date' THEN '日期' ELSE k.field END || ' ' || k.from_value || '（未改动）'\n"
    "    WHEN k.field = 'countries' AND k.from_value = '' THEN\n"
    "      '补充代码 ' || k.to_value || coalesce('（' || t.name_zh || '）', '')\n"
    "    WHEN k.field = 'countries' THEN '代码 ' || k.from_value ||\n"
    "      coalesce('（' || f.name_zh || '）', '') || ' → ' || k.to_value ||\n"
    "      coalesce('（' || t.name_zh || '）', '')\n"
    "    WHEN k.field = 'date' THEN '日期 ' || k.from_value || ' → ' || k.to_value\n"
    "    WHEN k.field = 'targets' AND k.to_value = '' THEN '具体目标 ' || k.from_value || ' 不计'\n"
    "    WHEN k.to_value = '' THEN k.field || ' ' || k.from_value || ' 删除'\n"
    "    WHEN k.from_value = '' THEN k.field || ' 补充 ' || k.to_value\n"
    "    ELSE k.field || ' ' || k.from_value || ' → ' || k.to_value END AS change_zh,\n"
    "  CASE WHEN k.kind = 'note' THEN CASE k.field WHEN 'participants' THEN 'participants'\n"
    "         ELSE k.field END || ' ' || k.from_value || ' (unchanged)'\n"
    "    WHEN k.field = 'countries' AND k.from_value = '' THEN\n"
    "      'code ' || k.to_value || coalesce(' (' || t.name_en || ')', '') || ' added'\n"
    "    WHEN k.field = 'countries' THEN 'code ' || k.from_value ||\n"
    "      coalesce(' (' || f.name_en || ')', '') || ' → ' || k.to_value ||\n"
    "      coalesce(' (' || t.name_en || ')', '')\n"
    "    WHEN k.field = 'date' THEN 'date ' || k.from_value || ' → ' || k.to_value\n"
    "    WHEN k.field = 'targets' AND k.to_value = '' THEN\n"
    "      'target ' || k.from_value || ' not counted'\n"
    "    WHEN k.to_value = '' THEN k.field || ' ' || k.from_value || ' removed'\n"
    "    WHEN k.from_value = '' THEN k.field || ' ' || k.to_value || ' added'\n"
    "    ELSE k.field || ' ' || k.from_value || ' → ' || k.to_value END AS change_en,\n"
    "  k.reason_zh, k.reason_en, k.evidence\n"
    "FROM corrections k\n"
    "LEFT JOIN countries f ON k.field = 'countries' AND f.code = k.from_value\n"
    "LEFT JOIN countries t ON k.field = 'countries' AND t.code = k.to_value\n"
    "WHERE k.applied AND k.seq = (SELECT min(j.seq) FROM corrections j WHERE j.id = k.id);\n";

/* The fixed vocabularies of the data contract, labelled as seed 000 does. */
static const char vocabularies[] =
    "INSERT INTO contents VALUES"
    " ('A','一般性专利相关信息','General patent-related information'),"
    " ('B','详细的PCT相关信息','Detailed PCT-related information'),"
    " ('C','主管局官员的PCT培训','PCT training for Office officials'),"
    " ('D','与信通技术相关的援助','ICT-related assistance'),"
    " ('E','针对考虑加入PCT的国家的援助','Assistance to countries considering accession to the PCT'),"
    " ('F','对国际单位的援助','Assistance to International Authorities');"
    "INSERT INTO audiences VALUES"
    " ('office','主管局','Office'),"
    " ('users','用户','Users'),"
    " ('academia','高校/研究机构','Universities/research institutions'),"
    " ('government','政府','Government');"
    /* the six clusters of the Development Agenda, as WIPO names them */
    "INSERT INTO da_clusters VALUES"
    " ('A','技术援助和能力建设','Technical Assistance and Capacity Building'),"
    " ('B','准则制定、灵活性、公共政策和公有领域',"
    "'Norm-setting, Flexibilities, Public Policy and Public Domain'),"
    " ('C','技术转让、信息通信技术（ICT）和获取知识',"
    "'Technology Transfer, Information and Communication Technologies (ICT) and Access to "
    "Knowledge'),"
    " ('D','评估、评价和影响研究','Assessment, Evaluation and Impact Studies'),"
    " ('E','机构事项，包括任务授权和治理','Institutional Matters including Mandate and "
    "Governance'),"
    " ('F','其他问题','Other Issues');";

ax_status ax_db_exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? AX_OK : AX_ERR_DB;
}

/* The document's database: private and temporary, in SQLite's page cache
 * while it fits (the shipped data, a few MB) and in a temporary file beyond
 * it, so that memory does not grow with the data (80,000 activities are
 * ~43 MB of pages, a million ~0.5 GB). No journal on disk: nothing is
 * kept after a crash anyway. NOMUTEX: a connection serves one thread at a
 * time (threads that render open connections of their own), so SQLite's
 * per-call locking of it buys nothing. */
#define PAGE_CACHE_PRAGMA "PRAGMA cache_size = -4096" /* KiB: 4 MB */

/* No page cache starts with pages made ahead. By default each of SQLite's
 * page caches, also the one of each temporary table a query sorts, groups
 * or looks up an IN list through, allocates 20 pages at once (~88 KB) when
 * it fetches its first page, and writes into every one of them: 22 fresh
 * memory pages to fault in for a table of one page, wherever the heap has
 * just been given back to the system (the layout frees what it has placed).
 * The annex runs a few dozen such tables: ~390 of its ~3,600 page faults.
 * Without it a cache takes its pages one at a time as it needs them. */
void ax_db_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)NULL, 0, 0);
}

static int open_private(sqlite3 **out)
{
    sqlite3 *db;
    int rc = sqlite3_open_v2("", &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, PAGE_CACHE_PRAGMA
                              "; PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_close(db);
        db = NULL;
    }
    *out = db;
    return rc;
}

ax_status ax_db_create(sqlite3 **out)
{
    *out = NULL;
    sqlite3 *db;
    if (open_private(&db) != SQLITE_OK)
        return AX_ERR_NOMEM;
    /* one transaction: each CREATE would otherwise commit by itself */
    if (ax_db_exec(db, "BEGIN") != AX_OK || ax_db_exec(db, ax_db_schema) != AX_OK ||
        ax_db_exec(db, ax_db_corrections_schema) != AX_OK ||
        ax_db_exec(db, vocabularies) != AX_OK || ax_db_exec(db, "COMMIT") != AX_OK) {
        sqlite3_close(db);
        return AX_ERR_DB;
    }
    *out = db;
    return AX_OK;
}

/* Is `have` an SQLite database at all? Its tables are not checked against
 * the schema here: a database may hold only the tables a layout uses (a
 * --db with activities alone renders a layout that reads activities), and
 * what a query reads that the file lacks is an error of that query, at its
 * place in the layout ("no such table: countries"). */
static int is_database(sqlite3 *have, const char *path, ax_diags *diags)
{
    sqlite3_stmt *st;
    int ok = sqlite3_prepare_v2(have, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL) ==
                 SQLITE_OK &&
             sqlite3_step(st) == SQLITE_ROW;
    if (!ok)
        ax_diags_add(diags, AX_ERROR, "bad-db", path, 0, 0, 0, "not an SQLite database: %s",
                     sqlite3_errmsg(have));
    sqlite3_finalize(st);
    return ok;
}

ax_status ax_db_open_file(sqlite3 **out, const char *path, ax_diags *diags)
{
    *out = NULL;
    if (access(path, R_OK) != 0) {
        ax_diags_add(diags, AX_ERROR, "no-file", path, 0, 0, 0, "cannot read the database");
        return AX_ERR_IO;
    }
    sqlite3 *file, *mem;
    if (sqlite3_open_v2(path, &file, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        ax_diags_add(diags, AX_ERROR, "bad-db", path, 0, 0, 0, "cannot open: %s",
                     sqlite3_errmsg(file));
        sqlite3_close(file);
        return AX_ERR_DB;
    }
    if (!is_database(file, path, diags)) {
        sqlite3_close(file);
        return AX_ERR_DB;
    }
    if (open_private(&mem) != SQLITE_OK) {
        sqlite3_close(file);
        return AX_ERR_NOMEM;
    }
    sqlite3_backup *b = sqlite3_backup_init(mem, "main", file, "main");
    int rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
    sqlite3_backup_finish(b);
    sqlite3_close(file);
    if (rc != SQLITE_DONE) {
        ax_diags_add(diags, AX_ERROR, "bad-db", path, 0, 0, 0, "cannot read: %s",
                     sqlite3_errmsg(mem));
        sqlite3_close(mem);
        return AX_ERR_DB;
    }
    /* a database written before the errata layer has no corrections */
    if (ax_db_exec(mem, ax_db_corrections_schema) != AX_OK) {
        sqlite3_close(mem);
        return AX_ERR_DB;
    }
    *out = mem;
    return AX_OK;
}

ax_status ax_db_save(sqlite3 *db, const char *path)
{
    size_t n = strlen(path) + 16;
    char *tmp = ax_malloc(n);
    if (!tmp)
        return AX_ERR_NOMEM;
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    unlink(tmp);
    sqlite3 *file;
    ax_status st = AX_ERR_IO;
    if (sqlite3_open_v2(tmp, &file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) ==
        SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(file, "main", db, "main");
        int rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
        sqlite3_backup_finish(b);
        if (rc == SQLITE_DONE)
            st = AX_OK;
    }
    if (sqlite3_close(file) != SQLITE_OK)
        st = AX_ERR_IO;
    if (st == AX_OK && rename(tmp, path) != 0)
        st = AX_ERR_IO;
    if (st != AX_OK)
        unlink(tmp);
    ax_free(tmp);
    return st;
}
