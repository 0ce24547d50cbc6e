// Relationships keyed by the application types: a UUID, a calendar date and a decimal. The loads
// over relationship descriptions compare keys as their columns bind them (a UUID's text, a date's
// timestamp, a decimal's value whatever its scale), and a many-to-many's selectinload reads the
// association's key from each row by its column's kind. Every strategy, on every backend, must
// find the same objects.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "strata/core/decimal.hpp"
#include "strata/core/uuid.hpp"
#include "strata/orm.hpp"
#include "support/backends.hpp"

namespace typed_keys {

struct person;
struct sprint;
struct perk;

/// A team keyed by a UUID, with its people and the sprints it takes part in.
struct team {
    strata::uuid id;
    std::string name;
    strata::many<person> people;
    strata::many<sprint> sprints;
};

/// A person on a team (or none), by the team's UUID.
struct person {
    std::int64_t id = 0;
    std::optional<strata::uuid> team_id;
    std::string name;
    strata::one<team> on_team;
};

/// A badge issued for a team, by the team's UUID: no FOREIGN KEY, so the team may be gone.
struct badge {
    std::int64_t id = 0;
    strata::uuid team_id;
    strata::one<team> for_team;
};

/// A sprint keyed by the day it starts.
struct sprint {
    std::chrono::year_month_day start{};
    std::string goal;
    strata::many<team> teams;
};

/// The association of teams and sprints: a UUID and a date.
struct team_sprint {
    strata::uuid team_id;
    std::chrono::year_month_day sprint_start{};
};

/// A membership tier keyed by a decimal level, with its perks.
struct tier {
    strata::decimal level;
    std::string name;
    strata::many<perk> perks;
};

/// A perk that tiers grant.
struct perk {
    std::int64_t id = 0;
    std::string name;
    strata::many<tier> tiers;
};

/// The association of tiers and perks, its levels written at other scales than the tiers'.
struct tier_perk {
    strata::decimal tier_level;
    std::int64_t perk_id = 0;
};

}  // namespace typed_keys

template <>
struct strata::mapping<typed_keys::team> {
    static constexpr auto table =
        strata::table("key_teams", strata::column<&typed_keys::team::id>("id", strata::primary_key),
                      strata::column<&typed_keys::team::name>("name"),
                      strata::one_to_many<&typed_keys::team::people, &typed_keys::person::team_id>("team.people"),
                      strata::many_to_many<&typed_keys::team::sprints, &typed_keys::team_sprint::team_id,
                                           &typed_keys::team_sprint::sprint_start>("team.sprints"));
};

template <>
struct strata::mapping<typed_keys::person> {
    static constexpr auto table = strata::table(
        "key_people", strata::column<&typed_keys::person::id>("id", strata::primary_key),
        strata::column<&typed_keys::person::team_id>("team_id", strata::references<&typed_keys::team::id>()),
        strata::column<&typed_keys::person::name>("name"),
        strata::many_to_one<&typed_keys::person::on_team, &typed_keys::person::team_id>("person.team"));
};

template <>
struct strata::mapping<typed_keys::badge> {
    static constexpr auto table =
        strata::table("key_badges", strata::column<&typed_keys::badge::id>("id", strata::primary_key),
                      strata::column<&typed_keys::badge::team_id>("team_id"),
                      strata::many_to_one<&typed_keys::badge::for_team, &typed_keys::badge::team_id>("badge.team"));
};

template <>
struct strata::mapping<typed_keys::sprint> {
    static constexpr auto table =
        strata::table("key_sprints", strata::column<&typed_keys::sprint::start>("start", strata::primary_key),
                      strata::column<&typed_keys::sprint::goal>("goal"),
                      strata::many_to_many<&typed_keys::sprint::teams, &typed_keys::team_sprint::sprint_start,
                                           &typed_keys::team_sprint::team_id>("sprint.teams"));
};

