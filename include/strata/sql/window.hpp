// strata/sql/window.hpp - window functions: f(...) OVER (PARTITION BY ... ORDER BY ... frame).
//
//   strata::row_number().over(strata::partition_by(col<&Order::user_id>).order_by(col<&Order::id>.desc()))
//   strata::sum(col<&Order::total>).over(strata::partition_by(col<&Order::user_id>)
//                                            .order_by(col<&Order::id>)
//                                            .rows_between(strata::frame_bound::unbounded_preceding(),
//                                                          strata::frame_bound::current_row()))
//
// PostgreSQL and SQLite (3.25+) take the same text. A window function (row_number, rank, lag ...)
// is a window_function<T>, which only becomes an expression through over(), so one without a window
// does not compile; an aggregate (sum, count ...) is an expression that also takes over().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/core/value.hpp"
#include "strata/sql/expression.hpp"
#include "strata/sql/node.hpp"
#include "strata/sql/statement_core.hpp"

namespace strata {

/// One end of a window frame: UNBOUNDED PRECEDING, n PRECEDING, CURRENT ROW, n FOLLOWING, UNBOUNDED FOLLOWING.
class frame_bound {
public:
    /// The partition's first row.
    static frame_bound unbounded_preceding() { return frame_bound{"UNBOUNDED PRECEDING"}; }
    /// `rows` rows (or, in a RANGE frame, that much of the ordering value) before the current row.
    static frame_bound preceding(std::int64_t rows) { return frame_bound{counted(rows, " PRECEDING")}; }
    /// The current row (in a RANGE frame: its peers too).
    static frame_bound current_row() { return frame_bound{"CURRENT ROW"}; }
    /// `rows` rows after the current row.
    static frame_bound following(std::int64_t rows) { return frame_bound{counted(rows, " FOLLOWING")}; }
    /// The partition's last row.
    static frame_bound unbounded_following() { return frame_bound{"UNBOUNDED FOLLOWING"}; }
    /// The bound as SQL text (made only from the keywords and a number, so it is safe to render).
    [[nodiscard]] const std::string& text() const noexcept { return text_; }

private:
    explicit frame_bound(std::string text) : text_(std::move(text)) {}
    static std::string counted(std::int64_t rows, std::string_view direction) {
        if (rows < 0) throw usage_error("a window frame counts rows forward or back with a number of 0 or more");
        return std::to_string(rows) + std::string{direction};
    }
    std::string text_;
};

/// The window of an OVER clause: its partitions, its order and its frame.
class window {
public:
    /// PARTITION BY items (added to those already given).
    template <class... Items>
    [[nodiscard]] window partition_by(const Items&... items) const {
        window copy = *this;
        (copy.partitions_.push_back(sql::to_node(items)), ...);
        return copy;
    }
    /// ORDER BY items: expressions, or col.asc() / col.desc() with nulls_first() / nulls_last().
    template <class... Items>
    [[nodiscard]] window order_by(const Items&... items) const {
        window copy = *this;
        (copy.orders_.push_back(ordered(items)), ...);
        return copy;
    }
    /// ROWS BETWEEN start AND end: a frame counted in rows.
    [[nodiscard]] window rows_between(const frame_bound& start, const frame_bound& end) const {
        return framed("ROWS", start, end);
    }
    /// RANGE BETWEEN start AND end: a frame of the ordering value's range (peers count together).
    [[nodiscard]] window range_between(const frame_bound& start, const frame_bound& end) const {
        return framed("RANGE", start, end);
    }

    /// `function` OVER this window (what over() builds).
    [[nodiscard]] sql::node_ptr apply_to(sql::node_ptr function) const {
        if (function && function->kind == sql::node_kind::per_dialect)  // sum() of decimals: one per dialect
            return sql::make_per_dialect(apply_to(function->children[0]), apply_to(function->children[1]),
                                         function->children.size() > 2 ? apply_to(function->children[2]) : nullptr);
        if (!function || function->kind != sql::node_kind::function)
            throw usage_error("over() applies to an aggregate (sum, count ...) or a window function, not to '" +
                              std::string{function ? function->text : std::string_view{}} + "'");
        auto item = std::make_shared<sql::node>();
        item->kind = sql::node_kind::window;
        item->owned_text = frame_;
        item->children = {std::move(function),
                          sql::make_operator(sql::node_kind::list, "", sql::precedence::atom, partitions_),
                          sql::make_operator(sql::node_kind::list, "", sql::precedence::atom, orders_)};
        return sql::finish(std::move(item));
    }

private:
    template <class Item>
    static sql::node_ptr ordered(const Item& item) {
        if constexpr (std::is_same_v<Item, ordering>) {
            // Each direction and NULLS placement is one static suffix, so the shape stays static text.
            static constexpr std::string_view suffixes[3][3] = {{"", " NULLS FIRST", " NULLS LAST"},
                                                                {" ASC", " ASC NULLS FIRST", " ASC NULLS LAST"},
                                                                {" DESC", " DESC NULLS FIRST", " DESC NULLS LAST"}};
            const auto& order = item.item();
            const auto suffix =
                suffixes[static_cast<std::size_t>(order.direction)][static_cast<std::size_t>(order.nulls)];
            if (suffix.empty()) return order.expression;
            return sql::make_operator(sql::node_kind::unary_postfix, suffix, sql::precedence::lowest,
                                      {order.expression});
        } else {
            return sql::to_node(item);
        }
    }
    [[nodiscard]] window framed(std::string_view unit, const frame_bound& start, const frame_bound& end) const {
        window copy = *this;
        copy.frame_ = std::string{unit} + " BETWEEN " + start.text() + " AND " + end.text();
        return copy;
    }

