#!/usr/bin/env bash
# test_soak_short.sh - the short soak of make check: 120 simulated seconds in
# 2 s intervals (about 10 s of wall time); `make soak` runs the long one.
exec env SOAK_SIM_SECONDS=${SOAK_SIM_SECONDS:-120} SOAK_DELAY=${SOAK_DELAY:-2} \
	"$(dirname "$0")/soak.sh"
