// strata/orm/query.hpp - query<T>: identity-mapped objects from a SELECT built like Core's.
//
//   auto adults = session.query<User>().filter(col<&User::age> >= 18).order_by(col<&User::id>).limit(20).all();
//   bool taken  = session.query<User>().filter(col<&User::email> == email).exists();    // SELECT EXISTS (...)
//   auto slim   = session.query<User>().options(strata::load_only(&User::id, &User::email)).all();
//   auto mine   = session.query<Account>().with_for_update().filter(col<&Account::id> == id).one();
//   auto later  = session.query<Account>().filter(col<&Account::id> == id).pipelined();  // read with the next round
//   trip
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/detail/tuple_elements.hpp"
#include "strata/orm/keyset.hpp"
#include "strata/orm/load_only.hpp"
#include "strata/orm/loader_option.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/pending_query.hpp"
#include "strata/orm/query_base.hpp"
#include "strata/orm/ref.hpp"
#include "strata/orm/relationship.hpp"
#include "strata/orm/relationship_load.hpp"
#include "strata/orm/relationship_traits.hpp"
#include "strata/orm/session.hpp"
#include "strata/sql/compiler.hpp"
#include "strata/sql/expression.hpp"
#include "strata/sql/functions.hpp"
#include "strata/sql/select.hpp"

namespace strata {

template <class T>
class streamed;
template <class T, class... Columns>
class columns_query;

/// A query for objects of T; generative like select(), run by all(), first(), one() ...
template <class T>
class query : public orm::query_base {
public:
    /// A query over every row of T in `owner`.
    explicit query(session& owner) : orm::query_base(owner, orm::describe<T>()) {}

