# SPDX-License-Identifier: MIT
# tpt: the two set-up commands of the README.
#   make run    installs missing Debian packages, builds, runs the headline experiment
#   make check  the same set-up, then the test suite, then again under ASan+UBSan
BUILD ?= build
SAN   ?= build-san
FUZZ  ?= build-fuzz
JOBS  ?= 2
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= trace config scenario dbt replay power study recording

.PHONY: all deps deps-check build run check check-san bench bench-memcached golden fuzz install deb clean

all: build

# Each target installs what it needs: building and running, or that and
# what the test suite starts (Valgrind, GNU parallel, Slurm, Chromium...).
deps:
	@./scripts/deps.sh build

deps-check:
	@./scripts/deps.sh check

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/tpt compare

check: deps-check build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory check-san

check-san: deps-check
	@cmake -S . -B $(SAN) -DCMAKE_BUILD_TYPE=Debug -DTPT_SANITIZE=ON >/dev/null
	@cmake --build $(SAN) -j $(JOBS)
	cd $(SAN) && ctest --output-on-failure -j $(JOBS)

bench: build
	./bench/run.sh $(BUILD)

# What a real memcached request does, which the memcached generator is
# calibrated against (docs/fidelity.md); installs memcached and memcaslap.
bench-memcached: build
	@./scripts/deps.sh build memcached libmemcached-tools
	./bench/memcached.sh $(BUILD)

# Rewrites tests/golden from this build: only in a commit of its own that
# says why the numbers moved.
golden: build
	./tests/golden.sh $(BUILD)/tpt --update

# Optional: libFuzzer, each of FUZZ_TARGETS for FUZZ_SECONDS (see
# fuzz/fuzz_entry.h). Corpora grow in $(FUZZ)/corpus/TARGET; crashing inputs
# land in $(FUZZ)/crashes/TARGET: copy them to tests/fuzz/regressions/TARGET.
fuzz:
	@./scripts/deps.sh build clang libclang-rt-14-dev
	@cmake -S . -B $(FUZZ) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
		-DTPT_SANITIZE=ON -DTPT_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ) -j $(JOBS) $(foreach t,$(FUZZ_TARGETS),--target fuzz_$(t))
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ)/corpus/$$t $(FUZZ)/crashes/$$t; \
		cp -n tests/fuzz/seeds/$$t/* $(FUZZ)/corpus/$$t/; \
		echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
		$(FUZZ)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
			-print_final_stats=1 -artifact_prefix=$(FUZZ)/crashes/$$t/ \
			$(FUZZ)/corpus/$$t 2>$(FUZZ)/fuzz_$$t.log || \
			{ tail -n 40 $(FUZZ)/fuzz_$$t.log; exit 1; }; \
		grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" $(FUZZ)/fuzz_$$t.log | tail -n 2; \
	done

# Installs under PREFIX (default /usr/local): binaries, manual pages, bash
# completion, the systemd unit (not enabled), the sample configuration in
# PREFIX/etc/tptd, shipped scenarios and configurations, the README and docs/.
PREFIX ?= /usr/local
install: build
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	sh scripts/install.sh $(BUILD)

# The Debian package, built from a copy of the tree in $(DEB) with the
# standard tools (debian/); the .deb and lintian's report land in $(DEB).
DEB ?= build-deb
deb:
	@./scripts/deps.sh build debhelper lintian
	@rm -rf $(DEB) && mkdir -p $(DEB)/src
	@tar --exclude='./build*' --exclude='./.git' -cf - . | tar -C $(DEB)/src -xf -
	@git describe --always --dirty --abbrev=12 >$(DEB)/src/.tpt-commit 2>/dev/null || rm -f $(DEB)/src/.tpt-commit
	cd $(DEB)/src && dpkg-buildpackage -b -us -uc >../build.log 2>&1 || { tail -n 30 ../build.log; exit 1; }
	lintian $(DEB)/*.deb | tee $(DEB)/lintian.txt
	@! grep -q '^E:' $(DEB)/lintian.txt
	@ls -l $(DEB)/*.deb

clean:
	rm -rf $(BUILD) $(SAN) $(FUZZ) $(DEB)
