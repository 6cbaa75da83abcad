# tpt: the two set-up commands of the README.
#   make run    installs missing Debian packages, builds, runs the headline experiment
#   make check  the same set-up, then the test suite, then again under ASan+UBSan
BUILD ?= build
SAN   ?= build-san
JOBS  ?= 2

.PHONY: all deps build run check check-san bench fuzz clean

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

clean:
	rm -rf $(BUILD) $(SAN)