    /// Adds a WHERE condition (several are ANDed).
    template <class Condition>
    [[nodiscard]] query filter(const Condition& condition) const {
        sql::require_boolean<Condition>();
        return filter_node(sql::to_node(condition));
    }
    /// Adds a WHERE condition given as a node.
    [[nodiscard]] query filter_node(sql::node_ptr condition) const {
        query copy = *this;
        copy.add_filter(std::move(condition));
        return copy;
    }
    /// ORDER BY items.
    template <class... Items>
    [[nodiscard]] query order_by(const Items&... items) const {
        query copy = *this;
        (copy.core_.order_by.push_back(sql::to_order_item(items)), ...);
        return copy;
    }
    /// ORDER BY items already built (loaders order by a relationship's key columns).
    [[nodiscard]] query order_by_items(const std::vector<sql::order_item>& items) const {
        query copy = *this;
        copy.core_.order_by.insert(copy.core_.order_by.end(), items.begin(), items.end());
        return copy;
    }
    /// LIMIT count.
    [[nodiscard]] query limit(std::int64_t count) const {
        query copy = *this;
        copy.core_.limit = sql::make_parameter(parameter::from_integer(count));
        return copy;
    }
    /// OFFSET count.
    [[nodiscard]] query offset(std::int64_t count) const {
        query copy = *this;
        copy.core_.offset = sql::make_parameter(parameter::from_integer(count));
        return copy;
    }
    /// SELECT DISTINCT.
    [[nodiscard]] query distinct() const {
        query copy = *this;
        copy.core_.distinct = true;
        return copy;
    }
    /// INNER JOIN Model ON condition (to filter or order by its columns).
    template <class Model, class Condition>
    [[nodiscard]] query join(const Condition& on) const {
        query copy = *this;
        copy.core_.joins.push_back({sql::join_kind::inner, table_of<Model>(), sql::to_node(on)});
        return copy;
    }
    /// LEFT OUTER JOIN Model ON condition.
    template <class Model, class Condition>
    [[nodiscard]] query left_join(const Condition& on) const {
        query copy = *this;
        copy.core_.joins.push_back({sql::join_kind::left_outer, table_of<Model>(), sql::to_node(on)});
        return copy;
    }
    /// INNER JOIN an aliased table or a CTE ON condition (to filter by it: a recursive CTE's rows).
    template <sql::table_alias Alias, class Condition>
    [[nodiscard]] query join(const Alias& alias, const Condition& on) const {
        sql::require_boolean<Condition>();
        query copy = *this;
        copy.core_.joins.push_back({sql::join_kind::inner, alias.table(), sql::to_node(on)});
        return copy;
    }
    /// INNER JOIN a subquery (select(...).subquery("name")) ON condition.
    template <sql::derived_source Source, class Condition>
    [[nodiscard]] query join(const Source& source, const Condition& on) const {
        sql::require_boolean<Condition>();
        query copy = *this;
        copy.core_.joins.push_back(sql::derived_join(source, sql::to_node(on), sql::join_kind::inner));
        return copy;
    }
    /// WITH the CTE before the query, which can then join it or filter by it.
    template <sql::named_cte Cte>
    [[nodiscard]] query with_(const Cte& cte) const {
        query copy = *this;
        copy.core_.with.push_back(cte.definition());
        return copy;
    }
    /// GROUP BY items: with add_columns() aggregates, group by T's primary key (PostgreSQL takes
    /// T's other columns as depending on it; SQLite takes them anyway).
    template <class... Items>
    [[nodiscard]] query group_by(const Items&... items) const {
        query copy = *this;
        copy.add_group_by({sql::to_node(items)...});
        return copy;
    }
    /// HAVING condition (several are ANDed).
    template <class Condition>
    [[nodiscard]] query having(const Condition& condition) const {
        sql::require_boolean<Condition>();
        query copy = *this;
        copy.add_having(sql::to_node(condition));
        return copy;
    }
    /// Rows of an object and more columns: query<User>().outerjoin(&User::orders).group_by(col<&User::id>)
    /// .add_columns(strata::count(col<&Order::id>)) reads std::tuple<ref<User>, std::int64_t> rows.
    template <class... Items>
    [[nodiscard]] columns_query<T, sql::operand_value_t<Items>...> add_columns(const Items&... items) const;
    /// Loader options: load_only(...), selectinload(...), joinedload(...), contains_eager(...), raiseload(...).
    template <class... Options>
    [[nodiscard]] query options(const Options&... options) const {
        query copy = *this;
        (copy.apply(options), ...);
        return copy;
    }
    /// Adds already built relationship options (chained loaders use this).
    [[nodiscard]] query with_options(const orm::option_list& options) const {
        query copy = *this;
        copy.loaders_.insert(copy.loaders_.end(), options.begin(), options.end());
        return copy;
    }
    /// INNER JOIN along a relationship of T (query<Book>().join(&Book::author)).
    template <class Member>
    requires requires { typename Member::target_type; }
    [[nodiscard]] query join(Member T::*relationship) const {
        query copy = *this;
        orm::append_relationship_joins(copy.core_.joins, orm::relationship_join_of(relationship),
                                       sql::join_kind::inner);
        return copy;
    }
    /// LEFT OUTER JOIN along a relationship of T.
    template <class Member>
    requires requires { typename Member::target_type; }
    [[nodiscard]] query outerjoin(Member T::*relationship) const {
        query copy = *this;
        orm::append_relationship_joins(copy.core_.joins, orm::relationship_join_of(relationship),
                                       sql::join_kind::left_outer);
        return copy;
    }
    /// SELECT ... FOR UPDATE (or FOR SHARE with .read = true); rows read this way overwrite the
    /// identity-mapped objects' values, since a locked read is the one to act on. Left out on SQLite.
    [[nodiscard]] query with_for_update(lock_options options = {}) const {
        query copy = *this;
        copy.lock_rows(std::move(options));
        return copy;
    }

    /// Runs on the primary even when the session could read from a replica (a read that must
    /// see the latest committed data).
    [[nodiscard]] query on_primary() const {
        query copy = *this;
        copy.on_primary_ = true;
        return copy;
    }

    /// Overwrites the values of objects already in the identity map with the rows read
    /// (SQLAlchemy's populate_existing); refresh() and locking reads do this.
    [[nodiscard]] query populate_existing() const {
        query copy = *this;
        copy.overwrite_ = true;
        return copy;
    }

    /// Runs without flushing first (refresh() uses it: a refresh discards local changes).
    [[nodiscard]] query no_autoflush() const { return with_autoflush(false); }
    /// Whether to flush before running (the session's autoflush option still applies).
    [[nodiscard]] query with_autoflush(bool enabled) const {
        query copy = *this;
        copy.autoflush_ = enabled;
        return copy;
    }

