// Random values of every mapped type, written by every write path and read back by every read
// path, on the three databases: what was written is what is read, or the write was refused.
//
// Each sequence writes rows whose members are random values of each type, at the edges each
// database documents (README, "Types"): integers at their limits, doubles from random bit patterns
// (subnormals, the largest, -0.0; NaN and infinities where the database stores them), floats
// likewise, decimals of up to 40 digits on each side of the point (35 and 30 on MariaDB), JSON in
// PostgreSQL's spelling, UUIDs of any bits (but those MariaDB refuses), an enum, dates and microsecond timestamps from
// year 0 to 9999 (4700 BC to 294000 AD on PostgreSQL), text of every UTF-8 length with quotes, backslashes and LIKE's
// wildcards (70,000 characters at times), and blobs of every byte. A row is written by the session's INSERT, by
// bulk_insert, by the session's UPDATE of a row written with other values, or by bulk_update (and
// again by bulk_insert into a table without the types PostgreSQL's binary COPY leaves out). Then every row is read by
// query().all(), by yield_per and by a Core select, and each value is found again by a filter on its column. Stop 48
// wrote this test: its first probe found MariaDB's rounded decimals left written (tests/test_decimal.cpp), and its
// first run MariaDB's refusal of some UUIDs (tests/test_types.cpp).
//
// STRATA_VALUE_SEQUENCES=<n> runs n sequences per backend (default 40; scripts/soak.sh runs 20,000),
// STRATA_VALUE_SEED=<seed> replays one.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "strata/core/decimal.hpp"
#include "strata/core/json.hpp"
#include "strata/core/uuid.hpp"
#include "strata/engine/statement_counter.hpp"
#include "strata/orm.hpp"
#include "support/backends.hpp"

namespace value_trips {
enum class shade { pale, deep, not_set };

/// One row of every type, each member nullable.
struct sample {
    std::int64_t id = 0;
    std::optional<bool> flag;
    std::optional<std::int16_t> small;
    std::optional<std::int32_t> medium;
    std::optional<std::int64_t> large;
    std::optional<double> real;
    std::optional<float> single;
    std::optional<strata::decimal> amount;
    std::optional<strata::json> document;
    std::optional<strata::uuid> identifier;
    std::optional<shade> tone;
    std::optional<std::chrono::year_month_day> day;
    std::optional<strata::timestamp> at;
    std::optional<std::string> text;
    std::optional<strata::blob> bytes;
};

/// The members binary COPY carries (no NUMERIC, JSONB, UUID or DATE column), so PostgreSQL's
/// bulk_insert of these is COPY ... (FORMAT binary), where sample's is a text COPY.
struct plain_sample {
    std::int64_t id = 0;
    std::optional<bool> flag;
    std::optional<std::int16_t> small;
    std::optional<std::int32_t> medium;
    std::optional<std::int64_t> large;
    std::optional<double> real;
    std::optional<float> single;
    std::optional<shade> tone;
    std::optional<strata::timestamp> at;
    std::optional<std::string> text;
    std::optional<strata::blob> bytes;
};
}  // namespace value_trips

template <>
struct strata::enum_names<value_trips::shade> {
    using shade = value_trips::shade;
    static constexpr std::array values{std::pair{shade::pale, "pale"}, std::pair{shade::deep, "deep"},
                                       std::pair{shade::not_set, "isn't set"}};
};

template <>
struct strata::mapping<value_trips::sample> {
    using sample = value_trips::sample;
    static constexpr auto table = strata::table(
        "value_samples", strata::column<&sample::id>("id", strata::primary_key), strata::column<&sample::flag>("flag"),
        strata::column<&sample::small>("small"), strata::column<&sample::medium>("medium"),
        strata::column<&sample::large>("large"), strata::column<&sample::real>("real_value"),
        strata::column<&sample::single>("single"), strata::column<&sample::amount>("amount"),
        strata::column<&sample::document>("document"), strata::column<&sample::identifier>("identifier"),
        strata::column<&sample::tone>("tone"), strata::column<&sample::day>("day"), strata::column<&sample::at>("at"),
        strata::column<&sample::text>("text_value"), strata::column<&sample::bytes>("bytes"));
};

