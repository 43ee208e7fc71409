# tests/exporter: `tdxtrace exporter` (issue 21).  test_exporter.sh runs in
# `make check` (tests/run-tests.sh finds it); the cost goes to `make bench`.
.PHONY: bench-exporter
bench-exporter: $(O)/bin/tdxtrace
	$(Q)mkdir -p $(O)/bench && O=$(O) tests/exporter/bench_exporter.py $(O)/bench/exporter.json
BENCH_TARGETS += bench-exporter

# make install: the systemd unit (tests/exporter/test_unit.sh verifies it), the
# rules and the dashboard.  A prerequisite of the top-level install target.
UNITDIR ?= $(PREFIX)/lib/systemd/system
.PHONY: install-exporter
install: install-exporter
install-exporter:
	$(Q)install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR)/prometheus $(DESTDIR)$(DATADIR)/grafana
	$(Q)sed 's|@SBINDIR@|$(SBINDIR)|g' deploy/systemd/tdxtrace-exporter.service.in > \
		$(DESTDIR)$(UNITDIR)/tdxtrace-exporter.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/tdxtrace-exporter.service
	$(Q)install -m 0644 deploy/prometheus/tdxtrace-rules.yml $(DESTDIR)$(DATADIR)/prometheus/
	$(Q)install -m 0644 deploy/grafana/tdxtrace-dashboard.json $(DESTDIR)$(DATADIR)/grafana/
.PHONY: uninstall-exporter
uninstall: uninstall-exporter
uninstall-exporter:
	$(Q)rm -f $(DESTDIR)$(UNITDIR)/tdxtrace-exporter.service \
		$(DESTDIR)$(DATADIR)/prometheus/tdxtrace-rules.yml \
		$(DESTDIR)$(DATADIR)/grafana/tdxtrace-dashboard.json
	$(Q)rmdir $(DESTDIR)$(DATADIR)/prometheus $(DESTDIR)$(DATADIR)/grafana $(DESTDIR)$(DATADIR) 2>/dev/null || true

# test_exporter_unit: the pure parts, linked from the CLI archive (which holds
# exporter_http.o, hence libmicrohttpd; evaluated when the link runs).
# (tools/tdxtrace/tdxtrace.mk, which defines TDXCLI_LIB, is read after this file)
$(O)/tests/test_exporter_unit: $(O)/lib/libtdxcli.a
$(O)/tests/test_exporter_unit: LDLIBS += $(TDXCLI_LIB) $(LIBTDX) $(PKG_LIBS) $(TDXTRACE_LIBS) \
	$(TDXTRACE_MHD_LIBS)

# tests/fuzz links every tools/tdxtrace/*.c object but main.c into
# fuzz_cli_args, exporter_http.o included: give it libmicrohttpd.  Recursive
# (`=`) so both are expanded when the link runs (they are defined in
# tools/tdxtrace/tdxtrace.mk, read after this file); TDXTRACE_LIBS is what
# FUZZ_LDLIBS holds (json-c, -lm).
$(O)/fuzz/fuzz_cli_args: FUZZ_LDLIBS = $(TDXTRACE_LIBS) $(TDXTRACE_MHD_LIBS)
