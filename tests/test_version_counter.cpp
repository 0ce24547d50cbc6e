// strata::version_counter (SQLAlchemy's version_id_col): optimistic concurrency. Each test runs on
// the three databases, with two sessions standing for two requests: a change another session
// committed after this one loaded the row is a stale_data_error, never overwritten in silence.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "strata/orm.hpp"
#include "support/backends.hpp"

using strata::col;
using strata::testing::count_rows;
using strata::testing::for_each_backend;
using strata::testing::placeholder_of;

namespace version_counting {

/// A row two people may edit at once.
struct document {
    std::int64_t id = 0;
    std::string title;
    std::string body;
    std::int64_t version = 0;
};

/// A composite key and a 32-bit counter under another name.
struct note {
    std::string region;
    std::int64_t number = 0;
    std::string text;
    std::int32_t revision = 0;
};

/// A tree: deleting a parent and its child goes in one statement of several rows.
struct folder {
    std::int64_t id = 0;
    std::optional<std::int64_t> parent_id;
    std::string name;
    std::int64_t version = 0;
    strata::one<folder> parent;
    strata::many<folder> children;
};

/// A versioned row with a column every UPDATE sets on the server (read back by RETURNING, or on
/// MariaDB by a SELECT after the UPDATE).
struct stamped {
    std::int64_t id = 0;
    std::string title;
    std::optional<std::int64_t> stamp;
    std::int64_t version = 0;
};

}  // namespace version_counting

template <>
struct strata::mapping<version_counting::stamped> {
    using stamped = version_counting::stamped;
    static constexpr auto table = strata::table("stamped_rows", strata::column<&stamped::id>("id", strata::primary_key),
                                                strata::column<&stamped::title>("title"),
                                                strata::column<&stamped::stamp>("stamp", strata::on_update{"100"}),
                                                strata::column<&stamped::version>("version", strata::version_counter));
};

template <>
struct strata::mapping<version_counting::document> {
    using document = version_counting::document;
    static constexpr auto table =
        strata::table("documents", strata::column<&document::id>("id", strata::primary_key),
                      strata::column<&document::title>("title"), strata::column<&document::body>("body"),
                      strata::column<&document::version>("version", strata::version_counter));
};

template <>
struct strata::mapping<version_counting::note> {
    using note = version_counting::note;
    static constexpr auto table =
        strata::table("versioned_notes",
                      strata::column<&note::region>("region", strata::primary_key,
                                                    strata::sql_type{"VARCHAR(20)", {}, "VARCHAR(20)"}),
                      strata::column<&note::number>("number", strata::primary_key), strata::column<&note::text>("text"),
                      strata::column<&note::revision>("revision", strata::version_counter));
};

template <>
struct strata::mapping<version_counting::folder> {
    using folder = version_counting::folder;
    static constexpr auto table = strata::table(
        "versioned_folders", strata::column<&folder::id>("id", strata::primary_key),
        strata::column<&folder::parent_id>("parent_id", strata::references<&folder::id>()),
        strata::column<&folder::name>("name"), strata::column<&folder::version>("version", strata::version_counter),
        strata::many_to_one<&folder::parent, &folder::parent_id>("folder.parent"),
        strata::one_to_many<&folder::children, &folder::parent_id>("folder.children"));
};

namespace version_counting {

using strata::testing::fresh_tables;

/// A folder row written by hand.
folder make_folder(std::int64_t id, std::optional<std::int64_t> parent_id, std::string name) {
    folder made;
    made.id = id;
    made.parent_id = parent_id;
    made.name = std::move(name);
    return made;
}

/// title, body and version of document `id` as the database holds them, read on a connection of its own.
struct stored_document {
    std::string title;
    std::string body;
    std::int64_t version = 0;
    friend bool operator==(const stored_document&, const stored_document&) = default;
};
std::optional<stored_document> stored(const strata::engine& engine, std::int64_t id) {
    auto connection = engine.connect();
    for (const auto& row :
         connection.execute("SELECT title, body, version FROM documents WHERE id = " + std::to_string(id)))
        return stored_document{row.get<std::string>(0), row.get<std::string>(1), row.get<std::int64_t>(2)};
    return std::nullopt;
}

/// Two documents at version 1, written by a session of their own.
void two_documents(const strata::engine& engine) {
    fresh_tables<document>(engine);
    strata::session writer{engine};
    writer.add(document{.id = 1, .title = "draft", .body = "first"});
    writer.add(document{.id = 2, .title = "other", .body = "second"});
    writer.commit();
}

/// `id` changed and committed by a session of its own (another request).
void edited_elsewhere(const strata::engine& engine, std::int64_t id, const std::string& body) {
    strata::session other{engine};
    auto row = other.get<document>(id);
    REQUIRE(row);
    row->body = body;
    other.commit();
}

}  // namespace version_counting