    std::vector<sql::node_ptr> partitions_;
    std::vector<sql::node_ptr> orders_;
    std::string frame_;
};

/// A window over partitions of `items`: strata::partition_by(col<&Order::user_id>).order_by(...).
template <class... Items>
window partition_by(const Items&... items) {
    return window{}.partition_by(items...);
}

/// A window over all rows in the order of `items`.
template <class... Items>
window order_by(const Items&... items) {
    return window{}.order_by(items...);
}

/// A window function read as T: only over() makes it an expression.
template <class T>
class window_function {
public:
    /// Wraps a function node.
    explicit window_function(sql::node_ptr function) : function_(std::move(function)) {}
    /// This function OVER `frame`.
    [[nodiscard]] expression<T> over(const window& frame = {}) const {
        return expression<T>{frame.apply_to(function_)};
    }

private:
    sql::node_ptr function_;
};

template <class Derived, class T>
expression<T> expression_methods<Derived, T>::over(const window& frame) const {
    return expression<T>{frame.apply_to(self_node())};
}
template <class Derived, class T>
expression<T> expression_methods<Derived, T>::over() const {
    return over(window{});
}

/// row_number(): 1, 2, 3 ... in the window's order.
inline window_function<std::int64_t> row_number() {
    return window_function<std::int64_t>{sql::make_function("row_number", {})};
}
/// rank(): the row's rank in the window's order, with gaps after ties.
inline window_function<std::int64_t> rank() { return window_function<std::int64_t>{sql::make_function("rank", {})}; }
/// dense_rank(): the row's rank without gaps.
inline window_function<std::int64_t> dense_rank() {
    return window_function<std::int64_t>{sql::make_function("dense_rank", {})};
}
/// ntile(buckets): which of `buckets` near-equal groups the row falls in, from 1.
inline window_function<std::int64_t> ntile(std::int64_t buckets) {
    return window_function<std::int64_t>{sql::make_function(
        "ntile", {sql::make_cast(sql::make_parameter(parameter::from_integer(buckets)), "INTEGER", "INTEGER")})};
}

namespace detail {
/// lag()/lead(): `name`(x, offset), NULL where the partition has no such row.
template <class X>
window_function<sql::nullable_t<sql::operand_value_t<X>>> shifted(std::string_view name, const X& operand,
                                                                  std::int64_t offset) {
    // PostgreSQL's lag(anyelement, integer) refuses a BIGINT parameter: the offset is cast.
    return window_function<sql::nullable_t<sql::operand_value_t<X>>>{sql::make_function(
        name, {sql::to_node(operand),
               sql::make_cast(sql::make_parameter(parameter::from_integer(offset)), "INTEGER", "INTEGER")})};
}
}  // namespace detail

/// lag(x, offset): x of the row `offset` rows before in the window; NULL before the first.
template <sql::expression_like X>
auto lag(const X& operand, std::int64_t offset = 1) {
    return detail::shifted("lag", operand, offset);
}
/// lead(x, offset): x of the row `offset` rows after in the window; NULL after the last.
template <sql::expression_like X>
auto lead(const X& operand, std::int64_t offset = 1) {
    return detail::shifted("lead", operand, offset);
}
/// first_value(x): x of the window frame's first row.
template <sql::expression_like X>
window_function<sql::operand_value_t<X>> first_value(const X& operand) {
    return window_function<sql::operand_value_t<X>>{sql::make_function("first_value", {sql::to_node(operand)})};
}
/// last_value(x): x of the window frame's last row (by default the current row's last peer).
template <sql::expression_like X>
window_function<sql::operand_value_t<X>> last_value(const X& operand) {
    return window_function<sql::operand_value_t<X>>{sql::make_function("last_value", {sql::to_node(operand)})};
}

}  // namespace strata
