# copro — the two commands a new user needs are `make demo` and `make test`.
# Both install what is missing (Debian: libcsv-dev) and build with the Swift package manager.
SWIFT ?= swift
APT_PACKAGES := libcsv-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test deps build release reports sample-data clean-reports

# Install the system libraries copro links against, only if they are missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

release: deps
	$(SWIFT) build -c release --product copro

build: deps
	$(SWIFT) build --product copro

# Print the Beacon report from the embedded sample data.
demo: release
	@$$($(SWIFT) build -c release --show-bin-path)/copro report SampleData/beacon/plan.yaml

# The whole test suite (reference cases, corpus, golden reports).
test: deps
	$(SWIFT) test

# Regenerate the sample data (seeded: byte-identical) and every committed report.
sample-data: release
	@bin=$$($(SWIFT) build -c release --show-bin-path); for c in $(CASES); do $$bin/copro sample-data $$c || exit 1; done

CASES := beacon profile porto-alegre tackley caterham

reports: release
	@bin=$$($(SWIFT) build -c release --show-bin-path); \
	for c in $(CASES); do \
	  $$bin/copro report SampleData/$$c/plan.yaml -o reports/$$c.txt && \
	  $$bin/copro report SampleData/$$c/plan.yaml --format html -o reports/$$c.html || exit 1; \
	done
