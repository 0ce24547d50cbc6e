// benchmarks/compile/ten_models.cpp - ten mapped models, five parents each with a one-to-many to
// a child that has the many-to-one back, each pair loaded with a different strategy: what each
// further model costs to compile (bench=compile tu=ten_models).
#include <cstdio>
#include <strata/orm.hpp>
#include <strata/sqlite.hpp>

struct child0;
struct parent0 {
    std::int64_t id = 0;
    std::string name;
    strata::many<child0> children{};
};
struct child0 {
    std::int64_t id = 0;
    std::int64_t parent_id = 0;
    std::string label;
    strata::one<parent0> parent{};
};
template <>
struct strata::mapping<parent0> {
    static constexpr auto table = strata::table(
        "parents_0", strata::column<&parent0::id>("id", strata::primary_key), strata::column<&parent0::name>("name"),
        strata::one_to_many<&parent0::children, &child0::parent_id>("parent0.children"));
};
template <>
struct strata::mapping<child0> {
    static constexpr auto table =
        strata::table("children_0", strata::column<&child0::id>("id", strata::primary_key),
                      strata::column<&child0::parent_id>("parent_id", strata::references<&parent0::id>()),
                      strata::column<&child0::label>("label"),
                      strata::many_to_one<&child0::parent, &child0::parent_id>("child0.parent"));
};

struct child1;
struct parent1 {
    std::int64_t id = 0;
    std::string name;
    strata::many<child1> children{};
};
struct child1 {
    std::int64_t id = 0;
    std::int64_t parent_id = 0;
    std::string label;
    strata::one<parent1> parent{};
};
template <>
struct strata::mapping<parent1> {
    static constexpr auto table = strata::table(
        "parents_1", strata::column<&parent1::id>("id", strata::primary_key), strata::column<&parent1::name>("name"),
        strata::one_to_many<&parent1::children, &child1::parent_id>("parent1.children"));
};
template <>
struct strata::mapping<child1> {
    static constexpr auto table =
        strata::table("children_1", strata::column<&child1::id>("id", strata::primary_key),
                      strata::column<&child1::parent_id>("parent_id", strata::references<&parent1::id>()),
                      strata::column<&child1::label>("label"),
                      strata::many_to_one<&child1::parent, &child1::parent_id>("child1.parent"));
};

struct child2;
struct parent2 {
    std::int64_t id = 0;
    std::string name;
    strata::many<child2> children{};
};
struct child2 {
    std::int64_t id = 0;
    std::int64_t parent_id = 0;
    std::string label;
    strata::one<parent2> parent{};
};
template <>
struct strata::mapping<parent2> {
    static constexpr auto table = strata::table(
        "parents_2", strata::column<&parent2::id>("id", strata::primary_key), strata::column<&parent2::name>("name"),
        strata::one_to_many<&parent2::children, &child2::parent_id>("parent2.children"));
};
template <>
struct strata::mapping<child2> {
    static constexpr auto table =
        strata::table("children_2", strata::column<&child2::id>("id", strata::primary_key),
                      strata::column<&child2::parent_id>("parent_id", strata::references<&parent2::id>()),
                      strata::column<&child2::label>("label"),
                      strata::many_to_one<&child2::parent, &child2::parent_id>("child2.parent"));
};

struct child3;
struct parent3 {
    std::int64_t id = 0;
    std::string name;
    strata::many<child3> children{};
};
struct child3 {
    std::int64_t id = 0;
    std::int64_t parent_id = 0;
    std::string label;
    strata::one<parent3> parent{};
};
template <>
struct strata::mapping<parent3> {
    static constexpr auto table = strata::table(
        "parents_3", strata::column<&parent3::id>("id", strata::primary_key), strata::column<&parent3::name>("name"),
        strata::one_to_many<&parent3::children, &child3::parent_id>("parent3.children"));
};
template <>
struct strata::mapping<child3> {
    static constexpr auto table =
        strata::table("children_3", strata::column<&child3::id>("id", strata::primary_key),
                      strata::column<&child3::parent_id>("parent_id", strata::references<&parent3::id>()),
                      strata::column<&child3::label>("label"),
                      strata::many_to_one<&child3::parent, &child3::parent_id>("child3.parent"));
};

struct child4;
struct parent4 {
    std::int64_t id = 0;
    std::string name;
    strata::many<child4> children{};
};
struct child4 {
    std::int64_t id = 0;
    std::int64_t parent_id = 0;
    std::string label;
    strata::one<parent4> parent{};
};
template <>
struct strata::mapping<parent4> {
    static constexpr auto table = strata::table(
        "parents_4", strata::column<&parent4::id>("id", strata::primary_key), strata::column<&parent4::name>("name"),
        strata::one_to_many<&parent4::children, &child4::parent_id>("parent4.children"));
};
template <>
struct strata::mapping<child4> {
    static constexpr auto table =
        strata::table("children_4", strata::column<&child4::id>("id", strata::primary_key),
                      strata::column<&child4::parent_id>("parent_id", strata::references<&parent4::id>()),
                      strata::column<&child4::label>("label"),
                      strata::many_to_one<&child4::parent, &child4::parent_id>("child4.parent"));
};

int main() {
    auto engine = strata::create_engine("sqlite://");
    strata::create_all<parent0, child0, parent1, child1, parent2, child2, parent3, child3, parent4, child4>(engine);
    strata::session session{engine};
    std::size_t total = 0;
    {
        auto owner = session.add(parent0{.name = "p0"});
        owner->children.add(session.add(child0{.label = "c0"}));
    }
    {
        auto owner = session.add(parent1{.name = "p1"});
        owner->children.add(session.add(child1{.label = "c1"}));
    }
    {
        auto owner = session.add(parent2{.name = "p2"});
        owner->children.add(session.add(child2{.label = "c2"}));
    }
    {
        auto owner = session.add(parent3{.name = "p3"});
        owner->children.add(session.add(child3{.label = "c3"}));
    }
    {
        auto owner = session.add(parent4{.name = "p4"});
        owner->children.add(session.add(child4{.label = "c4"}));
    }
    session.commit();
    for (const auto& item : session.query<parent0>().all()) total += item->children.size();  // lazy
    for (const auto& item : session.query<child1>().options(strata::joinedload(&child1::parent)).all())
        total += item->parent->name.size();
    for (const auto& item : session.query<parent2>().options(strata::selectinload(&parent2::children)).all())
        total += item->children.size();
    for (const auto& item :
         session.query<child3>().join(&child3::parent).options(strata::contains_eager(&child3::parent)).all())
        total += item->parent->name.size();
    for (const auto& item : session.query<parent4>().options(strata::raiseload(&parent4::children)).all())
        total += item->name.size();
    std::printf("%zu\n", total);
    return total == 8 ? 0 : 1;  // 1 + 2 + 1 + 2 + 2: the ctest run of this program checks it
}