using namespace version_counting;

TEST_CASE("a versioned row is inserted at version 1 and each UPDATE counts it up, matching the version loaded") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<document>(engine);
        strata::session session{engine};
        auto draft = session.add(document{.id = 1, .title = "draft", .body = "text"});
        strata::statement_counter counter{engine};
        session.commit();
        CHECK(draft->version == 1);
        CHECK(stored(engine, 1) == stored_document{"draft", "text", 1});
        REQUIRE(counter.statements().size() >= 1);
        CHECK(counter.statements().front().starts_with("INSERT INTO documents (id, title, body, version) VALUES"));

        draft->title = "final";
        counter.reset();
        session.flush();
        const auto p = [&](int n) { return placeholder_of(engine, n); };
        REQUIRE(counter.statements().size() == 1);
        CHECK(counter.statements().front() == "UPDATE documents SET title = " + p(1) + ", version = " + p(2) +
                                                  " WHERE id = " + p(3) + " AND version = " + p(4));
        CHECK(draft->version == 2);
        draft->body = "more";
        session.commit();
        CHECK(draft->version == 3);
        CHECK(stored(engine, 1) == stored_document{"final", "more", 3});

        // No change, no statement: the version stays.
        counter.reset();
        session.flush();
        CHECK(counter.statements().empty());
        CHECK(stored(engine, 1)->version == 3);

        // A version the user sets is the new one; the version loaded is still the one matched.
        draft = session.get<document>(1);
        draft->version = 10;
        counter.reset();
        session.commit();
        REQUIRE(counter.statements().size() >= 1);
        CHECK(counter.statements().front() ==
              "UPDATE documents SET version = " + p(1) + " WHERE id = " + p(2) + " AND version = " + p(3));
        CHECK(stored(engine, 1)->version == 10);
    });
}

TEST_CASE(
    "an UPDATE or DELETE of a row another session changed since the load is a stale_data_error and "
    "writes nothing") {
    for_each_backend([](strata::engine& engine) {
        two_documents(engine);
        strata::session session{engine};
        auto first = session.get<document>(1);
        REQUIRE(first->version == 1);
        session.commit();  // the request ends its transaction; the object keeps what it loaded

        edited_elsewhere(engine, 1, "their edit");
        first->title = "my title";
        CHECK_THROWS_AS(session.commit(), strata::stale_data_error);
        CHECK(first->version == 1);  // the flush's count-up is given back with the rest
        CHECK(stored(engine, 1) == stored_document{"draft", "their edit", 2});
        session.rollback();

        // Loaded again, the change goes in on top of theirs.
        first = session.get<document>(1);
        CHECK(first->version == 2);
        CHECK(first->body == "their edit");
        first->title = "my title";
        session.commit();
        CHECK(stored(engine, 1) == stored_document{"my title", "their edit", 3});

        auto second = session.get<document>(2);
        session.commit();
        edited_elsewhere(engine, 2, "edited before the delete");
        session.remove(second);
        try {
            session.commit();
            FAIL("the DELETE of a row changed since its load went through");
        } catch (const strata::stale_data_error& error) {
            CHECK_THAT(error.what(), Catch::Contains("DELETE of documents (id = 2, version = 1) matched no row"));
        }
        session.rollback();
        CHECK(stored(engine, 2) == stored_document{"other", "edited before the delete", 2});
    });
}

TEST_CASE("a flush with one stale row among several writes none of them and gives every counter back") {
    for_each_backend([](strata::engine& engine) {
        two_documents(engine);
        strata::session session{engine};
        auto first = session.get<document>(1);
        auto second = session.get<document>(2);
        session.commit();
        edited_elsewhere(engine, 2, "their edit");
        first->title = "mine 1";
        second->title = "mine 2";
        CHECK_THROWS_AS(session.flush(), strata::stale_data_error);
        CHECK(first->version == 1);
        CHECK(second->version == 1);
        CHECK(stored(engine, 1) == stored_document{"draft", "first", 1});
        CHECK(stored(engine, 2) == stored_document{"other", "their edit", 2});
        CHECK_THROWS_AS(session.commit(), strata::pending_rollback_error);
        session.rollback();
        CHECK(stored(engine, 1)->version == 1);
    });
}

