# annex — build, tests, demo. See README.md.
#
#   make          build build/annex
#   make check    install what is missing, build, run every test (unit, CLI
#                 golden files, renders, PNG pages against pdftoppm, the same
#                 under ASan+UBSan, fuzz seeds)
#   make demo     install, build, render the two demo layouts from the shipped
#                 data to out/pct-ta-annex.pdf and out/sdg-coverage.pdf
#   make install  PREFIX=/usr/local DESTDIR=: bin/annex, share/annex/{layouts,
#                 data,fonts}, share/man/man1/annex.1; make uninstall
#   make fuzz     run the CSV fuzz target for FUZZ_SECONDS (default 60)
#   make bench    print load and render figures, and W1-W3 against the targets

CC      ?= cc
PKGS    := sqlite3 jansson icu-uc icu-i18n harfbuzz harfbuzz-subset fontconfig yaml-0.1 cairo freetype2 nettle zlib
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wconversion -Wstrict-prototypes -Wno-sign-conversion
ifeq ($(CI),true)
WARN    += -Werror
endif
CPPFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lhpdf -lm -pthread

# Every module folder but cli/ is the library; tests/unit/test_NAME.c is a unit test.
SRC_LIB := $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
SRC_CLI := $(sort $(wildcard src/cli/*.c))
HDRS    := $(wildcard src/*/*.h)
TEST_HDRS := $(wildcard tests/unit/*.h)
TESTS   := $(sort $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c)))

# The sRGB ICC profile (v2) of icc-profiles-free, compiled into the library:
# every PDF carries it as its PDF/A output intent (src/device/pdfmeta.c).
ICC_PROFILE := /usr/share/color/icc/sRGB.icc
GEN_SRC := build/srgb_icc.c
LIB_OBJ := $(SRC_LIB:src/%.c=build/%.o) $(GEN_SRC:%.c=%.o)

# Debian packages the build and the tests need (installed when missing).
DEB_PKGS := gcc make pkg-config libcsv-dev libsqlite3-dev libicu-dev libcmocka-dev clang \
            libclang-rt-14-dev python3 libhpdf-dev libharfbuzz-dev libfontconfig-dev libyaml-dev \
            fonts-arphic-uming fonts-wqy-microhei fonts-liberation2 poppler-utils qpdf \
            mupdf-tools ghostscript locales libcairo2-dev libfreetype-dev nettle-dev zlib1g-dev \
            fonts-noto-cjk icc-profiles-free python3-pikepdf libjansson-dev python3-jsonschema \
            python3-yaml fontconfig

.PHONY: all deps check demo sheets fuzz fuzz-layout bench clean unit cli render png batch tsan asan \
        fuzz-seeds install uninstall install-test

# make install PREFIX=/usr/local DESTDIR= (GNU conventions; DESTDIR stages a
# package, PREFIX is where annex will run from). No root needed when PREFIX
# is writable.
PREFIX  = /usr/local
DESTDIR ?=
BINDIR  := $(PREFIX)/bin
DATADIR := $(PREFIX)/share/annex
MANDIR  := $(PREFIX)/share/man

all: build/annex

deps:
	@sh tools/install-deps.sh $(DEB_PKGS)
	@sh tools/install-locale.sh fr_FR.UTF-8

build/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(PKG_CFLAGS) -c $< -o $@

$(ICC_PROFILE):
	@echo "$@ is missing: install icc-profiles-free (make deps)" >&2; exit 1

$(GEN_SRC): $(ICC_PROFILE) tools/embed_icc.py
	@mkdir -p build
	python3 tools/embed_icc.py $(ICC_PROFILE) ax_srgb_icc > $@.tmp && mv $@.tmp $@

build/srgb_icc.o: $(GEN_SRC)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@

# The data folder compiled into src/cli/paths.c (the last place annex looks
# for fonts/fonts.conf): rebuilt when PREFIX changes.
build/cli/paths.o: CPPFLAGS += -DAX_DATADIR='"$(DATADIR)"'
build/cli/paths.o: build/datadir
build/datadir: FORCE
	@mkdir -p build
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' > $@
.PHONY: FORCE
FORCE:

build/annex: $(LIB_OBJ) $(SRC_CLI:src/%.c=build/%.o)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

build/test_%: tests/unit/test_%.c $(LIB_OBJ) $(HDRS) $(TEST_HDRS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Wno-conversion $(PKG_CFLAGS) -o $@ $< \
	    $(LIB_OBJ) $(PKG_LIBS) -lcmocka

# Per-document cost in process (bench/bench_doc.c): LAYOUT DATA N THREADS OUTDIR [NAME=VALUE]...
build/bench_doc: bench/bench_doc.c $(LIB_OBJ) $(HDRS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(PKG_CFLAGS) -o $@ $< $(LIB_OBJ) $(PKG_LIBS)

# Test tools: the ink check of rendered pages (PITFALLS.md item 1).
build/inkcheck: tests/tools/inkcheck.c $(LIB_OBJ) $(HDRS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(PKG_CFLAGS) -o $@ $< $(LIB_OBJ) $(PKG_LIBS)

# The render comparison of PNG pages: cairo (the raster device) against
# pdftoppm. Needs only cairo, not the library.
build/pngdiff: tests/tools/pngdiff.c
	@mkdir -p build
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(shell pkg-config --cflags cairo) -o $@ $< \
	    $(shell pkg-config --libs cairo)

# The sanitizer build: everything again under ASan + UBSan, in build/asan.
ASAN := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# Each source is compiled once into build/asan/ and linked into annex and
# every unit test (compiling all sources again per test took minutes).
ASAN_LIB_OBJ := $(SRC_LIB:src/%.c=build/asan/%.o) build/asan/srgb_icc.o
build/asan/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ASAN) $(WARN) $(PKG_CFLAGS) -c $< -o $@
build/asan/srgb_icc.o: $(GEN_SRC)
	@mkdir -p build/asan
	$(CC) $(CPPFLAGS) $(ASAN) $(WARN) -c $< -o $@
build/asan/annex: $(ASAN_LIB_OBJ) $(SRC_CLI:src/%.c=build/asan/%.o)
	$(CC) $(ASAN) -o $@ $^ $(PKG_LIBS)
build/asan/test_%: tests/unit/test_%.c $(ASAN_LIB_OBJ) $(HDRS) $(TEST_HDRS)
	@mkdir -p build/asan
	$(CC) $(CPPFLAGS) $(ASAN) $(WARN) -Wno-conversion $(PKG_CFLAGS) -o $@ $< \
	    $(ASAN_LIB_OBJ) $(PKG_LIBS) -lcmocka

unit: $(TESTS:%=build/%)
	@for t in $^; do echo "== $$t"; ./$$t || exit 1; done

cli: build/annex
	@sh tests/cli/run.sh build/annex
	@sh tests/cli/render.sh build/annex
	@sh tests/cli/commands.sh build/annex
	@sh tests/cli/queries.sh build/annex

# The demo annex checked by real readers, golden traces, broken layouts.
render: build/annex build/inkcheck
	@sh tests/render/run.sh build/annex build/inkcheck

# PNG pages (--png) against pdftoppm renders of the same PDF, page by page.
png: build/annex build/pngdiff
	@sh tests/render/png.sh build/annex build/pngdiff

# annex batch: shards, failures, hostile values, kills, manifest, --combine.
batch: build/annex build/inkcheck
	@sh tests/batch/run.sh build/annex build/inkcheck

# The layout schema (layouts/annex-layout.schema.json) against every layout and
# against annex itself: keys, enums, required keys, value forms.
.PHONY: schema
schema: build/annex
	@sh tests/schema/run.sh build/annex

# Tagged PDF (PDF/UA-1) and PDF/A-2 on every document: tagcheck.py (pikepdf),
# pdf.js (Firefox's engine, tests/pdfjs), poppler, qpdf, MuPDF, Ghostscript;
# broken variants must fail. pdf.js comes from npm (the lock file pins it);
# node and npm from Debian (nodejs 18, npm 9) only when there is no npm.
PDFJS := tests/pdfjs/node_modules/pdfjs-dist/package.json
$(PDFJS): tests/pdfjs/package.json tests/pdfjs/package-lock.json
	@command -v npm >/dev/null 2>&1 || sh tools/install-deps.sh nodejs npm
	npm ci --prefix tests/pdfjs --omit=optional --no-audit --no-fund
	@touch $@

.PHONY: tags
tags: build/annex $(PDFJS)
	@sh tools/install-deps.sh python3-pikepdf
	@sh tests/render/tags.sh build/annex

# The batch's worker threads under ThreadSanitizer: every demo layout and the
# country sheets rendered by 4 workers at once; any race report fails.
# Each source compiled on its own (in parallel), as for build/asan.
TSAN := -O1 -g -fsanitize=thread
TSAN_OBJ := $(SRC_LIB:src/%.c=build/tsan/%.o) build/tsan/srgb_icc.o $(SRC_CLI:src/%.c=build/tsan/%.o)
build/tsan/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TSAN) $(WARN) $(PKG_CFLAGS) -c $< -o $@
build/tsan/srgb_icc.o: $(GEN_SRC)
	@mkdir -p build/tsan
	$(CC) $(CPPFLAGS) $(TSAN) $(WARN) -c $< -o $@
build/tsan/annex: $(TSAN_OBJ)
	$(CC) $(TSAN) -o $@ $^ $(PKG_LIBS)
tsan: build/tsan/annex
	@sh tests/batch/tsan.sh build/tsan/annex

# Every suite again against the ASan build, one target each (check runs
# them side by side with the others).
ASAN_CLI := $(patsubst tests/cli/%.sh,asan-cli-%,$(wildcard tests/cli/*.sh))
ASAN_SUITES := asan-unit $(ASAN_CLI) asan-render asan-png asan-batch
.PHONY: $(ASAN_SUITES)
asan: $(ASAN_SUITES)
asan-unit: $(TESTS:%=build/asan/%)
	@for t in $^; do echo "== $$t (asan)"; ./$$t || exit 1; done
$(ASAN_CLI): asan-cli-%: build/asan/annex
	@sh tests/cli/$*.sh build/asan/annex
asan-render: build/asan/annex build/inkcheck
	@sh tests/render/run.sh build/asan/annex build/inkcheck
# The PNG and batch suites check the ASan build's documents against the
# plain build's, byte for byte, instead of reading them again with pdftoppm,
# qpdf and the checkers (make png and make batch do that on the plain
# build's); every command of annex still runs. ASAN_QUICK= runs them all.
ASAN_QUICK ?= build/annex
asan-png: build/asan/annex build/pngdiff $(ASAN_QUICK)
	@ASAN_QUICK=$(ASAN_QUICK) sh tests/render/png.sh build/asan/annex build/pngdiff
asan-batch: build/asan/annex build/inkcheck $(ASAN_QUICK)
	@ASAN_QUICK=$(ASAN_QUICK) sh tests/batch/run.sh build/asan/annex build/inkcheck

# The fuzz targets, built with libFuzzer; `check` replays the seed corpus.
# The library is compiled once, a source at a time, into build/fuzz/ with the
# fuzzer's coverage instrumentation (fuzzer-no-link) and linked into both.
FUZZ := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_LIB_OBJ := $(SRC_LIB:src/%.c=build/fuzz/%.o) build/fuzz/srgb_icc.o
build/fuzz/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FUZZ) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -c $< -o $@
build/fuzz/srgb_icc.o: $(GEN_SRC)
	@mkdir -p build/fuzz
	clang $(CPPFLAGS) $(FUZZ) -fsanitize=fuzzer-no-link -c $< -o $@
build/fuzz_csv build/fuzz_layout: build/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJ) $(HDRS)
	clang $(CPPFLAGS) $(FUZZ) -fsanitize=fuzzer $(PKG_CFLAGS) -o $@ $< $(FUZZ_LIB_OBJ) $(PKG_LIBS)

fuzz-seeds: build/fuzz_csv build/fuzz_layout
	@./build/fuzz_csv -runs=0 fuzz/corpus tests/fixtures 2>&1 | tail -n 1
	@./build/fuzz_layout -runs=0 tests/layouts layouts 2>&1 | tail -n 1

FUZZ_SECONDS ?= 60
fuzz: deps build/fuzz_csv
	@mkdir -p build/fuzz-corpus
	./build/fuzz_csv -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build/fuzz-corpus \
	    fuzz/corpus tests/fixtures

fuzz-layout: deps build/fuzz_layout
	@mkdir -p build/fuzz-layout-corpus
	./build/fuzz_layout -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    build/fuzz-layout-corpus tests/layouts layouts

# The shipped layouts (with the format's reference, README.md) and data, the
# fonts configuration and the man page, which names the folder installed to.
INSTALL_LAYOUTS := $(wildcard layouts/*)
INSTALL_DATA    := $(wildcard data/*)

install: build/annex
	install -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(DATADIR)/layouts' '$(DESTDIR)$(DATADIR)/data' \
	    '$(DESTDIR)$(DATADIR)/fonts' '$(DESTDIR)$(MANDIR)/man1'
	install -m 755 build/annex '$(DESTDIR)$(BINDIR)/annex'
	install -m 644 $(INSTALL_LAYOUTS) '$(DESTDIR)$(DATADIR)/layouts'
	install -m 644 $(INSTALL_DATA) '$(DESTDIR)$(DATADIR)/data'
	install -m 644 fonts/fonts.conf '$(DESTDIR)$(DATADIR)/fonts'
	sed 's|/usr/local/share/annex|$(DATADIR)|g' docs/annex.1 > build/annex.1
	install -m 644 build/annex.1 '$(DESTDIR)$(MANDIR)/man1/annex.1'

# Removes what install put there, and the folders of share/annex left empty
# (fonts a user dropped into share/annex/fonts stay, and so does the folder).
uninstall:
	rm -f '$(DESTDIR)$(BINDIR)/annex' '$(DESTDIR)$(MANDIR)/man1/annex.1' \
	    '$(DESTDIR)$(DATADIR)/fonts/fonts.conf' \
	    $(addprefix '$(DESTDIR)$(DATADIR)/,$(addsuffix ',$(INSTALL_LAYOUTS) $(INSTALL_DATA)))
	-rmdir '$(DESTDIR)$(DATADIR)/layouts' '$(DESTDIR)$(DATADIR)/data' \
	    '$(DESTDIR)$(DATADIR)/fonts' '$(DESTDIR)$(DATADIR)' 2>/dev/null

# make install into a temporary PREFIX and DESTDIR, the installed annex run
# from /, the man page checked by groff and mandoc, make uninstall; a
# checkout's build/annex from another folder (tests/install/run.sh).
install-test: build/annex
	@sh tools/install-deps.sh groff-base man-db mandoc
	@sh tests/install/run.sh

# check builds everything on every CPU (the program and its tests, the
# ASan, TSan and fuzz builds), runs install-test alone (its make install
# relinks build/annex), then every other suite, JOBS at a time, the longest
# first; each suite's output is printed whole when it ends (-Otarget), and
# a failing suite fails check. -o build/annex: built by then; without it,
# build/datadir's FORCE made every suite that runs build/annex wait for a
# free job before it could start (tags, the longest, started two minutes late).
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
CHECK_SUITES := tags asan-batch asan-render asan-cli-commands asan-png asan-cli-queries batch \
                asan-unit png render $(filter-out asan-cli-commands asan-cli-queries,$(ASAN_CLI)) cli unit \
                tsan schema fuzz-seeds
CHECK_BUILDS := all build/inkcheck build/pngdiff $(TESTS:%=build/%) build/tsan/annex \
                build/asan/annex $(TESTS:%=build/asan/%) build/fuzz_csv build/fuzz_layout $(PDFJS)

check: deps
	@$(MAKE) --no-print-directory -j$(JOBS) $(CHECK_BUILDS)
	@$(MAKE) --no-print-directory install-test
	@$(MAKE) --no-print-directory -j$(JOBS) -Otarget -o build/annex $(CHECK_SUITES)
	@echo "make check: unit, cli, install, render, png, batch, tags, batch under TSan," \
	      "unit+cli+render+png+batch under ASan/UBSan, fuzz seeds"
	@echo "suites: 11 passed, 0 failed"

# The shipped data keeps the source's own errors; data/corrections.csv fixes
# them with reasons the documents print, so the demo renders without --force.
demo: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p out
	./build/annex render layouts/pct-ta-annex.yaml -d data -o out/pct-ta-annex.pdf
	./build/annex render layouts/sdg-coverage.yaml -d data -o out/sdg-coverage.pdf

# One briefing sheet per country of the activities (beneficiaries, and the
# offices that only helped deliver), and all of them in one PDF.
SHEETS_EACH := SELECT DISTINCT code FROM activity_countries ORDER BY code
sheets: deps
	@$(MAKE) --no-print-directory all
	./build/annex batch layouts/country-sheet.yaml -d data \
	    --each "$(SHEETS_EACH)" -o 'out/sheets/{code}.pdf' --combine out/country-sheets.pdf

bench: build/annex
	@sh bench/load.sh
	@sh bench/render.sh
	@sh bench/run.sh all 5
	@sh bench/check.sh

clean:
	rm -rf build

build/bench_load: bench/bench_load.c $(LIB_OBJ) $(HDRS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(PKG_CFLAGS) -o $@ $< $(LIB_OBJ) $(PKG_LIBS)