template <>
struct strata::mapping<value_trips::plain_sample> {
    using plain = value_trips::plain_sample;
    static constexpr auto table =
        strata::table("plain_value_samples", strata::column<&plain::id>("id", strata::primary_key),
                      strata::column<&plain::flag>("flag"), strata::column<&plain::small>("small"),
                      strata::column<&plain::medium>("medium"), strata::column<&plain::large>("large"),
                      strata::column<&plain::real>("real_value"), strata::column<&plain::single>("single"),
                      strata::column<&plain::tone>("tone"), strata::column<&plain::at>("at"),
                      strata::column<&plain::text>("text_value"), strata::column<&plain::bytes>("bytes"));
};

namespace value_trips {
using strata::col;

/// Random values at the edges the database stores (MariaDB: no NaN or infinity, decimals of 35
/// and 30 digits).
class values {
public:
    values(std::uint64_t seed, strata::dialect database)
        : random_(seed),
          mariadb_(database == strata::dialect::mariadb),
          postgresql_(database == strata::dialect::postgresql) {}

    /// Whether a one-in-`n` chance came up.
    bool one_in(int n) { return pick(0, n - 1) == 0; }
    /// An integer in [low, high].
    std::int64_t pick(std::int64_t low, std::int64_t high) {
        return std::uniform_int_distribution<std::int64_t>{low, high}(random_);
    }

