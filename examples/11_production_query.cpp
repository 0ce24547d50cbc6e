// 11_production_query: the seed's combined query, walking every page of 100,000 posts with 10
// comments each, one session per page as a request handler would (STRATA_EXAMPLE_POSTS changes
// the post count).
//
//   naive:    query<Post>().order_by(id).offset(k * 20).limit(20).all(), full rows, then
//             post->comments per post (a lazy load each): 1 + 20 statements a page, and OFFSET
//             makes the database walk past every earlier page
//   combined: query<Post>().options(selectinload(&Post::comments), load_only(&Post::id, &Post::title))
//             .page(keyset, 20): WHERE id > last_id ... LIMIT 20, then one IN statement: 2 a page
//
// Both variants check that they saw the same posts and the same comments.
#include <fmt/core.h>

#include <stdexcept>

#include "strata/orm.hpp"
#include "support/example.hpp"
#include "support/seed.hpp"

namespace examples {

struct feed_comment;

/// A post with a body the feed does not show.
struct feed_post {
    std::int64_t id = 0;
    std::string title;
    strata::deferred<std::string> body;
    strata::many<feed_comment> comments;
};

/// A comment on a post.
struct feed_comment {
    std::int64_t id = 0;
    std::int64_t post_id = 0;
    std::string text;
};

}  // namespace examples

template <>
struct strata::mapping<examples::feed_post> {
    static constexpr auto table = strata::table(
        "feed_posts",                                                         //
        strata::column<&examples::feed_post::id>("id", strata::primary_key),  //
        strata::column<&examples::feed_post::title>("title"),                 //
        strata::column<&examples::feed_post::body>("body"),                   //
        strata::one_to_many<&examples::feed_post::comments, &examples::feed_comment::post_id>("post.comments"));
};

template <>
struct strata::mapping<examples::feed_comment> {
    static constexpr auto table = strata::table(
        "feed_comments",                                                                                             //
        strata::column<&examples::feed_comment::id>("id", strata::primary_key),                                      //
        strata::column<&examples::feed_comment::post_id>("post_id", strata::references<&examples::feed_post::id>(),  //
                                                         strata::index),
        strata::column<&examples::feed_comment::text>("text"));
};

using examples::feed_comment;
using examples::feed_post;
using strata::col;

namespace {

// 100,000 posts; the test suite sets STRATA_EXAMPLE_POSTS lower (the naive variant's OFFSET walk
// grows with the square of the post count).
const std::int64_t post_count = examples::row_count("STRATA_EXAMPLE_POSTS", 100'000);
constexpr std::int64_t comments_each = 10;
constexpr std::int64_t page_size = 20;

/// What a walk saw: a checksum of post ids and titles, and of comment ids.
struct seen {
    std::int64_t posts = 0;
    std::int64_t comments = 0;
    std::int64_t post_checksum = 0;
    std::int64_t comment_checksum = 0;

    void add(const feed_post& item) {
        ++posts;
        post_checksum += item.id * static_cast<std::int64_t>(item.title.size());
        for (const auto& comment : item.comments) {
            ++comments;
            comment_checksum += comment->id;
        }
    }
    bool operator==(const seen&) const = default;
};

void seed(const strata::engine& engine) {
    strata::drop_all<feed_comment, feed_post>(engine);
    strata::create_all<feed_comment, feed_post>(engine);
    auto connection = engine.connect();
    examples::insert_generated(connection, "feed_posts", "id, title, body",
                               "n, 'post ' || n, " + examples::repeated_x(connection, 100), post_count);
    examples::insert_generated(connection, "feed_comments", "id, post_id, text",
                               // exact division on MariaDB too, where / is not integer division
                               fmt::format("n, ((n - 1) - (n - 1) % {0}) / {0} + 1, 'comment ' || n", comments_each),
                               post_count * comments_each);
}

}  // namespace

int main() try {
    auto engine = strata::create_engine(examples::database_url());
    seed(engine);
    seen naive;
    {
        examples::variant_run run{engine, "production_query", "naive"};
        for (std::int64_t offset = 0;; offset += page_size) {
            strata::session session{engine};
            const auto page =
                session.query<feed_post>().order_by(col<&feed_post::id>).offset(offset).limit(page_size).all();
            if (page.empty()) break;
            for (const auto& item : page) naive.add(*item);  // item->comments: a lazy load per post
        }
        run.finish(static_cast<std::size_t>(naive.posts), fmt::format("comments={}", naive.comments));
    }
    seen combined;
    {
        examples::variant_run run{engine, "production_query", "combined"};
        strata::keyset<&feed_post::id> cursor;
        while (!cursor.done()) {
            strata::session session{engine};
            const auto page = session.query<feed_post>()
                                  .options(strata::selectinload(&feed_post::comments),
                                           strata::load_only(&feed_post::id, &feed_post::title))
                                  .page(cursor, page_size);
            for (const auto& item : page) combined.add(*item);
        }
        run.finish(static_cast<std::size_t>(combined.posts), fmt::format("comments={}", combined.comments));
    }
    strata::drop_all<feed_comment, feed_post>(engine);
    if (!(naive == combined) || naive.posts != post_count || naive.comments != post_count * comments_each)
        throw std::runtime_error(
            fmt::format("the variants disagree: naive saw {} posts and {} comments, combined {} and {}", naive.posts,
                        naive.comments, combined.posts, combined.comments));
    return 0;
} catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