template <>
struct strata::mapping<typed_keys::team_sprint> {
    static constexpr auto table =
        strata::table("key_team_sprints",
                      strata::column<&typed_keys::team_sprint::team_id>("team_id", strata::primary_key,
                                                                        strata::references<&typed_keys::team::id>()),
                      strata::column<&typed_keys::team_sprint::sprint_start>(
                          "sprint_start", strata::primary_key, strata::references<&typed_keys::sprint::start>()));
};

template <>
struct strata::mapping<typed_keys::tier> {
    static constexpr auto table =
        strata::table("key_tiers", strata::column<&typed_keys::tier::level>("level", strata::primary_key),
                      strata::column<&typed_keys::tier::name>("name"),
                      strata::many_to_many<&typed_keys::tier::perks, &typed_keys::tier_perk::tier_level,
                                           &typed_keys::tier_perk::perk_id>("tier.perks"));
};

template <>
struct strata::mapping<typed_keys::perk> {
    static constexpr auto table =
        strata::table("key_perks", strata::column<&typed_keys::perk::id>("id", strata::primary_key),
                      strata::column<&typed_keys::perk::name>("name"),
                      strata::many_to_many<&typed_keys::perk::tiers, &typed_keys::tier_perk::perk_id,
                                           &typed_keys::tier_perk::tier_level>("perk.tiers"));
};

template <>
struct strata::mapping<typed_keys::tier_perk> {
    static constexpr auto table = strata::table(
        "key_tier_perks", strata::column<&typed_keys::tier_perk::tier_level>("tier_level", strata::primary_key),
        strata::column<&typed_keys::tier_perk::perk_id>("perk_id", strata::primary_key));
};

namespace typed_keys {

using std::chrono::February;
using std::chrono::January;
using std::chrono::year_month_day;
using namespace std::chrono_literals;

const auto alpha_id = strata::uuid::parse("0b4e1f7c-9a3d-4c2e-8f10-5d6e7a8b9c01");
const auto beta_id = strata::uuid::parse("7f000001-0000-4000-8000-00000000beef");
const auto gamma_id = strata::uuid::parse("ffffffff-ffff-4fff-bfff-ffffffffffff");
constexpr year_month_day january_5 = 2026y / January / 5;
constexpr year_month_day january_19 = 2026y / January / 19;
constexpr year_month_day february_2 = 2026y / February / 2;

strata::decimal decimal_of(const char* text) { return strata::decimal::parse(text); }

/// Teams alpha (Ada and Cy; sprints of January 5 and 19), beta (Bob; January 19) and gamma
/// (nobody, no sprint), a person on no team, and a sprint no team takes part in; the sprints'
/// association rows written through the ORM. Tiers 1.5 (silver: wifi) and 2 (gold: lounge, wifi,
/// meal), their association rows written as 1.50, 2.0, 2.00 and 2.
void seed_typed_keys(const strata::engine& engine) {
    strata::drop_all<tier_perk, perk, tier, team_sprint, sprint, badge, person, team>(engine);
    strata::create_all<team, person, badge, sprint, team_sprint, tier, perk, tier_perk>(engine);
    {
        strata::session session{engine};
        auto first = session.add(sprint{january_5, "ship", {}});
        auto second = session.add(sprint{january_19, "polish", {}});
        session.add(sprint{february_2, "rest", {}});
        auto a = session.add(team{alpha_id, "alpha", {}, {}});
        auto b = session.add(team{beta_id, "beta", {}, {}});
        session.add(team{gamma_id, "gamma", {}, {}});
        a->sprints.add(first);
        a->sprints.add(second);
        b->sprints.add(second);
        session.add(person{1, alpha_id, "ada", {}});
        session.add(person{2, beta_id, "bob", {}});
        session.add(person{3, alpha_id, "cy", {}});
        session.add(person{4, std::nullopt, "dee", {}});
        session.add(badge{1, beta_id, {}});
        session.add(badge{2, strata::uuid::parse("00000000-0000-4000-8000-000000000000"), {}});  // no such team
        session.add(tier{decimal_of("1.5"), "silver", {}});
        session.add(tier{decimal_of("2"), "gold", {}});
        for (const auto& [id, name] : {std::pair{1, "lounge"}, std::pair{2, "wifi"}, std::pair{3, "meal"}})
            session.add(perk{id, name, {}});
        session.commit();
    }
    auto connection = engine.connect();
    strata::transaction transaction{connection};
    for (const auto& [level, perk_id] :
         {std::pair{"1.50", 2}, std::pair{"2.0", 1}, std::pair{"2.00", 2}, std::pair{"2", 3}})
        connection.execute("INSERT INTO key_tier_perks (tier_level, perk_id) VALUES ($1, $2)", decimal_of(level),
                           std::int64_t{perk_id});
    transaction.commit();
}

/// team -> its people's names and its sprints' goals, in key order.
using team_graph = std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>>;
team_graph graph_of(const std::vector<strata::ref<team>>& teams) {
    team_graph graph;
    for (const auto& item : teams) {
        auto& [people, sprints] = graph[item->name];
        for (const auto& member : item->people) people.push_back(member->name);
        for (const auto& taken : item->sprints) sprints.push_back(taken->goal);
    }
    return graph;
}

/// person -> their team's name ("-" for none).
std::map<std::string, std::string> teams_of(const std::vector<strata::ref<person>>& people) {
    std::map<std::string, std::string> found;
    for (const auto& member : people) {
        const auto on_team = member->on_team.get();
        found[member->name] = on_team ? on_team->name : "-";
    }
    return found;
}

/// tier -> its perks' names, in key order.
std::map<std::string, std::vector<std::string>> perks_of(const std::vector<strata::ref<tier>>& tiers) {
    std::map<std::string, std::vector<std::string>> found;
    for (const auto& item : tiers)
        for (const auto& granted : item->perks) found[item->name].push_back(granted->name);
    return found;
}

}  // namespace typed_keys

