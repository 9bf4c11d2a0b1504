# tenet — build, test and tooling entry points.
#
# Layout convention (so adding a file never needs a Makefile edit):
#   MODULE/*.c            -> build/libMODULE.a   (MODULE in $(MODULES))
#   MODULE/*_main.c       -> program entry points, never in the library
#   cli/*.c               -> build/tenet
#   tests/unit/test_*.c   -> one cmocka binary each, build/tests/test_*
#   tests/fuzz/fuzz_*.c   -> one libFuzzer harness each (make fuzz)

MODULES  := dataplane controlplane tap routing tunnel
PKGS     := libsodium libevent libnl-3.0 libnl-route-3.0 jansson sqlite3
# OpenSSL's ChaCha20-Poly1305 is several times faster than libsodium's on
# x86-64; the transport AEAD uses it when present (tunnel/aead.h).
ifeq ($(shell pkg-config --exists libcrypto 2>/dev/null && echo y),y)
PKGS     += libcrypto
AEAD_DEFS := -DTENET_HAVE_LIBCRYPTO
endif
BUILD    ?= build
CC       ?= cc
OPT      ?= -O2
SANITIZE ?=
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
CFLAGS   ?=
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(OPT) -g -I. $(PKG_CFLAGS) $(AEAD_DEFS) $(SANITIZE)
LDFLAGS  += $(SANITIZE)

lib_srcs  = $(filter-out %_main.c,$(wildcard $(1)/*.c))
LIBS      := $(foreach m,$(MODULES),$(BUILD)/lib$(m).a)
LINK_LIBS := $(LIBS) $(PKG_LIBS)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
UNIT_HELPERS := $(filter-out tests/unit/test_%,$(wildcard tests/unit/*.c))
PROGRAMS  := $(BUILD)/tenet-agent $(BUILD)/tenet
ifneq ($(wildcard controlplane/controller_main.c),)
PROGRAMS  += $(BUILD)/tenet-controller
endif

.PHONY: all check unit asan asan-build fuzz fuzz-build deps demo demo-down demo-tun demo-tun-down bench clean
all: $(PROGRAMS) $(UNIT_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

define module_lib
$(BUILD)/lib$(1).a: $(patsubst %.c,$(BUILD)/obj/%.o,$(call lib_srcs,$(1)))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call module_lib,$(m))))

$(BUILD)/tenet-agent: $(BUILD)/obj/dataplane/agent_main.o $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $< $(LINK_LIBS)
$(BUILD)/tenet-controller: $(BUILD)/obj/controlplane/controller_main.o $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $< $(LINK_LIBS)
$(BUILD)/tenet: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard cli/*.c)) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LINK_LIBS)
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(patsubst %.c,$(BUILD)/obj/%.o,$(UNIT_HELPERS)) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LINK_LIBS) -lcmocka

BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
$(BUILD)/bench/%: bench/%.c $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LINK_LIBS)

# Tests -------------------------------------------------------------------
deps:
	@scripts/install-deps.sh --if-missing

unit: all
	@tests/run.sh --unit $(BUILD)

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory asan-build
	@$(MAKE) --no-print-directory fuzz-build
	@tests/run.sh --all $(BUILD)

asan-build:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
	    SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" all
asan: deps asan-build
	@tests/run.sh --unit build-asan

# Fuzzing (clang + libFuzzer) --------------------------------------------
FUZZ_SECONDS ?= 60
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRCS))
fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT=-O1 \
	    SANITIZE="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" fuzz-bins
fuzz-bins: $(LIBS) $(FUZZ_BINS)
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIBS)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(LINK_LIBS)
fuzz: deps fuzz-build
	@tests/run.sh --fuzz $(FUZZ_SECONDS)

# Demo and benchmarks -----------------------------------------------------
demo: deps all
	@TENET_BUILD=$(BUILD) examples/quickstart.sh up
demo-down:
	@TENET_BUILD=$(BUILD) examples/quickstart.sh down
demo-tun: deps all
	@examples/tun-quickstart.sh up
demo-tun-down:
	@examples/tun-quickstart.sh down
bench: deps all $(BENCH_BINS)
	@bench/run.sh

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