    sample row(std::int64_t id) {
        sample made;
        made.id = id;
        maybe(made.flag, [&] { return one_in(2); });
        maybe(made.small, [&] { return integer<std::int16_t>(); });
        maybe(made.medium, [&] { return integer<std::int32_t>(); });
        maybe(made.large, [&] { return integer<std::int64_t>(); });
        maybe(made.real, [&] { return real(); });
        maybe(made.single, [&] { return single(); });
        maybe(made.amount, [&] { return amount(); });
        maybe(made.document, [&] { return strata::json::parse(document(2)); });
        maybe(made.identifier, [&] { return identifier(); });
        maybe(made.tone, [&] { return static_cast<shade>(pick(0, 2)); });
        maybe(made.day, [&] { return day(); });
        maybe(made.at, [&] { return at(); });
        maybe(made.text, [&] { return text(); });
        maybe(made.bytes, [&] { return bytes(); });
        return made;
    }

private:
    template <class T, class Make>
    void maybe(std::optional<T>& member, Make make) {
        if (!one_in(5)) member = make();
    }
    template <class Integer>
    Integer integer() {
        using limits = std::numeric_limits<Integer>;
        switch (pick(0, 4)) {
            case 0:
                return limits::min();
            case 1:
                return limits::max();
            case 2:
                return static_cast<Integer>(pick(-2, 2));
            default:
                return static_cast<Integer>(pick(limits::min(), limits::max()));
        }
    }
    double real() {
        switch (pick(0, 9)) {
            case 0:
                return -0.0;
            case 1:
                return std::numeric_limits<double>::denorm_min();
            case 2:
                return -std::numeric_limits<double>::max();
            case 3:
                if (!mariadb_) return one_in(2) ? std::numeric_limits<double>::quiet_NaN() : -HUGE_VAL;
                [[fallthrough]];
            case 4:
                return static_cast<double>(pick(-1000, 1000)) / 8;
            default: {
                double value = 0;
                do value = std::bit_cast<double>(static_cast<std::uint64_t>(random_()));
                while (!std::isfinite(value));
                return value;
            }
        }
    }
    float single() {
        switch (pick(0, 5)) {
            case 0:
                return std::numeric_limits<float>::denorm_min();
            case 1:
                return -std::numeric_limits<float>::max();
            case 2:
                return 0.1F;
            default: {
                float value = 0;
                do value = std::bit_cast<float>(static_cast<std::uint32_t>(random_()));
                while (!std::isfinite(value));
                return value;
            }
        }
    }
    strata::decimal amount() {
        const auto digits = [&](std::int64_t count) {
            std::string text;
            for (std::int64_t i = 0; i < count; ++i) text += static_cast<char>('0' + pick(0, 9));
            return text;
        };
        std::string text = one_in(3) ? "-" : "";
        text += digits(pick(1, mariadb_ ? 35 : 40));
        if (!one_in(4)) text += "." + digits(pick(1, mariadb_ ? 30 : 40));
        return strata::decimal::parse(text);
    }
    /// JSON as PostgreSQL's JSONB prints it (keys unique, by length then bytes; ", " and ": "), so
    /// every database gives back the same text.
    std::string document(int depth) {
        switch (pick(0, depth > 0 ? 6 : 4)) {
            case 0:
                return "null";
            case 1:
                return one_in(2) ? "true" : "false";
            case 2:
                return std::to_string(pick(-100000, 100000));
            case 3:
            case 4: {
                std::string text = "\"";
                for (auto length = pick(0, 6); length > 0; --length) {
                    // escapes as JSONB prints them back: \" \\ \n \t \u0001
                    static constexpr std::array<std::string_view, 11> pieces{
                        "a", "Z", " ", "é", "日", "🦀", "\\\"", "\\\\", "\\n", "\\t", "\\u0001"};
                    text += pieces[static_cast<std::size_t>(pick(0, 10))];
                }
                return text + "\"";
            }
            case 5: {
                std::string text = "[";
                for (auto count = pick(0, 3), i = std::int64_t{0}; i < count; ++i)
                    text += (i ? ", " : "") + document(depth - 1);
                return text + "]";
            }
            default: {
                std::vector<std::string> keys;
                for (auto count = pick(0, 3); count > 0; --count) {
                    std::string key;
                    for (auto length = pick(1, 3); length > 0; --length) key += static_cast<char>('a' + pick(0, 2));
                    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
                }
                std::sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
                    return a.size() != b.size() ? a.size() < b.size() : a < b;
                });
                std::string text = "{";
                for (std::size_t i = 0; i < keys.size(); ++i)
                    text += (i ? ", \"" : "\"") + keys[i] + "\": " + document(depth - 1);
                return text + "}";
            }
        }
    }
    strata::uuid identifier() {
        std::array<std::uint8_t, 16> bytes{};
        const auto fill = pick(0, 5);  // the nil and the max UUID now and then
        for (auto& byte : bytes) byte = static_cast<std::uint8_t>(fill == 0 ? 0 : fill == 1 ? 255 : pick(0, 255));
        // MariaDB refuses a version digit of 8-f with a ninth byte of 01-80 (tests/test_types.cpp)
        if (mariadb_ && (bytes[6] & 0x80) != 0 && bytes[8] >= 0x01 && bytes[8] <= 0x80)
            bytes[8] = static_cast<std::uint8_t>(0x81 + bytes[8] % 0x7f);
        return strata::uuid{bytes};
    }
    /// From 0000-01-01 (0001-01-01 on MariaDB) to 9999-12-31 23:59:59.999999, the years SQLite and
    /// MariaDB store; on PostgreSQL from 4700 BC to 294000 AD (it stores 4713 BC to 294276 AD).
    strata::timestamp at() {
        constexpr std::int64_t year_0 = -62'167'219'200'000'000;      // 0000-01-01, PostgreSQL's 1 BC
        constexpr std::int64_t year_1 = -62'135'596'800'000'000;      // 0001-01-01
        constexpr std::int64_t year_10000 = 253'402'300'800'000'000;  // 10000-01-01
        constexpr std::int64_t thirty_years = 946'080'000'000'000;
        // (MariaDB refuses 0000-02-29, its year 0 having no leap day: it starts at year 1 here)
        const std::int64_t first = postgresql_ ? -210'453'379'200'000'000 : mariadb_ ? year_1 : year_0;
        const std::int64_t last = postgresql_ ? 9'215'576'668'799'999'999 : year_10000 - 1;
        std::int64_t micros = 0;
        switch (pick(0, 6)) {
            case 0:
                micros = one_in(2) ? first : last;
                break;
            case 1:
                micros = pick(-3'000'000, 3'000'000);
                break;
            case 2:
                micros = (one_in(2) ? year_0 : year_10000) + pick(-thirty_years, thirty_years);
                break;
            default:
                micros = pick(first, last);
        }
        return strata::timestamp{std::chrono::microseconds{std::clamp(micros, first, last)}};
    }
    /// A date of at()'s range, within year_month_day's years (to 32767).
    std::chrono::year_month_day day() {
        using namespace std::chrono;
        const auto last = sys_days{year{32767} / December / 31};
        return year_month_day{std::min(floor<days>(at()), last)};
    }
    std::string text() {
        static constexpr std::array<std::string_view, 22> pieces{
            "a", "Z",  " ",    "'",    "\"",   "\\",     "%",      "_",      "\t",     "\n",         "\r",
            "é", "日", "🦀", "\x01", "\x7f", "\u0080", "\u07ff", "\u0800", "\ufffd", "\U00010000", "\U0010ffff"};
        std::string text;
        const auto length = one_in(25) ? 70'000 : pick(0, 30);
        for (std::int64_t i = 0; i < length; ++i) {
            if (!postgresql_ && one_in(40))
                text += '\0';  // PostgreSQL refuses a NUL byte (tests/test_bulk.cpp); the others keep it
            else
                text += pieces[static_cast<std::size_t>(pick(0, 21))];
        }
        return text;
    }
    strata::blob bytes() {
        strata::blob value(static_cast<std::size_t>(one_in(25) ? 70'000 : pick(0, 40)));
        for (auto& byte : value) byte = static_cast<std::byte>(pick(0, 255));
        return value;
    }

    std::mt19937_64 random_;
    bool mariadb_;
    bool postgresql_;
};

/// Doubles and floats alike when both are NaN or equal (SQLite and MariaDB keep no -0.0).
template <class Real>
bool same_real(const std::optional<Real>& a, const std::optional<Real>& b) {
    if (a.has_value() != b.has_value()) return false;
    return !a || (std::isnan(*a) ? std::isnan(*b) : *a == *b);
}

/// What differs between the row written and the row read, member by member ("" when nothing).
std::string differences(const sample& written, const sample& read, bool mariadb) {
    std::ostringstream out;
    const auto check = [&out](bool same, const char* name) {
        if (!same) out << name << " ";
    };
    check(written.id == read.id, "id");
    check(written.flag == read.flag, "flag");
    check(written.small == read.small, "small");
    check(written.medium == read.medium, "medium");
    check(written.large == read.large, "large");
    check(same_real(written.real, read.real), "real");
    check(same_real(written.single, read.single), "single");
    // By value everywhere; the scale too where the database keeps it (MariaDB reads scale 30).
    check(written.amount == read.amount &&
              (mariadb || !written.amount || written.amount->to_string() == read.amount->to_string()),
          "amount");
    check(written.document.has_value() == read.document.has_value() &&
              (!written.document || written.document->text() == read.document->text()),
          "document");
    check(written.identifier == read.identifier, "identifier");
    check(written.tone == read.tone, "tone");
    check(written.day == read.day, "day");
    check(written.at == read.at, "at");
    check(written.text == read.text, "text");
    check(written.bytes == read.bytes, "bytes");
    return out.str();
}

/// Checks `read` (in id order) against `written`, naming the read path.
void compare(const std::vector<sample>& written, const std::vector<sample>& read, const char* path, bool mariadb) {
    INFO("read by " << path);
    REQUIRE(read.size() == written.size());
    for (std::size_t i = 0; i < written.size(); ++i) {
        INFO("row " << written[i].id);
        CHECK(differences(written[i], read[i], mariadb).empty());
    }
}

/// Whether a filter on `Member`'s column, equal to `row`'s value, finds `row` (NULL and NaN are
/// equal to nothing).
template <auto Member>
bool found_by(strata::session& session, const sample& row) {
    const auto& value = row.*Member;
    if (!value) return true;
    if constexpr (std::is_floating_point_v<std::remove_cvref_t<decltype(*value)>>)
        if (std::isnan(*value)) return true;
    for (const auto& item : session.query<sample>().filter(col<Member> == *value).all())
        if (item->id == row.id) return true;
    return false;
}
/// A filter on each column but the key and the JSON document.
constexpr std::array filters{&found_by<&sample::flag>,   &found_by<&sample::small>,      &found_by<&sample::medium>,
                             &found_by<&sample::large>,  &found_by<&sample::real>,       &found_by<&sample::single>,
                             &found_by<&sample::amount>, &found_by<&sample::identifier>, &found_by<&sample::tone>,
                             &found_by<&sample::day>,    &found_by<&sample::at>,         &found_by<&sample::text>,
                             &found_by<&sample::bytes>};

/// `plain`'s values in a sample, the members it lacks NULL.
sample sample_of(const plain_sample& plain) {
    sample row;
    row.id = plain.id;
    row.flag = plain.flag;
    row.small = plain.small;
    row.medium = plain.medium;
    row.large = plain.large;
    row.real = plain.real;
    row.single = plain.single;
    row.tone = plain.tone;
    row.at = plain.at;
    row.text = plain.text;
    row.bytes = plain.bytes;
    return row;
}

void run_sequence(strata::engine& engine, std::uint64_t seed) {
    const bool mariadb = engine.sql_dialect() == strata::dialect::mariadb;
    strata::testing::fresh_tables<sample>(engine);
    values make{seed, engine.sql_dialect()};
    std::vector<sample> written;
    std::vector<sample> bulk_inserted;
    std::vector<sample> bulk_updated;
    std::ostringstream paths;
    {
        strata::session session{engine};
        std::vector<std::pair<strata::ref<sample>, sample>> updated;
        for (std::int64_t id = 1; id <= 12; ++id) {
            auto row = make.row(id);
            written.push_back(row);
            switch (make.pick(0, 3)) {
                case 0:
                    paths << id << ":insert ";
                    session.add(std::move(row));
                    break;
                case 1:
                    paths << id << ":bulk_insert ";
                    bulk_inserted.push_back(std::move(row));
                    break;
                case 2:  // written with other values first, then changed through the session
                    paths << id << ":update ";
                    updated.emplace_back(session.add(make.row(id)), std::move(row));
                    break;
                default:
                    paths << id << ":bulk_update ";
                    session.add(make.row(id));
                    bulk_updated.push_back(std::move(row));
            }
        }
        INFO("paths " << paths.str());
        session.commit();
        for (auto& [object, wanted] : updated) *object = wanted;
        session.commit();
        if (!bulk_inserted.empty()) CHECK(session.bulk_insert<sample>(bulk_inserted) == std::ssize(bulk_inserted));
        if (!bulk_updated.empty()) CHECK(session.bulk_update<sample>(bulk_updated) == std::ssize(bulk_updated));
        session.commit();
    }
    INFO("paths " << paths.str());
    strata::session session{engine};
    std::vector<sample> read;
    for (const auto& item : session.query<sample>().order_by(col<&sample::id>).all()) read.push_back(*item);
    compare(written, read, "query().all()", mariadb);
    session.clear();
    read.clear();
    for (const auto& item : session.query<sample>().order_by(col<&sample::id>).yield_per(5)) read.push_back(*item);
    compare(written, read, "yield_per(5)", mariadb);
    read.clear();
    const auto rows = session.connection().execute(
        strata::select(col<&sample::id>, col<&sample::flag>, col<&sample::small>, col<&sample::medium>,
                       col<&sample::large>, col<&sample::real>, col<&sample::single>, col<&sample::amount>,
                       col<&sample::document>, col<&sample::identifier>, col<&sample::tone>, col<&sample::day>,
                       col<&sample::at>, col<&sample::text>, col<&sample::bytes>)
            .order_by(col<&sample::id>));
    for (const auto& tuple : rows)
        read.push_back(std::apply([](const auto&... members) { return sample{members...}; }, tuple));
    compare(written, read, "a Core select", mariadb);
    session.clear();
    // The same values by bulk_insert into a table binary COPY serves on PostgreSQL. (The reading
    // session's transaction ends first: MariaDB refuses a read of a table newer than its snapshot.)
    session.rollback();
    strata::testing::fresh_tables<plain_sample>(engine);
    std::vector<plain_sample> plain;
    std::vector<sample> expected;
    for (const auto& row : written) {
        plain.push_back({row.id, row.flag, row.small, row.medium, row.large, row.real, row.single, row.tone, row.at,
                         row.text, row.bytes});
        expected.push_back(sample_of(plain.back()));
    }
    {
        strata::session writer{engine};
        strata::statement_counter counter{engine};
        CHECK(writer.bulk_insert<plain_sample>(plain) == std::ssize(plain));
        if (engine.sql_dialect() == strata::dialect::postgresql)
            CHECK(counter.statements().at(0).ends_with("FROM STDIN (FORMAT binary)"));
        writer.commit();
    }
    read.clear();
    for (const auto& item : session.query<plain_sample>().order_by(col<&plain_sample::id>).all())
        read.push_back(sample_of(*item));
    compare(expected, read, "a binary bulk_insert, then query().all()", mariadb);
    for (int probe = 0; probe < 6; ++probe) {
        const auto& row = written[static_cast<std::size_t>(make.pick(0, 11))];
        const auto filter = static_cast<std::size_t>(make.pick(0, filters.size() - 1));
        INFO("row " << row.id << " by filter " << filter);
        CHECK(filters[filter](session, row));
    }
}

void run_sequences(strata::engine& engine) {
    const auto sequences = strata::testing::environment_number("STRATA_VALUE_SEQUENCES", 40);
    const auto only = strata::testing::environment_number("STRATA_VALUE_SEED", 0);
    for (std::uint64_t seed = only ? only : 1; seed <= (only ? only : sequences); ++seed) {
        INFO("seed " << seed << " (replay: STRATA_VALUE_SEED=" << seed << ")");
        run_sequence(engine, seed);
    }
}
}  // namespace value_trips

TEST_CASE("random values of every type read back as written, through every write and read path, on every database") {
    strata::testing::for_each_backend([](strata::engine& engine) { value_trips::run_sequences(engine); });
}
