// Status and Result: the shape of every expected failure in the core.
#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "base/status.h"
#include "support/test_helpers.h"

using namespace fixtray;

namespace {

Status check_positive(int n) {
    if (n <= 0) return Status::error(std::to_string(n) + " is not positive");
    return {};
}

Result<int> half_of_even(int n) {
    if (n % 2 != 0) return Status::error(std::to_string(n) + " is odd");
    return n / 2;
}

// Passes a failure on unchanged, adds to a value.
Result<int> quarter(int n) {
    Result<int> h = half_of_even(n);
    if (!h) return h.status();
    return half_of_even(*h);
}

}  // namespace

TEST_CASE("Status: ok by default, a failure carries its message") {
    // Scenario: a caller tells ok from failed and shows the reason.
    const Status ok = check_positive(3);
    CHECK(ok.ok());
    CHECK(static_cast<bool>(ok));
    CHECK(ok.message().empty());
    const Status bad = check_positive(-2);
    CHECK_FALSE(bad.ok());
    CHECK_FALSE(static_cast<bool>(bad));
    CHECK(bad.message() == "-2 is not positive");
}

TEST_CASE("Status: a failure with no message still says it failed") {
    // Scenario: a careless Status::error("") must not read as ok or show an empty reason.
    const Status s = Status::error("");
    CHECK_FALSE(s.ok());
    CHECK(s.message() == "failed (no reason given)");
}

TEST_CASE("Result: a value, or a failure passed on unchanged") {
    // Scenario: values and failures travel through a chain of calls.
    const Result<int> q = quarter(12);
    REQUIRE(q.ok());
    CHECK(*q == 3);
    CHECK(q.value() == 3);
    CHECK(q.message().empty());
    CHECK(q.status().ok());
    const Result<int> odd_first = quarter(7);
    CHECK_FALSE(odd_first);
    CHECK(odd_first.message() == "7 is odd");
    const Result<int> odd_second = quarter(6);
    CHECK(odd_second.message() == "3 is odd");
}

TEST_CASE("Result: reading the value of a failure, or failing with ok, throws logic_error") {
    // Scenario: programming errors are loud, and name the failure that was ignored.
    const Result<int> r = half_of_even(5);
    CHECK_THROWS_WITH_AS(static_cast<void>(r.value()), "value of a failed Result: 5 is odd",
                         std::logic_error);
    CHECK_THROWS_AS(static_cast<void>(Result<int>(Status{})), std::logic_error);
}

TEST_CASE("Result: holds move-only values and hands them out") {
    // Scenario: a Result<unique_ptr> (or a lock) is moved out, not copied.
    Result<std::unique_ptr<int>> r = std::make_unique<int>(42);
    REQUIRE(r);
    std::unique_ptr<int> p = std::move(r).value();
    REQUIRE(p);
    CHECK(*p == 42);
}

namespace {

struct Shape {
    virtual ~Shape() = default;
    virtual int corners() const = 0;
};
struct Square : Shape {
    int corners() const override { return 4; }
};

// A factory as the core writes them: the derived object, or a failure, as a Result of the base.
Result<std::unique_ptr<Shape>> make_shape(bool ok) {
    if (!ok) return Status::error("no shape");
    return std::make_unique<Square>();
}

Result<std::string> greeting(bool ok) {
    if (!ok) return Status::error("no greeting");
    return "hello";  // a string literal, no std::string(...) needed
}

}  // namespace

TEST_CASE("Result: converts from what the value type is made from") {
    // Scenario: a factory returns unique_ptr<Derived> into Result<unique_ptr<Base>>, a function
    // returns a literal into Result<std::string>; failures still pass through as failures.
    Result<std::unique_ptr<Shape>> shape = make_shape(true);
    REQUIRE(shape);
    CHECK((*shape)->corners() == 4);
    const Result<std::unique_ptr<Shape>> none = make_shape(false);
    CHECK_FALSE(none);
    CHECK(none.message() == "no shape");

    const Result<std::string> hello = greeting(true);
    REQUIRE(hello);
    CHECK(*hello == "hello");
    CHECK(greeting(false).message() == "no greeting");

    // A Status is never taken for a value, and nothing converts that T does not convert from.
    static_assert(std::is_constructible_v<Result<std::unique_ptr<Shape>>, std::unique_ptr<Square>>);
    static_assert(
        !std::is_constructible_v<Result<std::unique_ptr<Square>>, std::unique_ptr<Shape>>);
    static_assert(!std::is_constructible_v<Result<std::string>, int*>);
    // `return nullptr;` from a factory does not compile (it would read as success).
    static_assert(!std::is_convertible_v<std::nullptr_t, Result<std::unique_ptr<Shape>>>);
    CHECK_THROWS_AS(static_cast<void>(Result<std::string>(Status{})), std::logic_error);
}

TEST_CASE("Status and Result are [[nodiscard]]: a dropped result does not compile") {
    // Scenario: the build's own compiler is given a call that drops a Status, one that drops a
    // Result, and the same calls cast to void; only the casts compile with -Werror=unused-result.
    test::TempDir tmp;
    const auto compiles = [&](const std::string& name, const std::string& statement) {
        const std::string file = tmp / (name + ".cpp");
        test::write_file(file,
                         "#include \"base/status.h\"\n"
                         "fixtray::Status f();\n"
                         "fixtray::Result<int> g();\n"
                         "void use() { " +
                             statement + " }\n");
        const ProcessResult r =
            test::run_command({FIXTRAY_CXX_COMPILER, "-std=c++20", "-fsyntax-only",
                               "-Werror=unused-result", "-I" FIXTRAY_SOURCE_DIR "/src/core", file});
        CAPTURE(r.err);
        if (r.exit_code != 0) CHECK(r.err.find("nodiscard") != std::string::npos);
        return r.exit_code == 0;
    };
    CHECK_FALSE(compiles("drop_status", "f();"));
    CHECK_FALSE(compiles("drop_result", "g();"));
    CHECK(compiles("cast_status", "static_cast<void>(f());"));
    CHECK(compiles("cast_result", "static_cast<void>(g());"));
}