    /// Every matching object, in query order.
    [[nodiscard]] std::vector<ref<T>> all() const { return collect(); }
    /// The first object (LIMIT 1), or an empty ref.
    [[nodiscard]] ref<T> first() const {
        auto found = limit(1).collect();
        return found.empty() ? ref<T>{} : std::move(found.front());
    }
    /// Exactly one object; throws no_result_found or multiple_results_found.
    [[nodiscard]] ref<T> one() const {
        auto found = one_or_none();
        if (!found) orm::throw_no_result(orm::describe<T>().table);
        return found;
    }
    /// One object or an empty ref; throws multiple_results_found for more than one.
    [[nodiscard]] ref<T> one_or_none() const {
        auto found = collect();  // all()'s path: no per-caller sink to compile for each model
        if (found.size() > 1) orm::throw_multiple_results(orm::describe<T>().table, found.size());
        return found.empty() ? ref<T>{} : std::move(found.front());
    }
    /// SQLAlchemy's Query.scalar() for an entity query: one_or_none().
    [[nodiscard]] ref<T> scalar() const { return one_or_none(); }

    /// Sends the query without waiting for its rows (after its autoflush): on PostgreSQL the SELECT
    /// goes with the session's next statement, send_held(), commit() or the first all() or one() of
    /// any pending query, in one round trip with everything held before it - several independent
    /// reads (rows locked with_for_update() at a transaction's start) cost one round trip together.
    /// SQLite and MariaDB run it at once. Its objects load into the identity map at the first
    /// all() or one() of the returned pending_query. A read sent to a replica that fails is not
    /// run again on another server, as all()'s is: its error comes out of the call that sent it.
    [[nodiscard]] pending_query<T> pipelined() const {
        return pending_query<T>{std::make_unique<orm::pipelined_load>(*this, session_->mapper_for<T>())};
    }

    /// One page after the cursor's last key, ordered by the keyset's columns; advances the cursor.
    template <auto... Members>
    std::vector<ref<T>> page(keyset<Members...>& cursor, std::int64_t size) const {
        static_assert((std::is_same_v<schema::model_of<Members>, T> && ...), "the keyset's columns must belong to T");
        query paged = *this;
        constexpr bool any_nullable = (detail::nullable_key_column<Members> || ...);
        if (const auto& last = cursor.last()) {
            if constexpr (any_nullable) {
                auto after = detail::keyset_after<Members...>(*last, cursor.order());
                if (!after) {  // ascending past a NULL in every column: nothing comes after
                    cursor.finish();
                    return {};
                }
                paged = paged.filter(std::move(*after));
            } else {
                auto keys = strata::tuple(col<Members>...);
                auto values = strata::detail::apply_to_elements(
                    [](const auto&... items) { return strata::tuple(items...); }, *last);
                paged = paged.filter(cursor.order() == sort_order::ascending ? (keys > values) : (keys < values));
            }
        }
        if (cursor.order() == sort_order::ascending)
            paged = paged.order_by(walk_order<Members>(col<Members>.asc(), sort_order::ascending)...);
        else
            paged = paged.order_by(walk_order<Members>(col<Members>.desc(), sort_order::descending)...);
        auto rows = paged.limit(size).all();
        if (rows.empty())
            cursor.finish();
        else
            cursor.advance(*rows.back());
        return rows;
    }

    /// A keyset column's ORDER BY item: a nullable one names its NULL placement (last ascending,
    /// first descending), which PostgreSQL and SQLite do not agree on by default.
    template <auto Member>
    static ordering walk_order(ordering item, sort_order order) {
        if constexpr (detail::nullable_key_column<Member>)
            return order == sort_order::ascending ? item.nulls_last() : item.nulls_first();
        else
            return item;
    }