TEST_CASE("relationships keyed by a UUID and a date load the same objects lazily, by selectinload and by joinedload") {
    using namespace typed_keys;
    strata::testing::for_each_backend([](strata::engine& engine) {
        seed_typed_keys(engine);
        const team_graph expected{
            {"alpha", {{"ada", "cy"}, {"ship", "polish"}}}, {"beta", {{"bob"}, {"polish"}}}, {"gamma", {{}, {}}}};
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            CHECK(graph_of(session.query<team>().all()) == expected);
            CHECK(counter.count() == 1 + 3 * 2);
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            CHECK(graph_of(session.query<team>()
                               .options(strata::selectinload(&team::people), strata::selectinload(&team::sprints))
                               .all()) == expected);
            CHECK(counter.count() == 3);
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            CHECK(graph_of(session.query<team>()
                               .options(strata::joinedload(&team::people), strata::joinedload(&team::sprints))
                               .all()) == expected);
            CHECK(counter.count() == 1);
        }

        const std::map<std::string, std::string> teams{
            {"ada", "alpha"}, {"bob", "beta"}, {"cy", "alpha"}, {"dee", "-"}};
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            CHECK(teams_of(session.query<person>().all()) == teams);
            CHECK(counter.count() == 1 + 2);  // alpha once, then from the identity map
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            CHECK(teams_of(session.query<person>().options(strata::selectinload(&person::on_team)).all()) == teams);
            REQUIRE(counter.count() == 2);
            // On PostgreSQL one array of the keys' own type: TEXT[] would not compare with a uuid.
            CHECK(counter.statements()[1].find(engine.sql_dialect() == strata::dialect::postgresql
                                                   ? "WHERE key_teams.id = ANY($1::UUID[])"
                                                   : "WHERE key_teams.id IN (?, ?)") != std::string::npos);
        }
        {
            strata::session session{engine};
            CHECK(teams_of(session.query<person>().options(strata::joinedload(&person::on_team)).all()) == teams);
        }

        {
            // A badge whose team is gone: selectinload finds no row for its key and says so; reading
            // it then asks nothing more.
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto badges = session.query<badge>()
                                    .options(strata::selectinload(&badge::for_team))
                                    .order_by(strata::col<&badge::id>)
                                    .all();
            REQUIRE(badges.size() == 2);
            CHECK(badges[0]->for_team->name == "beta");
            CHECK(!badges[1]->for_team.get());
            CHECK(counter.count() == 2);
        }
        {
            // A user's IN list on a UUID column: the same array type.
            strata::session session{engine};
            CHECK(session.query<team>().filter(strata::col<&team::id>.in_(std::vector{alpha_id, gamma_id})).count() ==
                  2);
        }

        // The other side of the many-to-many: sprints to teams, by the association's date column.
        using teams_by_sprint = std::map<std::string, std::multiset<std::string>>;
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto sprints = session.query<sprint>().options(strata::selectinload(&sprint::teams)).all();
            REQUIRE(counter.count() == 2);
            CHECK(counter.statements()[1].find(engine.sql_dialect() == strata::dialect::postgresql
                                                   ? "WHERE key_team_sprints.sprint_start = ANY($1::TIMESTAMP[])"
                                                   : "WHERE key_team_sprints.sprint_start IN (?, ?, ?)") !=
                  std::string::npos);
            // Sorted by name (a multiset: a team listed twice shows): the collection comes in its key's
            // order, and MariaDB orders UUIDs otherwise than their text (it compares their groups in
            // another order).
            teams_by_sprint taken;
            for (const auto& item : sprints)
                for (const auto& member : item->teams) taken[item->goal].insert(member->name);
            CHECK(taken == teams_by_sprint{{"ship", {"alpha"}}, {"polish", {"alpha", "beta"}}});
            CHECK(counter.count() == 2);
        }
        // With the teams' people joined, the rows repeat a team once per person: it still joins
        // each sprint's collection once, and its people come with it.
        strata::session joined_session{engine};
        strata::statement_counter joined_counter{engine};
        const auto with_people = joined_session.query<sprint>()
                                     .options(strata::selectinload(&sprint::teams).joinedload(&team::people))
                                     .all();
        teams_by_sprint staffed;
        for (const auto& item : with_people)
            for (const auto& member : item->teams)
                staffed[item->goal].insert(member->name + ":" + std::to_string(member->people.size()));
        CHECK(staffed == teams_by_sprint{{"ship", {"alpha:2"}}, {"polish", {"alpha:2", "beta:1"}}});
        CHECK(joined_counter.count() == 2);
    });
}