TEST_CASE("a new object whose INSERT failed gets its version 0 back") {
    for_each_backend([](strata::engine& engine) {
        two_documents(engine);
        strata::session session{engine};
        auto clash = session.add(document{.id = 1, .title = "same key", .body = ""});
        CHECK_THROWS_AS(session.commit(), strata::integrity_error);
        CHECK(clash->version == 0);
        session.rollback();
    });
}

TEST_CASE("merge() of a copy made from an older version is a stale_data_error; a copy left at version 0 merges") {
    for_each_backend([](strata::engine& engine) {
        two_documents(engine);
        const document copy{.id = 1, .title = "from the form", .body = "first", .version = 1};
        edited_elsewhere(engine, 1, "their edit");
        strata::session session{engine};
        try {
            session.merge(copy);
            FAIL("merge() took a copy of version 1 onto version 2");
        } catch (const strata::stale_data_error& error) {
            CHECK_THAT(error.what(), Catch::Contains("merge() of documents with version = 1"));
        }
        session.rollback();  // gives its connection back (SQLite's memory database has one)
        CHECK(stored(engine, 1) == stored_document{"draft", "their edit", 2});

        auto current = copy;
        current.version = 2;
        auto merged = session.merge(current);
        CHECK(merged->title == "from the form");
        session.commit();
        CHECK(stored(engine, 1) == stored_document{"from the form", "first", 3});

        auto unversioned = copy;
        unversioned.version = 0;
        unversioned.title = "latest";
        merged = session.merge(unversioned);
        CHECK(merged->version == 3);
        session.commit();
        CHECK(stored(engine, 1) == stored_document{"latest", "first", 4});
    });
}

TEST_CASE(
    "bulk_insert writes version 1 where the object holds 0; bulk_update matches each row's version and "
    "fails the whole batch on a stale one") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<document>(engine);
        std::vector<document> documents;
        for (std::int64_t id = 1; id <= 250; ++id)
            documents.push_back({.id = id, .title = "t" + std::to_string(id), .body = "b", .version = id == 7 ? 7 : 0});
        strata::session session{engine};
        CHECK(session.bulk_insert<document>(documents) == 250);
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM documents WHERE version = 1") == 249);
        CHECK(stored(engine, 7)->version == 7);

        for (auto& item : documents) {
            item.version = item.id == 7 ? 7 : 1;
            item.body = "updated";
        }
        strata::statement_counter counter{engine};
        CHECK(session.bulk_update<document>(documents) == 250);
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM documents WHERE version = 2 AND body = 'updated'") == 249);
        CHECK(stored(engine, 7) == stored_document{"t7", "updated", 8});
        bool matched_version = false;
        for (const auto& statement : counter.statements())
            matched_version = matched_version || statement.find("AND version = ") != std::string::npos;
        CHECK(matched_version);

        // The objects still hold the versions they were loaded at: row 0 first is stale.
        for (auto& item : documents) item.body = "again";
        documents[0].version = 2;
        try {
            session.bulk_update<document>(documents);
            FAIL("bulk_update wrote rows whose versions had moved on");
        } catch (const strata::stale_data_error& error) {
            CHECK_THAT(error.what(), Catch::Contains("bulk_update row 1 of documents matched no row"));
        }
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM documents WHERE body = 'again'") == 0);
        CHECK(stored(engine, 1)->version == 2);
    });
}

TEST_CASE("an UPDATE that reads on_update columns back matches the version too, and a stale one reads nothing") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<stamped>(engine);
        strata::session session{engine};
        auto row = session.add(stamped{.id = 5, .title = "first", .stamp = std::nullopt});  // no key equals a version
        session.commit();
        row->title = "second";
        strata::statement_counter counter{engine};
        session.commit();
        const auto p = [&](int n) { return placeholder_of(engine, n); };
        REQUIRE(counter.statements().size() >= 1);
        const std::string update = "UPDATE stamped_rows SET title = " + p(1) + ", version = " + p(2) +
                                   ", stamp = 100 WHERE id = " + p(3) + " AND version = " + p(4);
        CHECK(counter.statements().front() ==
              (engine.sql_dialect() == strata::dialect::mariadb ? update : update + " RETURNING stamp"));
        CHECK(row->stamp == 100);
        CHECK(row->version == 2);

        {
            strata::session other{engine};
            other.get<stamped>(std::int64_t{5})->title = "theirs";
            other.commit();
        }
        row->title = "mine";
        CHECK_THROWS_AS(session.commit(), strata::stale_data_error);
        CHECK(row->version == 2);
        session.rollback();
        CHECK(count_rows(engine, "SELECT version FROM stamped_rows WHERE title = 'theirs'") == 3);
        CHECK(count_rows(engine, "SELECT count(*) FROM stamped_rows") == 1);
    });
}