    /// Streams the objects in batches of `batch` rows (a server-side cursor on PostgreSQL, stepping
    /// on SQLite): `for (auto& user : session.query<User>().yield_per(1000))`. The identity map
    /// holds at most the current batch of the objects the stream itself loaded: each finished batch
    /// is expunged, unless modified (changes still flush) or held by something else (a ref you kept,
    /// another object's loaded relationship: the session keeps one object per row). selectinload
    /// runs once per batch. A finished object nothing holds any more is reused for a later row
    /// (models without relationships): keep the ref, not a T* or T&, to keep an object past its batch.
    /// Refused (usage_error) with a joined or contains_eager collection, whose parents repeat over
    /// rows that batches would cut, and with distinct ordered by columns T does not have.
    [[nodiscard]] streamed<T> yield_per(std::size_t batch) const {
        if (std::any_of(loaders_.begin(), loaders_.end(), [](const auto& option) { return option->repeats_parents(); }))
            throw usage_error(
                "yield_per cannot stream a joined collection (joinedload or contains_eager of a "
                "one-to-many or many-to-many): a batch would cut a parent's rows and repeat the "
                "parent; use selectinload, which runs once per batch");
        if (orders_by_unselected())
            throw usage_error("yield_per cannot stream a distinct query of " + std::string{orm::describe<T>().table} +
                              " ordered by expressions it does not select: the same object may come back in several "
                              "batches; use all()");
        return streamed<T>{*this, batch};
    }

    /// The SQL this query runs, for a dialect (for logging and tests).
    [[nodiscard]] std::string sql(dialect target) const { return sql::compile_uncached(final_core(), target).sql; }

    /// Runs the query, handing each identity-mapped object to `sink` as its row is read; loader
    /// options see every row, then (selectinload) all parents before run() returns.
    template <class Sink>
    void run(Sink&& sink) const {
        auto each = [&sink](orm::tracked_pointer&& object) { sink(ref<T>{std::move(object)}); };
        load_objects(session_->mapper_for<T>(), each, nullptr);
    }

private:
    friend class streamed<T>;
    template <class, class...>
    friend class columns_query;

    template <class Target>
    void apply(const loader<T, Target>& option) {
        loaders_.push_back(option.option());
    }
    void apply(const load_only_option<T>& option) { load_only_columns(option.mask); }

    /// Every object the query loads, in row order (all(), first(), one_or_none()).
    std::vector<ref<T>> collect() const {
        std::vector<ref<T>> objects;
        auto append = [&objects](orm::tracked_pointer&& object) { objects.emplace_back(std::move(object)); };
        auto grow = [&objects](std::size_t count) { objects.reserve(objects.size() + count); };
        strata::detail::function_ref<void(std::size_t)> expect{grow};
        load_objects(session_->mapper_for<T>(), append, &expect);
        return objects;
    }
};

/// A query<T> whose rows carry more columns after the object (query<T>::add_columns): SQLAlchemy's
/// session.query(User, func.count(Order.id)). Rows read as std::tuple<ref<T>, Columns...>.
template <class T, class... Columns>
class columns_query {
public:
    /// One row: the object, then the added columns' values.
    using row_type = std::tuple<ref<T>, Columns...>;

    /// `source` with `columns` selected after its objects' columns.
    columns_query(query<T> source, std::vector<sql::node_ptr> columns) : source_(std::move(source)) {
        source_.extra_columns_.insert(source_.extra_columns_.end(), columns.begin(), columns.end());
    }

    /// Adds a WHERE condition.
    template <class Condition>
    [[nodiscard]] columns_query filter(const Condition& condition) const {
        return columns_query{source_.filter(condition)};
    }
    /// GROUP BY items.
    template <class... Items>
    [[nodiscard]] columns_query group_by(const Items&... items) const {
        return columns_query{source_.group_by(items...)};
    }
    /// HAVING condition.
    template <class Condition>
    [[nodiscard]] columns_query having(const Condition& condition) const {
        return columns_query{source_.having(condition)};
    }
    /// ORDER BY items (an added column too: order_by(strata::count(...).desc())).
    template <class... Items>
    [[nodiscard]] columns_query order_by(const Items&... items) const {
        return columns_query{source_.order_by(items...)};
    }
    /// LIMIT count.
    [[nodiscard]] columns_query limit(std::int64_t count) const { return columns_query{source_.limit(count)}; }
    /// OFFSET count.
    [[nodiscard]] columns_query offset(std::int64_t count) const { return columns_query{source_.offset(count)}; }

