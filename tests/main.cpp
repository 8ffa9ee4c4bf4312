// The test runner. Cases that cannot run here (no root, say) carry doctest::skip(condition) and
// doctest::description(reason) and are reported, never silently passed:
//  - listing and counting (--list-test-cases, --count) include them, so doctest_discover_tests
//    gives each a ctest test even when the build ran without root;
//  - a run in which no case ran (ctest's run of one skipped case) prints "[fixtray_tests] not
//    run: <name>: <reason>", which tests/CMakeLists.txt's SKIP_REGULAR_EXPRESSION turns into a
//    ctest "Skipped" (the line names every skip-marked case: the listener cannot see the filter);
//  - an unfiltered run names each skipped case and its reason after doctest's summary.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

// tests/CMakeLists.txt's SKIP_REGULAR_EXPRESSION: ctest reports a test whose output has this as
// skipped, whatever its exit status.
constexpr const char* kNotRun = "[fixtray_tests] not run: ";

// Names the cases marked skip that did not run, with their reasons (doctest::description).
class SkipReasonListener : public doctest::IReporter {
public:
    explicit SkipReasonListener(const doctest::ContextOptions& options) : options_(options) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats& stats) override {
        std::ostream& out = *options_.cout;
        if (stats.numTestCasesPassingFilters == 0) {
            if (skipped_.empty()) out << kNotRun << "no test case matches the filter\n";
            for (const std::string& line : skipped_) out << kNotRun << line << "\n";
            return;
        }
        // A filtered run does not report the skip-marked cases its filter left out.
        if (stats.numTestCasesPassingFilters + skipped_.size() != stats.numTestCases) return;
        for (const std::string& line : skipped_) out << "[fixtray_tests] skipped: " << line << "\n";
    }
    void test_case_start(const doctest::TestCaseData&) override {}
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData& tc) override {
        // Called for every case that does not run, also those a filter left out: only the ones
        // marked skip are of interest.
        if (!tc.m_skip || options_.no_skip) return;
        skipped_.push_back(std::string(tc.m_name) + ": " +
                           (tc.m_description ? tc.m_description : "(no reason given)"));
    }

private:
    const doctest::ContextOptions& options_;
    std::vector<std::string> skipped_;
};

REGISTER_LISTENER("skip_reasons", 1, SkipReasonListener);

}  // namespace

int main(int argc, char** argv) {
    doctest::Context context;
    context.applyCommandLine(argc, argv);
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--list-test-cases" || a == "-ltc" || a == "--count" || a == "-c")
            context.setOption("no-skip", true);
    }
    return context.run();
}
