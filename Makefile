# ktriage: plain make + pkg-config. Objects and binaries live under $(BUILD).
# `make demo` and `make check` install missing Debian build dependencies
# first (see tools/deps.sh); `make` alone only builds.

VERSION  = 0.1.0
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=
BUILD   ?= build

CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=

# Warnings are kept apart from CFLAGS, so `make CFLAGS=-O0` keeps them.
WARNINGS = -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 \
	   -Wwrite-strings -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	   -Wundef
ifeq ($(DEVELOPER),1)
WARNINGS += -Werror
endif

PKGS      = libpcre2-8 yaml-0.1 zlib libcjson libcrypto
PKG_CONFIG ?= pkg-config
# Optional accelerators, used when pkg-config finds them at build time:
# Hyperscan's API (Vectorscan or Hyperscan, libhs) as the multi-literal
# scanner and ISA-L (libisal) for inflate. NO_HS=1 / NO_ISAL=1 build the
# base configuration (Aho-Corasick and zlib), which `make check-base` tests.
OPT_DEFS :=
ifneq ($(NO_HS),1)
ifeq ($(shell $(PKG_CONFIG) --exists libhs 2>/dev/null && echo y),y)
PKGS     += libhs
OPT_DEFS += -DHAVE_HYPERSCAN=1
endif
endif
ifneq ($(NO_ISAL),1)
ifeq ($(shell $(PKG_CONFIG) --exists libisal 2>/dev/null && echo y),y)
PKGS     += libisal
OPT_DEFS += -DHAVE_ISAL=1
endif
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) $(OPT_DEFS)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

ALL_CPPFLAGS = -D_GNU_SOURCE -DKTRIAGE_VERSION='"$(VERSION)"' -Ianalyzer \
	       -I$(BUILD) $(PKG_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS   = $(WARNINGS) $(CFLAGS)
ALL_LIBS     = $(PKG_LIBS) -lm $(LIBS)

LIB_SRC  := $(filter-out analyzer/main.c,$(sort $(wildcard analyzer/*.c)))
LIB_OBJ  := $(LIB_SRC:analyzer/%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/main.o $(BUILD)/obj/rules_embedded.o
RULE_FILES := $(sort $(wildcard rules/*.yaml))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps demo check check-base test unit e2e asan tsan fuzz bench install uninstall clean

all: $(BUILD)/ktriage $(BUILD)/flags

# The flags this build was made with, for scripts that link the library
# (tests/fuzz/regress.sh): line 1 the compile flags, line 2 the libraries.
$(BUILD)/flags: $(BUILD)/libktriage.a
	@printf '%s\n%s\n' '$(PKG_CFLAGS)' '$(ALL_LIBS)' > $@

$(BUILD)/ktriage: $(MAIN_OBJ) $(BUILD)/libktriage.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(BUILD)/libktriage.a $(ALL_LIBS)

$(BUILD)/libktriage.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/obj/%.o: analyzer/%.c | $(BUILD)/obj
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The default rule pack is compiled into the binary: no run-time lookup.
$(BUILD)/embed: tools/embed.c | $(BUILD)/obj
	$(CC) -O1 -o $@ $<

$(BUILD)/rules_embedded.c: $(BUILD)/embed $(RULE_FILES)
	$(BUILD)/embed $(RULE_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/rules_embedded.o: $(BUILD)/rules_embedded.c
	$(CC) $(ALL_CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Tests see the library's structs: rebuild them when any header changes.
$(BUILD)/tests/%: tests/unit/%.c $(wildcard analyzer/*.h tests/unit/*.h tests/*.h) $(BUILD)/libktriage.a $(BUILD)/obj/rules_embedded.o | $(BUILD)/tests
	$(CC) $(ALL_CPPFLAGS) $(CMOCKA_CFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes \
		$(LDFLAGS) -o $@ $< $(BUILD)/obj/rules_embedded.o $(BUILD)/libktriage.a \
		$(CMOCKA_LIBS) $(ALL_LIBS)

$(BUILD)/obj $(BUILD)/tests:
	@mkdir -p $@

deps:
	@sh tools/deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@echo "== ktriage samples/support-bundle.tar.gz =="
	@$(BUILD)/ktriage --fail-on none samples/support-bundle.tar.gz

unit: $(UNIT_BIN)

# Every test: unit tests, end-to-end golden tests, rule self-tests.
test: all unit
	@FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) sh tests/run.sh $(BUILD)

check: deps
	@$(MAKE) --no-print-directory test

# The base configuration, without the optional libraries (Aho-Corasick and
# zlib): every test again, in its own build directory.
check-base: deps
	@$(MAKE) --no-print-directory BUILD=build-base NO_HS=1 NO_ISAL=1 \
		FUZZ_SMOKE_SECONDS=0 test

# Side-by-side benchmark against ripgrep and grep (BENCH_LOG_MB, BENCH_DUMP_MB).
bench: all
	@sh tools/bench.sh $(BUILD)

# libFuzzer targets in tests/fuzz/, each for FUZZ_SECONDS (needs clang).
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
fuzz:
	@sh tools/fuzz.sh $(FUZZ_SECONDS)

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" FUZZ_SMOKE_SECONDS=0 test

# ThreadSanitizer over the reader thread and the analysis (tools/tsan.sh).
tsan:
	@$(MAKE) --no-print-directory BUILD=build-tsan \
		CFLAGS="-O1 -g -fsanitize=thread" LDFLAGS="-fsanitize=thread" \
		build-tsan/ktriage build-tsan/tests/test_feed \
		build-tsan/tests/test_pqueue build-tsan/tests/test_analyze
	@sh tools/tsan.sh build-tsan

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(BUILD)/ktriage $(DESTDIR)$(BINDIR)/ktriage
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 644 docs/ktriage.1 $(DESTDIR)$(MANDIR)/man1/ktriage.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ktriage $(DESTDIR)$(MANDIR)/man1/ktriage.1

clean:
	rm -rf build build-base build-asan build-tsan build-fuzz build-bench

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/main.d