TEST_CASE("a composite key's UPDATE and DELETE match a 32-bit version counter too") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<note>(engine);
        strata::session session{engine};
        auto added = session.add(note{.region = "eu", .number = 1, .text = "hello"});
        session.commit();
        CHECK(added->revision == 1);
        added->text = "changed";
        strata::statement_counter counter{engine};
        session.flush();
        const auto p = [&](int n) { return placeholder_of(engine, n); };
        REQUIRE(counter.statements().size() == 1);
        CHECK(counter.statements().front() == "UPDATE versioned_notes SET text = " + p(1) + ", revision = " + p(2) +
                                                  " WHERE region = " + p(3) + " AND number = " + p(4) +
                                                  " AND revision = " + p(5));
        session.commit();
        CHECK(count_rows(engine, "SELECT revision FROM versioned_notes") == 2);

        {
            strata::session other{engine};
            other.get<note>(std::string{"eu"}, std::int64_t{1})->text = "theirs";
            other.commit();
        }
        session.remove(added);
        CHECK_THROWS_AS(session.commit(), strata::stale_data_error);
        session.rollback();
        CHECK(count_rows(engine, "SELECT revision FROM versioned_notes") == 3);
    });
}

TEST_CASE("a tree's rows deleted in one statement each match their version") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<folder>(engine);
        {
            strata::session writer{engine};
            writer.add(make_folder(1, std::nullopt, "root"));
            writer.add(make_folder(2, 1, "child"));
            writer.add(make_folder(3, 1, "sibling"));
            writer.commit();
        }
        strata::session session{engine};
        auto root = session.get<folder>(1);
        auto child = session.get<folder>(2);
        auto sibling = session.get<folder>(3);
        session.commit();
        {
            strata::session other{engine};
            other.get<folder>(2)->name = "renamed";
            other.commit();
        }
        session.remove(child);
        session.remove(sibling);
        session.remove(root);
        CHECK_THROWS_AS(session.commit(), strata::stale_data_error);
        session.rollback();
        CHECK(count_rows(engine, "SELECT count(*) FROM versioned_folders") == 3);

        root = session.get<folder>(1);
        child = session.get<folder>(2);
        sibling = session.get<folder>(3);
        CHECK(child->version == 2);
        session.remove(child);
        session.remove(sibling);
        session.remove(root);
        strata::statement_counter counter{engine};
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM versioned_folders") == 0);
        bool one_statement = false;
        for (const auto& statement : counter.statements())
            one_statement = one_statement || (statement.starts_with("DELETE FROM versioned_folders WHERE (id = ") &&
                                              statement.find(" AND version = ") != std::string::npos &&
                                              statement.find(") OR (") != std::string::npos);
        CHECK(one_statement);
    });
}

// Optimistic concurrency checked against a model: three sessions (three requests) load, edit,
// remove, add and commit versioned rows in random interleavings, each step its own transaction
// (so SQLite's single writer never waits). A plain picture of the table and of what each session
// holds (each object's values, and the values and version it last loaded) predicts every commit:
// it fails with stale_data_error exactly when one of its changed or removed rows has moved past
// the version loaded (or is gone), and then writes nothing. The table and every held object are
// compared with the picture after each step. STRATA_VERSION_SEQUENCES=<n> runs n sequences per
// database (scripts/soak.sh); a failure names its seed (STRATA_VERSION_SEED=<seed> replays it).
namespace version_model {

using version_counting::document;
using table_picture = std::map<std::int64_t, document>;

/// What one session holds of one row, in the picture.
struct held_document {
    document current;   ///< what the object holds
    document snapshot;  ///< what it held when last loaded or flushed (its version is the one matched)
    bool removed = false;
    bool added = false;  ///< pending: never written
};

/// Commits the sequences of one run made, by outcome: the run must see both.
inline std::uint64_t stale_commits = 0;
inline std::uint64_t clean_commits = 0;

/// One random sequence against one database.
class sequence {
public:
    sequence(strata::engine& engine, std::uint64_t seed) : engine_(engine), random_(seed) {
        auto connection = engine.connect();
        connection.execute("DELETE FROM documents");
        for (std::int64_t id = 1; id <= 4; ++id) {
            const document row{.id = id, .title = "t", .body = "b", .version = 1};
            connection.execute("INSERT INTO documents (id, title, body, version) VALUES ($1, $2, $3, $4)", row.id,
                               row.title, row.body, row.version);
            table_[id] = row;
        }
        for (std::size_t s = 0; s < session_count; ++s) sessions_.push_back(std::make_unique<strata::session>(engine));
    }

