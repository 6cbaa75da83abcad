# tpt: the two set-up commands of the README.
#   make run    installs missing Debian packages, builds, runs the headline experiment
#   make check  the same set-up, then the test suite, then again under ASan+UBSan
BUILD ?= build
SAN   ?= build-san
FUZZ  ?= build-fuzz
JOBS  ?= 2
FUZZ_SECONDS ?= 60

.PHONY: all deps build run check check-san bench golden fuzz clean

all: build

deps:
	@./scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/tpt compare

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory check-san

check-san: deps
	@cmake -S . -B $(SAN) -DCMAKE_BUILD_TYPE=Debug -DTPT_SANITIZE=ON >/dev/null
	@cmake --build $(SAN) -j $(JOBS)
	cd $(SAN) && ctest --output-on-failure -j $(JOBS)

bench: build
	./bench/run.sh $(BUILD)

# Rewrites tests/golden from this build: only in a commit of its own that
# says why the numbers moved.
golden: build
	./tests/golden.sh $(BUILD)/tpt --update

# Optional: libFuzzer over the trace readers for FUZZ_SECONDS. Crashing inputs
# land in $(FUZZ)/crashes; copy them to tests/fuzz/regressions to keep them.
fuzz:
	@./scripts/deps.sh clang libclang-rt-14-dev
	@cmake -S . -B $(FUZZ) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
		-DTPT_SANITIZE=ON -DTPT_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ) -j $(JOBS) --target fuzz_trace
	@mkdir -p $(FUZZ)/corpus $(FUZZ)/crashes
	@cp -n tests/fuzz/seeds/* $(FUZZ)/corpus/
	$(FUZZ)/fuzz_trace -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
		-artifact_prefix=$(FUZZ)/crashes/ $(FUZZ)/corpus

clean:
	rm -rf $(BUILD) $(SAN) $(FUZZ)
