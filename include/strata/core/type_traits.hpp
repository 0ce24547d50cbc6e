// strata/core/type_traits.hpp - the one customization point that maps a C++ type to a database value.
//
// Built in: bool, 16/32/64-bit integers, double, std::string (std::string_view as a parameter),
// strata::blob, strata::timestamp and std::optional<T> for NULL. A user type becomes storable by
// specializing strata::type_traits<T>; the short way derives from strata::stored_as:
//
//     template <> struct strata::type_traits<color> : strata::stored_as<std::string, color> {
//         static std::string to_storage(color c);
//         static color from_storage(const std::string& text);
//     };
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/core/value.hpp"

namespace strata {

/// Specialize to make T storable: `kind`, `to_parameter(const T&)` and `read(reader, column)`.
template <class T>
struct type_traits;

/// Families of values SQL compares and computes with. A user type joins one by declaring
/// `static constexpr strata::type_family family = strata::type_family::numeric;` in its
/// type_traits, so comparisons, arithmetic and aggregates accept it as they accept its family.
enum class type_family { numeric, decimal, text, boolean, timestamp, blob, row, other };

/// A type strata can bind as a parameter and read from a result column.
template <class T>
concept database_type = requires(const T& value, const field_reader& reader) {
    { type_traits<T>::kind } -> std::convertible_to<value_kind>;
    { type_traits<T>::to_parameter(value) } -> std::same_as<parameter>;
    { type_traits<T>::read(reader, std::size_t{}) } -> std::same_as<T>;
};

template <>
struct type_traits<bool> {
    static constexpr value_kind kind = value_kind::boolean;
    static parameter to_parameter(bool value) noexcept { return parameter::from_bool(value); }
    static bool read(const field_reader& reader, std::size_t column) { return reader.read_bool(column); }
};

/// 16-, 32- and 64-bit signed integers; narrowing on read is checked.
template <class Integer>
requires(std::same_as<Integer, std::int16_t> || std::same_as<Integer, std::int32_t> ||
         std::same_as<Integer, std::int64_t> || std::same_as<Integer, long long> ||
         std::same_as<Integer, long>) struct type_traits<Integer> {
    static constexpr value_kind kind = value_kind::integer;
    static parameter to_parameter(Integer value) noexcept { return parameter::from_integer(value); }
    static Integer read(const field_reader& reader, std::size_t column) {
        const std::int64_t value = reader.read_integer(column);
        if constexpr (sizeof(Integer) < sizeof(std::int64_t)) {
            if (value < std::numeric_limits<Integer>::min() || value > std::numeric_limits<Integer>::max()) {
                throw conversion_error("column " + std::to_string(column) + " holds " + std::to_string(value) +
                                       ", which does not fit a " + std::to_string(sizeof(Integer) * 8) +
                                       "-bit integer");
            }
        }
        return static_cast<Integer>(value);
    }
};

template <>
struct type_traits<double> {
    static constexpr value_kind kind = value_kind::real;
    static parameter to_parameter(double value) noexcept { return parameter::from_real(value); }
    static double read(const field_reader& reader, std::size_t column) { return reader.read_real(column); }
};

/// float: REAL (4 bytes) on PostgreSQL, REAL on SQLite; a stored value beyond float's range is a
/// conversion_error rather than an infinity.
template <>
struct type_traits<float> {
    static constexpr value_kind kind = value_kind::real;
    static constexpr std::string_view postgresql_type = "REAL";  ///< CREATE TABLE type (float4)
    static constexpr std::string_view mariadb_type = "FLOAT";    ///< CREATE TABLE type (4 bytes)
    static parameter to_parameter(float value) noexcept { return parameter::from_real(value); }
    static float read(const field_reader& reader, std::size_t column) {
        const double value = reader.read_real(column);
        // Finite and beyond float's range; an infinity or a NaN stays what it is. Written without
        // <cmath>, which every translation unit including strata would otherwise parse (10 MB).
        const double magnitude = value < 0 ? -value : value;  // NaN compares false below
        if (magnitude > static_cast<double>(std::numeric_limits<float>::max()) &&
            magnitude <= std::numeric_limits<double>::max())
            throw conversion_error("column " + std::to_string(column) + " holds " + std::to_string(value) +
                                   ", which does not fit a float");
        return static_cast<float>(value);
    }
};

/// A calendar date: DATE on PostgreSQL; on SQLite the timestamp text of its midnight (UTC), so it
/// compares with timestamps there as it does on PostgreSQL. Reading a value with a time of day
/// into it is a conversion_error, not a silent truncation.
template <>
struct type_traits<std::chrono::year_month_day> {
    static constexpr value_kind kind = value_kind::timestamp;
    static constexpr std::string_view postgresql_type = "DATE";  ///< CREATE TABLE type
    static constexpr std::string_view mariadb_type = "DATE";     ///< CREATE TABLE type
    static parameter to_parameter(const std::chrono::year_month_day& value) {
        if (!value.ok()) throw usage_error("a std::chrono::year_month_day that is not a valid date was bound");
        return parameter::from_timestamp(timestamp{std::chrono::sys_days{value}});
    }
    static std::chrono::year_month_day read(const field_reader& reader, std::size_t column) {
        using namespace std::chrono;
        const timestamp at = reader.read_timestamp(column);
        // Its years run from -32767 to 32767 (PostgreSQL's dates to 5874897): past them it would
        // wrap. Checked first, as a microsecond count: floor<days> of timestamp::min() overflows.
        constexpr timestamp first = sys_days{year::min() / January / 1};
        constexpr timestamp last = sys_days{year::max() / December / 31};
        if (at < first || at > last)
            throw conversion_error("column " + std::to_string(column) +
                                   " holds a date outside the years a std::chrono::year_month_day holds (-32767 to "
                                   "32767)");
        const auto day = floor<days>(at);
        if (at != day)
            throw conversion_error("column " + std::to_string(column) +
                                   " holds a time of day, which a std::chrono::year_month_day cannot keep");
        return year_month_day{day};
    }
};

template <>
struct type_traits<std::string> {
    static constexpr value_kind kind = value_kind::text;
    /// Views the string: parameters are bound before the caller's object can go away.
    static parameter to_parameter(const std::string& value) noexcept { return parameter::from_text_view(value); }
    static std::string read(const field_reader& reader, std::size_t column) {
        return std::string{reader.read_text(column)};
    }
};

template <>
struct type_traits<std::string_view> {
    static constexpr value_kind kind = value_kind::text;
    static parameter to_parameter(std::string_view value) noexcept { return parameter::from_text_view(value); }
    /// The view is valid until the result advances to its next row.
    static std::string_view read(const field_reader& reader, std::size_t column) { return reader.read_text(column); }
};

template <>
struct type_traits<blob> {
    static constexpr value_kind kind = value_kind::blob;
    static parameter to_parameter(const blob& value) noexcept { return parameter::from_blob_view(value); }
    static blob read(const field_reader& reader, std::size_t column) {
        const blob_view bytes = reader.read_blob(column);
        return blob(bytes.begin(), bytes.end());
    }
};

template <>
struct type_traits<timestamp> {
    static constexpr value_kind kind = value_kind::timestamp;
    static parameter to_parameter(timestamp value) noexcept { return parameter::from_timestamp(value); }
    static timestamp read(const field_reader& reader, std::size_t column) { return reader.read_timestamp(column); }
};

/// Specialize to store an enum as text: `static constexpr std::array values{std::pair{E::a, "a"}, ...};`
/// (C++ cannot list an enum's names itself). The column is TEXT with a CHECK of the names.
template <class E>
struct enum_names;

/// An enum with enum_names: stored as its names.
template <class E>
concept named_enum = std::is_enum_v<E> && requires {
    enum_names<E>::values;
    { enum_names<E>::values.begin()->second } -> std::convertible_to<std::string_view>;
};

/// An enum stored as the text of its name (enum_names<E>); a name the mapping does not list is a
/// conversion_error when read, an enumerator it does not list a usage_error when bound.
template <named_enum E>
struct type_traits<E> {
    static constexpr value_kind kind = value_kind::text;
    static parameter to_parameter(E value) {
        for (const auto& [enumerator, name] : enum_names<E>::values)
            if (enumerator == value) return parameter::from_text_view(std::string_view{name});
        throw usage_error("an enumerator with no name in strata::enum_names was bound (value " +
                          std::to_string(static_cast<long long>(value)) + ")");
    }
    static E read(const field_reader& reader, std::size_t column) {
        const auto text = reader.read_text(column);
        for (const auto& [enumerator, name] : enum_names<E>::values)
            if (std::string_view{name} == text) return enumerator;
        throw conversion_error("column " + std::to_string(column) + " holds '" + std::string{text} +
                               "', which is not a name in strata::enum_names");
    }
    /// The names a CHECK constraint allows (CREATE TABLE).
    static std::vector<std::string_view> allowed_values() {
        std::vector<std::string_view> names;
        for (const auto& item : enum_names<E>::values) names.emplace_back(item.second);
        return names;
    }
};

/// NULL <-> std::nullopt.
template <database_type T>
struct type_traits<std::optional<T>> {
    static constexpr value_kind kind = type_traits<T>::kind;
    static parameter to_parameter(const std::optional<T>& value) {
        return value ? type_traits<T>::to_parameter(*value) : parameter::null_of(kind);
    }
    static std::optional<T> read(const field_reader& reader, std::size_t column) {
        if (reader.is_null(column)) return std::nullopt;
        return type_traits<T>::read(reader, column);
    }
};

/// Base for user specializations: T travels as the built-in Storage type, converted by
/// `type_traits<T>::to_storage(const T&)` and `type_traits<T>::from_storage(Storage)`.
template <class Storage, class T>
struct stored_as {
    static_assert(database_type<Storage>,
                  "stored_as<Storage, T>: Storage must be a built-in strata type "
                  "(bool, an integer, double, std::string, strata::blob or strata::timestamp)");
    static constexpr value_kind kind = type_traits<Storage>::kind;
    static parameter to_parameter(const T& value) {
        Storage stored = type_traits<T>::to_storage(value);
        if constexpr (std::same_as<Storage, std::string>)
            return parameter::from_text(std::move(stored));
        else if constexpr (std::same_as<Storage, blob>)
            return parameter::from_blob(stored);
        else
            return type_traits<Storage>::to_parameter(stored);
    }
    static T read(const field_reader& reader, std::size_t column) {
        return type_traits<T>::from_storage(type_traits<Storage>::read(reader, column));
    }
};

/// Reads a column into an existing member. Text is copied into the string's own buffer when it
/// fits, so an object whose memory is reused for the next row of a stream allocates nothing.
template <class T>
void read_field_into(T& field, const field_reader& reader, std::size_t column) {
    if constexpr (std::is_same_v<T, std::string>) {
        const auto text = reader.read_text(column);
        if (text.size() <= field.capacity())
            field.assign(text.data(), text.size());
        else
            field = std::string{text};  // constructing is cheaper than growing an empty string
    } else {
        field = type_traits<T>::read(reader, column);
    }
}

/// Converts any storable value to a parameter, with a message a user can act on otherwise.
template <class T>
parameter to_parameter(const T& value) {
    using value_type = std::remove_cvref_t<T>;
    if constexpr (std::is_same_v<value_type, std::nullptr_t>) {
        return parameter{};
    } else if constexpr (std::is_convertible_v<const T&, std::string_view> && !database_type<value_type>) {
        return parameter::from_text_view(std::string_view{value});  // string literals and char*
    } else {
        static_assert(database_type<value_type>,
                      "this type cannot be bound as a parameter: specialize strata::type_traits<T> "
                      "(see strata/core/type_traits.hpp, or derive from strata::stored_as)");
        return type_traits<value_type>::to_parameter(value);
    }
}

/// Reads column `column` of the current row as T.
template <class T>
T read_field(const field_reader& reader, std::size_t column) {
    static_assert(database_type<T>,
                  "this type cannot be read from a column: specialize strata::type_traits<T> "
                  "(see strata/core/type_traits.hpp, or derive from strata::stored_as)");
    return type_traits<T>::read(reader, column);
}

}  // namespace strata
