// expect: the foreign key must be a member of the collection's element type
// one_to_many names the parent's own id as the children's foreign key.
#include "strata/orm.hpp"
struct Book;
struct Author {
    std::int64_t id = 0;
    strata::many<Book> books;
};
struct Book {
    std::int64_t id = 0;
    std::int64_t author_id = 0;
};
template <>
struct strata::mapping<Author> {
    static constexpr auto table = strata::table("authors", strata::column<&Author::id>("id", strata::primary_key),
                                                strata::one_to_many<&Author::books, &Author::id>("author.books"));
};
template <>
struct strata::mapping<Book> {
    static constexpr auto table = strata::table("books", strata::column<&Book::id>("id", strata::primary_key),
                                                strata::column<&Book::author_id>("author_id"));
};
void use(strata::session& session) { session.add(Author{}); }
int main() {}