    /// Every row, in query order.
    [[nodiscard]] std::vector<row_type> all() const {
        std::vector<row_type> rows;
        std::optional<std::tuple<Columns...>> values;  // optional: a column type need not be default-constructible
        auto read = [&values](const driver::result& row, std::size_t first) {
            values.emplace(read_columns(row, first, std::index_sequence_for<Columns...>{}));
        };
        auto append = [&rows, &values](orm::tracked_pointer&& object) {
            rows.push_back(std::tuple_cat(std::make_tuple(ref<T>{std::move(object)}), std::move(*values)));
        };
        auto grow = [&rows](std::size_t count) { rows.reserve(count); };
        strata::detail::function_ref<void(std::size_t)> expect{grow};
        strata::detail::function_ref<void(const driver::result&, std::size_t)> extras{read};
        source_.load_objects(source_.session_->template mapper_for<T>(), append, &expect, &extras);
        return rows;
    }
    /// The first row (LIMIT 1), or none.
    [[nodiscard]] std::optional<row_type> first() const {
        auto rows = limit(1).all();
        if (rows.empty()) return std::nullopt;
        return std::move(rows.front());
    }

private:
    explicit columns_query(query<T> source) : source_(std::move(source)) {}
    template <std::size_t... Is>
    static std::tuple<Columns...> read_columns(const driver::result& row, std::size_t first,
                                               std::index_sequence<Is...>) {
        return std::tuple<Columns...>{read_field<Columns>(row, first + Is)...};
    }

    query<T> source_;
};

template <class T>
template <class... Items>
columns_query<T, sql::operand_value_t<Items>...> query<T>::add_columns(const Items&... items) const {
    static_assert(sizeof...(Items) >= 1, "add_columns() needs at least one column or expression");
    return columns_query<T, sql::operand_value_t<Items>...>{*this, {sql::to_node(items)...}};
}

/// The objects of a query, read in batches as the loop advances (query<T>::yield_per).
template <class T>
class streamed {
public:
    /// A stream over `source` in batches of `batch`.
    streamed(strata::query<T> source, std::size_t batch) : state_(std::make_unique<state>(std::move(source), batch)) {}

    /// Input iterator over the stream's objects.
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = ref<T>;
        using difference_type = std::ptrdiff_t;
        using pointer = const ref<T>*;
        using reference = const ref<T>&;
        iterator() = default;
        explicit iterator(streamed* owner) : owner_(owner) {
            if (!owner_->state_->advance()) owner_ = nullptr;
        }
        reference operator*() const { return owner_->state_->current(); }
        pointer operator->() const { return &owner_->state_->current(); }
        iterator& operator++() {
            if (!owner_->state_->advance()) owner_ = nullptr;
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& left, const iterator& right) noexcept {
            return left.owner_ == right.owner_;
        }

    private:
        streamed* owner_ = nullptr;
    };
    /// Starts the query (autoflush, then the streaming statement).
    iterator begin() { return iterator{this}; }
    /// The end.
    iterator end() noexcept { return {}; }

private:
    /// The typed steps of a row, loading into a released object (`spare`) when there is one.
    struct spare_loading : orm::row_loading_for<T> {
        orm::tracked_pointer* spare = nullptr;  ///< the last spare (empty once taken), or null

        [[nodiscard]] orm::tracked_pointer load_new(const void* key, const field_reader& row, const int* positions,
                                                    std::uint64_t mask) const {
            if (spare == nullptr || !*spare) return orm::row_loading_for<T>::load_new(key, row, positions, mask);
            auto reused = std::move(*spare);
            reused->expired = false;
            // The members the mapping does not name go back to their defaults (moving from a new T
            // keeps a string's buffer in libstdc++).
            orm::state_of<T>(*reused).object = T{};
            orm::row_loading_for<T>::read(*reused, key, row, positions, mask);
            return reused;
        }
    };

    class state {
    public:
        state(strata::query<T> source, std::size_t batch)
            : query_(std::move(source)), batch_size_(std::max<std::size_t>(batch, 1)) {}
        ~state() { release_batch(); }  // an early break or an exception: the cursor closes with rows_

        bool advance() {
            if (!started_) start();
            if (++index_ < batch_.size()) return true;
            release_batch();
            if (done_) return false;
            fill();
            index_ = 0;
            return !batch_.empty();
        }
        const ref<T>& current() const { return batch_[index_]; }