    void run(int steps) {
        for (int step = 0; step < steps; ++step) {
            const auto s = pick(session_count);
            // Loads, edits (most), removals, additions and commits, weighted so that sessions
            // often change rows another session has changed since.
            constexpr std::array weights{2, 3, 1, 1, 2};
            auto choice = pick(9);
            std::size_t kind = 0;
            while (choice >= static_cast<std::size_t>(weights[kind]))
                choice -= static_cast<std::size_t>(weights[kind++]);
            if (kind == 0)
                load(s);
            else if (kind == 1)
                edit(s);
            else if (kind == 2)
                remove(s);
            else if (kind == 3)
                add(s);
            else
                commit(s);
            compare();
        }
        for (std::size_t s = 0; s < session_count; ++s) commit(s);
        compare();
    }

private:
    static constexpr std::size_t session_count = 3;

    std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>{0, n - 1}(random_); }
    std::string some_text() { return std::string(1, static_cast<char>('a' + pick(3))); }

    [[nodiscard]] bool has_pending(std::size_t s) const {
        for (const auto& [id, held] : held_[s])
            if (held.removed || held.added || held.current.title != held.snapshot.title ||
                held.current.body != held.snapshot.body)
                return true;
        return false;
    }
    /// A key of `s`'s held objects that `usable` accepts, if any.
    template <class Usable>
    std::optional<std::int64_t> held_key(std::size_t s, Usable usable) {
        std::vector<std::int64_t> keys;
        for (const auto& [id, held] : held_[s])
            if (usable(held)) keys.push_back(id);
        if (keys.empty()) return std::nullopt;
        return keys[pick(keys.size())];
    }

    void load(std::size_t s) {
        if (has_pending(s)) commit(s);  // first: its get would flush them
        const auto id = static_cast<std::int64_t>(1 + pick(next_id_ - 1));
        log_ << "load s" << s << " #" << id << "; ";
        auto found = sessions_[s]->get<document>(id);
        sessions_[s]->commit();
        const auto row = table_.find(id);
        REQUIRE(static_cast<bool>(found) == (row != table_.end()));
        if (!found) {
            held_[s].erase(id);
            refs_[s].erase(id);
            return;
        }
        held_[s][id] = {row->second, row->second};
        refs_[s][id] = found;
    }
    void edit(std::size_t s) {
        auto id = held_key(s, [](const held_document& held) { return !held.removed; });
        if (!id) {
            load(s);
            id = held_key(s, [](const held_document& held) { return !held.removed; });
            if (!id) return;
        }
        auto& held = held_[s][*id];
        const auto text = some_text();
        const bool title = pick(2) == 0;
        log_ << "edit s" << s << " #" << *id << (title ? " title=" : " body=") << text << "; ";
        (title ? held.current.title : held.current.body) = text;
        (title ? refs_[s][*id]->title : refs_[s][*id]->body) = text;
    }
    void remove(std::size_t s) {
        const auto id = held_key(s, [](const held_document& held) { return !held.removed && !held.added; });
        if (!id) return;
        log_ << "remove s" << s << " #" << *id << "; ";
        sessions_[s]->remove(refs_[s][*id]);
        held_[s][*id].removed = true;
    }
    void add(std::size_t s) {
        const auto id = next_id_++;
        log_ << "add s" << s << " #" << id << "; ";
        const document row{.id = id, .title = some_text(), .body = some_text(), .version = 0};
        refs_[s][id] = sessions_[s]->add(document{row});
        held_[s][id] = {row, row, false, true};
    }
    void commit(std::size_t s) {
        bool stale = false;
        for (const auto& [id, held] : held_[s]) {
            if (held.added) continue;  // keys are never used twice
            const bool changed =
                held.removed || held.current.title != held.snapshot.title || held.current.body != held.snapshot.body;
            const auto row = table_.find(id);
            if (changed && (row == table_.end() || row->second.version != held.snapshot.version)) stale = true;
        }
        log_ << "commit s" << s << (stale ? " (stale); " : "; ");
        INFO(log_.str());
        bool failed = false;
        try {
            sessions_[s]->commit();
        } catch (const strata::stale_data_error&) {
            failed = true;
            sessions_[s]->rollback();
        }
        REQUIRE(failed == stale);
        ++(failed ? stale_commits : clean_commits);
        auto& held_here = held_[s];
        for (auto entry = held_here.begin(); entry != held_here.end();) {
            auto& [id, held] = *entry;
            if (failed) {
                // Discarded: the values stay as they are, and count as loaded, at the version loaded.
                if (held.added) {
                    refs_[s].erase(id);
                    entry = held_here.erase(entry);
                    continue;
                }
                held.removed = false;
                held.snapshot = {held.current.id, held.current.title, held.current.body, held.snapshot.version};
                ++entry;
                continue;
            }
            if (held.removed) {
                table_.erase(id);
                refs_[s].erase(id);
                entry = held_here.erase(entry);
                continue;
            }
            if (held.added) {
                held.current.version = 1;
                held.added = false;
                table_[id] = held.current;
            } else if (held.current.title != held.snapshot.title || held.current.body != held.snapshot.body) {
                // Only the changed columns are written: after a rollback an object may hold values
                // it never wrote, which count as loaded (README: the rollback discards them).
                auto& row = table_.at(id);
                if (held.current.title != held.snapshot.title) row.title = held.current.title;
                if (held.current.body != held.snapshot.body) row.body = held.current.body;
                row.version = held.current.version = held.snapshot.version + 1;
            }
            held.snapshot = held.current;
            ++entry;
        }
    }

