# tests/exporter: `tdxtrace exporter` (issue 21).  test_exporter.sh runs in
# `make check` (tests/run-tests.sh finds it); the cost goes to `make bench`.
.PHONY: bench-exporter
bench-exporter: $(O)/bin/tdxtrace
	$(Q)mkdir -p $(O)/bench && O=$(O) tests/exporter/bench_exporter.py $(O)/bench/exporter.json
BENCH_TARGETS += bench-exporter