    private:
        void start() {
            started_ = true;
            auto& owner = *query_.session_;
            if (query_.autoflush_) owner.autoflush();
            core_ = query_.final_core();
            auto& connection = query_.connection_for(core_);
            query_.start_options(core_, runs_);
            const auto compiled = sql::compile(core_, connection.sql_dialect());
            rows_.emplace(connection.execute_streaming(compiled.sql, compiled.parameters, batch_size_));
            map_ = &owner.template mapper_for<T>();
            index_ = batch_size_;  // forces the first fill
        }
        void fill() {
            // Released objects nothing else holds came back as spares_ and are loaded into again.
            // The rest of the finished batch is freed only once the next rows have arrived: freed
            // first, their strings would sit in malloc's fast bins while libpq allocates the next
            // FETCH's result, which consolidates them all, and the new objects would then be carved
            // from the merged chunks. Freed after, the new objects' strings reuse them directly.
            retired_.swap(batch_);  // batch_ is now the empty vector retired_ was
            created_.clear();
            while (batch_.size() < batch_size_ && rows_->next()) {
                if (batch_.empty()) retired_.clear();
                bool created = false;
                ref<T> object{map_->load_row_through(spare_loading{{}, spares_.empty() ? nullptr : &spares_.back()},
                                                     rows_->driver_result(), query_.positions_, query_.mask_,
                                                     query_.overwrite_, &created)};
                if (!spares_.empty() && !spares_.back()) spares_.pop_back();
                if (!runs_.empty()) {
                    const orm::tracked_pointer& tracked = object.state();
                    for (auto& item : runs_) item->on_row(*query_.session_, tracked, rows_->driver_result());
                }
                if (created) created_.push_back(batch_.size());
                batch_.push_back(std::move(object));
            }
            retired_.clear();
            if (batch_.size() < batch_size_) {
                done_ = true;
                rows_.reset();  // close the cursor before the per-batch loads below
            }
            if (runs_.empty()) return;
            std::vector<orm::tracked_pointer> parents;
            parents.reserve(batch_.size());
            for (const auto& object : batch_) parents.push_back(object.state());
            for (auto& item : runs_) item->finish(*query_.session_, parents);
        }
        void release_batch() noexcept {
            if (map_ == nullptr) return;
            // Newest first: each release then takes the identity map's last entry and the end of
            // its slot run, so nothing moves (oldest first would shift every later entry back).
            for (auto index = created_.rbegin(); index != created_.rend(); ++index) {
                auto& item = batch_[*index];
                // Held by more than this batch and the identity map - another object's loaded
                // relationship, a handle the caller kept - it stays: released, the holder would
                // keep a second object for its row once the session loads that row again.
                if (item.state_.use_count() > 2) continue;
                try {
                    if (!map_->release(*item.state())) continue;
                } catch (...) {
                    continue;
                }
                // Released and held by nothing but this batch: the next batch reuses its memory,
                // strings included. Not for models with relationships, which weak handles reach.
                if constexpr (!orm::has_relationship_members<T>) {
                    if (item.state_.use_count() == 1) {
                        try {
                            spares_.push_back(std::move(item.state_));
                        } catch (...) {
                        }
                    }
                }
            }
            created_.clear();
        }

        strata::query<T> query_;
        std::size_t batch_size_;
        bool started_ = false;
        bool done_ = false;
        std::size_t index_ = 0;
        sql::select_core core_;
        std::vector<std::unique_ptr<orm::option_run>> runs_;
        std::optional<strata::result> rows_;
        orm::mapper<T>* map_ = nullptr;
        std::vector<ref<T>> batch_;
        std::vector<ref<T>> retired_;               ///< the previous batch, until the next one's first row has arrived
        std::vector<std::size_t> created_;          ///< positions in batch_ of the objects this stream loaded first
        std::vector<orm::tracked_pointer> spares_;  ///< released states for the next rows
    };
    std::unique_ptr<state> state_;
};

template <class T>
auto session::query() {
    // A model the ORM cannot use stops at checked_model's one static_assert; query<T> is not
    // instantiated for it (its errors would bury that message).
    if constexpr (orm::checked_model<T>()) return strata::query<T>{*this};
}

template <class T>
ref<T> session::by_key(const orm::key_type<T>& key, bool overwrite, bool autoflush) {
    auto& objects = mapper_for<T>();
    auto found = strata::detail::apply_to_elements(
        [&](const auto&... values) {
            const parameter values_bound[]{to_parameter(values)...};
            return orm::described_query::load_by_key(*this, objects, values_bound, overwrite, autoflush);
        },
        key);
    return ref<T>{std::move(found)};
}

}  // namespace strata
