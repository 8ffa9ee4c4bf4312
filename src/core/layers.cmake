# The core's layers and the directions their includes may point: the one table both the build
# (each layer is a static library linked only to the layers listed here) and the include check
# (tests/check_layers.cmake) read. A file in layer L may include headers of L itself and of the
# layers listed for L; everything else is an upward or sideways include and fails the check.
#
#   app          what every front end needs: the machine's catalog, running a fix, escalating
#   escalation   the request about a run: policy gate, collect, review, queue
#   feed         the help desk's signed pack feed: index, signatures, sync
#   outbox       requests waiting for the help desk, and their delivery
#   diagnostics  facts about the machine, redaction, the diagnostics bundle
#   tickets      the support request and the ticket systems it goes to
#   engine       running a fix: steps, run records, the audit log, admin steps
#   packs        the fix pack format: model, loader, lint, variables, site values
#   net          HTTP transport, service URLs
#   platform     the operating system: files, locks, processes, paths (posix/, win32/)
#   base         plain helpers: clock, cancel token, JSON, time, base64, source locations
set(FIXTRAY_LAYERS base platform net packs engine diagnostics tickets outbox escalation feed app)
set(FIXTRAY_LAYER_DEPS_base "")
set(FIXTRAY_LAYER_DEPS_platform base)
set(FIXTRAY_LAYER_DEPS_net base platform)
set(FIXTRAY_LAYER_DEPS_packs base platform)
set(FIXTRAY_LAYER_DEPS_engine base platform net packs)
set(FIXTRAY_LAYER_DEPS_diagnostics base platform net packs engine)
set(FIXTRAY_LAYER_DEPS_tickets base platform net)
set(FIXTRAY_LAYER_DEPS_outbox base platform net tickets)
set(FIXTRAY_LAYER_DEPS_escalation base platform net packs engine diagnostics tickets outbox)
set(FIXTRAY_LAYER_DEPS_feed base platform net packs)
set(FIXTRAY_LAYER_DEPS_app base platform net packs engine diagnostics tickets outbox escalation feed)
