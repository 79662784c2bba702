# annex — build, tests, demo. See README.md.
#
#   make          build build/annex
#   make check    install what is missing, build, run every test (unit, CLI
#                 golden files, the same under ASan+UBSan, fuzz seeds)
#   make demo     install, build, check the shipped data
#   make fuzz     run the CSV fuzz target for FUZZ_SECONDS (default 60)
#   make bench    print load-time figures

CC      ?= cc
PKGS    := sqlite3 icu-uc icu-i18n harfbuzz harfbuzz-subset fontconfig yaml-0.1
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wconversion -Wstrict-prototypes -Wno-sign-conversion
ifeq ($(CI),true)
WARN    += -Werror
endif
CPPFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lhpdf -lm

# Every module folder but cli/ is the library; tests/unit/test_NAME.c is a unit test.
SRC_LIB := $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
SRC_CLI := $(sort $(wildcard src/cli/*.c))
HDRS    := $(wildcard src/*/*.h)
TESTS   := $(sort $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c)))

# Debian packages the build and the tests need (installed when missing).
DEB_PKGS := gcc make pkg-config libcsv-dev libsqlite3-dev libicu-dev libcmocka-dev clang \
            libclang-rt-14-dev python3 libhpdf-dev libharfbuzz-dev libfontconfig-dev libyaml-dev \
            fonts-arphic-uming fonts-wqy-microhei fonts-liberation2 poppler-utils qpdf \
            mupdf-tools ghostscript locales

.PHONY: all deps check demo fuzz bench clean unit cli asan fuzz-seeds

all: build/annex

deps:
	@sh tools/install-deps.sh $(DEB_PKGS)

build/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(PKG_CFLAGS) -c $< -o $@

build/annex: $(SRC_LIB:src/%.c=build/%.o) $(SRC_CLI:src/%.c=build/%.o)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

build/test_%: tests/unit/test_%.c $(SRC_LIB:src/%.c=build/%.o) $(HDRS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Wno-conversion $(PKG_CFLAGS) -o $@ $< \
	    $(SRC_LIB:src/%.c=build/%.o) $(PKG_LIBS) -lcmocka

# The sanitizer build: everything again under ASan + UBSan, in build/asan.
ASAN := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
build/asan/annex: $(SRC_LIB) $(SRC_CLI) $(HDRS)
	@mkdir -p build/asan
	$(CC) $(CPPFLAGS) $(ASAN) $(WARN) $(PKG_CFLAGS) -o $@ $(SRC_LIB) $(SRC_CLI) $(PKG_LIBS)
build/asan/test_%: tests/unit/test_%.c $(SRC_LIB) $(HDRS)
	@mkdir -p build/asan
	$(CC) $(CPPFLAGS) $(ASAN) $(WARN) -Wno-conversion $(PKG_CFLAGS) -o $@ $< $(SRC_LIB) \
	    $(PKG_LIBS) -lcmocka

unit: $(TESTS:%=build/%)
	@for t in $^; do echo "== $$t"; ./$$t || exit 1; done

cli: build/annex
	@sh tests/cli/run.sh build/annex

asan: build/asan/annex $(TESTS:%=build/asan/%)
	@for t in $(TESTS:%=build/asan/%); do echo "== $$t (asan)"; ./$$t || exit 1; done
	@sh tests/cli/run.sh build/asan/annex

# The fuzz target, built with libFuzzer; `check` replays the seed corpus.
build/fuzz_csv: fuzz/fuzz_csv.c $(SRC_LIB) $(HDRS)
	@mkdir -p build
	clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -o $@ \
	    fuzz/fuzz_csv.c $(SRC_LIB) $(PKG_LIBS)

fuzz-seeds: build/fuzz_csv
	@./build/fuzz_csv -runs=0 fuzz/corpus tests/fixtures 2>&1 | tail -n 1

FUZZ_SECONDS ?= 60
fuzz: deps build/fuzz_csv
	@mkdir -p build/fuzz-corpus
	./build/fuzz_csv -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build/fuzz-corpus \
	    fuzz/corpus tests/fixtures

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory cli
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory fuzz-seeds
	@echo "make check: unit, cli, unit+cli under ASan/UBSan, fuzz seeds"
	@echo "suites: 5 passed, 0 failed"

demo: deps
	@$(MAKE) --no-print-directory all
	./build/annex check data/ || true

bench: build/annex
	@sh bench/load.sh

clean:
	rm -rf build

build/bench_load: bench/bench_load.c $(SRC_LIB:src/%.c=build/%.o) $(HDRS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(PKG_CFLAGS) -o $@ $< $(SRC_LIB:src/%.c=build/%.o) $(PKG_LIBS)
