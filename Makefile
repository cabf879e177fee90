# replicer-hooks: build, test, demo and install. See README.md.
# Honours PREFIX, LIBDIR, INCLUDEDIR, BINDIR, DESTDIR, CC, CXX, CFLAGS,
# LDFLAGS; SANITIZE=address,undefined builds an instrumented tree in build/san.

VERSION := $(shell sed -n 's/^\#define RH_VERSION_STRING "\(.*\)"/\1/p' include/replicer-hooks/rh_version.h)
ABI := 0

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

CC ?= cc
CXX ?= c++
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config

ifneq ($(SANITIZE),)
BUILD ?= build/san
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD ?= build
SAN_FLAGS :=
endif

DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcurl jansson 2>/dev/null)
DEP_LIBS := $(shell $(PKG_CONFIG) --libs libcurl jansson 2>/dev/null)
MBED_LIBS := $(shell $(PKG_CONFIG) --libs mbedcrypto 2>/dev/null || echo -lmbedcrypto)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
BASE_CFLAGS := -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude $(DEP_CFLAGS) $(WARN) $(SAN_FLAGS)
# lib/ in floors, bottom up: each folder's files include and call only
# their own folder's and lower ones' (scripts/check-layers.py, in make check)
LIB_LAYERS := base crypto store net storage storage/memory context catalog endpoint engine portal
LIB_INC := -Ilib $(addprefix -Ilib/,$(LIB_LAYERS))
LIB_CFLAGS := $(BASE_CFLAGS) $(LIB_INC) -fPIC -fvisibility=hidden -pthread
LIBS := $(DEP_LIBS) $(MBED_LIBS) -pthread
# The HTTPS test receiver only; the library never links OpenSSL itself.
TEST_LIBS := $(shell $(PKG_CONFIG) --libs openssl libnghttp2 2>/dev/null || echo -lssl -lcrypto -lnghttp2)

SQLITE_CFLAGS := $(shell $(PKG_CONFIG) --cflags sqlite3 2>/dev/null)
SQLITE_LIBS := $(shell $(PKG_CONFIG) --libs sqlite3 2>/dev/null || echo -lsqlite3)

# The PostgreSQL adapter is built when libpq is present (scripts/deps.sh
# installs it on Debian).
PG_AVAILABLE := $(shell $(PKG_CONFIG) --exists libpq 2>/dev/null && echo 1)
PG_CFLAGS := $(shell $(PKG_CONFIG) --cflags libpq 2>/dev/null)
PG_LIBS := $(shell $(PKG_CONFIG) --libs libpq 2>/dev/null)

