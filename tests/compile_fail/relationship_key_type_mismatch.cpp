// expect: a relationship's foreign key and the key it references have different types
// The books' author_id is text while the authors' key is an integer.
#include "strata/orm.hpp"
struct Author;
struct Book {
    std::int64_t id = 0;
    std::string author_id;
    strata::one<Author> author;
};
struct Author {
    std::int64_t id = 0;
};
template <>
struct strata::mapping<Book> {
    static constexpr auto table = strata::table("books", strata::column<&Book::id>("id", strata::primary_key),
                                                strata::column<&Book::author_id>("author_id"),
                                                strata::many_to_one<&Book::author, &Book::author_id>("book.author"));
};
template <>
struct strata::mapping<Author> {
    static constexpr auto table = strata::table("authors", strata::column<&Author::id>("id", strata::primary_key));
};
void use(strata::session& session) { (void)session.get<Book>(1); }
int main() {}
