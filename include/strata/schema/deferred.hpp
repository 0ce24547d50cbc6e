// strata/schema/deferred.hpp - a column that a query may leave unloaded (load_only), loudly.
//
//   struct User { std::int64_t id; std::string email; strata::deferred<std::string> bio; };
//
// A plain member always holds data; a deferred<T> member holds data or says it was not loaded:
// reading it unloaded throws strata::unloaded_column, and flush never writes it. This is how
// load_only stays honest with plain structs, whose member reads cannot be intercepted.
#pragma once

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "strata/core/error.hpp"

namespace strata {

/// Reading a deferred column that the query did not load.
class unloaded_column : public usage_error {
public:
    using usage_error::usage_error;
};

/// A column value that may be unloaded; default-constructed = unloaded.
template <class T>
class deferred {
public:
    /// The column's C++ type.
    using value_type = T;
    /// An unloaded value.
    deferred() = default;
    /// A loaded value.
    deferred(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor): assignment-like
    /// Sets (and so loads) the value; flush writes it.
    deferred& operator=(T value) {
        value_ = std::move(value);
        return *this;
    }
    /// Whether the value was loaded (or set).
    [[nodiscard]] bool is_loaded() const noexcept { return value_.has_value(); }
    /// The value; throws unloaded_column when it was not loaded.
    [[nodiscard]] const T& value() const {
        if (!value_) throw_unloaded();
        return *value_;
    }
    /// The value, for modification; throws unloaded_column when it was not loaded.
    [[nodiscard]] T& value() {
        if (!value_) throw_unloaded();
        return *value_;
    }
    /// The value; throws unloaded_column when it was not loaded.
    const T& operator*() const { return value(); }
    /// Member access to the value; throws unloaded_column when it was not loaded.
    const T* operator->() const { return &value(); }
    /// Forgets the value (what a load_only query leaves behind). `column` ("table.column", in
    /// static storage) names the column in the error a later read throws.
    void unload(const char* column = nullptr) noexcept {
        value_.reset();
        column_ = column;
    }

private:
    [[noreturn]] void throw_unloaded() const {
        if (column_ != nullptr)
            throw unloaded_column(std::string{"column "} + column_ +
                                  " was not loaded (load_only left it out): refresh() the object or name the "
                                  "column in load_only");
        throw unloaded_column(
            "this deferred member holds no value: it was never set, or a query's load_only "
            "left it out");
    }
    std::optional<T> value_;
    const char* column_ = nullptr;  // the unloaded column's name, for the error; not owned
};

namespace schema {
/// The C++ type a member stores in its column: T for deferred<T>, else the member's own type.
template <class Member>
struct column_value {
    using type = Member;
};
template <class T>
struct column_value<deferred<T>> {
    using type = T;
};
/// The C++ type a member stores in its column.
template <class Member>
using column_value_t = typename column_value<Member>::type;
/// Whether a member type is deferred<T>.
template <class Member>
inline constexpr bool is_deferred_v = !std::is_same_v<Member, column_value_t<Member>>;
}  // namespace schema

}  // namespace strata
