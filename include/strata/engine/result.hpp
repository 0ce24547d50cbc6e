// strata/engine/result.hpp - typed access to the rows a statement returned.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/core/type_traits.hpp"
#include "strata/driver/connection.hpp"

namespace strata {

/// The current row of a result; valid until the result advances.
class row {
public:
    /// A row bound to no result (only for iterators' end positions).
    row() noexcept = default;
    /// A row view over a driver result.
    explicit row(const driver::result& source) noexcept : source_(&source) {}
    /// Reads column `column` (0-based) as T; NULL only into std::optional<T>.
    template <class T>
    [[nodiscard]] T get(std::size_t column) const {
        return read_field<T>(*source_, column);
    }
    /// Reads the columns in order as a tuple of the given types.
    template <class... Ts>
    [[nodiscard]] std::tuple<Ts...> as_tuple() const {
        return read_tuple<Ts...>(std::index_sequence_for<Ts...>{});
    }
    /// Whether column `column` is NULL.
    [[nodiscard]] bool is_null(std::size_t column) const { return source_->is_null(column); }
    /// Number of columns.
    [[nodiscard]] std::size_t size() const noexcept { return source_->column_count(); }
    /// The field reader behind this row (for type_traits implementations and mappers).
    [[nodiscard]] const field_reader& fields() const noexcept { return *source_; }

private:
    template <class... Ts, std::size_t... Is>
    std::tuple<Ts...> read_tuple(std::index_sequence<Is...>) const {
        return std::tuple<Ts...>{read_field<Ts>(*source_, Is)...};
    }
    const driver::result* source_ = nullptr;
};

namespace detail {
/// Reads a row as a std::tuple type.
template <class Tuple>
struct tuple_reader;
template <class... Ts>
struct tuple_reader<std::tuple<Ts...>> {
    static std::tuple<Ts...> read(const row& source) { return source.as_tuple<Ts...>(); }
};
}  // namespace detail

/// The outcome of one statement: rows to iterate (once, forward only) and an affected-row count.
class result {
public:
    /// Wraps a driver result.
    explicit result(std::unique_ptr<driver::result> source) noexcept : source_(std::move(source)) {}

    /// Moves to the next row; false at the end. The first call moves to the first row.
    bool next() { return source_->next(); }
    /// The current row.
    [[nodiscard]] row current() const noexcept { return row{*source_}; }
    /// Rows inserted, updated or deleted.
    [[nodiscard]] std::int64_t affected_rows() const { return source_->affected_rows(); }
    /// Number of columns.
    [[nodiscard]] std::size_t column_count() const noexcept { return source_->column_count(); }
    /// The name of column `column`.
    [[nodiscard]] std::string_view column_name(std::size_t column) const { return source_->column_name(column); }

    /// Every remaining row as a tuple of the given types.
    template <class... Ts>
    [[nodiscard]] std::vector<std::tuple<Ts...>> all() {
        std::vector<std::tuple<Ts...>> rows;
        while (next()) rows.push_back(current().as_tuple<Ts...>());
        return rows;
    }
    /// Every remaining row as the given std::tuple type.
    template <class Tuple>
    [[nodiscard]] std::vector<Tuple> all_as() {
        std::vector<Tuple> rows;
        while (next()) rows.push_back(detail::tuple_reader<Tuple>::read(current()));
        return rows;
    }
    /// The first column of the first row; throws no_result_found when there is no row.
    template <class T>
    [[nodiscard]] T scalar() {
        if (!next()) throw no_result_found("the statement returned no row; expected one scalar");
        return current().get<T>(0);
    }
    /// Exactly one row as a tuple; throws no_result_found or multiple_results_found otherwise.
    template <class... Ts>
    [[nodiscard]] std::tuple<Ts...> one() {
        if (!next()) throw no_result_found("the statement returned no row; expected exactly one");
        auto values = current().as_tuple<Ts...>();
        if (next()) throw multiple_results_found("the statement returned more than one row; expected exactly one");
        return values;
    }

    /// Forward iteration over rows: `for (const strata::row& r : result)`.
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = row;
        using difference_type = std::ptrdiff_t;
        using pointer = const row*;
        using reference = const row&;
        iterator() = default;
        explicit iterator(result* owner) : owner_(owner), current_(*owner->source_) { advance(); }
        reference operator*() const noexcept { return current_; }
        pointer operator->() const noexcept { return &current_; }
        iterator& operator++() {
            advance();
            return *this;
        }
        void operator++(int) { advance(); }
        friend bool operator==(const iterator& left, const iterator& right) noexcept {
            return left.owner_ == right.owner_;
        }

    private:
        void advance() {
            if (owner_ && !owner_->next()) owner_ = nullptr;
        }
        result* owner_ = nullptr;
        row current_;
    };
    /// Iterator to the first row (advances the result).
    iterator begin() { return iterator{this}; }
    /// The end sentinel.
    iterator end() noexcept { return iterator{}; }

    /// The driver result, for code that reads fields directly.
    [[nodiscard]] driver::result& driver_result() noexcept { return *source_; }

private:
    std::unique_ptr<driver::result> source_;
};

}  // namespace strata

namespace strata {

/// Rows of a typed statement read one at a time as Tuple (no vector of the whole result).
template <class Tuple>
class typed_rows {
public:
    /// Wraps a result whose columns match Tuple.
    explicit typed_rows(result rows) : rows_(std::move(rows)) {}

    /// Input iterator yielding Tuple values.
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = Tuple;
        using difference_type = std::ptrdiff_t;
        using pointer = const Tuple*;
        using reference = const Tuple&;
        iterator() = default;
        explicit iterator(result* owner) : owner_(owner) { advance(); }
        reference operator*() const noexcept { return *current_; }
        pointer operator->() const noexcept { return &*current_; }
        iterator& operator++() {
            advance();
            return *this;
        }
        void operator++(int) { advance(); }
        friend bool operator==(const iterator& left, const iterator& right) noexcept {
            return left.owner_ == right.owner_;
        }

    private:
        void advance() {
            if (owner_ && owner_->next())
                current_ = detail::tuple_reader<Tuple>::read(owner_->current());
            else
                owner_ = nullptr;
        }
        result* owner_ = nullptr;
        std::optional<Tuple> current_;
    };
    /// The first row.
    iterator begin() { return iterator{&rows_}; }
    /// The end.
    iterator end() noexcept { return iterator{}; }

private:
    result rows_;
};

}  // namespace strata
