# The front door. `make demo` runs the demo, `make test` runs every test; each installs what it needs.
JOBS ?= $(shell nproc)
BUILD ?= build

.PHONY: all bootstrap build demo test bench fuzz clean

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@cmake -S . -B $(BUILD)/release -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD)/release -j$(JOBS)

demo: build
	@$(BUILD)/release/examples/mfstate-demo

test: build
	@cd $(BUILD)/release && ctest --output-on-failure -j$(JOBS)

clean:
	rm -rf $(BUILD)
