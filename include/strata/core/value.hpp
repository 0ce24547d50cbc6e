// strata/core/value.hpp - the values that travel between C++ and a database driver.
//
// A `parameter` is a bound value on its way in; a `field_reader` is the row a driver exposes on the
// way out. Both are deliberately small and type-erased at this boundary so that a compiled
// statement is a string plus parameters, not a template instantiation per query shape.
#pragma once

#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

/// A point in time with microsecond precision, UTC; maps to TIMESTAMP on both databases.
using timestamp = std::chrono::sys_time<std::chrono::microseconds>;

/// Binary data; maps to BYTEA (PostgreSQL) and BLOB (SQLite).
using blob = std::vector<std::byte>;

/// A read-only view of binary data, as a driver hands it out without copying.
using blob_view = std::span<const std::byte>;

/// The storage classes every driver understands; every C++ type travels as one of them.
enum class value_kind : std::uint8_t { null, boolean, integer, real, text, blob, timestamp };

/// One bound parameter: a typed value (or a typed NULL) owned or viewed.
///
/// Text and blob parameters view the caller's memory when it outlives the statement (the common
/// case of binding a std::string member) and own a copy when produced by a conversion. Owned
/// bytes live on the heap behind the view, so moving a parameter (what building a statement's
/// parameter list does, several per row in a bulk insert) copies 40 bytes and never re-points.
class parameter {
public:
    /// An untyped NULL (prefer typed NULLs: `std::optional<T>{}` binds a NULL of T's kind).
    parameter() noexcept = default;
    parameter(parameter&& other) noexcept = default;
    parameter& operator=(parameter&& other) noexcept = default;
    /// Copies; owned bytes are copied too (a view stays a view).
    parameter(const parameter& other)
        : kind_(other.kind_), is_null_(other.is_null_), integer_(other.integer_), view_(other.view_) {
        if (other.owned_) own(other.view_);
    }
    /// Copies; owned bytes are copied too (a view stays a view).
    parameter& operator=(const parameter& other) {
        if (this != &other) *this = parameter{other};
        return *this;
    }
    ~parameter() = default;

    /// A NULL of the given kind, so PostgreSQL still learns the parameter's type.
    static parameter null_of(value_kind kind) noexcept {
        parameter result;
        result.kind_ = kind;
        result.is_null_ = true;
        return result;
    }
    /// A boolean value.
    static parameter from_bool(bool value) noexcept {
        parameter result{value_kind::boolean};
        result.integer_ = value ? 1 : 0;
        return result;
    }
    /// A 64-bit integer value (narrower integers widen to it).
    static parameter from_integer(std::int64_t value) noexcept {
        parameter result{value_kind::integer};
        result.integer_ = value;
        return result;
    }
    /// A double precision value.
    static parameter from_real(double value) noexcept {
        parameter result{value_kind::real};
        result.integer_ = std::bit_cast<std::int64_t>(value);
        return result;
    }
    /// Text viewed in place: the caller keeps it alive until the statement has run.
    static parameter from_text_view(std::string_view value) noexcept {
        parameter result{value_kind::text};
        result.view_ = value;
        return result;
    }
    /// Text owned by the parameter.
    static parameter from_text(std::string_view value) {
        parameter result{value_kind::text};
        result.own(value);
        return result;
    }
    /// Bytes viewed in place.
    static parameter from_blob_view(blob_view value) noexcept {
        parameter result{value_kind::blob};
        result.view_ = {reinterpret_cast<const char*>(value.data()), value.size()};
        return result;
    }
    /// Bytes owned by the parameter.
    static parameter from_blob(blob_view value) {
        parameter result{value_kind::blob};
        result.own({reinterpret_cast<const char*>(value.data()), value.size()});
        return result;
    }
    /// A timestamp, in microseconds since the Unix epoch (UTC).
    static parameter from_timestamp(timestamp value) noexcept {
        parameter result{value_kind::timestamp};
        result.integer_ = value.time_since_epoch().count();
        return result;
    }