TEST_CASE("a many-to-many keyed by a decimal finds its association rows at any scale, lazily and by selectinload") {
    using namespace typed_keys;
    strata::testing::for_each_backend([](strata::engine& engine) {
        seed_typed_keys(engine);
        const std::map<std::string, std::vector<std::string>> expected{{"gold", {"lounge", "wifi", "meal"}},
                                                                       {"silver", {"wifi"}}};
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            CHECK(perks_of(session.query<tier>().all()) == expected);
            CHECK(counter.count() == 1 + 2);
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            CHECK(perks_of(session.query<tier>().options(strata::selectinload(&tier::perks)).all()) == expected);
            CHECK(counter.count() == 2);
        }
        {
            strata::session session{engine};
            CHECK(perks_of(session.query<tier>().options(strata::joinedload(&tier::perks)).all()) == expected);
        }
        {
            // A user's IN list on a decimal column compares by value (1.50 finds 1.5).
            strata::session session{engine};
            CHECK(session.query<tier>()
                      .filter(strata::col<&tier::level>.in_(std::vector{decimal_of("1.50"), decimal_of("3")}))
                      .count() == 1);
        }
        // From the perks' side the association's decimal is the remote key: each perk finds its
        // tiers (the identity map holds one object per tier, whatever scale named it).
        strata::session session{engine};
        const auto perks =
            session.query<perk>().options(strata::selectinload(&perk::tiers)).order_by(strata::col<&perk::id>).all();
        REQUIRE(perks.size() == 3);
        CHECK(perks[0]->tiers.size() == 1);
        CHECK(perks[1]->tiers.size() == 2);
        CHECK(perks[2]->tiers.size() == 1);
        CHECK(perks[1]->tiers[0]->name == "silver");
        CHECK(perks[1]->tiers[1]->name == "gold");
        CHECK(perks[0]->tiers[0].get() == perks[1]->tiers[1].get());
    });
}
