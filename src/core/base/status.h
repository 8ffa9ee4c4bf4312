// Expected failures as values: the one shape the core uses for "this can fail for reasons a
// person can act on" (a file that cannot be written, a URL that is not one, a root a pack may not
// delete under). Exceptions stay for the unexpected and are caught at the boundaries.
//
//   Status save(...) {
//       if (...) return Status::error("cannot write " + path + ": " + reason);
//       return {};  // ok
//   }
//   Result<ServiceUrl> parse(...) {
//       if (...) return Status::error("the URL has no host");  // a failed Status converts
//       return url;                                           // so does a value
//   }
//   if (Status s = save(...); !s) report(s.message());
//   Result<ServiceUrl> u = parse(...);
//   if (!u) return u.status();  // pass the failure on
//   use(u->host);
//
// Both types are [[nodiscard]]: the compiler warns about every call whose result is dropped. Drop
// one on purpose with static_cast<void>(...) and a comment saying why.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace fixtray {

// Ok, or failed with a message for a person ("cannot open /x: Permission denied").
class [[nodiscard]] Status {
public:
    // Ok.
    Status() = default;
    // Failed. An empty message becomes "failed (no reason given)": a failure always says something.
    static Status error(std::string message) {
        Status s;
        s.failed_ = true;
        s.message_ = message.empty() ? "failed (no reason given)" : std::move(message);
        return s;
    }

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    // The reason; "" when ok.
    const std::string& message() const { return message_; }

private:
    bool failed_ = false;
    std::string message_;
};

// What Result<T>'s converting constructor takes: implicitly convertible to T, and not T itself,
// a Status (a failure) or nullptr.
template <class U, class T>
concept ConvertsTo =
    !std::is_same_v<std::remove_cvref_t<U>, T> && !std::is_same_v<std::remove_cvref_t<U>, Status> &&
    !std::is_same_v<std::remove_cvref_t<U>, std::nullptr_t> && std::is_convertible_v<U&&, T>;

// A value, or failed with a message. Reading the value of a failed Result is a programming error
// and throws std::logic_error carrying the message.
template <class T>
class [[nodiscard]] Result {
public:
    Result(const T& value) : value_(value) {}
    Result(T&& value) : value_(std::move(value)) {}
    // From anything T is implicitly made from: Result<std::unique_ptr<Base>> from a
    // std::unique_ptr<Derived>, Result<std::string> from a string literal. Not from nullptr: a
    // factory's `return nullptr;` would read as success.
    template <ConvertsTo<T> U>
    Result(U&& value) : value_(std::in_place, std::forward<U>(value)) {}
    // From a failed Status. An ok Status carries no value: a programming error, std::logic_error.
    Result(Status failure) : status_(std::move(failure)) {
        if (status_.ok()) throw std::logic_error("Result constructed from an ok Status");
    }

    bool ok() const { return value_.has_value(); }
    explicit operator bool() const { return ok(); }
    // The reason; "" when ok.
    const std::string& message() const { return status_.message(); }
    // Ok, or the failure, for passing it on: `if (!r) return r.status();`.
    const Status& status() const { return status_; }

    T& value() & {
        checked();
        return *value_;
    }
    const T& value() const& {
        checked();
        return *value_;
    }
    T&& value() && {
        checked();
        return std::move(*value_);
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    void checked() const {
        if (!value_) throw std::logic_error("value of a failed Result: " + status_.message());
    }

    std::optional<T> value_;
    Status status_;
};

}  // namespace fixtray