    void compare() {
        INFO(log_.str());
        table_picture stored;
        {
            auto connection = engine_.connect();
            for (const auto& row : connection.execute("SELECT id, title, body, version FROM documents")) {
                const auto id = row.get<std::int64_t>(0);
                stored[id] = {id, row.get<std::string>(1), row.get<std::string>(2), row.get<std::int64_t>(3)};
            }
        }
        REQUIRE(stored.size() == table_.size());
        for (const auto& [id, row] : table_) {
            INFO("row " << id);
            REQUIRE(stored.contains(id));
            CHECK(stored[id].title == row.title);
            CHECK(stored[id].body == row.body);
            CHECK(stored[id].version == row.version);
        }
        for (std::size_t s = 0; s < session_count; ++s)
            for (const auto& [id, held] : held_[s]) {
                INFO("session " << s << " object " << id);
                const auto& object = *refs_[s].at(id);
                CHECK(object.title == held.current.title);
                CHECK(object.body == held.current.body);
                CHECK(object.version == held.current.version);
            }
    }

    strata::engine& engine_;
    std::mt19937_64 random_;
    std::ostringstream log_;
    table_picture table_;
    std::int64_t next_id_ = 5;
    std::vector<std::unique_ptr<strata::session>> sessions_;
    std::map<std::int64_t, held_document> held_[session_count];
    std::map<std::int64_t, strata::ref<document>> refs_[session_count];
};

void run_sequences(strata::engine& engine) {
    strata::testing::fresh_tables<document>(engine);
    stale_commits = clean_commits = 0;
    const auto sequences = strata::testing::environment_number("STRATA_VERSION_SEQUENCES", 40);
    const auto only = strata::testing::environment_number("STRATA_VERSION_SEED", 0);
    for (std::uint64_t seed = only ? only : 1; seed <= (only ? only : sequences); ++seed) {
        INFO("seed " << seed << " (replay: STRATA_VERSION_SEED=" << seed << ")");
        sequence run{engine, seed};
        run.run(40);
    }
    WARN("versioned commits: " << clean_commits << " written, " << stale_commits << " stale");
    CHECK(clean_commits > 0);
    CHECK(stale_commits > 0);
}

}  // namespace version_model

TEST_CASE(
    "three sessions editing versioned rows in random interleavings fail a commit exactly when a row it "
    "changes moved on since its load, and then write nothing") {
    DYNAMIC_SECTION("on sqlite") {
        auto engine = strata::create_engine(strata::testing::sqlite_file_url("version_model"));
        version_model::run_sequences(engine);
    }
    DYNAMIC_SECTION("on postgresql") {
        auto engine = strata::create_engine(strata::testing::postgresql_url());
        version_model::run_sequences(engine);
    }
    DYNAMIC_SECTION("on mariadb") {
        auto engine = strata::create_engine(strata::testing::mariadb_url());
        version_model::run_sequences(engine);
    }
}
