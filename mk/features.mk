# Build-time features (issue 17; README "Build-time features"), included
# by the Makefile: make FEATURES="metrics csp" leaves the others out.  A
# feature is whole files: when it is out they are neither compiled nor
# linked, and core/off/NAME.c takes their place: what the applets call
# does nothing, the option tables are empty (an unknown option then
# names what the build left out), so no caller has an #if
# ($(B)/gen/rsp_features.h has RSP_WITH_NAME for code that must know).
# `rsp --features` lists the features a binary has.
#
# feature   what it is                                     options
# help      each option's description in --help and       (all: only the
#           --options; the man pages have them too         descriptions)
# metrics   Prometheus endpoint and files, JSON status     -metrics -metricsfile
#                                                          -statusfile -metricsinterval
#                                                          -metricspools
# csp       CSP status reports to cspmonitor               -cspserver -cspinterval
# statslog  RSPLIB's registrar statistics and action log   -statsfile -statsinterval
#                                                          -scalar -object
#                                                          -actionlogfile
# syslog    the log to syslog too                          -logsyslog
# uptime    RSPLIB's failure test: run, stop, run again    -uptime -downtime
ALL_FEATURES := help metrics csp statslog syslog uptime
feature_srcs.help     :=
feature_srcs.metrics  := core/metrics.c core/metrics_export.c core/http_min.c \
                         core/registrar/metrics.c core/tools/metrics_app.c
feature_srcs.csp      := core/csp_report.c core/tools/csp_app.c \
                         core/tools/cspmon.c
feature_srcs.statslog := core/registrar/stats.c core/registrar/actionlog.c
feature_srcs.syslog   := core/log_syslog.c
feature_srcs.uptime   := core/uptime.c
# Tests of a feature, left out with it.
feature_tests.help     :=
feature_tests.metrics  := tests/unit/test_metrics.c tests/unit/test_http_min.c \
                          tests/fuzz/fuzz_http.c
feature_tests.csp      := tests/unit/test_csp.c tests/unit/test_cspmon.c \
                          tests/fuzz/fuzz_csp.c
feature_tests.statslog :=
feature_tests.syslog   :=
feature_tests.uptime   :=
# Applets that cannot be without a feature.
feature_applets.csp := cspmonitor

# The router profile (Makefile) sets its own FEATURES.
FEATURES ?= $(ALL_FEATURES)
FEATURES := $(sort $(FEATURES))
ifneq ($(filter-out $(ALL_FEATURES),$(FEATURES)),)
$(error FEATURES: unknown $(filter-out $(ALL_FEATURES),$(FEATURES)); \
    expected some of: $(ALL_FEATURES))
endif
FEATURES_OFF := $(sort $(filter-out $(FEATURES),$(ALL_FEATURES)))
FEATURE_EXCLUDED_SRCS  := $(foreach f,$(FEATURES_OFF),$(feature_srcs.$(f)))
# Excluded too: core/off/NAME.c of each feature that is in.
FEATURE_EXCLUDED_SRCS  += $(addprefix core/off/,$(addsuffix .c,$(FEATURES)))
FEATURE_EXCLUDED_TESTS := $(foreach f,$(FEATURES_OFF),$(feature_tests.$(f)))
FEATURE_OFF_APPLETS := $(foreach f,$(FEATURES_OFF),$(feature_applets.$(f)))

# Written only when it changes: the files that include it are rebuilt
# when FEATURES does.
$(B)/gen/rsp_features.h: FORCE
	@mkdir -p $(@D)
	@{ $(foreach f,$(ALL_FEATURES),echo '#define RSP_WITH_$(shell echo $(f) \
	    | tr a-z A-Z) $(if $(filter $(f),$(FEATURES)),1,0)';) \
	    echo '#define RSP_FEATURES "$(FEATURES)"'; \
	    echo '#define RSP_FEATURES_OFF "$(FEATURES_OFF)"'; } >$@.tmp; \
	    cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
