// benchmarks/compile/minimal.cpp - the smallest mapped program: one model of three columns,
// create_all, add, commit, one filtered query printed. Its compile time is what a new user meets
// first (bench=compile tu=minimal).
#include <cstdio>
#include <strata/orm.hpp>
#include <strata/sqlite.hpp>

struct Note {
    std::int64_t id = 0;
    std::string title;
    int stars = 0;
};
template <>
struct strata::mapping<Note> {
    static constexpr auto table =
        strata::table("notes", strata::column<&Note::id>("id", strata::primary_key),
                      strata::column<&Note::title>("title"), strata::column<&Note::stars>("stars"));
};

int main() {
    auto engine = strata::create_engine("sqlite://");
    strata::create_all<Note>(engine);
    strata::session session{engine};
    session.add(Note{.title = "first", .stars = 4});
    session.commit();
    const auto found = session.query<Note>().filter(strata::col<&Note::stars> >= 3).all();
    for (const auto& note : found) std::printf("%lld %s\n", static_cast<long long>(note->id), note->title.c_str());
    return found.size() == 1 ? 0 : 1;
}