# the memory store is a storage backend like the adapters, but in the core
# library (it is the default)
LIB_SRC := $(foreach d,base crypto store net context catalog endpoint engine portal,$(wildcard lib/$(d)/*.c)) \
	$(wildcard lib/storage/memory/*.c)
# the private headers: rh_internal.h and one per module that shares a struct
LIB_HDR := $(wildcard lib/*.h lib/*/*.h lib/storage/memory/*.h)
LIB_OBJ := $(patsubst lib/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
# the portal's templates, CSS and script, built in as C arrays
PORTAL_ASSETS := $(wildcard lib/portal/assets/*)
ASSETS_C := $(BUILD)/gen/rh_portal_assets.c
LIB_OBJ += $(BUILD)/obj/gen/rh_portal_assets.o
HEADERS := $(wildcard include/replicer-hooks/*.h)
SYS_HEADERS := $(wildcard include/replicer-hooks/sys/*.h)
SONAME := libreplicer-hooks.so.$(ABI)
SHARED := $(BUILD)/$(SONAME)
STATIC := $(BUILD)/libreplicer-hooks.a
SQLITE_SONAME := libreplicer-hooks-sqlite.so.$(ABI)
SQLITE_SHARED := $(BUILD)/$(SQLITE_SONAME)
SQLITE_STATIC := $(BUILD)/libreplicer-hooks-sqlite.a
SQLITE_SRC := $(wildcard lib/storage/sqlite/*.c)
SQLITE_OBJ := $(patsubst lib/%.c,$(BUILD)/obj/%.o,$(SQLITE_SRC))
PG_SONAME := libreplicer-hooks-pg.so.$(ABI)
PG_SHARED := $(BUILD)/$(PG_SONAME)
PG_STATIC := $(BUILD)/libreplicer-hooks-pg.a
PG_SRC := $(wildcard lib/storage/pg/*.c)
PG_OBJ := $(patsubst lib/%.c,$(BUILD)/obj/%.o,$(PG_SRC))
ifeq ($(PG_AVAILABLE),1)
PG_LIBS_ALL := $(PG_SHARED) $(PG_STATIC)
PG_LINK := $(PG_STATIC) $(PG_LIBS)
PG_DEFINE := -DRH_HAVE_PG
else
PG_LIBS_ALL :=
PG_LINK :=
PG_DEFINE :=
endif
TOOL := $(BUILD)/replicer-hooks
UV_AVAILABLE := $(shell $(PKG_CONFIG) --exists libuv 2>/dev/null && echo 1)
EXAMPLES := $(BUILD)/example-basic $(BUILD)/example-outbox $(BUILD)/demo \
    $(if $(UV_AVAILABLE),$(BUILD)/example-libuv,)
TEST_SRC := $(wildcard tests/test_*.c) tests/rh_test.c tests/sink.c tests/tls_sink.c tests/h2_sink.c tests/portal_util.c tests/backends.c \
    tests/serve_util.c tests/rh_runner.c
TEST_BIN := $(BUILD)/test-runner
# The test runner links the library's objects with its own build of
# rh_http.c, which alone has the test resolver (RH_TEST_HOOKS): the shipped
# libraries never carry it.
TEST_LIB_OBJ := $(filter-out $(BUILD)/obj/net/rh_http.o,$(LIB_OBJ)) $(BUILD)/obj/rh_http_test_hooks.o

.PHONY: all check check-headers check-symbols check-sizes demo install uninstall clean \
        format deps valgrind race examples interop browser-deps bench bench-node bench-instructions fuzz fuzz-replay fuzz-deps constants check-constants man api-index check-api-index check-binding-surface node-binding-deps node-types-deps python-package node-package

all: $(SHARED) $(STATIC) $(SQLITE_SHARED) $(SQLITE_STATIC) $(PG_LIBS_ALL) $(TOOL) $(EXAMPLES)

deps:
	@sh scripts/deps.sh

$(BUILD)/obj/%.o: lib/%.c $(LIB_HDR) $(HEADERS) $(SYS_HEADERS) | $(BUILD)/obj
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) $(CFLAGS) -c $< -o $@

$(ASSETS_C): $(PORTAL_ASSETS) scripts/embed-assets.py
	@mkdir -p $(@D)
	python3 scripts/embed-assets.py $@ $(PORTAL_ASSETS)

$(BUILD)/obj/gen/rh_portal_assets.o: $(ASSETS_C) lib/portal/rh_portal_tpl.h
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/obj:
	mkdir -p $@

# Backends sit on the public storage seam: they see only include/, the
# header the backends share and their own folder, so that reaching into
# the library's private headers fails to compile.
SEAM_CFLAGS := $(BASE_CFLAGS) -Ilib/storage -fPIC -fvisibility=hidden
$(filter $(BUILD)/obj/storage/%,$(LIB_OBJ)) $(SQLITE_OBJ) $(PG_OBJ): LIB_CFLAGS := $(SEAM_CFLAGS)

$(SHARED): $(LIB_OBJ) lib/libreplicer-hooks.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=lib/libreplicer-hooks.map \
	    $(SAN_FLAGS) $(LDFLAGS) -o $@ $(LIB_OBJ) $(LIBS)
	ln -sf $(SONAME) $(BUILD)/libreplicer-hooks.so

$(STATIC): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

# The SQLite adapter is its own library: the core never links SQLite.
$(SQLITE_OBJ): $(BUILD)/obj/%.o: lib/%.c lib/storage/rh_adapter.h lib/storage/sqlite/rh_sqlite_store.h $(HEADERS) $(SYS_HEADERS) | $(BUILD)/obj
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) $(SQLITE_CFLAGS) $(CFLAGS) -c $< -o $@

# $ORIGIN: an adapter loads on its own, finding the core beside it.
$(SQLITE_SHARED): $(SQLITE_OBJ) $(SHARED) lib/storage/sqlite/libreplicer-hooks-sqlite.map
	$(CC) -shared -Wl,-soname,$(SQLITE_SONAME) -Wl,--version-script=lib/storage/sqlite/libreplicer-hooks-sqlite.map \
	    -Wl,-rpath,'$$ORIGIN' \
	    $(SAN_FLAGS) $(LDFLAGS) -o $@ $(SQLITE_OBJ) -L$(BUILD) -lreplicer-hooks $(SQLITE_LIBS)
	ln -sf $(SQLITE_SONAME) $(BUILD)/libreplicer-hooks-sqlite.so

$(SQLITE_STATIC): $(SQLITE_OBJ)
	rm -f $@
	ar rcs $@ $(SQLITE_OBJ)

# The PostgreSQL adapter, likewise its own library: the core never links libpq.
$(PG_OBJ): $(BUILD)/obj/%.o: lib/%.c lib/storage/rh_adapter.h lib/storage/pg/rh_pg_store.h $(HEADERS) $(SYS_HEADERS) | $(BUILD)/obj
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) $(PG_CFLAGS) $(CFLAGS) -c $< -o $@

$(PG_SHARED): $(PG_OBJ) $(SHARED) lib/storage/pg/libreplicer-hooks-pg.map
	$(CC) -shared -Wl,-soname,$(PG_SONAME) -Wl,--version-script=lib/storage/pg/libreplicer-hooks-pg.map \
	    -Wl,-rpath,'$$ORIGIN' \
	    $(SAN_FLAGS) $(LDFLAGS) -o $@ $(PG_OBJ) -L$(BUILD) -lreplicer-hooks $(PG_LIBS)
	ln -sf $(PG_SONAME) $(BUILD)/libreplicer-hooks-pg.so

$(PG_STATIC): $(PG_OBJ)
	rm -f $@
	ar rcs $@ $(PG_OBJ)

# Programs link the static library so that they run from the tree. The
# tool alone links libmicrohttpd (listen, dashboard, worker --metrics).
TOOL_SRC := $(wildcard tools/replicer-hooks/*.c)
TOOL_HDR := $(wildcard tools/replicer-hooks/*.h)
MHD_CFLAGS := $(shell $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS := $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
$(TOOL): $(TOOL_SRC) $(TOOL_HDR) $(STATIC) $(SQLITE_STATIC) $(PG_LIBS_ALL) $(HEADERS) $(SYS_HEADERS)
	$(CC) $(BASE_CFLAGS) $(MHD_CFLAGS) $(PG_DEFINE) $(CFLAGS) -pthread -o $@ $(TOOL_SRC) $(PG_LINK) $(SQLITE_STATIC) $(STATIC) \
	    $(SQLITE_LIBS) $(MHD_LIBS) $(LIBS) $(SAN_FLAGS) $(LDFLAGS)

$(BUILD)/example-basic: examples/basic.c $(STATIC) $(HEADERS) $(SYS_HEADERS)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $< $(STATIC) $(LIBS) $(SAN_FLAGS) $(LDFLAGS)

$(BUILD)/example-outbox: examples/outbox.c $(STATIC) $(SQLITE_STATIC) $(HEADERS) $(SYS_HEADERS)
	$(CC) $(BASE_CFLAGS) $(SQLITE_CFLAGS) $(CFLAGS) -o $@ $< $(SQLITE_STATIC) $(STATIC) $(SQLITE_LIBS) $(LIBS) $(SAN_FLAGS) $(LDFLAGS)

$(BUILD)/example-libuv: examples/libuv.c $(STATIC) $(HEADERS) $(SYS_HEADERS)
	$(CC) $(BASE_CFLAGS) $(shell $(PKG_CONFIG) --cflags libuv) $(CFLAGS) -o $@ $< $(STATIC) \
	    $(shell $(PKG_CONFIG) --libs libuv) $(LIBS) $(SAN_FLAGS) $(LDFLAGS)

$(BUILD)/demo: examples/demo.c examples/receiver.c examples/receiver.h $(STATIC) $(HEADERS) $(SYS_HEADERS)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -pthread -o $@ examples/demo.c examples/receiver.c \
	    $(STATIC) $(LIBS) $(SAN_FLAGS) $(LDFLAGS)

examples: $(EXAMPLES) $(TOOL)

$(BUILD)/obj/rh_http_test_hooks.o: lib/net/rh_http.c $(LIB_HDR) $(HEADERS) $(SYS_HEADERS) | $(BUILD)/obj
	$(CC) $(LIB_CFLAGS) -DRH_TEST_HOOKS $(CFLAGS) -c $< -o $@

$(TEST_BIN): $(TEST_SRC) tests/rh_test.h tests/sink.h tests/tls_sink.h tests/h2_sink.h tests/portal_util.h tests/backends.h tests/serve_util.h $(TEST_LIB_OBJ) $(SQLITE_STATIC) $(PG_LIBS_ALL) $(HEADERS) $(SYS_HEADERS) $(LIB_HDR)
	$(CC) $(BASE_CFLAGS) $(SQLITE_CFLAGS) $(PG_CFLAGS) $(PG_DEFINE) -DRH_TEST_HOOKS -Itests $(LIB_INC) $(CFLAGS) -pthread -o $@ $(TEST_SRC) \
	    $(PG_LINK) $(SQLITE_STATIC) $(TEST_LIB_OBJ) $(SQLITE_LIBS) $(LIBS) $(TEST_LIBS) $(SAN_FLAGS) $(LDFLAGS)

# The public headers alone, as C99 -pedantic and as C++, with -Werror.
check-headers: | $(BUILD)/obj
	$(CC) -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -c tests/headers.c -o $(BUILD)/obj/headers_c.o
	$(CXX) -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude -x c++ -c tests/headers.c -o $(BUILD)/obj/headers_cxx.o

# bindings/constants.json (what a binding reads instead of copying the
# headers' numbers) must be what the headers say: regenerated and compared,
# and each value compiled against the headers.
constants:
	python3 scripts/gen-constants.py include bindings/constants.json
	cp bindings/constants.json bindings/python/replicer_hooks/constants.json
	cp bindings/constants.json bindings/node/constants.json
	python3 scripts/gen-pyi-constants.py bindings/constants.json bindings/python/replicer_hooks/__init__.pyi

check-constants: | $(BUILD)/obj
	@python3 scripts/gen-constants.py include $(BUILD)/constants.json $(BUILD)/constants_check.c
	@$(CC) -std=c99 -pedantic -Wall -Werror -Wno-unused-local-typedefs -Iinclude \
	    -c $(BUILD)/constants_check.c -o $(BUILD)/obj/constants_check.o
	@for copy in bindings/python/replicer_hooks/constants.json bindings/node/constants.json; do \
	    cmp -s bindings/constants.json $$copy || { \
	    echo "$$copy is not bindings/constants.json: run make constants" >&2; exit 1; }; done
	@cmp -s $(BUILD)/constants.json bindings/constants.json || { \
	    diff -u bindings/constants.json $(BUILD)/constants.json; \
	    echo "bindings/constants.json is out of date with the headers: run make constants"; exit 1; }

# Man pages from the headers' comments (one per exported function) and from
# the tool's help; gen-man fails when a symbol has no documented declaration.
MANDIR ?= $(PREFIX)/share/man
man: $(TOOL)
	@rm -rf $(BUILD)/man
	@python3 scripts/gen-man.py include $(BUILD)/man $(VERSION) $(TOOL) \
	    docs/symbols.txt docs/symbols-sqlite.txt docs/symbols-pg.txt

api-index: man
	python3 scripts/api-index.py --write $(BUILD)/man/api-index.md docs/api.md

check-api-index: man
	@python3 scripts/api-index.py --check $(BUILD)/man/api-index.md docs/api.md

# The exported symbols of each library must be exactly its list in docs/.
check-symbols: $(SHARED) $(SQLITE_SHARED) $(PG_LIBS_ALL)
	@sh scripts/check-symbols.sh $(SHARED) docs/symbols.txt
	@sh scripts/check-symbols.sh $(SQLITE_SHARED) docs/symbols-sqlite.txt
	@if [ -n "$(PG_LIBS_ALL)" ]; then sh scripts/check-symbols.sh $(PG_SHARED) docs/symbols-pg.txt; fi

# No library file over 600 lines, no function over 80 (docs/design.md).
check-sizes:
	@python3 scripts/check-sizes.py lib
	@python3 scripts/check-layers.py lib

check: deps
	@$(MAKE) --no-print-directory all $(TEST_BIN) check-headers check-symbols check-sizes check-constants check-api-index check-binding-surface browser-deps node-binding-deps node-types-deps
	RH_TOOL=$(TOOL) RH_BROWSER_DIR=$(BROWSER_DIR) \
	    RH_PYTHON_LIB_DIR=$(if $(SANITIZE),,$(CURDIR)/$(BUILD)) RH_MAN_DIR=$(BUILD)/man \
	    RH_NODE_BINDING_DIR=$(if $(SANITIZE),,$(CURDIR)/$(NODE_BINDING_DIR)) \
	    RH_NODE_TYPES_DIR=$(if $(SANITIZE),,$(CURDIR)/$(NODE_TYPES_DIR)) \
	    sh scripts/with-pg.sh $(TEST_BIN) $(TESTS)

# Every public call is in a binding or in bindings/surface.txt with why
# not (loaded into Python: the plain build's library only).
check-binding-surface: $(SHARED)
	@$(if $(SANITIZE),echo "check-binding-surface: in the plain build only",python3 scripts/check-binding-surface.py $(BUILD))

# The dashboard's browser test: playwright-core from the npm registry at the
# committed lockfile's version, driving Debian's Chromium. Without node, npm
# or chromium the test is counted as skipped (.ci/run installs them).
BROWSER_DIR := build/browser
browser-deps:
	@if command -v node >/dev/null && command -v npm >/dev/null && \
	    [ -x "$${RH_CHROMIUM:-/usr/bin/chromium}" ]; then \
	    mkdir -p $(BROWSER_DIR) && \
	    cp tests/browser/package.json tests/browser/package-lock.json \
	        tests/browser/dashboard.mjs tests/browser/portal.mjs $(BROWSER_DIR)/ && \
	    { cmp -s tests/browser/package-lock.json $(BROWSER_DIR)/.installed-lock || \
	      { (cd $(BROWSER_DIR) && npm ci --no-audit --no-fund --silent) && \
	        cp tests/browser/package-lock.json $(BROWSER_DIR)/.installed-lock; } || \
	      echo "playwright-core could not be installed: the browser test is skipped"; }; \
	else echo "node, npm or chromium is missing: the browser test is skipped"; fi

# The Node binding's tests: koffi from the npm registry at the committed
# lockfile's version, in a copy under build/ (skipped without node and npm).
NODE_BINDING_DIR := build/node-binding
node-binding-deps:
	@if command -v node >/dev/null && command -v npm >/dev/null; then \
	    mkdir -p $(NODE_BINDING_DIR)/test && \
	    cp bindings/node/package.json bindings/node/package-lock.json \
	        bindings/node/index.mjs bindings/node/*.cjs $(NODE_BINDING_DIR)/ && \
	    cp bindings/node/test/*.mjs $(NODE_BINDING_DIR)/test/ && \
	    { cmp -s bindings/node/package-lock.json $(NODE_BINDING_DIR)/.installed-lock || \
	      { (cd $(NODE_BINDING_DIR) && npm ci --no-audit --no-fund --silent) && \
	        cp bindings/node/package-lock.json $(NODE_BINDING_DIR)/.installed-lock; } || \
	      echo "koffi could not be installed: the Node binding test is skipped"; }; \
	else echo "node or npm is missing: the Node binding test is skipped"; fi

# The Node declarations' check: typescript and @types/node from the npm
# registry at bindings/node/types-test's lockfile, in build/node-types
# (skipped without node and npm; the test then says skip).
NODE_TYPES_DIR := build/node-types
node-types-deps:
	@if command -v node >/dev/null && command -v npm >/dev/null; then \
	    mkdir -p $(NODE_TYPES_DIR) && \
	    cp bindings/node/types-test/package.json bindings/node/types-test/package-lock.json $(NODE_TYPES_DIR)/ && \
	    { cmp -s bindings/node/types-test/package-lock.json $(NODE_TYPES_DIR)/.installed-lock || \
	      { (cd $(NODE_TYPES_DIR) && npm ci --no-audit --no-fund --silent) && \
	        cp bindings/node/types-test/package-lock.json $(NODE_TYPES_DIR)/.installed-lock; } || \
	      echo "typescript could not be installed: the declarations' check is skipped"; }; \
	else echo "node or npm is missing: the declarations' check is skipped"; fi

# The bindings as users install them, under build/: the Python sdist
# (pip install build/python-dist/replicer-hooks-*.tar.gz) and the npm
# tarball (npm install build/node-dist/replicer-hooks-*.tgz). make install
# installs the C library only; each package finds it on the loader's path
# or in $REPLICER_HOOKS_LIB_DIR.
python-package:
	@sh scripts/python-package.sh build/python-dist
node-package:
	@sh scripts/node-package.sh build/node-dist

valgrind: deps
	@$(MAKE) --no-print-directory $(TEST_BIN) $(TOOL)
	RH_TEST_VALGRIND=1 RH_TOOL=$(TOOL) sh scripts/with-pg.sh valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    --quiet $(TEST_BIN) $(TESTS)

# The emitter's threads under ThreadSanitizer (a data race is a failure):
# the test runner and the tool built into build/tsan, the emitter's suites
# run (64 threads on SQLite and PostgreSQL, groups, a SIGKILL).
race: deps
	@$(MAKE) --no-print-directory BUILD=build/tsan SANITIZE=thread build/tsan/test-runner build/tsan/replicer-hooks
	TSAN_OPTIONS="halt_on_error=1" RH_TOOL=build/tsan/replicer-hooks \
	    sh scripts/with-pg.sh build/tsan/test-runner emitter__

# Our requests checked by the Standard Webhooks reference library for Node
# (needs node and npm, and the npm registry; CI runs it).
$(BUILD)/interop-capture: tests/interop/capture.c tests/sink.c tests/sink.h $(STATIC) $(HEADERS) $(SYS_HEADERS)
	$(CC) $(BASE_CFLAGS) -Itests $(CFLAGS) -pthread -o $@ tests/interop/capture.c tests/sink.c \
	    $(STATIC) $(LIBS) $(SAN_FLAGS) $(LDFLAGS)

interop: deps $(BUILD)/interop-capture
	mkdir -p $(BUILD)/interop
	cp tests/interop/package.json tests/interop/verify.mjs $(BUILD)/interop/
	cd $(BUILD)/interop && npm install --no-audit --no-fund --silent
	$(BUILD)/interop-capture $(BUILD)/interop/requests.jsonl
	node $(BUILD)/interop/verify.mjs $(BUILD)/interop/requests.jsonl
	python3 tests/interop/snippets.py docs/receiving.md $(BUILD)/interop/requests.jsonl

# Figures, not pass/fail: always -O2 and no sanitizers, in build/bench.
BENCH_BIN := build/bench/bench
BENCH_PG := $(if $(PG_LIBS_ALL),build/bench/libreplicer-hooks-pg.a,)
$(BENCH_BIN): tests/bench/bench.c tests/bench/bench.h tests/bench/bench_tls.c tests/bench/bench_tenant.c tests/bench/bench_queue.c tests/bench/bench_emitter.c tests/bench/fastsink.c tests/bench/fastsink.h tests/sink.c tests/sink.h tests/tls_sink.c tests/tls_sink.h tests/h2_sink.c tests/h2_sink.h $(LIB_SRC) $(SQLITE_SRC) $(PG_SRC) lib/storage/*.h $(HEADERS) $(SYS_HEADERS) $(LIB_HDR)
	@mkdir -p build/bench
	$(MAKE) --no-print-directory BUILD=build/bench SANITIZE= CFLAGS="-O2 -g" \
	    build/bench/libreplicer-hooks.a build/bench/libreplicer-hooks-sqlite.a $(BENCH_PG)
	$(CC) -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude $(LIB_INC) -Itests $(DEP_CFLAGS) \
	    $(SQLITE_CFLAGS) $(PG_CFLAGS) $(PG_DEFINE) $(WARN) -O2 -g -pthread -o $@ tests/bench/bench.c \
	    tests/bench/bench_tls.c tests/bench/bench_tenant.c tests/bench/bench_queue.c tests/bench/bench_emitter.c tests/bench/fastsink.c tests/sink.c tests/tls_sink.c tests/h2_sink.c \
	    $(BENCH_PG) build/bench/libreplicer-hooks-sqlite.a build/bench/libreplicer-hooks.a \
	    $(PG_LIBS) $(SQLITE_LIBS) $(LIBS) $(TEST_LIBS)

# PostgreSQL figures run against a throwaway cluster and the tool's workers.
# The Node.js baseline: undici from the npm registry, at the committed
# lockfile's version, beside a copy of the script.
bench-node:
	@sh scripts/deps.sh node && mkdir -p $(BUILD)/bench-node && \
	    cp tests/bench/node/package.json tests/bench/node/package-lock.json \
	        tests/bench/node/undici_sender.mjs tests/bench/node/bullmq_sender.mjs \
	        tests/bench/node/pgboss_sender.mjs tests/bench/node/signed.mjs \
	        $(BUILD)/bench-node/ && \
	    (cd $(BUILD)/bench-node && npm ci --no-audit --no-fund --silent) || \
	    echo "the Node baseline is skipped: node, npm or undici is missing"

bench: deps $(BENCH_BIN) $(TOOL) bench-node
	RH_BENCH_NODE=$(BUILD)/bench-node/undici_sender.mjs \
	    sh scripts/with-pg.sh $(BENCH_BIN) build/bench.json

# The delivery path in instructions per request (callgrind): repeatable
# where the wall-clock figures of make bench drift with the machine.
bench-instructions: deps $(BENCH_BIN)
	sh scripts/bench-instructions.sh $(BENCH_BIN)

# libFuzzer targets (clang): each runs FUZZ_SECONDS on a working copy of its
# seed corpus in tests/fuzz/corpus/; fuzz-replay only runs the seeds.
FUZZ_TARGETS := verify url retry_after envelope endpoint_record json catalog_import portal
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_BINS := $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_TARGETS))
# the portal's assets are generated C: the targets link them like the library
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRC) $(ASSETS_C) $(HEADERS) $(SYS_HEADERS) $(LIB_HDR)
	@mkdir -p build/fuzz
	$(FUZZ_CC) -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -Iinclude $(LIB_INC) $(DEP_CFLAGS) -o $@ $< $(LIB_SRC) $(ASSETS_C) $(LIBS)

fuzz-deps:
	@sh scripts/deps.sh fuzz

fuzz-replay: fuzz-deps $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
	    if ! build/fuzz/fuzz_$$t -runs=0 tests/fuzz/corpus/$$t > build/fuzz/$$t-replay.log 2>&1; then \
	        tail -30 build/fuzz/$$t-replay.log; echo "fuzz_$$t: a seed fails"; exit 1; fi; \
	    tail -1 build/fuzz/$$t-replay.log; \
	done

fuzz: fuzz-replay
	@for t in $(FUZZ_TARGETS); do \
	    rm -rf build/fuzz/corpus-$$t; mkdir -p build/fuzz/corpus-$$t; \
	    cp tests/fuzz/corpus/$$t/* build/fuzz/corpus-$$t/; \
	    echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	    if ! build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=build/fuzz/$$t- build/fuzz/corpus-$$t > build/fuzz/$$t.log 2>&1; then \
	        tail -40 build/fuzz/$$t.log; exit 1; fi; \
	    grep -E "^stat::number_of_executed_units|^#[0-9]+ +DONE" build/fuzz/$$t.log; \
	done

demo: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/demo

install: all man
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/replicer-hooks/sys \
	    $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 644 $(BUILD)/man/man1/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(BUILD)/man/man3/*.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libreplicer-hooks.so
	if [ -n "$(PG_LIBS_ALL)" ]; then \
	    install -m 644 $(PG_STATIC) $(DESTDIR)$(LIBDIR)/ && \
	    install -m 755 $(PG_SHARED) $(DESTDIR)$(LIBDIR)/$(PG_SONAME) && \
	    ln -sf $(PG_SONAME) $(DESTDIR)$(LIBDIR)/libreplicer-hooks-pg.so && \
	    sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' \
	        pkgconfig/replicer-hooks-pg.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/replicer-hooks-pg.pc; fi
	install -m 644 $(SQLITE_STATIC) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SQLITE_SHARED) $(DESTDIR)$(LIBDIR)/$(SQLITE_SONAME)
	ln -sf $(SQLITE_SONAME) $(DESTDIR)$(LIBDIR)/libreplicer-hooks-sqlite.so
	install -m 644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/replicer-hooks/
	install -m 644 $(SYS_HEADERS) $(DESTDIR)$(INCLUDEDIR)/replicer-hooks/sys/
	install -m 755 $(TOOL) $(DESTDIR)$(BINDIR)/
	for pc in replicer-hooks replicer-hooks-sqlite; do \
	    sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' \
	        pkgconfig/$$pc.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/$$pc.pc; done

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libreplicer-hooks.a $(DESTDIR)$(LIBDIR)/$(SONAME) \
	    $(DESTDIR)$(LIBDIR)/libreplicer-hooks.so $(DESTDIR)$(BINDIR)/replicer-hooks \
	    $(DESTDIR)$(PKGCONFIGDIR)/replicer-hooks.pc \
	    $(DESTDIR)$(LIBDIR)/libreplicer-hooks-sqlite.a $(DESTDIR)$(LIBDIR)/$(SQLITE_SONAME) \
	    $(DESTDIR)$(LIBDIR)/libreplicer-hooks-sqlite.so $(DESTDIR)$(PKGCONFIGDIR)/replicer-hooks-sqlite.pc \
	    $(DESTDIR)$(LIBDIR)/libreplicer-hooks-pg.a $(DESTDIR)$(LIBDIR)/$(PG_SONAME) \
	    $(DESTDIR)$(LIBDIR)/libreplicer-hooks-pg.so $(DESTDIR)$(PKGCONFIGDIR)/replicer-hooks-pg.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/replicer-hooks
	rm -f $(DESTDIR)$(MANDIR)/man1/replicer-hooks.1 $(DESTDIR)$(MANDIR)/man3/rh_*.3

format:
	clang-format --style=file:docs/clang-format -i lib/*.h lib/*/*.c lib/*/*.h include/replicer-hooks/*.h include/replicer-hooks/sys/*.h \
	    lib/storage/*/*.c lib/storage/*/*.h examples/*.c tests/*.c tests/*.h

clean:
	rm -rf build