    /// The storage class; for a NULL, the kind it was declared with (null when untyped).
    [[nodiscard]] value_kind kind() const noexcept { return kind_; }
    /// Whether this is a NULL.
    [[nodiscard]] bool is_null() const noexcept { return is_null_ || kind_ == value_kind::null; }
    /// The value of a boolean parameter.
    [[nodiscard]] bool as_bool() const noexcept { return integer_ != 0; }
    /// The value of an integer parameter.
    [[nodiscard]] std::int64_t as_integer() const noexcept { return integer_; }
    /// The value of a real parameter.
    [[nodiscard]] double as_real() const noexcept { return std::bit_cast<double>(integer_); }
    /// A copy that owns its bytes, safe to keep after the viewed object is gone.
    [[nodiscard]] parameter to_owned() const {
        parameter copy = *this;
        if (!owned_ && (kind_ == value_kind::text || kind_ == value_kind::blob) && !is_null()) copy.own(view_);
        return copy;
    }
    /// The bytes of a text or blob parameter.
    [[nodiscard]] std::string_view as_text() const noexcept { return view_; }
    /// The bytes of a blob parameter.
    [[nodiscard]] blob_view as_blob() const noexcept {
        const auto text = as_text();
        return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
    }
    /// The value of a timestamp parameter.
    [[nodiscard]] timestamp as_timestamp() const noexcept { return timestamp{std::chrono::microseconds{integer_}}; }
    /// Microseconds since the Unix epoch of a timestamp parameter.
    [[nodiscard]] std::int64_t as_epoch_microseconds() const noexcept { return integer_; }

private:
    explicit parameter(value_kind kind) noexcept : kind_(kind) {}
    /// Owns a copy of `bytes` and views it.
    void own(std::string_view bytes) {
        owned_ = std::make_unique_for_overwrite<char[]>(bytes.size() + 1);  // never a null pointer, even if empty
        if (!bytes.empty()) std::memcpy(owned_.get(), bytes.data(), bytes.size());
        view_ = {owned_.get(), bytes.size()};
    }

    value_kind kind_ = value_kind::null;
    bool is_null_ = false;
    std::int64_t integer_ = 0;  ///< integer, boolean, timestamp (microseconds) or a real's bits
    std::string_view view_;     ///< text or blob bytes: the caller's, or owned_
    std::unique_ptr<char[]> owned_;
};

/// The current row of a result as a driver exposes it; column indexes start at 0.
///
/// Reading a NULL through any read_* function throws conversion_error: NULL is only readable
/// through is_null (which is what std::optional<T> does).
class field_reader {
public:
    /// Number of columns in the row.
    [[nodiscard]] virtual std::size_t column_count() const noexcept = 0;
    /// The name (or label) of a column.
    [[nodiscard]] virtual std::string_view column_name(std::size_t column) const = 0;
    /// Whether the value is NULL.
    [[nodiscard]] virtual bool is_null(std::size_t column) const = 0;
    /// Reads a boolean.
    [[nodiscard]] virtual bool read_bool(std::size_t column) const = 0;
    /// Reads an integer of any width.
    [[nodiscard]] virtual std::int64_t read_integer(std::size_t column) const = 0;
    /// Reads a floating point number (integers and numerics convert).
    [[nodiscard]] virtual double read_real(std::size_t column) const = 0;
    /// Reads text; the view is valid until the row advances.
    [[nodiscard]] virtual std::string_view read_text(std::size_t column) const = 0;
    /// Reads bytes; the view is valid until the row advances.
    [[nodiscard]] virtual blob_view read_blob(std::size_t column) const = 0;
    /// Reads a timestamp.
    [[nodiscard]] virtual timestamp read_timestamp(std::size_t column) const = 0;

protected:
    ~field_reader() = default;
};

}  // namespace strata
