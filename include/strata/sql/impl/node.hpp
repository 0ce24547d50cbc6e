// strata/sql/impl/node.hpp - the definitions behind strata/sql/node.hpp (building nodes).
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "strata/detail/linkage.hpp"
#include "strata/detail/string_hash.hpp"
#include "strata/sql/node.hpp"

namespace strata::sql {

STRATA_COMPILED_LINKAGE std::string_view permanent_name(std::string_view text) {
    static std::mutex guard;
    static std::unordered_set<std::string, strata::detail::string_hash, std::equal_to<>> made;  // nodes never move
    std::lock_guard lock{guard};
    if (const auto found = made.find(text); found != made.end()) return *found;
    return *made.emplace(text).first;
}

STRATA_COMPILED_LINKAGE std::string_view numbered_alias(std::string_view table, unsigned number) {
    return permanent_name(std::string{table} + "_" + std::to_string(number));
}

STRATA_COMPILED_LINKAGE node_ptr finish(std::shared_ptr<node> built) {
    std::uint64_t shape =
        detail::mix(static_cast<std::uint64_t>(built->kind), static_cast<std::uint64_t>(built->binding));
    shape = detail::mix_static(shape, built->table.name);
    shape = detail::mix_static(shape, built->table.alias);
    shape = detail::mix_static(shape, built->text);
    if (!built->owned_text.empty()) shape = detail::mix_text(shape, built->owned_text);
    shape = detail::mix(shape, built->flag ? 1 : 2);
    for (const auto& child : built->children) shape = detail::mix(shape, child ? child->shape : 0);
    shape = detail::mix(shape, built->children.size());
    built->shape = shape;
    return built;
}

STRATA_COMPILED_LINKAGE node_ptr make_column(table_ref table, std::string_view name) {
    auto result = std::make_shared<node>();
    result->kind = node_kind::column;
    result->table = table;
    result->text = name;
    return finish(std::move(result));
}

STRATA_COMPILED_LINKAGE const node_ptr& make_column_node(const column_slot& slot) {
    // Two threads may both make one; the first to store it wins and the other's is dropped.
    auto created = std::make_unique<node_ptr>(make_column({slot.table, {}}, slot.name));
    const node_ptr* expected = nullptr;
    if (slot.made.compare_exchange_strong(expected, created.get(), std::memory_order_acq_rel,
                                          std::memory_order_acquire))
        return *created.release();  // kept for the run: statements built later share it
    return *expected;
}

STRATA_COMPILED_LINKAGE node_ptr make_parameter(const parameter& value) {
    auto result = std::make_shared<node>();
    result->kind = node_kind::parameter;
    result->value = value.to_owned();
    return finish(std::move(result));
}

STRATA_COMPILED_LINKAGE node_ptr make_label(node_ptr expression, std::string_view name) {
    auto item = std::make_shared<node>();
    item->kind = node_kind::label;
    item->owned_text = std::string{name};
    item->children = {std::move(expression)};
    return finish(std::move(item));
}

STRATA_COMPILED_LINKAGE node_ptr make_keyword(std::string_view text) {
    auto result = std::make_shared<node>();
    result->kind = node_kind::keyword;
    result->text = text;
    return finish(std::move(result));
}

STRATA_COMPILED_LINKAGE node_ptr make_operator(node_kind kind, std::string_view spelling, precedence binding,
                                               std::vector<node_ptr> operands) {
    auto result = std::make_shared<node>();
    result->kind = kind;
    result->text = spelling;
    result->binding = binding;
    result->children = std::move(operands);
    return finish(std::move(result));
}

STRATA_COMPILED_LINKAGE node_ptr make_cast(node_ptr operand, std::string_view postgresql_type,
                                           std::string_view sqlite_type) {
    auto result = std::make_shared<node>();
    result->kind = node_kind::cast;
    result->text = postgresql_type;
    result->owned_text = std::string{sqlite_type};
    result->children = {std::move(operand)};
    return finish(std::move(result));
}

STRATA_COMPILED_LINKAGE node_ptr make_per_dialect(node_ptr postgresql, node_ptr sqlite, node_ptr mariadb) {
    auto result = std::make_shared<node>();
    result->kind = node_kind::per_dialect;
    result->binding = std::min(postgresql->binding, sqlite->binding);  // parenthesized like the loosest
    if (mariadb) result->binding = std::min(result->binding, mariadb->binding);
    result->children = {std::move(postgresql), std::move(sqlite)};
    if (mariadb) result->children.push_back(std::move(mariadb));
    return finish(std::move(result));
}

namespace detail {
/// `item` on PostgreSQL, `item COLLATE strata_decimal` on SQLite.
STRATA_COMPILED_LINKAGE node_ptr decimal_collated(node_ptr item) {
    auto collated = make_operator(node_kind::unary_postfix, " COLLATE strata_decimal", precedence::unary, {item});
    return make_per_dialect(std::move(item), std::move(collated));
}
}  // namespace detail

STRATA_COMPILED_LINKAGE node_ptr make_decimal_comparison(std::string_view spelling, node_ptr left, bool left_decimal,
                                                         node_ptr right, bool right_decimal) {
    // SQLite compares text with a collation only when both sides are text: an integer side (a
    // column of integers, a bound integer) is cast to its text there.
    const auto as_text = [](node_ptr item, bool decimal) {
        if (decimal) return item;
        return make_per_dialect(item, make_cast(item, "TEXT", "TEXT"));
    };
    return make_operator(
        node_kind::binary, spelling, precedence::comparison,
        {detail::decimal_collated(as_text(std::move(left), left_decimal)), as_text(std::move(right), right_decimal)});
}

STRATA_COMPILED_LINKAGE node_ptr make_decimal_arithmetic(std::string_view spelling, precedence binding,
                                                         const node_ptr& left, const node_ptr& right) {
    const std::string_view function = spelling == " + "   ? "strata_decimal_add"
                                      : spelling == " - " ? "strata_decimal_sub"
                                                          : "strata_decimal_mul";
    return make_per_dialect(make_operator(node_kind::binary, spelling, binding, {left, right}),
                            make_function(function, {left, right}));
}

STRATA_COMPILED_LINKAGE node_ptr make_decimal_ordering(node_ptr expression) {
    if (expression->kind == node_kind::column) return expression;
    return detail::decimal_collated(std::move(expression));
}

STRATA_COMPILED_LINKAGE bool is_plain_name(std::string_view text, bool dotted) {
    if (text.empty() || (text[0] >= '0' && text[0] <= '9')) return false;
    return std::all_of(text.begin(), text.end(), [dotted](char c) {
        return c == '_' || (dotted && c == '.') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9');
    });
}

STRATA_COMPILED_LINKAGE node_ptr make_function(std::string_view name, std::vector<node_ptr> arguments, bool distinct) {
    auto result = std::make_shared<node>();
    result->kind = node_kind::function;
    result->text = name;
    result->children = std::move(arguments);
    result->flag = distinct;
    return finish(std::move(result));
}

STRATA_COMPILED_LINKAGE bool same_expression(const node& left, const node& right) {
    if (&left == &right) return true;
    if (left.kind != right.kind || left.kind == node_kind::parameter || left.shape != right.shape ||
        left.text != right.text || left.owned_text != right.owned_text || !(left.table == right.table) ||
        left.flag != right.flag || left.query != right.query || left.children.size() != right.children.size())
        return false;
    for (std::size_t i = 0; i < left.children.size(); ++i)
        if (!same_expression(*left.children[i], *right.children[i])) return false;
    return true;
}

STRATA_COMPILED_LINKAGE bool selects(const std::vector<node_ptr>& columns, const node& expression) {
    for (const auto& column : columns)
        if (same_expression(*column, expression) ||
            (column->kind == node_kind::label && same_expression(*column->children[0], expression)))
            return true;
    return false;
}

STRATA_COMPILED_LINKAGE node_ptr make_value_list(std::vector<node_ptr> items, std::string_view array_type) {
    value_kind kind = value_kind::null;
    bool values_only = !items.empty();
    for (const auto& item : items) {
        if (!item || item->kind != node_kind::parameter || item->value.kind() == value_kind::null) {
            values_only = false;
            break;
        }
        if (kind == value_kind::null) kind = item->value.kind();
        if (item->value.kind() != kind) {
            values_only = false;
            break;
        }
    }
    if (!values_only) return make_operator(node_kind::list, "", precedence::atom, std::move(items));
    return make_operator(node_kind::value_list, array_type.empty() ? array_type_name(kind) : array_type,
                         precedence::atom, std::move(items));
}

}  // namespace strata::sql
